"""Read and write Working Group products: stages, stage rules, language gates and flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from core import audit
from core.db import transaction
from core.permissions import User, require

STAGES = [
    "planned",
    "drafting",
    "consultation",
    "revision",
    "translation",
    "validation",
    "launched",
]
SIDE_STAGES = ["on_hold", "cancelled"]
ALL_STAGES = STAGES + SIDE_STAGES
STAGE_LABELS = {
    "planned": "Planned",
    "drafting": "Drafting",
    "consultation": "Champion consultation",
    "revision": "Revision",
    "translation": "Translation",
    "validation": "Validation",
    "launched": "Launched",
    "on_hold": "On hold",
    "cancelled": "Cancelled",
}
LANGS = ["en", "fr", "es"]
LANG_LABELS = {"en": "English", "fr": "French", "es": "Spanish"}
LANG_STATUSES = ["not_started", "in_translation", "ready", "published"]
LANG_STATUS_LABELS = {
    "not_started": "Not started",
    "in_translation": "In translation",
    "ready": "Ready",
    "published": "Published",
}
READY_STATUSES = frozenset({"ready", "published"})
KINDS = ["guidance", "toolkit", "training package", "brief", "report", "other"]
# A product launching within this many days with a required language not ready is at risk.
AT_RISK_DAYS = 30
DONE_STAGES = frozenset({"launched", "cancelled"})


class StageRuleError(ValueError):
    """A stage change breaks a pipeline rule; the message says which and why."""


class UnknownWorkstream(ValueError):
    """The workstream named does not exist."""


class PipelineConflict(RuntimeError):
    """Someone else changed the product meanwhile, or the database refused the write."""


def workplan_status(stage: str) -> str:
    """Return the Network's workplan status (Yet to start / Ongoing / Completed) for a stage."""
    if stage == "planned":
        return "Yet to start"
    if stage == "launched":
        return "Completed"
    if stage == "cancelled":
        # Outside the Network's three words on purpose: a cancelled item is neither of them.
        return "Cancelled"
    return "Ongoing"


def parse_languages(value: str | Iterable[str] | None) -> list[str]:
    """Return the language codes of 'en,fr,es' (or a list), in EN/FR/ES order."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = {item.strip().lower() for item in items if item and item.strip()}
    unknown = codes - set(LANGS)
    if unknown:
        raise ValueError(f"unknown language(s) {', '.join(sorted(unknown))}; use en, fr, es")
    return [lang for lang in LANGS if lang in codes]


def missing_languages(required: Iterable[str], statuses: Mapping[str, str | None]) -> list[str]:
    """Return the required languages that are neither ready nor published."""
    return [lang for lang in required if statuses.get(lang) not in READY_STATUSES]


def check_stage_change(
    *, from_stage: str | None, to_stage: str, required: Iterable[str], statuses: Mapping
) -> None:
    """Raise StageRuleError when the product may not move from `from_stage` to `to_stage`."""
    if to_stage not in ALL_STAGES:
        raise StageRuleError(
            f"Unknown stage {to_stage!r}: use one of {', '.join(STAGE_LABELS.values())}."
        )
    if to_stage == "launched":
        missing = missing_languages(required, statuses)
        if missing:
            names = ", ".join(LANG_LABELS[lang] for lang in missing)
            raise StageRuleError(
                f"Cannot mark it launched: required language(s) not ready: {names}. "
                "Set them to Ready or Published first."
            )


def product_flags(
    *,
    stage: str,
    planned_launch: date | None,
    stage_planned_end: date | None,
    required: Iterable[str],
    statuses: Mapping,
    today: date,
    horizon_days: int = AT_RISK_DAYS,
) -> dict[str, Any]:
    """Return overdue / at-risk flags of one product, with the reason in words."""
    missing = missing_languages(required, statuses)
    active = stage not in DONE_STAGES and stage != "on_hold"
    overdue_reasons = []
    if stage not in DONE_STAGES and planned_launch is not None and planned_launch < today:
        overdue_reasons.append(f"planned launch {planned_launch:%d %b %Y} has passed")
    if active and stage_planned_end is not None and stage_planned_end < today:
        overdue_reasons.append(
            f"{STAGE_LABELS[stage]} was planned to end {stage_planned_end:%d %b %Y}"
        )
    at_risk = (
        active
        and not overdue_reasons
        and planned_launch is not None
        and today <= planned_launch <= today + timedelta(days=horizon_days)
        and bool(missing)
    )
    risk_reason = ""
    if at_risk:
        names = ", ".join(LANG_LABELS[lang] for lang in missing)
        risk_reason = f"launch in {(planned_launch - today).days} days, not ready in {names}"
    return {
        "overdue": bool(overdue_reasons),
        "at_risk": at_risk,
        "flag_reason": "; ".join(overdue_reasons) or risk_reason,
        "language_gap": ", ".join(missing),
    }


# Reading ------------------------------------------------------------------------------------


def list_products(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """Return every product with its languages, current-stage dates and derived flags."""
    today = today or date.today()
    df = (
        con.cursor()
        .execute(
            """
        SELECT p.product_id, p.title_en, p.title_fr, p.title_es, p.workstream_id, p.kind,
               p.lead_agencies, p.stage, p.needs_consultation, p.required_languages,
               p.planned_launch, p.actual_launch, p.description, p.is_demo, p.updated_at_utc,
               max(CASE WHEN l.lang = 'en' THEN l.status END) AS lang_en,
               max(CASE WHEN l.lang = 'fr' THEN l.status END) AS lang_fr,
               max(CASE WHEN l.lang = 'es' THEN l.status END) AS lang_es,
               any_value(d.planned_end) AS stage_planned_end,
               (SELECT count(*) FROM feedback f WHERE f.product_id = p.product_id) AS feedback
        FROM products p
        LEFT JOIN product_languages l USING (product_id)
        LEFT JOIN product_stage_dates d ON d.product_id = p.product_id AND d.stage = p.stage
        GROUP BY ALL
        ORDER BY p.planned_launch NULLS LAST, p.product_id
        """
        )
        .df()
    )
    for column in ("planned_launch", "actual_launch", "stage_planned_end"):
        df[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[column]]
    flags = [
        product_flags(
            stage=row.stage,
            planned_launch=row.planned_launch,
            stage_planned_end=row.stage_planned_end,
            required=parse_languages(row.required_languages),
            statuses={"en": row.lang_en, "fr": row.lang_fr, "es": row.lang_es},
            today=today,
        )
        for row in df.itertuples()
    ]
    flag_df = pd.DataFrame(flags, columns=["overdue", "at_risk", "flag_reason", "language_gap"])
    df = pd.concat([df.reset_index(drop=True), flag_df], axis=1)
    df["workplan_status"] = df["stage"].map(workplan_status)
    df["stage_label"] = df["stage"].map(STAGE_LABELS)
    df["due_in_days"] = [None if d is None else (d - today).days for d in df["planned_launch"]]
    return df


def filter_products(
    df: pd.DataFrame,
    *,
    workstreams: Iterable[str] = (),
    stages: Iterable[str] = (),
    language_gap: bool = False,
    due_within_days: int | None = None,
    flagged_only: bool = False,
    finished_since: date | None = None,
) -> pd.DataFrame:
    """Return the products matching the filters (an empty filter matches everything).

    `finished_since` hides launched or cancelled products whose launch (actual, else planned)
    is before that date; a finished product with no known date stays shown.
    """
    mask = pd.Series(True, index=df.index)
    if finished_since is not None:
        last = df["actual_launch"].where(df["actual_launch"].notna(), df["planned_launch"])
        old = last.map(lambda d: d is not None and not pd.isna(d) and d < finished_since)
        mask &= ~(df["stage"].isin(list(DONE_STAGES)) & old)
    workstreams, stages = list(workstreams), list(stages)
    if workstreams:
        mask &= df["workstream_id"].isin(workstreams)
    if stages:
        mask &= df["stage"].isin(stages)
    if language_gap:
        mask &= df["language_gap"] != ""
    if due_within_days is not None:
        # Due within N days: not finished, launch on or before today + N (overdue included).
        due = df["due_in_days"].map(lambda d: d is not None and not pd.isna(d))
        mask &= due & ~df["stage"].isin(list(DONE_STAGES))
        mask &= df["due_in_days"].map(
            lambda d: d is not None and not pd.isna(d) and d <= due_within_days
        )
    if flagged_only:
        mask &= df["overdue"] | df["at_risk"]
    return df[mask]


def board_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Return the number of products per stage, every stage listed (zero included)."""
    counts = df.groupby("stage").size()
    return pd.DataFrame(
        {
            "stage": ALL_STAGES,
            "stage_label": [STAGE_LABELS[s] for s in ALL_STAGES],
            "products": [int(counts.get(s, 0)) for s in ALL_STAGES],
        }
    )


def get_product(con: duckdb.DuckDBPyConnection, *, product_id: int) -> dict | None:
    """Return one product as a dict, or None."""
    cur = con.cursor()
    df = cur.execute("SELECT * FROM products WHERE product_id = ?", [product_id]).df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    for column in ("planned_launch", "actual_launch"):
        row[column] = None if pd.isna(row[column]) else pd.Timestamp(row[column]).date()
    return row


def list_languages(con: duckdb.DuckDBPyConnection, *, product_id: int) -> dict[str, str]:
    """Return {lang: status} for one product (languages without a row are absent)."""
    rows = (
        con.cursor()
        .execute("SELECT lang, status FROM product_languages WHERE product_id = ?", [product_id])
        .fetchall()
    )
    return dict(rows)


def list_stage_history(con: duckdb.DuckDBPyConnection, *, product_id: int) -> pd.DataFrame:
    """Return the product's stage changes, newest first, with who and when (UTC)."""
    return (
        con.cursor()
        .execute(
            "SELECT changed_at_utc, changed_by, from_stage, to_stage FROM product_stage_history"
            " WHERE product_id = ? ORDER BY changed_at_utc DESC, history_id DESC",
            [product_id],
        )
        .df()
    )


def list_stage_dates(con: duckdb.DuckDBPyConnection, *, product_id: int) -> pd.DataFrame:
    """Return planned and actual dates per stage for one product, in pipeline order."""
    df = (
        con.cursor()
        .execute(
            "SELECT stage, planned_start, planned_end, actual_start, actual_end"
            " FROM product_stage_dates WHERE product_id = ?",
            [product_id],
        )
        .df()
    )
    known = df.set_index("stage") if not df.empty else None
    rows = []
    for stage in STAGES[:-1]:
        if known is not None and stage in known.index:
            values = known.loc[stage]
            rows.append(
                {
                    "stage": stage,
                    **{
                        c: None if pd.isna(values[c]) else pd.Timestamp(values[c]).date()
                        for c in ("planned_start", "planned_end", "actual_start", "actual_end")
                    },
                }
            )
        else:
            rows.append(
                {
                    "stage": stage,
                    "planned_start": None,
                    "planned_end": None,
                    "actual_start": None,
                    "actual_end": None,
                }
            )
    return pd.DataFrame(rows)


def list_links(con: duckdb.DuckDBPyConnection, *, product_id: int) -> pd.DataFrame:
    """Return the product's document links."""
    return (
        con.cursor()
        .execute(
            "SELECT link_id, label, url, lang FROM product_links WHERE product_id = ?"
            " ORDER BY link_id",
            [product_id],
        )
        .df()
    )


def list_workstreams(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the workstream ids, in order."""
    rows = con.cursor().execute("SELECT workstream_id FROM workstreams ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def roadmap_rows(
    con: duckdb.DuckDBPyConnection, *, product_ids: Iterable[int], today: date | None = None
) -> pd.DataFrame:
    """Return one bar per product, stage and plan kind (Planned / Actual) for the roadmap.

    An actual stage that started but has not ended runs to today.
    """
    today = today or date.today()
    ids = [int(i) for i in product_ids]
    if not ids:
        return pd.DataFrame(columns=["product_id", "stage", "plan", "start", "end", "ongoing"])
    df = (
        con.cursor()
        .execute(
            "SELECT product_id, stage, planned_start, planned_end, actual_start, actual_end"
            " FROM product_stage_dates WHERE product_id IN (SELECT unnest(CAST(? AS INTEGER[])))",
            [ids],
        )
        .df()
    )
    rows = []
    for r in df.itertuples():
        if not pd.isna(r.planned_start) and not pd.isna(r.planned_end):
            rows.append((r.product_id, r.stage, "Planned", r.planned_start, r.planned_end, False))
        if not pd.isna(r.actual_start):
            end = r.actual_end if not pd.isna(r.actual_end) else pd.Timestamp(today)
            rows.append(
                (r.product_id, r.stage, "Actual", r.actual_start, end, pd.isna(r.actual_end))
            )
    out = pd.DataFrame(rows, columns=["product_id", "stage", "plan", "start", "end", "ongoing"])
    out["start"] = pd.to_datetime(out["start"])
    out["end"] = pd.to_datetime(out["end"])
    return out


# Writing ------------------------------------------------------------------------------------


class ProductIn(BaseModel):
    """A product as typed in a form or an import row."""

    workstream_id: str = Field(min_length=1)
    title_en: str = Field(min_length=1, max_length=300)
    title_fr: str | None = Field(default=None, max_length=300)
    title_es: str | None = Field(default=None, max_length=300)
    kind: str = Field(min_length=1, max_length=60)
    lead_agencies: str | None = None
    stage: str = "planned"
    needs_consultation: bool = True
    required_languages: list[str] = Field(default_factory=lambda: list(LANGS))
    planned_launch: date | None = None
    actual_launch: date | None = None
    description: str | None = None

    @field_validator("title_en", "title_fr", "title_es", "kind", "lead_agencies", "description")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return value or None

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        if value not in ALL_STAGES:
            raise ValueError(f"unknown stage; use one of {', '.join(ALL_STAGES)}")
        return value

    @field_validator("required_languages", mode="before")
    @classmethod
    def _languages(cls, value: Any) -> list[str]:
        return parse_languages(value)

    @model_validator(mode="after")
    def _launch_dates(self) -> ProductIn:
        if self.title_en is None:
            raise ValueError("the English title is required")
        if self.actual_launch is not None and self.stage != "launched":
            raise ValueError("an actual launch date is only for a launched product")
        return self


def _product_state(cur: duckdb.DuckDBPyConnection, product_id: int) -> dict:
    rows = cur.execute(
        "SELECT workstream_id, title_en, title_fr, title_es, kind, lead_agencies, stage,"
        " needs_consultation, required_languages, planned_launch, actual_launch, description"
        " FROM products WHERE product_id = ?",
        [product_id],
    ).fetchall()
    if not rows:
        raise LookupError(f"Product {product_id} does not exist.")
    keys = (
        "workstream_id title_en title_fr title_es kind lead_agencies stage needs_consultation"
        " required_languages planned_launch actual_launch description"
    ).split()
    return dict(zip(keys, rows[0], strict=True))


def _statuses(cur: duckdb.DuckDBPyConnection, product_id: int) -> dict[str, str]:
    return dict(
        cur.execute(
            "SELECT lang, status FROM product_languages WHERE product_id = ?", [product_id]
        ).fetchall()
    )


def _check_workstream(cur: duckdb.DuckDBPyConnection, workstream_id: str) -> None:
    if not cur.execute(
        "SELECT count(*) FROM workstreams WHERE workstream_id = ?", [workstream_id]
    ).fetchone()[0]:
        raise UnknownWorkstream(f"Unknown workstream {workstream_id!r}.")


def _record_stage(cur, *, actor: User, product_id: int, from_stage, to_stage: str) -> None:
    cur.execute(
        "INSERT INTO product_stage_history (product_id, from_stage, to_stage, changed_at_utc,"
        " changed_by) VALUES (?, ?, ?, ?, ?)",
        [product_id, from_stage, to_stage, audit.utcnow(), actor.username],
    )
    audit.record(
        cur,
        actor=actor,
        action="product.stage",
        entity="product",
        entity_id=product_id,
        before={"stage": from_stage},
        after={"stage": to_stage},
    )


def _stamp_stage_dates(cur, *, product_id: int, from_stage, to_stage: str, today: date) -> None:
    """Close the actual dates of the stage left and open those of the stage entered."""
    if from_stage in STAGES:
        cur.execute(
            "UPDATE product_stage_dates SET actual_end = ? WHERE product_id = ? AND stage = ?"
            " AND actual_start IS NOT NULL AND actual_end IS NULL",
            [today, product_id, from_stage],
        )
    if to_stage in STAGES[:-1]:
        cur.execute(
            "INSERT INTO product_stage_dates (product_id, stage, actual_start) VALUES (?, ?, ?)"
            " ON CONFLICT (product_id, stage) DO UPDATE SET actual_start ="
            " coalesce(product_stage_dates.actual_start, excluded.actual_start),"
            " actual_end = NULL",
            [product_id, to_stage, today],
        )


def _apply_stage(cur, *, actor: User, product_id: int, state: dict, to_stage: str, today: date):
    from_stage = state["stage"]
    if to_stage == from_stage:
        return
    check_stage_change(
        from_stage=from_stage,
        to_stage=to_stage,
        required=parse_languages(state["required_languages"]),
        statuses=_statuses(cur, product_id),
    )
    cur.execute(
        "UPDATE products SET stage = ?, updated_at_utc = ? WHERE product_id = ? AND stage = ?",
        [to_stage, audit.utcnow(), product_id, from_stage],
    )
    if to_stage == "launched" and state.get("actual_launch") is None:
        cur.execute(
            "UPDATE products SET actual_launch = ? WHERE product_id = ?", [today, product_id]
        )
    elif from_stage == "launched":
        # Taken back out of Launched (a correction): it has not launched after all.
        cur.execute("UPDATE products SET actual_launch = NULL WHERE product_id = ?", [product_id])
    _stamp_stage_dates(
        cur, product_id=product_id, from_stage=from_stage, to_stage=to_stage, today=today
    )
    _record_stage(cur, actor=actor, product_id=product_id, from_stage=from_stage, to_stage=to_stage)


def _conflict(exc: duckdb.Error) -> PipelineConflict:
    return PipelineConflict(
        "The product was changed by someone else at the same time, or the database refused the "
        f"change; nothing was saved. Reload and try again. ({type(exc).__name__})"
    )


def move_stage(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    product_id: int,
    to_stage: str,
    expected_stage: str | None = None,
    today: date | None = None,
) -> None:
    """Move a product to another stage, checking the rules; recorded with who and when."""
    today = today or date.today()
    try:
        with transaction(con) as cur:
            state = _product_state(cur, product_id)
            require(actor, "product.edit", workstream_id=state["workstream_id"])
            if expected_stage is not None and state["stage"] != expected_stage:
                raise PipelineConflict(
                    f"The product is now in {STAGE_LABELS[state['stage']]} (changed by someone "
                    "else since you loaded it); nothing was saved."
                )
            _apply_stage(
                cur, actor=actor, product_id=product_id, state=state, to_stage=to_stage, today=today
            )
    except duckdb.Error as exc:
        raise _conflict(exc) from None


def set_language_status(
    con: duckdb.DuckDBPyConnection, *, actor: User, product_id: int, lang: str, status: str
) -> None:
    """Set a product's status in one language (EN/FR/ES)."""
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}: use en, fr or es.")
    if status not in LANG_STATUSES:
        raise ValueError(f"Unknown language status {status!r}: use {', '.join(LANG_STATUSES)}.")
    try:
        with transaction(con) as cur:
            state = _product_state(cur, product_id)
            require(actor, "product.edit", workstream_id=state["workstream_id"])
            _write_language(
                cur, actor=actor, product_id=product_id, state=state, lang=lang, status=status
            )
    except duckdb.Error as exc:
        raise _conflict(exc) from None


def _write_language(cur, *, actor: User, product_id: int, state: dict, lang: str, status: str):
    before = _statuses(cur, product_id).get(lang)
    if before == status:
        return
    if state["stage"] == "launched" and lang in parse_languages(state["required_languages"]):
        if status not in READY_STATUSES:
            raise StageRuleError(
                f"{LANG_LABELS[lang]} is required and the product is launched: it cannot go back "
                "to Not started or In translation. Move the product out of Launched first."
            )
    cur.execute(
        "INSERT INTO product_languages (product_id, lang, status) VALUES (?, ?, ?)"
        " ON CONFLICT (product_id, lang) DO UPDATE SET status = excluded.status",
        [product_id, lang, status],
    )
    audit.record(
        cur,
        actor=actor,
        action="product.language",
        entity="product",
        entity_id=product_id,
        before={"lang": lang, "status": before},
        after={"lang": lang, "status": status},
    )


def create_product(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    product_in: ProductIn,
    languages: Mapping[str, str] | None = None,
    today: date | None = None,
) -> int:
    """Create a product (starting at its stage, recorded in the history); return its id."""
    require(actor, "product.edit", workstream_id=product_in.workstream_id)
    try:
        with transaction(con) as cur:
            return _insert_product(
                cur, actor=actor, product_in=product_in, languages=languages, today=today
            )
    except duckdb.Error as exc:
        raise _conflict(exc) from None


def _insert_product(cur, *, actor: User, product_in: ProductIn, languages, today) -> int:
    today = today or date.today()
    require(actor, "product.edit", workstream_id=product_in.workstream_id)
    _check_workstream(cur, product_in.workstream_id)
    statuses = {lang: "not_started" for lang in LANGS} | dict(languages or {})
    check_stage_change(
        from_stage=None,
        to_stage=product_in.stage,
        required=product_in.required_languages,
        statuses=statuses,
    )
    data = product_in.model_dump()
    data["required_languages"] = ",".join(product_in.required_languages)
    if product_in.stage == "launched" and data["actual_launch"] is None:
        data["actual_launch"] = today
    product_id = cur.execute(
        "INSERT INTO products (workstream_id, title_en, title_fr, title_es, kind, lead_agencies,"
        " stage, needs_consultation, required_languages, planned_launch, actual_launch,"
        " description, is_demo, updated_at_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?)"
        " RETURNING product_id",
        [
            data["workstream_id"],
            data["title_en"],
            data["title_fr"],
            data["title_es"],
            data["kind"],
            data["lead_agencies"],
            data["stage"],
            data["needs_consultation"],
            data["required_languages"],
            data["planned_launch"],
            data["actual_launch"],
            data["description"],
            audit.utcnow(),
        ],
    ).fetchone()[0]
    cur.executemany(
        "INSERT INTO product_languages (product_id, lang, status) VALUES (?, ?, ?)",
        [[product_id, lang, statuses[lang]] for lang in LANGS],
    )
    _stamp_stage_dates(
        cur, product_id=product_id, from_stage=None, to_stage=product_in.stage, today=today
    )
    cur.execute(
        "INSERT INTO product_stage_history (product_id, from_stage, to_stage, changed_at_utc,"
        " changed_by) VALUES (?, NULL, ?, ?, ?)",
        [product_id, product_in.stage, audit.utcnow(), actor.username],
    )
    audit.record(
        cur,
        actor=actor,
        action="product.create",
        entity="product",
        entity_id=product_id,
        after=data | {"languages": statuses},
    )
    return product_id


def update_product(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    product_id: int,
    product_in: ProductIn,
    languages: Mapping[str, str] | None = None,
    today: date | None = None,
) -> None:
    """Replace a product's fields (and languages); a stage change goes through the rules."""
    try:
        with transaction(con) as cur:
            _update_product(
                cur,
                actor=actor,
                product_id=product_id,
                product_in=product_in,
                languages=languages,
                today=today or date.today(),
            )
    except duckdb.Error as exc:
        raise _conflict(exc) from None


def _update_product(cur, *, actor, product_id, product_in: ProductIn, languages, today) -> None:
    state = _product_state(cur, product_id)
    require(actor, "product.edit", workstream_id=state["workstream_id"])
    if product_in.workstream_id != state["workstream_id"]:
        require(actor, "product.edit", workstream_id=product_in.workstream_id)
        _check_workstream(cur, product_in.workstream_id)
        # DuckDB rewrites a row whose indexed (foreign key) column changes, which its foreign
        # keys from languages, history and feedback forbid: say so instead of failing obscurely.
        raise UnknownWorkstream(
            f"A product cannot move from {state['workstream_id']} to {product_in.workstream_id}:"
            " create it in the new workstream and cancel this one."
        )
    data = product_in.model_dump()
    data["required_languages"] = ",".join(product_in.required_languages)
    # Languages first: launching in the same save needs them ready.
    for lang, status in (languages or {}).items():
        if status not in LANG_STATUSES:
            raise ValueError(f"Unknown status {status!r} for {LANG_LABELS.get(lang, lang)}.")
        # The launched guard in _write_language looks at the stage being saved.
        _write_language(
            cur,
            actor=actor,
            product_id=product_id,
            state=state | {"stage": product_in.stage},
            lang=lang,
            status=status,
        )
    fields = {k: v for k, v in data.items() if k != "stage"}
    before = {k: state[k] for k in fields}
    if fields != before:
        cur.execute(
            "UPDATE products SET title_en = ?, title_fr = ?, title_es = ?,"
            " kind = ?, lead_agencies = ?, needs_consultation = ?, required_languages = ?,"
            " planned_launch = ?, actual_launch = ?, description = ?, updated_at_utc = ?"
            " WHERE product_id = ?",
            [
                fields["title_en"],
                fields["title_fr"],
                fields["title_es"],
                fields["kind"],
                fields["lead_agencies"],
                fields["needs_consultation"],
                fields["required_languages"],
                fields["planned_launch"],
                fields["actual_launch"],
                fields["description"],
                audit.utcnow(),
                product_id,
            ],
        )
        audit.record(
            cur,
            actor=actor,
            action="product.edit",
            entity="product",
            entity_id=product_id,
            before=before,
            after=fields,
        )
    state = state | fields
    _apply_stage(
        cur, actor=actor, product_id=product_id, state=state, to_stage=product_in.stage, today=today
    )


# Bulk edit (st.data_editor): the columns a user may change, and how they are checked.
BULK_COLUMNS = ("stage", "planned_launch", "actual_launch", "lang_en", "lang_fr", "lang_es")


def bulk_update(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    changes: Mapping[int, Mapping[str, Any]],
    titles: Mapping[int, str] | None = None,
    today: date | None = None,
) -> int:
    """Apply edits {product_id: {column: value}} all-or-nothing; return how many products changed.

    Errors name the product and the column; nothing is written when any edit fails.
    """
    today = today or date.today()
    titles = titles or {}
    errors: list[str] = []
    try:
        with transaction(con) as cur:
            for product_id, edit in changes.items():
                name = titles.get(product_id) or f"product {product_id}"
                try:
                    _bulk_one(cur, actor=actor, product_id=int(product_id), edit=edit, today=today)
                except (ValueError, StageRuleError, LookupError, PermissionError) as exc:
                    errors.append(f"{name}: {_message(exc)}")
            if errors:
                raise BulkEditError(errors)
    except duckdb.Error as exc:
        raise _conflict(exc) from None
    return len(changes)


class BulkEditError(ValueError):
    """Some edits were refused; `errors` lists each one. Nothing was saved."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _message(exc: Exception) -> str:
    if hasattr(exc, "errors") and callable(exc.errors):  # pydantic ValidationError
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def _as_date(value: Any, column: str) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ValueError(f"{column}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _bulk_one(cur, *, actor: User, product_id: int, edit: Mapping[str, Any], today: date) -> None:
    unknown = set(edit) - set(BULK_COLUMNS)
    if unknown:
        raise ValueError(f"column(s) {', '.join(sorted(unknown))} cannot be edited here")
    state = _product_state(cur, product_id)
    require(actor, "product.edit", workstream_id=state["workstream_id"])
    for column in ("lang_en", "lang_fr", "lang_es"):
        if column in edit:
            status = edit[column]
            if status not in LANG_STATUSES:
                raise ValueError(f"{column}: unknown status {status!r}")
            target = edit.get("stage", state["stage"])
            _write_language(
                cur,
                actor=actor,
                product_id=product_id,
                state=state | {"stage": target},
                lang=column[-2:],
                status=status,
            )
    dates = {c: _as_date(edit[c], c) for c in ("planned_launch", "actual_launch") if c in edit}
    if dates:
        new = {c: dates.get(c, state[c]) for c in ("planned_launch", "actual_launch")}
        cur.execute(
            "UPDATE products SET planned_launch = ?, actual_launch = ?, updated_at_utc = ?"
            " WHERE product_id = ?",
            [new["planned_launch"], new["actual_launch"], audit.utcnow(), product_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="product.edit",
            entity="product",
            entity_id=product_id,
            before={c: state[c] for c in new},
            after=new,
        )
        state = state | new
    if "stage" in edit:
        _apply_stage(
            cur,
            actor=actor,
            product_id=product_id,
            state=state,
            to_stage=edit["stage"],
            today=today,
        )


class StageDatesIn(BaseModel):
    """Planned and actual dates of one stage."""

    stage: str
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> StageDatesIn:
        if self.stage not in STAGES[:-1]:
            raise ValueError(f"{self.stage!r} has no dates (launch dates are on the product)")
        for kind in ("planned", "actual"):
            start, end = getattr(self, f"{kind}_start"), getattr(self, f"{kind}_end")
            if start and end and end < start:
                raise ValueError(f"{STAGE_LABELS[self.stage]}: {kind} end is before its start")
        return self


def set_stage_dates(
    con: duckdb.DuckDBPyConnection, *, actor: User, product_id: int, rows: Iterable[StageDatesIn]
) -> None:
    """Replace the planned and actual dates of the given stages (baseline vs actual)."""
    try:
        with transaction(con) as cur:
            state = _product_state(cur, product_id)
            require(actor, "product.edit", workstream_id=state["workstream_id"])
            for row in rows:
                # The dates being replaced go into the audit log as "before".
                old = cur.execute(
                    "SELECT stage, planned_start, planned_end, actual_start, actual_end"
                    " FROM product_stage_dates WHERE product_id = ? AND stage = ?",
                    [product_id, row.stage],
                ).fetchall()
                before = dict(zip(StageDatesIn.model_fields, old[0], strict=True)) if old else None
                cur.execute(
                    "INSERT INTO product_stage_dates VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (product_id, stage) DO UPDATE SET"
                    " planned_start = excluded.planned_start, planned_end = excluded.planned_end,"
                    " actual_start = excluded.actual_start, actual_end = excluded.actual_end",
                    [
                        product_id,
                        row.stage,
                        row.planned_start,
                        row.planned_end,
                        row.actual_start,
                        row.actual_end,
                    ],
                )
                audit.record(
                    cur,
                    actor=actor,
                    action="product.dates",
                    entity="product",
                    entity_id=product_id,
                    before=before,
                    after=row,
                )
    except duckdb.Error as exc:
        raise _conflict(exc) from None


class LinkIn(BaseModel):
    """A link to a product's document."""

    label: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://\S+$")
    lang: str | None = None


def add_link(
    con: duckdb.DuckDBPyConnection, *, actor: User, product_id: int, link_in: LinkIn
) -> None:
    """Attach a document link to a product."""
    with transaction(con) as cur:
        state = _product_state(cur, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        cur.execute(
            "INSERT INTO product_links (product_id, label, url, lang) VALUES (?, ?, ?, ?)",
            [product_id, link_in.label, link_in.url, link_in.lang],
        )
        audit.record(
            cur,
            actor=actor,
            action="product.link",
            entity="product",
            entity_id=product_id,
            after=link_in,
        )

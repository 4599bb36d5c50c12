"""Read and write Working Group products: stages, stage rules, language gates and flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from core import audit
from core.permissions import User, require
from core.store import Connection, Db
from core.store import pipeline as store

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
    """Someone else moved the product since the user loaded it (a stale edit); nothing saved.

    A write conflict at the same moment is the store's `WriteConflict`; any other database
    error passes through as itself.
    """


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


def list_products(con: Db, *, today: date | None = None) -> pd.DataFrame:
    """Return every product with its languages, current-stage dates and derived flags."""
    today = today or date.today()
    df = store.list_product_rows(con)
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


def get_product(con: Db, *, product_id: int) -> dict | None:
    """Return one product as a dict, or None."""
    return store.get_product_row(con, product_id=product_id)


def list_languages(con: Db, *, product_id: int) -> dict[str, str]:
    """Return {lang: status} for one product (languages without a row are absent)."""
    return store.get_language_statuses(con, product_id=product_id)


def list_stage_history(con: Db, *, product_id: int) -> pd.DataFrame:
    """Return the product's stage changes, newest first, with who and when (UTC)."""
    return store.list_stage_history(con, product_id=product_id)


def list_stage_dates(con: Db, *, product_id: int) -> pd.DataFrame:
    """Return planned and actual dates per stage for one product, in pipeline order."""
    df = store.list_stage_date_rows(con, product_ids=[product_id])
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


def list_links(con: Db, *, product_id: int) -> pd.DataFrame:
    """Return the product's document links."""
    return store.list_links(con, product_id=product_id)


def list_workstreams(con: Db) -> list[str]:
    """Return the workstream ids, in order."""
    return store.list_workstream_ids(con)


def roadmap_rows(con: Db, *, product_ids: Iterable[int], today: date | None = None) -> pd.DataFrame:
    """Return one bar per product, stage and plan kind (Planned / Actual) for the roadmap.

    An actual stage that started but has not ended runs to today.
    """
    today = today or date.today()
    ids = [int(i) for i in product_ids]
    if not ids:
        return pd.DataFrame(columns=["product_id", "stage", "plan", "start", "end", "ongoing"])
    df = store.list_stage_date_rows(con, product_ids=ids)
    rows = []
    for r in df.itertuples():
        if not pd.isna(r.planned_start) and not pd.isna(r.planned_end):
            rows.append((r.product_id, r.stage, "Planned", r.planned_start, r.planned_end, False))
        if not pd.isna(r.actual_start):
            end = r.actual_end if not pd.isna(r.actual_end) else today
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


def product_state(conn: Connection, product_id: int) -> dict:
    """Return a product's editable fields inside a change; LookupError when there is none."""
    state = store.get_product_state(conn, product_id=product_id)
    if state is None:
        raise LookupError(f"Product {product_id} does not exist.")
    return state.model_dump()


def _check_workstream(conn: Connection, workstream_id: str) -> None:
    if not store.workstream_exists(conn, workstream_id=workstream_id):
        raise UnknownWorkstream(f"Unknown workstream {workstream_id!r}.")


def _record_stage(conn, *, actor: User, product_id: int, from_stage, to_stage: str) -> None:
    store.insert_stage_history(
        conn,
        product_id=product_id,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at_utc=audit.utcnow(),
        changed_by=actor.username,
    )
    audit.record(
        conn,
        actor=actor,
        action="product.stage",
        entity="product",
        entity_id=product_id,
        before={"stage": from_stage},
        after={"stage": to_stage},
    )


def _stamp_stage_dates(conn, *, product_id: int, from_stage, to_stage: str, today: date) -> None:
    """Close the actual dates of the stage left and open those of the stage entered."""
    if from_stage in STAGES:
        store.close_stage_actual(conn, product_id=product_id, stage=from_stage, on=today)
    if to_stage in STAGES[:-1]:
        store.open_stage_actual(conn, product_id=product_id, stage=to_stage, on=today)


def _stale(stage: str) -> PipelineConflict:
    return PipelineConflict(
        f"The product is now in {STAGE_LABELS[stage]} (changed by someone else since you "
        "loaded it); nothing was saved."
    )


def _apply_stage(conn, *, actor: User, product_id: int, state: dict, to_stage: str, today: date):
    from_stage = state["stage"]
    if to_stage == from_stage:
        return
    check_stage_change(
        from_stage=from_stage,
        to_stage=to_stage,
        required=parse_languages(state["required_languages"]),
        statuses=store.get_language_statuses(conn, product_id=product_id),
    )
    actual_launch = state.get("actual_launch")
    if to_stage == "launched" and actual_launch is None:
        actual_launch = today
    elif from_stage == "launched":
        # Taken back out of Launched (a correction): it has not launched after all.
        actual_launch = None
    moved = store.update_product_stage(
        conn,
        product_id=product_id,
        from_stage=from_stage,
        to_stage=to_stage,
        actual_launch=actual_launch,
        updated_at_utc=audit.utcnow(),
    )
    if not moved:
        current = store.get_product_state(conn, product_id=product_id)
        raise _stale(current.stage if current else from_stage)
    _stamp_stage_dates(
        conn, product_id=product_id, from_stage=from_stage, to_stage=to_stage, today=today
    )
    _record_stage(
        conn, actor=actor, product_id=product_id, from_stage=from_stage, to_stage=to_stage
    )


def move_stage(
    con: Db,
    *,
    actor: User,
    product_id: int,
    to_stage: str,
    expected_stage: str | None = None,
    today: date | None = None,
) -> None:
    """Move a product to another stage, checking the rules; recorded with who and when."""
    today = today or date.today()

    def fn(conn: Connection) -> None:
        state = product_state(conn, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        if expected_stage is not None and state["stage"] != expected_stage:
            raise _stale(state["stage"])
        _apply_stage(
            conn, actor=actor, product_id=product_id, state=state, to_stage=to_stage, today=today
        )

    con.write(fn)


def set_language_status(con: Db, *, actor: User, product_id: int, lang: str, status: str) -> None:
    """Set a product's status in one language (EN/FR/ES)."""
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}: use en, fr or es.")
    if status not in LANG_STATUSES:
        raise ValueError(f"Unknown language status {status!r}: use {', '.join(LANG_STATUSES)}.")

    def fn(conn: Connection) -> None:
        state = product_state(conn, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        _write_language(
            conn, actor=actor, product_id=product_id, state=state, lang=lang, status=status
        )

    con.write(fn)


def _write_language(conn, *, actor: User, product_id: int, state: dict, lang: str, status: str):
    before = store.get_language_statuses(conn, product_id=product_id).get(lang)
    if before == status:
        return
    if state["stage"] == "launched" and lang in parse_languages(state["required_languages"]):
        if status not in READY_STATUSES:
            raise StageRuleError(
                f"{LANG_LABELS[lang]} is required and the product is launched: it cannot go back "
                "to Not started or In translation. Move the product out of Launched first."
            )
    store.upsert_language(conn, product_id=product_id, lang=lang, status=status)
    audit.record(
        conn,
        actor=actor,
        action="product.language",
        entity="product",
        entity_id=product_id,
        before={"lang": lang, "status": before},
        after={"lang": lang, "status": status},
    )


def create_product(
    con: Db,
    *,
    actor: User,
    product_in: ProductIn,
    languages: Mapping[str, str] | None = None,
    today: date | None = None,
) -> int:
    """Create a product (starting at its stage, recorded in the history); return its id."""
    require(actor, "product.edit", workstream_id=product_in.workstream_id)
    return con.write(
        lambda conn: insert_product(
            conn, actor=actor, product_in=product_in, languages=languages, today=today
        )
    )


def insert_product(
    conn: Connection,
    *,
    actor: User,
    product_in: ProductIn,
    languages: Mapping[str, str] | None = None,
    today: date | None = None,
) -> int:
    """Create a product inside the caller's change (an import's, say); return its id."""
    today = today or date.today()
    require(actor, "product.edit", workstream_id=product_in.workstream_id)
    _check_workstream(conn, product_in.workstream_id)
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
    product_id = store.insert_product(
        conn, product=store.ProductRowIn(**data), updated_at_utc=audit.utcnow()
    )
    store.insert_languages(
        conn, product_id=product_id, statuses={lang: statuses[lang] for lang in LANGS}
    )
    _stamp_stage_dates(
        conn, product_id=product_id, from_stage=None, to_stage=product_in.stage, today=today
    )
    store.insert_stage_history(
        conn,
        product_id=product_id,
        from_stage=None,
        to_stage=product_in.stage,
        changed_at_utc=audit.utcnow(),
        changed_by=actor.username,
    )
    audit.record(
        conn,
        actor=actor,
        action="product.create",
        entity="product",
        entity_id=product_id,
        after=data | {"languages": statuses},
    )
    return product_id


def update_product(
    con: Db,
    *,
    actor: User,
    product_id: int,
    product_in: ProductIn,
    languages: Mapping[str, str] | None = None,
    today: date | None = None,
) -> None:
    """Replace a product's fields (and languages); a stage change goes through the rules."""
    con.write(
        lambda conn: change_product(
            conn,
            actor=actor,
            product_id=product_id,
            product_in=product_in,
            languages=languages,
            today=today or date.today(),
        )
    )


def change_product(
    conn: Connection,
    *,
    actor: User,
    product_id: int,
    product_in: ProductIn,
    languages: Mapping[str, str] | None,
    today: date,
) -> None:
    """Replace a product's fields inside the caller's change (an import's, say)."""
    state = product_state(conn, product_id)
    require(actor, "product.edit", workstream_id=state["workstream_id"])
    if product_in.workstream_id != state["workstream_id"]:
        require(actor, "product.edit", workstream_id=product_in.workstream_id)
        _check_workstream(conn, product_in.workstream_id)
        # DuckDB rewrites a row whose indexed (foreign key) column changes, which the foreign
        # keys from languages, history, feedback, events and bookings forbid, even after
        # deleting those rows in the same transaction; PostgreSQL could, but one rule holds on
        # both engines. Lifting it needs those keys rebuilt on DuckDB (a migration).
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
            conn,
            actor=actor,
            product_id=product_id,
            state=state | {"stage": product_in.stage},
            lang=lang,
            status=status,
        )
    fields = {k: v for k, v in data.items() if k != "stage"}
    before = {k: state[k] for k in fields}
    if fields != before:
        store.update_product_fields(
            conn, product_id=product_id, fields=fields, updated_at_utc=audit.utcnow()
        )
        audit.record(
            conn,
            actor=actor,
            action="product.edit",
            entity="product",
            entity_id=product_id,
            before=before,
            after=fields,
        )
    state = state | fields
    _apply_stage(
        conn,
        actor=actor,
        product_id=product_id,
        state=state,
        to_stage=product_in.stage,
        today=today,
    )


# Bulk edit (st.data_editor): the columns a user may change, and how they are checked.
BULK_COLUMNS = ("stage", "planned_launch", "actual_launch", "lang_en", "lang_fr", "lang_es")


def bulk_update(
    con: Db,
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

    def fn(conn: Connection) -> int:
        errors: list[str] = []
        for product_id, edit in changes.items():
            name = titles.get(product_id) or f"product {product_id}"
            try:
                _bulk_one(conn, actor=actor, product_id=int(product_id), edit=edit, today=today)
            except (ValueError, StageRuleError, LookupError, PermissionError) as exc:
                errors.append(f"{name}: {_message(exc)}")
        if errors:
            raise BulkEditError(errors)
        return len(changes)

    return con.write(fn)


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


def _bulk_one(conn, *, actor: User, product_id: int, edit: Mapping[str, Any], today: date) -> None:
    unknown = set(edit) - set(BULK_COLUMNS)
    if unknown:
        raise ValueError(f"column(s) {', '.join(sorted(unknown))} cannot be edited here")
    state = product_state(conn, product_id)
    require(actor, "product.edit", workstream_id=state["workstream_id"])
    for column in ("lang_en", "lang_fr", "lang_es"):
        if column in edit:
            status = edit[column]
            if status not in LANG_STATUSES:
                raise ValueError(f"{column}: unknown status {status!r}")
            target = edit.get("stage", state["stage"])
            _write_language(
                conn,
                actor=actor,
                product_id=product_id,
                state=state | {"stage": target},
                lang=column[-2:],
                status=status,
            )
    dates = {c: _as_date(edit[c], c) for c in ("planned_launch", "actual_launch") if c in edit}
    if dates:
        new = {c: dates.get(c, state[c]) for c in ("planned_launch", "actual_launch")}
        store.update_product_launch_dates(
            conn,
            product_id=product_id,
            planned_launch=new["planned_launch"],
            actual_launch=new["actual_launch"],
            updated_at_utc=audit.utcnow(),
        )
        audit.record(
            conn,
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
            conn,
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


def set_stage_dates(con: Db, *, actor: User, product_id: int, rows: Iterable[StageDatesIn]) -> None:
    """Replace the planned and actual dates of the given stages (baseline vs actual)."""
    rows = list(rows)

    def fn(conn: Connection) -> None:
        state = product_state(conn, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        for row in rows:
            # The dates being replaced go into the audit log as "before".
            old = store.get_stage_dates(conn, product_id=product_id, stage=row.stage)
            store.upsert_stage_dates(
                conn, product_id=product_id, dates=store.StageDates(**row.model_dump())
            )
            audit.record(
                conn,
                actor=actor,
                action="product.dates",
                entity="product",
                entity_id=product_id,
                before=None if old is None else old.model_dump(),
                after=row,
            )

    con.write(fn)


class LinkIn(BaseModel):
    """A link to a product's document."""

    label: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://\S+$")
    lang: str | None = None


def add_link(con: Db, *, actor: User, product_id: int, link_in: LinkIn) -> None:
    """Attach a document link to a product."""

    def fn(conn: Connection) -> None:
        state = product_state(conn, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        store.insert_link(
            conn, product_id=product_id, label=link_in.label, url=link_in.url, lang=link_in.lang
        )
        audit.record(
            conn,
            actor=actor,
            action="product.link",
            entity="product",
            entity_id=product_id,
            after=link_in,
        )

    con.write(fn)

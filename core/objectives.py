"""The 23 GCM objectives, the tags that say which ones a row serves, and their coverage."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from core import audit
from core.permissions import User, can_view_page, require
from core.store import Db
from core.store import objectives as store

OBJECTIVES_CSV = Path(__file__).resolve().parent.parent / "data" / "gcm_objectives.csv"
KINDS = {
    "product": "product",
    "event": "event",
    "agenda_item": "agenda item",
    "consultation": "consultation",
    "engagement": "engagement",
}
# The action that allows tagging a row of each kind (checked on the row's workstream).
_ACTIONS = {
    "product": "product.edit",
    "consultation": "product.edit",
    "event": "event.edit",
    "agenda_item": "event.edit",
    "engagement": "engagement.add",
}
FIELD = "GCM objectives"
COVERAGE_MEASURES = {
    "products": "Products",
    "events": "Events",
    "champions": "Champions engaged",
}


class Objective(BaseModel):
    """One objective of the Global Compact (A/RES/73/195, paragraph 16)."""

    number: int
    short_title: str
    title_en: str

    @property
    def label(self) -> str:
        return f"{self.number}. {self.short_title}"


@cache
def list_objectives() -> tuple[Objective, ...]:
    """Return the 23 objectives from data/gcm_objectives.csv, in order."""
    text = OBJECTIVES_CSV.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(Objective(**row) for row in csv.DictReader(io.StringIO(body)))


def objectives_source() -> str:
    """The source lines at the top of the objectives file."""
    text = OBJECTIVES_CSV.read_text(encoding="utf-8")
    return " ".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))


def objective_label(number: int) -> str:
    """'13. Alternatives to detention' for 13."""
    return {o.number: o.label for o in list_objectives()}[int(number)]


def parse_objectives(values) -> list[int]:
    """Read objective numbers from a form, a file or the command line; refuse anything else.

    Accepts numbers, '13', labels ('13. Alternatives to detention') or one text separated by
    ';' or ','. Raises ValueError naming the field and what to do.
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    numbers: set[int] = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        head = text.split(".", 1)[0].strip()
        if text.lower().startswith("objective "):
            head = text[len("objective ") :].split(".", 1)[0].strip()
        if not head.isdigit() or not 1 <= int(head) <= len(list_objectives()):
            raise ValueError(
                f"{FIELD}: '{text}' is not an objective of the Global Compact; "
                "give numbers from 1 to 23, separated by ';'."
            )
        numbers.add(int(head))
    return sorted(numbers)


def format_objectives(numbers) -> str:
    """'8; 13' for an export cell (blank for none)."""
    return "; ".join(str(n) for n in sorted(numbers))


def row_objectives(con: Db, *, kind: str, row_id: int) -> list[int]:
    """Return the objective numbers a row is tagged with."""
    return store.list_row_objectives(con, kind=kind, row_id=row_id)


def tags_by_row(con: Db, *, kind: str) -> dict[int, list[int]]:
    """Return {row id: [objective numbers]} for every tagged row of one kind (for exports)."""
    tags: dict[int, list[int]] = {}
    for row_id, objective in store.list_tags(con, kind=kind).itertuples(index=False):
        tags.setdefault(int(row_id), []).append(int(objective))
    return tags


def set_objectives(con: Db, *, actor: User, kind: str, row_id: int, objectives) -> list[int]:
    """Tag a row with exactly these objectives (the edit right on its workstream), audited."""
    if kind not in KINDS:
        raise KeyError(f"Unknown kind of tagged row {kind!r}")
    numbers = parse_objectives(objectives)

    def fn(conn) -> list[int]:
        exists, workstream_id = store.get_tagged_workstream(conn, kind=kind, row_id=row_id)
        if not exists:
            raise ValueError(f"There is no {KINDS[kind]} number {row_id}.")
        require(actor, _ACTIONS[kind], workstream_id=workstream_id)
        before = store.list_row_objectives(conn, kind=kind, row_id=row_id)
        if before == numbers:
            return numbers
        store.replace_row_objectives(conn, kind=kind, row_id=row_id, objectives=numbers)
        audit.record(
            conn,
            actor=actor,
            action="objectives.set",
            entity=kind,
            entity_id=row_id,
            before=before,
            after=numbers,
        )
        return numbers

    return con.write(fn)


# Coverage ----------------------------------------------------------------------------------


class CoverageFilters(BaseModel):
    """What the coverage is restricted to; None means all."""

    year: int | None = None
    workstream_id: str | None = None
    region: str | None = None

    def describe(self) -> str:
        parts = [
            f"year {self.year}" if self.year else "all years",
            f"workstream {self.workstream_id}" if self.workstream_id else "all workstreams",
            f"Champions in {self.region}" if self.region else "all regions",
        ]
        return ", ".join(parts)


def shows_champions(user: User | None) -> bool:
    """Return True when the user may see which Champions were engaged (the Engagement page)."""
    return can_view_page(user, "engagement")


def coverage_rows(
    con: Db, *, user: User | None, filters: CoverageFilters
) -> dict[str, pd.DataFrame]:
    """Return the tagged products, events and engagements behind the coverage, filtered.

    Region filters the Champions engaged (products and events have no region). A viewer gets
    no engagement rows and only the events a viewer may see (not internal ones).
    """
    f = filters
    products = store.list_product_coverage(con)
    events = store.list_event_coverage(con)
    engaged = store.list_engagement_coverage(con) if shows_champions(user) else None
    if engaged is None:
        engaged = pd.DataFrame(
            columns=["engagement_id", "m49", "country", "region", "occurred_on", "kind"]
            + ["workstream_id", "is_demo", "objective"]
        )
    if user is None or user.role == "viewer":
        events = events[events["audience"] != "internal"]
    if f.workstream_id:
        products = products[products["workstream_id"] == f.workstream_id]
        events = events[events["workstream_id"] == f.workstream_id]
        engaged = engaged[engaged["workstream_id"] == f.workstream_id]
    if f.year:
        launch = pd.to_datetime(products["actual_launch"].fillna(products["planned_launch"]))
        products = products[launch.dt.year.fillna(f.year) == f.year]
        events = events[pd.to_datetime(events["starts_utc"]).dt.year == f.year]
        engaged = engaged[pd.to_datetime(engaged["occurred_on"]).dt.year == f.year]
    if f.region:
        engaged = engaged[engaged["region"] == f.region]
    return {"products": products, "events": events, "champions": engaged}


def coverage_table(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per objective: number, label, title and the count of each measure."""
    table = pd.DataFrame(
        [{"objective": o.number, "label": o.label, "title": o.title_en} for o in list_objectives()]
    )
    keys = {"products": "product_id", "events": "event_id", "champions": "m49"}
    for measure, key in keys.items():
        df = rows[measure]
        counts = df.groupby("objective")[key].nunique() if not df.empty else pd.Series(dtype=int)
        table[measure] = table["objective"].map(counts).fillna(0).astype(int)
    return table


def coverage_long(table: pd.DataFrame, *, with_champions: bool = True) -> pd.DataFrame:
    """The coverage table as (objective, label, measure, count) rows, for a heatmap."""
    measures = [m for m in COVERAGE_MEASURES if with_champions or m != "champions"]
    long = table.melt(
        id_vars=["objective", "label", "title"],
        value_vars=measures,
        var_name="measure_key",
        value_name="count",
    )
    long["measure"] = long["measure_key"].map(COVERAGE_MEASURES)
    return long


def uncovered(con: Db, *, today: date, user: User | None = None) -> list[Objective]:
    """Objectives with no product in the pipeline and no Champion engaged in the last 12 months.

    For a user who may not see engagements, only the products count.
    """
    products = store.list_product_coverage(con)
    open_products = products[~products["stage"].isin(["launched", "cancelled"])]
    covered = set(open_products["objective"].astype(int))
    if shows_champions(user):
        since = today - timedelta(days=365)
        engaged = store.list_engagement_coverage(con, since=since)
        engaged = engaged[pd.to_datetime(engaged["occurred_on"]).dt.date <= today]
        covered |= set(engaged["objective"].astype(int))
    return [o for o in list_objectives() if o.number not in covered]


def uncovered_sentence(objectives: list[Objective], *, with_champions: bool = True) -> str:
    """Name the uncovered objectives in one sentence."""
    what = (
        "no product in the pipeline and no Champion engaged in the last 12 months"
        if with_champions
        else "no product in the pipeline"
    )
    if not objectives:
        if with_champions:
            return (
                "Every objective has a product in the pipeline or a Champion engaged"
                " in the last 12 months."
            )
        return "Every objective has a product in the pipeline."
    names = ", ".join(f"{o.number} ({o.short_title})" for o in objectives)
    noun = "Objective" if len(objectives) == 1 else "Objectives"
    verb = "has" if len(objectives) == 1 else "have"
    return f"{noun} {names} {verb} {what}."


HEATMAP_PICK = "objective_pick"


def coverage_heatmap(long: pd.DataFrame):
    """Objectives (rows) x products / events / Champions engaged (columns), counts in the cells."""
    import altair as alt

    order = [o.label for o in list_objectives()]
    base = alt.Chart(long).encode(
        x=alt.X(
            "measure:N",
            title=None,
            sort=list(COVERAGE_MEASURES.values()),
            axis=alt.Axis(orient="top", labelAngle=0, labelLimit=200),
        ),
        y=alt.Y(
            "label:N",
            title=None,
            sort=order,
            axis=alt.Axis(labelOverlap=False, labelLimit=260, labelFontSize=11),
        ),
    )
    dark = max(1, int(long["count"].max() if len(long) else 0)) / 2
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("count:Q", title="Count", scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=[
            alt.Tooltip("label:N", title="Objective"),
            alt.Tooltip("title:N", title="Full title"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("count:Q", title="Count"),
        ],
    )
    # A click on a cell picks its objective (the page shows the rows behind it).
    cells = cells.add_params(alt.selection_point(name=HEATMAP_PICK, fields=["objective"]))
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("count:Q"),
        color=alt.condition(alt.datum.count > dark, alt.value("white"), alt.value("#1a1a1a")),
    )
    return (cells + text).properties(height=23 * 24)


def coverage_export(rows: dict[str, pd.DataFrame], *, with_champions: bool) -> pd.DataFrame:
    """The coverage table with human column names, for CSV and Excel."""
    table = coverage_table(rows)
    table["short_title"] = [o.short_title for o in list_objectives()]
    measures = [m for m in COVERAGE_MEASURES if with_champions or m != "champions"]
    out = table[["objective", "short_title", "title", *measures]]
    return out.rename(
        columns={
            "objective": "Objective",
            "short_title": "Short title",
            "title": "Full title",
            **COVERAGE_MEASURES,
        }
    )


EXPORT_COLUMN = "gcm_objectives"


def with_objectives_column(
    con: Db, frame: pd.DataFrame, *, kind: str, id_column: str
) -> pd.DataFrame:
    """Return the frame with a 'gcm_objectives' column ('8; 13'), for CSV and Excel exports."""
    tags = tags_by_row(con, kind=kind)
    out = frame.copy()
    out[EXPORT_COLUMN] = [
        format_objectives(tags.get(int(i), [])) if pd.notna(i) else "" for i in out[id_column]
    ]
    return out


# .ics: an event's objectives travel as CATEGORIES "GCM objective 13" (one value per objective).
ICS_CATEGORY = "GCM objective {}"
_ICS_PATTERN = re.compile(r"^GCM objective\s+(\d+)$", re.IGNORECASE)


def ics_categories(numbers) -> str | None:
    """The CATEGORIES value of an event's objectives ('GCM objective 8,GCM objective 13')."""
    numbers = sorted(numbers or [])
    return ",".join(ICS_CATEGORY.format(n) for n in numbers) or None


def objectives_from_categories(categories: list[str]) -> list[int] | None:
    """Read the objectives among an event's categories; None when it names none.

    Raises ValueError naming the category when it names an objective that does not exist.
    """
    numbers = set()
    for category in categories:
        match = _ICS_PATTERN.match(category.strip())
        if match is None:
            continue
        number = int(match.group(1))
        if not 1 <= number <= len(list_objectives()):
            raise ValueError(
                f"CATEGORIES '{category.strip()}' names no objective of the Global Compact "
                "(they are numbered 1 to 23)."
            )
        numbers.add(number)
    return sorted(numbers) if numbers else None


def import_event_objectives(conn, tags: list[tuple[int, list[int]]]) -> None:
    """Set imported events' objectives inside the import's transaction (rights checked there)."""
    for event_id, numbers in tags:
        store.replace_row_objectives(conn, kind="event", row_id=event_id, objectives=numbers)


def import_product_objectives(conn, *, product_id: int, numbers: list[int]) -> None:
    """Set an imported product's objectives inside the import's transaction (rights checked there)."""
    store.replace_row_objectives(conn, kind="product", row_id=product_id, objectives=numbers)

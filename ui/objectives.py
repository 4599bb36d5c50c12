"""GCM objectives on the pages: the coverage view (a tab of the Overview) and the tag picker."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import engagement, events, objectives, pipeline_consult
from core.objectives import CoverageFilters
from core.permissions import PermissionDenied, User
from core.pipeline import STAGE_LABELS
from core.store import WriteConflict
from ui.context import after_write, connection, db_key
from ui.safe import md_text
from ui.widgets import download_buttons

ALL = "All"


@st.cache_data(ttl=60, show_spinner=False)
def load_coverage(db: str, role: str, username: str, filters: dict) -> dict[str, pd.DataFrame]:
    user = _user_of(role, username)
    return objectives.coverage_rows(connection(), user=user, filters=CoverageFilters(**filters))


@st.cache_data(ttl=60, show_spinner=False)
def load_uncovered(db: str, role: str, username: str, today: date) -> list[objectives.Objective]:
    return objectives.uncovered(connection(), today=today, user=_user_of(role, username))


@st.cache_data(ttl=300, show_spinner=False)
def load_workstreams(db: str) -> dict[str, str]:
    df = engagement.list_workstreams(connection())
    return {
        row.workstream_id: f"{row.workstream_id}: {row.name}" if row.name else row.workstream_id
        for row in df.itertuples(index=False)
    }


def _user_of(role: str, username: str) -> User:
    # The coverage depends on the role only (who may see engagements); the cache keys on it.
    return User(username=username, name=username, email="", role=role)


def objective_picker(label: str, *, key: str, default: list[int] | None = None) -> list[int]:
    """A multiselect of the 23 objectives by number and title; returns the chosen numbers."""
    labels = {o.number: o.label for o in objectives.list_objectives()}
    return st.multiselect(
        label,
        options=list(labels),
        default=default or [],
        format_func=lambda n: labels[n],
        key=key,
        help="Objectives of the Global Compact (A/RES/73/195, paragraph 16) this serves.",
    )


def render_objectives_form(user: User, kind: str, row_id: int, *, key: str) -> None:
    """A small form that tags one row with GCM objectives (the row's edit right is checked in core)."""
    current = objectives.row_objectives(connection(), kind=kind, row_id=row_id)
    with st.form(f"{key}_form_{row_id}"):
        chosen = objective_picker("GCM objectives", key=f"{key}_{row_id}", default=current)
        if st.form_submit_button("Save objectives", key=f"{key}_submit_{row_id}"):
            try:
                objectives.set_objectives(
                    connection(), actor=user, kind=kind, row_id=row_id, objectives=chosen
                )
            except (ValueError, PermissionDenied, WriteConflict) as exc:
                st.error(md_text(str(exc)))  # the choice stays in the form
            else:
                after_write()
                st.success("Objectives saved." if chosen else "Objectives cleared.")


def render_product_objectives(user: User, product_id: int) -> None:
    """Tag the product, or one of its consultation windows."""
    windows = pipeline_consult.list_consultations(connection(), product_id=product_id)
    choices = {("product", product_id): "This product"}
    for w in windows.itertuples(index=False):
        choices[("consultation", int(w.consultation_id))] = (
            f"Consultation {w.opens_on:%d %b %Y} to {w.closes_on:%d %b %Y}"
        )
    _render_choice(user, choices, key="pipeline_objectives")


def render_event_objectives(user: User, event_id: int) -> None:
    """Tag the event, or one of its agenda items."""
    agenda = events.list_agenda(connection(), event_id=event_id)
    choices = {("event", event_id): "This event"}
    for item in agenda.itertuples(index=False):
        choices[("agenda_item", int(item.item_id))] = f"Agenda item: {item.title}"
    _render_choice(user, choices, key="calendar_objectives")


def _render_choice(user: User, choices: dict[tuple[str, int], str], *, key: str) -> None:
    main = list(choices)[0]
    target = main
    if len(choices) > 1:
        target = st.selectbox(
            "Tag", list(choices), format_func=choices.get, key=f"{key}_target_{main[1]}"
        )
    kind, row_id = target
    render_objectives_form(user, kind, row_id, key=key if kind == main[0] else f"{key}_{kind}")


def render_coverage(user: User, today: date) -> None:
    """The coverage of the 23 objectives: heatmap, gaps sentence, drill-down and download."""
    with_champions = objectives.shows_champions(user)
    st.subheader("GCM objectives coverage")
    st.caption(
        "Which of the Global Compact's 23 objectives the products, events"
        + (" and Champions' engagements" if with_champions else "")
        + " serve, by their tags. Source of the objectives: A/RES/73/195, paragraph 16."
    )
    uncovered = load_uncovered(db_key(), user.role, user.username, today)
    st.markdown(md_text(objectives.uncovered_sentence(uncovered, with_champions=with_champions)))
    workstreams = load_workstreams(db_key())
    cols = st.columns(3)
    year = cols[0].selectbox(
        "Year",
        [ALL, *range(today.year + 1, today.year - 5, -1)],
        key="coverage_year",
    )
    workstream = cols[1].selectbox(
        "Workstream",
        [ALL, *workstreams],
        format_func=lambda w: workstreams.get(w, w),
        key="coverage_workstream",
    )
    filters = CoverageFilters(
        year=None if year == ALL else int(year),
        workstream_id=None if workstream == ALL else workstream,
    )
    if with_champions:
        everything = load_coverage(
            db_key(), user.role, user.username, CoverageFilters().model_dump()
        )
        regions = sorted(r for r in everything["champions"]["region"].dropna().unique())
        region = cols[2].selectbox(
            "Region (Champions engaged)", [ALL, *regions], key="coverage_region"
        )
        filters.region = None if region == ALL else region
    rows = load_coverage(db_key(), user.role, user.username, filters.model_dump())
    table = objectives.coverage_table(rows)
    long = objectives.coverage_long(table, with_champions=with_champions)
    # Drawn with st.altair_chart (not the cached spec of ui.charts): a click on a cell reruns
    # the page with the objective picked, and the drill-down below follows it.
    picked = st.altair_chart(
        objectives.coverage_heatmap(long),
        width="stretch",
        on_select="rerun",
        selection_mode=objectives.HEATMAP_PICK,
        key="coverage_heatmap",
    )
    _follow_pick(picked)
    st.caption(f"Made with: {md_text(filters.describe())}.")
    download_buttons(
        objectives.coverage_export(rows, with_champions=with_champions),
        file_stem=f"gcm-objectives-coverage-{today.isoformat()}",
        sheet="Coverage",
        keys=("coverage_csv", "coverage_excel"),
    )
    render_drilldown(rows, with_champions=with_champions)


def _follow_pick(picked) -> None:
    """Open the drill-down on the objective of a clicked cell (once per click)."""
    points = (picked or {}).get("selection", {}).get(objectives.HEATMAP_PICK) or []
    number = next((p.get("objective") for p in points if p.get("objective")), None)
    if number is not None and st.session_state.get("coverage_last_pick") != number:
        st.session_state["coverage_last_pick"] = number
        st.session_state["coverage_objective"] = int(number)


def render_drilldown(rows: dict[str, pd.DataFrame], *, with_champions: bool) -> None:
    labels = {o.number: o.label for o in objectives.list_objectives()}
    number = st.selectbox(
        "Show the rows behind one objective",
        list(labels),
        format_func=lambda n: labels[n],
        key="coverage_objective",
    )
    products = rows["products"][rows["products"]["objective"] == number]
    events = rows["events"][rows["events"]["objective"] == number]
    st.markdown(f"**Products** ({len(products)})")
    if not products.empty:
        shown = products[["title_en", "workstream_id", "stage", "planned_launch"]].copy()
        shown["stage"] = shown["stage"].map(STAGE_LABELS).fillna(shown["stage"])
        shown["planned_launch"] = [
            "" if pd.isna(d) else f"{pd.Timestamp(d):%d %b %Y}" for d in shown["planned_launch"]
        ]
        st.dataframe(
            shown.rename(
                columns={
                    "title_en": "Product",
                    "workstream_id": "Workstream",
                    "stage": "Stage",
                    "planned_launch": "Planned launch",
                }
            ),
            hide_index=True,
            width="stretch",
            key="coverage_products",
        )
    st.markdown(f"**Events** ({len(events)})")
    if not events.empty:
        shown = events[["title", "workstream_id", "starts_utc"]].copy()
        shown["starts_utc"] = pd.to_datetime(shown["starts_utc"]).dt.strftime("%d %b %Y")
        st.dataframe(
            shown.rename(
                columns={"title": "Event", "workstream_id": "Workstream", "starts_utc": "Date"}
            ),
            hide_index=True,
            width="stretch",
            key="coverage_events",
        )
    if with_champions:
        engaged = rows["champions"][rows["champions"]["objective"] == number]
        st.markdown(f"**Champions engaged** ({engaged['m49'].nunique()})")
        if not engaged.empty:
            summary = (
                engaged.groupby("country")
                .agg(engagements=("engagement_id", "nunique"), last=("occurred_on", "max"))
                .reset_index()
                .rename(
                    columns={
                        "country": "Champion",
                        "engagements": "Engagements",
                        "last": "Last engaged",
                    }
                )
            )
            st.dataframe(summary, hide_index=True, width="stretch", key="coverage_champions")

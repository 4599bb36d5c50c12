"""Pipeline board, list and opportunity tables, and the small formatters the pipeline views share."""

from datetime import date
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from core import objectives, pipeline
from core import pipeline_consult as consult
from core import pipeline_io as pio
from core.events import EVENT_KINDS
from core.permissions import User
from ui.context import connection
from ui.pipeline_forms import (
    may_edit,
    open_product,
    render_bulk_edit,
    render_import,
    render_new_product,
)
from ui.safe import md_text
from ui.widgets import download_buttons


def status_of(row) -> str:
    if row.stage in pipeline.DONE_STAGES:
        return "Done"
    return "Overdue" if row.overdue else "At risk" if row.at_risk else "On track"


def badges(row) -> str:
    out = []
    if row.overdue:
        out.append(":red-badge[Overdue]")
    if row.at_risk:
        out.append(":orange-badge[At risk]")
    if row.language_gap and row.stage not in pipeline.DONE_STAGES:
        # One short badge per language: a narrow board column cuts a long one.
        for lang in row.language_gap.split(", "):
            out.append(f":gray-badge[No {pipeline.LANG_LABELS.get(lang, lang)}]")
    return " ".join(out)


def fmt_day(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


CARD_LIMIT = 8  # cards per column before "Show all": a column stays readable, the page fast


def _flip(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


def render_board(df: pd.DataFrame) -> None:
    """Draw one column per stage with a card per product (soonest launch first; latest if done)."""
    counts = pipeline.board_counts(df).set_index("stage")["products"]
    # One pass over the products, not a filtered frame and a tuple class per column: under 30
    # sessions the per-column pandas work was a fifth of the pipeline page's time (py-spy).
    fields = ["stage", "product_id", "title_en", "workstream_id", "kind", "planned_launch"]
    fields += ["overdue", "at_risk", "language_gap"]
    by_stage: dict[str, list[SimpleNamespace]] = {}
    for record in df[fields].to_dict("records"):
        by_stage.setdefault(record["stage"], []).append(SimpleNamespace(**record))
    for stages in (pipeline.STAGES, pipeline.SIDE_STAGES):
        if stages is pipeline.SIDE_STAGES and not counts[stages].sum():
            continue
        columns = st.columns(len(pipeline.STAGES))
        for column, stage in zip(columns, stages, strict=False):
            with column:
                st.markdown(f"**{pipeline.STAGE_LABELS[stage]}** · {counts[stage]}")
                cards = by_stage.get(stage, [])
                if stage in pipeline.DONE_STAGES:
                    cards = cards[::-1]
                everything = f"pipeline_board_all_{stage}"
                if not st.session_state.get(everything):
                    cards = cards[:CARD_LIMIT]
                for row in cards:
                    _card(row)
                if counts[stage] > CARD_LIMIT:
                    st.button(
                        "Show fewer"
                        if st.session_state.get(everything)
                        else f"Show all {counts[stage]}",
                        type="tertiary",
                        icon=":material/unfold_more:",
                        key=f"pipeline_board_more_{stage}",
                        on_click=_flip,
                        args=(everything,),
                    )


def _card(row) -> None:
    with st.container(border=True, gap="small"):
        st.button(
            f"**{md_text(row.title_en)}**",
            type="tertiary",
            key=f"pipeline_card_{row.product_id}",
            help="Open this product",
            on_click=open_product,
            args=(int(row.product_id),),
        )
        # One element for the details and flags: a board holds hundreds of cards.
        st.markdown(
            f":small[:gray[{md_text(row.workstream_id)} · {md_text(row.kind)} · launch "
            f"{fmt_day(row.planned_launch)}]] {badges(row)}"
        )


def render_list(df: pd.DataFrame, workstreams: list[str], today: date, user: User) -> None:
    """Show the filtered products as a table with downloads, then the forms the user may use."""
    view = df.assign(status=[status_of(r) for r in df.itertuples()])
    for lang in pipeline.LANGS:
        view[f"lang_{lang}"] = view[f"lang_{lang}"].map(pipeline.LANG_STATUS_LABELS)
    st.dataframe(
        view[
            [
                "title_en",
                "workstream_id",
                "kind",
                "lead_agencies",
                "stage_label",
                "workplan_status",
                "status",
                "planned_launch",
                "actual_launch",
                "lang_en",
                "lang_fr",
                "lang_es",
                "feedback",
            ]
        ],
        column_config={
            "title_en": "Title",
            "workstream_id": "Workstream",
            "kind": "Kind",
            "lead_agencies": "Lead agencies",
            "stage_label": "Stage",
            "workplan_status": "Workplan status",
            "status": "Flag",
            "planned_launch": st.column_config.DateColumn("Planned launch", format="D MMM YYYY"),
            "actual_launch": st.column_config.DateColumn("Actual launch", format="D MMM YYYY"),
            "lang_en": "English",
            "lang_fr": "French",
            "lang_es": "Spanish",
            "feedback": st.column_config.NumberColumn("Feedback", help="Feedback entries"),
        },
        hide_index=True,
        width="stretch",
        key="pipeline_table",
    )
    download_buttons(
        objectives.with_objectives_column(
            connection(), pio.export_frame(df), kind="product", id_column="product_id"
        ),
        file_stem=f"products-{today:%Y-%m-%d}",
        sheet="Products",
        keys=("pipeline_export_csv", "pipeline_export_xlsx"),
    )
    mine = [ws for ws in workstreams if may_edit(user, ws)]
    if not mine:
        return
    render_bulk_edit(df[df["workstream_id"].isin(mine)], user)
    render_new_product(mine, user)
    render_import(user)


def render_opportunity_table(chances: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        chances.assign(
            window=chances["opens_on"].map(fmt_day) + " – " + chances["closes_on"].map(fmt_day),
            kind=chances["kind"].map(EVENT_KINDS),
        ),
        column_order=[
            "title_en",
            "workstream_id",
            "window",
            "basis",
            "event_title",
            "kind",
            "starts_utc",
            "starts_local",
            "where",
        ],
        column_config={
            "title_en": "Product",
            "workstream_id": "Workstream",
            "window": "Consultation window",
            "basis": st.column_config.TextColumn(
                "Window is", help="recorded, or planned stage dates"
            ),
            "event_title": "Event",
            "kind": "Kind",
            "starts_utc": st.column_config.DatetimeColumn(
                "Starts (UTC)", format="D MMM YYYY HH:mm"
            ),
            "starts_local": "Starts (event's zone)",
            "where": "In or near the window",
        },
        hide_index=True,
        width="stretch",
        key=key,
    )


def render_opportunities(df: pd.DataFrame, *, db: str, load_opportunities) -> None:
    """List upcoming Champion events in or near the consultation windows of the products shown."""
    st.caption(
        "Upcoming Champions meetings, technical meetings and webinars (Champion or open audience) "
        f"inside a product's consultation window or within {consult.NEAR_DAYS} days of it, for "
        "products that need consultation and are not launched, cancelled or on hold. A window is "
        "the recorded consultation, else the planned dates of the consultation stage."
    )
    chances = load_opportunities(db, tuple(int(i) for i in df["product_id"]))
    if chances.empty:
        st.info("No upcoming Champion event falls in or near a consultation window.")
        return
    render_opportunity_table(chances, key="pipeline_opportunities_table")

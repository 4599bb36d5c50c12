"""Pipeline: what each workstream will deliver, when, in which languages, and when Champions are consulted."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core import audit, pipeline
from core import pipeline_consult as consult
from ui.context import connection, db_key, demo_banner, guard
from ui.pipeline_board import render_board, render_list, render_opportunities
from ui.pipeline_detail import render_detail
from ui.pipeline_forms import FLASH, TAB_KEY
from ui.pipeline_roadmap import render_roadmap
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("pipeline")

DUE_WINDOWS = {"Any time": None, "Next 30 days": 30, "Next 90 days": 90, "Next 180 days": 180}


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str, today: date) -> pd.DataFrame:
    return pipeline.list_products(connection(), today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_roadmap(db: str, product_ids: tuple[int, ...], today: date) -> pd.DataFrame:
    return pipeline.roadmap_rows(connection(), product_ids=product_ids, today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_opportunities(db: str, product_ids: tuple[int, ...]) -> pd.DataFrame:
    return consult.engagement_opportunities(connection(), product_ids=product_ids)


@st.cache_data(ttl=300, show_spinner=False)
def load_choices(db: str) -> tuple[list[str], pd.DataFrame]:
    con = connection()
    return pipeline.list_workstreams(con), consult.list_champion_choices(con)


@st.cache_data(ttl=60, show_spinner=False)
def load_detail(db: str, product_id: int) -> dict:
    con = connection()
    return {
        "languages": pipeline.list_languages(con, product_id=product_id),
        "history": pipeline.list_stage_history(con, product_id=product_id),
        "dates": pipeline.list_stage_dates(con, product_id=product_id),
        "links": pipeline.list_links(con, product_id=product_id),
        "consultations": consult.list_consultations(con, product_id=product_id),
        "feedback": consult.list_feedback(con, product_id=product_id),
        "product": pipeline.get_product(con, product_id=product_id),
    }


def render_filters(df: pd.DataFrame, workstreams: list[str], today: date) -> pd.DataFrame:
    cols = st.columns([2, 3, 1.3], vertical_alignment="bottom")
    # The toggles get a row of their own: squeezed next to the lists their labels were cut.
    cols += list(st.columns(3))
    chosen_ws = cols[0].multiselect("Workstream", workstreams, key="pipeline_workstream_filter")
    chosen_stages = cols[1].multiselect(
        "Stage",
        pipeline.ALL_STAGES,
        format_func=pipeline.STAGE_LABELS.get,
        key="pipeline_stage_filter",
    )
    due = cols[2].selectbox("Launch due", list(DUE_WINDOWS), key="pipeline_due_filter")
    gap = cols[3].toggle("Missing a language", key="pipeline_gap_filter")
    flagged = cols[4].toggle(
        "Late or at risk", help="Overdue or at risk only", key="pipeline_flag_filter"
    )
    history = cols[5].toggle(
        "Finished long ago",
        help="Also show products launched or cancelled more than a year ago",
        key="pipeline_history_filter",
    )
    shown = pipeline.filter_products(
        df,
        finished_since=None if history else today - timedelta(days=365),
        workstreams=chosen_ws,
        stages=chosen_stages,
        language_gap=gap,
        due_within_days=DUE_WINDOWS[due],
        flagged_only=flagged,
    )
    st.caption(
        f"{len(shown)} of {len(df)} products"
        + ("" if history else " (finished over a year ago hidden)")
        + f" · {int(shown['overdue'].sum())} overdue · "
        f"{int(shown['at_risk'].sum())} at risk (launch within {pipeline.AT_RISK_DAYS} days and "
        "a required language not ready)"
    )
    return shown


# Page ---------------------------------------------------------------------------------------

st.title("Working Group product pipeline")
demo_banner()
if message := st.session_state.pop(FLASH, None):
    st.success(md_text(message))
today = audit.utcnow().date()
db = db_key()
products = load_products(db, today)
workstream_ids, champion_choices = load_choices(db)
shown = render_filters(products, workstream_ids, today)
# Only the open view runs; it is named in the URL (?pipeline_tab=Roadmap).
lazy_tabs(
    {
        "Board": lambda: render_board(shown),
        "Roadmap": lambda: render_roadmap(shown, today, db=db, load_roadmap=load_roadmap),
        "List": lambda: render_list(shown, workstream_ids, today, user),
        "Product": lambda: render_detail(
            products,
            champion_choices,
            user,
            db=db,
            load_detail=load_detail,
            load_opportunities=load_opportunities,
        ),
        "Engagement opportunities": lambda: render_opportunities(
            shown, db=db, load_opportunities=load_opportunities
        ),
    },
    key=TAB_KEY,
)

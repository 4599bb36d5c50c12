"""Overview: the year at a glance for planning meetings, and what needs attention."""

import calendar
from datetime import date

import altair as alt
import streamlit as st

from core import champions, engagement, overview, pipeline, timezones
from ui.brief import render_brief_download
from ui.charts import draw_altair
from ui.context import connection, db_key, demo_banner, guard
from ui.objectives import render_coverage
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("overview")

NOT_ENGAGED_DAYS = 90


@st.cache_data(ttl=60, show_spinner=False)
def load_kpis(db: str, today: date) -> dict:
    return overview.overview_kpis(connection(), today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_per_month(db: str, year: int):
    return overview.events_per_month(connection(), year=year)


@st.cache_data(ttl=60, show_spinner=False)
def load_upcoming(db: str, today: date, viewer_tz: str):
    events = overview.upcoming_events(connection(), today=today, viewer_tz=viewer_tz)
    return events.rename(columns={"when": "When", "title": "Title", "kind": "Kind"})


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str, today: date):
    return pipeline.list_products(connection(), today=today)


@st.cache_data(ttl=300, show_spinner=False)
def load_gaps(db: str) -> list[tuple[str, list[str]]]:
    con = connection()
    names = dict(champions.list_groupings(con)[["grouping_id", "name"]].itertuples(index=False))
    return [
        (names[g], champions.gap_sentences(champions.balance(con, g)))
        for g in ("m49_region", "unds")
        if g in names
    ]


@st.cache_data(ttl=60, show_spinner=False)
def load_not_engaged(db: str, today: date):
    return engagement.not_engaged(connection(), days=NOT_ENGAGED_DAYS, today=today)


def render_attention(today: date) -> None:
    products = load_products(db_key(), today)
    late = products[products["overdue"] | products["at_risk"]]
    st.subheader("Products late or at risk")
    if late.empty:
        st.success("No product is late or at risk.")
    else:
        st.dataframe(
            late[
                ["title_en", "workstream_id", "stage_label", "planned_launch", "flag_reason"]
            ].rename(
                columns={
                    "title_en": "product",
                    "workstream_id": "workstream",
                    "stage_label": "stage",
                    "planned_launch": "planned launch",
                    "flag_reason": "why",
                }
            ),
            hide_index=True,
            width="stretch",
            key="overview_late_products",
            column_config={"why": st.column_config.TextColumn("Why", width="large")},
        )
        st.page_link("pages/pipeline.py", label="Open the pipeline", icon=":material/view_kanban:")
    st.subheader("Geographic gaps")
    for grouping, gaps in load_gaps(db_key()):
        st.caption(f"By {md_text(grouping)}:")
        for sentence in gaps:
            st.markdown(f"- {md_text(sentence)}")
    if user.role != "viewer":
        quiet = load_not_engaged(db_key(), today)
        st.subheader(f"Champions not engaged in {NOT_ENGAGED_DAYS} days")
        if quiet.empty:
            st.success(f"Every Champion was engaged in the last {NOT_ENGAGED_DAYS} days.")
        else:
            st.markdown(", ".join(md_text(c) for c in quiet["country"]))


def per_month_chart(per_month):
    """Events per month of the year, stacked by kind."""
    return (
        alt.Chart(per_month)
        .mark_bar()
        .encode(
            x=alt.X("month_name:O", title="Month", sort=list(calendar.month_abbr)[1:]),
            y=alt.Y("events:Q", title="Events"),
            color=alt.Color("kind_label:N", title="Kind"),
            tooltip=[
                alt.Tooltip("month_name:N", title="Month"),
                alt.Tooltip("kind_label:N", title="Kind"),
                alt.Tooltip("events:Q", title="Events"),
            ],
        )
        .properties(height=280)
    )


st.title("Overview")
st.caption("The year at a glance: events, products, Champions and engagement.")
demo_banner()
today = date.today()
kpis = load_kpis(db_key(), today)
cols = st.columns(5)
cols[0].metric("Active Champions", kpis["champions"])
cols[1].metric("Events this year", kpis["events_year"])
cols[2].metric("Upcoming (30 days)", kpis["events_30"])
cols[3].metric("Products in progress", kpis["products_open"])
cols[4].metric("Products late", kpis["products_late"])

zone, _ = timezones.viewer_zone(
    connection(), username=user.username, browser_tz=st.context.timezone
)
render_brief_download(user, today, zone)


def render_glance() -> None:
    left, right = st.columns([3, 2])
    with left:
        st.subheader(f"Events per month, {today.year}")
        per_month = load_per_month(db_key(), today.year)
        draw_altair(per_month_chart, per_month, width="stretch")
    with right:
        st.subheader("Next events")
        st.dataframe(
            load_upcoming(db_key(), today, zone),
            hide_index=True,
            width="stretch",
            key="overview_upcoming",
        )
        st.caption(f"Times in each event's zone, then in yours ({md_text(zone)}) when it differs.")
    render_attention(today)


lazy_tabs(
    {"At a glance": render_glance, "GCM objectives": lambda: render_coverage(user, today)},
    key="overview_tab",
)

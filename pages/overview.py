"""Overview: the year at a glance for planning meetings."""

from datetime import date

import altair as alt
import streamlit as st

from core import overview
from ui.context import connection, db_key, demo_banner, guard

user = guard("overview")


@st.cache_data(ttl=60, show_spinner=False)
def load_kpis(db: str, today: date) -> dict:
    return overview.overview_kpis(connection(), today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_per_month(db: str, year: int):
    return overview.events_per_month(connection(), year=year)


@st.cache_data(ttl=60, show_spinner=False)
def load_upcoming(db: str, today: date):
    return overview.upcoming_events(connection(), today=today)


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

left, right = st.columns([3, 2])
with left:
    st.subheader(f"Events per month, {today.year}")
    per_month = load_per_month(db_key(), today.year)
    chart = (
        alt.Chart(per_month)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title="Month"),
            y=alt.Y("events:Q", title="Events"),
            color=alt.Color("kind_label:N", title="Kind"),
            tooltip=["month", "kind_label", "events"],
        )
        .properties(height=280)
    )
    st.altair_chart(chart, width="stretch")
with right:
    st.subheader("Next events")
    st.dataframe(
        load_upcoming(db_key(), today), hide_index=True, width="stretch", key="overview_upcoming"
    )

"""Engagement: which Champions were engaged, when, and who has not been."""

from datetime import date

import altair as alt
import streamlit as st

from core import engagement
from ui.context import connection, db_key, demo_banner, guard

user = guard("engagement")


@st.cache_data(ttl=60, show_spinner=False)
def load_heatmap(db: str, year: int):
    return engagement.engagement_by_month(connection(), year=year)


@st.cache_data(ttl=60, show_spinner=False)
def load_last(db: str):
    return engagement.last_engagement(connection())


st.title("Champion engagement")
demo_banner()
year = date.today().year
heat = load_heatmap(db_key(), year)
st.subheader(f"Engagements per Champion and month, {year}")
chart = (
    alt.Chart(heat)
    .mark_rect()
    .encode(
        x=alt.X("month:O", title="Month"),
        y=alt.Y("country:N", title=None),
        color=alt.Color("engagements:Q", title="Engagements"),
        tooltip=["country", "month", "engagements"],
    )
)
st.altair_chart(chart, width="stretch")
st.subheader("Last engagement per Champion")
st.dataframe(load_last(db_key()), hide_index=True, width="stretch", key="engagement_last")

"""Meetings: registrations against the participation rules, and attendance."""

import altair as alt
import streamlit as st

from core import meetings
from ui.context import connection, db_key, demo_banner, guard

user = guard("meetings")


@st.cache_data(ttl=60, show_spinner=False)
def load_meetings(db: str):
    return meetings.list_meetings(connection())


st.title("Meetings and participation")
demo_banner()
df = load_meetings(db_key())
long = df.melt(
    id_vars=["title", "starts_utc"],
    value_vars=["confirmed", "attended", "waitlisted"],
    var_name="status",
    value_name="people",
)
chart = (
    alt.Chart(long)
    .mark_bar()
    .encode(
        x=alt.X("title:N", sort=alt.SortField("starts_utc"), title=None),
        xOffset="status:N",
        y=alt.Y("people:Q", title="People"),
        color=alt.Color("status:N", title="Status"),
        tooltip=["title", "status", "people"],
    )
    .properties(height=280)
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    df.drop(columns=["event_id"]).rename(
        columns={"starts_utc": "starts (UTC)", "tz": "event time zone"}
    ),
    hide_index=True,
    width="stretch",
    key="meetings_table",
)

"""Bookings: Champion-facing slots offered by the Secretariat and the workstreams' requests."""

import altair as alt
import streamlit as st

from core import bookings
from ui.context import connection, db_key, demo_banner, guard

user = guard("bookings")


@st.cache_data(ttl=60, show_spinner=False)
def load_slots(db: str):
    return bookings.list_slots(connection())


st.title("Slot booking")
demo_banner()
df = load_slots(db_key())
chart = (
    alt.Chart(df)
    .mark_bar()
    .encode(
        x=alt.X("starts_utc:T", title="Start (UTC)"),
        x2="ends_utc:T",
        y=alt.Y("meeting:N", title=None),
        color=alt.Color("state:N", title="State"),
        tooltip=["title", "meeting", "state", "held_by"],
    )
    .properties(height=200)
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    df.rename(
        columns={"starts_utc": "starts (UTC)", "ends_utc": "ends (UTC)", "tz": "event time zone"}
    ),
    hide_index=True,
    width="stretch",
    key="bookings_table",
)

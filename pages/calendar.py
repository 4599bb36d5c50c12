"""Calendar: the common calendar of the year."""

from datetime import date, datetime

import altair as alt
import streamlit as st

from core import events
from ui.context import connection, db_key, demo_banner, guard

user = guard("calendar")


@st.cache_data(ttl=60, show_spinner=False)
def load_events(db: str, year: int):
    df = events.list_events(
        connection(), start_utc=datetime(year, 1, 1), end_utc=datetime(year + 1, 1, 1)
    )
    df["kind_label"] = df["kind"].map(events.EVENT_KINDS).fillna(df["kind"])
    df["lane"] = df["workstream_id"].fillna("Network-wide")
    return df


st.title("Common calendar")
demo_banner()
year = st.number_input(
    "Year", min_value=2019, max_value=2040, value=date.today().year, key="calendar_year"
)
df = load_events(db_key(), int(year))
st.subheader(f"{int(year)} at a glance (UTC)")
timeline = (
    alt.Chart(df)
    .mark_bar(height=12)
    .encode(
        x=alt.X("starts_utc:T", title="Date (UTC)"),
        x2="ends_utc:T",
        y=alt.Y("lane:N", title="Workstream"),
        color=alt.Color("kind_label:N", title="Kind"),
        tooltip=["title", "kind_label", "starts_utc:T", "tz"],
    )
    .properties(height=260)
)
today_rule = (
    alt.Chart(alt.Data(values=[{"today": date.today().isoformat()}]))
    .mark_rule(color="red")
    .encode(x="today:T")
)
st.altair_chart(timeline + today_rule, width="stretch")
st.dataframe(
    df[["title", "kind_label", "lane", "starts_utc", "ends_utc", "tz", "status"]].rename(
        columns={
            "kind_label": "kind",
            "lane": "workstream",
            "starts_utc": "starts (UTC)",
            "ends_utc": "ends (UTC)",
            "tz": "event time zone",
        }
    ),
    hide_index=True,
    width="stretch",
    key="calendar_table",
)

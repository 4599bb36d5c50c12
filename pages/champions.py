"""Champions: the registry and the geographic balance."""

import altair as alt
import streamlit as st

from core import champions
from ui.context import connection, db_key, demo_banner, guard

user = guard("champions")


@st.cache_data(ttl=300, show_spinner=False)
def load_champions(db: str):
    return champions.list_champions(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_groupings(db: str):
    return champions.list_groupings(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_balance(db: str, grouping_id: str):
    return champions.balance(connection(), grouping_id)


st.title("Champion countries")
demo_banner()
groupings = load_groupings(db_key())
names = dict(zip(groupings["grouping_id"], groupings["name"], strict=True))
grouping_id = st.selectbox(
    "Regional grouping", list(names), format_func=names.get, key="champions_grouping"
)
balance = load_balance(db_key(), grouping_id)
st.subheader(f"Champions by group: {names[grouping_id]}")
chart = (
    alt.Chart(balance)
    .mark_bar()
    .encode(
        y=alt.Y("group:N", sort="-x", title=None),
        x=alt.X("champions:Q", title="Champions"),
        tooltip=["group", "champions", "un_member_states"],
    )
    .properties(height=max(200, 22 * len(balance)))
)
st.altair_chart(chart, width="stretch")
df = load_champions(db_key())
st.dataframe(
    df[["country", "region", "sub_region", "joined", "source", "capital_tz", "status", "co_chair"]],
    hide_index=True,
    width="stretch",
    key="champions_table",
)

"""Champions: the registry, the geographic balance (map, counts, gaps) and growth over time."""

import streamlit as st

from core import champions, geo
from ui.champions_balance import map_spec, render_balance, render_growth, render_map
from ui.champions_forms import render_cochair_forms, render_focal_point_forms
from ui.champions_registry import render_registry
from ui.context import connection, db_key, demo_banner, guard
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("champions")


@st.cache_data(ttl=60, show_spinner=False)
def load_champions(db: str):
    return champions.list_champions(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_groupings(db: str):
    return champions.list_groupings(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_balance(db: str, grouping_id: str):
    df = champions.balance(connection(), grouping_id)
    note = champions.northern_america_note(connection(), grouping_id)
    return df, champions.gap_sentences(df), note


@st.cache_data(ttl=300, show_spinner=False)
def load_map(db: str):
    marks = geo.map_countries(connection())[["id", "country", "status", "detail"]]
    return map_spec(marks), marks


@st.cache_data(ttl=300, show_spinner=False)
def load_growth(db: str):
    con = connection()
    return champions.growth_by_date(con), champions.count_unknown_join_dates(con)


@st.cache_data(ttl=300, show_spinner=False)
def load_countries(db: str):
    return champions.list_countries(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_grouping_members(db: str, grouping_id: str):
    return champions.list_grouping_members(connection(), grouping_id=grouping_id)


@st.cache_data(ttl=60, show_spinner=False)
def load_focal_points(db: str, username: str):
    return champions.list_focal_points(connection(), user=user)


st.title("Champion countries")
demo_banner()
if flash := st.session_state.pop("champions_flash", None):
    st.success(md_text(flash))  # flashes name what was typed: shown as text
db = db_key()


def registry() -> None:
    render_registry(
        load_champions(db),
        user,
        db=db,
        load_focal_points=load_focal_points,
        load_countries=load_countries,
    )
    render_focal_point_forms(connection(), user)
    render_cochair_forms(connection(), user)


def balance() -> None:
    render_map(*load_map(db))
    render_balance(
        load_groupings(db),
        user,
        db=db,
        load_balance=load_balance,
        load_grouping_members=load_grouping_members,
    )


# Only the open tab runs (the map is built only on Geographic balance); ?champions_tab= opens one.
lazy_tabs(
    {
        "Registry": registry,
        "Geographic balance": balance,
        "Growth": lambda: render_growth(*load_growth(db)),
    },
    key="champions_tab",
)

"""Engagement: which Champions were engaged, when, by which workstream, and who has not been."""

from datetime import date

import streamlit as st

from core import champions, engagement
from core.permissions import can
from ui.context import connection, db_key, demo_banner, guard
from ui.engagement_forms import render_add_form, render_edit_form
from ui.engagement_profile import render_profile
from ui.engagement_views import (
    render_heatmap,
    render_load,
    render_matrix,
    render_not_engaged,
    render_pairs,
)

user = guard("engagement")

VIEWS = [
    "Heatmap",
    "By workstream",
    "Not engaged",
    "Champion profile",
    "Peer learning",
    "Consultation load",
]


@st.cache_data(ttl=60, show_spinner=False)
def load_heatmap(db: str, year: int):
    return engagement.engagement_by_month(connection(), year=year)


@st.cache_data(ttl=60, show_spinner=False)
def load_matrix(db: str):
    return engagement.engagement_matrix(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_not_engaged(db: str, days: int, today: date):
    return engagement.not_engaged(connection(), days=days, today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_champions(db: str):
    return champions.list_champions(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_profile(db: str, iso3: str):
    con = connection()
    return (
        engagement.champion_timeline(con, iso3=iso3),
        engagement.champion_meetings(con, iso3=iso3),
        engagement.champion_feedback(con, iso3=iso3),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_pairs(db: str):
    return engagement.peer_pairs(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_consultation_load(db: str, year: int):
    con = connection()
    return (
        engagement.consultation_load(con, start=date(year, 1, 1), end=date(year, 12, 31)),
        engagement.get_consultation_cap(con),
    )


@st.cache_data(ttl=300, show_spinner=False)
def load_form_options(db: str):
    con = connection()
    return engagement.list_workstreams(con), engagement.list_products(con, workstream_id=None)


@st.cache_data(ttl=60, show_spinner=False)
def load_hand_entries(db: str, workstream_id: str | None):
    return engagement.list_hand_entries(connection(), workstream_id=workstream_id)


st.title("Champion engagement")
demo_banner()
db = db_key()
if can(user, "engagement.add") or can(user, "engagement.add", workstream_id=user.workstream_id):
    loaders = {"load_form_options": load_form_options, "load_champions": load_champions}
    render_add_form(user, db=db, **loaders)
    scope = None if can(user, "engagement.add") else user.workstream_id
    render_edit_form(load_hand_entries(db, scope), user, db=db, **loaders)
default = VIEWS.index("Champion profile") if st.query_params.get("champion") else 0
view = st.radio(
    "View", VIEWS, index=default, horizontal=True, key="engagement_view", bind="query-params"
)  # the view is in the address: ?engagement_view=Not+engaged
{
    "Heatmap": lambda: render_heatmap(db=db, load_heatmap=load_heatmap),
    "By workstream": lambda: render_matrix(load_matrix(db)),
    "Not engaged": lambda: render_not_engaged(db=db, load_not_engaged=load_not_engaged),
    "Champion profile": lambda: render_profile(
        load_champions(db), db=db, load_profile=load_profile
    ),
    "Peer learning": lambda: render_pairs(load_pairs(db)),
    "Consultation load": lambda: render_load(
        user, db=db, load_consultation_load=load_consultation_load
    ),
}[view]()

"""Meetings: agenda in two zones, materials, participation under the rules, office support, attendance."""

import pandas as pd
import streamlit as st

from core import attendance, meetings, registration
from core.timezones import COMMON_ZONES
from ui.context import connection, db_key, demo_banner, guard
from ui.meetings_people import render_participants
from ui.meetings_views import (
    render_agenda,
    render_attendance,
    render_header,
    render_join_details,
    render_support,
)
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("meetings")


@st.cache_data(ttl=60, show_spinner=False)
def load_meetings(db: str) -> pd.DataFrame:
    return meetings.list_meetings(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_meeting(db: str, event_id: int) -> tuple:
    con = connection()
    return (
        meetings.get_meeting(con, event_id=event_id),
        meetings.list_agenda(con, event_id=event_id),
        meetings.list_materials(con, event_id=event_id),
        meetings.list_meeting_products(con, event_id=event_id),
        registration.registration_summary(con, event_id=event_id),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_registrations(db: str, event_id: int, role: str, agency: str | None) -> pd.DataFrame:
    # role and agency are part of the cache key: each scope gets its own cached list.
    return registration.list_registrations(
        connection(),
        user=user.model_copy(update={"role": role, "agency_id": agency}),
        event_id=event_id,
    )


@st.cache_data(ttl=300, show_spinner=False)
def load_options(db: str) -> tuple:
    con = connection()
    return (
        meetings.list_champion_options(con),
        meetings.list_country_options(con),
        meetings.list_agencies(con),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_support(db: str, event_id: int, role: str, agency: str | None) -> pd.DataFrame:
    return meetings.office_support_matrix(
        connection(),
        user=user.model_copy(update={"role": role, "agency_id": agency}),
        event_id=event_id,
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_stats(db: str, by: str) -> pd.DataFrame:
    return attendance.attendance_stats(connection(), by=by)


st.title("Meetings and participation")
demo_banner()
if flash := st.session_state.pop("meetings_flash", None):
    st.success(md_text(flash))  # flashes name what was typed: shown as text
db = db_key()
all_meetings = load_meetings(db)
if all_meetings.empty:
    st.info("No meetings yet.")
    st.stop()
titles = {
    int(r.event_id): f"{r.title} ({r.starts_utc:%d %b %Y})" for r in all_meetings.itertuples()
}
upcoming = all_meetings[all_meetings["starts_utc"] >= pd.Timestamp.now()]
default = (
    int(upcoming.iloc[0]["event_id"])
    if not upcoming.empty
    else int(all_meetings.iloc[-1]["event_id"])
)
left, right = st.columns([3, 1])
event_id = left.selectbox(
    "Meeting", list(titles), index=list(titles).index(default), format_func=titles.get,
    key="meetings_event",
)  # fmt: skip
meeting, agenda, materials, products, summary = load_meeting(db, event_id)
zones = list(dict.fromkeys([meeting["tz"], st.context.timezone or "UTC", *COMMON_ZONES]))
viewer_tz = right.selectbox("Show times also in", zones, index=1, key="meetings_zone")
render_header(meeting, viewer_tz)
render_join_details(event_id, user)
# Only the open tab runs; it is named in the URL (?meetings_tab=Attendance).
lazy_tabs(
    {
        "Agenda": lambda: render_agenda(meeting, agenda, materials, products, viewer_tz),
        "Participants": lambda: render_participants(
            event_id, summary, load_options(db), user, db=db, load_registrations=load_registrations
        ),
        "Office support": lambda: render_support(
            event_id, load_options(db), user, db=db, load_support=load_support
        ),
        "Attendance": lambda: render_attendance(
            event_id,
            meeting,
            user,
            db=db,
            load_registrations=load_registrations,
            load_stats=load_stats,
        ),
    },
    key="meetings_tab",
)

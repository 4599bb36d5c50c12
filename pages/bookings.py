"""Bookings: Champion-facing slots offered by the Secretariat, workstreams' requests, the slot finder."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from core import audit, bookings, slotfinder
from core.meetings import list_champion_options
from core.permissions import can
from core.pipeline import list_workstreams
from ui.bookings_finder import render_finder
from ui.bookings_views import render_offer, render_requests, render_slots
from ui.context import connection, db_key, demo_banner, guard
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("bookings")


@st.cache_data(ttl=60, show_spinner=False)
def load_slots(db: str, ending_after: datetime | None) -> pd.DataFrame:
    return bookings.list_slots(connection(), ending_after_utc=ending_after)


@st.cache_data(ttl=60, show_spinner=False)
def load_bookings(
    db: str, workstream_id: str | None, ending_after: datetime | None
) -> pd.DataFrame:
    return bookings.list_bookings(
        connection(), workstream_id=workstream_id, ending_after_utc=ending_after
    )


def since_today() -> datetime:
    """Return the start of today (UTC): by default, slots and bookings that already ended hide."""
    return datetime.combine(audit.utcnow().date(), time())


@st.cache_data(ttl=300, show_spinner=False)
def load_options(db: str) -> tuple:
    con = connection()
    return list_champion_options(con), list_workstreams(con), bookings.list_offerable_meetings(con)


@st.cache_data(ttl=300, show_spinner=False)
def load_products(db: str, workstream_id: str) -> pd.DataFrame:
    return bookings.list_workstream_products(connection(), workstream_id=workstream_id)


@st.cache_data(ttl=300, show_spinner=False)
def load_ranking(db: str, m49s: tuple[int, ...], ask: slotfinder.FinderIn) -> tuple:
    con = connection()
    invitees = slotfinder.list_invitees(con, m49s=list(m49s))
    history = slotfinder.offhours_counts(con)
    ranked = slotfinder.rank_times(invitees, ask, history=history)
    return invitees, ranked, slotfinder.twin_sessions(invitees, ask, history=history)


st.title("Slot booking")
demo_banner()
if flash := st.session_state.pop("bookings_flash", None):
    st.success(md_text(flash))  # flashes name what was typed: shown as text
db = db_key()
champions, workstreams, offerable = load_options(db)
labels = (
    ["Slots", "Requests"]
    + (["Offer a slot"] if can(user, "booking.offer") else [])
    + ["Slot finder"]
)
show_past = st.toggle(
    "Include past slots and bookings", key="bookings_show_past", help="Hidden by default"
)
cutoff = None if show_past else since_today()
views = {
    "Slots": lambda: render_slots(
        load_slots(db, cutoff), champions, workstreams, user, db=db, load_products=load_products
    ),
    "Requests": lambda: render_requests(
        user, db=db, load_bookings=lambda db, scope: load_bookings(db, scope, cutoff)
    ),
    "Offer a slot": lambda: render_offer(offerable, user),
    "Slot finder": lambda: render_finder(
        champions,
        user,
        db=db,
        load_ranking=load_ranking,
        offer_form=(lambda: render_offer(offerable, user)) if can(user, "booking.offer") else None,
    ),
}
# Only the open tab runs; it is named in the URL (?bookings_tab=Requests).
lazy_tabs({label: views[label] for label in labels}, key="bookings_tab")

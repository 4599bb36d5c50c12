"""Waiting on me: registrations to confirm, booking requests, consultations closing, products
late and Champions not engaged, each for the user's role, with confirm / decline in place."""

import pandas as pd
import streamlit as st

from core import inbox
from ui.context import connection, db_key, demo_banner, guard
from ui.inbox import (
    FLASH,
    render_bookings,
    render_consultations,
    render_not_engaged,
    render_products,
    render_registrations,
)
from ui.safe import md_text

user = guard("inbox")


@st.cache_data(ttl=60, show_spinner=False)
def load(db: str, what: str, role: str, agency: str | None, ws: str | None) -> pd.DataFrame:
    scoped = user.model_copy(update={"role": role, "agency_id": agency, "workstream_id": ws})
    return getattr(inbox, what)(connection(), user=scoped)


def loaded(what: str) -> pd.DataFrame:
    return load(db_key(), what, user.role, user.agency_id, user.workstream_id)


st.title("Waiting on me")
demo_banner()
if flash := st.session_state.pop(FLASH, None):
    st.success(md_text(flash))  # names typed by people: shown as text
if inbox.sees_registrations(user):
    render_registrations(user, loaded("registrations_waiting"))
if inbox.sees_bookings(user):
    render_bookings(user, loaded("bookings_waiting"))
if inbox.sees_pipeline(user):
    render_consultations(loaded("consultations_closing"))
    render_products(loaded("products_late"), user)
if inbox.sees_engagement(user):
    render_not_engaged(loaded("champions_not_engaged"))

"""Calendar: the common calendar of the year, in everyone's time zone, in and out of Outlook."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core import events, recurrence, timezones
from ui.calendar_common import NETWORK
from ui.calendar_detail import render_detail, render_picker
from ui.calendar_filters import describe, render_filters
from ui.calendar_forms import render_downloads, render_event_form, render_feeds, render_import
from ui.calendar_views import (
    VIEWS,
    period,
    render_agenda,
    render_month,
    render_navigation,
    render_week,
    render_year,
)
from ui.context import connection, db_key, demo_banner, guard
from ui.safe import md_text
from ui.viewer_zone import render_viewer_zone
from ui.widgets import lazy_tabs

user = guard("calendar")


@st.cache_data(ttl=300, show_spinner=False)
def load_choices(db: str) -> dict:
    con = connection()
    return {
        "workstreams": events.list_workstream_choices(con),
        "champions": events.list_champion_choices(con),
        "products": events.list_product_choices(con),
    }


@st.cache_data(ttl=60, show_spinner=False)
def load_occurrences(db: str, start: datetime, end: datetime, filters: tuple) -> pd.DataFrame:
    workstreams, kinds, audiences, country, text = filters
    df = events.list_events(
        connection(),
        start_utc=start,
        end_utc=end,
        workstreams=list(workstreams) or None,
        kinds=list(kinds) or None,
        audiences=list(audiences) or None,
        country_m49=country,
        text=text or None,
    )
    df = recurrence.expand(df, start_utc=start, end_utc=end)
    df["kind_label"] = df["kind"].map(events.EVENT_KINDS).fillna(df["kind"])
    df["lane"] = df["workstream_id"].fillna(NETWORK)
    return df


@st.cache_data(ttl=60, show_spinner=False)
def load_detail(db: str, event_id: int) -> dict | None:
    # Never the join details: they are secrets, read per request for the user who may see them.
    con = connection()
    event = events.get_event(con, event_id)
    if event is None:
        return None
    return {
        "event": event,
        "agenda": events.list_agenda(con, event_id=event_id),
        "products": events.list_event_products(con, event_id=event_id),
    }


@st.cache_data(ttl=60, show_spinner=False)
def load_capitals(db: str, event_id: int, starts: datetime, ends: datetime) -> pd.DataFrame:
    return timezones.capital_local_times(
        connection(), event_id=event_id, starts_utc=starts, ends_utc=ends
    )


st.title("Common calendar")
demo_banner()
if flash := st.session_state.pop("calendar_flash", None):
    st.success(md_text(flash))  # flashes name what was typed: shown as text
choices = load_choices(db_key())
c1, c2, c3 = st.columns([3, 1.8, 1.2], vertical_alignment="bottom")
view = c1.radio("View", VIEWS, horizontal=True, key="calendar_view", bind="query-params")
viewer_tz = render_viewer_zone(c2, user, key="calendar_viewer_tz")
filters = render_filters(c3, choices)
today = timezones.today_in(viewer_tz)  # the viewer's today, not the server's
anchor = render_navigation(view, today)
first, after = period(view, anchor)
start_utc, _ = timezones.local_day_bounds(first, viewer_tz)
end_utc, _ = timezones.local_day_bounds(after, viewer_tz)
occurrences = load_occurrences(db_key(), start_utc, end_utc, filters)
if said := describe(filters, dict(choices["champions"])):
    st.caption("Filtered: " + "; ".join(said) + ".")

if view == "Month":
    render_month(occurrences, first, viewer_tz, today)
elif view == "Week":
    render_week(occurrences, first, viewer_tz, today)
elif view == "Agenda":
    render_agenda(occurrences, viewer_tz)
else:
    render_year(occurrences, first.year, today)

st.divider()
if picked := render_picker(occurrences, viewer_tz):
    event_id, starts = picked
    render_detail(
        user,
        load_detail(db_key(), event_id),
        starts,
        viewer_tz,
        choices=choices,
        capitals_for=lambda s, e: load_capitals(db_key(), event_id, s, e),
    )

st.divider()
render_downloads(user, occurrences)

# Only the open tab runs (and is in the URL): the event form is not drawn for every visitor.
panes = {"Subscribe": lambda: render_feeds(user)}
if events.may_create_any(user):
    panes["New event"] = lambda: render_event_form(user, "calendar_new", None, choices, today=today)
    panes["Import .ics"] = lambda: render_import(user)
lazy_tabs(panes, key="calendar_tab")

"""Slot finder: rank start times by working hours in the invited Champions' capitals."""

from datetime import date, datetime, timedelta
from typing import NamedTuple

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import events, slotfinder
from core.permissions import User, can
from core.timezones import DEFAULT_VIEWER_ZONE, label, to_local
from ui.bookings_views import OFFERING
from ui.context import after_write, connection
from ui.widgets import field_errors

FINDER_LABELS = {
    "first_day": "From",
    "last_day": "To",
    "minutes": "Minutes",
    "work_start": "Working hours (start)",
    "work_end": "Working hours (end)",
}

GO_TO = "bookings_finder_go_to"  # the form to open after "Use this time": (page, query)
SESSION_TITLE = "Champions session"
HISTORY_COLUMNS = {
    "country": "Country",
    "sessions_off_hours": "Sessions off hours",
    "minutes_off_hours": "Minutes off hours",
    "last_starts_utc": "Last one (UTC)",
}


class Choice(NamedTuple):
    """A start time picked in the finder, with what it was ranked for."""

    starts_utc: datetime
    minutes: int
    hours: tuple[int, int]
    m49s: tuple[int, ...]


def use_time(user: User, choice: Choice, invitees: pd.DataFrame, target: str) -> None:
    """Fill the slot offer form ("offer") or the calendar's new-event form ("event") with the
    picked time, remember who gets off-hours this round, and open that form (one click)."""
    zone = DEFAULT_VIEWER_ZONE  # the Secretariat's: the forms' own default zone
    local = to_local(choice.starts_utc, zone).replace(tzinfo=None)
    end = local + timedelta(minutes=choice.minutes)
    said = f"{label(choice.starts_utc, zone, with_date=True)} ({zone})"
    if target == "offer":
        st.session_state.update(
            {
                "bookings_offer_event": None,
                "bookings_offer_tz": zone,
                "bookings_offer_day": local.date(),
                "bookings_offer_time": local.time(),
                "bookings_offer_minutes": choice.minutes,
                "bookings_offer_title": SESSION_TITLE,
                OFFERING: choice.starts_utc,
            }
        )
        message = f"The offer form is filled in with {said}: check it and offer the slot."
    else:
        st.session_state.update(
            {
                "calendar_new_title": SESSION_TITLE,
                "calendar_new_kind": "champions_meeting",
                "calendar_new_audience": "champions",
                "calendar_new_tz": zone,
                "calendar_new_all_day": False,
                "calendar_new_start_day": local.date(),
                "calendar_new_start_time": local.time(),
                "calendar_new_end_day": end.date(),
                "calendar_new_end_time": end.time(),
                "calendar_new_invitees": list(choice.m49s),
                "calendar_flash": f"The new event is filled in with {said}: check it and "
                "create it.",
                GO_TO: ("pages/calendar.py", {"calendar_tab": "New event"}),
            }
        )
        message = ""
    if can(user, "slotfinder.record"):
        n = slotfinder.record_choice(
            connection(), actor=user, invitees=invitees, starts_utc=choice.starts_utc,
            minutes=choice.minutes, label=f"Slot finder choice {choice.starts_utc:%Y-%m-%d %H:%M} UTC",
            work_start=choice.hours[0], work_end=choice.hours[1],
        )  # fmt: skip
        after_write()
        message += f" Recorded for the rotation: {n} Champion(s) get an off-hours time this round."
    if target == "offer":
        st.session_state["bookings_flash"] = message.strip()
    elif message:
        st.session_state["calendar_flash"] += message


def render_finder(
    champions: pd.DataFrame, user: User, *, db: str, load_ranking, offer_form=None
) -> None:
    """Rank start times for the invited Champions and show the chosen one in local times."""
    st.caption(
        "Ranks start times by how many invited Champions are inside working hours in their capital, "
        "then by how far outside the rest fall; Champions given off-hours times before weigh more, "
        "so the burden rotates."
    )
    countries = dict(zip(champions["m49"], champions["country"], strict=True))
    chosen = st.multiselect(
        "Invited Champions", list(countries), default=list(countries), format_func=countries.get,
        key="bookings_finder_who", persist_state="page",
    )  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    first = c1.date_input(
        "From", date.today() + timedelta(days=7), key="bookings_finder_from", persist_state="page"
    )
    last = c2.date_input(
        "To", date.today() + timedelta(days=11), key="bookings_finder_to", persist_state="page"
    )
    minutes = c3.number_input(
        "Minutes", 15, 480, 90, step=15, key="bookings_finder_minutes", persist_state="page"
    )
    hours = c4.slider(
        "Working hours", 0, 24, (8, 18), key="bookings_finder_hours", persist_state="page"
    )
    try:
        ask = slotfinder.FinderIn(
            first_day=first, last_day=last, minutes=int(minutes), work_start=hours[0],
            work_end=hours[1],
        )  # fmt: skip
    except ValidationError as exc:
        st.error(field_errors(exc, FINDER_LABELS))
        return
    if not chosen:
        st.caption("Choose at least one Champion.")
        return
    con = connection()
    invitees, ranked, twin = load_ranking(db, tuple(int(m) for m in chosen), ask)
    options = {
        i: f"{label(r.starts_utc, 'UTC', with_date=True)} / {label(r.starts_utc, 'Europe/Zurich')}"
        f" · {r.inside}/{r.invited} inside working hours"
        for i, r in enumerate(ranked.itertuples())
    }
    pick = st.selectbox(
        "Ranked start times",
        list(options),
        format_func=options.get,
        key="bookings_finder_pick",
        persist_state="page",
    )
    row = ranked.iloc[pick]
    start = row["starts_utc"].to_pydatetime()
    table = slotfinder.local_table(
        invitees, start, int(minutes), work_start=hours[0], work_end=hours[1]
    )
    st.dataframe(
        table.rename(columns=str.capitalize),
        hide_index=True,
        width="stretch",
        key="bookings_finder_table",
    )
    choice = Choice(
        starts_utc=start, minutes=int(minutes), hours=(hours[0], hours[1]),
        m49s=tuple(int(m) for m in chosen),
    )  # fmt: skip
    with st.container(horizontal=True, gap="small"):
        if can(user, "booking.offer"):
            st.button(
                "Use this time: offer it as a slot", key="bookings_finder_offer", type="primary",
                on_click=use_time, args=(user, choice, invitees, "offer"),
                help="Opens the offer form filled in with this time; nothing is offered yet.",
            )  # fmt: skip
        if events.may_create_any(user):
            st.button(
                "Use this time: make it a calendar event", key="bookings_finder_event",
                on_click=use_time, args=(user, choice, invitees, "event"),
                help="Opens the calendar's new-event form filled in with this time and these "
                "Champions; nothing is created yet.",
            )  # fmt: skip
    if go_to := st.session_state.pop(GO_TO, None):
        page, query = go_to
        st.switch_page(page, query_params=query)
    # The offer form opens right here, under the time it was filled in with (a tab set from the
    # script would snap back to the tab in the address on the next click).
    if offer_form is not None and st.session_state.get(OFFERING) is not None:
        with st.container(border=True):
            st.markdown("**Offer this time as a slot**")
            offer_form()
    if int(row["inside"]) < len(invitees):
        if twin is not None:
            st.markdown(
                f"**No single time keeps everyone inside working hours: twin sessions** at "
                f"{label(twin.first_utc, 'UTC', with_date=True)} and {label(twin.second_utc, 'UTC')}"
                f" keep {twin.inside}/{len(invitees)} inside."
            )
            st.dataframe(
                twin.assignment.rename(columns=str.capitalize).assign(
                    Session=lambda f: f["Session"].str.capitalize()
                ),
                hide_index=True,
                width="stretch",
                key="bookings_finder_twin",
            )
    past = slotfinder.offhours_history(con)
    if not past.empty:
        st.markdown("**Off-hours given so far (rotation)**")
        st.dataframe(
            past.rename(columns=HISTORY_COLUMNS),
            hide_index=True,
            width="stretch",
            key="bookings_finder_history",
        )

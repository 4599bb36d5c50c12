"""Event detail of the calendar page: when, who, agenda, capitals, join details, edit controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import events, ics, recurrence, timezones
from core.permissions import PermissionDenied, User
from ui.calendar_common import NETWORK, occurrence_key, plain, when
from ui.calendar_forms import render_event_form
from ui.context import after_write, connection


def render_picker(occurrences: pd.DataFrame, viewer_tz: str) -> tuple[int, datetime] | None:
    """Offer the shown occurrences in a select box; return the picked (event_id, start UTC)."""
    if occurrences.empty:
        return None
    labels = {
        occurrence_key(eid, s): f"{timezones.label(s, viewer_tz, with_date=True)}  {title}"
        for eid, s, title in zip(
            occurrences["event_id"], occurrences["starts_utc"], occurrences["title"], strict=True
        )
    }
    if pending := st.session_state.pop("calendar_pick_next", None):
        st.session_state["calendar_event_pick"] = pending
    if st.session_state.get("calendar_event_pick") not in labels:
        st.session_state.pop("calendar_event_pick", None)
    picked = st.selectbox(
        "Event detail",
        [None, *labels],
        format_func=lambda o: "Choose an event" if o is None else labels[o],
        key="calendar_event_pick",
    )
    if picked is None:
        return None
    event_id, stamp = picked.split("|")
    return int(event_id), datetime.strptime(stamp, "%Y%m%dT%H%M%S")


def render_detail(
    user: User,
    detail: dict | None,
    starts: datetime,
    viewer_tz: str,
    *,
    choices: dict,
    capitals_for: Callable[[datetime, datetime], pd.DataFrame],
) -> None:
    """Show one occurrence of an event; `capitals_for(starts, ends)` is the page's cached loader."""
    if detail is None:
        st.warning("That event no longer exists.")
        return
    event: events.Event = detail["event"]
    event_id = event.event_id
    ends = starts + (event.ends_utc - event.starts_utc)
    st.subheader(plain(event.title))
    if event.status != "confirmed":
        st.warning(f"This event is {event.status}.")
    row = {"starts_utc": starts, "ends_utc": ends, "tz": event.tz, "all_day": event.all_day}
    st.markdown(f"**When:** {plain(when(row, viewer_tz))}")
    if event.rrule:
        st.markdown(f"**Repeats:** {plain(recurrence.describe(event.rrule))}")
    left, right = st.columns(2)
    left.markdown(
        f"**Kind:** {events.EVENT_KINDS.get(event.kind, event.kind)}  \n"
        f"**Workstream:** {plain(event.workstream_id or NETWORK)}  \n"
        f"**Event time zone:** {event.tz}  \n"
        f"**Location:** {plain(event.location or '-')}"
    )
    right.markdown(
        f"**Audience:** {events.AUDIENCES[event.audience]}  \n"
        f"**Who may join:** {events.WHO_MAY_JOIN[event.audience]}"
        + (f"  \n**Capacity:** {event.capacity}" if event.capacity else "")
    )
    if event.description:
        st.text(event.description)
    agenda = detail["agenda"]
    if not agenda.empty:
        st.markdown("**Agenda**")
        st.dataframe(
            pd.DataFrame(
                {
                    "time": [
                        f"{timezones.label_pair(s, event.tz, viewer_tz)} - "
                        f"{timezones.label_pair(e, event.tz, viewer_tz)}"
                        for s, e in zip(agenda["starts_utc"], agenda["ends_utc"], strict=True)
                    ],
                    "item": agenda["title"],
                    "presenter": agenda["presenter"],
                    "moderator": agenda["moderator"],
                    "linked product": agenda["product"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="calendar_detail_agenda",
        )
    if not detail["products"].empty:
        st.markdown("**Linked products**")
        st.dataframe(
            detail["products"][["title", "workstream_id", "stage"]],
            hide_index=True,
            width="stretch",
            key="calendar_detail_products",
        )
    capitals = capitals_for(starts, ends)
    if not capitals.empty and not event.all_day:
        outside = int((capitals["working hours"] != "yes").sum())
        st.markdown(
            f"**Local time in each invited Champion's capital** "
            f"({outside} of {len(capitals)} outside 08:00-18:00)"
        )
        st.dataframe(capitals, hide_index=True, width="stretch", key="calendar_detail_capitals")
    con = connection()
    if events.may_see_join_details(con, user, event_id):
        join = events.join_details_for(con, user=user, event_ids=[event_id]).get(event_id)
        if join:
            with st.expander("Join details (invited participants only)"):
                for name, value in join.items():
                    if value:
                        st.text(f"{name.replace('_', ' ')}: {value}")
    st.download_button(
        "Download this event (.ics)",
        data=ics.export_ics(con, user=user, event_ids=[event_id], name=event.title),
        file_name=f"event-{event_id}.ics",
        mime="text/calendar",
        key="calendar_download_event",
    )
    if events.may_edit(user, event.workstream_id):
        render_edit_controls(user, event, starts, choices)


def render_edit_controls(user: User, event: events.Event, starts: datetime, choices: dict) -> None:
    con = connection()
    cols = st.columns(3)
    if event.status != "cancelled" and cols[0].button("Cancel this event", key="calendar_cancel"):
        events.cancel_event(con, actor=user, event_id=event.event_id)
        after_write()
        st.rerun()
    if event.rrule and cols[1].button("Skip this occurrence", key="calendar_skip"):
        events.skip_occurrence(con, actor=user, event_id=event.event_id, occurrence_utc=starts)
        after_write()
        st.rerun()
    with st.expander("Edit this event"):
        render_event_form(user, "calendar_edit", event, choices)
    with st.expander("Agenda items"):
        render_agenda_editor(user, event, choices)


def render_agenda_editor(user: User, event: events.Event, choices: dict) -> None:
    con = connection()
    agenda = events.list_agenda(con, event_id=event.event_id)
    for item in agenda.to_dict("records"):
        c1, c2 = st.columns([5, 1])
        c1.text(
            f"{timezones.to_local(item['starts_utc'], event.tz):%H:%M}-"
            f"{timezones.to_local(item['ends_utc'], event.tz):%H:%M} {item['title']}"
        )
        if c2.button("Remove", key=f"calendar_agenda_remove_{item['item_id']}"):
            events.delete_agenda_item(con, actor=user, item_id=int(item["item_id"]))
            after_write()
            st.rerun()
    day = timezones.to_local(event.starts_utc, event.tz).date()
    products = dict(choices["products"])
    with st.form("calendar_agenda_form", clear_on_submit=True):
        st.caption(f"New item on {day:%d %b %Y}, times in {event.tz}")
        title = st.text_input("Item", key="calendar_agenda_title")
        c1, c2 = st.columns(2)
        start = c1.time_input("From", value=time(15, 0), step=300, key="calendar_agenda_start")
        end = c2.time_input("To", value=time(15, 30), step=300, key="calendar_agenda_end")
        presenter = c1.text_input("Presenter", key="calendar_agenda_presenter")
        moderator = c2.text_input("Moderator", key="calendar_agenda_moderator")
        product = st.selectbox(
            "Linked product",
            [None, *products],
            format_func=lambda p: "-" if p is None else products[p],
            key="calendar_agenda_product",
        )
        if st.form_submit_button("Add item", key="calendar_agenda_submit"):
            try:
                item = events.AgendaItemIn(
                    title=title,
                    starts_local=datetime.combine(day, start),
                    ends_local=datetime.combine(day, end),
                    presenter=presenter or None,
                    moderator=moderator or None,
                    product_id=product,
                )
                events.add_agenda_item(con, actor=user, event_id=event.event_id, item_in=item)
            except ValidationError as exc:
                for message in events.explain(exc):
                    st.error(message)
            except (ValueError, events.EventConflict, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                after_write()
                st.rerun()

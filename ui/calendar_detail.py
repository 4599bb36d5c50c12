"""Event detail of the calendar page: when, who, agenda, capitals, join details, edit controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import events, ics, recurrence, timezones
from core.permissions import PermissionDenied, User
from core.pipeline import STAGE_LABELS
from ui.calendar_common import NETWORK, occurrence_key, when
from ui.calendar_forms import render_event_form
from ui.context import after_write, connection
from ui.objectives import render_event_objectives
from ui.safe import md_text

PICKED = "calendar_picked"  # the chosen occurrence, owned by the page rather than the widget
PICKER = "calendar_event_pick"


def render_picker(occurrences: pd.DataFrame, viewer_tz: str) -> tuple[int, datetime] | None:
    """Offer the shown occurrences in a select box; return the picked (event_id, start UTC).

    The choice is kept by occurrence key, not by the label the browser shows: after an edit
    renames (or moves) the event, the next click keeps it open instead of emptying the detail.
    """
    if occurrences.empty:
        return None
    labels = {
        occurrence_key(eid, s): f"{timezones.label(s, viewer_tz, with_date=True)}  {title}"
        for eid, s, title in zip(
            occurrences["event_id"], occurrences["starts_utc"], occurrences["title"], strict=True
        )
    }
    if pending := st.session_state.pop("calendar_pick_next", None):
        st.session_state[PICKED] = pending
    chosen = shown = st.session_state.get(PICKED)
    if chosen is not None and chosen not in labels:
        # The event moved (its start is part of the key): keep it, at its first shown occurrence;
        # out of the view, it comes back when the view does.
        event_id = chosen.split("|")[0]
        shown = next((k for k in labels if k.split("|")[0] == event_id), None)
    st.session_state[PICKED] = shown or chosen
    st.session_state[PICKER] = shown
    picked = st.selectbox(
        "Event detail",
        [None, *labels],
        format_func=lambda o: "Choose an event" if o is None else labels[o],
        key=PICKER,
        placeholder="Choose an event",
        on_change=_remember_pick,
        args=(tuple(labels),),
    )
    if picked is None:
        return None
    event_id, stamp = picked.split("|")
    return int(event_id), datetime.strptime(stamp, "%Y%m%dT%H%M%S")


def _remember_pick(keys: tuple[str, ...]) -> None:
    value = st.session_state.get(PICKER)
    # A browser still showing an older label sends that label back: it is not a choice.
    if value is None or value in keys:
        st.session_state[PICKED] = value


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
    st.subheader(md_text(event.title))
    if event.status != "confirmed":
        st.warning(f"This event is {event.status}.")
    row = {"starts_utc": starts, "ends_utc": ends, "tz": event.tz, "all_day": event.all_day}
    st.markdown(f"**When:** {md_text(when(row, viewer_tz))}")
    if event.rrule:
        st.markdown(f"**Repeats:** {md_text(recurrence.describe(event.rrule))}")
    left, right = st.columns(2)
    left.markdown(
        f"**Kind:** {md_text(events.EVENT_KINDS.get(event.kind, event.kind))}  \n"
        f"**Workstream:** {md_text(event.workstream_id or NETWORK)}  \n"
        f"**Event time zone:** {event.tz}  \n"
        f"**Location:** {md_text(event.location or '-')}"
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
                    "Time": [
                        f"{timezones.label_pair(s, event.tz, viewer_tz)} - "
                        f"{timezones.label_pair(e, event.tz, viewer_tz)}"
                        for s, e in zip(agenda["starts_utc"], agenda["ends_utc"], strict=True)
                    ],
                    "Item": agenda["title"],
                    "Presenter": agenda["presenter"],
                    "Moderator": agenda["moderator"],
                    "Linked product": agenda["product"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="calendar_detail_agenda",
        )
    if not detail["products"].empty:
        st.markdown("**Linked products**")
        st.dataframe(
            pd.DataFrame(
                {
                    "Product": detail["products"]["title"],
                    "Workstream": detail["products"]["workstream_id"],
                    "Stage": detail["products"]["stage"].map(STAGE_LABELS),
                }
            ),
            hide_index=True,
            width="stretch",
            key="calendar_detail_products",
        )
    capitals = capitals_for(starts, ends)
    if not capitals.empty and not event.all_day:
        outside = int((capitals["working hours"] != "yes").sum())
        capitals = capitals.rename(columns=str.capitalize).assign(
            **{"Working hours": capitals["working hours"].str.capitalize()}
        )
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
    # Lazy: a form runs (and its widgets reach the browser) only once its expander is opened.
    # Keyed per event: picking another event closes them, so no form keeps the values typed
    # for (or pre-filled from) the event shown before.
    eid = event.event_id
    edit = st.expander("Edit this event", key=expander_key("edit", eid), on_change="rerun")
    if edit.open:
        with edit:
            render_event_form(user, "calendar_edit", event, choices)
    agenda = st.expander("Agenda items", key=expander_key("agenda", eid), on_change="rerun")
    if agenda.open:
        with agenda:
            render_agenda_editor(user, event, choices)
    join = st.expander("Set the join details", key=expander_key("join", eid), on_change="rerun")
    if join.open:
        with join:
            render_join_form(user, event)
    tags = st.expander("GCM objectives", key=expander_key("objectives", eid), on_change="rerun")
    if tags.open:
        with tags:
            render_event_objectives(user, eid)


def expander_key(name: str, event_id: int) -> str:
    """Return the key of an event's lazy expander: "edit", "agenda" or "join"."""
    return f"calendar_{name}_open_{event_id}"


def render_join_form(user: User, event: events.Event) -> None:
    """Set or replace how to join; pre-filled only for users who may also see the details."""
    con = connection()
    # Read per run, never through st.cache_data: cached values would outlive a permission.
    current = (
        events.join_details_for(con, user=user, event_ids=[event.event_id]).get(event.event_id)
        if events.may_see_join_details(con, user, event.event_id)
        else None
    ) or {}
    if not current:
        st.caption(
            "Saving replaces any join details already stored for this event "
            "(they are shown only to staff and confirmed participants)."
        )
    key = f"calendar_join_{event.event_id}"
    with st.form(f"{key}_form"):
        url = st.text_input("Meeting link", value=current.get("url") or "", key=f"{key}_url")
        c1, c2 = st.columns(2)
        number = c1.text_input(
            "Meeting number", value=current.get("meeting_number") or "", key=f"{key}_number"
        )
        password = c2.text_input(
            "Passcode",
            value=current.get("password") or "",
            type="password",
            key=f"{key}_password",
        )
        dial_in = st.text_area(
            "Dial-in numbers", value=current.get("dial_in") or "", key=f"{key}_dial_in"
        )
        if not st.form_submit_button("Save join details", key=f"{key}_submit"):
            return
    try:
        details = events.JoinDetailsIn(
            url=url.strip() or None,
            meeting_number=number.strip() or None,
            password=password.strip() or None,
            dial_in=dial_in.strip() or None,
        )
        events.set_join_details(con, actor=user, event_id=event.event_id, details=details)
    except ValidationError as exc:
        for message in events.explain(exc):
            st.error(md_text(message))
    except (ValueError, LookupError, events.EventConflict, PermissionDenied) as exc:
        st.error(md_text(str(exc)))
    else:
        st.session_state["calendar_flash"] = f"Saved the join details of '{event.title}'."
        after_write()
        st.rerun()


def render_agenda_editor(user: User, event: events.Event, choices: dict) -> None:
    con = connection()
    agenda = events.list_agenda(con, event_id=event.event_id)
    for item in agenda.to_dict("records"):
        c1, c2 = st.columns([5, 1])
        c1.text(
            f"{timezones.to_local(item['starts_utc'], event.tz):%H:%M}-"
            f"{timezones.to_local(item['ends_utc'], event.tz):%H:%M} {item['title']}"
        )
        if isinstance(item["booked_by"], str):  # a booking's item goes with its booking
            c2.caption(f"Booked by {item['booked_by']}: release it on the Bookings page")
        elif c2.button("Remove", key=f"calendar_agenda_remove_{item['item_id']}"):
            try:
                events.delete_agenda_item(con, actor=user, item_id=int(item["item_id"]))
            except (ValueError, LookupError, events.EventConflict, PermissionDenied) as exc:
                st.error(md_text(str(exc)))
            else:
                after_write()
                st.rerun()
    products = dict(choices["products"])
    if not agenda.empty:
        render_agenda_item_form(user, event, agenda, products)
    day = timezones.to_local(event.starts_utc, event.tz).date()
    with st.form("calendar_agenda_form", clear_on_submit=True):
        st.caption(f"New item on {day:%d %b %Y}, times in {md_text(event.tz)}")
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
                    st.error(md_text(message))
            except (ValueError, events.EventConflict, PermissionDenied) as exc:
                st.error(md_text(str(exc)))
            else:
                after_write()
                st.rerun()


def render_agenda_item_form(
    user: User, event: events.Event, agenda: pd.DataFrame, products: dict
) -> None:
    """Change one agenda item in place: pick it, then edit its pre-filled fields."""
    items = {int(r["item_id"]): r for r in agenda.to_dict("records")}
    item_id = st.selectbox(
        "Change an item",
        [None, *items],
        format_func=lambda i: (
            "Choose an item"
            if i is None
            else f"{timezones.to_local(items[i]['starts_utc'], event.tz):%H:%M} {items[i]['title']}"
        ),
        key="calendar_agenda_edit_pick",
    )
    if item_id is None:
        return
    item = items[item_id]
    starts = timezones.to_local(item["starts_utc"], event.tz).replace(tzinfo=None)
    ends = timezones.to_local(item["ends_utc"], event.tz).replace(tzinfo=None)
    key = f"calendar_agenda_edit_{item_id}"
    with st.form(f"{key}_form"):
        st.caption(f"Item on {starts:%d %b %Y}, times in {md_text(event.tz)}")
        if _present(item["booking_id"]):
            st.caption("Booked through a slot: its time is held by the booking.")
        title = st.text_input("Item", value=item["title"], key=f"{key}_title")
        c1, c2 = st.columns(2)
        start = c1.time_input("From", value=starts.time(), step=300, key=f"{key}_start")
        end = c2.time_input("To", value=ends.time(), step=300, key=f"{key}_end")
        presenter = c1.text_input(
            "Presenter", value=_text(item["presenter"]), key=f"{key}_presenter"
        )
        moderator = c2.text_input(
            "Moderator", value=_text(item["moderator"]), key=f"{key}_moderator"
        )
        options = [None, *products]
        current = int(item["product_id"]) if _present(item["product_id"]) else None
        product = st.selectbox(
            "Linked product",
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda p: "-" if p is None else products[p],
            key=f"{key}_product",
        )
        if not st.form_submit_button("Save item", key=f"{key}_submit"):
            return
    try:
        item_in = events.AgendaItemIn(
            title=title,
            starts_local=datetime.combine(starts.date(), start),
            ends_local=datetime.combine(ends.date(), end),
            presenter=presenter or None,
            moderator=moderator or None,
            product_id=product,
        )
        events.update_agenda_item(connection(), actor=user, item_id=item_id, item_in=item_in)
    except ValidationError as exc:
        for message in events.explain(exc):
            st.error(md_text(message))
    except (ValueError, LookupError, events.EventConflict, PermissionDenied) as exc:
        st.error(md_text(str(exc)))
    else:
        st.session_state["calendar_flash"] = f"Saved agenda item '{item_in.title}'."
        after_write()
        st.rerun()


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _text(value: object) -> str:
    return str(value) if _present(value) else ""

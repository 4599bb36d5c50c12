"""Booking views: the slots and the request form, the requests and their decisions, offering a slot."""

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import bookings
from core.permissions import PermissionDenied, User, can
from core.timezones import COMMON_ZONES, label, to_utc
from ui.charts import draw_altair
from ui.context import after_write, connection
from ui.safe import md_text
from ui.widgets import blank_missing_text, field_errors

OFFERING = "bookings_finder_offering"  # set while the slot finder shows its filled-in offer form


def when(row) -> str:
    """Return a slot's date and time span in the meeting's zone."""
    return (
        f"{label(row['starts_utc'], row['tz'], with_date=True)}-{label(row['ends_utc'], row['tz'])}"
    )


def flash(message: str) -> None:
    """Clear cached results, remember the confirmation, and draw the page again."""
    after_write()
    st.session_state["bookings_flash"] = message
    st.rerun()


def slots_chart(timeline):
    """The slots on a timeline, in each meeting's zone, coloured by state."""
    return (
        alt.Chart(timeline)
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X(
                "starts_local:T", title="Time in the meeting's zone", axis=alt.Axis(format="%H:%M")
            ),
            x2="ends_local:T",
            y=alt.Y(
                "meeting:N",
                title=None,
                sort=alt.SortField("starts_utc"),
                axis=alt.Axis(labelLimit=320),
            ),
            color=alt.Color("state_label:N", title="State"),
            tooltip=[
                alt.Tooltip("title:N", title="Slot"),
                alt.Tooltip("meeting:N", title="Meeting"),
                alt.Tooltip("tz:N", title="Time zone"),
                alt.Tooltip("state_label:N", title="State"),
                alt.Tooltip("held_by:N", title="Held by"),
            ],
        )
        .transform_calculate(state_label="upper(slice(datum.state, 0, 1)) + slice(datum.state, 1)")
        .properties(height=alt.Step(28))
    )


def render_slots(
    slots: pd.DataFrame,
    champions: pd.DataFrame,
    workstreams: list[str],
    user: User,
    *,
    db: str,
    load_products,
) -> None:
    """Show the slots on a timeline and as a table, then the request form."""
    if slots.empty:
        st.info("No slots offered yet.")
        return
    timeline = bookings.slot_timeline(slots)
    draw_altair(slots_chart, timeline, width="stretch")
    table = pd.DataFrame(
        {
            "Slot": slots["title"],
            "Meeting": slots["meeting"],
            "When (meeting's zone)": slots.apply(when, axis=1),
            "State": slots["state"].str.capitalize(),
            "Held by": slots["held_by"],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch", key="bookings_table")
    if not can(user, "booking.request", workstream_id=user.workstream_id) and not user.is_staff:
        return
    st.markdown("**Request a slot**")
    open_slots = slots[(slots["state"] == "open") & (slots["starts_utc"] > pd.Timestamp.now())]
    if open_slots.empty:
        st.caption("No open slot right now.")
        return
    names = {int(r.slot_id): f"{r.title} · {r.meeting or 'standalone'} · {when(r._asdict())}"
             for r in open_slots.itertuples()}  # fmt: skip
    slot_id = st.selectbox(
        "Slot", list(names), format_func=names.get, key="bookings_slot", persist_state="page"
    )
    if user.is_staff:
        ws = st.selectbox("Workstream", workstreams, key="bookings_ws", persist_state="page")
    else:
        ws = user.workstream_id
        st.caption(f"For your workstream: {md_text(ws)}")
    products = load_products(db, ws)
    product_names = dict(zip(products["product_id"], products["title_en"], strict=True))
    product = st.selectbox(
        "Product", [None, *product_names], format_func=lambda p: "-" if p is None else product_names[p],
        key="bookings_product", persist_state="page",
    )  # fmt: skip
    purpose = st.text_input("Purpose", key="bookings_purpose", persist_state="page")
    countries = dict(zip(champions["m49"], champions["country"], strict=True))
    targets = st.multiselect(
        "Champions targeted",
        list(countries),
        format_func=countries.get,
        key="bookings_targets",
        persist_state="page",
    )
    for warning in bookings.consultation_warnings(connection(), slot_id=slot_id, m49s=targets):
        st.warning(md_text(warning), icon=":material/warning:")
    if st.button("Request this slot", key="bookings_request_submit", type="primary"):
        try:
            result = bookings.request_slot(
                connection(),
                actor=user,
                booking=bookings.BookingIn(
                    slot_id=slot_id, workstream_id=ws, purpose=purpose, product_id=product,
                    target_m49s=targets,
                ),
            )  # fmt: skip
        except ValidationError as exc:
            st.error(field_errors(exc))
        except (bookings.BookingRefused, PermissionDenied) as exc:
            st.error(md_text(str(exc)), icon=":material/block:")
        else:
            flash(result.message)


def render_requests(user: User, *, db: str, load_bookings) -> None:
    """List booking requests, with decide and withdraw for those allowed."""
    scope = None if user.is_staff else user.workstream_id
    rows = load_bookings(db, scope)
    if rows.empty:
        st.caption("No requests yet.")
        return
    shown = pd.DataFrame(
        {
            "Booking": rows["booking_id"],
            "Workstream": rows["workstream_id"],
            "Slot": rows["slot"],
            "Meeting": rows["meeting"],
            "When (meeting's zone)": rows.apply(when, axis=1),
            "Purpose": rows["purpose"],
            "Product": rows["product"],
            "Champions targeted": rows["targets"],
            "Status": rows["status"].str.capitalize(),
            "Note": rows["decision_note"],
        }
    )
    st.dataframe(
        blank_missing_text(shown), hide_index=True, width="stretch", key="bookings_requests"
    )
    pending = rows[rows["status"] == "requested"]
    if can(user, "booking.decide") and not pending.empty:
        st.markdown("**Decide**")
        names = {int(r.booking_id): f"#{r.booking_id} {r.workstream_id}: {r.slot} ({r.purpose})"
                 for r in pending.itertuples()}  # fmt: skip
        chosen = st.selectbox(
            "Request",
            list(names),
            format_func=names.get,
            key="bookings_decide_id",
            persist_state="page",
        )
        note = st.text_input(
            "Note to the workstream (optional)", key="bookings_decide_note", persist_state="page"
        )
        c1, c2 = st.columns(2)
        for column, confirm, text in ((c1, True, "Confirm"), (c2, False, "Decline")):
            if column.button(text, key=f"bookings_{text.lower()}"):
                try:
                    result = bookings.decide_booking(
                        connection(),
                        actor=user,
                        booking_id=chosen,
                        confirm=confirm,
                        note=note or None,
                    )
                except (bookings.BookingRefused, PermissionDenied) as exc:
                    st.error(md_text(str(exc)), icon=":material/block:")
                else:
                    flash(result.message)
    active = rows[rows["status"].isin(["requested", "confirmed"])]
    mine = active[[can(user, "booking.withdraw", workstream_id=w) for w in active["workstream_id"]]]
    if not mine.empty:
        names = {int(r.booking_id): f"#{r.booking_id} {r.workstream_id}: {r.slot} ({r.status})"
                 for r in mine.itertuples()}  # fmt: skip
        c1, c2 = st.columns([3, 1])
        chosen = c1.selectbox(
            "Withdraw",
            list(names),
            format_func=names.get,
            key="bookings_withdraw_id",
            persist_state="page",
        )
        if c2.button("Withdraw booking", key="bookings_withdraw"):
            try:
                result = bookings.withdraw_booking(connection(), actor=user, booking_id=chosen)
            except (bookings.BookingRefused, PermissionDenied) as exc:
                st.error(md_text(str(exc)))
            else:
                flash(result.message)


def render_offer(meetings: pd.DataFrame, user: User) -> None:
    """Offer a slot, inside a meeting or standalone."""
    names = {None: "Standalone session (becomes a calendar event)"}
    names |= {int(r.event_id): f"{r.title} ({when(r._asdict())})" for r in meetings.itertuples()}
    event_id = st.selectbox(
        "Part of",
        list(names),
        format_func=names.get,
        key="bookings_offer_event",
        persist_state="page",
    )
    if event_id is not None:
        m = meetings.set_index("event_id").loc[event_id]
        tz, default_day = m["tz"], m["starts_utc"].date()
        default_time = (m["starts_utc"] + timedelta(minutes=0)).to_pydatetime()
    else:
        tz, default_day, default_time = "Europe/Zurich", date.today() + timedelta(days=14), None
    zones = list(dict.fromkeys([tz, *COMMON_ZONES]))
    c1, c2, c3, c4 = st.columns(4)
    zone = c1.selectbox("Time zone", zones, key="bookings_offer_tz", persist_state="page")
    day = c2.date_input("Day", default_day, key="bookings_offer_day", persist_state="page")
    local_default = time(15, 0)
    if default_time is not None:
        from core.timezones import to_local

        local_default = to_local(default_time, zone).time()
    start = c3.time_input(
        "Local start", local_default, step=300, key="bookings_offer_time", persist_state="page"
    )
    minutes = c4.number_input(
        "Minutes", 5, 480, 30, step=5, key="bookings_offer_minutes", persist_state="page"
    )
    title = st.text_input(
        "Title",
        "Workstream segment with Champions",
        key="bookings_offer_title",
        persist_state="page",
    )
    if st.button("Offer this slot", key="bookings_offer_submit", type="primary"):
        try:
            slot = bookings.SlotIn(
                event_id=event_id,
                starts_utc=to_utc(datetime.combine(day, start), zone),
                minutes=int(minutes),
                tz=zone,
                title=title,
            )
            bookings.offer_slot(connection(), actor=user, slot=slot)
        except ValidationError as exc:
            st.error(field_errors(exc))
        except (bookings.BookingRefused, PermissionDenied) as exc:
            st.error(md_text(str(exc)))
        else:
            st.session_state.pop(OFFERING, None)  # done: the finder closes its offer form
            flash(f"Offered '{title}' at {label(slot.starts_utc, zone, with_date=True)}.")

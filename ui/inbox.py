"""Waiting on me: the cached count for the navigation and the lists with their in-place actions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import bookings, inbox, pipeline
from core.permissions import PermissionDenied, User, can
from core.registration import CATEGORY_LABELS
from core.timezones import label
from ui.context import after_write, connection, db_key
from ui.pipeline_edit import next_stage
from ui.safe import md_text
from ui.widgets import blank_missing_text

FLASH = "inbox_flash"


@st.cache_data(ttl=60, show_spinner=False)
def _counts(db: str, role: str, agency: str | None, workstream: str | None) -> int:
    user = User(username="-", name="-", email="", role=role, agency_id=agency,
                workstream_id=workstream)  # fmt: skip
    return inbox.waiting_counts(connection(), user=user).total


def nav_title(user: User) -> str:
    """'Waiting on me (4)': one cached query per data version and scope, not per item."""
    try:
        n = _counts(db_key(), user.role, user.agency_id, user.workstream_id)
    except Exception:  # the count must never stop the navigation; the page says the fault
        return "Waiting on me"
    return f"Waiting on me ({n})" if n else "Waiting on me"


def _flash(outcome: inbox.Outcome, verb: str) -> None:
    parts = []
    if outcome.done:
        parts.append(f"{verb} {', '.join(outcome.done)}.")
    parts += outcome.notes
    if outcome.refused:
        parts.append("Not done: " + "; ".join(outcome.refused))
    st.session_state[FLASH] = " ".join(parts) or "Nothing was chosen."
    after_write()
    st.rerun()


def render_registrations(user: User, rows: pd.DataFrame) -> None:
    """Requested registrations, chosen with checkboxes, confirmed or declined in one click."""
    staff = can(user, "registration.manage")
    st.subheader(
        f"Registrations to confirm ({len(rows)})" if staff
        else f"Your agency's registrations waiting for the Secretariat ({len(rows)})"
    )  # fmt: skip
    if rows.empty:
        st.caption("No registrations are waiting.")
        return
    table = pd.DataFrame(
        {
            "Meeting": rows["meeting"],
            "When": [
                label(s, tz, with_date=True)
                for s, tz in zip(rows["starts_utc"], rows["tz"], strict=True)
            ],  # fmt: skip
            "Name": rows["participant_name"],
            "E-mail": rows["email"],
            "Country": rows["country"],
            "Organisation": rows["organisation"],
            "Category": rows["category"].map(CATEGORY_LABELS),
            "Registered by": rows["agency_id"],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch", key="inbox_regs")
    names = {
        int(r.registration_id): f"{r.participant_name} ({r.meeting})" for r in rows.itertuples()
    }
    picked = st.multiselect(
        "Registrations to act on", list(names), format_func=names.get, key="inbox_regs_pick",
        placeholder="Choose one or more people",
    )  # fmt: skip
    c1, c2 = st.columns(2)
    if staff and c1.button(
        f"Confirm chosen ({len(picked)})", key="inbox_regs_confirm", disabled=not picked,
        type="primary",
    ):  # fmt: skip
        outcome = inbox.confirm_registrations(connection(), actor=user, registration_ids=picked)
        _flash(outcome, "Confirmed")
    if c2.button(
        f"Decline chosen ({len(picked)})" if staff else f"Withdraw chosen ({len(picked)})",
        key="inbox_regs_decline", disabled=not picked,
    ):  # fmt: skip
        people = dict(zip(rows["registration_id"], rows["participant_name"], strict=True))
        who = [people[i] for i in picked]
        _ask_decline_registrations(picked, who, user, "Declined" if staff else "Withdrew")


@st.dialog("Decline or withdraw these registrations?")
def _ask_decline_registrations(ids: list[int], who: list[str], user: User, verb: str) -> None:
    """Ask first: a declined registration frees its seat for the waiting list."""
    ask = "Decline" if verb == "Declined" else "Withdraw"
    st.markdown(
        f"{ask} the registration of {md_text(', '.join(who))}? Their seats go to the waiting "
        "list, if anyone is on it."
    )
    c1, c2 = st.columns(2)
    if c1.button("Yes, go ahead", key="inbox_regs_decline_yes", type="primary"):
        outcome = inbox.decline_registrations(connection(), actor=user, registration_ids=ids)
        _flash(outcome, verb)
    if c2.button("No, keep them", key="inbox_regs_decline_no"):
        st.rerun()


def _decide_bookings(ids: list[int], user: User, *, confirm: bool) -> None:
    try:
        outcome = inbox.decide_bookings(connection(), actor=user, booking_ids=ids, confirm=confirm)
    except PermissionDenied as exc:
        st.error(md_text(str(exc)))
        return
    outcome.done, outcome.notes = [], outcome.done  # each message names the workstream and slot
    _flash(outcome, "")


@st.dialog("Decline these booking requests?")
def _ask_decline_bookings(ids: list[int], what: list[str], user: User) -> None:
    """Ask first: a declined request frees its slot for another workstream."""
    st.markdown(f"Decline {md_text('; '.join(what))}? The slot becomes free for others.")
    c1, c2 = st.columns(2)
    if c1.button("Yes, decline", key="inbox_bookings_decline_yes", type="primary"):
        _decide_bookings(ids, user, confirm=False)
    if c2.button("No, keep them", key="inbox_bookings_decline_no"):
        st.rerun()


def render_bookings(user: User, rows: pd.DataFrame) -> None:
    """Booking requests not yet answered, confirmed or declined in bulk by the Secretariat."""
    staff = can(user, "booking.decide")
    st.subheader(
        f"Booking requests to answer ({len(rows)})" if staff
        else f"Your workstream's booking requests waiting for the Secretariat ({len(rows)})"
    )  # fmt: skip
    if rows.empty:
        st.caption("No booking requests are waiting.")
        return
    table = pd.DataFrame(
        {
            "Workstream": rows["workstream_id"],
            "Slot": rows["slot"],
            "Meeting": rows["meeting"],
            "When (meeting's zone)": [
                label(s, tz, with_date=True)
                for s, tz in zip(rows["starts_utc"], rows["tz"], strict=True)
            ],  # fmt: skip
            "Purpose": rows["purpose"],
            "Product": rows["product"],
            "Champions targeted": rows["targets"],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch",
                 key="inbox_bookings")  # fmt: skip
    if not staff:
        names = {int(r.booking_id): f"{r.slot} ({r.purpose})" for r in rows.itertuples()}
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox("Request", list(names), format_func=names.get,
                              key="inbox_bookings_mine")  # fmt: skip
        if c2.button("Withdraw this request", key="inbox_bookings_withdraw"):
            try:
                bookings.withdraw_booking(connection(), actor=user, booking_id=chosen)
            except (bookings.BookingRefused, PermissionDenied) as exc:
                st.error(md_text(str(exc)))
            else:
                _flash(inbox.Outcome(notes=[f"Withdrew the request for {names[chosen]}."]), "")
        st.page_link("pages/bookings.py", label="Open Bookings", icon=":material/event_available:")
        return
    names = {
        int(r.booking_id): f"{r.workstream_id}: {r.slot} ({r.purpose})" for r in rows.itertuples()
    }
    picked = st.multiselect(
        "Requests to answer", list(names), format_func=names.get, key="inbox_bookings_pick",
        placeholder="Choose one or more requests",
    )  # fmt: skip
    c1, c2 = st.columns(2)
    for column, confirm, text in ((c1, True, "Confirm"), (c2, False, "Decline")):
        if column.button(
            f"{text} chosen ({len(picked)})", key=f"inbox_bookings_{text.lower()}",
            disabled=not picked,
        ):  # fmt: skip
            if confirm:
                _decide_bookings(picked, user, confirm=True)
            else:
                _ask_decline_bookings(picked, [names[i] for i in picked], user)


def render_consultations(rows: pd.DataFrame) -> None:
    st.subheader(f"Consultations closing in the next {inbox.CLOSING_DAYS} days ({len(rows)})")
    if rows.empty:
        st.caption("No consultation closes this week.")
        return
    table = pd.DataFrame(
        {
            "Product": rows["product"],
            "Workstream": rows["workstream_id"],
            "Opened": [f"{d:%d %b %Y}" for d in pd.to_datetime(rows["opens_on"])],
            "Closes": [f"{d:%d %b %Y}" for d in pd.to_datetime(rows["closes_on"])],
            "Champions invited": rows["invited"],
            "Champions who answered": rows["answered"],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch", key="inbox_consult")
    st.page_link("pages/pipeline.py", label="Open the Pipeline to chase or extend",
                 icon=":material/view_kanban:")  # fmt: skip


def render_products(rows: pd.DataFrame, user: User | None = None) -> None:
    st.subheader(f"Products late ({len(rows)})")
    if rows.empty:
        st.caption("No product is late.")
        return
    table = pd.DataFrame(
        {
            "Product": rows["title_en"],
            "Workstream": rows["workstream_id"],
            "Stage": rows["stage_label"],
            "Planned launch": [
                "" if d is None else f"{d:%d %b %Y}" for d in rows["planned_launch"]
            ],
            "Why late": [r[:1].upper() + r[1:] for r in rows["flag_reason"].fillna("")],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch", key="inbox_late")
    mine = rows[[can(user, "product.edit", workstream_id=w) for w in rows["workstream_id"]]]
    movable = {int(r.product_id): r for r in mine.itertuples() if next_stage(r.stage)}
    if user is not None and movable:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox(
            "Late product", list(movable), key="inbox_late_pick",
            format_func=lambda p: f"{movable[p].title_en} ({movable[p].stage_label})",
        )  # fmt: skip
        row = movable[chosen]
        ahead = next_stage(row.stage)
        if c2.button(f"Advance to {pipeline.STAGE_LABELS[ahead]}", key="inbox_late_advance"):
            try:
                pipeline.move_stage(
                    connection(), actor=user, product_id=chosen, to_stage=ahead,
                    expected_stage=row.stage,
                )  # fmt: skip
            except (ValueError, RuntimeError, PermissionDenied) as exc:
                st.error(md_text(str(exc)))
            else:
                after_write()
                st.session_state[FLASH] = (
                    f"Moved {row.title_en} from {row.stage_label} to {pipeline.STAGE_LABELS[ahead]}."
                )
                st.rerun()
    st.page_link("pages/pipeline.py", label="Open the Pipeline to move them on",
                 icon=":material/view_kanban:")  # fmt: skip


def render_not_engaged(rows: pd.DataFrame) -> None:
    st.subheader(f"Champions not engaged for {inbox.NOT_ENGAGED_DAYS} days ({len(rows)})")
    if rows.empty:
        st.caption("Every Champion was engaged in the last 90 days.")
        return
    last = rows["last_engaged"]
    table = pd.DataFrame(
        {
            "Champion": rows["country"],
            "Last engaged": ["Never" if pd.isna(d) else f"{d:%d %b %Y}" for d in last],
            "Days since": rows["days_since"],
        }
    )
    st.dataframe(blank_missing_text(table), hide_index=True, width="stretch", key="inbox_eng")
    st.page_link("pages/engagement.py", label="Open Engagement to log a contact",
                 icon=":material/handshake:")  # fmt: skip

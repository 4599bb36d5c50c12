"""Slot booking: offer, request, confirm into the agenda, no double booking, no overlap, and
exactly one winner among simultaneous requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.bookings import (
    BookingIn,
    BookingRefused,
    SlotIn,
    decide_booking,
    list_slots,
    offer_slot,
    request_slot,
    withdraw_booking,
)
from core.meetings import get_meeting, list_agenda
from core.permissions import PermissionDenied
from core.timezones import label
from tests.conftest import demo_user
from tests.test_registration import KENYA, MEXICO, _hammer, make_meeting


@pytest.fixture
def con(store):
    """Every booking rule holds on both engines (DuckDB and PostgreSQL)."""
    return store


def offer(con, event_id, offset_minutes, minutes=30, title="Segment"):
    start = get_meeting(con, event_id=event_id)["starts_utc"].to_pydatetime()
    return offer_slot(
        con,
        actor=demo_user(con, "secretariat"),
        slot=SlotIn(
            event_id=event_id,
            starts_utc=start + timedelta(minutes=offset_minutes),
            minutes=minutes,
            tz="Europe/Zurich",
            title=title,
        ),
    )


def ask(slot_id, ws="CWG-2.2", purpose="Present the training package"):
    return BookingIn(
        slot_id=slot_id, workstream_id=ws, purpose=purpose, target_m49s=[KENYA, MEXICO]
    )


def test_request_then_confirm_puts_the_booking_in_the_meetings_agenda(con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 30)
    lead, staff = demo_user(con, "lead_cwg22"), demo_user(con, "secretariat")
    booking = request_slot(con, actor=lead, booking=ask(slot_id))
    assert booking.status == "requested"
    decide_booking(con, actor=staff, booking_id=booking.booking_id, confirm=True)
    agenda = list_agenda(con, event_id=event_id)
    assert agenda["title"].tolist() == ["CWG-2.2: Present the training package"]
    assert agenda["booked_by"].tolist() == ["CWG-2.2"]


def test_a_lead_books_only_for_their_workstream_and_cannot_decide(con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 0)
    lead = demo_user(con, "lead_cwg22")
    with pytest.raises(PermissionDenied):
        request_slot(con, actor=lead, booking=ask(slot_id, ws="CWG-2.1"))
    booking = request_slot(con, actor=lead, booking=ask(slot_id))
    with pytest.raises(PermissionDenied):
        decide_booking(con, actor=lead, booking_id=booking.booking_id, confirm=True)
    with pytest.raises(PermissionDenied):
        offer_slot(
            con, actor=lead, slot=SlotIn(starts_utc=get_meeting(con, event_id=event_id)["starts_utc"],
                                         minutes=30, tz="UTC", title="x"))  # fmt: skip


def test_a_held_slot_refuses_a_second_request_and_a_decline_frees_it(con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 0)
    staff = demo_user(con, "secretariat")
    first = request_slot(con, actor=staff, booking=ask(slot_id, ws="CWG-2.1"))
    with pytest.raises(BookingRefused, match=r"already taken by CWG-2.1 \(requested"):
        request_slot(con, actor=staff, booking=ask(slot_id, ws="TW-MM"))
    decide_booking(con, actor=staff, booking_id=first.booking_id, confirm=False, note="Too late")
    assert request_slot(con, actor=staff, booking=ask(slot_id, ws="TW-MM")).status == "requested"


def test_two_overlapping_slots_cannot_both_be_confirmed(con):
    event_id = make_meeting(con)
    a, b = offer(con, event_id, 0, 30, "A"), offer(con, event_id, 15, 30, "B")
    staff = demo_user(con, "secretariat")
    ba = request_slot(con, actor=staff, booking=ask(a, ws="CWG-2.1"))
    bb = request_slot(con, actor=staff, booking=ask(b, ws="TW-MM"))
    decide_booking(con, actor=staff, booking_id=ba.booking_id, confirm=True)
    with pytest.raises(BookingRefused, match="overlaps the confirmed booking of CWG-2.1"):
        decide_booking(con, actor=staff, booking_id=bb.booking_id, confirm=True)
    # Withdrawing the first frees the time and its agenda item.
    withdraw_booking(con, actor=staff, booking_id=ba.booking_id)
    assert list_agenda(con, event_id=event_id).empty
    decide_booking(con, actor=staff, booking_id=bb.booking_id, confirm=True)
    assert list_agenda(con, event_id=event_id)["booked_by"].tolist() == ["TW-MM"]


def test_a_slot_overlapping_a_confirmed_one_is_refused_when_offered_or_requested(con):
    event_id = make_meeting(con)
    start = get_meeting(con, event_id=event_id)["starts_utc"].to_pydatetime()
    a, b = offer(con, event_id, 0, 30, "A"), offer(con, event_id, 15, 30, "B")
    staff = demo_user(con, "secretariat")
    confirmed = request_slot(con, actor=staff, booking=ask(a, ws="CWG-2.1"))
    decide_booking(con, actor=staff, booking_id=confirmed.booking_id, confirm=True)
    # The times are said in the slot's zone, as the page shows them, not in UTC.
    span = f"{label(start, 'Europe/Zurich', with_date=True)}-"
    span += label(start + timedelta(minutes=30), "Europe/Zurich")
    with pytest.raises(BookingRefused) as refused:
        request_slot(con, actor=staff, booking=ask(b, ws="TW-MM"))
    assert str(refused.value) == (
        f"The slot 'B' cannot be requested: It overlaps the confirmed booking of CWG-2.1 "
        f"({span}) in the same meeting."
    )
    assert "UTC" not in str(refused.value)
    with pytest.raises(BookingRefused, match=r"cannot be offered: It overlaps .* of CWG-2\.1"):
        offer(con, event_id, 20, 30, "C")
    # After the confirmed one is fine (the test meeting starts off the 5-minute grid).
    assert offer(con, event_id, 35, 30, "D")


def test_a_standalone_session_is_a_calendar_event_confirmed_with_its_booking(con):
    staff = demo_user(con, "secretariat")
    start = get_meeting(con, event_id=make_meeting(con))["starts_utc"].to_pydatetime()
    slot_id = offer_slot(
        con,
        actor=staff,
        slot=SlotIn(starts_utc=start + timedelta(days=1), minutes=60, tz="UTC", title="Open hour"),
    )
    event_id = int(list_slots(con).set_index("slot_id").loc[slot_id, "event_id"])
    assert get_meeting(con, event_id=event_id)["status"] == "tentative"
    booking = request_slot(con, actor=staff, booking=ask(slot_id))
    decide_booking(con, actor=staff, booking_id=booking.booking_id, confirm=True)
    meeting = get_meeting(con, event_id=event_id)
    assert meeting["status"] == "confirmed" and meeting["title"] == "Champions session: Open hour"


def test_twenty_simultaneous_requests_for_one_slot_give_exactly_one(con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 0)
    staff = demo_user(con, "secretariat")
    workstreams = ["CWG-2.1", "CWG-2.2", "TW-ATD", "TW-MM"]
    results = _hammer(
        con,
        lambda db, i: request_slot(
            db, actor=staff, booking=ask(slot_id, ws=workstreams[i % 4], purpose=f"Purpose {i}")
        ),
        n=24,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, BookingRefused)]
    assert len(winners) == 1 and len(refused) == 23, results
    assert all("taken by" in str(r) for r in refused)
    rows = con.rows("SELECT booking_id FROM bookings WHERE slot_id = :s", s=slot_id)
    assert [tuple(r) for r in rows] == [(winners[0].booking_id,)]


def test_twenty_simultaneous_confirmations_of_overlapping_bookings_give_exactly_one(con):
    event_id = make_meeting(con)
    staff = demo_user(con, "secretariat")
    bookings = [
        request_slot(con, actor=staff, booking=ask(offer(con, event_id, i, 30, f"S{i}"))).booking_id
        for i in range(20)
    ]
    results = _hammer(
        con,
        lambda db, i: decide_booking(db, actor=staff, booking_id=bookings[i], confirm=True),
        n=20,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, BookingRefused) for r in results if r not in winners)
    assert len(list_agenda(con, event_id=event_id)) == 1

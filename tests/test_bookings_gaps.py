"""Releasing a confirmed booking undoes everything its confirmation did: agenda item, meeting
time, and for a standalone session the calendar event's confirmation (issue 6)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.bookings import (
    BookingRefused,
    SlotIn,
    decide_booking,
    list_slots,
    offer_slot,
    request_slot,
    withdraw_booking,
)
from core.events import cancel_event
from core.meetings import get_meeting, list_agenda
from tests.conftest import demo_user
from tests.test_bookings import ask, offer
from tests.test_registration import execute, make_meeting


@pytest.fixture
def con(store):
    """The release rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def standalone_session(con) -> tuple[int, int]:
    """Offer a standalone session a month ahead; return (slot_id, event_id)."""
    start = get_meeting(con, event_id=make_meeting(con))["starts_utc"].to_pydatetime()
    slot_id = offer_slot(
        con,
        actor=demo_user(con, "secretariat"),
        slot=SlotIn(starts_utc=start + timedelta(days=1), minutes=60, tz="UTC", title="Open hour"),
    )
    return slot_id, int(list_slots(con).set_index("slot_id").loc[slot_id, "event_id"])


def confirmed(con, slot_id: int, ws: str = "CWG-2.2") -> int:
    """Request the slot as the workstream's lead and confirm it as the Secretariat."""
    actor = demo_user(con, "lead_cwg22") if ws == "CWG-2.2" else demo_user(con, "secretariat")
    booking_id = request_slot(con, actor=actor, booking=ask(slot_id, ws=ws)).booking_id
    decide_booking(con, actor=demo_user(con, "secretariat"), booking_id=booking_id, confirm=True)
    return booking_id


def held(con, booking_id: int) -> dict[str, int]:
    """Count the rows each booking key and the agenda hold for the booking."""
    return {
        table: con.scalar(
            f"SELECT count(*) FROM {table} WHERE booking_id = :b",  # noqa: S608 (constant names)
            b=booking_id,
        )
        for table in ("slot_holds", "slot_confirmations", "booking_occupancy", "agenda_items")
    }


def event_state(con, event_id: int) -> tuple[str, int]:
    return tuple(con.one("SELECT status, sequence FROM events WHERE event_id = :e", e=event_id))


def audit_entries(con, entity: str, entity_id: int) -> list[tuple]:
    rows = con.rows(
        "SELECT username, action, before_json, after_json FROM audit_log"
        " WHERE entity = :e AND entity_id = :i ORDER BY audit_id",
        e=entity,
        i=str(entity_id),
    )
    return [
        (u, a, json.loads(b) if b else None, json.loads(f) if f else None) for u, a, b, f in rows
    ]


@pytest.mark.parametrize("how", ["withdrawn by the lead", "declined by the Secretariat"])
def test_releasing_a_confirmed_standalone_session_puts_its_event_back_to_tentative(con, how):
    slot_id, event_id = standalone_session(con)
    booking_id = confirmed(con, slot_id)
    status, sequence = event_state(con, event_id)
    assert status == "confirmed"
    assert len(list_agenda(con, event_id=event_id)) == 1
    assert held(con, booking_id)["booking_occupancy"] >= 12  # 60 minutes of 5-minute units

    if how.startswith("withdrawn"):
        actor = demo_user(con, "lead_cwg22")
        result = withdraw_booking(con, actor=actor, booking_id=booking_id)
        assert result.status == "withdrawn"
    else:
        actor = demo_user(con, "secretariat")
        result = decide_booking(con, actor=actor, booking_id=booking_id, confirm=False)
        assert result.status == "declined"
        assert "agenda item is removed" in result.message

    assert event_state(con, event_id) == ("tentative", sequence + 1)  # calendars see a change
    assert list_agenda(con, event_id=event_id).empty
    assert held(con, booking_id) == dict.fromkeys(held(con, booking_id), 0)
    release = audit_entries(con, "event", event_id)[-1]
    assert release == (
        actor.username,
        "booking.release",
        {"status": "confirmed"},
        {"status": "tentative", "booking_id": booking_id},
    )
    booking_audit = audit_entries(con, "booking", booking_id)[-1]
    assert booking_audit[0] == actor.username and booking_audit[2] == {"status": "confirmed"}

    # The slot is free again: another workstream can book it and confirming confirms the event.
    again = confirmed(con, slot_id, ws="CWG-2.1")
    assert event_state(con, event_id)[0] == "confirmed"
    assert list_agenda(con, event_id=event_id)["booked_by"].tolist() == ["CWG-2.1"]
    assert held(con, again)["slot_confirmations"] == 1


@pytest.mark.parametrize("how", ["withdraw", "decline"])
def test_releasing_a_confirmed_segment_frees_its_agenda_item_and_meeting_time(con, how):
    event_id = make_meeting(con)
    first, overlapping = offer(con, event_id, 0, 30, "A"), offer(con, event_id, 15, 30, "B")
    status_before = event_state(con, event_id)
    staff = demo_user(con, "secretariat")
    # Requested while the time was free: an overlapping slot cannot be requested once it is not.
    waiting = request_slot(con, actor=staff, booking=ask(overlapping, ws="TW-MM")).booking_id
    booking_id = confirmed(con, first)
    with pytest.raises(BookingRefused, match="overlaps"):
        decide_booking(con, actor=staff, booking_id=waiting, confirm=True)
    assert held(con, booking_id)["booking_occupancy"] >= 6
    assert held(con, booking_id)["agenda_items"] == 1

    if how == "withdraw":
        withdraw_booking(con, actor=demo_user(con, "lead_cwg22"), booking_id=booking_id)
    else:
        decide_booking(con, actor=staff, booking_id=booking_id, confirm=False, note="Moved")

    assert held(con, booking_id) == dict.fromkeys(held(con, booking_id), 0)
    assert list_agenda(con, event_id=event_id).empty
    # A meeting with segments keeps its own status: only a standalone session follows its booking.
    assert event_state(con, event_id) == status_before
    assert not [e for e in audit_entries(con, "event", event_id) if e[1] == "booking.release"]
    decide_booking(con, actor=staff, booking_id=waiting, confirm=True)
    assert list_agenda(con, event_id=event_id)["booked_by"].tolist() == ["TW-MM"]


def test_a_cancelled_standalone_session_stays_cancelled_when_its_booking_is_withdrawn(con):
    slot_id, event_id = standalone_session(con)
    booking_id = confirmed(con, slot_id)
    cancel_event(con, actor=demo_user(con, "secretariat"), event_id=event_id)
    withdraw_booking(con, actor=demo_user(con, "lead_cwg22"), booking_id=booking_id)
    assert event_state(con, event_id)[0] == "cancelled"
    assert held(con, booking_id) == dict.fromkeys(held(con, booking_id), 0)


def test_withdrawing_a_mere_request_leaves_a_hand_confirmed_session_alone(con):
    slot_id, event_id = standalone_session(con)
    execute(con, "UPDATE events SET status = 'confirmed' WHERE event_id = :e", e=event_id)
    booking_id = request_slot(
        con, actor=demo_user(con, "lead_cwg22"), booking=ask(slot_id)
    ).booking_id
    withdraw_booking(con, actor=demo_user(con, "lead_cwg22"), booking_id=booking_id)
    assert event_state(con, event_id)[0] == "confirmed"
    assert held(con, booking_id)["slot_holds"] == 0


def test_a_segment_of_a_tentative_meeting_does_not_confirm_the_meeting(con):
    event_id = make_meeting(con)
    execute(
        con,
        "UPDATE events SET kind = 'other', status = 'tentative' WHERE event_id = :e",
        e=event_id,
    )
    confirmed(con, offer(con, event_id, 0))
    assert event_state(con, event_id)[0] == "tentative"


def test_a_released_booking_cannot_be_declined_or_withdrawn_again(con):
    slot_id, _event_id = standalone_session(con)
    booking_id = confirmed(con, slot_id)
    staff = demo_user(con, "secretariat")
    with pytest.raises(BookingRefused, match="already confirmed"):
        decide_booking(con, actor=staff, booking_id=booking_id, confirm=True)
    decide_booking(con, actor=staff, booking_id=booking_id, confirm=False)
    with pytest.raises(BookingRefused, match="already declined"):
        decide_booking(con, actor=staff, booking_id=booking_id, confirm=False)
    with pytest.raises(BookingRefused, match="already declined"):
        withdraw_booking(con, actor=staff, booking_id=booking_id)


def test_a_booked_agenda_item_cannot_be_removed_alone_and_goes_with_its_booking(con):
    from core.events import delete_agenda_item
    from core.events import list_agenda as event_agenda

    event_id = make_meeting(con)
    booking_id = confirmed(con, offer(con, event_id, 0, 30, "A"))
    (item_id,) = event_agenda(con, event_id=event_id)["item_id"].tolist()
    before = held(con, booking_id)
    with pytest.raises(ValueError, match="comes from a slot booking: release the booking"):
        delete_agenda_item(con, actor=demo_user(con, "secretariat"), item_id=int(item_id))
    assert held(con, booking_id) == before  # nothing half-done: the item and the slot stay
    withdraw_booking(con, actor=demo_user(con, "lead_cwg22"), booking_id=booking_id)
    assert event_agenda(con, event_id=event_id).empty

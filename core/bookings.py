"""Slots of Champion-facing time offered by the Secretariat, and workstreams' bookings of them.

Three keys keep the rules true when requests arrive at the same moment: slot_holds (one active
request per slot), slot_confirmations (no slot confirmed twice) and booking_occupancy (one
confirmed booking per 5-minute unit of a meeting, so confirmed bookings never overlap). On
PostgreSQL, simultaneous requests collide in their SERIALIZABLE transactions and the store runs
the loser again; on DuckDB the booking writes of the one process holding the file take turns.
Either way the loser then sees the slot (or the time) taken and is refused in plain words.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, Field, field_validator

from core import audit, events
from core.permissions import User, require
from core.store import Db
from core.store import bookings as store
from core.store import events as event_store
from core.store.meetings import write_in_turn
from core.timezones import label, to_local, to_utc

EPOCH = datetime(1970, 1, 1)
UNIT_MINUTES = 5
# offer_slot gives a standalone session's calendar event a UID of this shape, which is how the
# booking rules tell it from a meeting that merely has segments (its status follows its booking).
STANDALONE_UID_PREFIX = "slot-"
STANDALONE_UID_SUFFIX = "@actionplan"


class BookingRefused(ValueError):
    """A booking rule refused the change; the message says which and who holds the time."""


class SlotIn(BaseModel):
    """Champion-facing time the Secretariat offers: a segment of a meeting or a standalone session."""

    event_id: int | None = None
    starts_utc: datetime
    minutes: int = Field(ge=5, le=8 * 60)
    tz: str
    title: str = Field(min_length=1, max_length=200)

    @property
    def ends_utc(self) -> datetime:
        return self.starts_utc + timedelta(minutes=self.minutes)


class BookingIn(BaseModel):
    """A workstream's request for a slot."""

    slot_id: int
    workstream_id: str
    purpose: str = Field(min_length=3, max_length=500)
    product_id: int | None = None
    target_m49s: list[int] = Field(min_length=1)

    @field_validator("purpose", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip() if isinstance(value, str) else value


class Booking(BaseModel):
    """A stored booking and what happened to it."""

    booking_id: int
    slot_id: int
    status: str
    message: str


def units(starts_utc: datetime, ends_utc: datetime) -> list[int]:
    """Return the 5-minute units (counted from 1970) that [starts_utc, ends_utc) touches."""
    first = math.floor((starts_utc - EPOCH).total_seconds() / 60 / UNIT_MINUTES)
    last = math.ceil((ends_utc - EPOCH).total_seconds() / 60 / UNIT_MINUTES)
    return list(range(first, last))


def list_slots(con: Db, *, ending_after_utc: datetime | None = None) -> pd.DataFrame:
    """Return the slots (those ending after the given time, or all) with their holding booking."""
    return store.list_slots(con, ending_after_utc=ending_after_utc)


def list_bookings(
    con: Db,
    *,
    workstream_id: str | None = None,
    ending_after_utc: datetime | None = None,
) -> pd.DataFrame:
    """Return bookings with their slot, meeting, product and targeted Champions.

    With `ending_after_utc`, only bookings of slots ending after it, plus undecided requests.
    """
    return store.list_bookings(con, workstream_id=workstream_id, ending_after_utc=ending_after_utc)


def list_offerable_meetings(con: Db) -> pd.DataFrame:
    """Return upcoming Champion-facing meetings the Secretariat can cut slots from."""
    return store.list_offerable_meetings(con, ending_after_utc=audit.utcnow())


def list_workstream_products(con: Db, *, workstream_id: str) -> pd.DataFrame:
    """Return a workstream's products (for the request form)."""
    return store.list_workstream_products(con, workstream_id=workstream_id)


SESSION_PREFIX = "Champions session: "


def _session_event(slot: SlotIn) -> events.EventIn:
    """The calendar event of a standalone session, in the slot's zone (in UTC when the slot's
    start is the second of a wall-clock time repeated by a daylight-saving change)."""
    tz = slot.tz
    start = to_local(slot.starts_utc, tz).replace(tzinfo=None)
    if to_utc(start, tz) != slot.starts_utc:
        tz, start = "UTC", slot.starts_utc
    title = SESSION_PREFIX + slot.title
    if len(title) > events.MAX_TITLE:
        title = title[: events.MAX_TITLE - 1] + "…"
    return events.EventIn(
        title=title,
        kind="other",
        audience="champions",
        tz=tz,
        start_local=start,
        end_local=start + timedelta(minutes=slot.minutes),
        location="Online",
        description="Standalone session offered by the Secretariat for workstream bookings.",
        status="tentative",
        uid=f"{STANDALONE_UID_PREFIX}{uuid.uuid4()}{STANDALONE_UID_SUFFIX}",
    )


def offer_slot(con: Db, *, actor: User, slot: SlotIn) -> int:
    """Offer a slot; a standalone session also becomes a (tentative) calendar event."""
    require(actor, "booking.offer")

    def work(conn):
        event_id = slot.event_id
        if event_id is not None:
            span = store.get_meeting_span(conn, event_id=event_id)
            if span is None:
                raise BookingRefused(f"Meeting {event_id} does not exist.")
            if slot.starts_utc < span.starts_utc or slot.ends_utc > span.ends_utc:
                raise BookingRefused(
                    f"The slot must lie within {span.title} "
                    f"({span_label(span.starts_utc, span.ends_utc, slot.tz)})."
                )
            # Refused when offered, not only when a request for it is confirmed.
            wanted = units(slot.starts_utc, slot.ends_utc)
            if clash := _overlap_message(conn, event_id, wanted, slot.tz):
                raise BookingRefused(f"This slot cannot be offered: {clash}")
        else:  # the events module's one way to create an event, with its checks and audit
            event_id = events.insert_event(conn, actor=actor, event_in=_session_event(slot))
        slot_id = store.insert_slot(
            conn,
            store.SlotRecordIn(
                event_id=event_id,
                starts_utc=slot.starts_utc,
                ends_utc=slot.ends_utc,
                tz=slot.tz,
                title=slot.title,
                created_by=actor.username,
            ),
        )
        audit.record(
            conn,
            actor=actor,
            action="booking.offer",
            entity="slot",
            entity_id=slot_id,
            after={**slot.model_dump(), "event_id": event_id},
        )
        return slot_id

    return con.write(work)


def consultation_warnings(con: Db, *, slot_id: int, m49s: list[int]) -> list[str]:
    """Return the engagement module's load warnings for these Champions in the slot's month."""
    try:
        from core.engagement import consultation_load_warnings
    except ImportError:  # the engagement area may not provide it in older installations
        return []
    starts = store.get_slot_start(con, slot_id=slot_id)
    if starts is None or not m49s:
        return []
    return consultation_load_warnings(con, m49s=m49s, month=starts)


def _holder(conn, slot_id: int) -> str:
    holder = store.get_slot_holder(conn, slot_id=slot_id)
    if holder is None:
        return "another workstream at the same moment"
    return f"{holder.workstream_id} ({holder.status}, by {holder.requested_by})"


def request_slot(con: Db, *, actor: User, booking: BookingIn) -> Booking:
    """Request a slot for a workstream; the first request holds it until the Secretariat decides."""
    require(actor, "booking.request", workstream_id=booking.workstream_id)

    def work(conn):
        slot = store.get_slot(conn, slot_id=booking.slot_id)
        if slot is None:
            raise BookingRefused(f"Slot {booking.slot_id} does not exist.")
        if slot.status != "open":
            raise BookingRefused(f"The slot '{slot.title}' was withdrawn by the Secretariat.")
        if slot.starts_utc < audit.utcnow():
            raise BookingRefused(f"The slot '{slot.title}' has already started.")
        if booking.product_id is not None and not store.is_workstream_product(
            conn, product_id=booking.product_id, workstream_id=booking.workstream_id
        ):
            raise BookingRefused(f"That product is not one of {booking.workstream_id}'s.")
        if store.get_slot_holder(conn, slot_id=booking.slot_id) is not None:
            raise BookingRefused(
                f"The slot '{slot.title}' is already taken by {_holder(conn, booking.slot_id)}."
            )
        wanted = units(slot.starts_utc, slot.ends_utc)
        if clash := _overlap_message(conn, slot.event_id, wanted, slot.tz):
            raise BookingRefused(f"The slot '{slot.title}' cannot be requested: {clash}")
        booking_id = store.insert_booking(
            conn,
            store.BookingRecordIn(
                slot_id=booking.slot_id,
                workstream_id=booking.workstream_id,
                requested_by=actor.username,
                purpose=booking.purpose,
                product_id=booking.product_id,
                created_at_utc=audit.utcnow(),
            ),
            target_m49s=sorted(set(booking.target_m49s)),
        )
        store.insert_slot_hold(conn, slot_id=booking.slot_id, booking_id=booking_id)
        audit.record(
            conn,
            actor=actor,
            action="booking.request",
            entity="booking",
            entity_id=booking_id,
            after=booking.model_dump(),
        )
        return Booking(
            booking_id=booking_id,
            slot_id=booking.slot_id,
            status="requested",
            message=(
                f"Requested '{slot.title}' for {booking.workstream_id}; "
                "the Secretariat will confirm."
            ),
        )

    return write_in_turn(con, work)


def _reopens_event(status: str, standalone: bool, event_status: str) -> bool:
    """Say whether releasing the booking puts its session back to tentative: only a confirmed
    booking of a standalone session confirmed the event; a cancelled session stays cancelled."""
    return standalone and status == "confirmed" and event_status == "confirmed"


def is_standalone_uid(uid: str) -> bool:
    """Return True for the calendar event offer_slot made for a standalone session."""
    return uid.startswith(STANDALONE_UID_PREFIX) and uid.endswith(STANDALONE_UID_SUFFIX)


def _booking(conn, booking_id: int) -> store.BookingState:
    row = store.get_booking(conn, booking_id=booking_id)
    if row is None:
        raise BookingRefused(f"Booking {booking_id} does not exist.")
    return row


def _release(conn, *, actor: User, booking_id: int, event_id: int, reopen_event: bool) -> None:
    """Free a booking's slot, meeting time and agenda item; with `reopen_event`, put the
    standalone session's event back to tentative (audited as a change of the event)."""
    store.delete_booking_keys(conn, booking_id=booking_id)
    store.delete_booking_agenda_item(conn, booking_id=booking_id)
    if reopen_event:
        event_store.bump_sequence(
            conn, event_id=event_id, at_utc=audit.utcnow(), status="tentative"
        )
        audit.record(
            conn,
            actor=actor,
            action="booking.release",
            entity="event",
            entity_id=event_id,
            before={"status": "confirmed"},
            after={"status": "tentative", "booking_id": booking_id},
        )


def span_label(starts_utc: datetime, ends_utc: datetime, tz: str) -> str:
    """Return "Tue 08 Dec 15:00 CET-15:30 CET": a slot's time in the zone its page shows."""
    return f"{label(starts_utc, tz, with_date=True)}-{label(ends_utc, tz)}"


def _overlap_message(conn, event_id: int | None, wanted: list[int], tz: str) -> str | None:
    """Say which confirmed booking of the meeting holds any of the wanted units, in zone `tz`."""
    if event_id is None:
        return None
    occupant = store.find_occupant(conn, event_id=event_id, units=wanted)
    if occupant is None:
        return None
    return (
        f"It overlaps the confirmed booking of {occupant.workstream_id} "
        f"({span_label(occupant.starts_utc, occupant.ends_utc, tz)}) in the same meeting."
    )


def decide_booking(
    con: Db,
    *,
    actor: User,
    booking_id: int,
    confirm: bool,
    note: str | None = None,
) -> Booking:
    """Confirm a requested booking (into the meeting's agenda) or decline it (freeing the slot).

    A confirmed booking can still be declined: its agenda item and meeting time are freed and a
    standalone session goes back to tentative on the calendar.
    """
    require(actor, "booking.decide")

    def work(conn):
        b = _booking(conn, booking_id)
        standalone = is_standalone_uid(b.event_uid)
        if b.status != "requested" and not (b.status == "confirmed" and not confirm):
            raise BookingRefused(f"Booking {booking_id} is already {b.status}.")
        now = audit.utcnow()
        if not confirm:
            _release(
                conn,
                actor=actor,
                booking_id=booking_id,
                event_id=b.event_id,
                reopen_event=_reopens_event(b.status, standalone, b.event_status),
            )
            new_status = "declined"
            message = (
                f"Declined {b.workstream_id}'s confirmed booking of '{b.title}'; "
                "its agenda item is removed."
                if b.status == "confirmed"
                else f"Declined {b.workstream_id}'s request for '{b.title}'."
            )
        else:
            wanted = units(b.starts_utc, b.ends_utc)
            clash = _overlap_message(conn, b.event_id, wanted, b.tz)
            if clash:
                raise BookingRefused(clash)
            # The guards: the slot key and the occupancy keys refuse a second confirmation.
            store.insert_confirmation(
                conn, slot_id=b.slot_id, booking_id=booking_id, event_id=b.event_id, units=wanted
            )
            store.insert_booking_agenda_item(
                conn,
                event_id=b.event_id,
                booking_id=booking_id,
                starts_utc=b.starts_utc,
                ends_utc=b.ends_utc,
                title=f"{b.workstream_id}: {b.purpose}",
                presenter=store.get_workstream_name(conn, workstream_id=b.workstream_id),
                product_id=b.product_id,
            )
            if standalone and b.event_status == "tentative":
                event_store.bump_sequence(conn, event_id=b.event_id, at_utc=now, status="confirmed")
            new_status = "confirmed"
            message = (
                f"Confirmed {b.workstream_id} in '{b.title}'; it is now in the meeting's agenda."
            )
        store.update_booking_decision(
            conn,
            booking_id=booking_id,
            status=new_status,
            decided_by=actor.username,
            decided_at_utc=now,
            note=note,
        )
        audit.record(
            conn,
            actor=actor,
            action=f"booking.{new_status}",
            entity="booking",
            entity_id=booking_id,
            before={"status": b.status},
            after={"status": new_status, "note": note},
        )
        return Booking(booking_id=booking_id, slot_id=b.slot_id, status=new_status, message=message)

    return write_in_turn(con, work)


def withdraw_booking(con: Db, *, actor: User, booking_id: int) -> Booking:
    """Withdraw a request or a confirmed booking, freeing the slot and its agenda time; a
    standalone session goes back to tentative on the calendar."""

    def work(conn):
        b = _booking(conn, booking_id)
        require(actor, "booking.withdraw", workstream_id=b.workstream_id)
        if b.status not in ("requested", "confirmed"):
            raise BookingRefused(f"Booking {booking_id} is already {b.status}.")
        _release(
            conn,
            actor=actor,
            booking_id=booking_id,
            event_id=b.event_id,
            reopen_event=_reopens_event(b.status, is_standalone_uid(b.event_uid), b.event_status),
        )
        store.update_booking_withdrawn(conn, booking_id=booking_id, at_utc=audit.utcnow())
        audit.record(
            conn,
            actor=actor,
            action="booking.withdraw",
            entity="booking",
            entity_id=booking_id,
            before={"status": b.status},
            after={"status": "withdrawn"},
        )
        return Booking(
            booking_id=booking_id,
            slot_id=b.slot_id,
            status="withdrawn",
            message="Booking withdrawn.",
        )

    return write_in_turn(con, work)


def backfill_booking_keys(cur) -> None:
    """Fill slot holds and meeting occupancy for bookings written without them (demo seeding).

    `cur` is the seeding's DuckDB cursor (demo seeding is not yet moved) or an SQLAlchemy
    connection.
    """
    store.hold_unheld_slots(cur)
    rows = store.list_unoccupied_confirmations(cur)
    store.insert_occupancy(
        cur, [(event_id, u, bid) for bid, event_id, s, e in rows for u in units(s, e)]
    )


def slot_timeline(slots: pd.DataFrame) -> pd.DataFrame:
    """Return slots with start/end as wall-clock times in their meeting's zone on one common day,
    so half-hour segments of meetings months apart can be compared side by side."""
    out = slots.copy()
    day = datetime(2000, 1, 1)
    for column in ("starts_utc", "ends_utc"):
        local = [
            s.to_pydatetime().replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
            for s, tz in zip(slots[column], slots["tz"], strict=True)
        ]
        out[column.replace("_utc", "_local")] = [
            day + timedelta(hours=t.hour, minutes=t.minute) for t in local
        ]
    out["meeting"] = out["meeting"].fillna(out["title"])
    out["meeting"] = out["meeting"] + " · " + [f"{s:%d %b %Y}" for s in slots["starts_utc"]]
    return out

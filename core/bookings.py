"""Slots of Champion-facing time offered by the Secretariat, and workstreams' bookings of them.

Three keys keep the rules true when requests arrive at the same moment: slot_holds (one active
request per slot), slot_confirmations (no slot confirmed twice) and booking_occupancy (one
confirmed booking per 5-minute unit of a meeting, so confirmed bookings never overlap).
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, field_validator

from core import audit
from core.db import transaction
from core.permissions import User, require

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


def list_slots(
    con: duckdb.DuckDBPyConnection, *, ending_after_utc: datetime | None = None
) -> pd.DataFrame:
    """Return the slots (those ending after the given time, or all) with their holding booking."""
    return (
        con.cursor()
        .execute(
            """
        SELECT s.slot_id, s.title, e.title AS meeting, s.event_id, s.starts_utc, s.ends_utc, s.tz,
               s.status, s.is_demo, b.booking_id, b.workstream_id AS held_by,
               coalesce(b.status, 'open') AS state, b.purpose
        FROM slots s LEFT JOIN events e USING (event_id)
        LEFT JOIN slot_holds h USING (slot_id)
        LEFT JOIN bookings b ON b.booking_id = h.booking_id
        WHERE CAST(? AS TIMESTAMP) IS NULL OR s.ends_utc > ?
        ORDER BY s.starts_utc, s.slot_id
        """,
            [ending_after_utc, ending_after_utc],
        )
        .df()
    )


def list_bookings(
    con: duckdb.DuckDBPyConnection,
    *,
    workstream_id: str | None = None,
    ending_after_utc: datetime | None = None,
) -> pd.DataFrame:
    """Return bookings with their slot, meeting, product and targeted Champions.

    With `ending_after_utc`, only bookings of slots ending after it, plus undecided requests.
    """
    return (
        con.cursor()
        .execute(
            "SELECT b.booking_id, b.slot_id, s.title AS slot, e.title AS meeting, s.starts_utc,"
            " s.ends_utc, s.tz, b.workstream_id, b.requested_by, b.purpose, p.title_en AS product,"
            " b.status, b.decided_by, b.decision_note, b.created_at_utc, b.is_demo,"
            " (SELECT string_agg(k.name_en, ', ' ORDER BY k.name_en) FROM booking_targets t"
            "  JOIN countries k USING (m49) WHERE t.booking_id = b.booking_id) AS targets"
            " FROM bookings b JOIN slots s USING (slot_id) LEFT JOIN events e ON e.event_id = s.event_id"
            " LEFT JOIN products p ON p.product_id = b.product_id"
            " WHERE (CAST(? AS VARCHAR) IS NULL OR b.workstream_id = ?)"
            " AND (CAST(? AS TIMESTAMP) IS NULL OR s.ends_utc > ? OR b.status = 'requested')"
            " ORDER BY b.booking_id DESC",
            [workstream_id, workstream_id, ending_after_utc, ending_after_utc],
        )
        .df()
    )


def list_offerable_meetings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return upcoming Champion-facing meetings the Secretariat can cut slots from."""
    return (
        con.cursor()
        .execute(
            "SELECT event_id, title, starts_utc, ends_utc, tz FROM events"
            " WHERE kind IN ('champions_meeting', 'technical_meeting', 'webinar', 'other')"
            " AND audience <> 'internal' AND status <> 'cancelled' AND ends_utc > ?"
            " ORDER BY starts_utc",
            [audit.utcnow()],
        )
        .df()
    )


def list_workstream_products(con: duckdb.DuckDBPyConnection, *, workstream_id: str) -> pd.DataFrame:
    """Return a workstream's products (for the request form)."""
    return (
        con.cursor()
        .execute(
            "SELECT product_id, title_en FROM products WHERE workstream_id = ? ORDER BY title_en",
            [workstream_id],
        )
        .df()
    )


def offer_slot(con: duckdb.DuckDBPyConnection, *, actor: User, slot: SlotIn) -> int:
    """Offer a slot; a standalone session also becomes a (tentative) calendar event."""
    require(actor, "booking.offer")
    with transaction(con) as cur:
        event_id = slot.event_id
        if event_id is not None:
            row = cur.execute(
                "SELECT title, starts_utc, ends_utc FROM events WHERE event_id = ?", [event_id]
            ).fetchone()
            if row is None:
                raise BookingRefused(f"Meeting {event_id} does not exist.")
            if slot.starts_utc < row[1] or slot.ends_utc > row[2]:
                raise BookingRefused(
                    f"The slot must lie within {row[0]} "
                    f"({row[1]:%H:%M}-{row[2]:%H:%M} UTC on {row[1]:%Y-%m-%d})."
                )
        else:
            event_id = cur.execute(
                "INSERT INTO events (uid, title, kind, audience, starts_utc, ends_utc, tz, location,"
                " description, status, created_by) VALUES (?, ?, 'other', 'champions', ?, ?, ?,"
                " 'Online', ?, 'tentative', ?) RETURNING event_id",
                [
                    f"{STANDALONE_UID_PREFIX}{uuid.uuid4()}{STANDALONE_UID_SUFFIX}",
                    f"Champions session: {slot.title}",
                    slot.starts_utc,
                    slot.ends_utc,
                    slot.tz,
                    "Standalone session offered by the Secretariat for workstream bookings.",
                    actor.username,
                ],
            ).fetchone()[0]
        slot_id = cur.execute(
            "INSERT INTO slots (event_id, starts_utc, ends_utc, tz, title, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING slot_id",
            [event_id, slot.starts_utc, slot.ends_utc, slot.tz, slot.title, actor.username],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=actor,
            action="booking.offer",
            entity="slot",
            entity_id=slot_id,
            after={**slot.model_dump(), "event_id": event_id},
        )
    return slot_id


def consultation_warnings(
    con: duckdb.DuckDBPyConnection, *, slot_id: int, m49s: list[int]
) -> list[str]:
    """Return the engagement module's load warnings for these Champions in the slot's month."""
    try:
        from core.engagement import consultation_load_warnings
    except ImportError:  # the engagement area may not provide it in older installations
        return []
    row = (
        con.cursor().execute("SELECT starts_utc FROM slots WHERE slot_id = ?", [slot_id]).fetchone()
    )
    if row is None or not m49s:
        return []
    return consultation_load_warnings(con, m49s=m49s, month=row[0])


def _holder(cur: duckdb.DuckDBPyConnection, slot_id: int) -> str:
    row = cur.execute(
        "SELECT b.workstream_id, b.status, b.requested_by FROM slot_holds h JOIN bookings b"
        " USING (booking_id) WHERE h.slot_id = ?",
        [slot_id],
    ).fetchone()
    if row is None:
        return "another workstream at the same moment"
    return f"{row[0]} ({row[1]}, by {row[2]})"


def request_slot(con: duckdb.DuckDBPyConnection, *, actor: User, booking: BookingIn) -> Booking:
    """Request a slot for a workstream; the first request holds it until the Secretariat decides."""
    require(actor, "booking.request", workstream_id=booking.workstream_id)
    try:
        with transaction(con) as cur:
            slot = cur.execute(
                "SELECT title, starts_utc, status FROM slots WHERE slot_id = ?", [booking.slot_id]
            ).fetchone()
            if slot is None:
                raise BookingRefused(f"Slot {booking.slot_id} does not exist.")
            if slot[2] != "open":
                raise BookingRefused(f"The slot '{slot[0]}' was withdrawn by the Secretariat.")
            if slot[1] < audit.utcnow():
                raise BookingRefused(f"The slot '{slot[0]}' has already started.")
            if (
                booking.product_id is not None
                and not cur.execute(
                    "SELECT count(*) FROM products WHERE product_id = ? AND workstream_id = ?",
                    [booking.product_id, booking.workstream_id],
                ).fetchone()[0]
            ):
                raise BookingRefused(f"That product is not one of {booking.workstream_id}'s.")
            if cur.execute(
                "SELECT count(*) FROM slot_holds WHERE slot_id = ?", [booking.slot_id]
            ).fetchone()[0]:
                raise BookingRefused(
                    f"The slot '{slot[0]}' is already taken by {_holder(cur, booking.slot_id)}."
                )
            booking_id = cur.execute(
                "INSERT INTO bookings (slot_id, workstream_id, requested_by, purpose, product_id, status,"
                " created_at_utc) VALUES (?, ?, ?, ?, ?, 'requested', ?) RETURNING booking_id",
                [
                    booking.slot_id,
                    booking.workstream_id,
                    actor.username,
                    booking.purpose,
                    booking.product_id,
                    audit.utcnow(),
                ],
            ).fetchone()[0]
            cur.executemany(
                "INSERT INTO booking_targets VALUES (?, ?)",
                [[booking_id, m] for m in sorted(set(booking.target_m49s))],
            )
            # The guard: a second active request for the slot collides on this key.
            cur.execute("INSERT INTO slot_holds VALUES (?, ?)", [booking.slot_id, booking_id])
            audit.record(
                cur,
                actor=actor,
                action="booking.request",
                entity="booking",
                entity_id=booking_id,
                after=booking.model_dump(),
            )
    except (duckdb.ConstraintException, duckdb.TransactionException):
        raise BookingRefused(
            f"The slot was just taken by {_holder(con.cursor(), booking.slot_id)}; "
            "choose another slot."
        ) from None
    return Booking(
        booking_id=booking_id,
        slot_id=booking.slot_id,
        status="requested",
        message=f"Requested '{slot[0]}' for {booking.workstream_id}; the Secretariat will confirm.",
    )


def _reopens_event(status: str, standalone: bool, event_status: str) -> bool:
    """Say whether releasing the booking puts its session back to tentative: only a confirmed
    booking of a standalone session confirmed the event; a cancelled session stays cancelled."""
    return standalone and status == "confirmed" and event_status == "confirmed"


def _booking(cur, booking_id: int) -> tuple:
    row = cur.execute(
        "SELECT b.slot_id, b.workstream_id, b.status, b.purpose, b.product_id, s.event_id,"
        " s.starts_utc, s.ends_utc, s.tz, s.title, e.kind, e.status,"
        " starts_with(e.uid, ?) AND ends_with(e.uid, ?) AS standalone"
        " FROM bookings b JOIN slots s USING (slot_id) JOIN events e ON e.event_id = s.event_id"
        " WHERE b.booking_id = ?",
        [STANDALONE_UID_PREFIX, STANDALONE_UID_SUFFIX, booking_id],
    ).fetchone()
    if row is None:
        raise BookingRefused(f"Booking {booking_id} does not exist.")
    return row


def _release(cur, *, actor: User, booking_id: int, event_id: int, reopen_event: bool) -> None:
    """Free a booking's slot, meeting time and agenda item; with `reopen_event`, put the
    standalone session's event back to tentative (audited as a change of the event)."""
    for sql in (
        "DELETE FROM slot_holds WHERE booking_id = ?",
        "DELETE FROM slot_confirmations WHERE booking_id = ?",
        "DELETE FROM booking_occupancy WHERE booking_id = ?",
        "DELETE FROM agenda_items WHERE booking_id = ?",
    ):
        cur.execute(sql, [booking_id])
    if reopen_event:
        cur.execute(
            "UPDATE events SET status = 'tentative', sequence = sequence + 1,"
            " updated_at_utc = ? WHERE event_id = ?",
            [audit.utcnow(), event_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="booking.release",
            entity="event",
            entity_id=event_id,
            before={"status": "confirmed"},
            after={"status": "tentative", "booking_id": booking_id},
        )


def _overlap_message(cur, event_id: int, wanted: list[int]) -> str | None:
    row = cur.execute(
        "SELECT b.workstream_id, s.starts_utc, s.ends_utc FROM booking_occupancy o"
        " JOIN bookings b USING (booking_id) JOIN slots s ON s.slot_id = b.slot_id"
        " WHERE o.event_id = ? AND o.unit IN (SELECT unnest(?::BIGINT[])) LIMIT 1",
        [event_id, wanted],
    ).fetchone()
    if row is None:
        return None
    return (
        f"It overlaps the confirmed booking of {row[0]} "
        f"({row[1]:%H:%M}-{row[2]:%H:%M} UTC) in the same meeting."
    )


def decide_booking(
    con: duckdb.DuckDBPyConnection,
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
    try:
        with transaction(con) as cur:
            (slot_id, ws, status, purpose, product_id, event_id, start, end, _tz, title, _kind,
             event_status, standalone) = _booking(cur, booking_id)  # fmt: skip
            if status != "requested" and not (status == "confirmed" and not confirm):
                raise BookingRefused(f"Booking {booking_id} is already {status}.")
            now = audit.utcnow()
            if not confirm:
                _release(
                    cur,
                    actor=actor,
                    booking_id=booking_id,
                    event_id=event_id,
                    reopen_event=_reopens_event(status, standalone, event_status),
                )
                new_status = "declined"
                message = (
                    f"Declined {ws}'s confirmed booking of '{title}'; its agenda item is removed."
                    if status == "confirmed"
                    else f"Declined {ws}'s request for '{title}'."
                )
            else:
                wanted = units(start, end)
                clash = _overlap_message(cur, event_id, wanted)
                if clash:
                    raise BookingRefused(clash)
                # The guards: the slot key and the occupancy keys refuse a second confirmation.
                cur.execute("INSERT INTO slot_confirmations VALUES (?, ?)", [slot_id, booking_id])
                cur.executemany(
                    "INSERT INTO booking_occupancy VALUES (?, ?, ?)",
                    [[event_id, u, booking_id] for u in wanted],
                )
                ws_name = cur.execute(
                    "SELECT coalesce(name, workstream_id) FROM workstreams WHERE workstream_id = ?",
                    [ws],
                ).fetchone()[0]
                cur.execute(
                    "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter,"
                    " product_id, booking_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [event_id, start, end, f"{ws}: {purpose}", ws_name, product_id, booking_id],
                )
                if standalone and event_status == "tentative":
                    cur.execute(
                        # Only plain columns: DuckDB refuses updates of foreign-key columns
                        # (workstream_id) on a row other tables reference.
                        "UPDATE events SET status = 'confirmed', sequence = sequence + 1,"
                        " updated_at_utc = ? WHERE event_id = ?",
                        [now, event_id],
                    )
                new_status = "confirmed"
                message = f"Confirmed {ws} in '{title}'; it is now in the meeting's agenda."
            cur.execute(
                "UPDATE bookings SET status = ?, decided_by = ?, decided_at_utc = ?,"
                " decision_note = ? WHERE booking_id = ?",
                [new_status, actor.username, now, note, booking_id],
            )
            audit.record(
                cur,
                actor=actor,
                action=f"booking.{new_status}",
                entity="booking",
                entity_id=booking_id,
                before={"status": status},
                after={"status": new_status, "note": note},
            )
    except (duckdb.ConstraintException, duckdb.TransactionException):
        raise BookingRefused(
            "Another booking was confirmed for this time at the same moment; reload and check "
            "the agenda."
        ) from None
    return Booking(booking_id=booking_id, slot_id=slot_id, status=new_status, message=message)


def withdraw_booking(con: duckdb.DuckDBPyConnection, *, actor: User, booking_id: int) -> Booking:
    """Withdraw a request or a confirmed booking, freeing the slot and its agenda time; a
    standalone session goes back to tentative on the calendar."""
    with transaction(con) as cur:
        slot_id, ws, status, _purpose, _product, event_id, *_slot, event_status, standalone = (
            _booking(cur, booking_id)
        )
        require(actor, "booking.withdraw", workstream_id=ws)
        if status not in ("requested", "confirmed"):
            raise BookingRefused(f"Booking {booking_id} is already {status}.")
        _release(
            cur,
            actor=actor,
            booking_id=booking_id,
            event_id=event_id,
            reopen_event=_reopens_event(status, standalone, event_status),
        )
        cur.execute(
            "UPDATE bookings SET status = 'withdrawn', decided_at_utc = ? WHERE booking_id = ?",
            [audit.utcnow(), booking_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="booking.withdraw",
            entity="booking",
            entity_id=booking_id,
            before={"status": status},
            after={"status": "withdrawn"},
        )
    return Booking(
        booking_id=booking_id, slot_id=slot_id, status="withdrawn", message="Booking withdrawn."
    )


def backfill_booking_keys(cur: duckdb.DuckDBPyConnection) -> None:
    """Fill slot holds and meeting occupancy for bookings written without them (demo seeding)."""
    cur.execute(
        "INSERT INTO slot_holds SELECT slot_id, min(booking_id) FROM bookings"
        " WHERE status IN ('requested', 'confirmed')"
        " AND slot_id NOT IN (SELECT slot_id FROM slot_holds) GROUP BY slot_id"
    )
    rows = cur.execute(
        "SELECT b.booking_id, s.event_id, s.starts_utc, s.ends_utc FROM slot_confirmations c"
        " JOIN bookings b USING (booking_id) JOIN slots s ON s.slot_id = c.slot_id"
        " WHERE b.booking_id NOT IN (SELECT booking_id FROM booking_occupancy)"
    ).fetchall()
    cur.executemany(
        "INSERT INTO booking_occupancy VALUES (?, ?, ?)",
        [[event_id, u, bid] for bid, event_id, s, e in rows for u in units(s, e)],
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

"""The bookings family: slots, bookings, booking_targets and the three keys that keep the
booking rules true under simultaneous requests (slot_holds, slot_confirmations,
booking_occupancy).

Two statements here write tables of the events family, for a booking's own rows only: the agenda
item a confirmed booking puts in its meeting (`insert_booking_agenda_item`, which carries the
booking_id the events store does not set) and its removal (`delete_booking_agenda_item`).
Standalone sessions are created through `core.events.insert_event` and their status changes
through `core.store.events.bump_sequence`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db


def _execute(conn, sql: str, params: dict | list[dict] | None = None):
    """Run a statement on an SQLAlchemy connection, or on the DuckDB cursor of demo seeding
    (not yet moved), which gets the same named parameters as `$name`."""
    if isinstance(conn, sa.Connection):
        return conn.execute(sa.text(sql), params or {})
    duck_sql = sql
    for name in sorted({p for row in _rows(params) for p in row}, key=len, reverse=True):
        duck_sql = duck_sql.replace(f":{name}", f"${name}")
    if isinstance(params, list):
        return conn.executemany(duck_sql, params)
    return conn.execute(duck_sql, params or {})


def _rows(params) -> list[dict]:
    if params is None:
        return []
    return params if isinstance(params, list) else [params]


# Reads for pages ----------------------------------------------------------------------------


def list_slots(db: Db, *, ending_after_utc: datetime | None) -> pd.DataFrame:
    return db.frame(
        "SELECT s.slot_id, s.title, e.title AS meeting, s.event_id, s.starts_utc, s.ends_utc,"
        " s.tz, s.status, s.is_demo, b.booking_id, b.workstream_id AS held_by,"
        " coalesce(b.status, 'open') AS state, b.purpose"
        " FROM slots s LEFT JOIN events e ON e.event_id = s.event_id"
        " LEFT JOIN slot_holds h ON h.slot_id = s.slot_id"
        " LEFT JOIN bookings b ON b.booking_id = h.booking_id"
        " WHERE CAST(:after AS TIMESTAMP) IS NULL OR s.ends_utc > :after"
        " ORDER BY s.starts_utc, s.slot_id",
        after=ending_after_utc,
    )


def list_bookings(
    db: Db, *, workstream_id: str | None, ending_after_utc: datetime | None
) -> pd.DataFrame:
    return db.frame(
        "SELECT b.booking_id, b.slot_id, s.title AS slot, e.title AS meeting, s.starts_utc,"
        " s.ends_utc, s.tz, b.workstream_id, b.requested_by, b.purpose, p.title_en AS product,"
        " b.status, b.decided_by, b.decision_note, b.created_at_utc, b.is_demo,"
        " (SELECT string_agg(k.name_en, ', ' ORDER BY k.name_en) FROM booking_targets t"
        "  JOIN countries k ON k.m49 = t.m49 WHERE t.booking_id = b.booking_id) AS targets"
        " FROM bookings b JOIN slots s ON s.slot_id = b.slot_id"
        " LEFT JOIN events e ON e.event_id = s.event_id"
        " LEFT JOIN products p ON p.product_id = b.product_id"
        " WHERE (CAST(:ws AS VARCHAR) IS NULL OR b.workstream_id = :ws)"
        " AND (CAST(:after AS TIMESTAMP) IS NULL OR s.ends_utc > :after"
        " OR b.status = 'requested')"
        " ORDER BY b.booking_id DESC",
        ws=workstream_id,
        after=ending_after_utc,
    )


def list_offerable_meetings(db: Db, *, ending_after_utc: datetime) -> pd.DataFrame:
    return db.frame(
        "SELECT event_id, title, starts_utc, ends_utc, tz FROM events"
        " WHERE kind IN ('champions_meeting', 'technical_meeting', 'webinar', 'other')"
        " AND audience <> 'internal' AND status <> 'cancelled' AND ends_utc > :after"
        " ORDER BY starts_utc",
        after=ending_after_utc,
    )


def list_workstream_products(db: Db, *, workstream_id: str) -> pd.DataFrame:
    return db.frame(
        "SELECT product_id, title_en FROM products WHERE workstream_id = :ws ORDER BY title_en",
        ws=workstream_id,
    )


def get_slot_start(db: Db, *, slot_id: int) -> datetime | None:
    return db.scalar("SELECT starts_utc FROM slots WHERE slot_id = :s", s=slot_id)


# Reads inside a booking's transaction ------------------------------------------------------


class MeetingSpan(BaseModel):
    title: str
    starts_utc: datetime
    ends_utc: datetime


class SlotState(BaseModel):
    title: str
    starts_utc: datetime
    status: str
    ends_utc: datetime
    tz: str
    event_id: int | None = None


class BookingState(BaseModel):
    """A booking with its slot and the slot's calendar event."""

    slot_id: int
    workstream_id: str
    status: str
    purpose: str
    product_id: int | None
    event_id: int
    starts_utc: datetime
    ends_utc: datetime
    tz: str
    title: str
    kind: str
    event_status: str
    event_uid: str


class Holder(BaseModel):
    workstream_id: str
    status: str
    requested_by: str


class Occupant(BaseModel):
    workstream_id: str
    starts_utc: datetime
    ends_utc: datetime


def get_meeting_span(conn: sa.Connection, *, event_id: int) -> MeetingSpan | None:
    row = conn.execute(
        sa.text("SELECT title, starts_utc, ends_utc FROM events WHERE event_id = :e"),
        {"e": event_id},
    ).first()
    return None if row is None else MeetingSpan(**row._mapping)


def get_slot(conn: sa.Connection, *, slot_id: int) -> SlotState | None:
    row = conn.execute(
        sa.text(
            "SELECT title, starts_utc, status, ends_utc, tz, event_id FROM slots WHERE slot_id = :s"
        ),
        {"s": slot_id},
    ).first()
    return None if row is None else SlotState(**row._mapping)


def is_workstream_product(conn: sa.Connection, *, product_id: int, workstream_id: str) -> bool:
    return bool(
        conn.execute(
            sa.text("SELECT count(*) FROM products WHERE product_id = :p AND workstream_id = :ws"),
            {"p": product_id, "ws": workstream_id},
        ).scalar()
    )


def get_slot_holder(conn: sa.Connection, *, slot_id: int) -> Holder | None:
    row = conn.execute(
        sa.text(
            "SELECT b.workstream_id, b.status, b.requested_by FROM slot_holds h"
            " JOIN bookings b ON b.booking_id = h.booking_id WHERE h.slot_id = :s"
        ),
        {"s": slot_id},
    ).first()
    return None if row is None else Holder(**row._mapping)


def get_booking(conn: sa.Connection, *, booking_id: int) -> BookingState | None:
    row = conn.execute(
        sa.text(
            "SELECT b.slot_id, b.workstream_id, b.status, b.purpose, b.product_id, s.event_id,"
            " s.starts_utc, s.ends_utc, s.tz, s.title, e.kind, e.status AS event_status,"
            " e.uid AS event_uid"
            " FROM bookings b JOIN slots s ON s.slot_id = b.slot_id"
            " JOIN events e ON e.event_id = s.event_id WHERE b.booking_id = :b"
        ),
        {"b": booking_id},
    ).first()
    return None if row is None else BookingState(**row._mapping)


def find_occupant(conn: sa.Connection, *, event_id: int, units: list[int]) -> Occupant | None:
    """A confirmed booking of the meeting holding any of these 5-minute units."""
    if not units:
        return None
    row = conn.execute(
        sa.text(
            "SELECT b.workstream_id, s.starts_utc, s.ends_utc FROM booking_occupancy o"
            " JOIN bookings b ON b.booking_id = o.booking_id"
            " JOIN slots s ON s.slot_id = b.slot_id"
            " WHERE o.event_id = :e AND o.unit IN :units LIMIT 1"
        ).bindparams(sa.bindparam("units", expanding=True)),
        {"e": event_id, "units": list(units)},
    ).first()
    return None if row is None else Occupant(**row._mapping)


def get_workstream_name(conn: sa.Connection, *, workstream_id: str) -> str:
    name = conn.execute(
        sa.text("SELECT name FROM workstreams WHERE workstream_id = :ws"), {"ws": workstream_id}
    ).scalar()
    return name or workstream_id


# Writes -------------------------------------------------------------------------------------


class SlotRecordIn(BaseModel):
    event_id: int
    starts_utc: datetime
    ends_utc: datetime
    tz: str
    title: str
    created_by: str


class BookingRecordIn(BaseModel):
    slot_id: int
    workstream_id: str
    requested_by: str
    purpose: str
    product_id: int | None
    created_at_utc: datetime


def insert_slot(conn: sa.Connection, record: SlotRecordIn) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO slots (event_id, starts_utc, ends_utc, tz, title, created_by)"
            " VALUES (:event_id, :starts_utc, :ends_utc, :tz, :title, :created_by)"
            " RETURNING slot_id"
        ),
        record.model_dump(),
    ).scalar()


def insert_booking(conn: sa.Connection, record: BookingRecordIn, *, target_m49s: list[int]) -> int:
    """A requested booking and its targeted Champions."""
    booking_id = conn.execute(
        sa.text(
            "INSERT INTO bookings (slot_id, workstream_id, requested_by, purpose, product_id,"
            " status, created_at_utc) VALUES (:slot_id, :workstream_id, :requested_by, :purpose,"
            " :product_id, 'requested', :created_at_utc) RETURNING booking_id"
        ),
        record.model_dump(),
    ).scalar()
    if target_m49s:
        conn.execute(
            sa.text("INSERT INTO booking_targets (booking_id, m49) VALUES (:b, :m)"),
            [{"b": booking_id, "m": m} for m in target_m49s],
        )
    return booking_id


def insert_slot_hold(conn, *, slot_id: int, booking_id: int) -> None:
    """The guard: a second active request for the slot collides on this key."""
    _execute(
        conn,
        "INSERT INTO slot_holds (slot_id, booking_id) VALUES (:s, :b)",
        {"s": slot_id, "b": booking_id},
    )


def insert_confirmation(
    conn: sa.Connection, *, slot_id: int, booking_id: int, event_id: int, units: list[int]
) -> None:
    """The guards of a confirmation: the slot key and one occupancy key per 5-minute unit."""
    conn.execute(
        sa.text("INSERT INTO slot_confirmations (slot_id, booking_id) VALUES (:s, :b)"),
        {"s": slot_id, "b": booking_id},
    )
    insert_occupancy(conn, [(event_id, u, booking_id) for u in units])


def insert_occupancy(conn, rows: list[tuple[int, int, int]]) -> None:
    """(event_id, unit, booking_id) rows of booking_occupancy."""
    if rows:
        _execute(
            conn,
            "INSERT INTO booking_occupancy (event_id, unit, booking_id) VALUES (:e, :u, :b)",
            [{"e": e, "u": u, "b": b} for e, u, b in rows],
        )


def insert_booking_agenda_item(
    conn: sa.Connection,
    *,
    event_id: int,
    booking_id: int,
    starts_utc: datetime,
    ends_utc: datetime,
    title: str,
    presenter: str,
    product_id: int | None,
) -> int:
    """The agenda item a confirmed booking puts in its meeting (events family's table)."""
    return conn.execute(
        sa.text(
            "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter,"
            " product_id, booking_id) VALUES (:e, :s, :en, :t, :pr, :p, :b) RETURNING item_id"
        ),
        {
            "e": event_id,
            "s": starts_utc,
            "en": ends_utc,
            "t": title,
            "pr": presenter,
            "p": product_id,
            "b": booking_id,
        },
    ).scalar()


def delete_booking_keys(conn: sa.Connection, *, booking_id: int) -> None:
    """Free a booking's slot hold, confirmation and meeting time."""
    for table in ("slot_holds", "slot_confirmations", "booking_occupancy"):
        conn.execute(
            sa.text(f"DELETE FROM {table} WHERE booking_id = :b"),  # noqa: S608 (constant)
            {"b": booking_id},
        )


def delete_booking_agenda_item(conn: sa.Connection, *, booking_id: int) -> None:
    """Remove the agenda item a booking made (events family's table)."""
    conn.execute(sa.text("DELETE FROM agenda_items WHERE booking_id = :b"), {"b": booking_id})


def update_booking_decision(
    conn: sa.Connection,
    *,
    booking_id: int,
    status: str,
    decided_by: str | None,
    decided_at_utc: datetime,
    note: str | None,
) -> None:
    conn.execute(
        sa.text(
            "UPDATE bookings SET status = :st, decided_by = :by, decided_at_utc = :at,"
            " decision_note = :note WHERE booking_id = :b"
        ),
        {"st": status, "by": decided_by, "at": decided_at_utc, "note": note, "b": booking_id},
    )


def update_booking_withdrawn(conn: sa.Connection, *, booking_id: int, at_utc: datetime) -> None:
    conn.execute(
        sa.text(
            "UPDATE bookings SET status = 'withdrawn', decided_at_utc = :at WHERE booking_id = :b"
        ),
        {"at": at_utc, "b": booking_id},
    )


# Demo seeding (bookings written without their keys) ------------------------------------------


def hold_unheld_slots(conn) -> None:
    """Give each slot with active bookings but no hold a hold by its first such booking."""
    _execute(
        conn,
        "INSERT INTO slot_holds (slot_id, booking_id) SELECT slot_id, min(booking_id)"
        " FROM bookings WHERE status IN ('requested', 'confirmed')"
        " AND slot_id NOT IN (SELECT slot_id FROM slot_holds) GROUP BY slot_id",
    )


def list_unoccupied_confirmations(conn) -> list[tuple[int, int, datetime, datetime]]:
    """(booking_id, event_id, starts_utc, ends_utc) of confirmed bookings holding no meeting time."""
    result = _execute(
        conn,
        "SELECT b.booking_id, s.event_id, s.starts_utc, s.ends_utc FROM slot_confirmations c"
        " JOIN bookings b ON b.booking_id = c.booking_id JOIN slots s ON s.slot_id = c.slot_id"
        " WHERE b.booking_id NOT IN (SELECT booking_id FROM booking_occupancy)",
    )
    return [tuple(r) for r in (result.all() if hasattr(result, "all") else result.fetchall())]

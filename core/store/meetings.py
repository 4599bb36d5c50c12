"""The meetings family: registrations, quota_seats, capacity_seats, attendance, office_support,
materials (read) and offhours_history.

The participation rules are keys: quota_seats (one row per held seat of a Champion country x
EC agency) and capacity_seats (one row per place in the room). Writes that take seats go
through `write_in_turn`: on PostgreSQL, SERIALIZABLE transactions retried by `db.write` when
two sessions collide; on DuckDB, which one process holds, that process's seat writes run one
at a time, so a second request always sees the first one's seat.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db

T = TypeVar("T")
SEAT_WRITE_ATTEMPTS = 30  # 20+ simultaneous requests for one meeting collide in turn

_TURNS: dict[str, threading.RLock] = {}
_TURNS_LOCK = threading.Lock()


def write_in_turn(
    db: Db, fn: Callable[[sa.Connection], T], *, attempts: int = SEAT_WRITE_ATTEMPTS
) -> T:
    """Run `fn(conn)` in one transaction of `db.write`, one at a time per DuckDB file.

    DuckDB reports a key taken by a concurrent transaction as a constraint error, not as a
    conflict, so this process takes its turns; PostgreSQL's SERIALIZABLE transactions report
    the collision as a conflict, which `db.write` retries.
    """
    if db.kind != "duckdb":
        return db.write(fn, attempts=attempts)
    with _TURNS_LOCK:
        turn = _TURNS.setdefault(db.target, threading.RLock())
    with turn:
        return db.write(fn, attempts=attempts)


# Events and reference rows the rules read -------------------------------------------------


class MeetingRules(BaseModel):
    title: str
    capacity: int | None
    quota_per_country_agency: int
    open_to_non_champions: bool
    status: str


class MeetingTimes(BaseModel):
    starts_utc: datetime
    ends_utc: datetime
    tz: str


def get_meeting_rules(conn: sa.Connection, *, event_id: int) -> MeetingRules | None:
    row = conn.execute(
        sa.text(
            "SELECT title, capacity, quota_per_country_agency, open_to_non_champions, status"
            " FROM events WHERE event_id = :e"
        ),
        {"e": event_id},
    ).first()
    return None if row is None else MeetingRules(**row._mapping)


def get_meeting_times(db: Db, *, event_id: int) -> MeetingTimes | None:
    row = db.one("SELECT starts_utc, ends_utc, tz FROM events WHERE event_id = :e", e=event_id)
    return None if row is None else MeetingTimes(**row._mapping)


def get_country_standing(conn: sa.Connection, *, m49: int) -> tuple[str, bool] | None:
    """The country's name and whether it is an active Champion; None for an unknown code."""
    row = conn.execute(
        sa.text(
            "SELECT k.name_en, c.m49 IS NOT NULL AND c.status = 'active' FROM countries k"
            " LEFT JOIN champions c ON c.m49 = k.m49 WHERE k.m49 = :m"
        ),
        {"m": m49},
    ).first()
    return None if row is None else (row[0], bool(row[1]))


def agency_exists(conn: sa.Connection, *, agency_id: str) -> bool:
    return bool(
        conn.execute(
            sa.text("SELECT count(*) FROM agencies WHERE agency_id = :a"), {"a": agency_id}
        ).scalar()
    )


def list_country_codes(db: Db) -> list[tuple[int, str | None, str | None, str]]:
    """Every country's (m49, iso2, iso3, name_en), for reading countries named in a file."""
    return [tuple(r) for r in db.rows("SELECT m49, iso2, iso3, name_en FROM countries")]


# Registrations and seats -----------------------------------------------------------------


class RegistrationRow(BaseModel):
    registration_id: int
    event_id: int
    participant_name: str
    email: str
    status: str
    agency_id: str | None


class RegistrationValues(BaseModel):
    """The columns a registration (or its return after a cancellation) sets."""

    participant_name: str
    m49: int | None
    organisation: str | None
    category: str
    agency_id: str | None
    status: str
    updated_at_utc: datetime


_REGISTRATION = (
    "SELECT registration_id, event_id, participant_name, email, status, agency_id"
    " FROM registrations"
)


def get_registration(conn: sa.Connection, *, registration_id: int) -> RegistrationRow | None:
    row = conn.execute(
        sa.text(_REGISTRATION + " WHERE registration_id = :r"), {"r": registration_id}
    ).first()
    return None if row is None else RegistrationRow(**row._mapping)


def get_registration_by_email(
    conn: sa.Connection, *, event_id: int, email: str
) -> RegistrationRow | None:
    row = conn.execute(
        sa.text(_REGISTRATION + " WHERE event_id = :e AND email = :m"),
        {"e": event_id, "m": email},
    ).first()
    return None if row is None else RegistrationRow(**row._mapping)


def get_first_waitlisted(conn: sa.Connection, *, event_id: int) -> RegistrationRow | None:
    row = conn.execute(
        sa.text(
            _REGISTRATION + " WHERE event_id = :e AND status = 'waitlisted'"
            " ORDER BY created_at_utc, registration_id LIMIT 1"
        ),
        {"e": event_id},
    ).first()
    return None if row is None else RegistrationRow(**row._mapping)


def list_registration_statuses(conn: sa.Connection, *, event_id: int) -> dict[str, tuple[int, str]]:
    """Each registered e-mail (lower case) of a meeting: its registration_id and status."""
    rows = conn.execute(
        sa.text(
            "SELECT lower(email), registration_id, status FROM registrations WHERE event_id = :e"
        ),
        {"e": event_id},
    ).all()
    return {email: (rid, status) for email, rid, status in rows}


def insert_registration(
    conn: sa.Connection,
    *,
    event_id: int,
    email: str,
    values: RegistrationValues,
    created_at_utc: datetime,
) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO registrations (participant_name, m49, organisation, category, agency_id,"
            " status, updated_at_utc, created_at_utc, event_id, email) VALUES (:participant_name,"
            " :m49, :organisation, :category, :agency_id, :status, :updated_at_utc, :created,"
            " :event_id, :email) RETURNING registration_id"
        ),
        {**values.model_dump(), "created": created_at_utc, "event_id": event_id, "email": email},
    ).scalar()


def update_registration(
    conn: sa.Connection, *, registration_id: int, values: RegistrationValues
) -> None:
    conn.execute(
        sa.text(
            "UPDATE registrations SET participant_name = :participant_name, m49 = :m49,"
            " organisation = :organisation, category = :category, agency_id = :agency_id,"
            " status = :status, updated_at_utc = :updated_at_utc WHERE registration_id = :r"
        ),
        {**values.model_dump(), "r": registration_id},
    )


def update_registration_status(
    conn: sa.Connection, *, registration_id: int, status: str, updated_at_utc: datetime
) -> None:
    conn.execute(
        sa.text(
            "UPDATE registrations SET status = :s, updated_at_utc = :t WHERE registration_id = :r"
        ),
        {"s": status, "t": updated_at_utc, "r": registration_id},
    )


def list_quota_holders(
    conn: sa.Connection, *, event_id: int, m49: int, agency_id: str
) -> list[tuple[int, str]]:
    """(seat_no, participant_name) of each quota seat of one country x agency at a meeting."""
    rows = conn.execute(
        sa.text(
            "SELECT q.seat_no, r.participant_name FROM quota_seats q"
            " JOIN registrations r ON r.registration_id = q.registration_id"
            " WHERE q.event_id = :e AND q.m49 = :m AND q.agency_id = :a ORDER BY q.seat_no"
        ),
        {"e": event_id, "m": m49, "a": agency_id},
    ).all()
    return [(seat, name) for seat, name in rows]


def list_capacity_seat_numbers(conn: sa.Connection, *, event_id: int) -> list[int]:
    return list(
        conn.execute(
            sa.text("SELECT seat_no FROM capacity_seats WHERE event_id = :e ORDER BY seat_no"),
            {"e": event_id},
        ).scalars()
    )


def get_capacity_seat(conn: sa.Connection, *, registration_id: int) -> int | None:
    return conn.execute(
        sa.text("SELECT seat_no FROM capacity_seats WHERE registration_id = :r"),
        {"r": registration_id},
    ).scalar()


def insert_quota_seat(
    conn: sa.Connection,
    *,
    event_id: int,
    m49: int,
    agency_id: str,
    seat_no: int,
    registration_id: int,
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO quota_seats (event_id, m49, agency_id, seat_no, registration_id)"
            " VALUES (:e, :m, :a, :s, :r)"
        ),
        {"e": event_id, "m": m49, "a": agency_id, "s": seat_no, "r": registration_id},
    )


def insert_capacity_seat(
    conn: sa.Connection, *, event_id: int, seat_no: int, registration_id: int
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO capacity_seats (event_id, seat_no, registration_id) VALUES (:e, :s, :r)"
        ),
        {"e": event_id, "s": seat_no, "r": registration_id},
    )


def delete_registration_seats(conn: sa.Connection, *, registration_id: int) -> None:
    for table in ("quota_seats", "capacity_seats"):
        conn.execute(
            sa.text(f"DELETE FROM {table} WHERE registration_id = :r"),  # noqa: S608 (constant)
            {"r": registration_id},
        )


def list_registrations(db: Db, *, event_id: int, agency_id: str | None) -> pd.DataFrame:
    """A meeting's registrations with their seats; of one agency when `agency_id` is given."""
    return db.frame(
        "SELECT r.registration_id, r.participant_name, r.email, k.name_en AS country,"
        " r.organisation, r.category, r.agency_id, r.status, r.is_demo,"
        " q.seat_no AS quota_seat, s.seat_no AS capacity_seat, r.created_at_utc"
        " FROM registrations r LEFT JOIN countries k ON k.m49 = r.m49"
        " LEFT JOIN quota_seats q ON q.registration_id = r.registration_id"
        " LEFT JOIN capacity_seats s ON s.registration_id = r.registration_id"
        " WHERE r.event_id = :e AND (CAST(:a AS VARCHAR) IS NULL OR r.agency_id = :a)"
        " ORDER BY r.status, r.created_at_utc, r.registration_id",
        e=event_id,
        a=agency_id,
    )


def count_registrations(db: Db, *, event_id: int) -> pd.DataFrame:
    """People per category and status of one meeting."""
    return db.frame(
        "SELECT category, status, count(*) AS people FROM registrations WHERE event_id = :e"
        " GROUP BY category, status ORDER BY category, status",
        e=event_id,
    )


# Attendance -------------------------------------------------------------------------------


class AttendanceIn(BaseModel):
    registration_id: int
    joined_utc: datetime | None
    left_utc: datetime | None
    minutes: int | None
    source: str


def upsert_attendance(conn: sa.Connection, row: AttendanceIn) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO attendance (registration_id, joined_utc, left_utc, minutes, source)"
            " VALUES (:registration_id, :joined_utc, :left_utc, :minutes, :source)"
            " ON CONFLICT (registration_id) DO UPDATE SET joined_utc = excluded.joined_utc,"
            " left_utc = excluded.left_utc, minutes = excluded.minutes, source = excluded.source"
        ),
        row.model_dump(),
    )


def delete_attendance(conn: sa.Connection, *, registration_id: int) -> None:
    conn.execute(
        sa.text("DELETE FROM attendance WHERE registration_id = :r"), {"r": registration_id}
    )


def delete_attendance_engagement(conn: sa.Connection, *, registration_id: int) -> None:
    """Drop the engagement entry an attendance made (engagements' own rule re-derives the rest)."""
    conn.execute(
        sa.text("DELETE FROM engagements WHERE source_ref = :ref"),
        {"ref": f"attendance:{registration_id}"},
    )


# Statistics grouped by one of a fixed set of expressions (never user text).
_ATTENDANCE_GROUPS = {
    "meeting": "e.title || ' (' || CAST(CAST(e.starts_utc AS DATE) AS VARCHAR) || ')'",
    "country": "coalesce(k.name_en, '(no country)')",
    "agency": "coalesce(r.agency_id, '(not via an EC agency)')",
}


def count_attendance(
    db: Db, *, by: str, before_utc: datetime, event_id: int | None = None
) -> pd.DataFrame:
    """Registered, attended and average minutes per meeting, country or agency, of meetings
    starting before `before_utc` (and of one meeting with `event_id`)."""
    expr = _ATTENDANCE_GROUPS[by]
    return db.frame(
        f"SELECT {expr} AS {by},"  # noqa: S608 (fixed expressions)
        " count(*) FILTER (WHERE r.status IN ('requested', 'confirmed', 'attended')) AS registered,"
        " count(*) FILTER (WHERE r.status = 'attended') AS attended,"
        " CAST(round(avg(a.minutes)) AS DOUBLE PRECISION) AS avg_minutes"
        " FROM registrations r JOIN events e ON e.event_id = r.event_id"
        " LEFT JOIN countries k ON k.m49 = r.m49"
        " LEFT JOIN attendance a ON a.registration_id = r.registration_id"
        " WHERE e.starts_utc < :before AND (CAST(:e AS INTEGER) IS NULL OR e.event_id = :e)"
        " GROUP BY 1 ORDER BY 1",
        before=before_utc,
        e=event_id,
    )


# Meetings, materials and office support ---------------------------------------------------

MEETING_KINDS = ("champions_meeting", "technical_meeting", "webinar", "peer_learning")


def list_meetings(db: Db) -> pd.DataFrame:
    """Meetings that take registrations, with counts per registration status."""
    return db.frame(
        "SELECT e.event_id, e.title, e.kind, e.starts_utc, e.tz, e.capacity,"
        " e.quota_per_country_agency, e.open_to_non_champions, e.is_demo,"
        " count(r.registration_id) FILTER (WHERE r.status IN ('confirmed', 'attended'))"
        " AS confirmed,"
        " count(r.registration_id) FILTER (WHERE r.status = 'attended') AS attended,"
        " count(r.registration_id) FILTER (WHERE r.status = 'waitlisted') AS waitlisted"
        " FROM events e LEFT JOIN registrations r ON r.event_id = e.event_id"
        " WHERE e.kind IN ('champions_meeting', 'technical_meeting', 'webinar', 'peer_learning')"
        " GROUP BY e.event_id, e.title, e.kind, e.starts_utc, e.tz, e.capacity,"
        " e.quota_per_country_agency, e.open_to_non_champions, e.is_demo"
        " ORDER BY e.starts_utc"
    )


def get_meeting(db: Db, *, event_id: int) -> dict | None:
    """One meeting's public fields and how many Champions are invited (never join details)."""
    df = db.frame(
        "SELECT e.event_id, e.title, e.kind, e.audience, e.workstream_id, e.starts_utc,"
        " e.ends_utc, e.tz, e.location, e.description, e.status, e.capacity,"
        " e.quota_per_country_agency, e.open_to_non_champions, e.is_demo, e.source,"
        " (SELECT count(*) FROM event_invitees i WHERE i.event_id = e.event_id) AS invited"
        " FROM events e WHERE e.event_id = :e",
        e=event_id,
    )
    return None if df.empty else df.iloc[0].to_dict()


class JoinDetailsRow(BaseModel):
    url: str | None
    meeting_number: str | None
    password: str | None
    dial_in: str | None


def get_join_details(db: Db, *, event_id: int) -> JoinDetailsRow | None:
    row = db.one(
        "SELECT url, meeting_number, password, dial_in FROM event_join_details WHERE event_id = :e",
        e=event_id,
    )
    return None if row is None else JoinDetailsRow(**row._mapping)


def list_materials(db: Db, *, event_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT title, lang, url FROM materials WHERE event_id = :e ORDER BY title, lang",
        e=event_id,
    )


def list_meeting_products(db: Db, *, event_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT p.product_id, p.title_en AS product, p.workstream_id, p.stage"
        " FROM event_products ep JOIN products p ON p.product_id = ep.product_id"
        " WHERE ep.event_id = :e ORDER BY p.title_en",
        e=event_id,
    )


def list_champion_codes(conn: sa.Connection, *, m49s: list[int]) -> set[int]:
    """Which of the given codes are Champion countries."""
    if not m49s:
        return set()
    return set(
        conn.execute(
            sa.text("SELECT m49 FROM champions WHERE m49 IN :m").bindparams(
                sa.bindparam("m", expanding=True)
            ),
            {"m": list(m49s)},
        ).scalars()
    )


def list_office_support_codes(conn: sa.Connection, *, event_id: int, agency_id: str) -> list[int]:
    return list(
        conn.execute(
            sa.text(
                "SELECT m49 FROM office_support WHERE event_id = :e AND agency_id = :a ORDER BY m49"
            ),
            {"e": event_id, "a": agency_id},
        ).scalars()
    )


def replace_office_support(
    conn: sa.Connection, *, event_id: int, agency_id: str, m49s: list[int], note: str | None
) -> None:
    params = {"e": event_id, "a": agency_id}
    conn.execute(
        sa.text("DELETE FROM office_support WHERE event_id = :e AND agency_id = :a"), params
    )
    if m49s:
        conn.execute(
            sa.text(
                "INSERT INTO office_support (event_id, agency_id, m49, note)"
                " VALUES (:e, :a, :m, :n)"
            ),
            [{**params, "m": m, "n": note} for m in m49s],
        )


def list_office_support(db: Db, *, event_id: int, agency_id: str | None) -> pd.DataFrame:
    return db.frame(
        "SELECT k.name_en AS country, o.m49, o.agency_id, o.note FROM office_support o"
        " JOIN countries k ON k.m49 = o.m49 WHERE o.event_id = :e"
        " AND (CAST(:a AS VARCHAR) IS NULL OR o.agency_id = :a) ORDER BY country",
        e=event_id,
        a=agency_id,
    )


def list_champion_options(db: Db) -> pd.DataFrame:
    return db.frame(
        "SELECT c.m49, k.name_en AS country, c.capital_tz FROM champions c"
        " JOIN countries k ON k.m49 = c.m49 WHERE c.status = 'active' ORDER BY k.name_en"
    )


def list_country_options(db: Db) -> pd.DataFrame:
    return db.frame(
        "SELECT k.m49, k.name_en AS country, c.m49 IS NOT NULL AS is_champion FROM countries k"
        " LEFT JOIN champions c ON c.m49 = k.m49 ORDER BY k.name_en"
    )


def list_agencies(db: Db) -> pd.DataFrame:
    return db.frame("SELECT agency_id, name, is_ec_member FROM agencies ORDER BY agency_id")


# The slot finder's rotation ---------------------------------------------------------------


class InviteeRow(BaseModel):
    m49: int
    country: str
    tz: str


def list_champion_zones(db: Db, *, m49s: list[int] | None = None) -> list[InviteeRow]:
    """Active Champions (all, or those given) with their capitals' zones, by name."""
    sql = (
        "SELECT c.m49, k.name_en AS country, c.capital_tz AS tz FROM champions c"
        " JOIN countries k ON k.m49 = c.m49 WHERE c.status = 'active'"
    )
    params: dict = {}
    if m49s is not None:
        if not m49s:
            return []
        sql += " AND c.m49 IN :m"
        params["m"] = list(m49s)
    stmt = sa.text(sql + " ORDER BY k.name_en")
    if m49s is not None:
        stmt = stmt.bindparams(sa.bindparam("m", expanding=True))
    with db.reading() as conn:
        return [InviteeRow(**r._mapping) for r in conn.execute(stmt, params)]


def count_offhours_sessions(db: Db) -> dict[int, int]:
    return dict(db.rows("SELECT m49, count(*) FROM offhours_history GROUP BY m49"))


def list_offhours_burden(db: Db) -> pd.DataFrame:
    return db.frame(
        "SELECT k.name_en AS country, count(*) AS sessions_off_hours,"
        " sum(h.minutes_off) AS minutes_off_hours, max(h.starts_utc) AS last_starts_utc"
        " FROM offhours_history h JOIN countries k ON k.m49 = h.m49 GROUP BY k.name_en"
        " ORDER BY sessions_off_hours DESC, country"
    )


class OffhoursIn(BaseModel):
    m49: int
    starts_utc: datetime
    minutes_off: int
    label: str
    recorded_by: str
    recorded_at_utc: datetime


def insert_offhours(conn: sa.Connection, rows: list[OffhoursIn]) -> None:
    if rows:
        conn.execute(
            sa.text(
                "INSERT INTO offhours_history (m49, starts_utc, minutes_off, label, recorded_by,"
                " recorded_at_utc) VALUES (:m49, :starts_utc, :minutes_off, :label,"
                " :recorded_by, :recorded_at_utc)"
            ),
            [r.model_dump() for r in rows],
        )

"""The engagement log (engagements), its views, and the consultation-load setting (app_settings).

Reads take the `Db`; writes take the `Connection` of the caller's `db.write(fn)` transaction.
`sync_derived_engagements`, `count_requests_at_cap` and `get_setting` are also called by modules
not yet moved into the store with their DuckDB cursor, inside their own transactions: those
accept a `Db`, an SQLAlchemy `Connection` or a DuckDB cursor alike
(see `core.store.champions.run`).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db
from core.store.champions import frame, run

# Derived entries ---------------------------------------------------------------------------

_SYNC = (
    """
    DELETE FROM engagements
    WHERE (source = 'attendance' AND source_ref NOT IN (
              SELECT 'attendance:' || CAST(registration_id AS VARCHAR) FROM registrations
              WHERE status = 'attended' AND category = 'champion_delegate'))
       OR (source = 'feedback' AND source_ref NOT IN (
              SELECT 'feedback:' || CAST(feedback_id AS VARCHAR) FROM feedback))
    """,
    """
    INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id, event_id, note,
                             source, source_ref, is_demo, created_by)
    SELECT r.m49, CAST(e.starts_utc AS DATE), 'meeting', e.workstream_id, NULL, e.event_id,
           'Attended ' || e.title, 'attendance',
           'attendance:' || CAST(r.registration_id AS VARCHAR), r.is_demo, 'system'
    FROM registrations r
    JOIN events e ON e.event_id = r.event_id
    JOIN champions c ON c.m49 = r.m49
    WHERE r.status = 'attended' AND r.category = 'champion_delegate'
      AND NOT EXISTS (SELECT 1 FROM engagements g
                      WHERE g.source_ref = 'attendance:' || CAST(r.registration_id AS VARCHAR))
    """,
    """
    INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id, event_id, note,
                             source, source_ref, is_demo, created_by)
    SELECT f.m49, f.received_on, CASE WHEN f.channel = 'hub' THEN 'hub' ELSE 'feedback' END,
           p.workstream_id, f.product_id, NULL, 'Feedback on ' || p.title_en, 'feedback',
           'feedback:' || CAST(f.feedback_id AS VARCHAR), f.is_demo, 'system'
    FROM feedback f JOIN products p ON p.product_id = f.product_id
    WHERE NOT EXISTS (SELECT 1 FROM engagements g
                      WHERE g.source_ref = 'feedback:' || CAST(f.feedback_id AS VARCHAR))
    """,
)


def sync_derived_engagements(conn) -> None:
    """Drop derived entries whose source is gone, add those not yet logged (idempotent)."""
    for sql in _SYNC:
        run(conn, sql)


# Views -------------------------------------------------------------------------------------

# Both sides of a peer-learning exchange count as engaged: the partner gets a mirrored row.
_LOG = """
    SELECT g.engagement_id, g.m49, g.occurred_on, g.kind, g.workstream_id, g.product_id,
           g.event_id, g.partner_m49, g.note, g.source, g.is_demo
    FROM engagements g
    UNION ALL
    SELECT g.engagement_id, g.partner_m49, g.occurred_on, g.kind, g.workstream_id, g.product_id,
           g.event_id, g.m49, g.note, g.source, g.is_demo
    FROM engagements g WHERE g.partner_m49 IS NOT NULL
"""


def list_champion_names(db: Db, *, active_only: bool = False) -> pd.DataFrame:
    return frame(
        db,
        "SELECT c.m49, k.iso3, k.name_en AS country FROM champions c"
        " JOIN countries k ON k.m49 = c.m49"
        " WHERE c.status = 'active' OR NOT CAST(:active AS BOOLEAN) ORDER BY k.name_en",
        active=active_only,
    )


def list_log_dates(db: Db, *, start: date, end: date) -> pd.DataFrame:
    """Each log row (peer exchanges twice) of a Champion with start <= occurred_on < end."""
    return frame(
        db,
        f"WITH log AS ({_LOG}) SELECT l.m49, l.occurred_on FROM log l"  # noqa: S608
        " JOIN champions c ON c.m49 = l.m49"
        " WHERE l.occurred_on >= :start AND l.occurred_on < :end",
        dates=("occurred_on",),
        start=start,
        end=end,
    )


def list_last_engagements(db: Db) -> pd.DataFrame:
    """Every active Champion with its last engagement date and count (never engaged first)."""
    return frame(
        db,
        f"""
        WITH log AS ({_LOG})
        SELECT k.iso3, k.name_en AS country, max(l.occurred_on) AS last_engaged,
               count(l.engagement_id) AS engagements
        FROM champions c JOIN countries k ON k.m49 = c.m49 LEFT JOIN log l ON l.m49 = c.m49
        WHERE c.status = 'active'
        GROUP BY k.iso3, k.name_en ORDER BY last_engaged NULLS FIRST, country
        """,  # noqa: S608  (constant query text only)
        dates=("last_engaged",),
    )


def list_workstream_engagements(db: Db) -> pd.DataFrame:
    """Per active Champion and workstream ('Network-wide' for none): count and last date."""
    return frame(
        db,
        f"""
        WITH log AS ({_LOG})
        SELECT k.name_en AS country, coalesce(l.workstream_id, 'Network-wide') AS workstream,
               count(*) AS engagements, max(l.occurred_on) AS last_engaged
        FROM champions c JOIN countries k ON k.m49 = c.m49 JOIN log l ON l.m49 = c.m49
        WHERE c.status = 'active'
        GROUP BY k.name_en, coalesce(l.workstream_id, 'Network-wide')
        ORDER BY country, workstream
        """,  # noqa: S608  (constant query text only)
        dates=("last_engaged",),
    )


def list_peer_pairs(db: Db) -> pd.DataFrame:
    return frame(
        db,
        """
        SELECT a.name_en AS champion_a, b.name_en AS champion_b, count(*) AS exchanges,
               max(g.occurred_on) AS last_exchange, bool_and(g.is_demo) AS is_demo
        FROM engagements g
        JOIN countries a ON a.m49 = least(g.m49, g.partner_m49)
        JOIN countries b ON b.m49 = greatest(g.m49, g.partner_m49)
        WHERE g.kind = 'peer_learning' AND g.partner_m49 IS NOT NULL
        GROUP BY a.name_en, b.name_en ORDER BY last_exchange DESC, champion_a
        """,
        dates=("last_exchange",),
    )


def list_timeline(db: Db, *, iso3: str) -> pd.DataFrame:
    return frame(
        db,
        f"""
        WITH log AS ({_LOG})
        SELECT l.occurred_on, l.kind, l.workstream_id AS workstream, p.title_en AS product,
               e.title AS meeting, pk.name_en AS partner, l.note, l.source, l.is_demo
        FROM log l
        JOIN countries k ON k.m49 = l.m49
        LEFT JOIN products p ON p.product_id = l.product_id
        LEFT JOIN events e ON e.event_id = l.event_id
        LEFT JOIN countries pk ON pk.m49 = l.partner_m49
        WHERE k.iso3 = :iso3
        ORDER BY l.occurred_on DESC, l.engagement_id DESC
        """,  # noqa: S608  (constant query text only)
        dates=("occurred_on",),
        iso3=iso3,
    )


def list_champion_meetings(db: Db, *, iso3: str) -> pd.DataFrame:
    return frame(
        db,
        """
        SELECT e.starts_utc, e.tz, e.title, e.workstream_id AS workstream,
               count(*) FILTER (WHERE r.status = 'attended') AS attended,
               count(*) FILTER (WHERE r.status <> 'cancelled') AS registered
        FROM registrations r JOIN events e ON e.event_id = r.event_id
        JOIN countries k ON k.m49 = r.m49
        WHERE k.iso3 = :iso3 AND r.category = 'champion_delegate'
        GROUP BY e.event_id, e.starts_utc, e.tz, e.title, e.workstream_id
        ORDER BY e.starts_utc DESC
        """,
        iso3=iso3,
    )


def list_champion_feedback(db: Db, *, iso3: str) -> pd.DataFrame:
    return frame(
        db,
        """
        SELECT f.received_on, p.title_en AS product, p.workstream_id AS workstream, f.lang,
               f.channel, f.summary
        FROM feedback f JOIN products p ON p.product_id = f.product_id
        JOIN countries k ON k.m49 = f.m49
        WHERE k.iso3 = :iso3
        ORDER BY f.received_on DESC
        """,
        dates=("received_on",),
        iso3=iso3,
    )


# Hand entries ------------------------------------------------------------------------------


class EngagementValues(BaseModel):
    m49: int
    occurred_on: date
    kind: str
    workstream_id: str | None = None
    product_id: int | None = None
    partner_m49: int | None = None
    note: str | None = None


class EngagementRecord(BaseModel):
    """An entry as the hand-entry form shows it (the audit's 'before'), with its source."""

    iso3: str
    occurred_on: date
    kind: str
    workstream_id: str | None = None
    product_id: int | None = None
    partner_iso3: str | None = None
    note: str | None = None
    source: str


def get_champion_m49(conn: sa.Connection, *, iso3: str) -> int | None:
    return conn.execute(
        sa.text(
            "SELECT c.m49 FROM champions c JOIN countries k ON k.m49 = c.m49 WHERE k.iso3 = :iso3"
        ),
        {"iso3": iso3},
    ).scalar()


def get_product_workstream(conn: sa.Connection, *, product_id: int) -> tuple[bool, str | None]:
    """(whether the product exists, its workstream)."""
    row = conn.execute(
        sa.text("SELECT workstream_id FROM products WHERE product_id = :p"), {"p": product_id}
    ).first()
    return (False, None) if row is None else (True, row[0])


def insert_engagement(conn: sa.Connection, values: EngagementValues, *, created_by: str) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id,"
            " partner_m49, note, source, created_by) VALUES (:m49, :occurred_on, :kind,"
            " :workstream_id, :product_id, :partner_m49, :note, 'manual', :created_by)"
            " RETURNING engagement_id"
        ),
        {**values.model_dump(), "created_by": created_by},
    ).scalar()


def get_engagement(conn: sa.Connection, *, engagement_id: int) -> EngagementRecord | None:
    row = conn.execute(
        sa.text(
            "SELECT k.iso3, g.occurred_on, g.kind, g.workstream_id, g.product_id,"
            " pk.iso3 AS partner_iso3, g.note, g.source"
            " FROM engagements g JOIN countries k ON k.m49 = g.m49"
            " LEFT JOIN countries pk ON pk.m49 = g.partner_m49 WHERE g.engagement_id = :e"
        ),
        {"e": engagement_id},
    ).first()
    return None if row is None else EngagementRecord(**row._mapping)


def update_engagement(conn: sa.Connection, *, engagement_id: int, values: EngagementValues) -> None:
    conn.execute(
        sa.text(
            "UPDATE engagements SET m49 = :m49, occurred_on = :occurred_on, kind = :kind,"
            " workstream_id = :workstream_id, product_id = :product_id,"
            " partner_m49 = :partner_m49, note = :note WHERE engagement_id = :engagement_id"
        ),
        {**values.model_dump(), "engagement_id": engagement_id},
    )


def delete_engagement(conn: sa.Connection, *, engagement_id: int) -> None:
    conn.execute(sa.text("DELETE FROM engagements WHERE engagement_id = :e"), {"e": engagement_id})


def list_hand_entries(db: Db, *, workstream_id: str | None = None) -> pd.DataFrame:
    return frame(
        db,
        "SELECT g.engagement_id, k.iso3, k.name_en AS country, g.occurred_on, g.kind,"
        " g.workstream_id, g.product_id, pk.iso3 AS partner_iso3, g.note, g.created_by"
        " FROM engagements g JOIN countries k ON k.m49 = g.m49"
        " LEFT JOIN countries pk ON pk.m49 = g.partner_m49"
        " WHERE g.source = 'manual'"
        " AND (CAST(:ws AS VARCHAR) IS NULL OR g.workstream_id = :ws)"
        " ORDER BY g.occurred_on DESC, g.engagement_id DESC",
        dates=("occurred_on",),
        ws=workstream_id,
    )


def list_product_choices(db: Db, *, workstream_id: str | None) -> pd.DataFrame:
    return frame(
        db,
        "SELECT product_id, title_en, workstream_id FROM products"
        " WHERE CAST(:ws AS VARCHAR) IS NULL OR workstream_id = :ws ORDER BY title_en",
        ws=workstream_id,
    )


# Settings and consultation load ------------------------------------------------------------


def get_setting(conn, *, key: str) -> str | None:
    rows = run(conn, "SELECT value FROM app_settings WHERE key = :key", key=key)
    return rows[0][0] if rows else None


def upsert_setting(conn: sa.Connection, *, key: str, value: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO app_settings (key, value) VALUES (:key, :value)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"key": key, "value": value},
    )


# A "request" to a Champion in a month: see core.engagement for what counts.
_REQUESTS = """
    SELECT i.m49, CAST(date_trunc('month', c.opens_on) AS DATE) AS month,
           'consultation' AS kind, p.workstream_id
    FROM consultation_invites i
    JOIN consultations c ON c.consultation_id = i.consultation_id
    JOIN products p ON p.product_id = c.product_id
    UNION ALL
    SELECT t.m49, CAST(date_trunc('month', s.starts_utc) AS DATE), 'booking', b.workstream_id
    FROM booking_targets t JOIN bookings b ON b.booking_id = t.booking_id
    JOIN slots s ON s.slot_id = b.slot_id
    WHERE b.status NOT IN ('declined', 'withdrawn')
    UNION ALL
    SELECT v.m49, CAST(date_trunc('month', e.starts_utc) AS DATE), 'event', e.workstream_id
    FROM event_invitees v JOIN events e ON e.event_id = v.event_id
    WHERE e.workstream_id IS NOT NULL AND e.status <> 'cancelled'
"""


def list_consultation_load(db: Db, *, start: date | None, end: date | None) -> pd.DataFrame:
    """Requests per Champion per month, by kind, months with a request; bounds inclusive."""
    return frame(
        db,
        f"""
        WITH req AS ({_REQUESTS})
        SELECT r.m49, k.name_en AS country, r.month,
               count(*) FILTER (WHERE r.kind = 'consultation') AS consultations,
               count(*) FILTER (WHERE r.kind = 'booking') AS bookings,
               count(*) FILTER (WHERE r.kind = 'event') AS events,
               count(*) AS requests
        FROM req r JOIN champions c ON c.m49 = r.m49 JOIN countries k ON k.m49 = r.m49
        WHERE (CAST(:start AS DATE) IS NULL OR r.month >= CAST(:start AS DATE))
          AND (CAST(:end AS DATE) IS NULL OR r.month <= CAST(:end AS DATE))
        GROUP BY r.m49, k.name_en, r.month ORDER BY r.month, country
        """,  # noqa: S608  (the f-string only inlines a constant query, never a value)
        dates=("month",),
        start=start,
        end=end,
    )


def count_requests_at_cap(conn, *, m49s: list[int], month: date, cap: int) -> list[tuple]:
    """(name, requests) of the Champions among `m49s` with at least `cap` requests in `month`."""
    return run(
        conn,
        f"""
        WITH req AS ({_REQUESTS})
        SELECT k.name_en, count(r.m49) AS requests
        FROM champions c JOIN countries k ON k.m49 = c.m49
        LEFT JOIN req r ON r.m49 = c.m49 AND r.month = :month
        WHERE c.m49 IN :m49s
        GROUP BY k.name_en HAVING count(r.m49) >= :cap
        ORDER BY k.name_en
        """,  # noqa: S608  (constant query text only)
        month=month,
        m49s=[int(m) for m in m49s],
        cap=cap,
    )

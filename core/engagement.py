"""Keep the Champion engagement log, including entries derived from attendance and feedback."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from core import audit
from core.db import transaction
from core.permissions import User, require


def sync_derived_engagements(cur: duckdb.DuckDBPyConnection) -> None:
    """Add log entries for attendance and product feedback not yet logged (idempotent)."""
    cur.execute(
        """
        INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id, event_id, note, source,
                                 source_ref, is_demo, created_by)
        SELECT r.m49, CAST(e.starts_utc AS DATE), 'meeting', e.workstream_id, NULL, e.event_id,
               'Attended ' || e.title, 'attendance', 'attendance:' || r.registration_id, r.is_demo, 'system'
        FROM registrations r
        JOIN events e USING (event_id)
        JOIN champions c ON c.m49 = r.m49
        WHERE r.status = 'attended' AND r.category = 'champion_delegate'
          AND NOT EXISTS (SELECT 1 FROM engagements g WHERE g.source_ref = 'attendance:' || r.registration_id)
        """
    )
    cur.execute(
        """
        INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id, event_id, note, source,
                                 source_ref, is_demo, created_by)
        SELECT f.m49, f.received_on, CASE WHEN f.channel = 'hub' THEN 'hub' ELSE 'feedback' END,
               p.workstream_id, f.product_id, NULL, 'Feedback on ' || p.title_en, 'feedback',
               'feedback:' || f.feedback_id, f.is_demo, 'system'
        FROM feedback f JOIN products p USING (product_id)
        WHERE NOT EXISTS (SELECT 1 FROM engagements g WHERE g.source_ref = 'feedback:' || f.feedback_id)
        """
    )


def engagement_by_month(con: duckdb.DuckDBPyConnection, *, year: int):
    """Return engagements per Champion and month for one year (for the heatmap)."""
    return (
        con.cursor()
        .execute(
            """
        SELECT k.name_en AS country, month(g.occurred_on) AS month, count(*) AS engagements
        FROM engagements g JOIN champions c USING (m49) JOIN countries k USING (m49)
        WHERE year(g.occurred_on) = ?
        GROUP BY ALL ORDER BY country, month
        """,
            [year],
        )
        .df()
    )


def last_engagement(con: duckdb.DuckDBPyConnection):
    """Return every Champion with its last engagement date and total count (never engaged included)."""
    return (
        con.cursor()
        .execute(
            """
        SELECT k.name_en AS country, max(g.occurred_on) AS last_engaged, count(g.engagement_id) AS engagements
        FROM champions c JOIN countries k USING (m49) LEFT JOIN engagements g USING (m49)
        GROUP BY ALL ORDER BY last_engaged NULLS FIRST, country
        """
        )
        .df()
    )


# Consultation load -------------------------------------------------------------------------

CONSULTATION_CAP_KEY = "consultation_load_cap"
DEFAULT_CONSULTATION_CAP = 3

# A "request" to a Champion in a month is any one of (a Champion counts once per row):
#   - an invitation to a product consultation (consultation_invites), in the month the
#     consultation opens;
#   - a target of a slot booking that is not declined or withdrawn (booking_targets), in the
#     month of the slot;
#   - an invitation to a workstream's event (event_invitees of events with a workstream_id that
#     are not cancelled), in the month the event starts. Network-wide meetings (no workstream)
#     are the Champions' own meetings, not a workstream's request, so they do not count.
_REQUESTS_SQL = """
    SELECT i.m49, CAST(date_trunc('month', c.opens_on) AS DATE) AS month,
           'consultation' AS kind, p.workstream_id
    FROM consultation_invites i
    JOIN consultations c USING (consultation_id)
    JOIN products p USING (product_id)
    UNION ALL
    SELECT t.m49, CAST(date_trunc('month', s.starts_utc) AS DATE), 'booking', b.workstream_id
    FROM booking_targets t JOIN bookings b USING (booking_id) JOIN slots s USING (slot_id)
    WHERE b.status NOT IN ('declined', 'withdrawn')
    UNION ALL
    SELECT v.m49, CAST(date_trunc('month', e.starts_utc) AS DATE), 'event', e.workstream_id
    FROM event_invitees v JOIN events e USING (event_id)
    WHERE e.workstream_id IS NOT NULL AND e.status <> 'cancelled'
"""


def _month_start(month: date | datetime | str) -> date:
    """Return the first day of the month given as a date, a datetime or 'YYYY-MM'."""
    if isinstance(month, str):
        year, number = month[:7].split("-")
        return date(int(year), int(number), 1)
    if isinstance(month, datetime):
        month = month.date()
    return month.replace(day=1)


def get_consultation_cap(con: duckdb.DuckDBPyConnection) -> int:
    """Return the cap on requests per Champion per month (app_settings, else the default)."""
    row = (
        con.cursor()
        .execute("SELECT value FROM app_settings WHERE key = ?", [CONSULTATION_CAP_KEY])
        .fetchall()
    )
    return int(row[0][0]) if row else DEFAULT_CONSULTATION_CAP


class ConsultationCapIn(BaseModel):
    """A new cap on requests per Champion per month, as entered by the Secretariat."""

    cap: int = Field(ge=1, le=50)


def set_consultation_cap(con: duckdb.DuckDBPyConnection, *, actor: User, cap: int) -> int:
    """Store a new cap on requests per Champion per month (settings.edit), audited."""
    require(actor, "settings.edit")
    try:
        cap_in = ConsultationCapIn(cap=cap)
    except ValidationError:
        raise ValueError(
            f"Requests per Champion per month: the cap must be a whole number from 1 to 50, not {cap!r}."
        ) from None
    with transaction(con) as cur:
        before = cur.execute(
            "SELECT value FROM app_settings WHERE key = ?", [CONSULTATION_CAP_KEY]
        ).fetchall()
        cur.execute(
            "INSERT INTO app_settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [CONSULTATION_CAP_KEY, str(cap_in.cap)],
        )
        audit.record(
            cur,
            actor=actor,
            action="settings.edit",
            entity="app_settings",
            entity_id=CONSULTATION_CAP_KEY,
            before={"cap": int(before[0][0])} if before else None,
            after={"cap": cap_in.cap},
        )
    return cap_in.cap


def consultation_load(
    con: duckdb.DuckDBPyConnection, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Return requests per Champion per month across all workstreams, split by kind.

    Columns: m49, country, month (first day), consultations, bookings, events, requests.
    Only months with at least one request appear; `start`/`end` bound the months (inclusive).
    """
    return (
        con.cursor()
        .execute(
            f"""
        WITH req AS ({_REQUESTS_SQL})
        SELECT r.m49, k.name_en AS country, r.month,
               count(*) FILTER (WHERE r.kind = 'consultation') AS consultations,
               count(*) FILTER (WHERE r.kind = 'booking') AS bookings,
               count(*) FILTER (WHERE r.kind = 'event') AS events,
               count(*) AS requests
        FROM req r JOIN champions c USING (m49) JOIN countries k USING (m49)
        WHERE (CAST(? AS DATE) IS NULL OR r.month >= date_trunc('month', CAST(? AS DATE)))
          AND (CAST(? AS DATE) IS NULL OR r.month <= CAST(? AS DATE))
        GROUP BY ALL ORDER BY r.month, country
        """,  # noqa: S608  (the f-string only inlines a constant query, never a value)
            [start, start, end, end],
        )
        .df()
    )


def consultation_load_warnings(
    con: duckdb.DuckDBPyConnection, *, m49s: list[int], month: date | datetime | str
) -> list[str]:
    """Return one warning per Champion whose requests that month already reach the cap.

    Call it before adding a request (consultation invite, slot booking, workstream event
    invitation) to the Champions `m49s` in `month` (a date, a datetime or 'YYYY-MM'); an empty
    list means no Champion would go over the cap. Countries that are not Champions are ignored.
    """
    if not m49s:
        return []
    first = _month_start(month)
    cap = get_consultation_cap(con)
    rows = (
        con.cursor()
        .execute(
            f"""
        WITH req AS ({_REQUESTS_SQL})
        SELECT k.name_en, count(r.m49) AS requests
        FROM champions c JOIN countries k USING (m49)
        LEFT JOIN req r ON r.m49 = c.m49 AND r.month = ?
        WHERE c.m49 IN (SELECT unnest(CAST(? AS INTEGER[])))
        GROUP BY ALL HAVING count(r.m49) >= ?
        ORDER BY k.name_en
        """,  # noqa: S608  (constant query text only)
            [first, [int(m) for m in m49s], cap],
        )
        .fetchall()
    )
    label = f"{first:%B %Y}"
    return [
        f"{name} already has {n} request{'s' if n != 1 else ''} in {label} across all "
        f"workstreams (cap {cap} a month): another one would put it over the cap."
        for name, n in rows
    ]

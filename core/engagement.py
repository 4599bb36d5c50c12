"""Keep the Champion engagement log, including entries derived from attendance and feedback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, ValidationError, model_validator

from core import audit
from core.db import transaction
from core.permissions import User, require


def sync_derived_engagements(cur: duckdb.DuckDBPyConnection) -> None:
    """Bring the derived log entries in line with attendance and product feedback (idempotent).

    Adds an entry per attended Champion delegate registration and per feedback not yet logged,
    and drops derived entries whose registration is no longer 'attended' or whose feedback is
    gone, so that a corrected attendance list corrects the log. Manual entries are never touched.
    """
    cur.execute(
        """
        DELETE FROM engagements
        WHERE (source = 'attendance' AND source_ref NOT IN (
                  SELECT 'attendance:' || registration_id FROM registrations
                  WHERE status = 'attended' AND category = 'champion_delegate'))
           OR (source = 'feedback' AND source_ref NOT IN (
                  SELECT 'feedback:' || feedback_id FROM feedback))
        """
    )
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


# Both sides of a peer-learning exchange count as engaged: the partner gets a mirrored row.
_LOG_SQL = """
    SELECT g.engagement_id, g.m49, g.occurred_on, g.kind, g.workstream_id, g.product_id,
           g.event_id, g.partner_m49, g.note, g.source, g.is_demo
    FROM engagements g
    UNION ALL
    SELECT g.engagement_id, g.partner_m49, g.occurred_on, g.kind, g.workstream_id, g.product_id,
           g.event_id, g.m49, g.note, g.source, g.is_demo
    FROM engagements g WHERE g.partner_m49 IS NOT NULL
"""

KINDS = {
    "meeting": "Attended a meeting",
    "feedback": "Feedback on a product",
    "hub": "Hub discussion",
    "bilateral": "Bilateral exchange",
    "peer_learning": "Peer-learning exchange",
}


def engagement_by_month(con: duckdb.DuckDBPyConnection, *, year: int) -> pd.DataFrame:
    """Return engagements per Champion and month of a year, zeros included (for the heatmap)."""
    return (
        con.cursor()
        .execute(
            f"""
        WITH log AS ({_LOG_SQL}),
        months AS (SELECT unnest(range(1, 13)) AS month)
        SELECT k.iso3, k.name_en AS country, m.month,
               strftime(make_date(?, CAST(m.month AS INTEGER), 1), '%b') AS month_name,
               count(l.engagement_id) AS engagements
        FROM champions c JOIN countries k USING (m49) CROSS JOIN months m
        LEFT JOIN log l ON l.m49 = c.m49 AND year(l.occurred_on) = ?
             AND month(l.occurred_on) = m.month
        GROUP BY ALL ORDER BY country, m.month
        """,  # noqa: S608  (constant query text only)
            [year, year],
        )
        .df()
    )


def last_engagement(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """Return every Champion with its last engagement, days since and count (never engaged first)."""
    today = today or date.today()
    return (
        con.cursor()
        .execute(
            f"""
        WITH log AS ({_LOG_SQL})
        SELECT k.iso3, k.name_en AS country, max(l.occurred_on) AS last_engaged,
               CAST(? AS DATE) - max(l.occurred_on) AS days_since,
               count(l.engagement_id) AS engagements
        FROM champions c JOIN countries k USING (m49) LEFT JOIN log l ON l.m49 = c.m49
        WHERE c.status = 'active'
        GROUP BY ALL ORDER BY last_engaged NULLS FIRST, country
        """,  # noqa: S608  (constant query text only)
            [today],
        )
        .df()
    )


def not_engaged(
    con: duckdb.DuckDBPyConnection, *, days: int, today: date | None = None
) -> pd.DataFrame:
    """Return active Champions with no engagement in the last `days` days (never engaged first)."""
    df = last_engagement(con, today=today)
    mask = df["days_since"].isna() | (df["days_since"] > days)
    return df[mask].reset_index(drop=True)


def engagement_matrix(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return a Champion x workstream table of last engagement dates (empty where never).

    One row per active Champion, one column per workstream (plus 'Network-wide' for engagements
    without a workstream), and 'Any' for the last engagement of any kind.
    """
    cur = con.cursor()
    long = cur.execute(
        f"""
        WITH log AS ({_LOG_SQL})
        SELECT k.name_en AS country, coalesce(l.workstream_id, 'Network-wide') AS workstream,
               max(l.occurred_on) AS last_engaged
        FROM champions c JOIN countries k USING (m49) JOIN log l ON l.m49 = c.m49
        WHERE c.status = 'active'
        GROUP BY ALL
        """  # noqa: S608  (constant query text only)
    ).df()
    countries = [
        r[0]
        for r in cur.execute(
            "SELECT k.name_en FROM champions c JOIN countries k USING (m49)"
            " WHERE c.status = 'active' ORDER BY 1"
        ).fetchall()
    ]
    workstreams = [
        r[0] for r in cur.execute("SELECT workstream_id FROM workstreams ORDER BY 1").fetchall()
    ] + ["Network-wide"]
    wide = long.pivot(index="country", columns="workstream", values="last_engaged")
    wide = wide.reindex(index=countries, columns=workstreams)
    wide["Any"] = wide.max(axis=1)
    wide.columns.name = None
    return wide.reset_index()


def engagement_counts_by_workstream(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return, per active Champion and workstream, the number and last date of engagements."""
    return (
        con.cursor()
        .execute(
            f"""
        WITH log AS ({_LOG_SQL})
        SELECT k.name_en AS country, coalesce(l.workstream_id, 'Network-wide') AS workstream,
               count(*) AS engagements, max(l.occurred_on) AS last_engaged
        FROM champions c JOIN countries k USING (m49) JOIN log l ON l.m49 = c.m49
        WHERE c.status = 'active'
        GROUP BY ALL ORDER BY country, workstream
        """  # noqa: S608  (constant query text only)
        )
        .df()
    )


def peer_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each pair of Champions that had peer-learning exchanges, how often and when last."""
    return (
        con.cursor()
        .execute(
            """
        SELECT a.name_en AS champion_a, b.name_en AS champion_b, count(*) AS exchanges,
               max(g.occurred_on) AS last_exchange, bool_and(g.is_demo) AS is_demo
        FROM engagements g
        JOIN countries a ON a.m49 = least(g.m49, g.partner_m49)
        JOIN countries b ON b.m49 = greatest(g.m49, g.partner_m49)
        WHERE g.kind = 'peer_learning' AND g.partner_m49 IS NOT NULL
        GROUP BY ALL ORDER BY last_exchange DESC, champion_a
        """
        )
        .df()
    )


def champion_timeline(con: duckdb.DuckDBPyConnection, *, iso3: str) -> pd.DataFrame:
    """Return one Champion's engagements, newest first, with workstream, product and partner."""
    return (
        con.cursor()
        .execute(
            f"""
        WITH log AS ({_LOG_SQL})
        SELECT l.occurred_on, l.kind, l.workstream_id AS workstream, p.title_en AS product,
               e.title AS meeting, pk.name_en AS partner, l.note, l.source, l.is_demo
        FROM log l
        JOIN countries k ON k.m49 = l.m49
        LEFT JOIN products p ON p.product_id = l.product_id
        LEFT JOIN events e ON e.event_id = l.event_id
        LEFT JOIN countries pk ON pk.m49 = l.partner_m49
        WHERE k.iso3 = ?
        ORDER BY l.occurred_on DESC, l.engagement_id DESC
        """,  # noqa: S608  (constant query text only)
            [iso3],
        )
        .df()
    )


def champion_meetings(con: duckdb.DuckDBPyConnection, *, iso3: str) -> pd.DataFrame:
    """Return the meetings a Champion's delegates registered for, with their status (no names)."""
    return (
        con.cursor()
        .execute(
            """
        SELECT e.starts_utc, e.tz, e.title, e.workstream_id AS workstream,
               count(*) FILTER (WHERE r.status = 'attended') AS attended,
               count(*) FILTER (WHERE r.status <> 'cancelled') AS registered
        FROM registrations r JOIN events e USING (event_id) JOIN countries k ON k.m49 = r.m49
        WHERE k.iso3 = ? AND r.category = 'champion_delegate'
        GROUP BY ALL ORDER BY e.starts_utc DESC
        """,
            [iso3],
        )
        .df()
    )


def champion_feedback(con: duckdb.DuckDBPyConnection, *, iso3: str) -> pd.DataFrame:
    """Return the products a Champion commented on: when, in which language and channel."""
    return (
        con.cursor()
        .execute(
            """
        SELECT f.received_on, p.title_en AS product, p.workstream_id AS workstream, f.lang,
               f.channel, f.summary
        FROM feedback f JOIN products p USING (product_id) JOIN countries k ON k.m49 = f.m49
        WHERE k.iso3 = ?
        ORDER BY f.received_on DESC
        """,
            [iso3],
        )
        .df()
    )


class EngagementIn(BaseModel):
    """An engagement added by hand: what happened with which Champion, when, for which workstream."""

    iso3: str = Field(min_length=3, max_length=3)
    occurred_on: date
    kind: Literal["meeting", "feedback", "hub", "bilateral", "peer_learning"]
    workstream_id: str | None = None
    product_id: int | None = None
    partner_iso3: str | None = None
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> EngagementIn:
        self.iso3 = self.iso3.upper()
        self.partner_iso3 = self.partner_iso3.upper() if self.partner_iso3 else None
        if self.occurred_on > date.today():
            raise ValueError("the date is in the future: log engagements once they happened")
        if self.kind == "peer_learning" and not self.partner_iso3:
            raise ValueError("a peer-learning exchange needs the partner Champion")
        if self.kind != "peer_learning" and self.partner_iso3:
            raise ValueError("a partner Champion is only for peer-learning exchanges")
        if self.partner_iso3 and self.partner_iso3 == self.iso3:
            raise ValueError("the partner must be another Champion")
        return self


def _champion_m49(cur: duckdb.DuckDBPyConnection, iso3: str, what: str) -> int:
    rows = cur.execute(
        "SELECT c.m49 FROM champions c JOIN countries k USING (m49) WHERE k.iso3 = ?", [iso3]
    ).fetchall()
    if not rows:
        raise ValueError(f"{what}: {iso3} is not a Champion.")
    return rows[0][0]


def _resolve(cur: duckdb.DuckDBPyConnection, engagement_in: EngagementIn) -> tuple[int, int | None]:
    """Return the Champion's and the partner's m49; refuse a product of another workstream."""
    m49 = _champion_m49(cur, engagement_in.iso3, "Champion")
    partner = (
        _champion_m49(cur, engagement_in.partner_iso3, "Partner")
        if engagement_in.partner_iso3
        else None
    )
    if engagement_in.product_id is not None:
        product = cur.execute(
            "SELECT workstream_id FROM products WHERE product_id = ?",
            [engagement_in.product_id],
        ).fetchall()
        if not product:
            raise ValueError(f"Product: no product number {engagement_in.product_id}.")
        if engagement_in.workstream_id and product[0][0] != engagement_in.workstream_id:
            raise ValueError(
                f"Product: it belongs to {product[0][0]}, not {engagement_in.workstream_id}."
            )
    return m49, partner


def add_engagement(
    con: duckdb.DuckDBPyConnection, *, actor: User, engagement_in: EngagementIn
) -> int:
    """Log an engagement by hand (engagement.add; workstream leads for their workstream), audited."""
    require(actor, "engagement.add", workstream_id=engagement_in.workstream_id)
    with transaction(con) as cur:
        m49, partner = _resolve(cur, engagement_in)
        engagement_id = cur.execute(
            "INSERT INTO engagements (m49, occurred_on, kind, workstream_id, product_id,"
            " partner_m49, note, source, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'manual', ?)"
            " RETURNING engagement_id",
            [
                m49,
                engagement_in.occurred_on,
                engagement_in.kind,
                engagement_in.workstream_id,
                engagement_in.product_id,
                partner,
                engagement_in.note,
                actor.username,
            ],
        ).fetchall()[0][0]
        audit.record(
            cur,
            actor=actor,
            action="engagement.add",
            entity="engagement",
            entity_id=engagement_id,
            after=engagement_in,
        )
    return engagement_id


_SOURCE_WORDS = {
    "attendance": "attendance at a meeting (Meetings page)",
    "feedback": "feedback recorded on a product (Pipeline page)",
}


def _hand_entry(cur: duckdb.DuckDBPyConnection, actor: User, engagement_id: int) -> dict:
    """Return a hand-made entry as the form shows it, after checking the actor may change it.

    Derived entries are refused: they follow their source and would come back at the next sync.
    """
    rows = cur.execute(
        "SELECT k.iso3, g.occurred_on, g.kind, g.workstream_id, g.product_id, pk.iso3, g.note,"
        " g.source FROM engagements g JOIN countries k ON k.m49 = g.m49"
        " LEFT JOIN countries pk ON pk.m49 = g.partner_m49 WHERE g.engagement_id = ?",
        [engagement_id],
    ).fetchall()
    if not rows:
        raise ValueError(f"Engagement {engagement_id} does not exist (it may have been deleted).")
    keys = ("iso3", "occurred_on", "kind", "workstream_id", "product_id", "partner_iso3", "note")
    entry = dict(zip(keys, rows[0][:7], strict=True))
    # The entry's own workstream decides, so a lead cannot change another workstream's entry.
    require(actor, "engagement.add", workstream_id=entry["workstream_id"])
    source = rows[0][7]
    if source != "manual":
        raise ValueError(
            f"Engagement {engagement_id} comes from {_SOURCE_WORDS.get(source, source)} and "
            "follows its source: correct the source instead; this entry cannot be edited or "
            "deleted by hand."
        )
    return entry


def update_engagement(
    con: duckdb.DuckDBPyConnection, *, actor: User, engagement_id: int, engagement_in: EngagementIn
) -> None:
    """Change a hand-made engagement (engagement.add for its old and new workstream), audited."""
    require(actor, "engagement.add", workstream_id=engagement_in.workstream_id)
    with transaction(con) as cur:
        before = _hand_entry(cur, actor, engagement_id)
        m49, partner = _resolve(cur, engagement_in)
        cur.execute(
            "UPDATE engagements SET m49 = ?, occurred_on = ?, kind = ?, workstream_id = ?,"
            " product_id = ?, partner_m49 = ?, note = ? WHERE engagement_id = ?",
            [
                m49,
                engagement_in.occurred_on,
                engagement_in.kind,
                engagement_in.workstream_id,
                engagement_in.product_id,
                partner,
                engagement_in.note,
                engagement_id,
            ],
        )
        audit.record(
            cur,
            actor=actor,
            action="engagement.edit",
            entity="engagement",
            entity_id=engagement_id,
            before=before,
            after=engagement_in,
        )


def delete_engagement(con: duckdb.DuckDBPyConnection, *, actor: User, engagement_id: int) -> None:
    """Delete a hand-made engagement (engagement.add for its workstream), audited with its data."""
    with transaction(con) as cur:
        before = _hand_entry(cur, actor, engagement_id)
        cur.execute("DELETE FROM engagements WHERE engagement_id = ?", [engagement_id])
        audit.record(
            cur,
            actor=actor,
            action="engagement.delete",
            entity="engagement",
            entity_id=engagement_id,
            before=before,
        )


def list_hand_entries(
    con: duckdb.DuckDBPyConnection, *, workstream_id: str | None = None
) -> pd.DataFrame:
    """Return hand-made engagements (all, or one workstream's), newest first, for the edit form."""
    return (
        con.cursor()
        .execute(
            "SELECT g.engagement_id, k.iso3, k.name_en AS country, g.occurred_on, g.kind,"
            " g.workstream_id, g.product_id, pk.iso3 AS partner_iso3, g.note, g.created_by"
            " FROM engagements g JOIN countries k ON k.m49 = g.m49"
            " LEFT JOIN countries pk ON pk.m49 = g.partner_m49"
            " WHERE g.source = 'manual' AND (CAST(? AS VARCHAR) IS NULL OR g.workstream_id = ?)"
            " ORDER BY g.occurred_on DESC, g.engagement_id DESC",
            [workstream_id, workstream_id],
        )
        .df()
    )


def list_workstreams(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return workstream ids and titles (title may be unknown)."""
    return (
        con.cursor()
        .execute("SELECT workstream_id, name FROM workstreams ORDER BY workstream_id")
        .df()
    )


def list_products(con: duckdb.DuckDBPyConnection, *, workstream_id: str | None) -> pd.DataFrame:
    """Return the products of a workstream (all when None), for the hand-entry form."""
    return (
        con.cursor()
        .execute(
            "SELECT product_id, title_en, workstream_id FROM products"
            " WHERE ? IS NULL OR workstream_id = ? ORDER BY title_en",
            [workstream_id, workstream_id],
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

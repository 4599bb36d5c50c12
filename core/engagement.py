"""Keep the Champion engagement log, including entries derived from attendance and feedback."""

from __future__ import annotations

import duckdb


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

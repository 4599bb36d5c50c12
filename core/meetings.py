"""Meetings: registrations under the participation rules, attendance, and EC office support."""

from __future__ import annotations

import duckdb
import pandas as pd

CATEGORIES = {
    "champion_delegate": "Champion delegate",
    "ec_listening": "EC member staff (listening mode)",
    "presenter": "Presenter",
    "observer": "Observer from a non-Champion country",
    "network_member": "Network member",
}


def list_meetings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return meetings that take registrations, with counts per registration status."""
    return (
        con.cursor()
        .execute(
            """
        SELECT e.event_id, e.title, e.kind, e.starts_utc, e.tz, e.capacity, e.quota_per_country_agency,
               e.open_to_non_champions, e.is_demo,
               count(r.registration_id) FILTER (WHERE r.status IN ('confirmed', 'attended')) AS confirmed,
               count(r.registration_id) FILTER (WHERE r.status = 'attended') AS attended,
               count(r.registration_id) FILTER (WHERE r.status = 'waitlisted') AS waitlisted
        FROM events e LEFT JOIN registrations r USING (event_id)
        WHERE e.kind IN ('champions_meeting', 'technical_meeting', 'webinar', 'peer_learning')
        GROUP BY ALL ORDER BY e.starts_utc
        """
        )
        .df()
    )

"""Read and write calendar events (times stored in UTC, shown in the event's and viewer's zones)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

EVENT_KINDS = {
    "ec_meeting": "EC meeting",
    "champions_meeting": "Champions meeting",
    "technical_meeting": "Technical meeting",
    "webinar": "Webinar",
    "consultation_window": "Consultation window",
    "regional_review": "Regional review",
    "peer_learning": "Peer-learning event",
    "other": "Other",
}
AUDIENCES = {"champions": "Champions only", "open": "Open to non-Champions", "internal": "Internal"}


def list_events(
    con: duckdb.DuckDBPyConnection, *, start_utc: datetime, end_utc: datetime
) -> pd.DataFrame:
    """Return the events overlapping [start_utc, end_utc), without join details."""
    return (
        con.cursor()
        .execute(
            """
        SELECT e.event_id, e.uid, e.title, e.kind, e.audience, e.workstream_id, e.starts_utc, e.ends_utc,
               e.tz, e.all_day, e.status, e.is_demo,
               (SELECT count(*) FROM event_invitees i WHERE i.event_id = e.event_id) AS invited_champions
        FROM events e
        WHERE e.starts_utc < ? AND e.ends_utc > ?
        ORDER BY e.starts_utc
        """,
            [end_utc, start_utc],
        )
        .df()
    )

"""Slots of Champion-facing time offered by the Secretariat, and workstreams' bookings of them."""

from __future__ import annotations

import duckdb
import pandas as pd


def list_slots(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every slot with its meeting and the booking that holds it, if any."""
    return (
        con.cursor()
        .execute(
            """
        SELECT s.slot_id, s.title, e.title AS meeting, s.starts_utc, s.ends_utc, s.tz, s.status,
               b.workstream_id AS booked_by, b.status AS booking_status,
               (SELECT count(*) FROM bookings r WHERE r.slot_id = s.slot_id AND r.status = 'requested') AS pending
        FROM slots s LEFT JOIN events e USING (event_id)
        LEFT JOIN slot_confirmations sc USING (slot_id)
        LEFT JOIN bookings b ON b.booking_id = sc.booking_id
        ORDER BY s.starts_utc
        """
        )
        .df()
    )

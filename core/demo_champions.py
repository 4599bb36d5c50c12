"""Demo rows for the balance view: non-Champion governments registered for open meetings.

Generated, marked is_demo and "(demo)": no public source says these countries took part.
They are chosen to sit in regions without a Champion so that the map shows possible candidates.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

# (ISO3, number of open meetings to register for)
DEMO_CANDIDATES = [("UZB", 2), ("KGZ", 1), ("JAM", 2), ("FJI", 1), ("MDA", 1), ("IRL", 1)]


def seed_champions_demo(cur: duckdb.DuckDBPyConnection) -> None:
    """Register a few non-Champion governments (demo) for the open meetings of the demo plan."""
    events = cur.execute(
        "SELECT event_id, starts_utc FROM events WHERE is_demo AND open_to_non_champions"
        " ORDER BY starts_utc"
    ).fetchall()
    if not events:
        return
    today = date.today()
    for n, (iso3, count) in enumerate(DEMO_CANDIDATES, start=1):
        m49 = cur.execute("SELECT m49 FROM countries WHERE iso3 = ?", [iso3]).fetchall()[0][0]
        for event_id, starts in events[(n - 1) % 2 :: 2][:count]:
            attended = starts.date() < today
            reg = cur.execute(
                "INSERT INTO registrations (event_id, participant_name, email, m49, organisation,"
                " category, status, is_demo) VALUES (?, ?, ?, ?, 'Government (demo)', 'observer', ?,"
                " TRUE) RETURNING registration_id",
                [
                    event_id,
                    f"Demo observer {n} (demo)",
                    f"observer{n}.{event_id}@example.org",
                    m49,
                    "attended" if attended else "confirmed",
                ],
            ).fetchall()[0][0]
            # Keep the capacity seats in step with confirmed and attended registrations.
            cur.execute(
                "INSERT INTO capacity_seats SELECT ?, coalesce(max(seat_no), 0) + 1, ?"
                " FROM capacity_seats WHERE event_id = ?",
                [event_id, reg, event_id],
            )
            if attended:
                cur.execute(
                    "INSERT INTO attendance VALUES (?, ?, ?, 90, 'demo')",
                    [reg, starts, starts + timedelta(minutes=90)],
                )

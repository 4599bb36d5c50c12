"""Demo data for meetings and bookings: seat and slot keys for the seeded rows, plus a few
generated registrations that show the quota rule and a participant who may see join details."""

from __future__ import annotations

import duckdb

from core.bookings import backfill_booking_keys


def seed_meetings_demo(cur: duckdb.DuckDBPyConnection) -> None:
    """Add the booking keys and quota-holding demo registrations (all marked demo)."""
    backfill_booking_keys(cur)
    upcoming = cur.execute(
        "SELECT event_id, capacity FROM events WHERE kind = 'champions_meeting' AND is_demo"
        " AND starts_utc > current_timestamp ORDER BY starts_utc LIMIT 1"
    ).fetchone()
    if upcoming is None:
        return
    event_id, _capacity = upcoming
    people = [
        # (name, e-mail, ISO3, category, agency): the first two hold UNDP's and IOM's Kenya seats.
        (
            "Demo Kenya delegate via UNDP",
            "kenya.undp@example.org",
            "KEN",
            "champion_delegate",
            "UNDP",
        ),
        ("Demo Kenya delegate via IOM", "kenya.iom@example.org", "KEN", "champion_delegate", "IOM"),
        (
            "Demo Mexico delegate via UNDP",
            "mexico.undp@example.org",
            "MEX",
            "champion_delegate",
            "UNDP",
        ),
        ("Demo CWG 2.2 lead", "lead.cwg22@example.org", None, "presenter", None),
    ]
    for name, email, iso3, category, agency in people:
        m49 = (
            cur.execute("SELECT m49 FROM countries WHERE iso3 = ?", [iso3]).fetchone()[0]
            if iso3
            else None
        )
        if cur.execute(
            "SELECT count(*) FROM registrations WHERE event_id = ? AND email = ?", [event_id, email]
        ).fetchone()[0]:
            continue
        rid = cur.execute(
            "INSERT INTO registrations (event_id, participant_name, email, m49, organisation, category,"
            " agency_id, status, is_demo) VALUES (?, ?, ?, ?, ?, ?, ?, 'confirmed', TRUE)"
            " RETURNING registration_id",
            [event_id, name + " (demo)", email, m49, agency or "CWG 2.2 (demo)", category, agency],
        ).fetchone()[0]
        if agency:
            cur.execute(
                "INSERT INTO quota_seats VALUES (?, ?, ?, 1, ?)", [event_id, m49, agency, rid]
            )
        seat = cur.execute(
            "SELECT coalesce(max(seat_no), 0) + 1 FROM capacity_seats WHERE event_id = ?",
            [event_id],
        ).fetchone()[0]
        cur.execute("INSERT INTO capacity_seats VALUES (?, ?, ?)", [event_id, seat, rid])

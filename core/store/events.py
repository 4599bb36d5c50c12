"""The events family (events, event_invitees, event_join_details, ...). Moving here area by area."""

from __future__ import annotations

from core.store import Db


def list_invitee_capitals(db: Db, *, event_id: int) -> list[tuple[str, str]]:
    """(country name, capital zone) of each Champion invited to an event, by name."""
    return [
        (row.name_en, row.capital_tz)
        for row in db.rows(
            "SELECT c.name_en, ch.capital_tz FROM event_invitees i"
            " JOIN countries c ON c.m49 = i.m49 JOIN champions ch ON ch.m49 = i.m49"
            " WHERE i.event_id = :e ORDER BY c.name_en",
            e=event_id,
        )
    ]

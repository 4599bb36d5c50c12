"""Meetings: registrations under the participation rules, attendance, and EC office support."""

from __future__ import annotations

import duckdb
import pandas as pd
from pydantic import BaseModel

from core import audit, events
from core.db import transaction
from core.permissions import PermissionDenied, User, can, require

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


class JoinDetails(BaseModel):
    """How to join a meeting: for the Secretariat and confirmed participants only."""

    url: str | None
    meeting_number: str | None
    password: str | None
    dial_in: str | None


class OfficeSupportIn(BaseModel):
    """The Champion governments one agency's offices support for one meeting."""

    event_id: int
    agency_id: str
    m49s: list[int]
    note: str | None = None


def get_meeting(con: duckdb.DuckDBPyConnection, *, event_id: int) -> dict | None:
    """Return one meeting's public fields (never its join details)."""
    cur = con.cursor()
    df = cur.execute(
        "SELECT e.event_id, e.title, e.kind, e.audience, e.workstream_id, e.starts_utc, e.ends_utc,"
        " e.tz, e.location, e.description, e.status, e.capacity, e.quota_per_country_agency,"
        " e.open_to_non_champions, e.is_demo, e.source,"
        " (SELECT count(*) FROM event_invitees i WHERE i.event_id = e.event_id) AS invited"
        " FROM events e WHERE e.event_id = ?",
        [event_id],
    ).df()
    return None if df.empty else df.iloc[0].to_dict()


# The agenda is the calendar's: one query for the meeting page and the event detail.
list_agenda = events.list_agenda


def list_materials(con: duckdb.DuckDBPyConnection, *, event_id: int) -> pd.DataFrame:
    """Return the meeting's materials with their language."""
    return (
        con.cursor()
        .execute(
            "SELECT title, lang, url FROM materials WHERE event_id = ? ORDER BY title, lang",
            [event_id],
        )
        .df()
    )


def list_meeting_products(con: duckdb.DuckDBPyConnection, *, event_id: int) -> pd.DataFrame:
    """Return the products discussed at the meeting."""
    return (
        con.cursor()
        .execute(
            "SELECT p.product_id, p.title_en AS product, p.workstream_id, p.stage FROM event_products"
            " JOIN products p USING (product_id) WHERE event_id = ? ORDER BY p.title_en",
            [event_id],
        )
        .df()
    )


def can_see_join_details(con: duckdb.DuckDBPyConnection, *, user: User, event_id: int) -> bool:
    """Return True for the Secretariat, admins and the meeting's confirmed participants.

    One rule for the whole dashboard: the calendar's .ics export uses the same function.
    """
    return events.may_see_join_details(con, user, event_id)


def get_join_details(
    con: duckdb.DuckDBPyConnection, *, user: User, event_id: int
) -> JoinDetails | None:
    """Return the join details to a user allowed to see them; refuse everyone else."""
    if not can_see_join_details(con, user=user, event_id=event_id):
        raise PermissionDenied(
            "Join details go to the Secretariat and the meeting's confirmed participants only."
        )
    row = (
        con.cursor()
        .execute(
            "SELECT url, meeting_number, password, dial_in FROM event_join_details"
            " WHERE event_id = ?",
            [event_id],
        )
        .fetchone()
    )
    if row is None:
        return None
    return JoinDetails(url=row[0], meeting_number=row[1], password=row[2], dial_in=row[3])


def set_office_support(con: duckdb.DuckDBPyConnection, *, actor: User, support: OfficeSupportIn):
    """Replace the list of Champion governments one agency's offices support for a meeting."""
    require(actor, "office_support.edit", agency_id=support.agency_id)
    with transaction(con) as cur:
        champions = {
            r[0]
            for r in cur.execute(
                "SELECT m49 FROM champions WHERE m49 IN (SELECT unnest(?::INTEGER[]))",
                [support.m49s],
            ).fetchall()
        }
        unknown = sorted(set(support.m49s) - champions)
        if unknown:
            raise ValueError(f"Not Champion countries: {', '.join(map(str, unknown))}.")
        before = [
            r[0]
            for r in cur.execute(
                "SELECT m49 FROM office_support WHERE event_id = ? AND agency_id = ? ORDER BY m49",
                [support.event_id, support.agency_id],
            ).fetchall()
        ]
        cur.execute(
            "DELETE FROM office_support WHERE event_id = ? AND agency_id = ?",
            [support.event_id, support.agency_id],
        )
        cur.executemany(
            "INSERT INTO office_support VALUES (?, ?, ?, ?)",
            [[support.event_id, support.agency_id, m, support.note] for m in sorted(champions)],
        )
        audit.record(
            cur,
            actor=actor,
            action="office_support.edit",
            entity="office_support",
            entity_id=f"{support.event_id}:{support.agency_id}",
            before=before,
            after=sorted(champions),
        )


def office_support_matrix(
    con: duckdb.DuckDBPyConnection, *, user: User, event_id: int
) -> pd.DataFrame:
    """Return (country, agency) pairs of support: all for the Secretariat, own agency for EC members."""
    if can(user, "office_support.view_all"):
        agency = None
    elif user.role == "ec_member":
        agency = user.agency_id
    else:
        raise PermissionDenied("The office support matrix is for the Secretariat and EC members.")
    return (
        con.cursor()
        .execute(
            "SELECT k.name_en AS country, o.m49, o.agency_id, o.note FROM office_support o"
            " JOIN countries k USING (m49) WHERE o.event_id = ?"
            " AND (CAST(? AS VARCHAR) IS NULL OR o.agency_id = ?) ORDER BY country",
            [event_id, agency, agency],
        )
        .df()
    )


def list_champion_options(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return Champion countries (m49, name, capital zone) for pickers."""
    return (
        con.cursor()
        .execute(
            "SELECT c.m49, k.name_en AS country, c.capital_tz FROM champions c JOIN countries k"
            " USING (m49) WHERE c.status = 'active' ORDER BY k.name_en"
        )
        .df()
    )


def list_country_options(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every country (m49, name) and whether it is a Champion, for pickers."""
    return (
        con.cursor()
        .execute(
            "SELECT k.m49, k.name_en AS country, c.m49 IS NOT NULL AS is_champion FROM countries k"
            " LEFT JOIN champions c USING (m49) ORDER BY k.name_en"
        )
        .df()
    )


def list_agencies(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return agencies (id, name, EC member or not)."""
    return (
        con.cursor()
        .execute("SELECT agency_id, name, is_ec_member FROM agencies ORDER BY agency_id")
        .df()
    )

"""Meetings: registrations under the participation rules, attendance, and EC office support."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from core import audit, events
from core.permissions import PermissionDenied, User, can, require
from core.store import Db
from core.store import meetings as store

CATEGORIES = {
    "champion_delegate": "Champion delegate",
    "ec_listening": "EC member staff (listening mode)",
    "presenter": "Presenter",
    "observer": "Observer from a non-Champion country",
    "network_member": "Network member",
}


def list_meetings(con: Db) -> pd.DataFrame:
    """Return meetings that take registrations, with counts per registration status."""
    return store.list_meetings(con)


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


def get_meeting(con: Db, *, event_id: int) -> dict | None:
    """Return one meeting's public fields (never its join details)."""
    return store.get_meeting(con, event_id=event_id)


# The agenda is the calendar's: one query for the meeting page and the event detail.
list_agenda = events.list_agenda


def list_materials(con: Db, *, event_id: int) -> pd.DataFrame:
    """Return the meeting's materials with their language."""
    return store.list_materials(con, event_id=event_id)


def list_meeting_products(con: Db, *, event_id: int) -> pd.DataFrame:
    """Return the products discussed at the meeting."""
    return store.list_meeting_products(con, event_id=event_id)


def can_see_join_details(con: Db, *, user: User, event_id: int) -> bool:
    """Return True for the Secretariat, admins and the meeting's confirmed participants.

    One rule for the whole dashboard: the calendar's .ics export uses the same function.
    """
    return events.may_see_join_details(con, user, event_id)


def get_join_details(con: Db, *, user: User, event_id: int) -> JoinDetails | None:
    """Return the join details to a user allowed to see them; refuse everyone else."""
    if not can_see_join_details(con, user=user, event_id=event_id):
        raise PermissionDenied(
            "Join details go to the Secretariat and the meeting's confirmed participants only."
        )
    row = store.get_join_details(con, event_id=event_id)
    return None if row is None else JoinDetails(**row.model_dump())


def set_office_support(con: Db, *, actor: User, support: OfficeSupportIn):
    """Replace the list of Champion governments one agency's offices support for a meeting."""
    require(actor, "office_support.edit", agency_id=support.agency_id)

    def work(conn):
        champions = store.list_champion_codes(conn, m49s=support.m49s)
        unknown = sorted(set(support.m49s) - champions)
        if unknown:
            raise ValueError(f"Not Champion countries: {', '.join(map(str, unknown))}.")
        before = store.list_office_support_codes(
            conn, event_id=support.event_id, agency_id=support.agency_id
        )
        store.replace_office_support(
            conn,
            event_id=support.event_id,
            agency_id=support.agency_id,
            m49s=sorted(champions),
            note=support.note,
        )
        audit.record(
            conn,
            actor=actor,
            action="office_support.edit",
            entity="office_support",
            entity_id=f"{support.event_id}:{support.agency_id}",
            before=before,
            after=sorted(champions),
        )

    con.write(work)


def office_support_matrix(con: Db, *, user: User, event_id: int) -> pd.DataFrame:
    """Return (country, agency) pairs of support: all for the Secretariat, own agency for EC members."""
    if can(user, "office_support.view_all"):
        agency = None
    elif user.role == "ec_member":
        agency = user.agency_id
    else:
        raise PermissionDenied("The office support matrix is for the Secretariat and EC members.")
    return store.list_office_support(con, event_id=event_id, agency_id=agency)


def list_champion_options(con: Db) -> pd.DataFrame:
    """Return Champion countries (m49, name, capital zone) for pickers."""
    return store.list_champion_options(con)


def list_country_options(con: Db) -> pd.DataFrame:
    """Return every country (m49, name) and whether it is a Champion, for pickers."""
    return store.list_country_options(con)


def list_agencies(con: Db) -> pd.DataFrame:
    """Return agencies (id, name, EC member or not)."""
    return store.list_agencies(con)

"""Keep the Champion engagement log, including entries derived from attendance and feedback."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, model_validator

from core import audit
from core.permissions import User, require
from core.store import Db
from core.store import champions as champion_store
from core.store import engagement as store
from core.store.meetings import write_in_turn


def sync_derived_engagements(cur) -> None:
    """Bring the derived log entries in line with attendance and product feedback (idempotent).

    Adds an entry per attended Champion delegate registration and per feedback not yet logged,
    and drops derived entries whose registration is no longer 'attended' or whose feedback is
    gone, so that a corrected attendance list corrects the log. Manual entries are never touched.
    `cur` is the caller's transaction: an SQLAlchemy `Connection` or (modules not yet moved
    into the store) a DuckDB cursor.
    """
    store.sync_derived_engagements(cur)


KINDS = {
    "meeting": "Attended a meeting",
    "feedback": "Feedback on a product",
    "hub": "Hub discussion",
    "bilateral": "Bilateral exchange",
    "peer_learning": "Peer-learning exchange",
}


def engagement_by_month(con: Db, *, year: int) -> pd.DataFrame:
    """Return engagements per Champion and month of a year, zeros included (for the heatmap)."""
    log = store.list_log_dates(con, start=date(year, 1, 1), end=date(year + 1, 1, 1))
    counts = log.groupby([log["m49"], log["occurred_on"].dt.month]).size()
    rows = [
        (c.iso3, c.country, month, calendar.month_abbr[month], int(counts.get((c.m49, month), 0)))
        for c in store.list_champion_names(con).itertuples()
        for month in range(1, 13)
    ]
    return pd.DataFrame(rows, columns=["iso3", "country", "month", "month_name", "engagements"])


def last_engagement(con: Db, *, today: date | None = None) -> pd.DataFrame:
    """Return every Champion with its last engagement, days since and count (never engaged first)."""
    today = today or date.today()
    df = store.list_last_engagements(con)
    days = (pd.Timestamp(today) - df["last_engaged"]).dt.days
    df.insert(3, "days_since", days)
    return df


def not_engaged(con: Db, *, days: int, today: date | None = None) -> pd.DataFrame:
    """Return active Champions with no engagement in the last `days` days (never engaged first)."""
    df = last_engagement(con, today=today)
    mask = df["days_since"].isna() | (df["days_since"] > days)
    return df[mask].reset_index(drop=True)


def engagement_matrix(con: Db) -> pd.DataFrame:
    """Return a Champion x workstream table of last engagement dates (empty where never).

    One row per active Champion, one column per workstream (plus 'Network-wide' for engagements
    without a workstream), and 'Any' for the last engagement of any kind.
    """
    long = store.list_workstream_engagements(con)
    countries = list(store.list_champion_names(con, active_only=True)["country"])
    workstreams = list(champion_store.list_workstreams(con)["workstream_id"]) + ["Network-wide"]
    wide = long.pivot(index="country", columns="workstream", values="last_engaged")
    wide = wide.reindex(index=countries, columns=workstreams)
    wide["Any"] = wide.max(axis=1)
    wide.columns.name = None
    wide.index.name = "country"
    return wide.reset_index()


def engagement_counts_by_workstream(con: Db) -> pd.DataFrame:
    """Return, per active Champion and workstream, the number and last date of engagements."""
    return store.list_workstream_engagements(con)


def peer_pairs(con: Db) -> pd.DataFrame:
    """Return each pair of Champions that had peer-learning exchanges, how often and when last."""
    return store.list_peer_pairs(con)


def champion_timeline(con: Db, *, iso3: str) -> pd.DataFrame:
    """Return one Champion's engagements, newest first, with workstream, product and partner."""
    return store.list_timeline(con, iso3=iso3)


def champion_meetings(con: Db, *, iso3: str) -> pd.DataFrame:
    """Return the meetings a Champion's delegates registered for, with their status (no names)."""
    return store.list_champion_meetings(con, iso3=iso3)


def champion_feedback(con: Db, *, iso3: str) -> pd.DataFrame:
    """Return the products a Champion commented on: when, in which language and channel."""
    return store.list_champion_feedback(con, iso3=iso3)


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


def _champion_m49(conn, iso3: str, what: str) -> int:
    m49 = store.get_champion_m49(conn, iso3=iso3)
    if m49 is None:
        raise ValueError(f"{what}: {iso3} is not a Champion.")
    return m49


def _resolve(conn, engagement_in: EngagementIn) -> store.EngagementValues:
    """Return the entry's values with the Champion's and the partner's m49; refuse a product of
    another workstream."""
    m49 = _champion_m49(conn, engagement_in.iso3, "Champion")
    partner = (
        _champion_m49(conn, engagement_in.partner_iso3, "Partner")
        if engagement_in.partner_iso3
        else None
    )
    if engagement_in.product_id is not None:
        exists, workstream = store.get_product_workstream(conn, product_id=engagement_in.product_id)
        if not exists:
            raise ValueError(f"Product: no product number {engagement_in.product_id}.")
        if engagement_in.workstream_id and workstream != engagement_in.workstream_id:
            raise ValueError(
                f"Product: it belongs to {workstream}, not {engagement_in.workstream_id}."
            )
    return store.EngagementValues(
        m49=m49,
        partner_m49=partner,
        **engagement_in.model_dump(exclude={"iso3", "partner_iso3"}),
    )


def add_engagement(con: Db, *, actor: User, engagement_in: EngagementIn) -> int:
    """Log an engagement by hand (engagement.add; workstream leads for their workstream), audited."""
    require(actor, "engagement.add", workstream_id=engagement_in.workstream_id)

    def fn(conn) -> int:
        values = _resolve(conn, engagement_in)
        engagement_id = store.insert_engagement(conn, values, created_by=actor.username)
        audit.record(
            conn,
            actor=actor,
            action="engagement.add",
            entity="engagement",
            entity_id=engagement_id,
            after=engagement_in,
        )
        return engagement_id

    return con.write(fn)


_SOURCE_WORDS = {
    "attendance": "attendance at a meeting (Meetings page)",
    "feedback": "feedback recorded on a product (Pipeline page)",
}


def _hand_entry(conn, actor: User, engagement_id: int) -> dict:
    """Return a hand-made entry as the form shows it, after checking the actor may change it.

    Derived entries are refused: they follow their source and would come back at the next sync.
    """
    record = store.get_engagement(conn, engagement_id=engagement_id)
    if record is None:
        raise ValueError(f"Engagement {engagement_id} does not exist (it may have been deleted).")
    entry = record.model_dump(exclude={"source"})
    # The entry's own workstream decides, so a lead cannot change another workstream's entry.
    require(actor, "engagement.add", workstream_id=entry["workstream_id"])
    source = record.source
    if source != "manual":
        raise ValueError(
            f"Engagement {engagement_id} comes from {_SOURCE_WORDS.get(source, source)} and "
            "follows its source: correct the source instead; this entry cannot be edited or "
            "deleted by hand."
        )
    return entry


def update_engagement(
    con: Db, *, actor: User, engagement_id: int, engagement_in: EngagementIn
) -> None:
    """Change a hand-made engagement (engagement.add for its old and new workstream), audited."""
    require(actor, "engagement.add", workstream_id=engagement_in.workstream_id)

    def fn(conn) -> None:
        before = _hand_entry(conn, actor, engagement_id)
        values = _resolve(conn, engagement_in)
        store.update_engagement(conn, engagement_id=engagement_id, values=values)
        audit.record(
            conn,
            actor=actor,
            action="engagement.edit",
            entity="engagement",
            entity_id=engagement_id,
            before=before,
            after=engagement_in,
        )

    con.write(fn)


def delete_engagement(con: Db, *, actor: User, engagement_id: int) -> None:
    """Delete a hand-made engagement (engagement.add for its workstream), audited with its data."""

    def fn(conn) -> None:
        before = _hand_entry(conn, actor, engagement_id)
        store.delete_engagement(conn, engagement_id=engagement_id)
        audit.record(
            conn,
            actor=actor,
            action="engagement.delete",
            entity="engagement",
            entity_id=engagement_id,
            before=before,
        )

    con.write(fn)


def list_hand_entries(con: Db, *, workstream_id: str | None = None) -> pd.DataFrame:
    """Return hand-made engagements (all, or one workstream's), newest first, for the edit form."""
    return store.list_hand_entries(con, workstream_id=workstream_id)


def list_workstreams(con: Db) -> pd.DataFrame:
    """Return workstream ids and titles (title may be unknown)."""
    return champion_store.list_workstreams(con)


def list_products(con: Db, *, workstream_id: str | None) -> pd.DataFrame:
    """Return the products of a workstream (all when None), for the hand-entry form."""
    return store.list_product_choices(con, workstream_id=workstream_id)


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
# (The statement is core.store.engagement._REQUESTS.)


def _month_start(month: date | datetime | str) -> date:
    """Return the first day of the month given as a date, a datetime or 'YYYY-MM'."""
    if isinstance(month, str):
        year, number = month[:7].split("-")
        return date(int(year), int(number), 1)
    if isinstance(month, datetime):
        month = month.date()
    return month.replace(day=1)


def get_consultation_cap(con) -> int:
    """Return the cap on requests per Champion per month (app_settings, else the default).

    `con` is a `Db`, a `Connection` in a transaction or (modules not yet moved) a DuckDB cursor.
    """
    value = store.get_setting(con, key=CONSULTATION_CAP_KEY)
    return int(value) if value is not None else DEFAULT_CONSULTATION_CAP


class ConsultationCapIn(BaseModel):
    """A new cap on requests per Champion per month, as entered by the Secretariat."""

    cap: int = Field(ge=1, le=50)


def set_consultation_cap(con: Db, *, actor: User, cap: int) -> int:
    """Store a new cap on requests per Champion per month (settings.edit), audited."""
    require(actor, "settings.edit")
    try:
        cap_in = ConsultationCapIn(cap=cap)
    except ValidationError:
        raise ValueError(
            f"Requests per Champion per month: the cap must be a whole number from 1 to 50, not {cap!r}."
        ) from None

    def fn(conn) -> None:
        before = store.get_setting(conn, key=CONSULTATION_CAP_KEY)
        store.upsert_setting(conn, key=CONSULTATION_CAP_KEY, value=str(cap_in.cap))
        audit.record(
            conn,
            actor=actor,
            action="settings.edit",
            entity="app_settings",
            entity_id=CONSULTATION_CAP_KEY,
            before={"cap": int(before)} if before is not None else None,
            after={"cap": cap_in.cap},
        )

    # The first cap inserts the key: on DuckDB two at once would fail on it, so they take turns.
    write_in_turn(con, fn)
    return cap_in.cap


def consultation_load(
    con: Db, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Return requests per Champion per month across all workstreams, split by kind.

    Columns: m49, country, month (first day), consultations, bookings, events, requests.
    Only months with at least one request appear; `start`/`end` bound the months (inclusive).
    """
    return store.list_consultation_load(
        con, start=_month_start(start) if start is not None else None, end=end
    )


def consultation_load_warnings(con, *, m49s: list[int], month: date | datetime | str) -> list[str]:
    """Return one warning per Champion whose requests that month already reach the cap.

    Call it before adding a request (consultation invite, slot booking, workstream event
    invitation) to the Champions `m49s` in `month` (a date, a datetime or 'YYYY-MM'); an empty
    list means no Champion would go over the cap. Countries that are not Champions are ignored.
    `con` is a `Db`, a `Connection` inside the caller's transaction or (modules not yet moved
    into the store) a DuckDB cursor.
    """
    if not m49s:
        return []
    first = _month_start(month)
    cap = get_consultation_cap(con)
    rows = store.count_requests_at_cap(con, m49s=list(m49s), month=first, cap=cap)
    label = f"{first:%B %Y}"
    return [
        f"{name} already has {n} request{'s' if n != 1 else ''} in {label} across all "
        f"workstreams (cap {cap} a month): another one would put it over the cap."
        for name, n in rows
    ]

"""Read and write calendar events (times stored in UTC, shown in the event's and viewer's zones)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core import audit
from core.db import transaction
from core.permissions import User, can, require
from core.recurrence import check_rrule, format_exdates, parse_exdates
from core.timezones import UnknownZone, is_nonexistent, to_utc, zone

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
STATUSES = {"confirmed": "Confirmed", "tentative": "Tentative", "cancelled": "Cancelled"}

# Who may join, per audience, in the words of the seed e-mails.
WHO_MAY_JOIN = {
    "champions": "Invited Champion delegations (capitals may send colleagues); EC members and "
    "field agencies in listening mode, at most 1 participant per Champion country per EC member.",
    "open": "Champions and interested non-Champion governments and partners; EC members and "
    "field agencies in listening mode.",
    "internal": "Network members only (Secretariat, EC members, workstreams).",
}

FIELD_LABELS = {
    "title": "Title",
    "kind": "Kind",
    "audience": "Audience",
    "workstream_id": "Workstream",
    "tz": "Time zone",
    "start_local": "Start",
    "end_local": "End",
    "location": "Location",
    "description": "Description",
    "rrule": "Repetition",
    "capacity": "Capacity",
    "starts_local": "Start",
    "ends_local": "End",
    "presenter": "Presenter",
    "moderator": "Moderator",
}

MAX_TITLE = 200
MAX_TEXT = 20_000


class EventIn(BaseModel):
    """An event to create or update, as typed in the form or read from an .ics file."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    kind: str = "other"
    audience: str = "internal"
    workstream_id: str | None = None
    tz: str = "UTC"
    start_local: datetime
    end_local: datetime  # exclusive; for all-day events the day after the last day
    all_day: bool = False
    location: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    status: Literal["confirmed", "tentative", "cancelled"] = "confirmed"
    rrule: str | None = None
    exdates: list[datetime] = []  # occurrence instants to skip, naive UTC
    capacity: int | None = Field(default=None, gt=0)
    open_to_non_champions: bool = False
    invitees: list[int] = []
    product_ids: list[int] = []
    uid: str | None = Field(default=None, max_length=500)

    @field_validator("title")
    @classmethod
    def _strip_title(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the title is empty")
        return value

    @field_validator("location", "description")
    @classmethod
    def _strip_text(cls, value: str | None) -> str | None:
        value = value.replace("\r\n", "\n").strip() if value else None
        return value or None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in EVENT_KINDS:
            raise ValueError(f"'{value}' is not an event kind ({', '.join(EVENT_KINDS)})")
        return value

    @field_validator("audience")
    @classmethod
    def _known_audience(cls, value: str) -> str:
        if value not in AUDIENCES:
            raise ValueError(f"'{value}' is not an audience ({', '.join(AUDIENCES)})")
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except UnknownZone as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("rrule")
    @classmethod
    def _valid_rule(cls, value: str | None) -> str | None:
        return check_rrule(value) if value else None

    @model_validator(mode="after")
    def _times(self) -> EventIn:
        if self.all_day:
            self.start_local = datetime.combine(self.start_local.date(), datetime.min.time())
            self.end_local = datetime.combine(self.end_local.date(), datetime.min.time())
            if self.end_local <= self.start_local:
                raise ValueError(
                    f"the last day ({self.end_local - timedelta(days=1):%d %b %Y}) is before "
                    f"the first day ({self.start_local:%d %b %Y})"
                )
            return self
        for name, value in (("start", self.start_local), ("end", self.end_local)):
            if is_nonexistent(value, self.tz):
                raise ValueError(
                    f"the {name} time {value:%d %b %Y %H:%M} does not exist in {self.tz} "
                    "(the clocks jump forward then); choose another time"
                )
        if self.starts_utc >= self.ends_utc:
            raise ValueError(
                f"the event ends ({self.end_local:%d %b %Y %H:%M}) before or when it starts "
                f"({self.start_local:%d %b %Y %H:%M}) in {self.tz}"
            )
        return self

    @property
    def starts_utc(self) -> datetime:
        """Return the start as naive UTC (all-day events: the first day at midnight)."""
        return self.start_local if self.all_day else to_utc(self.start_local, self.tz)

    @property
    def ends_utc(self) -> datetime:
        """Return the end as naive UTC (all-day events: midnight after the last day)."""
        return self.end_local if self.all_day else to_utc(self.end_local, self.tz)


class Event(BaseModel):
    """A stored event, without its join details."""

    event_id: int
    uid: str
    title: str
    kind: str
    audience: str
    workstream_id: str | None
    starts_utc: datetime
    ends_utc: datetime
    tz: str
    all_day: bool
    location: str | None
    description: str | None
    rrule: str | None
    exdates: str | None
    status: str
    sequence: int
    capacity: int | None
    open_to_non_champions: bool
    is_demo: bool
    source: str | None
    updated_at_utc: datetime
    invitees: list[int] = []
    product_ids: list[int] = []


class AgendaItemIn(BaseModel):
    """A timed agenda item inside an event, in the event's zone."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    starts_local: datetime
    ends_local: datetime
    presenter: str | None = Field(default=None, max_length=200)
    moderator: str | None = Field(default=None, max_length=200)
    product_id: int | None = None

    @model_validator(mode="after")
    def _order(self) -> AgendaItemIn:
        if self.ends_local <= self.starts_local:
            raise ValueError(
                f"the item ends ({self.ends_local:%H:%M}) before or when it starts "
                f"({self.starts_local:%H:%M})"
            )
        return self


class JoinDetailsIn(BaseModel):
    """How to join a meeting; shown only to those who may see it."""

    url: str | None = Field(default=None, max_length=1000)
    meeting_number: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=200)
    dial_in: str | None = Field(default=None, max_length=1000)


class EventConflict(RuntimeError):
    """Someone else changed the same data at the same time; nothing was written."""


def explain(exc: ValidationError, *, where: str = "") -> list[str]:
    """Return one plain sentence per validation problem, naming the field as the form does."""
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        name = FIELD_LABELS.get(field, field)
        message = str(err["msg"]).removeprefix("Value error, ")
        prefix = f"{where}: " if where else ""
        out.append(f"{prefix}{name}: {message}" if name else f"{prefix}{message}")
    return out


_EVENT_COLUMNS = (
    "event_id, uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz, all_day,"
    " location, description, rrule, exdates, status, sequence, capacity, open_to_non_champions,"
    " is_demo, source, updated_at_utc"
)


def get_event(con: duckdb.DuckDBPyConnection, event_id: int) -> Event | None:
    """Return one event with its invitees and linked products, or None."""
    return _fetch_event(con.cursor(), event_id)


def _fetch_event(cur: duckdb.DuckDBPyConnection, event_id: int) -> Event | None:
    row = cur.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = ?",  # noqa: S608
        [event_id],
    ).fetchone()
    if row is None:
        return None
    data = dict(zip([c.strip() for c in _EVENT_COLUMNS.split(",")], row, strict=True))
    data["invitees"] = [
        r[0]
        for r in cur.execute(
            "SELECT m49 FROM event_invitees WHERE event_id = ? ORDER BY m49", [event_id]
        ).fetchall()
    ]
    data["product_ids"] = [
        r[0]
        for r in cur.execute(
            "SELECT product_id FROM event_products WHERE event_id = ? ORDER BY product_id",
            [event_id],
        ).fetchall()
    ]
    return Event(**data)


def get_event_id_by_uid(con: duckdb.DuckDBPyConnection, uid: str) -> int | None:
    """Return the id of the event with that UID, or None."""
    row = con.cursor().execute("SELECT event_id FROM events WHERE uid = ?", [uid]).fetchone()
    return row[0] if row else None


def list_events(
    con: duckdb.DuckDBPyConnection,
    *,
    start_utc: datetime,
    end_utc: datetime,
    workstreams: list[str] | None = None,
    kinds: list[str] | None = None,
    audiences: list[str] | None = None,
    country_m49: int | None = None,
    text: str | None = None,
    include_cancelled: bool = True,
) -> pd.DataFrame:
    """Return the events (and repeating series) touching [start_utc, end_utc), filtered.

    Series are returned once; `core.recurrence.expand` turns them into occurrences.
    `workstreams` may hold "" for network-wide events (no workstream).
    """
    return (
        con.cursor()
        .execute(
            """
        SELECT e.event_id, e.uid, e.title, e.kind, e.audience, e.workstream_id, e.starts_utc,
               e.ends_utc, e.tz, e.all_day, e.status, e.is_demo, e.rrule, e.exdates, e.location,
               e.sequence,
               (SELECT count(*) FROM event_invitees i WHERE i.event_id = e.event_id)
                   AS invited_champions
        FROM events e
        WHERE e.starts_utc < ? AND (e.ends_utc > ? OR e.rrule IS NOT NULL)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], coalesce(e.workstream_id, '')))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], e.kind))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], e.audience))
          AND (?::INTEGER IS NULL OR EXISTS (SELECT 1 FROM event_invitees i
                                             WHERE i.event_id = e.event_id AND i.m49 = ?))
          AND (?::VARCHAR IS NULL OR strpos(lower(e.title || ' ' || coalesce(e.description, '')
                 || ' ' || coalesce(e.location, '')), lower(?)) > 0)
          AND (? OR e.status <> 'cancelled')
        ORDER BY e.starts_utc, e.title
        """,
            [
                end_utc,
                start_utc,
                workstreams,
                workstreams,
                kinds,
                kinds,
                audiences,
                audiences,
                country_m49,
                country_m49,
                text or None,
                text or None,
                include_cancelled,
            ],
        )
        .df()
    )


def list_all_event_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Return the ids of every event, oldest first."""
    rows = con.cursor().execute("SELECT event_id FROM events ORDER BY starts_utc").fetchall()
    return [r[0] for r in rows]


def may_edit(user: User | None, workstream_id: str | None) -> bool:
    """Return True when the user may create or change events of that workstream."""
    return can(user, "event.edit", workstream_id=workstream_id)


def may_create_any(user: User | None) -> bool:
    """Return True when the user may create at least some events (staff, workstream leads)."""
    if user is None:
        return False
    return may_edit(user, None) or may_edit(user, user.workstream_id)


def _row_values(event_in: EventIn) -> dict:
    return {
        "title": event_in.title,
        "kind": event_in.kind,
        "audience": event_in.audience,
        "workstream_id": event_in.workstream_id,
        "starts_utc": event_in.starts_utc,
        "ends_utc": event_in.ends_utc,
        "tz": event_in.tz,
        "all_day": event_in.all_day,
        "location": event_in.location,
        "description": event_in.description,
        "rrule": event_in.rrule,
        "exdates": format_exdates(event_in.exdates),
        "status": event_in.status,
        "capacity": event_in.capacity,
        "open_to_non_champions": event_in.open_to_non_champions,
    }


def insert_event(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    event_in: EventIn,
    source: str | None = None,
    sequence: int = 0,
) -> int:
    """Insert an event inside the caller's transaction (permission checked, audited)."""
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    values = _row_values(event_in)
    uid = event_in.uid or f"{uuid.uuid4()}@actionplan"
    event_id = cur.execute(
        "INSERT INTO events (uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz,"
        " all_day, location, description, rrule, exdates, status, sequence, capacity,"
        " open_to_non_champions, source, is_demo, created_by, updated_at_utc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)"
        " RETURNING event_id",
        [
            uid,
            *[values[k] for k in list(values)[:13]],
            sequence,
            values["capacity"],
            values["open_to_non_champions"],
            source,
            actor.username,
            audit.utcnow(),
        ],
    ).fetchone()[0]
    _set_links(cur, event_id, event_in, before=None)
    audit.record(
        cur,
        actor=actor,
        action="create",
        entity="event",
        entity_id=event_id,
        after=dict(values, uid=uid, invitees=event_in.invitees, products=event_in.product_ids),
    )
    return event_id


def _set_links(
    cur: duckdb.DuckDBPyConnection, event_id: int, event_in: EventIn, before: Event | None
) -> None:
    old_inv = set(before.invitees) if before else set()
    old_prod = set(before.product_ids) if before else set()
    new_inv, new_prod = set(event_in.invitees), set(event_in.product_ids)
    for m49 in old_inv - new_inv:
        cur.execute("DELETE FROM event_invitees WHERE event_id = ? AND m49 = ?", [event_id, m49])
    if new_inv - old_inv:
        cur.executemany(
            "INSERT INTO event_invitees VALUES (?, ?)",
            [[event_id, m] for m in sorted(new_inv - old_inv)],
        )
    for pid in old_prod - new_prod:
        cur.execute(
            "DELETE FROM event_products WHERE event_id = ? AND product_id = ?", [event_id, pid]
        )
    if new_prod - old_prod:
        cur.executemany(
            "INSERT INTO event_products VALUES (?, ?)",
            [[event_id, p] for p in sorted(new_prod - old_prod)],
        )


def _comparable(event: Event) -> dict:
    return {
        "title": event.title,
        "kind": event.kind,
        "audience": event.audience,
        "workstream_id": event.workstream_id,
        "starts_utc": event.starts_utc,
        "ends_utc": event.ends_utc,
        "tz": event.tz,
        "all_day": event.all_day,
        "location": event.location,
        "description": event.description,
        "rrule": event.rrule,
        "exdates": event.exdates,
        "status": event.status,
        "capacity": event.capacity,
        "open_to_non_champions": event.open_to_non_champions,
    }


def _read_event(cur: duckdb.DuckDBPyConnection, event_id: int) -> Event:
    event = _fetch_event(cur, event_id)
    if event is None:
        raise LookupError(f"There is no event number {event_id}.")
    return event


def apply_update(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    event_id: int,
    event_in: EventIn,
    keep_links: bool = False,
) -> bool:
    """Update an event inside the caller's transaction; bump SEQUENCE; return True if changed."""
    before = _read_event(cur, event_id)
    require(actor, "event.edit", workstream_id=before.workstream_id)
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    if keep_links:
        event_in = event_in.model_copy(
            update={"invitees": before.invitees, "product_ids": before.product_ids}
        )
    values = _row_values(event_in)
    old = _comparable(before)
    links_same = set(before.invitees) == set(event_in.invitees) and set(before.product_ids) == set(
        event_in.product_ids
    )
    if values == old and links_same:
        return False
    if values["workstream_id"] != old["workstream_id"]:
        _move_workstream(cur, event_id, before.title, values["workstream_id"])
    # Any change bumps SEQUENCE so that calendar clients replace their copy.
    cur.execute(
        "UPDATE events SET title = ?, kind = ?, audience = ?, starts_utc = ?,"
        " ends_utc = ?, tz = ?, all_day = ?, location = ?, description = ?, rrule = ?, exdates = ?,"
        " status = ?, capacity = ?, open_to_non_champions = ?, sequence = sequence + 1,"
        " updated_at_utc = ? WHERE event_id = ?",
        [v for k, v in values.items() if k != "workstream_id"] + [audit.utcnow(), event_id],
    )
    _set_links(cur, event_id, event_in, before)
    changed_before = {k: v for k, v in old.items() if values[k] != v}
    changed_after = {k: values[k] for k in changed_before}
    if not links_same:
        changed_before.update(invitees=before.invitees, products=before.product_ids)
        changed_after.update(invitees=event_in.invitees, products=event_in.product_ids)
    audit.record(
        cur,
        actor=actor,
        action="update",
        entity="event",
        entity_id=event_id,
        before=changed_before,
        after=changed_after,
    )
    return True


def _move_workstream(
    cur: duckdb.DuckDBPyConnection, event_id: int, title: str, workstream_id: str | None
) -> None:
    # DuckDB rewrites a row whose foreign-key column changes, which it refuses while other
    # tables (invitees, agenda, registrations) point at the event: say so in plain words.
    try:
        cur.execute(
            "UPDATE events SET workstream_id = ? WHERE event_id = ?", [workstream_id, event_id]
        )
    except duckdb.ConstraintException:
        raise ValueError(
            f"'{title}' cannot move to another workstream once it has invitees, linked products,"
            " an agenda or registrations. Keep its workstream, or create a new event and cancel"
            " this one."
        ) from None


def _guarded(con: duckdb.DuckDBPyConnection, work):
    """Run `work(cur)` in one transaction; turn a concurrent-change failure into EventConflict."""
    try:
        with transaction(con) as cur:
            return work(cur)
    except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
        raise EventConflict(
            "The calendar changed at the same time (another person saved a change, or the UID "
            f"is already used). Nothing was saved; reload and try again. ({exc})"
        ) from None


def create_event(
    con: duckdb.DuckDBPyConnection, *, actor: User, event_in: EventIn, source: str | None = None
) -> int:
    """Create an event; return its id."""
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    return _guarded(
        con, lambda cur: insert_event(cur, actor=actor, event_in=event_in, source=source)
    )


def update_event(
    con: duckdb.DuckDBPyConnection, *, actor: User, event_id: int, event_in: EventIn
) -> bool:
    """Change an event (SEQUENCE is bumped); return True when anything changed."""
    return _guarded(
        con,
        lambda cur: apply_update(cur, actor=actor, event_id=event_id, event_in=event_in),
    )


def cancel_event(con: duckdb.DuckDBPyConnection, *, actor: User, event_id: int) -> None:
    """Mark an event cancelled (it stays in exports so that subscribed calendars drop it)."""

    def work(cur):
        before = _read_event(cur, event_id)
        require(actor, "event.edit", workstream_id=before.workstream_id)
        if before.status == "cancelled":
            return
        cur.execute(
            "UPDATE events SET status = 'cancelled', sequence = sequence + 1, updated_at_utc = ?"
            " WHERE event_id = ?",
            [audit.utcnow(), event_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="cancel",
            entity="event",
            entity_id=event_id,
            before={"status": before.status},
            after={"status": "cancelled"},
        )

    _guarded(con, work)


def skip_occurrence(
    con: duckdb.DuckDBPyConnection, *, actor: User, event_id: int, occurrence_utc: datetime
) -> None:
    """Add an exception to a repeating event: the occurrence at that instant does not happen."""

    def work(cur):
        before = _read_event(cur, event_id)
        require(actor, "event.edit", workstream_id=before.workstream_id)
        if not before.rrule:
            raise ValueError(f"'{before.title}' does not repeat; cancel it instead.")
        dates = parse_exdates(before.exdates)
        if occurrence_utc in dates:
            return
        after = format_exdates([*dates, occurrence_utc])
        cur.execute(
            "UPDATE events SET exdates = ?, sequence = sequence + 1, updated_at_utc = ?"
            " WHERE event_id = ?",
            [after, audit.utcnow(), event_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="update",
            entity="event",
            entity_id=event_id,
            before={"exdates": before.exdates},
            after={"exdates": after},
        )

    _guarded(con, work)


# Agenda items -----------------------------------------------------------------------------


def list_agenda(con: duckdb.DuckDBPyConnection, *, event_id: int) -> pd.DataFrame:
    """Return an event's agenda items in order, with the linked product and the booking workstream."""
    return (
        con.cursor()
        .execute(
            "SELECT a.item_id, a.starts_utc, a.ends_utc, a.title, a.presenter, a.moderator,"
            " a.product_id, p.title_en AS product, a.booking_id, b.workstream_id AS booked_by"
            " FROM agenda_items a LEFT JOIN products p ON p.product_id = a.product_id"
            " LEFT JOIN bookings b ON b.booking_id = a.booking_id"
            " WHERE a.event_id = ? ORDER BY a.starts_utc, a.item_id",
            [event_id],
        )
        .df()
    )


def _agenda_slot(
    cur: duckdb.DuckDBPyConnection,
    event: Event,
    item_in: AgendaItemIn,
    *,
    except_item: int | None = None,
) -> tuple[datetime, datetime]:
    """Return the item's UTC times; refuse times outside the event or overlapping another item."""
    starts = to_utc(item_in.starts_local, event.tz)
    ends = to_utc(item_in.ends_local, event.tz)
    if starts < event.starts_utc or ends > event.ends_utc:
        raise ValueError(
            f"Agenda item '{item_in.title}': {item_in.starts_local:%H:%M}-"
            f"{item_in.ends_local:%H:%M} is outside the event's own time in {event.tz}."
        )
    clash = cur.execute(
        "SELECT title, starts_utc, ends_utc FROM agenda_items WHERE event_id = ?"
        " AND starts_utc < ? AND ends_utc > ? AND item_id IS DISTINCT FROM ?"
        " ORDER BY starts_utc LIMIT 1",
        [event.event_id, ends, starts, except_item],
    ).fetchone()
    if clash:
        raise ValueError(
            f"Agenda item '{item_in.title}' overlaps '{clash[0]}' "
            f"({_hm(clash[1], event.tz)}-{_hm(clash[2], event.tz)} in {event.tz})."
        )
    return starts, ends


def _touch_event(cur: duckdb.DuckDBPyConnection, event_id: int) -> None:
    # Touch the event row: two simultaneous changes to one agenda then conflict at commit,
    # and calendar clients see a new SEQUENCE.
    cur.execute(
        "UPDATE events SET sequence = sequence + 1, updated_at_utc = ? WHERE event_id = ?",
        [audit.utcnow(), event_id],
    )


def add_agenda_item(
    con: duckdb.DuckDBPyConnection, *, actor: User, event_id: int, item_in: AgendaItemIn
) -> int:
    """Add a timed item inside the event; refuse items outside it or overlapping another."""

    def work(cur):
        event = _read_event(cur, event_id)
        require(actor, "event.edit", workstream_id=event.workstream_id)
        starts, ends = _agenda_slot(cur, event, item_in)
        _touch_event(cur, event_id)
        item_id = cur.execute(
            "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter, moderator,"
            " product_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING item_id",
            [
                event_id,
                starts,
                ends,
                item_in.title,
                item_in.presenter,
                item_in.moderator,
                item_in.product_id,
            ],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=actor,
            action="create",
            entity="agenda_item",
            entity_id=item_id,
            after=dict(item_in.model_dump(mode="json"), event_id=event_id),
        )
        return item_id

    return _guarded(con, work)


def update_agenda_item(
    con: duckdb.DuckDBPyConnection, *, actor: User, item_id: int, item_in: AgendaItemIn
) -> bool:
    """Change an agenda item in place (same rules as adding one); return True if anything changed.

    An item that came from a slot booking keeps its times: the booking holds that time.
    """

    def work(cur):
        row = cur.execute(
            "SELECT event_id, starts_utc, ends_utc, title, presenter, moderator, product_id,"
            " booking_id FROM agenda_items WHERE item_id = ?",
            [item_id],
        ).fetchone()
        if row is None:
            raise LookupError(f"There is no agenda item number {item_id}.")
        event = _read_event(cur, row[0])
        require(actor, "event.edit", workstream_id=event.workstream_id)
        starts, ends = _agenda_slot(cur, event, item_in, except_item=item_id)
        keys = ("starts_utc", "ends_utc", "title", "presenter", "moderator", "product_id")
        old = dict(zip(keys, row[1:7], strict=True))
        new = dict(
            zip(
                keys,
                (
                    starts,
                    ends,
                    item_in.title,
                    item_in.presenter,
                    item_in.moderator,
                    item_in.product_id,
                ),
                strict=True,
            )
        )
        if new == old:
            return False
        if row[7] is not None and (starts, ends) != (row[1], row[2]):
            raise ValueError(
                f"Agenda item '{old['title']}' comes from a slot booking: change its time on the"
                " Bookings page (release the booking and book another slot)."
            )
        cur.execute(
            "UPDATE agenda_items SET starts_utc = ?, ends_utc = ?, title = ?, presenter = ?,"
            " moderator = ?, product_id = ? WHERE item_id = ?",
            [*new.values(), item_id],
        )
        _touch_event(cur, event.event_id)
        changed = [k for k in keys if new[k] != old[k]]
        audit.record(
            cur,
            actor=actor,
            action="update",
            entity="agenda_item",
            entity_id=item_id,
            before=dict({k: old[k] for k in changed}, event_id=event.event_id),
            after=dict({k: new[k] for k in changed}, event_id=event.event_id),
        )
        return True

    return _guarded(con, work)


def delete_agenda_item(con: duckdb.DuckDBPyConnection, *, actor: User, item_id: int) -> None:
    """Remove an agenda item. An item made by a slot booking goes with its booking only: removing
    it alone would leave the booking holding the slot and the meeting time."""

    def work(cur):
        row = cur.execute(
            "SELECT a.event_id, a.title, e.workstream_id, a.booking_id FROM agenda_items a"
            " JOIN events e ON e.event_id = a.event_id WHERE a.item_id = ?",
            [item_id],
        ).fetchone()
        if row is None:
            raise LookupError(f"There is no agenda item number {item_id}.")
        require(actor, "event.edit", workstream_id=row[2])
        if row[3] is not None:
            raise ValueError(
                f"Agenda item '{row[1]}' comes from a slot booking: release the booking on the"
                " Bookings page, which frees the slot and removes the item."
            )
        cur.execute("DELETE FROM agenda_items WHERE item_id = ?", [item_id])
        _touch_event(cur, row[0])
        audit.record(
            cur,
            actor=actor,
            action="delete",
            entity="agenda_item",
            entity_id=item_id,
            before={"event_id": row[0], "title": row[1]},
        )

    _guarded(con, work)


def _hm(utc: datetime, tz: str) -> str:
    from core.timezones import to_local

    return f"{to_local(utc, tz):%H:%M}"


# Detail and join details ------------------------------------------------------------------


def list_event_products(con: duckdb.DuckDBPyConnection, *, event_id: int) -> pd.DataFrame:
    """Return the products linked to an event (title, workstream, stage)."""
    return (
        con.cursor()
        .execute(
            "SELECT p.product_id, p.title_en AS title, p.workstream_id, p.stage FROM event_products"
            " ep JOIN products p ON p.product_id = ep.product_id WHERE ep.event_id = ?"
            " ORDER BY p.title_en",
            [event_id],
        )
        .df()
    )


def may_see_join_details(con: duckdb.DuckDBPyConnection, user: User | None, event_id: int) -> bool:
    """Return True for staff and for confirmed participants registered with the user's e-mail."""
    if user is None:
        return False
    if can(user, "join_details.view"):
        return True
    if not user.email:
        return False
    row = (
        con.cursor()
        .execute(
            "SELECT 1 FROM registrations WHERE event_id = ? AND lower(email) = lower(?)"
            " AND status IN ('confirmed', 'attended') LIMIT 1",
            [event_id, user.email],
        )
        .fetchone()
    )
    return row is not None


def join_details_for(
    con: duckdb.DuckDBPyConnection, *, user: User | None, event_ids: list[int] | None = None
) -> dict[int, dict]:
    """Return {event_id: join details} for the events whose details the user may see."""
    cur = con.cursor()
    rows = cur.execute(
        "SELECT event_id, url, meeting_number, password, dial_in FROM event_join_details"
        " WHERE ?::INTEGER[] IS NULL OR list_contains(?::INTEGER[], event_id)",
        [event_ids, event_ids],
    ).fetchall()
    if not rows or user is None:
        return {}
    if can(user, "join_details.view"):
        allowed = {r[0] for r in rows}
    elif user.email:
        allowed = {
            r[0]
            for r in cur.execute(
                "SELECT DISTINCT event_id FROM registrations WHERE lower(email) = lower(?)"
                " AND status IN ('confirmed', 'attended')",
                [user.email],
            ).fetchall()
        }
    else:
        allowed = set()
    keys = ("url", "meeting_number", "password", "dial_in")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows if r[0] in allowed}


def set_join_details(
    con: duckdb.DuckDBPyConnection, *, actor: User, event_id: int, details: JoinDetailsIn
) -> None:
    """Store how to join the event (the audit log records that they changed, not the secrets)."""

    def work(cur):
        event = _read_event(cur, event_id)
        require(actor, "event.edit", workstream_id=event.workstream_id)
        cur.execute("DELETE FROM event_join_details WHERE event_id = ?", [event_id])
        cur.execute(
            "INSERT INTO event_join_details VALUES (?, ?, ?, ?, ?)",
            [event_id, details.url, details.meeting_number, details.password, details.dial_in],
        )
        cur.execute(
            "UPDATE events SET sequence = sequence + 1, updated_at_utc = ? WHERE event_id = ?",
            [audit.utcnow(), event_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="update",
            entity="event_join_details",
            entity_id=event_id,
            after={"changed": True},
        )

    _guarded(con, work)


# Choices for forms and filters ---------------------------------------------------------------


def list_workstream_choices(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Return (workstream_id, label) pairs."""
    rows = (
        con.cursor()
        .execute("SELECT workstream_id, name FROM workstreams ORDER BY workstream_id")
        .fetchall()
    )
    return [(ws, f"{ws}: {name}" if name else ws) for ws, name in rows]


def list_champion_choices(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """Return (m49, country name) of the Champion countries."""
    rows = (
        con.cursor()
        .execute(
            "SELECT ch.m49, c.name_en FROM champions ch JOIN countries c ON c.m49 = ch.m49"
            " ORDER BY c.name_en"
        )
        .fetchall()
    )
    return [(m49, name) for m49, name in rows]


def list_product_choices(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """Return (product_id, title) of every product."""
    rows = (
        con.cursor()
        .execute("SELECT product_id, title_en FROM products ORDER BY workstream_id, title_en")
        .fetchall()
    )
    return [(pid, title) for pid, title in rows]

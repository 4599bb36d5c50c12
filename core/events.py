"""Read and write calendar events (times stored in UTC, shown in the event's and viewer's zones)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core import audit, outbox
from core.permissions import User, can, require
from core.recurrence import check_rrule, format_exdates, parse_exdates
from core.store import Db, WriteConflict
from core.store import events as store
from core.store.events import Event
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


def get_event(con: Db, event_id: int) -> Event | None:
    """Return one event with its invitees and linked products, or None."""
    with con.reading() as conn:
        return store.get_event(conn, event_id=event_id)


def get_event_id_by_uid(con: Db, uid: str) -> int | None:
    """Return the id of the event with that UID, or None."""
    return store.get_event_id_by_uid(con, uid=uid)


def list_events(
    con: Db,
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
    return store.list_events(
        con,
        start_utc=start_utc,
        end_utc=end_utc,
        workstreams=workstreams,
        kinds=kinds,
        audiences=audiences,
        country_m49=country_m49,
        text=text or None,
        include_cancelled=include_cancelled,
    )


def list_all_event_ids(con: Db) -> list[int]:
    """Return the ids of every event, oldest first."""
    return store.list_all_event_ids(con)


def may_edit(user: User | None, workstream_id: str | None) -> bool:
    """Return True when the user may create or change events of that workstream."""
    return can(user, "event.edit", workstream_id=workstream_id)


def may_create_any(user: User | None) -> bool:
    """Return True when the user may create at least some events (staff, workstream leads)."""
    if user is None:
        return False
    return may_edit(user, None) or may_edit(user, user.workstream_id)


def event_values(event_in: EventIn) -> dict:
    """The stored values of a form's or an import's event (the workstream included)."""
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


def stored_values(event: Event) -> dict:
    """The same values of a stored event, to compare with `event_values`."""
    return {key: getattr(event, key) for key in event_values_keys()}


def event_values_keys() -> tuple[str, ...]:
    return ("workstream_id", *store.FIELDS)


def insert_event(
    conn,
    *,
    actor: User,
    event_in: EventIn,
    source: str | None = None,
    sequence: int = 0,
) -> int:
    """Insert an event inside the caller's transaction (permission checked, audited).

    The one way an event is created: forms, .ics import and bookings come through here.
    """
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    values = event_values(event_in)
    uid = event_in.uid or f"{uuid.uuid4()}@actionplan"
    if store.uid_taken(conn, uid=uid):
        raise ValueError(f"An event with the UID {uid} already exists.")
    event_id = store.insert_event(
        conn,
        store.EventRecordIn(
            uid=uid,
            workstream_id=values["workstream_id"],
            fields={k: values[k] for k in store.FIELDS},
            sequence=sequence,
            source=source,
            created_by=actor.username,
            updated_at_utc=audit.utcnow(),
        ),
    )
    _set_links(conn, event_id, event_in, before=None)
    audit.record(
        conn,
        actor=actor,
        action="create",
        entity="event",
        entity_id=event_id,
        after=dict(values, uid=uid, invitees=event_in.invitees, products=event_in.product_ids),
    )
    return event_id


def _set_links(conn, event_id: int, event_in: EventIn, before: Event | None) -> None:
    old_inv = set(before.invitees) if before else set()
    old_prod = set(before.product_ids) if before else set()
    new_inv, new_prod = set(event_in.invitees), set(event_in.product_ids)
    store.replace_links(
        conn,
        event_id=event_id,
        add_invitees=new_inv - old_inv,
        drop_invitees=old_inv - new_inv,
        add_products=new_prod - old_prod,
        drop_products=old_prod - new_prod,
    )


def read_event(conn, event_id: int) -> Event:
    """The event, inside a transaction; a plain refusal when there is none."""
    event = store.get_event(conn, event_id=event_id)
    if event is None:
        raise LookupError(f"There is no event number {event_id}.")
    return event


def apply_update(
    conn,
    *,
    actor: User,
    event_id: int,
    event_in: EventIn,
    keep_links: bool = False,
) -> bool:
    """Update an event inside the caller's transaction; bump SEQUENCE; return True if changed."""
    before = read_event(conn, event_id)
    require(actor, "event.edit", workstream_id=before.workstream_id)
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    if keep_links:
        event_in = event_in.model_copy(
            update={"invitees": before.invitees, "product_ids": before.product_ids}
        )
    values = event_values(event_in)
    old = stored_values(before)
    links_same = set(before.invitees) == set(event_in.invitees) and set(before.product_ids) == set(
        event_in.product_ids
    )
    if values == old and links_same:
        return False
    if values["workstream_id"] != old["workstream_id"]:
        move_workstream(conn, event_id, before.title, values["workstream_id"])
    # Any change bumps SEQUENCE so that calendar clients replace their copy.
    store.bump_sequence(
        conn, event_id=event_id, at_utc=audit.utcnow(), **{k: values[k] for k in store.FIELDS}
    )
    _set_links(conn, event_id, event_in, before)
    changed_before = {k: v for k, v in old.items() if values[k] != v}
    changed_after = {k: values[k] for k in changed_before}
    if not links_same:
        changed_before.update(invitees=before.invitees, products=before.product_ids)
        changed_after.update(invitees=event_in.invitees, products=event_in.product_ids)
    audit.record(
        conn,
        actor=actor,
        action="update",
        entity="event",
        entity_id=event_id,
        before=changed_before,
        after=changed_after,
    )
    outbox.queue_event_change(
        conn, actor=actor, event_id=event_id, cancelled=values["status"] == "cancelled"
    )
    return True


def move_workstream(conn, event_id: int, title: str, workstream_id: str | None) -> None:
    """Give an event another workstream (inside the caller's transaction)."""
    if not store.update_event_workstream(conn, event_id=event_id, workstream_id=workstream_id):
        raise ValueError(
            f"'{title}' cannot move to another workstream once it has invitees, linked products,"
            " an agenda or registrations. Keep its workstream, or create a new event and cancel"
            " this one."
        ) from None


def _guarded(con: Db, work):
    """Run `work(conn)` in one transaction (conflicts retried); say plainly when they persist."""
    try:
        return con.write(work)
    except WriteConflict:
        raise EventConflict(
            "The calendar changed at the same time (another person saved a change). Nothing was "
            "saved; reload and try again."
        ) from None


def create_event(con: Db, *, actor: User, event_in: EventIn, source: str | None = None) -> int:
    """Create an event; return its id."""
    require(actor, "event.edit", workstream_id=event_in.workstream_id)
    return _guarded(
        con, lambda conn: insert_event(conn, actor=actor, event_in=event_in, source=source)
    )


def update_event(con: Db, *, actor: User, event_id: int, event_in: EventIn) -> bool:
    """Change an event (SEQUENCE is bumped); return True when anything changed."""
    return _guarded(
        con,
        lambda conn: apply_update(conn, actor=actor, event_id=event_id, event_in=event_in),
    )


def cancel_event(con: Db, *, actor: User, event_id: int) -> None:
    """Mark an event cancelled (it stays in exports so that subscribed calendars drop it)."""

    def work(conn):
        before = read_event(conn, event_id)
        require(actor, "event.edit", workstream_id=before.workstream_id)
        if before.status == "cancelled":
            return
        store.bump_sequence(conn, event_id=event_id, at_utc=audit.utcnow(), status="cancelled")
        audit.record(
            conn,
            actor=actor,
            action="cancel",
            entity="event",
            entity_id=event_id,
            before={"status": before.status},
            after={"status": "cancelled"},
        )
        outbox.queue_event_change(conn, actor=actor, event_id=event_id, cancelled=True)

    _guarded(con, work)


def skip_occurrence(con: Db, *, actor: User, event_id: int, occurrence_utc: datetime) -> None:
    """Add an exception to a repeating event: the occurrence at that instant does not happen."""

    def work(conn):
        before = read_event(conn, event_id)
        require(actor, "event.edit", workstream_id=before.workstream_id)
        if not before.rrule:
            raise ValueError(f"'{before.title}' does not repeat; cancel it instead.")
        dates = parse_exdates(before.exdates)
        if occurrence_utc in dates:
            return
        after = format_exdates([*dates, occurrence_utc])
        store.bump_sequence(conn, event_id=event_id, at_utc=audit.utcnow(), exdates=after)
        audit.record(
            conn,
            actor=actor,
            action="update",
            entity="event",
            entity_id=event_id,
            before={"exdates": before.exdates},
            after={"exdates": after},
        )

    _guarded(con, work)


# Agenda items -----------------------------------------------------------------------------


def list_agenda(con: Db, *, event_id: int) -> pd.DataFrame:
    """Return an event's agenda items in order, with the linked product and the booking workstream."""
    return store.list_agenda(con, event_id=event_id)


def _agenda_slot(
    conn,
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
    clash = store.find_agenda_clash(
        conn, event_id=event.event_id, starts_utc=starts, ends_utc=ends, except_item=except_item
    )
    if clash:
        raise ValueError(
            f"Agenda item '{item_in.title}' overlaps '{clash.title}' "
            f"({_hm(clash.starts_utc, event.tz)}-{_hm(clash.ends_utc, event.tz)} in {event.tz})."
        )
    return starts, ends


def _touch_event(conn, event_id: int) -> None:
    # Touch the event row: two simultaneous changes to one agenda then conflict at commit,
    # and calendar clients see a new SEQUENCE.
    store.bump_sequence(conn, event_id=event_id, at_utc=audit.utcnow())


def add_agenda_item(con: Db, *, actor: User, event_id: int, item_in: AgendaItemIn) -> int:
    """Add a timed item inside the event; refuse items outside it or overlapping another."""

    def work(conn):
        event = read_event(conn, event_id)
        require(actor, "event.edit", workstream_id=event.workstream_id)
        starts, ends = _agenda_slot(conn, event, item_in)
        _touch_event(conn, event_id)
        item_id = store.insert_agenda_item(
            conn,
            event_id=event_id,
            starts_utc=starts,
            ends_utc=ends,
            title=item_in.title,
            presenter=item_in.presenter,
            moderator=item_in.moderator,
            product_id=item_in.product_id,
        )
        audit.record(
            conn,
            actor=actor,
            action="create",
            entity="agenda_item",
            entity_id=item_id,
            after=dict(item_in.model_dump(mode="json"), event_id=event_id),
        )
        return item_id

    return _guarded(con, work)


def update_agenda_item(con: Db, *, actor: User, item_id: int, item_in: AgendaItemIn) -> bool:
    """Change an agenda item in place (same rules as adding one); return True if anything changed.

    An item that came from a slot booking keeps its times: the booking holds that time.
    """

    def work(conn):
        item = store.get_agenda_item(conn, item_id=item_id)
        if item is None:
            raise LookupError(f"There is no agenda item number {item_id}.")
        event = read_event(conn, item.event_id)
        require(actor, "event.edit", workstream_id=event.workstream_id)
        starts, ends = _agenda_slot(conn, event, item_in, except_item=item_id)
        keys = ("starts_utc", "ends_utc", "title", "presenter", "moderator", "product_id")
        old = {k: getattr(item, k) for k in keys}
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
        if item.booking_id is not None and (starts, ends) != (item.starts_utc, item.ends_utc):
            raise ValueError(
                f"Agenda item '{old['title']}' comes from a slot booking: change its time on the"
                " Bookings page (release the booking and book another slot)."
            )
        store.update_agenda_item(conn, item_id=item_id, values=new)
        _touch_event(conn, event.event_id)
        changed = [k for k in keys if new[k] != old[k]]
        audit.record(
            conn,
            actor=actor,
            action="update",
            entity="agenda_item",
            entity_id=item_id,
            before=dict({k: old[k] for k in changed}, event_id=event.event_id),
            after=dict({k: new[k] for k in changed}, event_id=event.event_id),
        )
        return True

    return _guarded(con, work)


def delete_agenda_item(con: Db, *, actor: User, item_id: int) -> None:
    """Remove an agenda item. An item made by a slot booking goes with its booking only: removing
    it alone would leave the booking holding the slot and the meeting time."""

    def work(conn):
        item = store.get_agenda_item(conn, item_id=item_id)
        if item is None:
            raise LookupError(f"There is no agenda item number {item_id}.")
        require(actor, "event.edit", workstream_id=item.workstream_id)
        if item.booking_id is not None:
            raise ValueError(
                f"Agenda item '{item.title}' comes from a slot booking: release the booking on the"
                " Bookings page, which frees the slot and removes the item."
            )
        store.delete_agenda_item(conn, item_id=item_id)
        _touch_event(conn, item.event_id)
        audit.record(
            conn,
            actor=actor,
            action="delete",
            entity="agenda_item",
            entity_id=item_id,
            before={"event_id": item.event_id, "title": item.title},
        )

    _guarded(con, work)


def _hm(utc: datetime, tz: str) -> str:
    from core.timezones import to_local

    return f"{to_local(utc, tz):%H:%M}"


# Detail and join details ------------------------------------------------------------------


def list_event_products(con: Db, *, event_id: int) -> pd.DataFrame:
    """Return the products linked to an event (title, workstream, stage)."""
    return store.list_event_products(con, event_id=event_id)


def join_allowed(con: Db, user: User | None, event_ids: list[int] | None) -> set[int] | None:
    """The one rule for join details: staff see all (None: every event); others only the events
    where they are a confirmed participant registered with their own e-mail."""
    if user is None:
        return set()
    if can(user, "join_details.view"):
        return None
    if not user.email:
        return set()
    return store.list_events_registered_by_email(con, email=user.email, event_ids=event_ids)


def may_see_join_details(con: Db, user: User | None, event_id: int) -> bool:
    """Return True for staff and for confirmed participants registered with the user's e-mail."""
    allowed = join_allowed(con, user, [event_id])
    return allowed is None or event_id in allowed


def join_details_for(
    con: Db, *, user: User | None, event_ids: list[int] | None = None
) -> dict[int, dict]:
    """Return {event_id: join details} for the events whose details the user may see.

    Pages, the .ics export, the feeds and the downloads all call this.
    """
    rows = store.list_join_details(con, event_ids=event_ids)
    if not rows or user is None:
        return {}
    allowed = join_allowed(con, user, event_ids)
    keys = ("url", "meeting_number", "password", "dial_in")
    return {
        r[0]: dict(zip(keys, r[1:], strict=True))
        for r in rows
        if allowed is None or r[0] in allowed
    }


def set_join_details(con: Db, *, actor: User, event_id: int, details: JoinDetailsIn) -> None:
    """Store how to join the event (the audit log records that they changed, not the secrets)."""

    def work(conn):
        event = read_event(conn, event_id)
        require(actor, "event.edit", workstream_id=event.workstream_id)
        store.replace_join_details(conn, event_id=event_id, **details.model_dump())
        store.bump_sequence(conn, event_id=event_id, at_utc=audit.utcnow())
        audit.record(
            conn,
            actor=actor,
            action="update",
            entity="event_join_details",
            entity_id=event_id,
            after={"changed": True},
        )

    _guarded(con, work)


# Choices for forms and filters ---------------------------------------------------------------


def list_workstream_choices(con: Db) -> list[tuple[str, str]]:
    """Return (workstream_id, label) pairs."""
    return [(ws, f"{ws}: {name}" if name else ws) for ws, name in store.list_workstream_names(con)]


def list_champion_choices(con: Db) -> list[tuple[int, str]]:
    """Return (m49, country name) of the Champion countries."""
    return store.list_champion_names(con)


def list_product_choices(con: Db) -> list[tuple[int, str]]:
    """Return (product_id, title) of every product."""
    return store.list_product_titles(con)

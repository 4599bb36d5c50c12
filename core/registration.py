"""Register participants for a meeting under its rules: quota per country x agency, capacity, audience.

The rules are database constraints (quota_seats and capacity_seats keys) inside one transaction;
the checks before the inserts only exist to say, in the user's terms, which rule refused and who
holds the seat. Two simultaneous requests for the last seat cannot both take it: on PostgreSQL
their SERIALIZABLE transactions collide and the store runs the loser again, on DuckDB the seat
writes of the one process holding the file take turns; either way the loser then sees the seat
taken and gets the clear refusal.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

import pandas as pd
from pydantic import BaseModel, EmailStr, Field, ValidationError, field_validator

from core import audit, outbox
from core.permissions import PermissionDenied, User, require
from core.store import Db, WriteConflict
from core.store import meetings as store

Category = Literal["champion_delegate", "ec_listening", "presenter", "observer", "network_member"]
CATEGORY_LABELS = {
    "champion_delegate": "Champion delegate",
    "ec_listening": "EC member staff (listening mode)",
    "presenter": "Presenter",
    "observer": "Observer from a non-Champion country",
    "network_member": "Network member",
}
STATUS_LABELS = {
    "requested": "Requested",
    "confirmed": "Confirmed",
    "waitlisted": "Waiting list",
    "cancelled": "Cancelled",
    "attended": "Attended",
}
SEATED = ("requested", "confirmed", "attended")  # statuses that hold a place in the room
QUOTA_HOLDING = ("requested", "confirmed", "attended", "waitlisted")  # the agency's nominee
MAX_CSV_BYTES = 2_000_000


class RegistrationRefused(ValueError):
    """A participation rule refused the registration; the message names the rule."""


# Too many simultaneous changes collided and the retries did not help; nothing was written.
RegistrationConflict = WriteConflict


class ImportFailed(ValueError):
    """A bulk import was refused as a whole; `errors` lists each line's problem."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


class RegistrationIn(BaseModel):
    """A request to register one participant for one meeting."""

    event_id: int
    participant_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    m49: int | None = None
    organisation: str | None = Field(default=None, max_length=200)
    category: Category
    agency_id: str | None = None

    @field_validator("participant_name", "organisation", mode="before")
    @classmethod
    def _strip(cls, value):
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("email", mode="after")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class Registration(BaseModel):
    """A stored registration and what the rules decided."""

    registration_id: int
    event_id: int
    participant_name: str
    email: str
    status: str
    message: str


def _event_rules(conn, event_id: int) -> store.MeetingRules:
    rules = store.get_meeting_rules(conn, event_id=event_id)
    if rules is None:
        raise RegistrationRefused(f"Meeting {event_id} does not exist.")
    return rules


def _country(conn, m49: int | None) -> tuple[str | None, bool]:
    if m49 is None:
        return None, False
    standing = store.get_country_standing(conn, m49=m49)
    if standing is None:
        raise RegistrationRefused(f"Country code {m49} is not a UN M49 country.")
    return standing


def _check_audience(reg: RegistrationIn, country: str | None, is_champion: bool, open_: bool):
    if reg.category == "champion_delegate":
        if reg.m49 is None:
            raise RegistrationRefused(
                "A Champion delegate needs the Champion country they represent."
            )
        if not is_champion:
            raise RegistrationRefused(
                f"{country} is not a Champion country: register the person as an observer "
                "from a non-Champion country."
            )
    if reg.category == "observer":
        if reg.m49 is None:
            raise RegistrationRefused("An observer needs the country they come from.")
        if is_champion:
            raise RegistrationRefused(
                f"{country} is a Champion country: register the person as a Champion delegate."
            )
    if reg.m49 is not None and not is_champion and not open_:
        raise RegistrationRefused(
            f"This meeting is for Champion countries only, and {country} is not a Champion "
            "(rule: audience; the Secretariat can open the meeting to others)."
        )
    if reg.category == "ec_listening" and not reg.agency_id:
        raise RegistrationRefused("EC member staff in listening mode need their agency.")
    if reg.m49 is None and not (reg.organisation or reg.agency_id):
        raise RegistrationRefused("Give the participant's country or organisation.")


def _quota_seat(conn, reg: RegistrationIn, quota: int, country: str | None) -> int:
    holders = store.list_quota_holders(
        conn, event_id=reg.event_id, m49=reg.m49, agency_id=reg.agency_id
    )
    taken = {seat for seat, _ in holders if seat <= quota}
    free = [seat for seat in range(1, quota + 1) if seat not in taken]
    if not free:
        names = ", ".join(name for _, name in holders)
        if quota == 1:
            raise RegistrationRefused(
                f"{country} x {reg.agency_id} is already taken by {names} "
                f"(rule: at most 1 participant per Champion country per EC member)."
            )
        raise RegistrationRefused(
            f"{country} x {reg.agency_id} already has its {quota} seats, held by {names} "
            f"(rule: at most {quota} participants per Champion country per EC member)."
        )
    return free[0]


def _free_capacity_seat(conn, event_id: int, capacity: int | None) -> int | None:
    """The lowest free place in the room (the next number without a capacity), or None if full."""
    taken = store.list_capacity_seat_numbers(conn, event_id=event_id)
    if capacity is None:
        return max(taken, default=0) + 1
    taken_set = set(taken)
    return next((seat for seat in range(1, capacity + 1) if seat not in taken_set), None)


def quota_applies(reg: RegistrationIn, is_champion: bool) -> bool:
    """Return True when the registration takes one of an agency's seats for a Champion country."""
    return bool(reg.agency_id) and is_champion and reg.category != "ec_listening"


def _register(conn, *, actor: User, reg: RegistrationIn) -> Registration:
    """Apply every rule and write the registration in the caller's transaction."""
    require(actor, "registration.create", agency_id=reg.agency_id)
    rules = _event_rules(conn, reg.event_id)
    title, capacity = rules.title, rules.capacity
    if rules.status == "cancelled":
        raise RegistrationRefused(f"{title} is cancelled.")
    country, is_champion = _country(conn, reg.m49)
    _check_audience(reg, country, is_champion, rules.open_to_non_champions)
    if reg.agency_id and not store.agency_exists(conn, agency_id=reg.agency_id):
        raise RegistrationRefused(f"Agency {reg.agency_id} is not known.")
    existing = store.get_registration_by_email(conn, event_id=reg.event_id, email=reg.email)
    if existing and existing.status != "cancelled":
        raise RegistrationRefused(
            f"{reg.email} is already registered for this meeting "
            f"({STATUS_LABELS[existing.status].lower()})."
        )
    quota_seat = (
        _quota_seat(conn, reg, rules.quota_per_country_agency, country)
        if quota_applies(reg, is_champion)
        else None
    )
    seat = _free_capacity_seat(conn, reg.event_id, capacity)
    status = ("confirmed" if actor.is_staff else "requested") if seat else "waitlisted"
    values = store.RegistrationValues(
        participant_name=reg.participant_name,
        m49=reg.m49,
        organisation=reg.organisation,
        category=reg.category,
        agency_id=reg.agency_id,
        status=status,
        updated_at_utc=audit.utcnow(),
    )
    if existing:  # a cancelled registration of the same e-mail comes back under today's rules
        registration_id = existing.registration_id
        store.update_registration(conn, registration_id=registration_id, values=values)
    else:
        registration_id = store.insert_registration(
            conn,
            event_id=reg.event_id,
            email=reg.email,
            values=values,
            created_at_utc=audit.utcnow(),
        )
    # The guards: a second holder of the same seat collides on these keys.
    if quota_seat is not None:
        store.insert_quota_seat(
            conn,
            event_id=reg.event_id,
            m49=reg.m49,
            agency_id=reg.agency_id,
            seat_no=quota_seat,
            registration_id=registration_id,
        )
    if seat:
        store.insert_capacity_seat(
            conn, event_id=reg.event_id, seat_no=seat, registration_id=registration_id
        )
    audit.record(
        conn,
        actor=actor,
        action="registration.create",
        entity="registration",
        entity_id=registration_id,
        after={**reg.model_dump(), "status": status},
    )
    outbox.queue_registration_message(
        conn, actor=actor, registration_id=registration_id, change=status
    )
    message = {
        "confirmed": f"{reg.participant_name} is confirmed for {title}.",
        "requested": f"{reg.participant_name} is requested for {title}; the Secretariat confirms.",
        "waitlisted": (
            f"{title} is full (capacity {capacity}): {reg.participant_name} is on the waiting "
            "list and moves up when someone cancels."
        ),
    }[status]
    return Registration(
        registration_id=registration_id,
        event_id=reg.event_id,
        participant_name=reg.participant_name,
        email=reg.email,
        status=status,
        message=message,
    )


def register(con: Db, *, actor: User, reg: RegistrationIn) -> Registration:
    """Register one participant under the meeting's rules (confirmed, requested or waitlisted)."""
    return store.write_in_turn(con, lambda conn: _register(conn, actor=actor, reg=reg))


def _load(conn, registration_id: int) -> store.RegistrationRow:
    row = store.get_registration(conn, registration_id=registration_id)
    if row is None:
        raise RegistrationRefused(f"Registration {registration_id} does not exist.")
    return row


def cancel_registration(con: Db, *, actor: User, registration_id: int) -> Registration | None:
    """Cancel a registration, free its seats, and promote the next person on the waiting list.

    Return the promoted registration, if any.
    """

    def work(conn):
        row = _load(conn, registration_id)
        require(actor, "registration.cancel", agency_id=row.agency_id)
        if row.status == "cancelled":
            raise RegistrationRefused(
                f"{row.participant_name}'s registration is already cancelled."
            )
        seat = store.get_capacity_seat(conn, registration_id=registration_id)
        store.delete_registration_seats(conn, registration_id=registration_id)
        store.update_registration_status(
            conn, registration_id=registration_id, status="cancelled", updated_at_utc=audit.utcnow()
        )
        audit.record(
            conn,
            actor=actor,
            action="registration.cancel",
            entity="registration",
            entity_id=registration_id,
            before={"status": row.status},
            after={"status": "cancelled"},
        )
        outbox.queue_registration_message(
            conn, actor=actor, registration_id=registration_id, change="cancelled"
        )
        if seat is None:
            return None
        return _promote_next(conn, actor=actor, event_id=row.event_id, seat_no=seat)

    return store.write_in_turn(con, work)


def _promote_next(conn, *, actor: User, event_id: int, seat_no: int) -> Registration | None:
    nxt = store.get_first_waitlisted(conn, event_id=event_id)
    capacity = _event_rules(conn, event_id).capacity
    if nxt is None or (capacity is not None and seat_no > capacity):
        return None
    store.insert_capacity_seat(
        conn, event_id=event_id, seat_no=seat_no, registration_id=nxt.registration_id
    )
    store.update_registration_status(
        conn,
        registration_id=nxt.registration_id,
        status="confirmed",
        updated_at_utc=audit.utcnow(),
    )
    audit.record(
        conn,
        actor=actor,
        action="registration.promote",
        entity="registration",
        entity_id=nxt.registration_id,
        before={"status": "waitlisted"},
        after={"status": "confirmed", "seat_no": seat_no},
    )
    outbox.queue_registration_message(
        conn, actor=actor, registration_id=nxt.registration_id, change="promoted"
    )
    return Registration(
        registration_id=nxt.registration_id,
        event_id=event_id,
        participant_name=nxt.participant_name,
        email=nxt.email,
        status="confirmed",
        message=f"{nxt.participant_name} moved up from the waiting list and is confirmed.",
    )


def confirm_registration(con: Db, *, actor: User, registration_id: int) -> None:
    """Confirm a requested registration (its seats are already held)."""

    def work(conn):
        row = _load(conn, registration_id)
        require(actor, "registration.manage", agency_id=row.agency_id)
        if row.status != "requested":
            raise RegistrationRefused(
                f"Only requested registrations can be confirmed; {row.participant_name}'s is "
                f"{STATUS_LABELS[row.status].lower()}."
            )
        store.update_registration_status(
            conn, registration_id=registration_id, status="confirmed", updated_at_utc=audit.utcnow()
        )
        audit.record(
            conn,
            actor=actor,
            action="registration.confirm",
            entity="registration",
            entity_id=registration_id,
            before={"status": row.status},
            after={"status": "confirmed"},
        )
        outbox.queue_registration_message(
            conn, actor=actor, registration_id=registration_id, change="confirmed"
        )

    store.write_in_turn(con, work)


def list_registrations(con: Db, *, user: User, event_id: int) -> pd.DataFrame:
    """Return the participants the user may see: all for the Secretariat, own agency's for an EC member."""
    if user.is_staff:
        agency = None
    elif user.role == "ec_member":
        agency = user.agency_id
    else:
        raise PermissionDenied(
            "Participant lists are shown to the Secretariat and EC members only."
        )
    return store.list_registrations(con, event_id=event_id, agency_id=agency)


def registration_summary(con: Db, *, event_id: int) -> pd.DataFrame:
    """Return counts per category and status (no names: any role may see it)."""
    return store.count_registrations(con, event_id=event_id)


# Bulk registration -------------------------------------------------------------------------

_HEADERS = {
    "name": "participant_name",
    "participant": "participant_name",
    "participant name": "participant_name",
    "email": "email",
    "e-mail": "email",
    "country": "country",
    "organisation": "organisation",
    "organization": "organisation",
    "category": "category",
    "agency": "agency_id",
    "ec agency": "agency_id",
    "registered by": "agency_id",
}


def _country_lookup(con: Db) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for m49, iso2, iso3, name in store.list_country_codes(con):
        for key in (str(m49), iso2, iso3, name):
            if key:
                lookup[key.strip().lower()] = m49
    return lookup


def parse_registrations_csv(
    con: Db, *, event_id: int, data: bytes, default_agency: str | None
) -> tuple[list[tuple[int, RegistrationIn]], list[str]]:
    """Parse a CSV of participants into (line, RegistrationIn) pairs and line-numbered errors."""
    if len(data) > MAX_CSV_BYTES:
        return [], [f"The file is larger than {MAX_CSV_BYTES // 1_000_000} MB."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text: save it as 'CSV UTF-8' and try again."]
    try:  # a lone carriage return (old Mac line ends) or a huge field stops the csv module
        probe = csv.reader(io.StringIO(text))
        for _ in probe:
            pass
    except csv.Error as exc:
        return [], [f"Line {probe.line_num}: not readable as CSV ({exc})."]
    reader = csv.DictReader(io.StringIO(text))
    columns = {h: _HEADERS.get((h or "").strip().lower()) for h in reader.fieldnames or []}
    missing = {"participant_name", "email", "category"} - set(columns.values())
    if missing:
        need = ", ".join(sorted(m.replace("participant_name", "name") for m in missing))
        return [], [f"Line 1: the header lacks the column(s) {need}."]
    countries = _country_lookup(con)
    labels = {v.lower(): k for k, v in CATEGORY_LABELS.items()}
    rows, errors = [], []
    for line, raw in enumerate(reader, start=2):
        values = {columns[k]: (v or "").strip() for k, v in raw.items() if columns.get(k)}
        if not any(values.values()):
            continue
        country = values.get("country", "")
        m49 = countries.get(country.lower()) if country else None
        if country and m49 is None:
            errors.append(f"Line {line}, country: '{country}' is not a known country name or code.")
            continue
        category = values.get("category", "").lower()
        category = labels.get(category, category.replace(" ", "_"))
        try:
            rows.append(
                (
                    line,
                    RegistrationIn(
                        event_id=event_id,
                        participant_name=values.get("participant_name", ""),
                        email=values.get("email", ""),
                        m49=m49,
                        organisation=values.get("organisation") or None,
                        category=category,
                        agency_id=(values.get("agency_id") or default_agency or None),
                    ),
                )
            )
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]).replace("participant_name", "name")
                errors.append(f"Line {line}, {field}: {err['msg']}.")
    if not rows and not errors:
        errors.append("The file holds no participants.")
    return rows, errors


def import_registrations_csv(
    con: Db,
    *,
    actor: User,
    event_id: int,
    data: bytes,
) -> list[Registration]:
    """Register every participant of a CSV in one transaction, or none when any line is refused."""
    default_agency = actor.agency_id if actor.role == "ec_member" else None
    rows, errors = parse_registrations_csv(
        con, event_id=event_id, data=data, default_agency=default_agency
    )
    if errors:
        raise ImportFailed(errors)

    def work(conn):
        done, problems = [], []
        for line, reg in rows:
            try:
                done.append(_register(conn, actor=actor, reg=reg))
            except (RegistrationRefused, PermissionDenied) as exc:
                problems.append(f"Line {line} ({reg.participant_name}): {exc}")
        if problems:
            raise ImportFailed(problems)  # rolls the whole transaction back
        return done

    return store.write_in_turn(con, work)

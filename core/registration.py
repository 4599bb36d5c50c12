"""Register participants for a meeting under its rules: quota per country x agency, capacity, audience.

The rules are database constraints (quota_seats and capacity_seats keys) inside one transaction;
the checks before the inserts only exist to say, in the user's terms, which rule refused and who
holds the seat. Two simultaneous requests for the last seat collide on the key; the loser retries
and then gets the clear refusal.
"""

from __future__ import annotations

import csv
import io
import random
import time
from typing import Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, EmailStr, Field, ValidationError, field_validator

from core import audit
from core.db import transaction
from core.permissions import PermissionDenied, User, require

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


class RegistrationConflict(RuntimeError):
    """Too many simultaneous changes collided; nothing was written."""


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


def _event_rules(cur: duckdb.DuckDBPyConnection, event_id: int) -> tuple:
    row = cur.execute(
        "SELECT title, capacity, quota_per_country_agency, open_to_non_champions, status"
        " FROM events WHERE event_id = ?",
        [event_id],
    ).fetchone()
    if row is None:
        raise RegistrationRefused(f"Meeting {event_id} does not exist.")
    return row


def _country(cur: duckdb.DuckDBPyConnection, m49: int | None) -> tuple[str | None, bool]:
    if m49 is None:
        return None, False
    row = cur.execute(
        "SELECT k.name_en, c.m49 IS NOT NULL AND c.status = 'active' FROM countries k"
        " LEFT JOIN champions c USING (m49) WHERE k.m49 = ?",
        [m49],
    ).fetchone()
    if row is None:
        raise RegistrationRefused(f"Country code {m49} is not a UN M49 country.")
    return row[0], bool(row[1])


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


def _quota_seat(
    cur: duckdb.DuckDBPyConnection, reg: RegistrationIn, quota: int, country: str | None
) -> int:
    holders = cur.execute(
        "SELECT q.seat_no, r.participant_name FROM quota_seats q"
        " JOIN registrations r USING (registration_id)"
        " WHERE q.event_id = ? AND q.m49 = ? AND q.agency_id = ? ORDER BY q.seat_no",
        [reg.event_id, reg.m49, reg.agency_id],
    ).fetchall()
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


def _free_capacity_seat(cur: duckdb.DuckDBPyConnection, event_id: int, capacity: int | None):
    if capacity is None:
        return cur.execute(
            "SELECT coalesce(max(seat_no), 0) + 1 FROM capacity_seats WHERE event_id = ?",
            [event_id],
        ).fetchone()[0]
    return cur.execute(
        "SELECT min(t.seat) FROM range(1, ? + 1) t(seat)"
        " WHERE t.seat NOT IN (SELECT seat_no FROM capacity_seats WHERE event_id = ?)",
        [capacity, event_id],
    ).fetchone()[0]


def quota_applies(reg: RegistrationIn, is_champion: bool) -> bool:
    """Return True when the registration takes one of an agency's seats for a Champion country."""
    return bool(reg.agency_id) and is_champion and reg.category != "ec_listening"


def _register(cur: duckdb.DuckDBPyConnection, *, actor: User, reg: RegistrationIn) -> Registration:
    """Apply every rule and write the registration on the caller's transaction cursor."""
    require(actor, "registration.create", agency_id=reg.agency_id)
    title, capacity, quota, open_, event_status = _event_rules(cur, reg.event_id)
    if event_status == "cancelled":
        raise RegistrationRefused(f"{title} is cancelled.")
    country, is_champion = _country(cur, reg.m49)
    _check_audience(reg, country, is_champion, open_)
    if (
        reg.agency_id
        and not cur.execute(
            "SELECT count(*) FROM agencies WHERE agency_id = ?", [reg.agency_id]
        ).fetchone()[0]
    ):
        raise RegistrationRefused(f"Agency {reg.agency_id} is not known.")
    existing = cur.execute(
        "SELECT registration_id, status FROM registrations WHERE event_id = ? AND email = ?",
        [reg.event_id, reg.email],
    ).fetchone()
    if existing and existing[1] != "cancelled":
        raise RegistrationRefused(
            f"{reg.email} is already registered for this meeting "
            f"({STATUS_LABELS[existing[1]].lower()})."
        )
    quota_seat = _quota_seat(cur, reg, quota, country) if quota_applies(reg, is_champion) else None
    seat = _free_capacity_seat(cur, reg.event_id, capacity)
    status = ("confirmed" if actor.is_staff else "requested") if seat else "waitlisted"
    values = [
        reg.participant_name,
        reg.m49,
        reg.organisation,
        reg.category,
        reg.agency_id,
        status,
        audit.utcnow(),
    ]
    if existing:  # a cancelled registration of the same e-mail comes back under today's rules
        registration_id = existing[0]
        cur.execute(
            "UPDATE registrations SET participant_name = ?, m49 = ?, organisation = ?, category = ?,"
            " agency_id = ?, status = ?, updated_at_utc = ? WHERE registration_id = ?",
            [*values, registration_id],
        )
    else:
        registration_id = cur.execute(
            "INSERT INTO registrations (participant_name, m49, organisation, category, agency_id,"
            " status, updated_at_utc, created_at_utc, event_id, email)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING registration_id",
            [*values, audit.utcnow(), reg.event_id, reg.email],
        ).fetchone()[0]
    if quota_seat is not None:
        cur.execute(
            "INSERT INTO quota_seats VALUES (?, ?, ?, ?, ?)",
            [reg.event_id, reg.m49, reg.agency_id, quota_seat, registration_id],
        )
    if seat:
        cur.execute(
            "INSERT INTO capacity_seats VALUES (?, ?, ?)", [reg.event_id, seat, registration_id]
        )
    audit.record(
        cur,
        actor=actor,
        action="registration.create",
        entity="registration",
        entity_id=registration_id,
        after={**reg.model_dump(), "status": status},
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


def _retrying(work, *, attempts: int = 30):
    """Run a transaction, retrying when a simultaneous change collided with it."""
    for attempt in range(attempts):
        try:
            return work()
        except (duckdb.ConstraintException, duckdb.TransactionException):
            # Another request took the seat first; run again to see who holds it now.
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise RegistrationConflict(
        "Too many changes to this meeting at the same moment; nothing was written. Try again."
    )


def register(con: duckdb.DuckDBPyConnection, *, actor: User, reg: RegistrationIn) -> Registration:
    """Register one participant under the meeting's rules (confirmed, requested or waitlisted)."""

    def work():
        with transaction(con) as cur:
            return _register(cur, actor=actor, reg=reg)

    return _retrying(work)


def _load(cur, registration_id: int) -> tuple:
    row = cur.execute(
        "SELECT event_id, participant_name, status, agency_id FROM registrations"
        " WHERE registration_id = ?",
        [registration_id],
    ).fetchone()
    if row is None:
        raise RegistrationRefused(f"Registration {registration_id} does not exist.")
    return row


def cancel_registration(
    con: duckdb.DuckDBPyConnection, *, actor: User, registration_id: int
) -> Registration | None:
    """Cancel a registration, free its seats, and promote the next person on the waiting list.

    Return the promoted registration, if any.
    """

    def work():
        with transaction(con) as cur:
            event_id, name, status, agency_id = _load(cur, registration_id)
            require(actor, "registration.cancel", agency_id=agency_id)
            if status == "cancelled":
                raise RegistrationRefused(f"{name}'s registration is already cancelled.")
            seat = cur.execute(
                "SELECT seat_no FROM capacity_seats WHERE registration_id = ?", [registration_id]
            ).fetchone()
            cur.execute("DELETE FROM quota_seats WHERE registration_id = ?", [registration_id])
            cur.execute("DELETE FROM capacity_seats WHERE registration_id = ?", [registration_id])
            cur.execute(
                "UPDATE registrations SET status = 'cancelled', updated_at_utc = ?"
                " WHERE registration_id = ?",
                [audit.utcnow(), registration_id],
            )
            audit.record(
                cur,
                actor=actor,
                action="registration.cancel",
                entity="registration",
                entity_id=registration_id,
                before={"status": status},
                after={"status": "cancelled"},
            )
            if seat is None:
                return None
            return _promote_next(cur, actor=actor, event_id=event_id, seat_no=seat[0])

    return _retrying(work)


def _promote_next(cur, *, actor: User, event_id: int, seat_no: int) -> Registration | None:
    nxt = cur.execute(
        "SELECT registration_id, participant_name, email FROM registrations"
        " WHERE event_id = ? AND status = 'waitlisted' ORDER BY created_at_utc, registration_id"
        " LIMIT 1",
        [event_id],
    ).fetchone()
    capacity = cur.execute("SELECT capacity FROM events WHERE event_id = ?", [event_id]).fetchone()[
        0
    ]
    if nxt is None or (capacity is not None and seat_no > capacity):
        return None
    cur.execute("INSERT INTO capacity_seats VALUES (?, ?, ?)", [event_id, seat_no, nxt[0]])
    cur.execute(
        "UPDATE registrations SET status = 'confirmed', updated_at_utc = ? WHERE registration_id = ?",
        [audit.utcnow(), nxt[0]],
    )
    audit.record(
        cur,
        actor=actor,
        action="registration.promote",
        entity="registration",
        entity_id=nxt[0],
        before={"status": "waitlisted"},
        after={"status": "confirmed", "seat_no": seat_no},
    )
    return Registration(
        registration_id=nxt[0],
        event_id=event_id,
        participant_name=nxt[1],
        email=nxt[2],
        status="confirmed",
        message=f"{nxt[1]} moved up from the waiting list and is confirmed.",
    )


def confirm_registration(
    con: duckdb.DuckDBPyConnection, *, actor: User, registration_id: int
) -> None:
    """Confirm a requested registration (its seats are already held)."""
    with transaction(con) as cur:
        event_id, name, status, agency_id = _load(cur, registration_id)
        require(actor, "registration.manage", agency_id=agency_id)
        if status != "requested":
            raise RegistrationRefused(
                f"Only requested registrations can be confirmed; {name}'s is "
                f"{STATUS_LABELS[status].lower()}."
            )
        cur.execute(
            "UPDATE registrations SET status = 'confirmed', updated_at_utc = ?"
            " WHERE registration_id = ?",
            [audit.utcnow(), registration_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="registration.confirm",
            entity="registration",
            entity_id=registration_id,
            before={"status": status},
            after={"status": "confirmed"},
        )


def list_registrations(
    con: duckdb.DuckDBPyConnection, *, user: User, event_id: int
) -> pd.DataFrame:
    """Return the participants the user may see: all for the Secretariat, own agency's for an EC member."""
    if user.is_staff:
        agency = None
    elif user.role == "ec_member":
        agency = user.agency_id
    else:
        raise PermissionDenied(
            "Participant lists are shown to the Secretariat and EC members only."
        )
    return (
        con.cursor()
        .execute(
            "SELECT r.registration_id, r.participant_name, r.email, k.name_en AS country,"
            " r.organisation, r.category, r.agency_id, r.status, r.is_demo,"
            " q.seat_no AS quota_seat, s.seat_no AS capacity_seat, r.created_at_utc"
            " FROM registrations r LEFT JOIN countries k USING (m49)"
            " LEFT JOIN quota_seats q USING (registration_id)"
            " LEFT JOIN capacity_seats s USING (registration_id)"
            " WHERE r.event_id = ? AND (CAST(? AS VARCHAR) IS NULL OR r.agency_id = ?)"
            " ORDER BY r.status, r.created_at_utc, r.registration_id",
            [event_id, agency, agency],
        )
        .df()
    )


def registration_summary(con: duckdb.DuckDBPyConnection, *, event_id: int) -> pd.DataFrame:
    """Return counts per category and status (no names: any role may see it)."""
    return (
        con.cursor()
        .execute(
            "SELECT category, status, count(*) AS people FROM registrations WHERE event_id = ?"
            " GROUP BY ALL ORDER BY category, status",
            [event_id],
        )
        .df()
    )


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


def _country_lookup(cur) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for m49, iso2, iso3, name in cur.execute(
        "SELECT m49, iso2, iso3, name_en FROM countries"
    ).fetchall():
        for key in (str(m49), iso2, iso3, name):
            if key:
                lookup[key.strip().lower()] = m49
    return lookup


def parse_registrations_csv(
    con: duckdb.DuckDBPyConnection, *, event_id: int, data: bytes, default_agency: str | None
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
    countries = _country_lookup(con.cursor())
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
    con: duckdb.DuckDBPyConnection,
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

    def work():
        done, problems = [], []
        with transaction(con) as cur:
            for line, reg in rows:
                try:
                    done.append(_register(cur, actor=actor, reg=reg))
                except (RegistrationRefused, PermissionDenied) as exc:
                    problems.append(f"Line {line} ({reg.participant_name}): {exc}")
            if problems:
                raise ImportFailed(problems)
        return done

    return _retrying(work)

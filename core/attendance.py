"""Record who attended a meeting (one by one or from a Webex/Teams export) and count attendance.

Attendance feeds the engagement log: every write here calls the engagement sync in the same
transaction, so a Champion's attendance and its engagement entry appear (or vanish) together.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel

from core import audit, engagement
from core.permissions import User, require
from core.registration import MAX_CSV_BYTES, ImportFailed
from core.store import Db
from core.store import meetings as store
from core.timezones import label

_HEADERS = {
    "name": "name",
    "full name": "name",
    "display name": "name",
    "participant name": "name",
    "attendee name": "name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "attendee email": "email",
    "participant email": "email",
    "join time": "join",
    "joined": "join",
    "first join": "join",
    "join": "join",
    "leave time": "leave",
    "left": "leave",
    "last leave": "leave",
    "leave": "leave",
}
_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)


class AttendanceRow(BaseModel):
    """One person's attendance, merged over their joins and leaves (times naive UTC)."""

    email: str
    name: str
    joined_utc: datetime
    left_utc: datetime
    minutes: int


@dataclass
class AttendanceImport:
    """What an attendance import changed."""

    marked: list[str] = field(default_factory=list)


def parse_time(text: str, tz: str) -> datetime:
    """Parse a time as Webex or Teams write it; a time without offset is read in zone `tz`."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for fmt in _FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if value is None:
            raise ValueError(f"'{text}' is not a time this import understands") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # e.g. 0001-01-01 00:00 east of UTC falls before year 1
        raise ValueError(f"'{text}' is out of range") from None


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")  # Teams writes UTF-16 reports
    return data.decode("utf-8-sig")


def parse_attendance_csv(
    data: bytes, *, tz: str, starts_utc: datetime, ends_utc: datetime
) -> tuple[list[AttendanceRow], list[str]]:
    """Parse an attendance export into one row per e-mail, with line-numbered errors."""
    if len(data) > MAX_CSV_BYTES:
        return [], ["The file is larger than 2 MB."]
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        return [], ["The file is neither UTF-8 nor UTF-16 text."]
    first = text.splitlines()[0] if text else ""
    delimiter = max(",\t;", key=first.count)
    try:  # a lone carriage return (old Mac line ends) or a huge field stops the csv module
        probe = csv.reader(io.StringIO(text), delimiter=delimiter)
        for _ in probe:
            pass
    except csv.Error as exc:
        return [], [f"Line {probe.line_num}: not readable as CSV ({exc})."]
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {h: _HEADERS.get((h or "").strip().lower()) for h in reader.fieldnames or []}
    missing = {"email", "join", "leave"} - set(columns.values())
    if missing:
        return [], [f"Line 1: the header lacks the column(s) {', '.join(sorted(missing))}."]
    merged: dict[str, AttendanceRow] = {}
    errors = []
    window = (starts_utc - timedelta(hours=12), ends_utc + timedelta(hours=12))
    for line, raw in enumerate(reader, start=2):
        values = {columns[k]: (v or "").strip() for k, v in raw.items() if columns.get(k)}
        if not any(values.values()):
            continue
        email = values.get("email", "").lower()
        if "@" not in email:
            errors.append(f"Line {line}, email: '{values.get('email', '')}' is not an e-mail.")
            continue
        try:
            joined = parse_time(values.get("join", ""), tz)
            left = parse_time(values.get("leave", ""), tz)
        except ValueError as exc:
            errors.append(f"Line {line}, join/leave time: {exc}.")
            continue
        if left < joined:
            errors.append(f"Line {line}: the leave time is before the join time.")
            continue
        if not (window[0] <= joined <= window[1]):
            errors.append(
                f"Line {line}, join time: {joined:%Y-%m-%d %H:%M} UTC is not during this meeting "
                "(is it the export of another meeting?)."
            )
            continue
        minutes = round((left - joined).total_seconds() / 60)
        row = merged.get(email)
        if row is None:
            merged[email] = AttendanceRow(
                email=email,
                name=values.get("name") or email,
                joined_utc=joined,
                left_utc=left,
                minutes=minutes,
            )
        else:  # a person who dropped out and rejoined appears on several lines
            row.joined_utc = min(row.joined_utc, joined)
            row.left_utc = max(row.left_utc, left)
            row.minutes += minutes
    if not merged and not errors:
        errors.append("The file holds no attendance lines.")
    return list(merged.values()), errors


def _sync_engagements(conn) -> None:
    # The engagement log follows attendance in the same transaction.
    engagement.sync_derived_engagements(conn)


def _set_attended(conn, *, actor: User, registration_id: int, status: str, row: dict) -> None:
    store.upsert_attendance(conn, store.AttendanceIn(registration_id=registration_id, **row))
    if status != "attended":
        store.update_registration_status(
            conn, registration_id=registration_id, status="attended", updated_at_utc=audit.utcnow()
        )
    audit.record(
        conn,
        actor=actor,
        action="attendance.mark",
        entity="registration",
        entity_id=registration_id,
        before={"status": status},
        after={"status": "attended", **row},
    )


def _check_started(con: Db, *, event_id: int) -> None:
    """Refuse attendance for a meeting that has not begun: nobody can have attended it yet."""
    event = store.get_meeting_times(con, event_id=event_id)
    if event is not None and event.starts_utc > audit.utcnow():
        starts = label(event.starts_utc, event.tz, with_date=True)
        raise ValueError(
            f"This meeting has not started yet (it starts {starts}): attendance can be recorded "
            "once it has begun."
        )


def mark_attendance(con: Db, *, actor: User, registration_id: int, attended: bool) -> None:
    """Mark one registration as attended (or undo it), keeping the engagement log in step."""
    require(actor, "attendance.mark")

    def work(conn):
        row = store.get_registration(conn, registration_id=registration_id)
        if row is None:
            raise ValueError(f"Registration {registration_id} does not exist.")
        status, name = row.status, row.participant_name
        if attended:
            _check_started(con, event_id=row.event_id)
            if status not in ("requested", "confirmed", "attended"):
                raise ValueError(
                    f"{name} is {status}: only registered participants can be marked attended."
                )
            _set_attended(
                conn,
                actor=actor,
                registration_id=registration_id,
                status=status,
                row={"joined_utc": None, "left_utc": None, "minutes": None, "source": "manual"},
            )
            _sync_engagements(conn)
            return
        if status != "attended":
            raise ValueError(f"{name} is not marked attended.")
        store.delete_attendance(conn, registration_id=registration_id)
        store.delete_attendance_engagement(conn, registration_id=registration_id)
        store.update_registration_status(
            conn, registration_id=registration_id, status="confirmed", updated_at_utc=audit.utcnow()
        )
        audit.record(
            conn,
            actor=actor,
            action="attendance.unmark",
            entity="registration",
            entity_id=registration_id,
            before={"status": "attended"},
            after={"status": "confirmed"},
        )

    con.write(work)


def import_attendance_csv(
    con: Db,
    *,
    actor: User,
    event_id: int,
    data: bytes,
    tz: str | None = None,
) -> AttendanceImport:
    """Mark attendance from a Webex/Teams export in one transaction, or nothing on any error."""
    require(actor, "attendance.mark")
    event = store.get_meeting_times(con, event_id=event_id)
    if event is None:
        raise ValueError(f"Meeting {event_id} does not exist.")
    rows, errors = parse_attendance_csv(
        data, tz=tz or event.tz, starts_utc=event.starts_utc, ends_utc=event.ends_utc
    )
    if errors:
        raise ImportFailed(errors)

    def work(conn):
        result = AttendanceImport()
        problems = []
        registered = store.list_registration_statuses(conn, event_id=event_id)
        for row in rows:
            found = registered.get(row.email)
            if found is None:
                problems.append(
                    f"{row.name} <{row.email}> is not registered for this meeting: register them "
                    "first, or remove their lines."
                )
            elif found[1] in ("cancelled", "waitlisted"):
                problems.append(
                    f"{row.name} <{row.email}> is {found[1]}: confirm the registration first."
                )
        if problems:
            raise ImportFailed(problems)
        for row in rows:
            rid, status = registered[row.email]
            _set_attended(
                conn,
                actor=actor,
                registration_id=rid,
                status=status,
                row={
                    "joined_utc": row.joined_utc,
                    "left_utc": row.left_utc,
                    "minutes": row.minutes,
                    "source": "import",
                },
            )
            result.marked.append(row.name)
        _sync_engagements(conn)
        return result

    return con.write(work)


def attendance_stats(con: Db, *, by: str, event_id: int | None = None) -> pd.DataFrame:
    """Return registered, attended and rate per meeting, country or agency (past meetings only)."""
    df = store.count_attendance(con, by=by, before_utc=audit.utcnow(), event_id=event_id)
    df["rate"] = (df["attended"] / df["registered"].where(df["registered"] > 0)).round(2)
    return df

"""Write the calendar as RFC 5545 .ics and read .ics files from Outlook, Google and Thunderbird."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import duckdb
from icalendar import Calendar, Timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from pydantic import BaseModel, ValidationError

from core import events as ev
from core.db import transaction
from core.permissions import User, can
from core.recurrence import check_rrule, format_exdates, parse_exdates
from core.timezones import UnknownZone, to_local, to_utc, zone

PRODID = "-//UN Network on Migration//Champions action plan//EN"
FEED_REFRESH = timedelta(minutes=15)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_EVENTS = 20_000
# Everything after this line in a DESCRIPTION was added by the export (agenda, join details);
# an import cuts it off, so exporting and importing again changes nothing.
EXPORT_MARKER = "\n\n[Added by the Champions action plan]\n"
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RECURRENCE-ID")


class ImportRefused(ValueError):
    """The file cannot be imported; `problems` names each event and property at fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more problems)" if len(problems) > 20 else ""
        super().__init__("Nothing was imported. " + " ".join(shown) + more)


class ImportRow(BaseModel):
    """One event of an import preview."""

    uid: str
    title: str
    when: str
    action: str  # "create", "update" or "unchanged"
    event_id: int | None = None


class ImportResult(BaseModel):
    """What an import did (or would do)."""

    rows: list[ImportRow]
    notes: list[str] = []

    def count(self, action: str) -> int:
        """Return how many events get that action."""
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> str:
        """Return "3 created, 1 updated, 2 unchanged"."""
        return (
            f"{self.count('create')} created, {self.count('update')} updated, "
            f"{self.count('unchanged')} unchanged"
        )


# Export ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts)


def _when(name: str, utc: datetime, tz: str, all_day: bool) -> str:
    if all_day:
        return f"{name};VALUE=DATE:{utc:%Y%m%d}"
    if tz == "UTC":
        return f"{name}:{utc:%Y%m%dT%H%M%SZ}"
    return f"{name};TZID={tz}:{to_local(utc, tz):%Y%m%dT%H%M%S}"


@lru_cache(maxsize=64)
def vtimezone(tz: str) -> str:
    """Return the VTIMEZONE block of an IANA zone (built by icalendar from tzdata)."""
    text = Timezone.from_tzid(tz).to_ical().decode("utf-8").replace("\r\n ", "")
    lines = []
    for line in text.replace("\r\n", "\n").strip("\n").split("\n"):
        # One RDATE per line: Mozilla's ical.js (Thunderbird) reads only the first value of a
        # comma-separated RDATE list and would miss every daylight-saving change after it.
        if line.startswith("RDATE:"):
            lines += [f"RDATE:{value}" for value in line[6:].split(",")]
        else:
            lines.append(_fold(line))
    return "\r\n".join(lines)


def _agenda_text(items: list[tuple], tz: str) -> str:
    lines = []
    for starts, ends, title, presenter, moderator in items:
        line = f"{to_local(starts, tz):%H:%M}-{to_local(ends, tz):%H:%M} {title}"
        if presenter:
            line += f" (by {presenter})"
        if moderator:
            line += f", moderated by {moderator}"
        lines.append(line)
    return "Agenda (" + tz + "):\n" + "\n".join(lines)


def _join_text(details: dict) -> str:
    labels = {"url": "Join", "meeting_number": "Meeting number", "password": "Password"}
    labels["dial_in"] = "Dial-in"
    lines = [f"{labels[k]}: {v}" for k, v in details.items() if v]
    return "Join details (invited participants only):\n" + "\n".join(lines)


def _vevent(row: dict, agenda: list[tuple], join: dict | None) -> list[str]:
    stamp = f"{row['updated_at_utc']:%Y%m%dT%H%M%SZ}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_escape(row['uid'])}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{row['sequence']}",
        _when("DTSTART", row["starts_utc"], row["tz"], row["all_day"]),
        _when("DTEND", row["ends_utc"], row["tz"], row["all_day"]),
        f"SUMMARY:{_escape(row['title'])}",
        f"STATUS:{row['status'].upper()}",
        f"CATEGORIES:{_escape(ev.EVENT_KINDS.get(row['kind'], row['kind']))}",
        f"X-ACTIONPLAN-KIND:{row['kind']}",
        f"X-ACTIONPLAN-AUDIENCE:{row['audience']}",
        f"X-ACTIONPLAN-TZ:{row['tz']}",
    ]
    if row["workstream_id"]:
        lines.append(f"X-ACTIONPLAN-WORKSTREAM:{_escape(row['workstream_id'])}")
    if row["all_day"]:
        lines.append("TRANSP:TRANSPARENT")
    if row["location"]:
        lines.append(f"LOCATION:{_escape(row['location'])}")
    if row["rrule"]:
        lines.append(f"RRULE:{row['rrule']}")
        for ex in parse_exdates(row["exdates"]):
            lines.append(_when("EXDATE", ex, row["tz"], row["all_day"]))
    description = row["description"] or ""
    extra = []
    if agenda:
        extra.append(_agenda_text(agenda, row["tz"]))
    if join:
        extra.append(_join_text(join))
    if extra:
        description += EXPORT_MARKER + "\n\n".join(extra)
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines.append("END:VEVENT")
    return lines


def _export_rows(con: duckdb.DuckDBPyConnection, event_ids: list[int] | None) -> list[dict]:
    cur = con.cursor()
    return (
        cur.execute(
            "SELECT event_id, uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz,"
            " all_day, location, description, rrule, exdates, status, sequence, updated_at_utc"
            " FROM events WHERE ?::INTEGER[] IS NULL OR list_contains(?::INTEGER[], event_id)"
            " ORDER BY starts_utc, event_id",
            [event_ids, event_ids],
        )
        .df()
        .to_dict("records")
    )


def _agenda_rows(con: duckdb.DuckDBPyConnection, event_ids: list[int] | None) -> dict:
    rows = (
        con.cursor()
        .execute(
            "SELECT event_id, starts_utc, ends_utc, title, presenter, moderator FROM agenda_items"
            " WHERE ?::INTEGER[] IS NULL OR list_contains(?::INTEGER[], event_id)"
            " ORDER BY event_id, starts_utc",
            [event_ids, event_ids],
        )
        .fetchall()
    )
    out: dict[int, list[tuple]] = {}
    for event_id, *rest in rows:
        out.setdefault(event_id, []).append(tuple(rest))
    return out


def export_ics(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User | None,
    event_ids: list[int] | None = None,
    name: str = "Champions common calendar",
    refresh: timedelta | None = None,
    include_join_details: bool = True,
) -> bytes:
    """Return an .ics of the given events (all when None) as `user` may see them.

    Join details go only into events whose details the user may see; `refresh` adds the
    REFRESH-INTERVAL and X-PUBLISHED-TTL hints that subscribed clients follow.
    """
    rows = _export_rows(con, event_ids)
    for row in rows:
        for key in ("location", "description", "rrule", "exdates", "workstream_id"):
            if row[key] != row[key]:  # pandas turns NULL into NaN in object columns
                row[key] = None
        row["starts_utc"] = row["starts_utc"].to_pydatetime()
        row["ends_utc"] = row["ends_utc"].to_pydatetime()
        row["updated_at_utc"] = row["updated_at_utc"].to_pydatetime()
    agenda = _agenda_rows(con, event_ids)
    joins = ev.join_details_for(con, user=user, event_ids=event_ids) if include_join_details else {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        f"NAME:{_escape(name)}",
    ]
    if refresh is not None:
        minutes = int(refresh.total_seconds() // 60)
        lines.append(f"REFRESH-INTERVAL;VALUE=DURATION:PT{minutes}M")
        lines.append(f"X-PUBLISHED-TTL:PT{minutes}M")
    lines = [_fold(line) for line in lines]
    zones = sorted({r["tz"] for r in rows if not r["all_day"] and r["tz"] != "UTC"})
    lines += [vtimezone(tz) for tz in zones]  # already folded by icalendar
    for row in rows:
        vevent = _vevent(row, agenda.get(row["event_id"], []), joins.get(row["event_id"]))
        lines += [_fold(line) for line in vevent]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# Import ------------------------------------------------------------------------------------


class _Parsed(BaseModel):
    """One VEVENT read from a file, before it meets the database."""

    uid: str
    where: str
    title: str
    tz: str
    start_local: datetime
    end_local: datetime
    all_day: bool
    location: str | None
    description: str | None
    rrule: str | None
    exdates: list[datetime]
    status: str
    kind: str | None
    audience: str | None
    workstream_id: str | None


def _text(component, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _zone_of(prop, where: str, name: str, notes: list[str], default_tz: str) -> str:
    """Return the IANA zone of a DTSTART-like property (Windows names mapped)."""
    value = prop.dt
    if isinstance(value, date) and not isinstance(value, datetime):
        return "UTC"
    if value.tzinfo is None:
        return default_tz
    key = getattr(value.tzinfo, "key", None)
    if key:
        return key
    tzid = prop.params.get("TZID")
    if tzid:
        tzid = str(tzid).strip('"')
        mapped = WINDOWS_TO_OLSON.get(tzid)
        if mapped:
            return mapped
        try:
            zone(tzid)
            return tzid
        except UnknownZone:
            notes.append(
                f"{where}: {name} uses the zone '{tzid}', which has no IANA name; its times "
                "were converted to UTC."
            )
    return "UTC"


def _local(prop, tz: str) -> datetime:
    """Return the wall-clock time of a date/date-time property in zone `tz` (naive)."""
    value = prop.dt
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is None:
        return value
    key = getattr(value.tzinfo, "key", None)
    if key is None:
        # A zone built from the file's VTIMEZONE (Outlook): keep the written wall-clock time
        # when its name maps to `tz`, so a series keeps its local time across clock changes.
        tzid = str(prop.params.get("TZID", "")).strip('"')
        if WINDOWS_TO_OLSON.get(tzid, tzid) == tz:
            return value.replace(tzinfo=None)
    elif key == tz:
        return value.replace(tzinfo=None)
    return value.astimezone(zone(tz)).replace(tzinfo=None)


def _exdates(component, tz: str, all_day: bool) -> list[datetime]:
    """Return the EXDATE instants as naive UTC (all-day ones at midnight)."""
    raw = component.get("EXDATE")
    if raw is None:
        return []
    out = []
    for item in raw if isinstance(raw, list) else [raw]:
        for value in item.dts:
            if all_day or not isinstance(value.dt, datetime):
                day = value.dt.date() if isinstance(value.dt, datetime) else value.dt
                out.append(datetime.combine(day, time()))
            else:
                out.append(to_utc(_local(value, tz), tz))
    return out


def _precheck(data: bytes) -> str:
    """Refuse what is not a whole calendar before parsing; return the decoded text."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            [
                f"The file is {len(data) / 1_048_576:.1f} MB; at most "
                f"{MAX_IMPORT_BYTES // 1_048_576} MB can be imported at once."
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            [f"The file is not UTF-8 text (byte {exc.start} cannot be read): not a calendar file."]
        ) from None
    stripped = text.lstrip()
    if not stripped.upper().startswith("BEGIN:VCALENDAR"):
        raise ImportRefused(
            ["This is not an iCalendar (.ics) file: it does not start with BEGIN:VCALENDAR."]
        )
    lines = [line.strip().upper() for line in stripped.splitlines()]
    begins = sum(1 for line in lines if line == "BEGIN:VEVENT")
    ends = sum(1 for line in lines if line == "END:VEVENT")
    if begins > MAX_IMPORT_EVENTS:
        raise ImportRefused(
            [f"The file holds {begins} events; at most {MAX_IMPORT_EVENTS} can be imported."]
        )
    if begins != ends or "END:VCALENDAR" not in lines:
        last_summary = ""
        for line in reversed(stripped.splitlines()):
            if line.upper().startswith("SUMMARY"):
                last_summary = f" ('{line.split(':', 1)[-1].strip()[:80]}')"
                break
        raise ImportRefused(
            [
                f"The file is cut short: event {max(begins, 1)}{last_summary} has no "
                "END:VEVENT or the calendar has no END:VCALENDAR. Export the file again."
            ]
        )
    return text


def parse_ics(data: bytes, *, default_tz: str = "UTC") -> tuple[list[_Parsed], list[str]]:
    """Read the events of an .ics file; return them with notes, or raise ImportRefused."""
    _precheck(data)
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        raise ImportRefused([f"The file cannot be read as a calendar: {str(exc)[:200]}"]) from None
    problems: list[str] = []
    notes: list[str] = []
    parsed: list[_Parsed] = []
    overrides = []
    for n, component in enumerate(calendar.walk("VEVENT"), start=1):
        title = _text(component, "SUMMARY") or "(no title)"
        uid = _text(component, "UID")
        where = f"Event {n} ('{title[:80]}'" + (f", UID {uid[:60]})" if uid else ")")
        broken = [(p, m) for p, m in component.errors if p in _TIME_PROPERTIES]
        if broken:
            problems += [f"{where}: {p} cannot be read ({m})." for p, m in broken]
            continue
        start_prop = component.get("DTSTART")
        if start_prop is None:
            problems.append(f"{where}: DTSTART is missing, so the event has no date.")
            continue
        if not uid:
            seed = f"{start_prop.to_ical().decode()}|{title}"
            uid = "import-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
        all_day = not isinstance(start_prop.dt, datetime)
        tz = _zone_of(start_prop, where, "DTSTART", notes, default_tz)
        start_local = _local(start_prop, tz)
        end_prop = component.get("DTEND")
        if end_prop is not None:
            if all_day != (not isinstance(end_prop.dt, datetime)):
                problems.append(f"{where}: DTSTART and DTEND mix a date and a date-time.")
                continue
            end_local = _local(end_prop, tz)
        elif component.get("DURATION") is not None:
            end_local = start_local + component["DURATION"].dt
        elif all_day:
            end_local = start_local + timedelta(days=1)
        else:
            problems.append(f"{where}: has neither DTEND nor DURATION, so it has no end.")
            continue
        if end_local <= start_local:
            problems.append(
                f"{where}: DTEND ({end_local:%Y-%m-%d %H:%M}) is not after DTSTART "
                f"({start_local:%Y-%m-%d %H:%M}): the event ends before it starts."
            )
            continue
        rrule = None
        if component.get("RRULE") is not None:
            rule = component["RRULE"]
            rule = rule[0] if isinstance(rule, list) else rule
            try:
                rrule = check_rrule(rule.to_ical().decode())
            except ValueError as exc:
                problems.append(f"{where}: RRULE: {exc}.")
                continue
        description = _text(component, "DESCRIPTION")
        if description and EXPORT_MARKER.strip("\n") in description:
            description = description.split(EXPORT_MARKER.strip("\n"))[0].rstrip("\n") or None
        status = (_text(component, "STATUS") or "confirmed").lower()
        record = _Parsed(
            uid=uid,
            where=where,
            title=title,
            tz=(_text(component, "X-ACTIONPLAN-TZ") or tz) if all_day else tz,
            start_local=start_local,
            end_local=end_local,
            all_day=all_day,
            location=_text(component, "LOCATION"),
            description=description,
            rrule=rrule,
            exdates=_exdates(component, tz, all_day),
            status=status if status in ev.STATUSES else "confirmed",
            kind=_text(component, "X-ACTIONPLAN-KIND"),
            audience=_text(component, "X-ACTIONPLAN-AUDIENCE"),
            workstream_id=_text(component, "X-ACTIONPLAN-WORKSTREAM"),
        )
        if component.get("RECURRENCE-ID") is not None:
            overrides.append((record, component["RECURRENCE-ID"]))
        else:
            parsed.append(record)
    _apply_overrides(parsed, overrides, notes)
    if problems:
        raise ImportRefused(problems)
    uids = [p.uid for p in parsed]
    if len(uids) != len(set(uids)):
        dup = next(u for u in uids if uids.count(u) > 1)
        raise ImportRefused([f"Two events in the file share the UID {dup[:60]}."])
    return parsed, notes


def _apply_overrides(parsed: list[_Parsed], overrides: list, notes: list[str]) -> None:
    """Turn each changed occurrence into an exception of its series plus an event of its own."""
    masters = {p.uid: p for p in parsed}
    for record, rid_prop in overrides:
        if isinstance(rid_prop.dt, datetime):
            rid_utc = to_utc(_local(rid_prop, record.tz), record.tz)
        else:
            rid_utc = datetime.combine(rid_prop.dt, time())
        master = masters.get(record.uid)
        if master is not None:
            master.exdates = sorted(set(master.exdates) | {rid_utc})
        record.uid = f"{record.uid}/{rid_utc:%Y%m%dT%H%M%SZ}"
        parsed.append(record)
        notes.append(
            f"{record.where}: a changed occurrence of a repeating event; imported as its own "
            "event and skipped in the series."
        )


def _event_in(parsed: _Parsed, existing: ev.Event | None, actor: User) -> ev.EventIn:
    default_ws = actor.workstream_id if actor.role == "workstream_lead" else None
    return ev.EventIn(
        uid=parsed.uid,
        title=parsed.title[: ev.MAX_TITLE],
        kind=parsed.kind or (existing.kind if existing else "other"),
        audience=parsed.audience or (existing.audience if existing else "internal"),
        workstream_id=parsed.workstream_id or (existing.workstream_id if existing else default_ws),
        tz=parsed.tz,
        start_local=parsed.start_local,
        end_local=parsed.end_local,
        all_day=parsed.all_day,
        location=parsed.location[:1000] if parsed.location else None,
        description=parsed.description[: ev.MAX_TEXT] if parsed.description else None,
        status=parsed.status,
        rrule=parsed.rrule,
        exdates=parsed.exdates,
        capacity=existing.capacity if existing else None,
        open_to_non_champions=existing.open_to_non_champions if existing else False,
        invitees=existing.invitees if existing else [],
        product_ids=existing.product_ids if existing else [],
    )


def _plan(
    cur: duckdb.DuckDBPyConnection, actor: User, parsed: list[_Parsed]
) -> tuple[list[tuple[ImportRow, ev.EventIn]], list[str]]:
    existing_ids = dict(cur.execute("SELECT uid, event_id FROM events").fetchall())
    workstreams = {r[0] for r in cur.execute("SELECT workstream_id FROM workstreams").fetchall()}
    problems, plan = [], []
    for p in parsed:
        event_id = existing_ids.get(p.uid)
        existing = ev._read_event(cur, event_id) if event_id is not None else None
        try:
            event_in = _event_in(p, existing, actor)
        except ValidationError as exc:
            problems += ev.explain(exc, where=p.where)
            continue
        if event_in.workstream_id and event_in.workstream_id not in workstreams:
            problems.append(
                f"{p.where}: X-ACTIONPLAN-WORKSTREAM '{event_in.workstream_id}' is not a "
                "known workstream."
            )
            continue
        scopes = {event_in.workstream_id} | ({existing.workstream_id} if existing else set())
        if not all(can(actor, "event.edit", workstream_id=s) for s in scopes):
            scope = event_in.workstream_id or "network-wide events"
            problems.append(f"{p.where}: you may not add or change events of {scope}.")
            continue
        if existing is None:
            action = "create"
        else:
            same = ev._comparable(existing) == ev._row_values(event_in)
            action = "unchanged" if same else "update"
        when = (
            f"{event_in.start_local:%Y-%m-%d}"
            if event_in.all_day
            else f"{event_in.start_local:%Y-%m-%d %H:%M} {event_in.tz}"
        )
        row = ImportRow(uid=p.uid, title=p.title, when=when, action=action, event_id=event_id)
        plan.append((row, event_in))
    return plan, problems


def preview_import(
    con: duckdb.DuckDBPyConnection, *, actor: User, data: bytes, default_tz: str = "UTC"
) -> ImportResult:
    """Say what importing the file would create, update or leave unchanged; write nothing."""
    parsed, notes = parse_ics(data, default_tz=default_tz)
    plan, problems = _plan(con.cursor(), actor, parsed)
    if problems:
        raise ImportRefused(problems)
    return ImportResult(rows=[row for row, _ in plan], notes=notes)


def import_ics(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    data: bytes,
    default_tz: str = "UTC",
    source: str = "ics import",
) -> ImportResult:
    """Import the file all-or-nothing, matching events by UID; return what was done."""
    parsed, notes = parse_ics(data, default_tz=default_tz)
    try:
        with transaction(con) as cur:
            plan, problems = _plan(cur, actor, parsed)
            if problems:
                raise ImportRefused(problems)
            for row, event_in in plan:
                if row.action == "create":
                    row.event_id = ev.insert_event(
                        cur, actor=actor, event_in=event_in, source=source
                    )
                elif row.action == "update":
                    ev.apply_update(
                        cur, actor=actor, event_id=row.event_id, event_in=event_in, keep_links=True
                    )
    except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
        raise ImportRefused(
            [
                "The calendar changed while importing (someone saved the same events at the "
                f"same time). Try again. ({str(exc)[:160]})"
            ]
        ) from None
    except ValueError as exc:
        if isinstance(exc, ImportRefused):
            raise
        raise ImportRefused([str(exc)]) from None
    return ImportResult(rows=[row for row, _ in plan], notes=notes)


def exdates_text(values: list[datetime]) -> str | None:
    """Return exception instants as stored (re-exported for the command line)."""
    return format_exdates(values)

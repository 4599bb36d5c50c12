"""Write the calendar as RFC 5545 .ics and read .ics files from Outlook, Google and Thunderbird."""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import recurring_ical_events
from icalendar import Calendar, Timezone, vDuration
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from pydantic import BaseModel, ValidationError

from core import audit, objectives
from core import events as ev
from core.permissions import User, can
from core.recurrence import check_rrule, format_exdates, parse_exdates, series_vevent
from core.store import Db, WriteConflict
from core.store import events as store
from core.timezones import UnknownZone, to_local, to_utc, zone

PRODID = "-//UN Network on Migration//Champions action plan//EN"
FEED_REFRESH = timedelta(minutes=15)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_EVENTS = 20_000
# Everything after this line in a DESCRIPTION was added by the export (agenda, join details);
# an import cuts it off, so exporting and importing again changes nothing.
EXPORT_MARKER = "\n\n[Added by the Champions action plan]\n"


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


def export_ics(
    con: Db,
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
    rows = store.list_export_rows(con, event_ids=event_ids)
    agenda = store.list_agenda_rows(con, event_ids=event_ids)
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
    tags = objectives.tags_by_row(con, kind="event")
    for row in rows:
        vevent = _vevent(row, agenda.get(row["event_id"], []), joins.get(row["event_id"]))
        if categories := objectives.ics_categories(tags.get(row["event_id"])):
            vevent.insert(-1, f"CATEGORIES:{categories}")  # GCM objectives, one value each
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
    objectives: list[int] | None = None  # from CATEGORIES "GCM objective N"; None: none named


ZERO_LENGTH_AS = timedelta(minutes=1)  # the model needs end > start; a point in time gets this


class _Bad(ValueError):
    """A property value that cannot be read; the message says why."""


_UNFOLD = re.compile(r"(?:\r\n|\n|\r)[ \t]")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:])*)')
_DATE_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
_UNESCAPE = re.compile(r"\\([\\;,nN])")


def _content_line(line: str) -> tuple[str, dict[str, str], str] | None:
    """Split "NAME;PARAM=x:value" into its parts, or return None when it is not a content line."""
    match = _NAME.match(line)
    if not match:
        return None
    name, pos, params = match.group(0).upper(), match.end(), {}
    while pos < len(line) and line[pos] == ";":
        param = _PARAM.match(line, pos)
        if not param:
            return None
        params[param.group(1).upper()] = param.group(2).strip('"')
        pos = param.end()
    if pos >= len(line) or line[pos] != ":":
        return None
    return name, params, line[pos + 1 :]


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _inside(stack: list[str], kind: str) -> bool:
    """Whether the open components are `kind` directly in a (possibly nested) VCALENDAR."""
    return len(stack) >= 2 and stack[-1] == kind and all(part == "VCALENDAR" for part in stack[:-1])


def _components(text: str) -> tuple[list[dict], set[str]]:
    """Return the VEVENTs as {NAME: [(params, value)]} and the TZIDs the file defines."""
    found, defined, stack, current = [], set(), [], None
    for number, line in enumerate(_UNFOLD.sub("", text).splitlines(), start=1):
        if not line.strip():
            continue
        parts = _content_line(line)
        if parts is None:
            raise ImportRefused([f"Line {number} is not an iCalendar line: '{line[:60]}'."])
        name, params, value = parts
        if name == "BEGIN":
            stack.append(value.upper())
            if _inside(stack, "VEVENT"):
                current = {}
        elif name == "END":
            if not stack or stack[-1] != value.upper():
                expected = f"END:{stack[-1]}" if stack else "nothing"
                raise ImportRefused(
                    [
                        f"Line {number}: END:{value} where {expected} was expected; the file is "
                        "damaged."
                    ]
                )
            if _inside(stack, "VEVENT"):
                found.append(current)
                current = None
            stack.pop()
        elif _inside(stack, "VTIMEZONE") and name == "TZID":
            defined.add(value.strip('"'))
        elif _inside(stack, "VEVENT"):
            current.setdefault(name, []).append((params, value))
    return found, defined


class _Zones:
    """Resolve TZID parameters to IANA zones; zones only the file defines become UTC."""

    def __init__(self, data: bytes, defined: set[str], default_tz: str, notes: list[str]):
        self.data, self.defined, self.default_tz, self.notes = data, defined, default_tz, notes
        self._custom: dict | None = None

    def resolve(self, naive: datetime, tzid: str | None, utc: bool, where: str, name: str):
        """Return (IANA zone, wall-clock time in it) of a parsed date-time."""
        if utc:
            return "UTC", naive
        if not tzid:
            return self.default_tz, naive
        mapped = WINDOWS_TO_OLSON.get(tzid, tzid)
        try:
            zone(mapped)
            return mapped, naive
        except UnknownZone:
            pass
        if tzid not in self.defined:
            raise _Bad(f"uses the time zone '{tzid}', which the file does not define")
        if self._custom is None:
            self._custom = self._read_custom()
        if tzid not in self._custom:
            raise _Bad(f"uses the time zone '{tzid}', whose definition in the file cannot be read")
        try:
            instant = naive.replace(tzinfo=self._custom[tzid]).astimezone(zone("UTC"))
        except Exception:  # noqa: BLE001 - a broken VTIMEZONE must become a refusal
            raise _Bad(f"uses the time zone '{tzid}', whose definition cannot be used") from None
        self.notes.append(
            f"{where}: {name} uses the zone '{tzid}', which has no IANA name; its times were "
            "converted to UTC."
        )
        return "UTC", instant.replace(tzinfo=None)

    def _read_custom(self) -> dict:
        """Read the file's VTIMEZONEs one by one; a broken one is left out, not raised."""
        custom: dict = {}
        text = self.data.decode("utf-8-sig", errors="replace")
        blocks = re.findall(r"(?ims)^BEGIN:VTIMEZONE\s*$.*?^END:VTIMEZONE\s*$", text)
        for block in blocks:
            try:
                wrapped = f"BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n"
                for item in Calendar.from_ical(wrapped).walk("VTIMEZONE"):
                    custom[str(item["TZID"])] = item.to_tz()
            except Exception:  # noqa: BLE001, S112 - the parser raises many kinds; skip the zone
                continue
        return custom


def _read_when(params: dict, value: str) -> tuple[date | datetime, bool]:
    """Parse a DATE or DATE-TIME value; return it and whether it is in UTC."""
    match = _DATE_TIME.match(value.strip())
    if not match:
        raise _Bad(f"'{value[:40]}' is not a date or date-time")
    y, mo, d, h, mi, sec, z = match.groups()
    try:
        if h is None:
            return date(int(y), int(mo), int(d)), False
        if params.get("VALUE", "").upper() == "DATE":
            raise _Bad(f"'{value}' is marked VALUE=DATE but holds a time")
        return datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(sec), 59)), bool(z)
    except ValueError as exc:
        raise _Bad(f"'{value}' is not a real date ({exc})") from None


def _first(props: dict, name: str) -> tuple[dict, str] | None:
    values = props.get(name)
    return values[0] if values else None


def _text_of(props: dict, name: str) -> str | None:
    found = _first(props, name)
    if found is None:
        return None
    text = _unescape(found[1]).replace("\r\n", "\n").strip()
    return text or None


def _instant(props_value, zones: _Zones, tz: str, where: str, name: str) -> datetime:
    """Return the wall-clock time, in zone `tz`, of one DTEND/EXDATE/RECURRENCE-ID value."""
    params, value = props_value
    when, utc = _read_when(params, value)
    if not isinstance(when, datetime):
        return datetime.combine(when, time())
    their_tz, local = zones.resolve(when, params.get("TZID"), utc, where, name)
    if their_tz == tz:
        return local
    return to_local(to_utc(local, their_tz), tz).replace(tzinfo=None)


def _check_expands(
    rrule: str, start_local: datetime, end_local: datetime, tz: str, all_day: bool, where: str
) -> None:
    """Expand the first occurrences now, so that a rule which cannot be expanded is refused."""
    starts = start_local if all_day else to_utc(start_local, tz)
    ends = end_local if all_day else to_utc(end_local, tz)
    row = {"event_id": 0, "tz": tz, "all_day": all_day, "starts_utc": starts, "ends_utc": ends}
    try:
        calendar = Calendar()
        calendar.add_component(series_vevent(dict(row, rrule=rrule, exdates=None)))
        found = recurring_ical_events.of(calendar).after(starts.replace(tzinfo=UTC))
        list(itertools.islice(found, 2))
    except Exception as exc:  # noqa: BLE001 - whatever the expander raises becomes a refusal
        raise _Bad(
            f"{where}: RRULE cannot be expanded ({str(exc)[:120] or type(exc).__name__}); "
            "check its UNTIL and BY parts."
        ) from None


def _parse_event(props: dict, n: int, zones: _Zones) -> tuple[_Parsed, datetime | None]:
    """Read one VEVENT; raise _Bad naming the property at fault."""
    title = _text_of(props, "SUMMARY") or "(no title)"
    uid = _text_of(props, "UID")
    where = f"Event {n} ('{title[:80]}'" + (f", UID {uid[:60]})" if uid else ")")
    start_prop = _first(props, "DTSTART")
    if start_prop is None:
        raise _Bad(f"{where}: DTSTART is missing, so the event has no date.")
    try:
        start, utc = _read_when(*start_prop)
    except _Bad as exc:
        raise _Bad(f"{where}: DTSTART cannot be read ({exc}).") from None
    all_day = not isinstance(start, datetime)
    if all_day:
        tz = _text_of(props, "X-ACTIONPLAN-TZ") or "UTC"
        start_local = datetime.combine(start, time())
    else:
        try:
            tz, start_local = zones.resolve(start, start_prop[0].get("TZID"), utc, where, "DTSTART")
        except _Bad as exc:
            raise _Bad(f"{where}: DTSTART {exc}.") from None
    if not uid:
        seed = f"{start_prop[1]}|{title}"
        uid = "import-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    if _first(props, "DTEND") is not None:
        try:
            end_when, _ = _read_when(*_first(props, "DTEND"))
            if all_day != (not isinstance(end_when, datetime)):
                raise _Bad("DTSTART and DTEND mix a date and a date-time")
            end_local = _instant(_first(props, "DTEND"), zones, tz, where, "DTEND")
        except _Bad as exc:
            raise _Bad(f"{where}: DTEND cannot be read ({exc}).") from None
    elif _first(props, "DURATION") is not None:
        try:
            end_local = start_local + vDuration.from_ical(_first(props, "DURATION")[1].strip())
        except ValueError as exc:
            raise _Bad(f"{where}: DURATION cannot be read ({exc}).") from None
    elif all_day:
        end_local = start_local + timedelta(days=1)
    else:
        end_local = start_local
        zones.notes.append(
            f"{where}: has neither DTEND nor DURATION; RFC 5545 makes it end when it starts."
        )
    if end_local == start_local:
        end_local = start_local + ZERO_LENGTH_AS
        zones.notes.append(
            f"{where}: lasts no time; the calendar needs a length, so it was given one minute."
        )
    if end_local < start_local:
        raise _Bad(
            f"{where}: DTEND ({end_local:%Y-%m-%d %H:%M}) is not after DTSTART "
            f"({start_local:%Y-%m-%d %H:%M}): the event ends before it starts."
        )
    rrule = None
    if _first(props, "RRULE") is not None:
        raw_rule = _first(props, "RRULE")[1]
        if re.search(r"\s", raw_rule.strip()):
            raw_rule = re.sub(r"\s+", "", raw_rule)
            zones.notes.append(f"{where}: RRULE held spaces; they were removed.")
        scale = re.search(r"(?i)(?:^|;)RSCALE=([^;]*)", raw_rule)
        if scale and scale.group(1).strip().upper() != "GREGORIAN":
            zones.notes.append(
                f"{where}: its occurrence rule in the {scale.group(1).strip().title()} calendar "
                "was not imported; only the first occurrence was."
            )
        else:
            if scale:
                raw_rule = re.sub(r"(?i)(^|;)RSCALE=[^;]*;?", r"\1", raw_rule).strip(";")
            try:
                rrule = check_rrule(raw_rule)
            except ValueError as exc:
                raise _Bad(f"{where}: RRULE: {exc}.") from None
    exdates = []
    for params, value in props.get("EXDATE", []):
        for part in value.split(","):
            try:
                local = _instant((params, part), zones, tz, where, "EXDATE")
            except _Bad as exc:
                raise _Bad(f"{where}: EXDATE cannot be read ({exc}).") from None
            exdates.append(local if all_day else to_utc(local, tz))
    recurrence_id = None
    if _first(props, "RECURRENCE-ID") is not None:
        try:
            local = _instant(_first(props, "RECURRENCE-ID"), zones, tz, where, "RECURRENCE-ID")
        except _Bad as exc:
            raise _Bad(f"{where}: RECURRENCE-ID cannot be read ({exc}).") from None
        recurrence_id = local if all_day else to_utc(local, tz)
    if rrule is not None:
        _check_expands(rrule, start_local, end_local, tz, all_day, where)
    description = _text_of(props, "DESCRIPTION")
    if description and EXPORT_MARKER.strip("\n") in description:
        description = description.split(EXPORT_MARKER.strip("\n"))[0].rstrip("\n") or None
    status = (_text_of(props, "STATUS") or "confirmed").lower()
    categories = [c for _, v in props.get("CATEGORIES", []) for c in re.split(r"(?<!\\),", v)]
    try:
        numbers = objectives.objectives_from_categories([_unescape(c) for c in categories])
    except ValueError as exc:
        raise _Bad(f"{where}: {exc}") from None
    parsed = _Parsed.model_construct(
        uid=uid,
        where=where,
        title=title,
        tz=tz,
        start_local=start_local,
        end_local=end_local,
        all_day=all_day,
        location=_text_of(props, "LOCATION"),
        description=description,
        rrule=rrule,
        exdates=exdates,
        status=status if status in ev.STATUSES else "confirmed",
        kind=_text_of(props, "X-ACTIONPLAN-KIND"),
        audience=_text_of(props, "X-ACTIONPLAN-AUDIENCE"),
        workstream_id=_text_of(props, "X-ACTIONPLAN-WORKSTREAM"),
        objectives=numbers,
    )
    return parsed, recurrence_id


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


def _sequence(props: dict) -> int:
    found = _first(props, "SEQUENCE")
    try:
        return int(found[1].strip()) if found else 0
    except ValueError:
        return 0


def _resolve_duplicates(found: list[dict], notes: list[str]) -> list[dict]:
    """Drop exact copies of an event and the older versions SEQUENCE supersedes, with a note.

    Events sharing a UID (and RECURRENCE-ID) that neither copy nor SEQUENCE resolves are kept,
    so that the refusal later names them.
    """
    keyed: dict[tuple, int] = {}
    keep: list[dict | None] = []
    for props in found:
        uid, rid = _first(props, "UID"), _first(props, "RECURRENCE-ID")
        if uid is None:
            keep.append(props)
            continue
        key = (uid[1].strip(), rid[1].strip() if rid else None)
        if key not in keyed:
            keyed[key] = len(keep)
            keep.append(props)
            continue
        earlier = keep[keyed[key]]
        title = (_text_of(props, "SUMMARY") or "(no title)")[:80]
        same = {k: v for k, v in props.items() if k != "DTSTAMP"} == {
            k: v for k, v in earlier.items() if k != "DTSTAMP"
        }
        if same:
            notes.append(f"'{title}' (UID {key[0][:60]}) appears twice; the copy was left out.")
        elif _sequence(props) != _sequence(earlier):
            newer = props if _sequence(props) > _sequence(earlier) else earlier
            keep[keyed[key]] = newer
            notes.append(
                f"'{title}' (UID {key[0][:60]}) appears in several versions; the one with "
                f"SEQUENCE {_sequence(newer)} was kept."
            )
        else:
            keep.append(props)
    return [props for props in keep if props is not None]


def parse_ics(data: bytes, *, default_tz: str = "UTC") -> tuple[list[_Parsed], list[str]]:
    """Read the events of an .ics file; return them with notes, or raise ImportRefused.

    A small reader of its own (not icalendar's) keeps 10,000 events within the time budget;
    zones that only the file defines are still resolved through icalendar.
    """
    text = _precheck(data)
    found, defined = _components(text)
    notes: list[str] = []
    found = _resolve_duplicates(found, notes)
    zones = _Zones(data, defined, default_tz, notes)
    problems: list[str] = []
    parsed: list[_Parsed] = []
    overrides: list[tuple[_Parsed, datetime]] = []
    for n, props in enumerate(found, start=1):
        try:
            record, recurrence_id = _parse_event(props, n, zones)
        except _Bad as exc:
            problems.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - never a traceback: name the event instead
            title = (_text_of(props, "SUMMARY") or "(no title)")[:80]
            problems.append(
                f"Event {n} ('{title}'): cannot be read ({type(exc).__name__}: {str(exc)[:120]})."
            )
            continue
        if recurrence_id is not None:
            overrides.append((record, recurrence_id))
        else:
            parsed.append(record)
    if problems:
        raise ImportRefused(problems)
    _apply_overrides(parsed, overrides, notes)
    uids = [p.uid for p in parsed]
    if len(uids) != len(set(uids)):
        seen: set[str] = set()
        dup = next(u for u in uids if u in seen or seen.add(u))
        raise ImportRefused([f"Two events in the file share the UID {dup[:60]}."])
    return parsed, notes


def _apply_overrides(
    parsed: list[_Parsed], overrides: list[tuple[_Parsed, datetime]], notes: list[str]
) -> None:
    """Turn each changed occurrence into an exception of its series plus an event of its own."""
    masters = {p.uid: p for p in parsed}
    for record, rid_utc in overrides:
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
    )


def _plan(
    conn, actor: User, parsed: list[_Parsed]
) -> tuple[list[tuple[ImportRow, ev.EventIn, ev.Event | None]], list[str]]:
    existing = store.list_events_by_uid(conn, uids=[p.uid for p in parsed])
    workstreams = store.list_workstream_ids(conn)
    problems, plan = [], []
    for p in parsed:
        before = existing.get(p.uid)
        try:
            event_in = _event_in(p, before, actor)
        except ValidationError as exc:
            problems += ev.explain(exc, where=p.where)
            continue
        if event_in.workstream_id and event_in.workstream_id not in workstreams:
            problems.append(
                f"{p.where}: X-ACTIONPLAN-WORKSTREAM '{event_in.workstream_id}' is not a "
                "known workstream."
            )
            continue
        scopes = {event_in.workstream_id} | ({before.workstream_id} if before else set())
        if not all(can(actor, "event.edit", workstream_id=s) for s in scopes):
            scope = event_in.workstream_id or "network-wide events"
            problems.append(f"{p.where}: you may not add or change events of {scope}.")
            continue
        if before is None:
            action = "create"
        else:
            same = ev.stored_values(before) == ev.event_values(event_in)
            action = "unchanged" if same else "update"
        when = (
            f"{event_in.start_local:%Y-%m-%d}"
            if event_in.all_day
            else f"{event_in.start_local:%Y-%m-%d %H:%M} {event_in.tz}"
        )
        row = ImportRow(
            uid=p.uid,
            title=p.title,
            when=when,
            action=action,
            event_id=before.event_id if before else None,
        )
        plan.append((row, event_in, before))
    return plan, problems


def preview_import(con: Db, *, actor: User, data: bytes, default_tz: str = "UTC") -> ImportResult:
    """Say what importing the file would create, update or leave unchanged; write nothing."""
    parsed, notes = parse_ics(data, default_tz=default_tz)
    with con.reading() as conn:
        plan, problems = _plan(conn, actor, parsed)
    if problems:
        raise ImportRefused(problems)
    return ImportResult(rows=[row for row, _, _ in plan], notes=notes)


def _write_plan(conn, actor: User, plan: list, source: str) -> None:
    """Insert and update in bulk (one statement each), with one audit entry per event."""
    now = audit.utcnow()
    creates = [(row, e) for row, e, _ in plan if row.action == "create"]
    updates = [(row, e, b) for row, e, b in plan if row.action == "update"]
    entries = []
    if creates:
        records = []
        for _row, event_in in creates:
            values = ev.event_values(event_in)
            records.append(
                store.EventRecordIn(
                    uid=event_in.uid,
                    workstream_id=values["workstream_id"],
                    fields={k: values[k] for k in store.FIELDS},
                    source=source,
                    created_by=actor.username,
                    updated_at_utc=now,
                )
            )
        ids = store.insert_events(conn, records)
        for (row, event_in), record in zip(creates, records, strict=True):
            row.event_id = ids[row.uid]
            after = dict(ev.event_values(event_in), uid=record.uid, sequence=0, source=source)
            entries.append(
                audit.entry(
                    actor=actor,
                    action="create",
                    entity="event",
                    entity_id=row.event_id,
                    after=after,
                    at_utc=now,
                )
            )
    for row, event_in, before in updates:
        if event_in.workstream_id != before.workstream_id:
            ev.move_workstream(conn, row.event_id, before.title, event_in.workstream_id)
    changes = []
    for row, event_in, before in updates:
        values = ev.event_values(event_in)
        old = ev.stored_values(before)
        changed = [k for k in values if values[k] != old[k]]
        entries.append(
            audit.entry(
                actor=actor,
                action="update",
                entity="event",
                entity_id=row.event_id,
                before={k: old[k] for k in changed},
                after={k: values[k] for k in changed},
                at_utc=now,
            )
        )
        changes.append({"event_id": row.event_id, **values})
    store.bump_sequences(conn, changes=changes, at_utc=now)
    audit.record_many(conn, entries)


def import_ics(
    con: Db,
    *,
    actor: User,
    data: bytes,
    default_tz: str = "UTC",
    source: str = "ics import",
) -> ImportResult:
    """Import the file all-or-nothing, matching events by UID; return what was done."""
    parsed, notes = parse_ics(data, default_tz=default_tz)

    def work(conn):
        plan, problems = _plan(conn, actor, parsed)
        if problems:
            raise ImportRefused(problems)
        _write_plan(conn, actor, plan, source)
        # A file of ours (X-ACTIONPLAN-KIND) says all of an event's objectives (none named:
        # none); a file from elsewhere changes them only when it names some.
        by_uid = {p.uid: p for p in parsed}
        objectives.import_event_objectives(
            conn,
            [
                (row.event_id, by_uid[row.uid].objectives or [])
                for row, _, _ in plan
                if by_uid[row.uid].objectives is not None or by_uid[row.uid].kind is not None
            ],
        )
        return plan

    try:
        plan = con.write(work)
    except WriteConflict:
        raise ImportRefused(
            [
                "The calendar changed while importing (someone saved the same events at the "
                "same time). Nothing was imported; try again."
            ]
        ) from None
    except ValueError as exc:
        if isinstance(exc, ImportRefused):
            raise
        raise ImportRefused([str(exc)]) from None
    return ImportResult(rows=[row for row, _, _ in plan], notes=notes)


def exdates_text(values: list[datetime]) -> str | None:
    """Return exception instants as stored (re-exported for the command line)."""
    return format_exdates(values)

"""Convert and label times across IANA zones: event zone, viewer zone, Champions' capitals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pandas as pd

from core.permissions import User
from core.store import Db
from core.store import users as user_store
from core.store.events import list_invitee_capitals

DEFAULT_VIEWER_ZONE = "Europe/Zurich"  # the Secretariat's, when nothing else is known
WORK_START = time(8, 0)
WORK_END = time(18, 0)

# tzdata writes numeric abbreviations ("+07") for many zones; these names are in common use.
_ABBREVIATIONS = {
    "Asia/Bangkok": "ICT",
    "Asia/Phnom_Penh": "ICT",
    "Asia/Ho_Chi_Minh": "ICT",
    "Asia/Vientiane": "ICT",
    "Africa/Ndjamena": "WAT",
    "Asia/Dhaka": "BST (Dhaka)",
}

# Zones offered first in pickers: the Secretariat's, UTC, and the Champions' range.
COMMON_ZONES = (
    "Europe/Zurich",
    "UTC",
    "America/Mexico_City",
    "America/Bogota",
    "America/Toronto",
    "Africa/Dakar",
    "Africa/Nairobi",
    "Asia/Baghdad",
    "Asia/Dhaka",
    "Asia/Bangkok",
)


class UnknownZone(ValueError):
    """The text is not an IANA time zone name."""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name, or raise UnknownZone with a readable message."""
    try:
        if not name or name != name.strip():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(
            f"'{name}' is not a time zone name (expected e.g. Europe/Zurich or America/Bogota)"
        ) from None


@lru_cache(maxsize=1)
def all_zones() -> list[str]:
    """Return every IANA zone name, the common ones first."""
    rest = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return list(COMMON_ZONES) + [z for z in rest if z not in COMMON_ZONES]


def to_utc(local: datetime, tz: str) -> datetime:
    """Convert a naive wall-clock time in zone `tz` to naive UTC."""
    return local.replace(tzinfo=zone(tz)).astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime, tz: str) -> datetime:
    """Convert a naive UTC time to an aware time in zone `tz`."""
    return utc.replace(tzinfo=UTC).astimezone(zone(tz))


def is_nonexistent(local: datetime, tz: str) -> bool:
    """Return True when the wall-clock time is skipped by a daylight-saving change in `tz`."""
    aware = local.replace(tzinfo=zone(tz))
    back = aware.astimezone(UTC).astimezone(zone(tz)).replace(tzinfo=None)
    return back != local


def abbreviation(aware: datetime) -> str:
    """Return a short label of the zone at that instant ("CET", "ICT", "UTC-5")."""
    key = getattr(aware.tzinfo, "key", None)
    if key in _ABBREVIATIONS:
        return _ABBREVIATIONS[key]
    name = aware.tzname() or ""
    if re.fullmatch(r"[A-Z]{2,5}", name):
        return name
    offset = aware.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def label(utc: datetime, tz: str, *, with_date: bool = False) -> str:
    """Return "15:00 CET" (or "Fri 26 Feb 15:00 CET") for a naive UTC time shown in zone `tz`."""
    local = to_local(utc, tz)
    text = local.strftime("%a %d %b %H:%M" if with_date else "%H:%M")
    return f"{text} {abbreviation(local)}"


def label_pair(utc: datetime, event_tz: str, viewer_tz: str, *, with_date: bool = False) -> str:
    """Return "15:00 CET / 21:00 ICT": the event's zone, then the viewer's when it differs."""
    first = label(utc, event_tz, with_date=with_date)
    if to_local(utc, event_tz).utcoffset() == to_local(utc, viewer_tz).utcoffset():
        return first
    other_day = to_local(utc, viewer_tz).date() != to_local(utc, event_tz).date()
    return f"{first} / {label(utc, viewer_tz, with_date=with_date or other_day)}"


def span_label(
    starts_utc: datetime, ends_utc: datetime, event_tz: str, viewer_tz: str, *, all_day: bool
) -> str:
    """Return an event's time span for people: all-day dates, or times in both zones."""
    if all_day:
        last = (ends_utc - timedelta(days=1)).date()
        first = starts_utc.date()
        if last <= first:
            return f"{first:%a %d %b %Y} (all day)"
        return f"{first:%a %d %b} - {last:%a %d %b %Y} (all day)"
    start = label_pair(starts_utc, event_tz, viewer_tz, with_date=True)
    end = label_pair(ends_utc, event_tz, viewer_tz)
    return f"{start} - {end}"


def within_working_hours(local: datetime, local_end: datetime) -> bool:
    """Return True when [local, local_end] lies on one weekday between 08:00 and 18:00."""
    if local.weekday() >= 5 or local_end.date() != local.date():
        return False
    return local.time() >= WORK_START and local_end.time() <= WORK_END


def capital_local_times(
    con: Db, *, event_id: int, starts_utc: datetime, ends_utc: datetime
) -> pd.DataFrame:
    """Return each invited Champion's capital time for the event, flagging hours outside 08-18."""
    rows = list_invitee_capitals(con, event_id=event_id)
    out = []
    for country, tz in rows:
        start = to_local(starts_utc, tz)
        end = to_local(ends_utc, tz)
        inside = within_working_hours(start.replace(tzinfo=None), end.replace(tzinfo=None))
        out.append(
            {
                "country": country,
                "capital zone": tz,
                "local time": f"{start:%a %d %b %H:%M}-{end:%H:%M} {abbreviation(start)}",
                "working hours": "yes" if inside else "outside 08:00-18:00",
            }
        )
    return pd.DataFrame(out, columns=["country", "capital zone", "local time", "working hours"])


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """Return the naive UTC instants where `day` starts and ends in zone `tz`."""
    start = to_utc(datetime.combine(day, time()), tz)
    end = to_utc(datetime.combine(day + timedelta(days=1), time()), tz)
    return start, end


def today_in(tz: str, *, now_utc: datetime | None = None) -> date:
    """Return today's date for someone in zone `tz` (not the server's date)."""
    now = now_utc or datetime.now(UTC).replace(tzinfo=None)
    return to_local(now, tz).date()


def known_zone(name: str | None) -> str | None:
    """Return the name when it is an IANA zone, else None (a browser may report anything)."""
    if not name:
        return None
    try:
        zone(name)
    except UnknownZone:
        return None
    return name


def viewer_zone(con: Db, *, username: str, browser_tz: str | None) -> tuple[str, str]:
    """Return (zone, why) for showing times to a person: the zone they chose and saved, else
    their browser's, else the Secretariat's; `why` says which, in words for the page."""
    saved = known_zone(user_store.get_viewer_tz(con, username=username))
    if saved:
        return saved, "your saved choice"
    if browser := known_zone(browser_tz):
        return browser, "your browser's zone"
    return DEFAULT_VIEWER_ZONE, "the Secretariat's zone (your browser did not say its own)"


def save_viewer_zone(con: Db, *, actor: User, tz: str | None) -> None:
    """Remember the zone the logged-in person wants to see times in; None goes back to the
    browser's. Each person sets only their own: there is no username to aim at someone else."""
    if tz is not None:
        zone(tz)  # UnknownZone names the wrong text
    con.write(lambda conn: user_store.update_viewer_tz(conn, username=actor.username, viewer_tz=tz))

"""Build, check, describe and expand recurrence rules (RFC 5545 RRULE plus exception dates)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import pandas as pd
import recurring_ical_events
from icalendar import Calendar, Event, vRecur
from pydantic import BaseModel, Field, model_validator

from core.timezones import to_utc, zone

# A hostile or careless rule must not hang the app: only these frequencies, this many times.
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_COUNT = 500
MAX_OCCURRENCES = 2000  # per expansion (display and feeds); a year of daily events fits.
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


class RecurrenceIn(BaseModel):
    """A repetition as people choose it in the event form."""

    pattern: Literal["daily", "weekly", "monthly_day", "monthly_nth"]
    interval: int = Field(default=1, ge=1, le=52)
    weekdays: list[Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]] = []
    nth: Literal[1, 2, 3, 4, -1] | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    until: date | None = None

    @model_validator(mode="after")
    def _one_end(self) -> RecurrenceIn:
        if self.count is None and self.until is None:
            raise ValueError("a repeating event needs an end: a number of times or an 'until' date")
        if self.count is not None and self.until is not None:
            raise ValueError("give either a number of times or an 'until' date, not both")
        if self.pattern == "monthly_nth" and self.nth is None:
            raise ValueError("say which week of the month (1st, 2nd, 3rd, 4th or last)")
        return self


def build_rrule(rec: RecurrenceIn, *, start_local: datetime, tz: str, all_day: bool) -> str:
    """Return the RRULE text for a repetition starting at `start_local` in zone `tz`."""
    day = WEEKDAYS[start_local.weekday()]
    parts = []
    if rec.pattern == "daily":
        parts.append("FREQ=DAILY")
    elif rec.pattern == "weekly":
        parts.append("FREQ=WEEKLY")
        days = sorted(set(rec.weekdays) or {day}, key=WEEKDAYS.index)
        parts.append("BYDAY=" + ",".join(days))
    elif rec.pattern == "monthly_day":
        parts += ["FREQ=MONTHLY", f"BYMONTHDAY={start_local.day}"]
    else:
        parts += ["FREQ=MONTHLY", f"BYDAY={rec.nth}{day}"]
    if rec.interval > 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.count is not None:
        parts.append(f"COUNT={rec.count}")
    elif rec.until is not None:
        if rec.until < start_local.date():
            raise ValueError(
                f"the repetition ends ({rec.until:%d %b %Y}) before the event starts "
                f"({start_local:%d %b %Y})"
            )
        if all_day:
            parts.append(f"UNTIL={rec.until:%Y%m%d}")
        else:
            last = to_utc(datetime.combine(rec.until, time(23, 59, 59)), tz)
            parts.append(f"UNTIL={last:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def parse_rrule(
    text: str | None, *, start_local: datetime, tz: str, all_day: bool
) -> RecurrenceIn | None:
    """Return the form's choices for a stored rule, or None when the form cannot show it.

    The choices are accepted only when building them again gives the same rule, so that
    saving the form unchanged never alters a series (rules from other calendars with parts
    the form does not offer, such as WKST or BYSETPOS, stay as they are).
    """
    if not text:
        return None
    try:
        rule = vRecur.from_ical(check_rrule(text))
    except ValueError:
        return None
    freq = rule["FREQ"][0]
    byday = [str(d) for d in rule.get("BYDAY", [])]
    count = (rule.get("COUNT") or [None])[0]
    until = (rule.get("UNTIL") or [None])[0]
    if isinstance(until, datetime):
        if until.tzinfo is not None:
            until = until.astimezone(zone(tz))
        until = until.date()
    choices: dict = {
        "interval": int((rule.get("INTERVAL") or [1])[0]),
        "count": int(count) if count is not None else None,
        "until": until if count is None else None,
    }
    if freq == "DAILY":
        choices["pattern"] = "daily"
    elif freq == "WEEKLY":
        choices.update(pattern="weekly", weekdays=[d[-2:] for d in byday if d[-2:] in WEEKDAYS])
    elif freq == "MONTHLY" and byday:
        nth = byday[0][:-2]
        choices.update(pattern="monthly_nth", nth=int(nth) if nth.lstrip("+-").isdigit() else None)
    elif freq == "MONTHLY":
        choices["pattern"] = "monthly_day"
    else:
        return None
    try:
        rec = RecurrenceIn(**choices)
        again = build_rrule(rec, start_local=start_local, tz=tz, all_day=all_day)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return None
    return rec if vRecur.from_ical(again) == rule else None


def exdates_by_day(text: str | None, *, tz: str, all_day: bool) -> dict[date, datetime]:
    """Return a series' stored exceptions by local day (for the form's 'skip these dates')."""
    return {
        (
            instant.date() if all_day else instant.replace(tzinfo=UTC).astimezone(zone(tz)).date()
        ): instant
        for instant in sorted(parse_exdates(text))
    }


def check_rrule(text: str) -> str:
    """Return the rule normalised, or raise ValueError saying what is wrong in plain words."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    try:
        rule = vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"the repetition rule '{text[:80]}' cannot be read") from None
    freq = (rule.get("FREQ") or [None])[0]
    if freq not in ALLOWED_FREQS:
        raise ValueError(
            f"repeating {str(freq).lower()} is not supported (at most daily, so that a rule "
            "cannot flood the calendar)"
        )
    count = (rule.get("COUNT") or [None])[0]
    if count is not None and not 1 <= int(count) <= MAX_COUNT:
        raise ValueError(f"a series may repeat at most {MAX_COUNT} times (this one: {count})")
    interval = (rule.get("INTERVAL") or [1])[0]
    if int(interval) < 1:
        raise ValueError("the repetition interval must be at least 1")
    return vRecur(rule).to_ical().decode()


def describe(text: str | None) -> str:
    """Return a rule in words: "every 3rd Wednesday of the month, 6 times"."""
    if not text:
        return "does not repeat"
    rule = vRecur.from_ical(text)
    freq = rule["FREQ"][0]
    interval = int((rule.get("INTERVAL") or [1])[0])
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[freq]
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    byday = [str(d) for d in rule.get("BYDAY", [])]
    if freq == "WEEKLY" and byday:
        names = ", ".join(WEEKDAY_NAMES.get(d[-2:], d) for d in byday)
        words = f"{every} on {names}"
    elif freq == "MONTHLY" and byday and byday[0][:-2]:
        nth = int(byday[0][:-2])
        words = f"every {ORDINALS.get(nth, str(nth))} {WEEKDAY_NAMES[byday[0][-2:]]} of the month"
        if interval > 1:
            words += f", every {interval} months"
    elif freq == "MONTHLY" and rule.get("BYMONTHDAY"):
        words = f"{every} on day {rule['BYMONTHDAY'][0]}"
    else:
        words = every
    if rule.get("COUNT"):
        words += f", {rule['COUNT'][0]} times"
    elif rule.get("UNTIL"):
        until = rule["UNTIL"][0]
        words += f", until {until:%d %b %Y}"
    return words


def parse_exdates(text: str | None) -> list[datetime]:
    """Return the stored exception instants (naive UTC; all-day ones at midnight)."""
    if not text:
        return []
    return [datetime.fromisoformat(part) for part in text.split(",") if part.strip()]


def format_exdates(values: list[datetime]) -> str | None:
    """Return exception instants as stored text (sorted, no duplicates), or None."""
    if not values:
        return None
    return ",".join(v.isoformat(timespec="seconds") for v in sorted(set(values)))


def exdate_for_day(day: date, *, starts_utc: datetime, tz: str, all_day: bool) -> datetime:
    """Return the occurrence instant (naive UTC) on a local `day` of a series, to skip it."""
    if all_day:
        return datetime.combine(day, time())
    local_time = starts_utc.replace(tzinfo=UTC).astimezone(zone(tz)).time()
    return to_utc(datetime.combine(day, local_time), tz)


def series_vevent(row: dict) -> Event:
    """Return a minimal VEVENT of a stored event row, in its zone, for expansion."""
    tz = zone(row["tz"])
    event = Event()
    event.add("uid", str(row["event_id"]))
    if row["all_day"]:
        event.add("dtstart", row["starts_utc"].date())
        event.add("dtend", row["ends_utc"].date())
    else:
        event.add("dtstart", row["starts_utc"].replace(tzinfo=UTC).astimezone(tz))
        event.add("dtend", row["ends_utc"].replace(tzinfo=UTC).astimezone(tz))
    event.add("rrule", vRecur.from_ical(row["rrule"]))
    for ex in parse_exdates(row.get("exdates")):
        event.add("exdate", ex.date() if row["all_day"] else ex.replace(tzinfo=UTC).astimezone(tz))
    return event


def _naive_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return datetime.combine(value, time())


def expand(
    events: pd.DataFrame, *, start_utc: datetime, end_utc: datetime, cap: int = MAX_OCCURRENCES
) -> pd.DataFrame:
    """Return one row per occurrence in [start_utc, end_utc): series expanded, capped at `cap`."""
    if events.empty:
        return events.assign(occurrence=pd.Series(dtype="int64"))
    single = events[events["rrule"].isna()].copy()
    single = single[(single["starts_utc"] < end_utc) & (single["ends_utc"] > start_utc)]
    single["occurrence"] = 0
    series = events[events["rrule"].notna()]
    if series.empty:
        return single.reset_index(drop=True)
    calendar = Calendar()
    by_id = {}
    for row in series.to_dict("records"):
        by_id[str(row["event_id"])] = row
        calendar.add_component(series_vevent(row))
    window = recurring_ical_events.of(calendar).between(
        start_utc.replace(tzinfo=UTC), end_utc.replace(tzinfo=UTC)
    )
    rows = []
    seen: dict[str, int] = {}
    for occurrence in itertools.islice(window, cap):
        base = by_id[str(occurrence["UID"])]
        n = seen.get(base["event_id"], 0) + 1
        seen[base["event_id"]] = n
        rows.append(
            dict(
                base,
                starts_utc=_naive_utc(occurrence.start),
                ends_utc=_naive_utc(occurrence.end),
                occurrence=n,
            )
        )
    repeated = pd.DataFrame(rows, columns=list(series.columns) + ["occurrence"])
    out = pd.concat([single, repeated], ignore_index=True) if len(single) else repeated
    return out.sort_values(["starts_utc", "title"]).reset_index(drop=True)


def first_occurrences(rrule: str, *, starts_utc: datetime, tz: str, limit: int = 5) -> list:
    """Return the first few occurrence starts (naive UTC) of a rule, for previews."""
    row = {
        "event_id": 0,
        "tz": tz,
        "all_day": False,
        "starts_utc": starts_utc,
        "ends_utc": starts_utc + timedelta(hours=1),
        "rrule": rrule,
        "exdates": None,
    }
    calendar = Calendar()
    calendar.add_component(series_vevent(row))
    found = recurring_ical_events.of(calendar).after(starts_utc.replace(tzinfo=UTC))
    return [_naive_utc(o.start) for o in itertools.islice(found, limit)]

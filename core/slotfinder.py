"""Find meeting times fair across the Champions' time zones, and rotate who gets off-hours times.

A start time is ranked by how many invitees are inside their working hours (08:00-18:00 local
on a weekday by default), then by the off-hours burden of the rest: minutes outside working
hours, weighted up for Champions who were given off-hours times before, so the burden rotates.
When no single time keeps everyone inside working hours, twin sessions are proposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from core import audit
from core.permissions import User, require
from core.store import Db
from core.store import meetings as store
from core.timezones import abbreviation

MAX_DAYS = 31


@dataclass(frozen=True)
class Invitee:
    """A Champion invited to a session, with its capital's zone."""

    m49: int
    country: str
    tz: str


class FinderIn(BaseModel):
    """What the slot finder is asked: a date range, a duration and working hours."""

    first_day: date
    last_day: date
    minutes: int = Field(default=90, ge=15, le=8 * 60)
    work_start: int = Field(default=8, ge=0, le=23)
    work_end: int = Field(default=18, ge=1, le=24)
    step_minutes: int = Field(default=30, ge=15, le=120)

    @model_validator(mode="after")
    def _sane(self):
        if self.last_day < self.first_day:
            raise ValueError("The last day comes before the first day.")
        if (self.last_day - self.first_day).days >= MAX_DAYS:
            raise ValueError(f"Search at most {MAX_DAYS} days at a time.")
        if self.work_end <= self.work_start:
            raise ValueError("Working hours must end after they start.")
        return self


def off_minutes(
    local_start: datetime, local_end: datetime, *, work_start: int = 8, work_end: int = 18
) -> int:
    """Return the minutes of [local_start, local_end) outside working hours (weekends all off)."""
    total = round((local_end - local_start).total_seconds() / 60)
    if local_start.weekday() >= 5:
        return total
    day_start = local_start.replace(hour=work_start, minute=0, second=0, microsecond=0)
    day_end = local_start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        hours=work_end
    )
    before = max(timedelta(0), min(local_end, day_start) - local_start)
    after = max(timedelta(0), local_end - max(local_start, day_end))
    return min(total, round((before + after).total_seconds() / 60))


def _local(start_utc: datetime, tz: str) -> datetime:
    return start_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


def evaluate(
    start_utc: datetime, minutes: int, invitees: list[Invitee], *, work_start=8, work_end=18
) -> dict[int, int]:
    """Return each invitee's off-hours minutes for a session starting at start_utc (naive UTC)."""
    end_utc = start_utc + timedelta(minutes=minutes)
    return {
        i.m49: off_minutes(
            _local(start_utc, i.tz),
            _local(end_utc, i.tz),
            work_start=work_start,
            work_end=work_end,
        )
        for i in invitees
    }


def _candidates(ask: FinderIn) -> list[datetime]:
    out = []
    day = ask.first_day
    while day <= ask.last_day:
        t = datetime.combine(day, datetime.min.time())
        for k in range(0, 24 * 60, ask.step_minutes):
            out.append(t + timedelta(minutes=k))
        day += timedelta(days=1)
    return out


def _burden(offs: dict[int, int], history: dict[int, int]) -> int:
    return sum(off * (1 + history.get(m49, 0)) for m49, off in offs.items())


def rank_times(
    invitees: list[Invitee], ask: FinderIn, *, history: dict[int, int] | None = None, top: int = 10
) -> pd.DataFrame:
    """Rank start times (UTC) by invitees inside working hours, then by rotated off-hours burden."""
    history = history or {}
    names = {i.m49: i.country for i in invitees}
    rows, seen = [], set()
    for start in _candidates(ask):
        offs = evaluate(
            start, ask.minutes, invitees, work_start=ask.work_start, work_end=ask.work_end
        )
        inside = sum(1 for off in offs.values() if off == 0)
        burden = _burden(offs, history)
        # The same time of day on another weekday scores the same: show it once (the first date).
        pattern = (start.time(), tuple(sorted(offs.items())))
        if pattern in seen:
            continue
        seen.add(pattern)
        outside = sorted((m for m, off in offs.items() if off), key=lambda m: -offs[m])
        rows.append(
            {
                "starts_utc": start,
                "inside": inside,
                "invited": len(invitees),
                "off_minutes": sum(offs.values()),
                "worst_off_minutes": max(offs.values(), default=0),
                "burden": burden,
                "outside_hours": ", ".join(f"{names[m]} ({offs[m]} min)" for m in outside),
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df = df.sort_values(
        ["inside", "burden", "worst_off_minutes", "starts_utc"],
        ascending=[False, True, True, True],
    )
    return df.head(top).reset_index(drop=True)


def local_table(
    invitees: list[Invitee], start_utc: datetime, minutes: int, *, work_start=8, work_end=18
) -> pd.DataFrame:
    """Return each invitee's local time for a session, labelled with its zone, and its off-hours."""
    end_utc = start_utc + timedelta(minutes=minutes)
    rows = []
    for i in invitees:
        ls, le = _local(start_utc, i.tz), _local(end_utc, i.tz)
        off = off_minutes(ls, le, work_start=work_start, work_end=work_end)
        rows.append(
            {
                "country": i.country,
                "zone": i.tz,
                "local time": f"{ls:%a %d %b %H:%M}-{le:%H:%M} {abbreviation(ls)}",
                "inside working hours": off == 0,
                "off-hours minutes": off,
            }
        )
    return pd.DataFrame(rows).sort_values(["off-hours minutes", "country"], ascending=[False, True])


@dataclass
class TwinProposal:
    """Two sessions of the same content; each invitee is assigned the one fairer for them."""

    first_utc: datetime
    second_utc: datetime
    assignment: pd.DataFrame
    inside: int
    off_minutes: int


def twin_sessions(
    invitees: list[Invitee], ask: FinderIn, *, history: dict[int, int] | None = None
) -> TwinProposal | None:
    """Propose two start times on the first weekday of the range that keep the most inside hours."""
    history = history or {}
    day = ask.first_day
    while day.weekday() >= 5 and day <= ask.last_day:
        day += timedelta(days=1)
    if day > ask.last_day or not invitees:
        return None
    base = datetime.combine(day, datetime.min.time())
    starts = [base + timedelta(minutes=k) for k in range(0, 24 * 60, ask.step_minutes)]
    offs = {
        s: evaluate(s, ask.minutes, invitees, work_start=ask.work_start, work_end=ask.work_end)
        for s in starts
    }
    best = None
    for a, b in combinations(starts, 2):
        if b - a < timedelta(minutes=ask.minutes):
            continue
        pick = {i.m49: min(offs[a][i.m49], offs[b][i.m49]) for i in invitees}
        key = (
            -sum(1 for v in pick.values() if v == 0),
            _burden(pick, history),
            a,
        )
        if best is None or key < best[0]:
            best = (key, a, b)
    if best is None:
        return None
    _, a, b = best
    rows = []
    for i in invitees:
        chosen = a if offs[a][i.m49] <= offs[b][i.m49] else b
        ls = _local(chosen, i.tz)
        le = _local(chosen + timedelta(minutes=ask.minutes), i.tz)
        rows.append(
            {
                "country": i.country,
                "session": "first" if chosen == a else "second",
                "local time": f"{ls:%a %d %b %H:%M}-{le:%H:%M} {abbreviation(ls)}",
                "off-hours minutes": offs[chosen][i.m49],
            }
        )
    table = pd.DataFrame(rows).sort_values(["session", "country"]).reset_index(drop=True)
    return TwinProposal(
        first_utc=a,
        second_utc=b,
        assignment=table,
        inside=int((table["off-hours minutes"] == 0).sum()),
        off_minutes=int(table["off-hours minutes"].sum()),
    )


def list_invitees(con: Db, *, m49s: list[int] | None = None) -> list[Invitee]:
    """Return Champions (all active ones, or the given ones) with their capitals' zones."""
    return [Invitee(**r.model_dump()) for r in store.list_champion_zones(con, m49s=m49s)]


def offhours_counts(con: Db) -> dict[int, int]:
    """Return how many off-hours sessions each Champion was given before."""
    return store.count_offhours_sessions(con)


def offhours_history(con: Db) -> pd.DataFrame:
    """Return the recorded off-hours burden per Champion (for the rotation view)."""
    return store.list_offhours_burden(con)


def record_choice(
    con: Db,
    *,
    actor: User,
    invitees: list[Invitee],
    starts_utc: datetime,
    minutes: int,
    label: str,
    work_start: int = 8,
    work_end: int = 18,
) -> int:
    """Remember who got off-hours times with a chosen start, so later proposals rotate; return count."""
    require(actor, "slotfinder.record")
    offs = evaluate(starts_utc, minutes, invitees, work_start=work_start, work_end=work_end)
    burdened = [(m49, off) for m49, off in offs.items() if off > 0]
    now = audit.utcnow()

    def work(conn):
        store.insert_offhours(
            conn,
            [
                store.OffhoursIn(
                    m49=m,
                    starts_utc=starts_utc,
                    minutes_off=off,
                    label=label,
                    recorded_by=actor.username,
                    recorded_at_utc=now,
                )
                for m, off in burdened
            ],
        )
        audit.record(
            conn,
            actor=actor,
            action="slotfinder.record",
            entity="offhours_history",
            entity_id=label,
            after={"starts_utc": starts_utc, "off_hours": dict(burdened)},
        )

    con.write(work)
    return len(burdened)

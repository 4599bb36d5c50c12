"""Figures for the Overview page: what is coming, what is late, who is engaged."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pandas as pd

from core.events import EVENT_KINDS
from core.store import Db
from core.store import overview as store
from core.timezones import label_pair


def overview_kpis(con: Db, *, today: date) -> dict[str, int]:
    """Return the headline counts shown at the top of the Overview."""
    start = datetime(today.year, 1, 1)
    now = datetime.combine(today, datetime.min.time())
    return store.count_headlines(
        con,
        year_start=start,
        next_year_start=start.replace(year=today.year + 1),
        now=now,
        in_30_days=now + timedelta(days=30),
        today=today,
    )


def events_per_month(con: Db, *, year: int) -> pd.DataFrame:
    """Return the number of events per month and kind for one year."""
    df = store.count_events_by_month(
        con, year_start=datetime(year, 1, 1), next_year_start=datetime(year + 1, 1, 1)
    )
    df["kind_label"] = df["kind"].map(EVENT_KINDS).fillna(df["kind"])
    df["month_name"] = [calendar.month_abbr[m] for m in df["month"]]
    return df


def upcoming_events(
    con: Db, *, today: date, viewer_tz: str = "Europe/Zurich", limit: int = 8
) -> pd.DataFrame:
    """Return the next events from today: when (event's zone / viewer's zone), title, kind."""
    df = store.list_next_events(con, now=datetime.combine(today, datetime.min.time()), limit=limit)
    df["when"] = [
        f"{start:%a %d %b} (all day)"
        if all_day
        else label_pair(pd.Timestamp(start).to_pydatetime(), tz, viewer_tz, with_date=True)
        for start, tz, all_day in zip(df["starts_utc"], df["tz"], df["all_day"], strict=True)
    ]
    df["kind"] = df["kind"].map(EVENT_KINDS).fillna(df["kind"])
    return df[["when", "title", "kind"]]

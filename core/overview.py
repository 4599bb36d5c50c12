"""Figures for the Overview page: what is coming, what is late, who is engaged."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from core.events import EVENT_KINDS
from core.timezones import label_pair


def overview_kpis(con: duckdb.DuckDBPyConnection, *, today: date) -> dict[str, int]:
    """Return the headline counts shown at the top of the Overview."""
    cur = con.cursor()
    start = datetime(today.year, 1, 1)
    now = datetime.combine(today, datetime.min.time())
    row = cur.execute(
        """
        SELECT
          (SELECT count(*) FROM champions WHERE status = 'active'),
          (SELECT count(*) FROM events WHERE status <> 'cancelled' AND starts_utc >= ? AND starts_utc < ?),
          (SELECT count(*) FROM events WHERE status <> 'cancelled' AND starts_utc >= ? AND starts_utc < ?),
          (SELECT count(*) FROM products WHERE stage NOT IN ('launched', 'cancelled', 'planned')),
          (SELECT count(*) FROM products WHERE stage NOT IN ('launched', 'cancelled') AND planned_launch < ?)
        """,
        [start, start.replace(year=today.year + 1), now, now + timedelta(days=30), today],
    ).fetchone()
    keys = ("champions", "events_year", "events_30", "products_open", "products_late")
    return dict(zip(keys, row, strict=True))


def events_per_month(con: duckdb.DuckDBPyConnection, *, year: int) -> pd.DataFrame:
    """Return the number of events per month and kind for one year."""
    df = (
        con.cursor()
        .execute(
            """
        SELECT month(starts_utc) AS month, kind, count(*) AS events
        FROM events WHERE year(starts_utc) = ? AND status <> 'cancelled'
        GROUP BY ALL ORDER BY month
        """,
            [year],
        )
        .df()
    )
    df["kind_label"] = df["kind"].map(EVENT_KINDS).fillna(df["kind"])
    df["month_name"] = [calendar.month_abbr[m] for m in df["month"]]
    return df


def upcoming_events(
    con: duckdb.DuckDBPyConnection, *, today: date, viewer_tz: str = "Europe/Zurich", limit: int = 8
) -> pd.DataFrame:
    """Return the next events from today: when (event's zone / viewer's zone), title, kind."""
    df = (
        con.cursor()
        .execute(
            "SELECT title, kind, starts_utc, tz, all_day FROM events"
            " WHERE starts_utc >= ? AND status <> 'cancelled' ORDER BY starts_utc LIMIT ?",
            [datetime.combine(today, datetime.min.time()), limit],
        )
        .df()
    )
    df["when"] = [
        f"{start:%a %d %b} (all day)"
        if all_day
        else label_pair(start.to_pydatetime(), tz, viewer_tz, with_date=True)
        for start, tz, all_day in zip(df["starts_utc"], df["tz"], df["all_day"], strict=True)
    ]
    df["kind"] = df["kind"].map(EVENT_KINDS).fillna(df["kind"])
    return df[["when", "title", "kind"]]

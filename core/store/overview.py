"""Read-only figures for the Overview page, across the events, products and champions tables."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from core.store import Db


def count_headlines(
    db: Db,
    *,
    year_start: datetime,
    next_year_start: datetime,
    now: datetime,
    in_30_days: datetime,
    today: date,
) -> dict[str, int]:
    row = db.one(
        "SELECT"
        " (SELECT count(*) FROM champions WHERE status = 'active') AS champions,"
        " (SELECT count(*) FROM events WHERE status <> 'cancelled'"
        "   AND starts_utc >= :y0 AND starts_utc < :y1) AS events_year,"
        " (SELECT count(*) FROM events WHERE status <> 'cancelled'"
        "   AND starts_utc >= :now AND starts_utc < :soon) AS events_30,"
        " (SELECT count(*) FROM products"
        "   WHERE stage NOT IN ('launched', 'cancelled', 'planned')) AS products_open,"
        " (SELECT count(*) FROM products WHERE stage NOT IN ('launched', 'cancelled')"
        "   AND planned_launch < :today) AS products_late",
        y0=year_start,
        y1=next_year_start,
        now=now,
        soon=in_30_days,
        today=today,
    )
    return dict(row._mapping)


def count_events_by_month(
    db: Db, *, year_start: datetime, next_year_start: datetime
) -> pd.DataFrame:
    """(month, kind, events) of the year's events that are not cancelled."""
    return db.frame(
        "SELECT CAST(extract(month FROM starts_utc) AS INTEGER) AS month, kind,"
        " count(*) AS events FROM events"
        " WHERE starts_utc >= :y0 AND starts_utc < :y1 AND status <> 'cancelled'"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        y0=year_start,
        y1=next_year_start,
    )


def list_next_events(db: Db, *, now: datetime, limit: int) -> pd.DataFrame:
    return db.frame(
        "SELECT title, kind, starts_utc, tz, all_day FROM events"
        " WHERE starts_utc >= :now AND status <> 'cancelled' ORDER BY starts_utc LIMIT :n",
        now=now,
        n=limit,
    )

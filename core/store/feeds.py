"""The calendar_feeds table: private subscription addresses (only a hash of each token)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db


class Feed(BaseModel):
    feed_id: int
    username: str
    revoked_at_utc: datetime | None = None


def count_active_feeds(conn: sa.Connection, *, username: str) -> int:
    return conn.execute(
        sa.text(
            "SELECT count(*) FROM calendar_feeds WHERE username = :u AND revoked_at_utc IS NULL"
        ),
        {"u": username},
    ).scalar()


def insert_feed(
    conn: sa.Connection, *, username: str, token_hash: str, label: str, created_at_utc: datetime
) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO calendar_feeds (username, token_hash, label, created_at_utc)"
            " VALUES (:u, :h, :l, :t) RETURNING feed_id"
        ),
        {"u": username, "h": token_hash, "l": label, "t": created_at_utc},
    ).scalar()


def get_feed(conn: sa.Connection, *, feed_id: int) -> Feed | None:
    row = conn.execute(
        sa.text("SELECT feed_id, username, revoked_at_utc FROM calendar_feeds WHERE feed_id = :f"),
        {"f": feed_id},
    ).first()
    return None if row is None else Feed(**row._mapping)


def update_feed_revoked(conn: sa.Connection, *, feed_id: int, revoked_at_utc: datetime) -> None:
    conn.execute(
        sa.text("UPDATE calendar_feeds SET revoked_at_utc = :t WHERE feed_id = :f"),
        {"t": revoked_at_utc, "f": feed_id},
    )


def list_feeds(db: Db, *, username: str) -> pd.DataFrame:
    return db.frame(
        "SELECT feed_id, label, created_at_utc, revoked_at_utc FROM calendar_feeds"
        " WHERE username = :u ORDER BY feed_id DESC",
        u=username,
    )


def get_live_feed_owner(db: Db, *, token_hash: str) -> str | None:
    return db.scalar(
        "SELECT username FROM calendar_feeds WHERE token_hash = :h AND revoked_at_utc IS NULL",
        h=token_hash,
    )

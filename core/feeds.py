"""Private calendar feeds: secret URLs that Outlook or Google subscribe to (only hashes stored)."""

from __future__ import annotations

import hashlib
import re
import secrets

import duckdb
import pandas as pd

from core import audit
from core.auth import get_user
from core.db import transaction
from core.ics import FEED_REFRESH, export_ics
from core.permissions import User, require

MAX_FEEDS_PER_USER = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def hash_token(token: str) -> str:
    """Return the stored form of a feed token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_path(token: str) -> str:
    """Return the URL path of a feed."""
    return f"/feed/{token}.ics"


def create_feed(con: duckdb.DuckDBPyConnection, *, actor: User, label: str = "My calendar") -> str:
    """Create a feed for the actor and return its secret token (shown once, never stored)."""
    require(actor, "feed.manage")
    token = secrets.token_urlsafe(32)
    label = " ".join(label.split())[:80] or "My calendar"
    with transaction(con) as cur:
        active = cur.execute(
            "SELECT count(*) FROM calendar_feeds WHERE username = ? AND revoked_at_utc IS NULL",
            [actor.username],
        ).fetchone()[0]
        if active >= MAX_FEEDS_PER_USER:
            raise ValueError(
                f"You already have {active} feeds; revoke one before creating another."
            )
        feed_id = cur.execute(
            "INSERT INTO calendar_feeds (username, token_hash, label, created_at_utc)"
            " VALUES (?, ?, ?, ?) RETURNING feed_id",
            [actor.username, hash_token(token), label, audit.utcnow()],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=actor,
            action="create",
            entity="calendar_feed",
            entity_id=feed_id,
            after={"label": label},
        )
    return token


def revoke_feed(con: duckdb.DuckDBPyConnection, *, actor: User, feed_id: int) -> None:
    """Stop a feed of the actor's from working (administrators may revoke anyone's)."""
    require(actor, "feed.manage")
    with transaction(con) as cur:
        row = cur.execute(
            "SELECT username, revoked_at_utc FROM calendar_feeds WHERE feed_id = ?", [feed_id]
        ).fetchone()
        if row is None or (row[0] != actor.username and actor.role != "admin"):
            raise LookupError("There is no such feed among yours.")
        if row[1] is not None:
            return
        cur.execute(
            "UPDATE calendar_feeds SET revoked_at_utc = ? WHERE feed_id = ?",
            [audit.utcnow(), feed_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="revoke",
            entity="calendar_feed",
            entity_id=feed_id,
            before={"username": row[0]},
        )


def list_feeds(con: duckdb.DuckDBPyConnection, *, username: str) -> pd.DataFrame:
    """Return a user's feeds (never their tokens)."""
    return (
        con.cursor()
        .execute(
            "SELECT feed_id, label, created_at_utc, revoked_at_utc FROM calendar_feeds"
            " WHERE username = ? ORDER BY feed_id DESC",
            [username],
        )
        .df()
    )


def feed_owner(con: duckdb.DuckDBPyConnection, token: str, *, demo_mode: bool) -> User | None:
    """Return the active user a live token belongs to, or None."""
    if not _TOKEN.match(token or ""):
        return None
    row = (
        con.cursor()
        .execute(
            "SELECT username FROM calendar_feeds WHERE token_hash = ? AND revoked_at_utc IS NULL",
            [hash_token(token)],
        )
        .fetchone()
    )
    if row is None:
        return None
    return get_user(con, row[0], demo_mode=demo_mode)


def feed_calendar(con: duckdb.DuckDBPyConnection, token: str, *, demo_mode: bool) -> bytes | None:
    """Return the .ics a feed serves right now (built from the database), or None if not live."""
    user = feed_owner(con, token, demo_mode=demo_mode)
    if user is None:
        return None
    return export_ics(con, user=user, name="Champions common calendar", refresh=FEED_REFRESH)

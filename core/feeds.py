"""Private calendar feeds: secret URLs that Outlook or Google subscribe to (only hashes stored)."""

from __future__ import annotations

import hashlib
import re
import secrets

import pandas as pd

from core import audit
from core.auth import get_user
from core.ics import FEED_REFRESH, export_ics
from core.permissions import User, require
from core.store import Db
from core.store import feeds as store

MAX_FEEDS_PER_USER = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def hash_token(token: str) -> str:
    """Return the stored form of a feed token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_path(token: str) -> str:
    """Return the URL path of a feed."""
    return f"/feed/{token}.ics"


def create_feed(con: Db, *, actor: User, label: str = "My calendar") -> str:
    """Create a feed for the actor and return its secret token (shown once, never stored)."""
    require(actor, "feed.manage")
    token = secrets.token_urlsafe(32)
    label = " ".join(label.split())[:80] or "My calendar"

    def _create(conn) -> None:
        active = store.count_active_feeds(conn, username=actor.username)
        if active >= MAX_FEEDS_PER_USER:
            raise ValueError(
                f"You already have {active} feeds; revoke one before creating another."
            )
        feed_id = store.insert_feed(
            conn,
            username=actor.username,
            token_hash=hash_token(token),
            label=label,
            created_at_utc=audit.utcnow(),
        )
        audit.record(
            conn,
            actor=actor,
            action="create",
            entity="calendar_feed",
            entity_id=feed_id,
            after={"label": label},
        )

    con.write(_create)
    return token


def revoke_feed(con: Db, *, actor: User, feed_id: int) -> None:
    """Stop a feed of the actor's from working (administrators may revoke anyone's)."""
    require(actor, "feed.manage")

    def _revoke(conn) -> None:
        feed = store.get_feed(conn, feed_id=feed_id)
        if feed is None or (feed.username != actor.username and actor.role != "admin"):
            raise LookupError("There is no such feed among yours.")
        if feed.revoked_at_utc is not None:
            return
        store.update_feed_revoked(conn, feed_id=feed_id, revoked_at_utc=audit.utcnow())
        audit.record(
            conn,
            actor=actor,
            action="revoke",
            entity="calendar_feed",
            entity_id=feed_id,
            before={"username": feed.username},
        )

    con.write(_revoke)


def list_feeds(con: Db, *, username: str) -> pd.DataFrame:
    """Return a user's feeds (never their tokens)."""
    return store.list_feeds(con, username=username)


def feed_owner(con: Db, token: str, *, demo_mode: bool) -> User | None:
    """Return the active user a live token belongs to, or None."""
    if not _TOKEN.match(token or ""):
        return None
    username = store.get_live_feed_owner(con, token_hash=hash_token(token))
    if username is None:
        return None
    return get_user(con, username, demo_mode=demo_mode)


def feed_calendar(con: Db, token: str, *, demo_mode: bool) -> bytes | None:
    """Return the .ics a feed serves right now (built from the database), or None if not live."""
    user = feed_owner(con, token, demo_mode=demo_mode)
    if user is None:
        return None
    return export_ics(con, user=user, name="Champions common calendar", refresh=FEED_REFRESH)

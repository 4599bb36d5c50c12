"""Give pages the settings, the shared database connection and the logged-in user."""

from __future__ import annotations

import os
import time

import streamlit as st

from core.config import Settings, load_settings
from core.permissions import ROLE_LABELS, User, can_view_page
from core.store import Db, data_version, release_shared, shared_store

USER_KEY = "actionplan_user"


SETTINGS_ENV = (
    "ACTIONPLAN_DB",
    "ACTIONPLAN_SECRETS",
    "ACTIONPLAN_COOKIE_KEY",
    "ACTIONPLAN_DEMO",
    "ACTIONPLAN_PUBLIC_URL",
)
_settings: dict[tuple, Settings] = {}


def settings() -> Settings:
    """Return the installation's settings (read once per distinct environment).

    A plain dict, not st.cache_resource: a page run asks for the settings a dozen times, and
    hashing the key through Streamlit's cache each time showed in the load profile.
    """
    env = tuple(os.environ.get(k) for k in SETTINGS_ENV)
    found = _settings.get(env)
    if found is None:
        found = _settings[env] = load_settings()
    return found


def connection() -> Db:
    """Return the process-wide DuckDB connection (take a cursor per query).

    Refuses to go on when the file was moved or deleted under the open connection: writes
    would go to a file nobody can see any more.
    """
    path = settings().db_path
    con = shared_store(path)
    con.check_present()
    return con


def drop_connection() -> None:
    """Forget the shared connection after a storage fault: the next run opens the file again.

    Not after a missing file: reopening would create a new, empty database in its place.
    """
    release_shared(settings().db_path, close=False)


VERSION_CHECK_SECONDS = 1.0
_versions: dict[str, tuple[float, str]] = {}


def db_key() -> str:
    """The first argument of every cached loader: the database and its data version.

    Results never mix databases, and a change committed by any process (another replica
    included) gives new keys, so the next run reads fresh data without clearing anyone's cache.
    The version is read at most once a second per process.
    """
    target = str(settings().db_path)
    seen = _versions.get(target)
    now = time.monotonic()
    if seen is None or now - seen[0] > VERSION_CHECK_SECONDS:
        seen = _versions[target] = (now, data_version(connection()))
    return f"{target}#{seen[1]}"


def close_connection() -> None:
    """Close the shared connection (before a restore replaces the file)."""
    try:
        release_shared(settings().db_path)
    finally:
        _versions.clear()
        st.cache_data.clear()  # a restore replaces the data wholesale


def current_user() -> User | None:
    """Return the logged-in user of this session, or None."""
    data = st.session_state.get(USER_KEY)
    return User(**data) if data else None


def guard(page: str) -> User:
    """Stop the page unless an authenticated user whose role may see it is logged in.

    Every page file calls this first: a fresh server can render pages/ files directly,
    without app.py and its login, until the first session runs st.navigation.
    """
    user = current_user()
    if user is None or not st.session_state.get("authentication_status"):
        st.warning("Please log in from the dashboard's home page.")
        st.stop()
    if not can_view_page(user, page):
        st.error(f"Your role ({ROLE_LABELS[user.role]}) may not open this page.")
        st.stop()
    return user


def after_write() -> None:
    """After a change in this process: read the data version again on the next `db_key()`.

    Cached results stay; the new version makes new keys, in this replica and the others.
    """
    _versions.clear()


def demo_banner() -> None:
    """Say plainly when generated demo data is on screen."""
    if settings().demo_mode:
        st.caption(
            "Demo mode: rows marked *(demo)* are generated, not real plans. Public facts carry their source."
        )

"""Shared fixtures: a real DuckDB file per test, seeded once with the demo data the app ships."""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

import pytest

from core import auth
from core.db import open_database
from core.demo import DEMO_PASSWORDS, seed_demo
from core.permissions import User
from core.store import release_shared

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [
    "overview",
    "calendar",
    "pipeline",
    "champions",
    "engagement",
    "meetings",
    "bookings",
    "admin",
]
DEMO_USERNAMES = list(DEMO_PASSWORDS)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """Build the seeded demo database once per test session."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    con = open_database(path)
    seed_demo(con, password_rounds=4)
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture(scope="session")
def pg_server():
    """One private PostgreSQL server for the test session (Debian's, started in a temp folder)."""
    from tests.pg_server import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_demo_template(pg_server, demo_template) -> str:
    """The demo data on PostgreSQL, copied once from the DuckDB template (`copy-to`'s code)."""
    from core.store.copy import copy_database

    url = pg_server.create_database("demo_template")
    source, target = open_database(demo_template), open_database(url)
    try:
        copy_database(source, target)
    finally:
        source.close()
        target.close()  # a template database must have no open connection
    return "demo_template"


_PG_COUNTER = iter(range(1, 1_000_000))


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request, tmp_path):
    """The demo database on each engine in turn, as the `Db` the dashboard uses."""
    if request.param == "duckdb":
        path = tmp_path / "store.duckdb"
        shutil.copyfile(request.getfixturevalue("demo_template"), path)
        db = open_database(path)
        yield db
        db.close()
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_demo_template")
    name = f"test_{next(_PG_COUNTER)}"
    db = open_database(server.create_database(name, template=template))
    yield db
    db.close()
    server.drop_database(name)


@pytest.fixture
def db_path(demo_template, tmp_path) -> Path:
    """Return a private copy of the demo database for one test."""
    path = tmp_path / "actionplan.duckdb"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def con(db_path):
    """Open the test's database."""
    connection = open_database(db_path)
    yield connection
    connection.close()


@pytest.fixture
def app_env(db_path, tmp_path, monkeypatch):
    """Point the app at the test database, a random cookie key and demo mode."""
    monkeypatch.setenv("ACTIONPLAN_DB", str(db_path))
    monkeypatch.setenv("ACTIONPLAN_COOKIE_KEY", secrets.token_urlsafe(40))
    monkeypatch.setenv("ACTIONPLAN_DEMO", "1")
    monkeypatch.setenv("ACTIONPLAN_SECRETS", str(tmp_path / "no-secrets.toml"))
    yield db_path
    release_shared(db_path)  # the app's process-wide connection to this test's file


def demo_user(con, username: str) -> User:
    """Return a demo user as core sees them."""
    user = auth.get_user(con, username, demo_mode=True)
    assert user is not None
    return user


def login(at, username: str):
    """Log an AppTest session in as a demo user and return it."""
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(DEMO_PASSWORDS[username])
    at.button(key="login_submit").click().run()
    # In a browser the cookie component reruns the app; AppTest runs no JavaScript.
    return at.run()


def shown(markdown: str) -> str:
    """The text a reader sees in a Markdown string of the app: escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("\u2060", ""))

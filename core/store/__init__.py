"""The store layer: every statement the dashboard sends to its database lives in this package.

One `Db` per process and database, opened by `open_store(target)` from a DuckDB file path (the
embedded default) or a `postgresql://user:password@host:port/dbname` URL, both through
SQLAlchemy Core (duckdb_engine, psycopg 3). Table families have one module each
(`core.store.audit`, `core.store.users`, ...); functions are named `verb_noun(db, *, ...)`.

Writes go through `db.write(fn)`: one transaction, retried a few times on a write conflict
(another session changed the same rows first). `WriteConflict` is the one error for that case,
raised when the retries are used up; any other database error passes through as itself.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

from core.db import DatabaseError, check_file_present, connect, list_migrations

T = TypeVar("T")
POSTGRES_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")
WRITE_ATTEMPTS = 4


class WriteConflict(DatabaseError):
    """Someone else changed the same records at the same moment; the change was not saved."""


# What a database failure can be raised as, on either engine (for a route that must answer).
DATABASE_ERRORS = (duckdb.Error, sa.exc.SQLAlchemyError, DatabaseError)


def is_postgres_url(target: str | Path) -> bool:
    return str(target).startswith(POSTGRES_PREFIXES)


def display_target(target: str | Path) -> str:
    """The target as it may be shown or logged: a URL without its password."""
    text = str(target)
    if is_postgres_url(text):
        return sa.engine.make_url(_sqlalchemy_url(text)).render_as_string(hide_password=True)
    return text


def _sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def _is_conflict(exc: BaseException) -> bool:
    original = getattr(exc, "orig", exc)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in ("40001", "40P01"):  # serialization failure, deadlock (PostgreSQL)
        return True
    if isinstance(original, duckdb.TransactionException):
        return "conflict" in str(original).lower()
    return False


class Db:
    """A database the dashboard works on: an SQLAlchemy engine plus what the engine is."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        kind: str,
        target: str,
        raw: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self.engine = engine
        self.kind = kind  # "duckdb" or "postgresql"
        self.target = target
        self.raw = raw
        self._lock = threading.Lock()

    # Reading -------------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def rows(self, sql: str, **params: Any) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params).all())

    def one(self, sql: str, **params: Any) -> sa.Row | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).first()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def frame(self, sql: str, **params: Any) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(sa.text(sql), params)
            return pd.DataFrame(result.all(), columns=list(result.keys()))

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction, no retry: for callers that cannot be run twice."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            if _is_conflict(exc):
                raise WriteConflict(_CONFLICT) from exc
            raise

    def write(self, fn: Callable[[Connection], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        """Run `fn(conn)` in one transaction; on a write conflict roll back and run it again."""
        for attempt in range(1, attempts + 1):
            try:
                with self.engine.begin() as conn:
                    return fn(conn)
            except sa.exc.DBAPIError as exc:
                if not _is_conflict(exc):
                    raise
                if attempt == attempts:
                    raise WriteConflict(_CONFLICT) from exc
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    # Legacy --------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Modules not yet moved into the store still call the DuckDB connection directly.
        raw = self.__dict__.get("raw")
        if raw is None:
            raise AttributeError(
                f"{name}: this part of the dashboard does not run on {self.__dict__.get('kind')} yet"
            )
        return getattr(raw, name)

    def check_present(self) -> None:
        if self.kind == "duckdb":
            check_file_present(self.target)

    def close(self) -> None:
        self.engine.dispose()
        if self.raw is not None:
            try:
                self.raw.close()
            except duckdb.Error:
                pass


_CONFLICT = (
    "Someone else changed the same records at the same moment, and trying again did not help. "
    "Nothing was saved; reload and try once more."
)


def _duckdb_engine(raw: duckdb.DuckDBPyConnection) -> sa.Engine:
    # Every pooled connection is a cursor of the one DuckDB connection this process holds
    # (DuckDB lets one process open the file); each has its own transactions.
    return sa.create_engine(
        "duckdb:///:memory:",
        creator=lambda: ConnectionWrapper(raw.cursor()),
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=24,
    )


def open_store(target: str | Path, *, migrate: bool = True) -> Db:
    """Open a DuckDB file or a PostgreSQL URL and bring its schema up to date."""
    text = str(target)
    if is_postgres_url(text):
        engine = sa.create_engine(
            _sqlalchemy_url(text),
            isolation_level="SERIALIZABLE",
            pool_size=8,
            max_overflow=24,
            pool_pre_ping=True,
        )
        try:
            with engine.connect():
                pass
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise DatabaseError(
                f"Cannot reach the database {display_target(text)}: "
                f"{str(exc.orig).strip().splitlines()[0]}"
            ) from None
        db = Db(engine, kind="postgresql", target=text)
    else:
        raw = connect(Path(text))
        db = Db(_duckdb_engine(raw), kind="duckdb", target=text, raw=raw)
    if migrate:
        migrate_store(db)
    return db


def table_counts(db: Db) -> dict[str, int]:
    """The row count of every table, by name (backup checks, the Admin page, tests)."""
    with db.reading() as conn:
        names = conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                " ORDER BY table_name"
            )
        ).scalars()
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
            for name in list(names)
        }


def data_version(db: Db) -> str:
    """A value that changes whenever any audited change is committed, by any process.

    Every change a user can see writes an audit entry in its own transaction (the audit
    coverage test enforces it), so the number of entries and the highest id tell whether the
    data moved on; the count also catches entries committed out of id order. Cached page data
    is keyed by it, so a second replica never shows data older than this.
    """
    row = db.one("SELECT count(*) AS n, coalesce(max(audit_id), 0) AS top FROM audit_log")
    return f"{row.n}.{row.top}"


_SHARED: dict[str, Db] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(target: str | Path) -> Db:
    """Return this process's one `Db` for a database, opening it on first use.

    The dashboard's pages and its calendar-feed route share it; after `release_shared` the
    next caller opens the database again, so a restore breaks neither.
    """
    key = str(target)
    with _SHARED_LOCK:
        db = _SHARED.get(key)
        if db is None:
            db = _SHARED[key] = open_store(key)
        return db


def release_shared(target: str | Path, *, close: bool = True) -> None:
    """Forget (and close) the shared `Db` of a database; the next use reopens it."""
    with _SHARED_LOCK:
        db = _SHARED.pop(str(target), None)
    if db is not None and close:
        db.close()


def migrate_store(db: Db, *, only: set[int] | None = None) -> list[str]:
    """Apply the numbered migrations not yet recorded, each in its own transaction."""
    with db.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp)"
            )
        )
    done = {row[0] for row in db.rows("SELECT number FROM schema_migrations")}
    applied = []
    for number, name, sql in list_migrations():
        if number in done or (only is not None and number not in only):
            continue
        with db.begin() as conn:
            conn.exec_driver_sql(sql)
            conn.execute(
                sa.text("INSERT INTO schema_migrations (number, name) VALUES (:n, :name)"),
                {"n": number, "name": name},
            )
        applied.append(name)
    return applied

"""Open the DuckDB file, run numbered migrations, and give out cursors and transactions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class DatabaseLocked(RuntimeError):
    """Another process holds the database file."""


class DatabaseError(RuntimeError):
    """The database could not be opened or migrated; the message says why."""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, creating its folder; say plainly when another process holds it."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            holder = re.search(r"PID (\d+)", message)
            who = f" (process {holder.group(1)})" if holder else ""
            raise DatabaseLocked(
                f"The database {path} is in use by another process{who}, probably the running "
                "dashboard. Stop it first, or run this command against a copy."
            ) from None
        raise DatabaseError(f"Cannot open the database {path}: {message}") from None
    con.execute("SET GLOBAL TimeZone = 'UTC'")
    return con


def list_migrations() -> list[tuple[int, str, str]]:
    """Return (number, name, sql) of every migration file, in order."""
    found = []
    for file in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(file.name)
        if not match:
            raise DatabaseError(f"Badly named migration file {file.name}: expected NNN_name.sql")
        found.append((int(match.group(1)), file.stem, file.read_text(encoding="utf-8")))
    numbers = [number for number, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise DatabaseError("Two migration files share a number.")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded in the database; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT number FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql in list_migrations():
        if number in done:
            continue
        with transaction(con) as cur:
            cur.execute(sql)
            cur.execute(
                "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", [number, name]
            )
        applied.append(name)
    return applied


def open_database(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the database and bring its schema up to date (never drops data)."""
    con = connect(path)
    migrate(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction on its own cursor; roll back on any error."""
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
    except BaseException:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    else:
        cur.execute("COMMIT")
    finally:
        cur.close()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the row count of every table (used by backup checks and the Admin page)."""
    cur = con.cursor()
    names = [
        row[0]
        for row in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name"
        ).fetchall()
    ]
    counts = {}
    for name in names:
        # Table names come from the catalogue, not from users.
        counts[name] = cur.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
    return counts

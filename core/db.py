"""Open the DuckDB file, run numbered migrations, and give out cursors and transactions."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy as sa

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class DatabaseLocked(RuntimeError):
    """Another process holds the database file."""


class DatabaseError(RuntimeError):
    """The database could not be opened or migrated; the message says why."""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, creating its folder; say plainly when another process holds it."""
    path = Path(path)
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except OSError as exc:
        raise DatabaseError(
            f"Cannot open the database {path}: {describe_fault(exc) or exc}"
        ) from None
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            holder = re.search(r"PID (\d+)", message)
            who = f" (process {holder.group(1)})" if holder else ""
            raise DatabaseLocked(
                f"The database {path} is in use by another process{who}, probably the running "
                "dashboard. Stop it first, or run this command against a copy."
            ) from None
        raise DatabaseError(
            f"Cannot open the database {path}: {describe_fault(exc) or message}"
        ) from None
    except duckdb.Error as exc:
        raise DatabaseError(
            f"Cannot open the database {path}: {describe_fault(exc) or exc}"
        ) from None
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


def migrate(con: duckdb.DuckDBPyConnection, *, only: set[int] | None = None) -> list[str]:
    """Apply the migrations not yet recorded in the database; return the names applied.

    `only` limits them to some numbers (to rebuild the schema of an older backup).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT number FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql in list_migrations():
        if number in done or (only is not None and number not in only):
            continue
        with transaction(con) as cur:
            cur.execute(sql)
            cur.execute(
                "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", [number, name]
            )
        applied.append(name)
    return applied


_MISSING = (
    "is missing (moved or deleted while the dashboard ran). Put it back, or restore the latest "
    "backup, then restart the dashboard."
)
# (words the engine or the system says, errno values, what to tell the user)
_FAULTS = (
    (
        ("no space left", "disk full", "file too large"),
        {errno.ENOSPC, errno.EFBIG},
        "The disk holding the database is full, so the last change was not saved. "
        "Free some space on it (or move the database to a larger disk), then try again.",
    ),
    (
        ("read-only file system", "permission denied"),
        {errno.EROFS, errno.EACCES, errno.EPERM},
        "The database's folder or file cannot be written (read-only, or no permission), so "
        "changes cannot be saved. Give the dashboard's user write access to it, then try again.",
    ),
    (
        ("corrupt database file", "could not read enough bytes", "checksum"),
        set(),
        "The database file is damaged. Stop the dashboard and restore the latest backup "
        "(`python -m core restore FILE`).",
    ),
    (("no such file or directory",), {errno.ENOENT}, f"The database file {_MISSING}"),
)


def describe_fault(exc: BaseException) -> str | None:
    """Say in plain words what a storage fault means and what to do, or None if it is not one."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the driver's own error, under SQLAlchemy's wrapper
    if not isinstance(exc, duckdb.Error | OSError | psycopg.Error):
        return None
    text, code = str(exc).lower(), getattr(exc, "errno", None)
    for needles, codes, message in _FAULTS:
        if code in codes or any(needle in text for needle in needles):
            return message
    return None


class DatabaseMissing(DatabaseError):
    """The database file disappeared while the dashboard held it open."""


def check_file_present(path: str | Path) -> None:
    """Refuse to go on when the open database's file was moved or deleted (writes would be lost)."""
    if not Path(path).exists():
        raise DatabaseMissing(f"The database file {path} {_MISSING}")


def open_database(target: str | Path):
    """Open the database (DuckDB file or PostgreSQL URL) and bring its schema up to date.

    Returns a `core.store.Db`; never drops data.
    """
    from core.store import open_store

    return open_store(target)


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
    if hasattr(con, "engine"):  # a core.store.Db, on either engine
        from core.store import table_counts as store_counts

        return store_counts(con)
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

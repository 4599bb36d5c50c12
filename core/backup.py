"""Back up the database to one file and restore it, checking that the file is a real backup."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import audit
from core.db import DatabaseError, connect, migrate, table_counts, transaction
from core.permissions import User, require


def backup(con: duckdb.DuckDBPyConnection, dest: str | Path, *, actor: User) -> dict[str, int]:
    """Copy the whole database into a new file at `dest`; return its table counts."""
    require(actor, "backup")
    dest = Path(dest)
    if dest.exists():
        raise DatabaseError(f"{dest} already exists; choose a new file name for the backup.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    cur = con.cursor()
    source = cur.execute("SELECT current_database()").fetchone()[0]
    cur.execute(f"ATTACH '{_quote(dest)}' AS backup_target")
    try:
        cur.execute(f'COPY FROM DATABASE "{source}" TO backup_target')
    finally:
        cur.execute("DETACH backup_target")
    with transaction(con) as tx:
        audit.record(tx, actor=actor, action="backup", entity="database", entity_id=str(dest))
    check = duckdb.connect(str(dest), read_only=True)
    try:
        return table_counts(check)
    finally:
        check.close()


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def verify_backup(path: str | Path) -> dict[str, int]:
    """Open a backup read-only and return its table counts; refuse files that are not backups."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseError(f"{path} does not exist.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise DatabaseError(f"{path} is not a DuckDB database ({exc}).") from None
    try:
        counts = table_counts(con)
    finally:
        con.close()
    if "schema_migrations" not in counts or "users" not in counts:
        raise DatabaseError(f"{path} is a DuckDB file but not a backup of this dashboard.")
    return counts


def restore(db_path: str | Path, backup_path: str | Path, *, actor: User) -> dict[str, int]:
    """Replace the database file with a verified backup; the caller must have closed its connection."""
    require(actor, "backup")
    counts = verify_backup(backup_path)
    db_path = Path(db_path)
    tmp = db_path.with_suffix(".restoring")
    shutil.copyfile(backup_path, tmp)
    wal = Path(str(db_path) + ".wal")
    # Check that nobody holds the database before replacing it.
    connect(db_path).close()
    if wal.exists():
        wal.unlink()
    tmp.replace(db_path)
    con = connect(db_path)
    try:
        migrate(con)
        with transaction(con) as tx:
            audit.record(
                tx, actor=actor, action="restore", entity="database", entity_id=str(backup_path)
            )
    finally:
        con.close()
    return counts


# Byte-level variants for the Admin page: uploads and downloads never leave files behind.

BACKUP_SUFFIX = "duckdb"


def backup_bytes(con: duckdb.DuckDBPyConnection, *, actor: User) -> tuple[str, bytes]:
    """Return a dated backup file name and the backup's bytes."""
    require(actor, "backup")
    name = f"actionplan-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.{BACKUP_SUFFIX}"
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / name
        backup(con, dest, actor=actor)
        return name, dest.read_bytes()


def verify_backup_bytes(data: bytes, *, name: str = "The uploaded file") -> dict[str, int]:
    """Check uploaded bytes are a backup of this dashboard; return its table counts."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload.{BACKUP_SUFFIX}"
        path.write_bytes(data)
        try:
            return verify_backup(path)
        except DatabaseError as exc:
            # Say it in terms of the user's file, not of the temporary copy.
            reason = "not a DuckDB database" if "not a DuckDB" in str(exc) else "not a backup"
            raise DatabaseError(
                f"{name} is {reason} of this dashboard: nothing was restored."
            ) from None


def restore_bytes(db_path: str | Path, data: bytes, *, actor: User) -> dict[str, int]:
    """Replace the database with uploaded backup bytes (the caller has closed its connection)."""
    require(actor, "backup")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"restore.{BACKUP_SUFFIX}"
        path.write_bytes(data)
        return restore(db_path, path, actor=actor)

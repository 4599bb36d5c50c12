"""Back up the database to one file and restore it, without ever losing the current data.

A restore is accepted only after the backup has been copied, opened, read completely (DuckDB
verifies each block's checksum as it reads it), compared with the schema this code builds at the
backup's version, and migrated, all on the copy. The current database is then kept as a dated
copy beside it, and the checked copy takes its place; if anything fails after that, the kept
copy is put back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
from pydantic import BaseModel

from core import audit
from core.db import (
    DatabaseError,
    connect,
    describe_fault,
    list_migrations,
    migrate,
    table_counts,
    transaction,
)
from core.permissions import User, require

BACKUP_SUFFIX = "duckdb"
# DuckDB's file layout: three 4 KiB headers, then whole blocks of 256 KiB. "DUCK" at byte 8.
_HEADER_BYTES = 3 * 4096
_BLOCK_BYTES = 262144
_MAGIC = b"DUCK"


class BackupRefused(DatabaseError):
    """The file is not a usable backup of this dashboard; the message says what is wrong."""


class BackupReport(BaseModel):
    """What a checked backup holds."""

    counts: dict[str, int]
    schema_version: int
    last_change_utc: datetime | None = None

    def summary(self) -> str:
        when = (
            f", last change {self.last_change_utc:%d %b %Y %H:%M} UTC"
            if self.last_change_utc
            else ""
        )
        return (
            f"{self.counts.get('events', 0)} events, {self.counts.get('products', 0)} products, "
            f"{self.counts.get('champions', 0)} Champions, {self.counts.get('users', 0)} users "
            f"(schema version {self.schema_version}{when})"
        )


class RestoreResult(BaseModel):
    """A finished restore: what the database holds now and where the previous one was kept."""

    report: BackupReport
    kept_copy: Path


def backup(con, dest: str | Path, *, actor: User) -> dict[str, int]:
    """Copy the whole database into a new file at `dest`; return its table counts.

    The backup is always a DuckDB file, whichever engine the database runs on: a PostgreSQL
    database is copied row by row (verified per table) into a new file of the same format.
    """
    require(actor, "backup")
    dest = Path(dest)
    if dest.exists():
        raise DatabaseError(f"{dest} already exists; choose a new file name for the backup.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if getattr(con, "kind", "duckdb") == "postgresql":
        return _backup_postgres(con, dest, actor=actor)
    cur = con.cursor()
    source = cur.execute("SELECT current_database()").fetchone()[0]
    try:
        cur.execute(f"ATTACH '{_quote(dest)}' AS backup_target")
        try:
            cur.execute(f'COPY FROM DATABASE "{source}" TO backup_target')
        finally:
            cur.execute("DETACH backup_target")
    except (duckdb.Error, OSError) as exc:
        _remove(dest, Path(f"{dest}.wal"))
        raise DatabaseError(
            f"The backup could not be written to {dest}: {describe_fault(exc) or exc}"
        ) from None
    with transaction(con) as tx:
        audit.record(tx, actor=actor, action="backup", entity="database", entity_id=str(dest))
    check = duckdb.connect(str(dest), read_only=True)
    try:
        return table_counts(check)
    finally:
        check.close()


def _backup_postgres(db, dest: Path, *, actor: User) -> dict[str, int]:
    from core.store import open_store
    from core.store.copy import copy_database

    target = open_store(dest)
    try:
        copy_database(db, target)
        target.raw.execute("CHECKPOINT")
    except BaseException:
        target.close()
        _remove(dest, Path(f"{dest}.wal"))
        raise
    target.close()
    db.write(
        lambda conn: audit.record(
            conn, actor=actor, action="backup", entity="database", entity_id=str(dest)
        )
    )
    check = duckdb.connect(str(dest), read_only=True)
    try:
        return table_counts(check)
    finally:
        check.close()


def _restore_postgres(
    url: str, backup_path: Path, *, actor: User, name: str | None
) -> RestoreResult:
    """Check the backup, keep the current rows in a dated file, then replace every row in one
    transaction (a failure leaves the database as it was)."""
    from core.config import secrets_file
    from core.store import open_store
    from core.store.copy import copy_database

    # The installation's own folder (beside its secrets file) keeps the replaced rows.
    folder = secrets_file().parent
    folder.mkdir(parents=True, exist_ok=True)
    prepared, report = prepare_backup(backup_path, folder, name=name)
    db = open_store(url)
    try:
        kept = folder / f"actionplan.before-restore-{datetime.now(UTC):%Y%m%d-%H%M%S}.duckdb"
        n = 1
        while kept.exists():
            kept = kept.with_name(f"{kept.stem}-{n}{kept.suffix}")
            n += 1
        backup(db, kept, actor=actor)
        source = open_store(prepared)
        try:
            copy_database(
                source,
                db,
                replace=True,
                after=lambda conn: audit.record(
                    conn,
                    actor=actor,
                    action="restore",
                    entity="database",
                    entity_id=name or str(backup_path),
                    after={"kept_copy": str(kept)},
                ),
            )
        finally:
            source.close()
    finally:
        db.close()
        _remove(prepared, Path(f"{prepared}.wal"))
    return RestoreResult(report=report, kept_copy=kept)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _remove(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


# --- Checking a backup -------------------------------------------------------------------


@cache
def expected_schema(numbers: tuple[int, ...]) -> dict[str, dict[str, tuple]]:
    """The tables and columns these migrations build, read from a scratch in-memory database."""
    con = duckdb.connect(":memory:")
    try:
        migrate(con, only=set(numbers))
        return _schema(con)
    finally:
        con.close()


def _schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, tuple]]:
    rows = (
        con.cursor()
        .execute(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default,"
            " t.table_type FROM information_schema.columns c JOIN information_schema.tables t"
            " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = 'main' ORDER BY c.table_name, c.ordinal_position"
        )
        .fetchall()
    )
    schema: dict[str, dict[str, tuple]] = {}
    for table, column, data_type, nullable, default, kind in rows:
        schema.setdefault(table, {})[column] = (data_type, nullable, default, kind)
    return schema


def _names(items, limit: int = 5) -> str:
    items = sorted(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_layout(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size == 0:
        raise BackupRefused(f"{name} is empty (0 bytes).")
    with path.open("rb") as handle:
        head = handle.read(12)
    if len(head) < 12 or head[8:12] != _MAGIC:
        raise BackupRefused(
            f"{name} is not a DuckDB database: it does not start with DuckDB's file header."
        )
    if size < _HEADER_BYTES or (size - _HEADER_BYTES) % _BLOCK_BYTES:
        raise BackupRefused(
            f"{name} is truncated or damaged: its size ({size:,} bytes) is not a whole number of "
            "database blocks."
        )


def _check_contents(con: duckdb.DuckDBPyConnection, name: str) -> BackupReport:
    cur = con.cursor()
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    if "schema_migrations" not in tables:
        raise BackupRefused(
            f"{name} is a DuckDB database but not a backup of this dashboard "
            "(it has no schema_migrations table)."
        )
    # Read every row of every table: DuckDB checks each block's checksum as it reads it.
    counts: dict[str, int] = {}
    for table in tables:
        try:
            result = cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            rows = 0
            while batch := result.fetchmany(10_000):
                rows += len(batch)
        except duckdb.Error as exc:
            raise BackupRefused(
                f"{name} is damaged: reading its table {table} failed ({_first_line(exc)})."
            ) from None
        counts[table] = rows
    recorded = {r[0] for r in cur.execute("SELECT number FROM schema_migrations").fetchall()}
    known = {number for number, _, _ in list_migrations()}
    if not recorded:
        raise BackupRefused(
            f"{name} records no schema version: it is not a backup of this dashboard."
        )
    newer = recorded - known
    if newer:
        raise BackupRefused(
            f"{name} was made by a newer version of the dashboard (schema version {max(newer)}; "
            f"this one knows up to {max(known)}). Update the dashboard before restoring it."
        )
    expected = expected_schema(tuple(sorted(recorded)))
    found = _schema(con)
    missing = set(expected) - set(found)
    if missing:
        raise BackupRefused(
            f"{name} is not a complete backup of this dashboard: it lacks the tables "
            f"{_names(missing)}."
        )
    extra = set(found) - set(expected)
    if extra:
        raise BackupRefused(
            f"{name} is not a backup of this dashboard: it holds tables or views this dashboard "
            f"does not make ({_names(extra)})."
        )
    for table, columns in expected.items():
        if found[table] != columns:
            differ = {
                c for c in set(columns) | set(found[table]) if columns.get(c) != found[table].get(c)
            }
            raise BackupRefused(
                f"{name} is not a backup of this dashboard: the columns of its table {table} "
                f"differ ({_names(differ)})."
            )
    macros = cur.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE NOT internal AND function_type LIKE '%macro%'"
    ).fetchone()[0]
    if macros:
        raise BackupRefused(f"{name} holds macros, which a backup of this dashboard never does.")
    last = (
        cur.execute("SELECT max(at_utc) FROM audit_log").fetchone()[0]
        if "audit_log" in found
        else None
    )
    return BackupReport(counts=counts, schema_version=max(recorded), last_change_utc=last)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def prepare_backup(
    path: str | Path, workdir: str | Path, *, name: str | None = None
) -> tuple[Path, BackupReport]:
    """Copy a backup into `workdir`, check it completely and migrate the copy.

    Returns the checked copy (ready to take the database's place) and what it holds. The
    original file is only read. On refusal nothing is left behind.
    """
    path = Path(path)
    name = name or str(path)
    if not path.is_file():
        raise BackupRefused(f"{name} does not exist.")
    _check_layout(path, name)
    workdir = Path(workdir)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    copy = workdir / f".restore-check-{stamp}.{BACKUP_SUFFIX}"
    wal = Path(f"{copy}.wal")
    try:
        try:
            shutil.copyfile(path, copy)
        except OSError as exc:
            raise BackupRefused(
                f"{name} could not be copied into {workdir} to be checked: "
                f"{describe_fault(exc) or exc} Nothing was restored."
            ) from None
        try:
            con = duckdb.connect(str(copy))
        except duckdb.Error as exc:
            raise BackupRefused(
                f"{name} cannot be opened as a DuckDB database ({_first_line(exc)})."
            ) from None
        try:
            report = _check_contents(con, name)
            try:
                migrate(con)
                con.execute("CHECKPOINT")
            except duckdb.Error as exc:
                raise BackupRefused(
                    f"{name} cannot be brought up to this version of the dashboard "
                    f"({_first_line(exc)})."
                ) from None
        finally:
            con.close()
    except BaseException:
        _remove(copy, wal)
        raise
    _remove(wal)
    return copy, report


def verify_backup(path: str | Path) -> BackupReport:
    """Check a backup file completely (on a scratch copy); say what it holds or why it is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        copy, report = prepare_backup(path, tmp)
        _remove(copy)
        return report


def verify_backup_bytes(data: bytes, *, name: str = "The uploaded file") -> BackupReport:
    """Check uploaded bytes completely; messages name the user's own file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload.{BACKUP_SUFFIX}"
        path.write_bytes(data)
        copy, report = prepare_backup(path, tmp, name=name)
        _remove(copy)
        return report


# --- Restoring ---------------------------------------------------------------------------


def kept_copy_path(db_path: Path, when: datetime) -> Path:
    """Where a restore keeps the database it replaces: beside it, named by the time."""
    return db_path.with_name(f"{db_path.stem}.before-restore-{when:%Y%m%d-%H%M%S}{db_path.suffix}")


def restore(
    db_path: str | Path, backup_path: str | Path, *, actor: User, name: str | None = None
) -> RestoreResult:
    """Replace the database with a checked backup, keeping the current one as a dated copy.

    The caller must have closed its own connection. Nothing is touched until the backup has
    passed every check; a failure after the swap puts the kept copy back.
    """
    require(actor, "backup")
    if str(db_path).startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _restore_postgres(str(db_path), Path(backup_path), actor=actor, name=name)
    db_path = Path(db_path)
    prepared, report = prepare_backup(backup_path, db_path.parent, name=name)
    try:
        kept = _keep_current(db_path)
    except BaseException:
        _remove(prepared)
        raise
    try:
        os.replace(prepared, db_path)
        _remove(Path(f"{db_path}.wal"))
        con = connect(db_path)
        try:
            migrate(con)
            with transaction(con) as tx:
                audit.record(
                    tx,
                    actor=actor,
                    action="restore",
                    entity="database",
                    entity_id=name or str(backup_path),
                    after={"kept_copy": str(kept)},
                )
        finally:
            con.close()
    except BaseException as exc:
        _put_back(kept, db_path)
        _remove(prepared)
        raise DatabaseError(
            f"The restore failed ({describe_fault(exc) or _first_line(exc)}); the previous "
            f"database was put back from {kept}."
        ) from None
    return RestoreResult(report=report, kept_copy=kept)


def _keep_current(db_path: Path) -> Path:
    """Write the whole current database into one file and copy it beside the database."""
    if not db_path.exists():
        raise DatabaseError(
            f"There is no database at {db_path} to replace; use `python -m core init` first."
        )
    con = connect(db_path)  # raises DatabaseLocked while another process holds the file
    try:
        con.execute("CHECKPOINT")  # the WAL's changes into the file, so one file is the whole
    finally:
        con.close()
    kept = kept_copy_path(db_path, datetime.now(UTC))
    n = 1
    while kept.exists():
        kept = kept.with_name(f"{kept.stem}-{n}{kept.suffix}")
        n += 1
    try:
        shutil.copy2(db_path, kept)
    except OSError as exc:
        _remove(kept)
        raise DatabaseError(
            f"A copy of the current database could not be kept at {kept} "
            f"({describe_fault(exc) or exc}). Nothing was restored."
        ) from None
    return kept


def _put_back(kept: Path, db_path: Path) -> None:
    back = db_path.with_name(f".{db_path.name}.putting-back")
    shutil.copyfile(kept, back)
    os.replace(back, db_path)
    _remove(Path(f"{db_path}.wal"))


# Byte-level variants for the Admin page: uploads and downloads never leave files behind.


def backup_bytes(con, *, actor: User) -> tuple[str, bytes]:
    """Return a dated backup file name and the backup's bytes."""
    require(actor, "backup")
    name = f"actionplan-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.{BACKUP_SUFFIX}"
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / name
        backup(con, dest, actor=actor)
        return name, dest.read_bytes()


def restore_bytes(
    db_path: str | Path, data: bytes, *, actor: User, name: str = "The uploaded file"
) -> RestoreResult:
    """Replace the database with uploaded backup bytes (the caller has closed its connection)."""
    require(actor, "backup")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"restore.{BACKUP_SUFFIX}"
        path.write_bytes(data)
        return restore(db_path, path, actor=actor, name=name)

"""A restore checks the whole backup before touching anything and never loses the current data.

Each bad file (truncated at several sizes, bit-flipped in used blocks and in the header, empty,
random, foreign, crafted with a few of the right table names, with a changed column, from a
newer schema) is refused with a message naming what is wrong, by the function and by the
command line (exit 1, no traceback), and the live database stays byte-for-byte the same with
nothing left beside it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pytest

from core import backup, cli
from core.backup import BackupRefused
from core.db import DatabaseError, open_database, table_counts
from core.permissions import SYSTEM
from tests.conftest import ROOT

BLOCK = 262144
HEADERS = 3 * 4096


@pytest.fixture(scope="module")
def good_backup(demo_template, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good-backup")
    work = folder / "source.duckdb"
    shutil.copyfile(demo_template, work)
    con = open_database(work)
    dest = folder / "backup.duckdb"
    backup.backup(con, dest, actor=SYSTEM)
    con.close()
    return dest


@pytest.fixture(scope="module")
def used_blocks(good_backup) -> list[int]:
    """Block numbers that hold table data in the good backup."""
    con = duckdb.connect(str(good_backup), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        blocks = set()
        for table in tables:
            rows = con.execute(
                "SELECT DISTINCT block_id FROM pragma_storage_info(?) WHERE block_id IS NOT NULL"
                " AND block_id >= 0",
                [table],
            ).fetchall()
            blocks |= {r[0] for r in rows}
    finally:
        con.close()
    return sorted(blocks)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _bad_file(tmp_path: Path, data: bytes, name: str = "bad.duckdb") -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _crafted(tmp_path: Path, sql: str) -> bytes:
    path = tmp_path / f"crafted-{uuid.uuid4().hex}.duckdb"
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.execute("CHECKPOINT")
    con.close()
    return path.read_bytes()


def _copy_with(good_backup: Path, tmp_path: Path, sql: str) -> bytes:
    path = tmp_path / f"altered-{uuid.uuid4().hex}.duckdb"
    shutil.copyfile(good_backup, path)
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.execute("CHECKPOINT")
    con.close()
    return path.read_bytes()


def _flip(data: bytes, offset: int) -> bytes:
    damaged = bytearray(data)
    damaged[offset] ^= 0x20
    return bytes(damaged)


def _cases(
    good: bytes, used: list[int], good_path: Path, tmp: Path
) -> dict[str, tuple[bytes, str]]:
    size = len(good)
    picks = [used[0], used[len(used) // 2], used[-1]]
    cases = {
        f"truncated to {pct}%": (good[: size * pct // 100], "truncated or damaged")
        for pct in (1, 5, 25, 50, 90, 99)
    }
    cases["truncated by one byte"] = (good[:-1], "truncated or damaged")
    cases["cut at a block boundary"] = (good[: HEADERS + BLOCK * (len(used) // 2)], "damaged")
    for block in picks:
        cases[f"bit flipped in block {block}"] = (
            _flip(good, HEADERS + block * BLOCK + 1000),
            "damaged",
        )
    cases["bit flipped in the database header"] = (_flip(good, 4096 + 40), "cannot be opened")
    cases["empty"] = (b"", "is empty")
    cases["random bytes"] = (os.urandom(HEADERS + 4 * BLOCK), "not a DuckDB database")
    cases["random bytes behind DuckDB's magic"] = (
        b"\0" * 8 + b"DUCK" + os.urandom(HEADERS + 4 * BLOCK - 12),
        "cannot be opened",
    )
    cases["a spreadsheet"] = (b"PK\x03\x04" + os.urandom(5000), "not a DuckDB database")
    cases["a foreign DuckDB database"] = (
        _crafted(tmp, "CREATE TABLE people (name VARCHAR); INSERT INTO people VALUES ('x')"),
        "not a backup of this dashboard",
    )
    cases["two of the right table names"] = (
        _crafted(
            tmp,
            "CREATE TABLE schema_migrations (number INTEGER, name VARCHAR);"
            " INSERT INTO schema_migrations VALUES (1, '001_initial');"
            " CREATE TABLE users (username VARCHAR)",
        ),
        "lacks the tables",
    )
    cases["a column removed"] = (
        _copy_with(good_path, tmp, "ALTER TABLE focal_points DROP COLUMN email"),
        "columns of its table focal_points differ",
    )
    cases["an extra view"] = (
        _copy_with(good_path, tmp, "CREATE VIEW leak AS SELECT * FROM users"),
        r"does not make \(leak\)",
    )
    cases["a newer schema version"] = (
        _copy_with(
            good_path,
            tmp,
            "INSERT INTO schema_migrations (number, name) VALUES (999, '999_future')",
        ),
        "newer version of the dashboard",
    )
    return cases


@pytest.fixture(scope="module")
def bad_files(good_backup, used_blocks, tmp_path_factory) -> dict[str, tuple[bytes, str]]:
    return _cases(
        good_backup.read_bytes(), used_blocks, good_backup, tmp_path_factory.mktemp("crafting")
    )


CASE_NAMES = [
    *(f"truncated to {pct}%" for pct in (1, 5, 25, 50, 90, 99)),
    "truncated by one byte",
    "cut at a block boundary",
    "bit flipped in the database header",
    "empty",
    "random bytes",
    "random bytes behind DuckDB's magic",
    "a spreadsheet",
    "a foreign DuckDB database",
    "two of the right table names",
    "a column removed",
    "an extra view",
    "a newer schema version",
]


def test_the_bit_flips_hit_blocks_that_hold_data(used_blocks):
    assert len(used_blocks) >= 3


@pytest.mark.parametrize("case", CASE_NAMES)
def test_a_bad_backup_is_refused_and_the_database_is_untouched(db_path, tmp_path, bad_files, case):
    data, reason = bad_files[case]
    bad = _bad_file(tmp_path, data)
    before, listing = _sha(db_path), _listing(db_path.parent)
    with pytest.raises(BackupRefused, match=reason) as refused:
        backup.restore(db_path, bad, actor=SYSTEM)
    assert str(bad) in str(refused.value)  # the message names the file
    assert _sha(db_path) == before
    assert _listing(db_path.parent) == listing  # no checked copy, no kept copy left behind


def test_every_used_block_flip_is_refused(db_path, tmp_path, good_backup, used_blocks):
    good = good_backup.read_bytes()
    before = _sha(db_path)
    step = max(1, len(used_blocks) // 6)
    for block in used_blocks[::step]:
        bad = _bad_file(
            tmp_path, _flip(good, HEADERS + block * BLOCK + 1000), f"flip-{block}.duckdb"
        )
        with pytest.raises(BackupRefused, match="damaged"):
            backup.restore(db_path, bad, actor=SYSTEM)
    assert _sha(db_path) == before


@pytest.mark.parametrize("case", ["truncated to 5%", "two of the right table names", "empty"])
def test_the_command_line_refuses_in_one_message(db_path, tmp_path, bad_files, case, capsys):
    data, reason = bad_files[case]
    bad = _bad_file(tmp_path, data)
    before = _sha(db_path)
    assert cli.main(["--db", str(db_path), "restore", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and reason in err and "Traceback" not in err
    assert _sha(db_path) == before


def test_the_command_line_in_a_process_exits_non_zero_without_a_traceback(
    db_path, tmp_path, bad_files
):
    bad = _bad_file(tmp_path, bad_files["truncated to 50%"][0])
    before = _sha(db_path)
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db_path), "restore", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "truncated or damaged" in result.stderr
    assert _sha(db_path) == before


def test_an_uploaded_bad_backup_is_named_by_its_file_name(bad_files):
    with pytest.raises(BackupRefused, match="^plan-2026.duckdb is truncated or damaged"):
        backup.verify_backup_bytes(bad_files["truncated to 25%"][0], name="plan-2026.duckdb")


def test_a_good_restore_keeps_the_current_database_beside_it(db_path, good_backup, capsys):
    con = open_database(db_path)
    con.execute("DELETE FROM engagements")
    con.execute("CHECKPOINT")
    emptied = table_counts(con)
    con.close()
    assert cli.main(["--db", str(db_path), "restore", str(good_backup)]) == 0
    out = capsys.readouterr().out
    kept = [p for p in db_path.parent.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and str(kept[0]) in out
    # The kept copy is the database as it was; the live one is the backup's.
    old = duckdb.connect(str(kept[0]), read_only=True)
    assert table_counts(old)["engagements"] == emptied["engagements"] == 0
    old.close()
    new = open_database(db_path)
    assert table_counts(new)["engagements"] > 0
    audit = new.execute(
        "SELECT entity_id, after_json FROM audit_log WHERE action = 'restore'"
    ).fetchall()
    new.close()
    assert audit and str(kept[0]) in audit[-1][1]
    assert [p.name for p in db_path.parent.iterdir() if p.name.startswith(".restore")] == []


def test_a_failure_after_the_swap_puts_the_kept_copy_back(db_path, good_backup, monkeypatch):
    con = open_database(db_path)
    con.execute("DELETE FROM engagements")
    con.close()
    real_connect = backup.connect
    calls = []

    def failing_connect(path, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the first opening after the swap
            raise duckdb.IOException('Could not write file "x": No space left on device')
        return real_connect(path, **kwargs)

    monkeypatch.setattr(backup, "connect", failing_connect)
    with pytest.raises(DatabaseError, match="the previous database was put back") as failed:
        backup.restore(db_path, good_backup, actor=SYSTEM)
    assert "disk holding the database is full" in str(failed.value)
    kept = next(p for p in db_path.parent.iterdir() if ".before-restore-" in p.name)
    assert _sha(db_path) == _sha(kept)
    con = open_database(db_path)
    assert con.execute("SELECT count(*) FROM engagements").fetchone()[0] == 0
    con.close()


def test_no_room_for_the_kept_copy_refuses_before_the_swap(db_path, good_backup, monkeypatch):
    before = _sha(db_path)
    real_copy = shutil.copy2

    def full_disk(src, dst, *args, **kwargs):
        if ".before-restore-" in str(dst):
            Path(dst).write_bytes(b"partial")
            raise OSError(28, "No space left on device")
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(backup.shutil, "copy2", full_disk)
    with pytest.raises(DatabaseError, match="Nothing was restored") as refused:
        backup.restore(db_path, good_backup, actor=SYSTEM)
    assert "disk holding the database is full" in str(refused.value)
    assert not [p for p in db_path.parent.iterdir() if p.name != db_path.name]
    # The checkpoint before the copy may rewrite the file; its data is the same.
    con = open_database(db_path)
    assert table_counts(con)["champions"] == 31
    con.close()
    assert before  # (the sha before is only for the refusals that touch nothing)


def test_an_older_backup_is_migrated_on_the_copy(db_path, good_backup, tmp_path):
    # A backup from before the login throttle (schema 040) is accepted and brought up to date.
    older = tmp_path / "older.duckdb"
    shutil.copyfile(good_backup, older)
    con = duckdb.connect(str(older))
    con.execute("DROP TABLE login_throttle")
    con.execute("ALTER TABLE login_attempts DROP COLUMN client")
    con.execute("ALTER TABLE login_attempts DROP COLUMN outcome")
    con.execute("DELETE FROM schema_migrations WHERE number = 50")
    # The highest migration it still records (later migrations, not touching these tables, stay).
    recorded = max(n for (n,) in con.execute("SELECT number FROM schema_migrations").fetchall())
    con.execute("CHECKPOINT")
    con.close()
    report = backup.verify_backup(older)
    assert report.schema_version == recorded
    result = backup.restore(db_path, older, actor=SYSTEM)
    assert result.report.schema_version == recorded
    con = open_database(db_path)
    assert "login_throttle" in table_counts(con)
    con.close()

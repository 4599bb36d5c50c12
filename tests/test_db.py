"""Storage: migrations, locks, backup and restore on real DuckDB files."""

import subprocess
import sys

import pytest

from core import backup
from core.db import DatabaseLocked, connect, migrate, open_database, table_counts
from core.permissions import SYSTEM, PermissionDenied
from tests.conftest import ROOT, demo_user


def test_migrations_run_twice_without_touching_data(con):
    before = table_counts(con)
    assert migrate(con) == []
    assert table_counts(con) == before


def test_fresh_database_records_every_migration(tmp_path):
    con = open_database(tmp_path / "new.duckdb")
    numbers = [
        r[0] for r in con.execute("SELECT number FROM schema_migrations ORDER BY 1").fetchall()
    ]
    assert numbers[0] == 1 and numbers == sorted(set(numbers))


def test_second_process_is_told_plainly_that_the_file_is_held(db_path):
    holder = connect(db_path)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "core", "--db", str(db_path), "init"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.close()
    assert result.returncode == 1
    assert "in use by another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_lock_error_is_a_clear_exception(db_path):
    holder = connect(db_path)
    code = f"from core.db import connect\nconnect({str(db_path)!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    holder.close()
    assert "DatabaseLocked" in result.stderr
    assert issubclass(DatabaseLocked, RuntimeError)


def test_backup_then_restore_gives_the_same_data(con, db_path, tmp_path):
    before = table_counts(con)
    dest = tmp_path / "backup.duckdb"
    assert backup.backup(con, dest, actor=SYSTEM)["champions"] == 31
    con.execute("DELETE FROM engagements")
    con.close()
    backup.restore(db_path, dest, actor=SYSTEM)
    reopened = open_database(db_path)
    after = table_counts(reopened)
    reopened.close()
    # The restore adds its own audit entry; every other table is back as it was.
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }


def test_restore_refuses_a_file_that_is_not_a_backup(db_path, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(Exception, match="not a DuckDB database"):
        backup.restore(db_path, junk, actor=SYSTEM)


def test_only_admins_may_back_up(con, tmp_path):
    with pytest.raises(PermissionDenied):
        backup.backup(con, tmp_path / "b.duckdb", actor=demo_user(con, "secretariat"))


def test_admin_page_backup_bytes_restore_the_same_data(con, db_path):
    admin = demo_user(con, "admin")
    name, data = backup.backup_bytes(con, actor=admin)
    assert name.startswith("actionplan-backup-") and name.endswith(".duckdb")
    assert backup.verify_backup_bytes(data).counts["champions"] == 31
    con.execute("DELETE FROM engagements")
    con.close()
    backup.restore_bytes(db_path, data, actor=admin)
    reopened = open_database(db_path)
    assert reopened.execute("SELECT count(*) FROM engagements").fetchone()[0] > 0
    reopened.close()


def test_an_uploaded_file_that_is_not_a_backup_is_refused_plainly():
    with pytest.raises(Exception, match="^plan.xlsx is not a DuckDB database"):
        backup.verify_backup_bytes(b"PK\x03\x04 a spreadsheet, not a backup", name="plan.xlsx")

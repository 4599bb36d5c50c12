"""Storage faults get plain messages: a full disk, a read-only folder, a lost database file.

The page says what happened and what to do (no traceback), the command line exits 1 with one
paragraph, and nothing half-written remains. A full disk and a read-only folder are real: a
small tmpfs, filled up or remounted read-only (root only, as `make test` runs in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import demo
from core.db import open_database
from tests.conftest import APP, ROOT, login, shown

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path):
    """A 48 MiB tmpfs (room for the demo database and a little more); unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def _env(monkeypatch, db: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("ACTIONPLAN_DB", str(db))
    monkeypatch.setenv("ACTIONPLAN_COOKIE_KEY", "fault-test-key-" + "f" * 32)
    monkeypatch.setenv("ACTIONPLAN_DEMO", "1")
    monkeypatch.setenv("ACTIONPLAN_SECRETS", str(tmp_path / "no-secrets.toml"))


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ACTIONPLAN_DEMO": "1"},
    )


def _said(at) -> str:
    return " ".join(e.value for e in at.error)


@needs_root
def test_a_full_disk_at_login_is_said_plainly_and_the_next_click_works_once_freed(
    small_disk, demo_template, tmp_path, monkeypatch
):
    db = small_disk / "actionplan.duckdb"
    shutil.copyfile(demo_template, db)
    _env(monkeypatch, db, tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    filler = _fill(small_disk)
    # Logging in writes (the attempt is recorded): the disk is full.
    at.text_input(key="login_username").input("secretariat")
    at.text_input(key="login_password").input("secretariat-demo-2026")
    at.button(key="login_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "disk holding the database is full" in _said(at)
    assert "Free some space" in _said(at)
    filler.unlink()
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "secretariat")
    assert not at.exception and not at.error
    assert at.title[0].value == "Overview"


@needs_root
def test_seed_demo_on_a_full_disk_exits_with_one_paragraph_and_writes_nothing(small_disk):
    db = small_disk / "actionplan.duckdb"
    assert _cli("init", db=db).returncode == 0
    filler = _fill(small_disk)
    result = _cli("seed-demo", db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: The disk holding the database is full")
    filler.unlink()
    con = open_database(db)
    try:
        assert demo.is_empty(con)  # one transaction: no half-loaded demo data
    finally:
        con.close()


@needs_root
def test_a_read_only_folder_is_said_on_the_page_and_the_command_line(
    small_disk, demo_template, tmp_path, monkeypatch
):
    db = small_disk / "actionplan.duckdb"
    shutil.copyfile(demo_template, db)
    before = db.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    _env(monkeypatch, db, tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "cannot be written" in _said(at)
    result = _cli("init", db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot be written" in result.stderr
    assert db.read_bytes() == before


def test_a_database_file_deleted_under_the_dashboard_is_said_and_not_recreated(app_env):
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "viewer")
    assert not at.exception
    app_env.unlink()
    # The next visit (the shared connection still holds the deleted file).
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "is missing" in _said(at) and "restore the latest backup" in _said(at)
    assert not app_env.exists()  # not silently replaced by an empty database


def test_a_write_conflict_that_outlasts_the_retries_is_said_plainly():
    # serve.py gives Streamlit this handler for exceptions a page does not catch itself.
    def script():
        from core.store import WriteConflict
        from ui.errors import on_script_error

        assert on_script_error(WriteConflict("Someone else changed the same records.")) is True
        assert on_script_error(KeyError("a bug")) is False  # real bugs keep their traceback

    at = AppTest.from_function(script).run()
    assert not at.exception, [e.message for e in at.exception]
    assert [shown(e.value) for e in at.error] == ["Someone else changed the same records."]

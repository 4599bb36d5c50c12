"""The administrators' command line on PostgreSQL: every command, while another process holds
the database open (as running dashboards do)."""

from __future__ import annotations

import os
import subprocess
import sys

from core.db import open_database
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "ics"


def _core(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    folder = env.pop("folder") if env and "folder" in env else None
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "ACTIONPLAN_DEMO": "1",
            **({"ACTIONPLAN_SECRETS": str(folder / "secrets.toml")} if folder else {}),
            **(env or {}),
        },
    )


def test_every_command_works_on_postgresql_while_another_process_is_connected(pg_server, tmp_path):
    url = pg_server.create_database("cli_all")
    assert _core(url, "init").returncode == 0
    dashboard = open_database(url)  # stands for a running dashboard holding connections
    try:
        seeded = _core(url, "seed-demo")
        assert seeded.returncode == 0, seeded.stderr
        assert dashboard.scalar("SELECT count(*) FROM champions") == 31
        assert _core(url, "seed-demo").returncode == 1  # only into an empty database

        added = _core(
            url,
            "add-user",
            "ana.lead",
            "--name",
            "Ana Lead",
            "--email",
            "ana@example.org",
            "--role",
            "secretariat",
            env={"ACTIONPLAN_NEW_PASSWORD": "a-long-enough-password"},
        )
        assert added.returncode == 0, added.stderr
        assert dashboard.scalar("SELECT name FROM users WHERE username = 'ana.lead'") == "Ana Lead"

        before = dashboard.scalar("SELECT count(*) FROM events")
        imported = _core(url, "import-ics", str(FIXTURES / "outlook.ics"))
        assert imported.returncode == 0, imported.stderr
        after_import = dashboard.scalar("SELECT count(*) FROM events")
        assert after_import > before

        out = tmp_path / "all.ics"
        exported = _core(url, "export-ics", "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        assert out.read_bytes().count(b"BEGIN:VEVENT") == after_import

        backup_file = tmp_path / "pg-backup.duckdb"
        saved = _core(url, "backup", str(backup_file))
        assert saved.returncode == 0, saved.stderr
        # A change after the backup, then a restore: the change is gone, the backup's rows back.
        dashboard.write(lambda c: c.exec_driver_sql("DELETE FROM event_join_details"))
        restored = _core(url, "restore", str(backup_file), env={"folder": tmp_path})
        assert restored.returncode == 0, restored.stderr
        (kept,) = tmp_path.glob("actionplan.before-restore-*.duckdb")
        assert f"kept at {kept}" in restored.stdout
        assert dashboard.scalar("SELECT count(*) FROM events") == after_import
        assert dashboard.scalar("SELECT count(*) FROM event_join_details") > 0
        refused = _core(url, "restore", str(FIXTURES / "outlook.ics"), env={"folder": tmp_path})
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert dashboard.scalar("SELECT count(*) FROM events") == after_import
    finally:
        dashboard.close()

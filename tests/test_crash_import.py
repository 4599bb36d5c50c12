"""Kill a process with SIGKILL in the middle of a bulk import: the database still opens, and
the import is wholly present or wholly absent, never in between.

The child (tests/crash_helpers.py) writes a marker file just before the import starts and
another when it committed. A first run is timed to the end; later runs are killed at fractions
of that time. HARDENING_CRASH_ROWS makes the files bigger (e.g. 5000) for a thorough run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.db import open_database, table_counts
from tests import crash_helpers
from tests.crash_helpers import big_ics, crash_event, registrations_csv

ROWS = int(os.environ.get("HARDENING_CRASH_ROWS", "300"))
KILL_AT = (0.2, 0.55, 0.9, 0.98)  # fractions of the timed import (the last near COMMIT)
HELPER = Path(crash_helpers.__file__)


def _wait_for(marker: Path, text: str, proc: subprocess.Popen, timeout: float = 120) -> float:
    """Poll the marker until it holds `text`; return when that was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text(encoding="utf-8") == text:
            return time.monotonic()
        if proc.poll() is not None and not (marker.exists() and marker.read_text() == text):
            _out, err = proc.communicate()
            raise AssertionError(
                f"the child ended early ({proc.returncode}): {err.decode()[-2000:]}"
            )
        time.sleep(0.002)
    proc.kill()
    raise AssertionError(f"the child did not reach '{text}' within {timeout} s")


def _start(kind: str, db: Path, payload: Path, marker: Path, event_id: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HELPER), kind, str(db), str(payload), str(marker), str(event_id)],
        cwd=HELPER.parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _imported(db: Path, kind: str, event_id: int, tag: str) -> tuple[int, int]:
    """Open the database as the dashboard would; return (rows imported, their audit entries)."""
    con = open_database(db)
    try:
        table_counts(con)  # every table still reads
        if kind == "registrations":
            rows = con.execute(
                "SELECT count(*) FROM registrations WHERE event_id = ?", [event_id]
            ).fetchone()[0]
            audited = con.execute(
                "SELECT count(*) FROM audit_log WHERE entity = 'registration'"
                " AND action = 'registration.create' AND after_json LIKE ?",
                [f"%{tag}@example.org%"],
            ).fetchone()[0]
        else:
            rows = con.execute(
                "SELECT count(*) FROM events WHERE uid LIKE ?", [f"crash-{tag}-%"]
            ).fetchone()[0]
            audited = con.execute(
                "SELECT count(*) FROM audit_log WHERE entity = 'event' AND action = 'create'"
                " AND after_json LIKE ?",
                [f"%crash-{tag}-%"],
            ).fetchone()[0]
    finally:
        con.close()
    return rows, audited


@pytest.mark.parametrize("kind", ["registrations", "ics"])
def test_sigkill_during_bulk_import_is_all_or_nothing(demo_template, tmp_path, kind):
    prepared = tmp_path / "prepared.duckdb"
    shutil.copyfile(demo_template, prepared)
    con = open_database(prepared)
    event_id = crash_event(con)
    con.execute("CHECKPOINT")
    con.close()
    tag = uuid.uuid4().hex[:8]
    payload = tmp_path / "payload"
    payload.write_bytes(
        registrations_csv(ROWS, tag=tag) if kind == "registrations" else big_ics(ROWS, tag=tag)
    )

    # Time one whole import (from the marker to the commit) to place the kills.
    db, marker = tmp_path / "timed.duckdb", tmp_path / "timed.marker"
    shutil.copyfile(prepared, db)
    proc = _start(kind, db, payload, marker, event_id)
    started = _wait_for(marker, "started", proc)
    duration = _wait_for(marker, "done", proc) - started
    assert proc.wait(timeout=60) == 0
    assert _imported(db, kind, event_id, tag) == (ROWS, ROWS)

    killed_midway = 0
    for n, fraction in enumerate(KILL_AT):
        db, marker = tmp_path / f"kill{n}.duckdb", tmp_path / f"kill{n}.marker"
        shutil.copyfile(prepared, db)
        proc = _start(kind, db, payload, marker, event_id)
        _wait_for(marker, "started", proc)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        finished = marker.read_text(encoding="utf-8") == "done"
        killed_midway += not finished
        rows, audited = _imported(db, kind, event_id, tag)
        assert rows in (0, ROWS), f"kill at {fraction:.0%}: {rows} of {ROWS} rows survived"
        assert audited == rows, f"kill at {fraction:.0%}: {rows} rows but {audited} audit entries"
        if finished:
            assert rows == ROWS, "the import said it committed, yet its rows are gone"
    assert killed_midway, "no kill landed during the import; the timing is off"

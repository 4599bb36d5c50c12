"""Helpers for the hardening tests: database snapshots and the child process killed mid-import.

Run as a script, this module is the child: it opens a database, signals through a marker
file that the import is about to start, and imports a large CSV or .ics file, all-or-nothing.
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

# Tables an importer may write, per importer (the audit log always).
ICS_TABLES = ("events", "event_invitees", "event_products", "audit_log")
PRODUCT_TABLES = (
    "products",
    "product_languages",
    "product_stage_history",
    "product_stage_dates",
    "audit_log",
)
REGISTRATION_TABLES = ("registrations", "quota_seats", "capacity_seats", "audit_log")
ATTENDANCE_TABLES = ("attendance", "registrations", "engagements", "audit_log")


def all_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the names of every table of the main schema."""
    rows = (
        con.cursor()
        .execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " ORDER BY table_name"
        )
        .fetchall()
    )
    return [r[0] for r in rows]


def db_snapshot(
    con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] | list[str] | None = None
) -> dict[str, tuple]:
    """Return {table: (row count, content hash)} for the given tables (default: all)."""
    names = list(tables) if tables is not None else all_tables(con)
    # Table names come from the catalogue or from the constants above, never from users.
    query = " UNION ALL ".join(
        f"SELECT '{n}', count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM \"{n}\" t"  # noqa: S608
        for n in names
    )
    return {name: (count, digest) for name, count, digest in con.cursor().execute(query).fetchall()}


# Bulk files for the crash test ---------------------------------------------------------------


def registrations_csv(n: int, *, tag: str) -> bytes:
    """Return a CSV of `n` network members (no quota, no country): every line is accepted."""
    lines = ["name,email,organisation,category"]
    lines += [
        f"Participant {tag} {i},p{i}.{tag}@example.org,Crash test org,network_member"
        for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def big_ics(n: int, *, tag: str, start: datetime | None = None) -> bytes:
    """Return an .ics file of `n` one-hour events with distinct UIDs."""
    start = start or datetime(2030, 1, 7, 9, 0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//crash test//EN"]
    for i in range(n):
        begin = start + timedelta(hours=i)
        lines += [
            "BEGIN:VEVENT",
            f"UID:crash-{tag}-{i}@example.org",
            f"DTSTAMP:{begin:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begin + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Crash test event {i}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def crash_event(con: duckdb.DuckDBPyConnection) -> int:
    """Create (as the system) an open meeting without capacity for the bulk registrations."""
    from core.events import EventIn, create_event
    from core.permissions import SYSTEM

    return create_event(
        con,
        actor=SYSTEM,
        event_in=EventIn(
            title=f"Crash test meeting {uuid.uuid4().hex[:6]}",
            kind="webinar",
            audience="open",
            tz="UTC",
            start_local=datetime(2030, 3, 4, 12, 0),
            end_local=datetime(2030, 3, 4, 14, 0),
            open_to_non_champions=True,
        ),
    )


def child(kind: str, db: str, payload: str, marker: str, event_id: str) -> None:
    """Open the database and run one bulk import; write the marker just before it starts."""
    sys.path.insert(0, str(ROOT))
    from core import ics, registration
    from core.db import open_database
    from core.permissions import SYSTEM

    con = open_database(db)
    data = Path(payload).read_bytes()
    Path(marker).write_text("started", encoding="utf-8")
    if kind == "registrations":
        registration.import_registrations_csv(con, actor=SYSTEM, event_id=int(event_id), data=data)
    else:
        ics.import_ics(con, actor=SYSTEM, data=data)
    con.close()
    Path(marker).write_text("done", encoding="utf-8")


if __name__ == "__main__":
    child(*sys.argv[1:6])

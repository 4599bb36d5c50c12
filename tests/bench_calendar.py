"""Benchmark the calendar's .ics export and import at 10,000 events (figures printed, not asserted).

Targets from the issue: export under 1 s, import under 5 s. Run `python -m tests.bench_calendar`
or call `bench_calendar()` from `make bench`.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from core import ics
from core.db import open_database
from core.permissions import SYSTEM

ZONES = ["Europe/Zurich", "Asia/Bangkok", "America/Bogota", "Africa/Nairobi", "UTC"]


def _calendar_file(n: int) -> bytes:
    """Write an .ics of n events in five zones, a twentieth of them weekly series."""
    rng = random.Random(7)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    lines += [ics.vtimezone(tz) for tz in ZONES if tz != "UTC"]
    for i in range(n):
        tz = rng.choice(ZONES)
        start = datetime(2026, 1, 1, 8) + timedelta(hours=rng.randint(0, 24 * 365))
        end = start + timedelta(minutes=rng.choice([30, 60, 90, 120]))
        stamp = "" if tz == "UTC" else f";TZID={tz}"
        z = "Z" if tz == "UTC" else ""
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@actionplan.bench",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART{stamp}:{start:%Y%m%dT%H%M%S}{z}",
            f"DTEND{stamp}:{end:%Y%m%dT%H%M%S}{z}",
            f"SUMMARY:Benchmark event {i} (demo)",
            "DESCRIPTION:Generated for the benchmark\\; not a real plan.",
        ]
        if i % 20 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=4")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def bench_calendar(n: int = 10_000) -> dict[str, float]:
    """Print and return the seconds to import and to export n events."""
    data = _calendar_file(n)
    with tempfile.TemporaryDirectory() as folder:
        con = open_database(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        result = ics.import_ics(con, actor=SYSTEM, data=data)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        again = ics.import_ics(con, actor=SYSTEM, data=data)
        reimported = time.perf_counter() - started
        started = time.perf_counter()
        exported = ics.export_ics(con, user=SYSTEM)
        export_s = time.perf_counter() - started
        con.close()
    figures = {"import_s": imported, "reimport_s": reimported, "export_s": export_s}
    print(
        f"calendar .ics, {n} events ({len(data) / 1_048_576:.1f} MB):\n"
        f"  import   {imported:6.2f} s (target < 5 s)  {result.summary()}\n"
        f"  again    {reimported:6.2f} s               {again.summary()}\n"
        f"  export   {export_s:6.2f} s (target < 1 s)  {exported.count(b'BEGIN:VEVENT')} events"
    )
    return figures


if __name__ == "__main__":
    bench_calendar()

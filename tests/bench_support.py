"""Helpers for the benchmark: databases at both sizes, servers for any script, the machine's identity."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from core.db import open_database
from core.synthetic import build_synthetic
from tests.browser.helpers import Server

SIZES = ("realistic", "ten_years")


def build_size(folder: Path, size: str) -> tuple[Path, dict[str, int], float]:
    """Build one synthetic database in `folder`; return its path, counts and build seconds."""
    path = folder / f"{size}.duckdb"
    started = time.perf_counter()
    con = open_database(path)
    counts = build_synthetic(con, size=size, seed=7)
    con.execute("CHECKPOINT")
    con.close()
    return path, counts, time.perf_counter() - started


def copy_db(source: Path, name: str) -> Path:
    """Copy a database file into its own folder (each server or process holds one file)."""
    folder = source.parent / name
    folder.mkdir(exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    return target


class ScriptServer(Server):
    """A streamlit server for any script of the repository (the bench's bare page), same flags."""

    def __init__(self, script: str, db_path: Path) -> None:
        super().__init__(db_path, script=script)


def median_ms(samples: list[float]) -> float:
    """Return the median of samples in seconds, as milliseconds."""
    return statistics.median(samples) * 1000


def machine() -> dict[str, str]:
    """Describe the machine the figures come from."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    chromium = subprocess.run(
        ["/usr/bin/chromium", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False)
    return {
        "uname -a": uname.stdout.strip() or " ".join(platform.uname()),
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": sys.version.split()[0],
        "browser": chromium or "unknown",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())

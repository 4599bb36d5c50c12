"""Load benchmark: 30 logged-in sessions opening pages at once, for 60 s, on one process and on two
PostgreSQL replicas. Prints page runs per second and p50/p90 time to script end.

Each session is a real Streamlit client on the dashboard's websocket (/_stcore/stream), logged in by
its cookie as a demo user, asking for the pages its role may open, one after the other, as fast as
the server answers. Run by `make bench` (after tests.bench); `--seconds` and `--sessions` change it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import jwt
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from core.db import open_database
from core.demo import DEMO_PASSWORDS, seed_demo
from core.permissions import pages_for
from core.store.copy import copy_database
from tests.browser.helpers import Server
from tests.conftest import demo_user
from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "load.md"
COOKIE = "actionplan_session"


def _cookie(key: str, username: str) -> str:
    return jwt.encode(
        {"username": username, "exp_date": time.time() + 86400}, key, algorithm="HS256"
    )


def _rss_mb(pid: int) -> float:
    """The resident memory of a process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _run(ws, page: str) -> float:
    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.context_info.timezone = "Europe/Zurich"
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await ws.recv())
        if forward.WhichOneof("type") == "script_finished":
            return time.perf_counter() - started


async def _session(base: str, key: str, username: str, pages: list[str], until: float, out: list):
    url = base.replace("http", "ws", 1) + "/_stcore/stream"
    headers = {"Cookie": f"{COOKIE}={_cookie(key, username)}"}
    async with websockets.connect(
        url, additional_headers=headers, subprotocols=["streamlit"], max_size=None
    ) as ws:
        await _run(ws, "")  # the first run routes the session (st.navigation); not counted
        i = 0
        while time.monotonic() < until:
            out.append(await _run(ws, pages[i % len(pages)]))
            i += 1


async def _load(bases: list[str], key: str, roles: dict, sessions: int, seconds: float) -> dict:
    times: list[float] = []
    start = time.monotonic()
    until = start + seconds
    names = list(roles)
    await asyncio.gather(
        *(
            _session(
                bases[i % len(bases)],
                key,
                names[i % len(names)],
                roles[names[i % len(names)]],
                until,
                times,
            )
            for i in range(sessions)
        )
    )
    elapsed = time.monotonic() - start
    ordered = sorted(times)
    return {
        "runs": len(times),
        "per_second": len(times) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p90_ms": 1000 * ordered[int(0.9 * (len(ordered) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="actionplan-load-") as tmp:
        folder = Path(tmp)
        demo = folder / "demo.duckdb"
        db = open_database(demo)
        seed_demo(db, password_rounds=4)
        roles = {name: pages_for(demo_user(db, name)) for name in DEMO_PASSWORDS}
        db.raw.execute("CHECKPOINT")
        db.close()
        key = secrets.token_urlsafe(40)
        pg = PostgresServer()
        try:
            url = pg.create_database("load")
            source, target = open_database(demo), open_database(url)
            copy_database(source, target)
            source.close()
            target.close()
            setups = {
                "one process, DuckDB": [{"ACTIONPLAN_DB": str(demo)}],
                "one process, PostgreSQL": [{"ACTIONPLAN_DB": url}],
                "two replicas, PostgreSQL": [{"ACTIONPLAN_DB": url}, {"ACTIONPLAN_DB": url}],
            }
            for label, envs in setups.items():
                servers = [
                    Server(folder / f"s{i}.duckdb", env={**env, "ACTIONPLAN_COOKIE_KEY": key})
                    for i, env in enumerate(envs)
                ]
                try:
                    print(
                        f"{label}: {args.sessions} sessions for {args.seconds:.0f} s ...",
                        flush=True,
                    )
                    results[label] = asyncio.run(
                        _load(
                            [s.base_url for s in servers], key, roles, args.sessions, args.seconds
                        )
                    )
                    # Streamlit's collection after every run is off (.streamlit/config.toml): the
                    # memory each server holds after the load shows that nothing piles up.
                    results[label]["rss_mb"] = max(_rss_mb(s.process.pid) for s in servers)
                    print(f"  {results[label]}", flush=True)
                finally:
                    for server in servers:
                        server.stop()
        finally:
            pg.stop()
    lines = [
        "# Load: simultaneous sessions",
        "",
        f"`make bench` (`python -m tests.bench_load`): {args.sessions} logged-in sessions on the "
        f"dashboard's websocket, each opening the pages its role may see one after the other, for "
        f"{args.seconds:.0f} s; demo data; {os.cpu_count()} cores. Time is from the request to "
        "the script's end on the server.",
        "",
        "| setup | page runs | runs per second | p50 | p90 | memory after (largest process) |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        lines.append(
            f"| {label} | {r['runs']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} ms | "
            f"{r['p90_ms']:.0f} ms | {r['rss_mb']:.0f} MB |"
        )
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if not args.no_write:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

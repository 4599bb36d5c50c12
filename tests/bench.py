"""Benchmark the dashboard on synthetic data at two sizes; print a table and write docs/benchmarks.md.

Run with `make bench` (python -m tests.bench). Never part of `make test`, never asserts a timing.
Per page: the warm script run in AppTest and the browser's navigation-to-ready time in Debian's
chromium, each beside a bare Streamlit page measured in the same run. Plus .ics export and import
of 10,000 events and resolved conflicting bookings per second. `--profile` adds, for each page over
the script goal at ten years, the slowest functions of the project's own files (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from core import auth
from core.db import open_database
from tests.bench_support import (
    SIZES,
    ScriptServer,
    build_size,
    copy_db,
    load_average,
    machine,
    median_ms,
)
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, login_as, wait_ready
from tests.conftest import APP, PAGES, login

BARE_APP = "tests/bench_bare_app.py"
SHELL_APP = "tests/bench_shell_app.py"  # the bare page inside st.navigation and a sidebar
FRAME_ROOT, FRAME_PAGE = "frame at /", "frame at /calendar"
DOC = ROOT / "docs" / "benchmarks.md"
NOTES_MARK = "<!-- notes: everything below this line is kept when the bench rewrites the file -->"
GOALS = {
    "browser_ratio": {"realistic": 1.3, "ten_years": 2.0},
    "script_ms_ten_years": 150.0,
    "export_s": 1.0,
    "import_s": 5.0,
}
ICS_EVENTS = 10_000


# Script runs (AppTest) ---------------------------------------------------------------------


def _point_app_at(db_path: Path, folder: Path) -> None:
    os.environ["ACTIONPLAN_DB"] = str(db_path)
    os.environ["ACTIONPLAN_COOKIE_KEY"] = secrets.token_urlsafe(40)
    os.environ["ACTIONPLAN_DEMO"] = "1"
    os.environ["ACTIONPLAN_SECRETS"] = str(folder / "no-secrets.toml")


def time_bare_script(runs: int) -> float:
    """Return the median warm rerun of the bare page in AppTest, in ms."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / BARE_APP), default_timeout=60).run()
    at.run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
    return median_ms(samples)


def time_scripts(
    db_path: Path, runs: int, *, profile_over: float | None = None
) -> tuple[dict, dict, dict]:
    """Return per page the median warm script run in ms, the errors, and profiles of slow pages."""
    from streamlit.testing.v1 import AppTest

    _point_app_at(db_path, db_path.parent)
    at = login(AppTest.from_file(APP, default_timeout=180).run(), "admin")
    times, errors, profiles = {}, {}, {}
    for page in PAGES:
        try:
            at.switch_page(f"pages/{page}.py").run()  # warm: fills the cached loaders
        except Exception as exc:  # a page being rewritten may fail; report it, go on
            errors[page] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        if at.exception:
            errors[page] = at.exception[0].message[:300]
            continue
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            at.run()
            samples.append(time.perf_counter() - started)
        times[page] = median_ms(samples)
        if not at.title or at.exception:
            errors[page] = "the rerun did not draw the page again"
        if profile_over is not None and times[page] > profile_over:
            profiles[page] = _profile_reruns(at)
    from ui import context

    try:
        context.close_connection()
    except Exception:  # noqa: S110 (the bench goes on; the copy is thrown away)
        pass
    return times, errors, profiles


def _profile_reruns(at, reruns: int = 3) -> str:
    """Profile a few reruns inside the script thread (AppTest runs the page in its own thread)."""
    from streamlit.runtime.scriptrunner import script_runner

    profiler = cProfile.Profile()
    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):
        profiler.enable()
        try:
            return original(self, rerun_data)
        finally:
            profiler.disable()

    script_runner.ScriptRunner._run_script = profiled
    try:
        for _ in range(reruns):
            at.run()
    finally:
        script_runner.ScriptRunner._run_script = original
    return _own_hot_spots(profiler)


def _own_hot_spots(profiler: cProfile.Profile, limit: int = 14) -> str:
    """Return the slowest functions (cumulative, 3 reruns) in the project's own files."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"/work/main/(pages|core|ui)/", limit)
    lines = [
        line
        for line in out.getvalue().splitlines()
        if line.strip() and ("/" in line or "ncalls" in line)
    ]
    return "\n".join(line.replace(str(ROOT) + "/", "") for line in lines)


# Browser (Debian's chromium) ---------------------------------------------------------------


def time_browser(db_path: Path, bare_db: Path, runs: int) -> tuple[dict, float, dict]:
    """Return per page the median navigation-to-ready time in ms, the bare page's, and errors.

    The pages include two references: the bare page inside the app's frame (`SHELL_APP`) at the
    root URL and at a page's own URL, where Streamlit first probes the path for its server.
    """
    from playwright.sync_api import sync_playwright

    server = Server(db_path)
    bare = ScriptServer(BARE_APP, bare_db)
    shell = ScriptServer(SHELL_APP, copy_db(bare_db, "shell"))
    times: dict[str, list[float]] = {page: [] for page in (FRAME_ROOT, FRAME_PAGE, *PAGES)}
    bare_times: list[float] = []
    errors: dict[str, str] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(
                viewport={"width": 1400, "height": 1800},
                locale="en-GB",
                timezone_id="Europe/Zurich",
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            login_as(page, server.base_url, "admin")
            targets = [
                ("bare", bare.base_url),
                (FRAME_ROOT, shell.base_url),
                (FRAME_PAGE, f"{shell.base_url}/calendar"),
            ] + [
                # The default page (Overview) lives at "/"; its own name gives "Page not found".
                (name, f"{server.base_url}/{'' if name == PAGES[0] else name}")
                for name in PAGES
            ]
            # Warm-up round, then rounds that visit the bare page and every page in turn, so
            # that other load on the machine falls on all of them alike.
            for round_no in range(runs + 1):
                for name, url in targets:
                    if name in errors:
                        continue
                    try:
                        started = time.perf_counter()
                        page.goto(url)
                        wait_ready(page, timeout_ms=120_000)
                        elapsed = time.perf_counter() - started
                    except Exception as exc:
                        errors[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
                        continue
                    if page.locator('[data-testid="stException"]').count():
                        errors[name] = "the page shows an exception"
                    if round_no == 0:
                        continue
                    (bare_times if name == "bare" else times[name]).append(elapsed)
            browser.close()
    finally:
        server.stop()
        bare.stop()
        shell.stop()
    medians = {name: median_ms(samples) for name, samples in times.items() if samples}
    return medians, median_ms(bare_times) if bare_times else float("nan"), errors


# .ics export and import --------------------------------------------------------------------


def bench_calendar_owner() -> dict | None:
    """Run the calendar engineer's own .ics benchmark (tests/bench_calendar.py) when it exists."""
    if not (ROOT / "tests" / "bench_calendar.py").exists():
        return None
    from tests import bench_calendar

    try:
        return dict(bench_calendar.bench_calendar(ICS_EVENTS))
    except Exception as exc:  # report, do not stop the bench
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def bench_ics(source: Path, *, reimport: bool = False) -> dict:
    """Export 10,000 events of a synthetic database to .ics and import the file into another."""
    from core.ics import export_ics, import_ics

    export_db = copy_db(source, "ics-export")
    con = open_database(export_db)
    admin = auth.get_user(con, "admin", demo_mode=True)
    start = datetime(datetime.now().year + 1, 1, 5, 8, 0)
    con.execute(
        "INSERT INTO events (uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz,"
        " location, description, capacity, source, is_demo, created_by)"
        " SELECT 'bench-ics-' || i || '@actionplan.synthetic',"
        " 'Benchmark meeting ' || i || ' (synthetic)',"
        " ['technical_meeting', 'webinar', 'peer_learning'][i % 3 + 1], 'champions',"
        " ['CWG-2.1', 'CWG-2.2', 'TW-ATD', 'TW-MM'][i % 4 + 1],"
        " ?::TIMESTAMP + i * INTERVAL 3 HOUR, ?::TIMESTAMP + i * INTERVAL 3 HOUR + INTERVAL 90 MINUTE,"
        " ['Europe/Zurich', 'America/Bogota', 'Asia/Bangkok', 'UTC'][i % 4 + 1], 'Online',"
        " 'Generated for the .ics benchmark; line two of the description.', 40,"
        " 'benchmark (synthetic)', TRUE, 'synthetic' FROM range(?) t(i)",
        [start, start, ICS_EVENTS],
    )
    ids = [
        r[0]
        for r in con.execute(
            "SELECT event_id FROM events WHERE uid LIKE 'bench-ics-%' ORDER BY event_id"
        ).fetchall()
    ]
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        data = export_ics(con, user=admin, event_ids=ids)
        samples.append(time.perf_counter() - started)
    con.close()
    import_db = copy_db(source, "ics-import")
    con = open_database(import_db)
    result: dict = {"events": len(ids), "bytes": len(data), "export_s": median_ms(samples) / 1000}
    try:
        started = time.perf_counter()
        done = import_ics(con, actor=admin, data=data)
        result["import_s"] = time.perf_counter() - started
        result["created"] = sum(1 for row in done.rows if row.action == "create")
        if reimport:
            started = time.perf_counter()
            import_ics(con, actor=admin, data=data)
            result["reimport_s"] = time.perf_counter() - started
    except Exception as exc:
        result["import_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        con.close()
    return result


# Conflicting bookings ----------------------------------------------------------------------


def bench_bookings(source: Path, *, slots: int = 40, contenders: int = 8) -> dict:
    """Race `contenders` threads for each slot (requests, then confirmations); count resolutions/s."""
    from core.bookings import (
        BookingIn,
        BookingRefused,
        SlotIn,
        decide_booking,
        offer_slot,
        request_slot,
    )

    db = copy_db(source, "bookings")
    con = open_database(db)
    admin = auth.get_user(con, "admin", demo_mode=True)
    workstreams = [r[0] for r in con.execute("SELECT workstream_id FROM workstreams").fetchall()]
    champions = [r[0] for r in con.execute("SELECT m49 FROM champions LIMIT 5").fetchall()]
    first = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    slot_ids = [
        offer_slot(
            con,
            actor=admin,
            slot=SlotIn(
                starts_utc=first + timedelta(hours=2 * i),
                minutes=30,
                tz="UTC",
                title=f"Bench slot {i} (synthetic)",
            ),
        )
        for i in range(slots)
    ]
    lock = threading.Lock()
    outcome = {"won": 0, "refused": 0, "failed": 0}
    winners: dict[int, int] = {}

    def request(slot_id: int, k: int) -> None:
        booking = BookingIn(
            slot_id=slot_id,
            workstream_id=workstreams[k % len(workstreams)],
            purpose="Benchmark request (synthetic)",
            target_m49s=champions,
        )
        try:
            made = request_slot(con, actor=admin, booking=booking)
            with lock:
                outcome["won"] += 1
                winners[slot_id] = made.booking_id
        except BookingRefused:
            with lock:
                outcome["refused"] += 1
        except Exception:
            with lock:
                outcome["failed"] += 1

    def confirm(booking_id: int) -> None:
        try:
            decide_booking(con, actor=admin, booking_id=booking_id, confirm=True)
            with lock:
                outcome["won"] += 1
        except BookingRefused:
            with lock:
                outcome["refused"] += 1
        except Exception:
            with lock:
                outcome["failed"] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(contenders) as pool:
        list(
            pool.map(
                lambda job: request(*job), [(s, k) for s in slot_ids for k in range(contenders)]
            )
        )
    with ThreadPoolExecutor(contenders) as pool:
        list(pool.map(confirm, [b for b in winners.values() for _ in range(contenders)]))
    elapsed = time.perf_counter() - started
    cur = con.cursor()
    holds = cur.execute(
        "SELECT count(*) FROM slot_holds WHERE slot_id IN (SELECT unnest(?::INTEGER[]))", [slot_ids]
    ).fetchone()[0]
    confirmed = cur.execute(
        "SELECT count(*) FROM slot_confirmations WHERE slot_id IN (SELECT unnest(?::INTEGER[]))",
        [slot_ids],
    ).fetchone()[0]
    con.close()
    total = sum(outcome.values())
    return {
        "slots": slots,
        "contenders": contenders,
        "calls": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        **outcome,
        "holds": holds,
        "confirmed": confirmed,
        "correct": holds == slots and confirmed == slots and outcome["failed"] == 0,
    }


# Report ------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def report(results: dict) -> str:
    """Return the Markdown report of one bench run."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m tests.bench`) on synthetic data built by",
        "`core/synthetic.py`. Script run: median of warm reruns of the page in AppTest, logged in",
        "as admin (after one run that fills the caches). Browser: median time from `page.goto` to",
        "ready (the wait rules of `tests/browser/helpers.wait_ready`) in Debian's chromium against a",
        "real `streamlit run` server, after a warm-up round, visiting a bare Streamlit page",
        "(`tests/bench_bare_app.py`) in the same rounds. Ratios are to that bare page.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    lines += [
        f"- load average before / after the run: {results['load_before']} / {results['load_after']}"
    ]
    lines += ["", "## Data", ""]
    lines += [
        "| size | Champions | events | products | registrations | engagements | bookings | build s |"
    ]
    lines += ["|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size, data in results["sizes"].items():
        c = data["counts"]
        lines.append(
            f"| {size} | {c['champions']:,} | {c['events']:,} | {c['products']:,} | "
            f"{c['registrations']:,} | {c['engagements']:,} | {c['bookings']:,} | {data['build_s']:.1f} |"
        )
    for size, data in results["sizes"].items():
        goal = GOALS["browser_ratio"][size]
        lines += [
            "",
            f"## Pages, {size}",
            "",
            f"Bare page: script {_fmt(data['bare_script_ms'], 1)} ms, browser {_fmt(data['bare_browser_ms'])} ms.",
            "",
            *_frame_lines(data),
            "| page | script ms | script / bare | browser ms | browser / bare | goal | verdict |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
        for page in PAGES:
            script = data["script_ms"].get(page)
            browser = data["browser_ms"].get(page)
            ratio = browser / data["bare_browser_ms"] if browser else None
            goal_text = f"browser/bare <= {goal}"
            ok = None if ratio is None else ratio <= goal
            if size == "ten_years":
                goal_text += f", script <= {GOALS['script_ms_ten_years']:.0f} ms"
                if script is not None:
                    ok = (ok is not False) and script <= GOALS["script_ms_ten_years"]
            lines.append(
                f"| {page} | {_fmt(script, 1)} | {_fmt(script / data['bare_script_ms'] if script else None, 1)} | "
                f"{_fmt(browser)} | {_fmt(ratio, 2)} | {goal_text} | {_verdict(ok)} |"
            )
        problems = {**data["script_errors"], **{k: v for k, v in data["browser_errors"].items()}}
        if problems:
            lines += ["", "Errors during the run:", ""]
            lines += [f"- {page}: `{message}`" for page, message in problems.items()]
        for page, hot in data.get("profiles", {}).items():
            lines += [
                "",
                f"Hot spots of {page} ({size}, cProfile, 3 warm reruns, own files):",
                "",
                "```",
                hot,
                "```",
            ]
    ics = results.get("ics", {})
    bookings = results.get("bookings", {})
    lines += ["", "## Calendar files and bookings", ""]
    lines += ["| measure | figure | goal | verdict |", "|---|---:|---|---|"]
    if ics:
        lines.append(
            f"| .ics export of {ics.get('events', 0):,} events of the realistic synthetic database ({ics.get('bytes', 0) / 1e6:.1f} MB) | "
            f"{_fmt(ics.get('export_s'), 2)} s | < {GOALS['export_s']:.0f} s | "
            f"{_verdict(None if 'export_s' not in ics else ics['export_s'] < GOALS['export_s'])} |"
        )
        lines.append(
            f"| .ics import of the same file (all new) | {_fmt(ics.get('import_s'), 2)} s | "
            f"< {GOALS['import_s']:.0f} s | "
            f"{_verdict(None if 'import_s' not in ics else ics['import_s'] < GOALS['import_s'])} |"
        )
        if "reimport_s" in ics:
            lines.append(
                f"| .ics re-import (all unchanged) | {_fmt(ics['reimport_s'], 2)} s | - | - |"
            )
        if "import_error" in ics:
            lines.append(f"| import error | `{ics['import_error']}` | | **missed** |")
    owner = results.get("ics_calendar")
    if owner and "error" not in owner:
        lines.append(
            f"| `tests/bench_calendar.py` (calendar owner's file of {ICS_EVENTS:,} events, 5 zones, "
            f"weekly series): import / re-import / export | {_fmt(owner.get('import_s'), 2)} s / "
            f"{_fmt(owner.get('reimport_s'), 2)} s / {_fmt(owner.get('export_s'), 2)} s | "
            f"import < {GOALS['import_s']:.0f} s, export < {GOALS['export_s']:.0f} s | "
            f"{_verdict(owner.get('import_s', 99) < GOALS['import_s'] and owner.get('export_s', 99) < GOALS['export_s'])} |"
        )
    elif owner:
        lines.append(f"| `tests/bench_calendar.py` | `{owner['error']}` | | **missed** |")
    if bookings:
        lines.append(
            f"| conflicting booking calls resolved per second ({bookings['contenders']} threads x "
            f"{bookings['slots']} slots, requests then confirmations) | {_fmt(bookings['per_second'])} /s | - | "
            f"{'correct: one hold and one confirmation per slot' if bookings['correct'] else '**WRONG**: ' + str(bookings)} |"
        )
    return "\n".join(lines) + "\n"


def _frame_lines(data: dict) -> list[str]:
    """Say what the bare page costs inside the app's frame, the floor under every page's ratio."""
    bare = data["bare_browser_ms"]
    found = [(name, data["browser_ms"].get(name)) for name in (FRAME_ROOT, FRAME_PAGE)]
    if not all(ms for _, ms in found):
        return []
    (_, root), (_, sub) = found
    return [
        "The same bare page inside the app's frame (`tests/bench_shell_app.py`: `st.navigation` "
        "with eight pages, a sidebar with a name, a caption and a button, no data): "
        f"{_fmt(root)} ms at `/` ({_fmt(root / bare, 2)} x bare), {_fmt(sub)} ms at a page's own "
        f"URL `/calendar` ({_fmt(sub / bare, 2)} x bare). Every dashboard page pays this frame.",
        "",
    ]


def print_table(results: dict) -> None:
    """Print the figures as a plain table."""
    for size, data in results["sizes"].items():
        print(
            f"\n{size}: bare script {_fmt(data['bare_script_ms'], 1)} ms, bare browser {_fmt(data['bare_browser_ms'])} ms"
        )
        print(f"{'page':<12}{'script ms':>12}{'x bare':>9}{'browser ms':>13}{'x bare':>9}")
        for page in (FRAME_ROOT, FRAME_PAGE, *PAGES):
            script = data["script_ms"].get(page)
            browser = data["browser_ms"].get(page)
            print(
                f"{page:<12}{_fmt(script, 1):>12}{_fmt(script / data['bare_script_ms'] if script else None, 1):>9}"
                f"{_fmt(browser):>13}{_fmt(browser / data['bare_browser_ms'] if browser else None, 2):>9}"
            )
        for page, message in {**data["script_errors"], **data["browser_errors"]}.items():
            print(f"  error on {page}: {message}")
        for page, hot in data.get("profiles", {}).items():
            print(f"\n  hot spots of {page} ({size}):\n{hot}")
    print("\n.ics:", results.get("ics"))
    print(".ics (tests/bench_calendar.py):", results.get("ics_calendar"))
    print("bookings:", results.get("bookings"))


def write_doc(text: str) -> None:
    """Write docs/benchmarks.md, keeping the hand-written notes below the marker."""
    notes = ""
    if DOC.exists() and NOTES_MARK in DOC.read_text(encoding="utf-8"):
        notes = DOC.read_text(encoding="utf-8").split(NOTES_MARK, 1)[1]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text + "\n" + NOTES_MARK + (notes or "\n"), encoding="utf-8")


def main() -> None:
    """Build both sizes, measure everything, print the table and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    parser.add_argument("--script-runs", type=int, default=5)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile pages over the script goal")
    parser.add_argument("--no-extras", action="store_true", help="skip .ics and bookings")
    parser.add_argument("--reimport", action="store_true", help="also time an unchanged re-import")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args()
    results: dict = {"machine": machine(), "load_before": load_average(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="actionplan-bench-") as tmp:
        folder = Path(tmp)
        bare_db = None
        for size in args.sizes:
            print(f"building {size} ...", flush=True)
            path, counts, build_s = build_size(folder, size)
            print(f"  {counts} in {build_s:.1f} s", flush=True)
            if bare_db is None:
                bare_db = copy_db(path, "bare")
            data = {"counts": counts, "build_s": build_s}
            print(f"script runs ({size}) ...", flush=True)
            data["bare_script_ms"] = time_bare_script(args.script_runs)
            data["script_ms"], data["script_errors"], data["profiles"] = time_scripts(
                copy_db(path, "apptest"),
                args.script_runs,
                profile_over=GOALS["script_ms_ten_years"] if args.profile else None,
            )
            data["bare_script_ms"] = (
                data["bare_script_ms"] + time_bare_script(args.script_runs)
            ) / 2
            data["browser_ms"], data["bare_browser_ms"], data["browser_errors"] = (
                {},
                float("nan"),
                {},
            )
            if not args.no_browser:
                print(f"browser runs ({size}) ...", flush=True)
                data["browser_ms"], data["bare_browser_ms"], data["browser_errors"] = time_browser(
                    copy_db(path, "browser"), bare_db, args.browser_runs
                )
            results["sizes"][size] = data
            if "ics" not in results and not args.no_extras:
                print(".ics export/import ...", flush=True)
                results["ics"] = bench_ics(path, reimport=args.reimport)
                results["ics_calendar"] = bench_calendar_owner()
                print("conflicting bookings ...", flush=True)
                results["bookings"] = bench_bookings(path)
                print(f"  {results['ics']}\n  {results['bookings']}", flush=True)
    results["load_after"] = load_average()
    print_table(results)
    if not args.no_write:
        write_doc(report(results))
        print(f"\nwrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Save a PNG of every page with the demo data into docs/screenshots/ (run by `make screenshots`).

Starts the dashboard on a fresh demo database in a temporary folder, logs in as admin in Debian's
chromium, opens each page by its URL and waits until every chart and table is drawn, then saves a
1400x2400 viewport (the main area scrolls inside its own container, so full_page would cut it).
Views behind a tab (the roadmap, the world map, attendance) are opened by their address. One more
shot shows the Meetings page as a viewer sees it (no join details, no contacts).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from core.db import open_database
from core.demo import seed_demo
from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Server,
    login_as,
    wait_ready,
)
from tests.conftest import PAGES

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 2400}
VIEWER_PAGES = ["meetings"]
DEFAULT_PAGE = PAGES[0]
# Views behind a tab, opened by their address as a bookmark would: shot name -> URL path.
TAB_VIEWS = {
    "pipeline-roadmap": "pipeline?pipeline_tab=Roadmap",
    "champions-balance": "champions?champions_tab=Geographic+balance",
    "meetings-attendance": "meetings?meetings_tab=Attendance",
}


def _shoot(page, base_url: str, url_path: str, target: Path) -> str | None:
    """Open a page, wait until it is drawn, save it; return a problem found, if any."""
    # The default page (Overview) lives at "/": its own name gives "Page not found".
    page.goto(f"{base_url}/{'' if url_path == DEFAULT_PAGE else url_path}")
    wait_ready(page, timeout_ms=120_000)
    page.wait_for_timeout(500)  # let charts finish their transitions
    page.screenshot(path=str(target))
    if page.locator('[data-testid="stException"]').count():
        return "the page shows an exception"
    return None


def main() -> None:
    """Build the demo database, start the server, log in, shoot every page."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    problems: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="actionplan-shots-") as tmp:
        db = Path(tmp) / "demo.duckdb"
        con = open_database(db)
        seed_demo(con, password_rounds=4)
        con.execute("CHECKPOINT")
        con.close()
        server = Server(db)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                for username, pages, suffix in (
                    ("admin", {**{name: name for name in PAGES}, **TAB_VIEWS}, ""),
                    ("viewer", {name: name for name in VIEWER_PAGES}, "-viewer"),
                ):
                    context = browser.new_context(
                        viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Zurich"
                    )
                    page = context.new_page()
                    page.set_default_timeout(120_000)
                    login_as(page, server.base_url, username)
                    for name, url_path in pages.items():
                        target = OUT / f"{name}{suffix}.png"
                        try:
                            problem = _shoot(page, server.base_url, url_path, target)
                        except Exception as exc:  # report every page, then fail at the end
                            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
                        if problem:
                            problems[f"{name}{suffix}"] = problem
                        print(f"{target.relative_to(ROOT)} {problem or 'ok'}", flush=True)
                    context.close()
                browser.close()
        finally:
            server.stop()
    if problems:
        print("problems:", problems)
        sys.exit(1)


if __name__ == "__main__":
    main()

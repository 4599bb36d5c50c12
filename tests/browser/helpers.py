"""Drive the dashboard in Debian's chromium: start a server, log in, wait until a page is drawn."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.demo import DEMO_PASSWORDS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_TIMEOUT_MS = 30_000
SESSION_COOKIE = "actionplan_session"  # core.config.Settings.cookie_name


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A streamlit server on a private database, stopped by `stop()`."""

    def __init__(
        self, db_path: Path, *, env: dict[str, str] | None = None, script: str = "serve.py"
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ACTIONPLAN_DB": str(db_path),
            "ACTIONPLAN_COOKIE_KEY": secrets.token_urlsafe(40),
            "ACTIONPLAN_DEMO": "1",
            "ACTIONPLAN_SECRETS": str(db_path.parent / "no-secrets.toml"),
            **(env or {}),
        }
        self.log = open(db_path.parent / f"{Path(script).stem}-streamlit.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early, see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as resp:
                    if resp.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("streamlit did not become healthy in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wait_ready(page, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait until the script finished, no skeleton remains, and every chart and table is drawn."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
            if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            // Only visible elements: charts in an inactive tab are drawn when the tab opens.
            const shown = (el) => el.offsetParent !== null;
            for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
                if (shown(c) && !c.querySelector('canvas, svg')) return false;
            }
            for (const d of document.querySelectorAll('[data-testid="stDataFrame"]')) {
                if (shown(d) && !d.querySelector('canvas')) return false;
            }
            return true;
        }""",
        polling=100,
        timeout=timeout_ms,
    )


def login_as(page, base_url: str, username: str, password: str | None = None) -> None:
    """Open the dashboard and log in through the form, as a person would."""
    page.goto(base_url)
    wait_ready(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password or DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for(timeout=READY_TIMEOUT_MS)
    wait_ready(page)
    # The session cookie is written by a component in the browser, after the page shows the
    # user logged in: a page opened before it lands would be the login page again.
    deadline = time.monotonic() + READY_TIMEOUT_MS / 1000
    while not any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the {SESSION_COOKIE} cookie was never set after logging in")
        page.wait_for_timeout(100)


def open_page(page, base_url: str, url_path: str) -> None:
    """Open a page by its URL path, as a bookmarked link would, and wait until it is drawn."""
    # The default page (Overview) lives at the root URL.
    page.goto(f"{base_url}/{'' if url_path == 'overview' else url_path}")
    wait_ready(page)


def expect_message(page, text: str, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait until `text` shows; on timeout, fail saying which messages the page shows instead."""
    try:
        page.get_by_text(text).first.wait_for(timeout=timeout_ms)
    except PlaywrightTimeoutError:
        shown = page.locator(
            '[data-testid="stAlert"], [data-testid="stException"]'
        ).all_inner_texts()
        raise AssertionError(f"{text!r} never showed; the page shows {shown!r}") from None


def click_and_wait(page, locator, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Click something that reruns the script (a lazy tab or expander) and wait for that run.

    `wait_ready` alone can pass before the rerun starts. This records every change of the app's
    script state after the click (the records, not the current value: a busy browser may apply
    "running" and "notRunning" in one batch), waits a bounded time for one, then waits until the
    page is drawn again. If React merged the whole run into one update there is no change to see,
    and the page is already drawn.
    """
    wait_ready(page, timeout_ms)  # no earlier run may still end after the click
    page.evaluate(
        """() => {
            window.__rerunSeen = false;
            const app = document.querySelector('[data-testid="stApp"]');
            const observer = new MutationObserver((records) => {
                if (records.length) {
                    window.__rerunSeen = true;
                    observer.disconnect();
                }
            });
            observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )
    locator.click()
    try:
        page.wait_for_function("() => window.__rerunSeen === true", polling=50, timeout=5_000)
    except PlaywrightTimeoutError:
        pass  # no visible change of state: the run was merged into one update (see above)
    wait_ready(page, timeout_ms)

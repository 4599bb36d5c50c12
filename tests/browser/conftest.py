"""Browser fixtures: a streamlit server on a private copy of the demo database, and chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, Server

pytestmark = pytest.mark.browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def live_server(request, demo_template, tmp_path):
    """Start the dashboard on a private copy of the demo database; yield its base URL.

    When the test fails, the end of the server's log is printed with the failure."""
    db = tmp_path / "browser.duckdb"
    shutil.copyfile(demo_template, db)
    server = Server(db)
    yield server.base_url
    server.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        tail = Path(server.log.name).read_text(errors="replace")[-4000:]
        print(f"--- end of the streamlit log ({server.log.name}) ---\n{tail}")


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's chromium once per test session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """Give each test a fresh browser context (no cookies) with a large viewport."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1800}, locale="en-GB", timezone_id="Europe/Zurich"
    )
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()

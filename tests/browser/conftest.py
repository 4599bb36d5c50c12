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


@pytest.fixture(scope="module")
def _module_server(demo_template, tmp_path_factory):
    """One dashboard per test module, on its own copy of the demo database.

    The tests of a module share it (each in a fresh browser context): a test may see what an
    earlier one saved, so tests name their own records instead of counting rows."""
    db = tmp_path_factory.mktemp("browser") / "browser.duckdb"
    shutil.copyfile(demo_template, db)
    server = Server(db)
    yield server
    server.stop()


@pytest.fixture
def live_server(request, _module_server):
    """The module's dashboard base URL; a failed test prints the end of the server's log."""
    yield _module_server.base_url
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _module_server.log.flush()
        tail = Path(_module_server.log.name).read_text(errors="replace")[-4000:]
        print(f"--- end of the streamlit log ({_module_server.log.name}) ---\n{tail}")


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

"""Browser fixtures: a streamlit server on a private copy of the demo database, and chromium."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, Server

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(demo_template, tmp_path):
    """Start the dashboard on a private copy of the demo database; yield its base URL."""
    db = tmp_path / "browser.duckdb"
    shutil.copyfile(demo_template, db)
    server = Server(db)
    yield server.base_url
    server.stop()


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

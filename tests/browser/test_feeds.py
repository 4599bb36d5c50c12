"""Calendar feeds on the dashboard's own port: subscribe from the page, fetch it as a calendar
program would, and keep it working across a restore from the Admin page."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request

import pytest
from icalendar import Calendar

from core import backup, feeds
from core.db import open_database
from tests.browser.helpers import Server, click_and_wait, login_as, open_page, wait_ready
from tests.conftest import demo_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def feed_server(demo_template, tmp_path_factory):
    """One server for the module, on a database holding a feed made before it started, and a
    backup file of that database to restore from the Admin page."""
    folder = tmp_path_factory.mktemp("feeds")
    db = folder / "feeds.duckdb"
    shutil.copyfile(demo_template, db)
    con = open_database(db)
    token = feeds.create_feed(con, actor=demo_user(con, "secretariat"))
    backup_file = folder / "before.duckdb"
    backup.backup(con, backup_file, actor=demo_user(con, "admin"))
    con.close()
    server = Server(db)
    yield server.base_url, token, backup_file
    server.stop()


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_the_address_shown_on_the_calendar_answers_on_the_same_port(feed_server, page):
    base, _, _ = feed_server
    login_as(page, base, "viewer")
    open_page(page, base, "calendar?calendar_tab=Subscribe")
    page.get_by_role("button", name="Create a feed address").click()
    wait_ready(page)
    page.get_by_text("Copy this address now").wait_for()
    address = page.get_by_test_id("stCode").inner_text().strip()
    assert address.startswith(base + "/feed/") and address.endswith(".ics")
    status, kind, body = _get(address)
    assert status == 200 and kind.startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VEVENT"), "the demo calendar has events"
    assert b"Password:" not in body  # a viewer's feed carries no join details
    # The shown address is the one to subscribe to; nothing on the page says otherwise.
    assert page.get_by_text("started without its feed route").count() == 0


def test_unknown_and_malformed_tokens_get_a_plain_404_not_the_dashboard(feed_server):
    base, _, _ = feed_server
    for path in ("/feed/" + "x" * 43 + ".ics", "/feed/short.ics"):
        status, kind, body = _get(base + path)
        assert status == 404 and kind.startswith("text/plain"), path
        assert b"<html" not in body.lower()


def test_a_restore_from_the_admin_page_does_not_break_feeds(feed_server, page):
    base, token, backup_file = feed_server
    assert _get(f"{base}/feed/{token}.ics")[0] == 200
    login_as(page, base, "admin")
    open_page(page, base, "admin")
    click_and_wait(page, page.get_by_role("tab", name="Backup and database"))
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(backup_file))
    page.get_by_role("button", name="Replace the database with this backup").wait_for()
    page.get_by_role("button", name="Replace the database with this backup").click()
    page.get_by_text("Restored from before.duckdb").wait_for()
    status, kind, body = _get(f"{base}/feed/{token}.ics")
    assert status == 200 and kind.startswith("text/calendar")
    assert Calendar.from_ical(body).walk("VEVENT")

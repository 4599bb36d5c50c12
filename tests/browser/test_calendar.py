"""In the browser: create an event, see it in the month grid, download its .ics."""

from datetime import date

import pytest
from icalendar import Calendar

from tests.browser.helpers import login_as, open_page, wait_ready

pytestmark = pytest.mark.browser

TITLE = "Browser peer exchange with Champions"


def test_create_an_event_see_it_in_the_month_grid_and_download_its_ics(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "calendar")
    page.get_by_role("tab", name="New event").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_role("button", name="Create event").click()
    wait_ready(page)
    page.get_by_text(f"Created '{TITLE}'.").wait_for()
    # Today, 15:00 in the default zone (Europe/Zurich), in this month's grid.
    cell = page.get_by_role("button", name=f"15:00 {TITLE}")
    cell.wait_for()
    assert f"{date.today():%B %Y}" in page.content()
    cell.click()
    wait_ready(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this event (.ics)").click()
    data = open(download.value.path(), "rb").read()
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == TITLE
    assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert event.start.hour == 15 and event.start.date() == date.today()
    assert b"BEGIN:VTIMEZONE" in data

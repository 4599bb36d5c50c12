"""In the browser: create, rename and find an event by previous / next / today, download the
calendar twice, see it in a Bangkok browser's own zone; lazy tabs and filters."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from core import timezones
from tests.browser.helpers import click_and_wait, expect_message, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser

TITLE = "Browser peer exchange with Champions"
RENAMED = "Browser peer exchange, renamed"


def test_create_an_event_see_it_in_the_month_grid_and_download_its_ics(live_server, page, browser):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "calendar")
    # The event form is drawn only once its tab is opened; the tab is then in the address.
    assert page.get_by_label("Title", exact=True).count() == 0
    click_and_wait(page, page.get_by_role("tab", name="New event"))
    assert "calendar_tab=New+event" in page.url
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_role("button", name="Create event").click()
    wait_ready(page)
    expect_message(page, f"Created '{TITLE}'.")
    # Today, 15:00 in the default zone (Europe/Zurich), in this month's grid.
    cell = page.get_by_role("button", name=f"15:00 {TITLE}")
    cell.wait_for()
    assert f"{zurich_today():%B %Y}" in page.content()
    click_and_wait(page, cell)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this event (.ics)").click()
    data = open(download.value.path(), "rb").read()
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == TITLE
    assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert event.start.hour == 15 and event.start.date() == zurich_today()
    assert b"BEGIN:VTIMEZONE" in data

    # The event's forms run only when opened: the edit form shows this event's values.
    edit = page.get_by_test_id("stExpander").filter(has_text="Edit this event")
    assert edit.get_by_label("Title", exact=True).count() == 0
    click_and_wait(page, edit.get_by_text("Edit this event", exact=True))
    assert edit.get_by_label("Title", exact=True).input_value() == TITLE
    assert edit.get_by_role("button", name="Save changes").is_visible()

    # Renamed, the event stays open on the next clicks (the picker keeps it by its id).
    edit.get_by_label("Title", exact=True).fill(RENAMED)
    click_and_wait(page, edit.get_by_role("button", name="Save changes"))
    expect_message(page, f"Saved '{RENAMED}'.")
    heading = page.get_by_role("heading", name=RENAMED)
    assert heading.is_visible()
    click_and_wait(page, page.get_by_role("button", name="Today"))  # the next click
    assert heading.is_visible()
    # Previous / next / today move the month; the detail goes with its month and comes back.
    click_and_wait(page, page.get_by_role("button", name="Next month"))
    page.get_by_role("heading", name=f"{next_month(zurich_today()):%B %Y}").wait_for()
    assert not heading.is_visible()
    click_and_wait(page, page.get_by_role("button", name="Previous month"))
    page.get_by_role("heading", name=f"{zurich_today():%B %Y}").wait_for()
    assert heading.is_visible()
    page.get_by_role("button", name=f"15:00 {RENAMED}").wait_for()

    # The whole calendar downloads on every click, not only the first.
    for _ in range(2):
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the whole calendar (.ics)").click()
        whole = Calendar.from_ical(open(download.value.path(), "rb").read())
        assert RENAMED in {str(e["SUMMARY"]) for e in whole.walk("VEVENT")}

    # A browser in Bangkok sees Bangkok times (its own zone) without choosing anything.
    bangkok = browser.new_context(
        viewport={"width": 1400, "height": 1800}, locale="en-GB", timezone_id="Asia/Bangkok"
    )
    try:
        other = bangkok.new_page()
        other.set_default_timeout(30_000)
        login_as(other, live_server, "viewer")
        open_page(other, live_server, "calendar")
        other.get_by_text("Times in Asia/Bangkok.").wait_for()
        # 15:00 in Zurich is 21:00 in Bangkok.
        other.get_by_role("button", name=f"21:00 {RENAMED}").wait_for()
    finally:
        bangkok.close()


def zurich_today() -> date:
    """Today where the test's browser is (the calendar's today is the viewer's, not the server's)."""
    return timezones.today_in("Europe/Zurich")


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_a_bookmarked_address_opens_the_import_tab_and_the_first_tab_keeps_it_clean(
    live_server, page
):
    login_as(page, live_server, "lead_cwg22")
    page.goto(f"{live_server}/calendar?calendar_tab=Import+.ics")
    wait_ready(page)
    assert page.get_by_role("tab", name="Import .ics").get_attribute("aria-selected") == "true"
    assert page.get_by_test_id("stFileUploader").is_visible()
    assert page.get_by_role("button", name="Create a feed address").count() == 0
    click_and_wait(page, page.get_by_role("tab", name="Subscribe"))
    assert "calendar_tab" not in page.url
    assert page.get_by_role("button", name="Create a feed address").is_visible()
    assert page.get_by_test_id("stFileUploader").count() == 0


def test_filters_open_from_their_popover_and_keep_applying_once_it_is_closed(live_server, page):
    login_as(page, live_server, "viewer")
    open_page(page, live_server, "calendar?calendar_view=Agenda")
    assert page.get_by_test_id("stMultiSelect").count() == 0  # not built until asked for
    click_and_wait(page, page.get_by_test_id("stPopoverButton"))
    kind = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("Kind", exact=True))
    kind.click()
    page.get_by_role("option", name="EC meeting", exact=True).click()
    page.get_by_text("Filtered: kind EC meeting.").wait_for()
    wait_ready(page)
    page.keyboard.press("Escape")  # close the option list
    click_and_wait(page, page.get_by_test_id("stPopoverButton"))  # close the popover
    assert page.get_by_test_id("stMultiSelect").count() == 0
    assert page.get_by_text("Filtered: kind EC meeting.").is_visible()

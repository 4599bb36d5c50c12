"""In chromium: the Bookings page draws only the open tab; a bookmarked ?bookings_tab= opens it;
the slot finder keeps its inputs while the Secretariat looks at the offer form, and its
"Use this time" opens the offer form filled in."""

import pytest

from tests.browser.helpers import click_and_wait, expect_message, login_as, open_page
from tests.browser.test_meetings import open_tab

pytestmark = pytest.mark.browser


def test_the_finder_opens_from_a_link_and_keeps_its_inputs_across_tabs(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "bookings?bookings_tab=Slot+finder")
    assert page.get_by_role("tab", name="Slot finder").get_attribute("aria-selected") == "true"
    assert page.get_by_role("button", name="Offer this slot").count() == 0
    assert page.get_by_role("button", name="Request this slot").count() == 0
    minutes = page.get_by_label("Minutes")
    minutes.fill("60")
    minutes.press("Enter")
    page.get_by_text("Ranked start times").wait_for()

    open_tab(page, "Offer a slot", "Part of")
    assert page.url.endswith("/bookings?bookings_tab=Offer+a+slot")
    assert page.get_by_role("button", name="Offer this slot").is_visible()
    assert page.get_by_text("Ranked start times").count() == 0

    open_tab(page, "Slot finder", "Ranked start times")
    assert page.get_by_label("Minutes").input_value() == "60"

    # "Use this time": one click opens the offer form there, filled in with that time and length.
    click_and_wait(page, page.get_by_role("button", name="Use this time: offer it as a slot"))
    expect_message(page, "The offer form is filled in with")
    page.get_by_text("Offer this time as a slot").wait_for()
    assert page.get_by_label("Minutes").last.input_value() == "60"  # the offer form's, below
    assert page.get_by_label("Title").input_value() == "Champions session"
    click_and_wait(page, page.get_by_role("button", name="Offer this slot"))
    expect_message(page, "Offered 'Champions session'")


def test_a_lead_has_no_offer_tab_even_from_a_link(live_server, page):
    login_as(page, live_server, "lead_cwg22")
    open_page(page, live_server, "bookings?bookings_tab=Offer+a+slot")
    assert page.get_by_role("tab", name="Offer a slot").count() == 0
    assert page.get_by_role("tab", name="Slots").get_attribute("aria-selected") == "true"
    assert page.get_by_role("button", name="Offer this slot").count() == 0
    assert page.get_by_role("button", name="Request this slot").is_visible()

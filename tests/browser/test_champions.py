"""Browser: the world map draws Champions and candidates; a profile opens from its link; the
page's tabs and form expanders run only once opened (the open tab is named in the URL)."""

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.helpers import click_and_wait, expect_message, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _map(page):
    return page.locator('[data-testid="stVegaLiteChart"]').filter(
        has_text="Registered for an open meeting"
    )


def test_the_balance_tab_draws_the_world_map_and_names_the_gaps(live_server, page):
    login_as(page, live_server, "viewer")
    open_page(page, live_server, "champions")
    assert _map(page).count() == 0  # the map is built only when its tab opens
    click_and_wait(page, page.get_by_role("tab", name="Geographic balance"))
    map_chart = _map(page)
    map_chart.first.wait_for()
    # Countries are drawn as paths; the legend names both kinds of mark.
    assert map_chart.first.locator("path").count() > 150
    assert map_chart.first.get_by_text("Champion", exact=True).is_visible()
    assert page.get_by_text("No Champion in Oceania.").is_visible()
    # Viewers are not shown contact details.
    assert "focal1@example.org" not in page.content()


def test_the_open_tab_is_in_the_url_and_a_bookmark_opens_it(live_server, page):
    login_as(page, live_server, "viewer")
    open_page(page, live_server, "champions")
    assert "champions_tab" not in _query(page)  # the default tab leaves the URL clean
    click_and_wait(page, page.get_by_role("tab", name="Growth"))
    assert _query(page)["champions_tab"] == ["Growth"]
    page.get_by_text("Champions over time").wait_for()
    open_page(page, live_server, "champions?champions_tab=Geographic+balance")
    tab = page.get_by_role("tab", name="Geographic balance")
    assert tab.get_attribute("aria-selected") == "true"
    _map(page).first.wait_for()
    assert page.get_by_text("Champions over time").count() == 0
    click_and_wait(page, page.get_by_role("tab", name="Registry"))
    assert "champions_tab" not in _query(page)
    assert _map(page).count() == 0


def test_staff_open_the_focal_point_form_save_one_and_the_form_stays_open(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "champions")
    name = page.get_by_role("textbox", name="Name", exact=True)
    assert name.count() == 0  # the form is not built while its expander is closed
    click_and_wait(page, page.get_by_text("Add, edit or remove a focal point", exact=True))
    name.fill("Browser Person")
    wait_ready(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect_message(page, "Saved focal point Browser Person (")
    wait_ready(page)
    # The expander kept its state across the save's rerun: the form is still there.
    assert page.get_by_role("textbox", name="Name", exact=True).is_visible()


def test_a_profile_link_opens_the_champions_profile_with_its_local_time(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "engagement?champion=KEN")
    assert page.get_by_role("heading", name="Kenya: Champion profile").is_visible()
    assert page.get_by_text("Africa/Nairobi (UTC+03:00)").is_visible()
    assert page.get_by_text("Timeline of engagements").is_visible()
    page.locator('[data-testid="stRadio"]').get_by_text("Not engaged", exact=True).click()
    # The rerun replaces the profile with the list (wait_for fails the test if it never comes).
    page.get_by_text("active Champions not engaged in the last 90 days").wait_for()
    wait_ready(page)
    assert page.get_by_role("heading", name="Kenya: Champion profile").count() == 0

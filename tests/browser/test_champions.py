"""Browser: the world map draws Champions and candidates; a profile opens from its link."""

import pytest

from tests.browser.helpers import login_as, open_page, wait_ready

pytestmark = pytest.mark.browser


def test_the_balance_tab_draws_the_world_map_and_names_the_gaps(live_server, page):
    login_as(page, live_server, "viewer")
    open_page(page, live_server, "champions")
    page.get_by_role("tab", name="Geographic balance").click()
    wait_ready(page)
    map_chart = page.locator('[data-testid="stVegaLiteChart"]').filter(
        has_text="Registered for an open meeting"
    )
    map_chart.first.wait_for()
    # Countries are drawn as paths; the legend names both kinds of mark.
    assert map_chart.first.locator("path").count() > 150
    assert map_chart.first.get_by_text("Champion", exact=True).is_visible()
    assert page.get_by_text("No Champion in Oceania.").is_visible()
    # Viewers are not shown contact details.
    assert "focal1@example.org" not in page.content()


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

"""Log in as each demo role and open every page it may see, charts and tables drawn."""

import pytest

from core.permissions import PAGE_ROLES
from tests.browser.helpers import login_as, open_page, wait_ready
from tests.test_pages import ROLE_OF

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", list(ROLE_OF))
def test_each_role_sees_and_opens_its_pages(live_server, page, username):
    login_as(page, live_server, username)
    allowed = [p for p, roles in PAGE_ROLES.items() if ROLE_OF[username] in roles]
    links = page.locator('[data-testid="stSidebarNav"] a')
    assert links.count() == len(allowed)
    for url_path in allowed:
        open_page(page, live_server, url_path)
        assert page.locator("h1").first.is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0, url_path
        # wait_ready has checked that every visible chart and table is drawn; each page shows data.
        shown = page.locator(
            '[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], '
            '[data-testid="stMetric"], [data-testid="stButton"]'
        )
        assert shown.count() >= 1, url_path


def test_a_forbidden_page_url_shows_nothing(live_server, page):
    login_as(page, live_server, "viewer")
    page.goto(f"{live_server}/admin")
    wait_ready(page)
    # Streamlit falls back to the default page: the Admin page and its user list never render.
    assert page.locator("h1").first.inner_text() != "Administration"
    assert "admin@example.org" not in page.content()


def test_login_survives_a_reload_and_logout_kills_the_copied_cookie(live_server, page, browser):
    login_as(page, live_server, "secretariat")
    page.reload()
    wait_ready(page)
    assert page.get_by_role("button", name="Log out").is_visible()
    cookies = page.context.cookies()
    assert any(c["name"] == "actionplan_session" for c in cookies)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for()
    # Someone who copied the cookie before the logout gets the login form, not the dashboard.
    thief = browser.new_context()
    thief.add_cookies([c for c in cookies if c["name"] == "actionplan_session"])
    stolen = thief.new_page()
    stolen.goto(live_server)
    wait_ready(stolen)
    assert stolen.get_by_role("button", name="Log in").is_visible()
    assert stolen.get_by_role("button", name="Log out").count() == 0
    thief.close()

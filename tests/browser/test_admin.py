"""In chromium: the Admin page draws only the open tab and the opened expanders; a form submitted
in an expander stays in view; a bookmarked ?admin_tab= opens its tab."""

import pytest

from tests.browser.helpers import login_as, open_page, wait_ready
from tests.browser.test_meetings import open_tab

pytestmark = pytest.mark.browser


def open_expander(page, label: str, shows: str) -> None:
    """Open a lazy expander: the click reruns the script, which draws its content; wait for it."""
    page.get_by_test_id("stExpander").filter(has_text=label).locator("summary").click()
    page.get_by_text(shows, exact=True).first.wait_for()
    wait_ready(page)


def test_forms_and_tabs_draw_only_when_opened(live_server, page):
    login_as(page, live_server, "admin")
    open_page(page, live_server, "admin")
    assert page.get_by_test_id("stDataFrame").count() == 1  # the accounts
    assert page.get_by_role("button", name="Create user").count() == 0
    assert page.get_by_role("button", name="Set new password").count() == 0

    open_expander(page, "Add a user", "Initial password")
    page.get_by_label("Username", exact=True).fill("amina.lead")
    page.get_by_label("Full name", exact=True).fill("Amina Lead")
    page.get_by_label("E-mail", exact=True).fill("amina@example.org")
    page.get_by_label("Initial password", exact=True).fill("a-long-password")
    page.get_by_role("button", name="Create user").click()
    page.get_by_text("User amina.lead created (Amina Lead, Viewer).").wait_for()
    wait_ready(page)
    # The expander stayed open with its (cleared) form; the other one is still folded away.
    assert page.get_by_role("button", name="Create user").is_visible()
    assert page.get_by_role("button", name="Set new password").count() == 0

    open_tab(page, "Audit log", "Download as CSV")
    assert page.url.endswith("/admin?admin_tab=Audit+log")
    assert page.get_by_role("button", name="Create user").count() == 0
    # The creation is in the log (the grid fills its accessible cells a moment after drawing).
    page.wait_for_function("() => document.body.innerHTML.includes('amina.lead')")

    open_page(page, live_server, "admin?admin_tab=Backup+and+database")
    assert page.get_by_role("tab", name="Backup and database").get_attribute("aria-selected") == (
        "true"
    )
    assert page.get_by_role("button", name="Prepare a backup").is_visible()
    assert page.get_by_role("button", name="Download as CSV").count() == 0

"""Browser: on the Engagement page, a workstream lead opens the hand-logging form and logs an
engagement; the form is not built until its expander is opened."""

import pytest

from tests.browser.helpers import click_and_wait, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser


def test_a_lead_opens_the_log_form_and_logs_an_engagement(live_server, page):
    login_as(page, live_server, "lead_cwg22")
    open_page(page, live_server, "engagement")
    note = page.get_by_role("textbox", name="Note", exact=True)
    assert note.count() == 0
    click_and_wait(page, page.get_by_text("Log an engagement by hand", exact=True))
    note.fill("Browser call with the capital")
    page.get_by_role("button", name="Add to the log", exact=True).click()
    page.get_by_text("Logged: ").wait_for()
    wait_ready(page)
    # The form stays open and was cleared for the next entry.
    assert note.is_visible() and note.input_value() == ""

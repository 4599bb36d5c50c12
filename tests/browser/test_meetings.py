"""In the browser: a workstream lead requests a slot, the Secretariat confirms it, it shows in the
meeting's agenda; join details never reach a viewer's page HTML."""

import re

import pytest

from tests.browser.helpers import login_as, open_page, wait_ready

pytestmark = pytest.mark.browser

PURPOSE = "Present the training package to Champions"


def _choose(page, label: str, text: str) -> None:
    """Pick an option of a Streamlit selectbox by typing part of its text."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_ready(page)


def test_lead_requests_a_slot_secretariat_confirms_and_the_agenda_shows_it(
    live_server, page, browser
):
    login_as(page, live_server, "lead_cwg22")
    open_page(page, live_server, "bookings")
    slot = page.get_by_label("Slot", exact=True)
    chosen = slot.input_value() or page.locator('[data-testid="stSelectbox"]').first.inner_text()
    meeting = re.search(r"· (.+?) ·", chosen).group(1)
    page.get_by_label("Purpose").fill(PURPOSE)
    page.get_by_label("Purpose").press("Enter")
    wait_ready(page)
    _choose(page, "Champions targeted", "Kenya")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Request this slot").click()
    wait_ready(page)
    page.get_by_text("the Secretariat will confirm").wait_for()

    staff = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    login_as(staff, live_server, "secretariat")
    open_page(staff, live_server, "bookings")
    staff.get_by_role("tab", name="Requests").click()
    wait_ready(staff)
    _choose(staff, "Request", PURPOSE[:30])
    staff.get_by_role("button", name="Confirm").click()
    wait_ready(staff)
    staff.get_by_text("it is now in the meeting's agenda").wait_for()

    open_page(staff, live_server, "meetings")
    _choose(staff, "Meeting", meeting)
    # The grid draws on a canvas and fills its accessible cells a moment later: wait for the text.
    staff.wait_for_function(
        "text => document.body.innerHTML.includes(text)", arg=PURPOSE, timeout=30_000
    )
    staff.context.close()


def test_join_details_are_absent_from_a_viewers_page_html(live_server, page):
    login_as(page, live_server, "viewer")
    open_page(page, live_server, "meetings")
    html = page.content()
    assert "Join details are sent to confirmed participants" in html
    assert "demo-join" not in html and "Password:" not in html

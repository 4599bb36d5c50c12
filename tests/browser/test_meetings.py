"""In the browser: a workstream lead requests a slot, the Secretariat confirms it, it shows in the
meeting's agenda; join details never reach a viewer's page HTML, whichever tab is open; the tabs
run only when opened and are named in the address."""

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


def open_tab(page, name: str, shows: str) -> None:
    """Open a lazy tab: the click reruns the script, which draws the tab's content; wait for that
    content (only the rerun can draw it), then for the page to settle.

    Waiting on the content rather than on the script-state attribute: under load the browser can
    take the run's start and end in one render, and a watcher of that attribute then never fires.
    """
    page.get_by_role("tab", name=name, exact=True).click()
    page.get_by_text(shows, exact=True).first.wait_for()
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
    open_tab(staff, "Requests", "Decide")
    assert staff.url.endswith("/bookings?bookings_tab=Requests")
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
    # Only the open tab is drawn: look at the page's HTML with each tab open in turn.
    for tab, shows in (
        ("Agenda", "Materials"),
        ("Participants", "Participant names are shown to the Secretariat and EC members only."),
        ("Office support", "The office support matrix is for the Secretariat and EC members."),
        ("Attendance", "Attendance statistics by"),
    ):
        if tab != "Agenda":
            open_tab(page, tab, shows)
        html = page.content()
        assert shows in html, tab
        assert "Join details are sent to confirmed participants" in html, tab
        assert "demo-join" not in html and "Password:" not in html, tab


def test_a_tab_draws_only_when_opened_and_a_link_opens_it(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "meetings")
    # The registration form of the Participants tab is not in the page until the tab is opened.
    assert page.get_by_role("button", name="Register").count() == 0
    open_tab(page, "Participants", "Register a participant")
    assert page.get_by_role("button", name="Register").is_visible()
    assert page.url.endswith("/meetings?meetings_tab=Participants")
    # Back on the first tab the address is clean again; a bookmarked address opens its tab.
    open_tab(page, "Agenda", "Materials")
    assert page.url.endswith("/meetings")
    assert page.get_by_role("button", name="Register").count() == 0
    open_page(page, live_server, "meetings?meetings_tab=Attendance")
    selected = page.get_by_role("tab", name="Attendance", exact=True)
    assert selected.get_attribute("aria-selected") == "true"
    assert page.get_by_text("Attendance statistics by").is_visible()
    assert page.get_by_role("button", name="Register").count() == 0

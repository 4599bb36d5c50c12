"""In the browser: an EC member's registration waits on the Secretariat's "Waiting on me" page
(its count in the navigation) and is confirmed there; cancelling a registration asks first."""

import re

import pytest

from tests.browser.helpers import click_and_wait, expect_message, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser

PERSON = "Wanjiru Kamau-Inbox"


def _choose(page, label: str, text: str) -> None:
    """Pick an option of a Streamlit selectbox or multiselect by typing part of its text."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_ready(page)


def _register(page, base_url: str, name: str, email: str, country: str) -> None:
    open_page(page, base_url, "meetings?meetings_tab=Participants")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail", exact=True).fill(email)
    _choose(page, "Country", country)
    click_and_wait(page, page.get_by_role("button", name="Register"))


def test_secretariat_confirms_a_registration_from_waiting_on_me(live_server, page, browser):
    login_as(page, live_server, "ec_undp")
    _register(page, live_server, PERSON, "wanjiru.inbox@example.org", "Ghana")
    expect_message(page, f"{PERSON} is requested")

    staff = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    staff.set_default_timeout(30_000)
    login_as(staff, live_server, "secretariat")
    link = staff.get_by_role("link", name=re.compile(r"Waiting on me \(\d+\)"))
    before = int(re.search(r"\((\d+)\)", link.inner_text()).group(1))
    click_and_wait(staff, link)
    staff.get_by_role("heading", name="Waiting on me").wait_for()
    _choose(staff, "Registrations to act on", PERSON)
    staff.keyboard.press("Escape")
    click_and_wait(staff, staff.get_by_role("button", name="Confirm chosen (1)"))
    expect_message(staff, f"Confirmed {PERSON}.")
    staff.get_by_role("link", name=f"Waiting on me ({before - 1})").wait_for()
    staff.context.close()


def test_cancelling_a_registration_asks_first_in_a_dialog(live_server, page):
    login_as(page, live_server, "secretariat")
    name = "Somchai Cancel-Dialog"
    _register(page, live_server, name, "somchai.dialog@example.org", "Thailand")
    expect_message(page, f"{name} is confirmed")
    _choose(page, "Participant", name)
    click_and_wait(page, page.get_by_role("button", name="Cancel registration"))
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"Cancel {name}'s registration?").wait_for()
    # "No" closes the dialog and changes nothing.
    click_and_wait(page, dialog.get_by_role("button", name="No, keep it"))
    assert page.get_by_role("dialog").count() == 0
    click_and_wait(page, page.get_by_role("button", name="Cancel registration"))
    click_and_wait(page, page.get_by_role("dialog").get_by_role("button", name="Yes, cancel"))
    expect_message(page, f"Cancelled {name}'s registration.")

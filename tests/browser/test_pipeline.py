"""In chromium: a workstream lead moves a product into consultation and sees it on the board and roadmap."""

import re

import pytest

from tests.browser.helpers import click_and_wait, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser

PRACTICAL = "Practical note on reviewing national implementation plans (demo)"


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it, as a person would."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    box.click()
    page.keyboard.type(option[:40])
    page.get_by_role("option", name=option).click()
    wait_ready(page)


def test_a_lead_moves_a_product_into_consultation_and_sees_it_on_board_and_roadmap(
    page, live_server
):
    login_as(page, live_server, "lead_cwg22")
    open_page(page, live_server, "pipeline")
    click_and_wait(page, page.get_by_role("tab", name="Product", exact=True))
    choose(page, "Product", PRACTICAL)
    # One click on the button naming the next stage.
    page.get_by_role("button", name="Advance to Champion consultation").click()
    page.get_by_text("Moved from Drafting to Champion consultation.").wait_for()
    wait_ready(page)

    click_and_wait(page, page.get_by_role("tab", name="Board", exact=True))
    column = page.get_by_test_id("stColumn").filter(
        has=page.get_by_text(re.compile(r"^Champion consultation · \d+$"))
    )
    assert column.count() == 1
    assert column.get_by_role("button", name=PRACTICAL, exact=True).is_visible()
    drafting = page.get_by_test_id("stColumn").filter(
        has=page.get_by_text(re.compile(r"^Drafting · \d+$"))
    )
    assert drafting.count() == 1
    assert drafting.get_by_role("button", name=PRACTICAL, exact=True).count() == 0

    click_and_wait(page, page.get_by_role("tab", name="Roadmap", exact=True))
    chart = page.get_by_test_id("stVegaLiteChart").first
    assert chart.locator("canvas, svg").count() > 0
    row = page.get_by_role("row").filter(has=page.get_by_text(PRACTICAL, exact=True))
    assert row.count() == 1
    assert row.get_by_text("Champion consultation", exact=True).is_visible()

    # A card's title opens the product, as on a project board.
    click_and_wait(page, page.get_by_role("tab", name="Board", exact=True))
    click_and_wait(page, page.get_by_role("button", name=PRACTICAL, exact=True))
    assert (
        page.get_by_role("tab", name="Product", exact=True).get_attribute("aria-selected") == "true"
    )
    assert page.get_by_role("heading", name=PRACTICAL).is_visible()
    assert "pipeline_tab=Product" in page.url

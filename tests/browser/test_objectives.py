"""In chromium: the Overview's GCM objectives tab draws its heatmap, and the brief downloads."""

from __future__ import annotations

import pytest

from tests.browser.helpers import click_and_wait, expect_message, login_as, open_page, wait_ready

pytestmark = pytest.mark.browser


def test_coverage_tab_then_the_planning_brief_as_a_pdf(live_server, page):
    login_as(page, live_server, "secretariat")
    open_page(page, live_server, "?overview_tab=GCM+objectives")
    expect_message(page, "no product in the pipeline and no Champion engaged in the last 12 months")
    page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for()
    click_and_wait(page, page.get_by_role("button", name="Make the planning brief (PDF)"))
    button = page.get_by_role("button", name="Download the planning brief")
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("planning-brief-")
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF-")
    wait_ready(page)

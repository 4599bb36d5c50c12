"""In a real browser, hostile text in the data shows as its own characters: no outside link, no
image fetched from an outside host, on the pages every role sees."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import Server, click_and_wait, login_as, open_page
from tests.hostile import make_hostile

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile_server(demo_template, tmp_path_factory):
    db = tmp_path_factory.mktemp("hostile-browser") / "browser.duckdb"
    shutil.copyfile(demo_template, db)
    make_hostile(db)
    server = Server(db)
    yield server.base_url
    server.stop()


def _no_outside_links_or_images(page, requested: list[str], where: str) -> None:
    outside = page.locator(
        'a[href*="evil"]:not([href^="#"]), a[href^="javascript"], img[src*="evil"]'
    )
    assert outside.count() == 0, (
        where,
        [outside.nth(i).evaluate("e => e.outerHTML") for i in range(outside.count())],
    )
    assert not [u for u in requested if "evil" in u], (where, requested)
    # The hostile constructs reach the reader as characters, not as formatting.
    assert (
        page.locator("strong:text-is('ZQB'), em:text-is('ZQE'), code:text-is('ZQC')").count() == 0
    )


def _text(locator) -> str:
    """What a reader sees: the word joiners that break autolinks are invisible."""
    return locator.inner_text().replace("\u2060", "")


@pytest.mark.parametrize("username", ["viewer", "admin"])
def test_hostile_text_is_shown_as_text(hostile_server, browser, username):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1800}, timezone_id="Europe/Zurich"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        login_as(page, hostile_server, username)
        # The user's own name in the sidebar of every page.
        sidebar = page.locator('[data-testid="stSidebarUserContent"]')
        assert "**ZQB**" in sidebar.inner_text()
        _no_outside_links_or_images(page, requested, "overview")
        open_page(page, hostile_server, "pipeline")
        assert page.get_by_text("**ZQB**", exact=False).first.is_visible()
        _no_outside_links_or_images(page, requested, "pipeline board")
        # A card's title opens the product: title, lead agencies, description, document links.
        click_and_wait(
            page, page.locator('[data-testid="stButton"] button').filter(has_text="ZQB").first
        )
        assert "[ZQL](https://evil.example/l)" in _text(page.locator('[data-testid="stMain"]'))
        _no_outside_links_or_images(page, requested, "product")
        open_page(page, hostile_server, "meetings")
        heading = _text(page.locator("h3").first)
        assert "**ZQB**" in heading and "![ZQI](https://evil.example/i.png)" in heading
        _no_outside_links_or_images(page, requested, "meetings")
        open_page(page, hostile_server, "calendar")
        _no_outside_links_or_images(page, requested, "calendar")
    finally:
        context.close()

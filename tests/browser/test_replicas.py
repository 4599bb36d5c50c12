"""Two dashboard processes on one PostgreSQL database, behind Debian's nginx with the README's
configuration: what one replica saves, the other shows on its next run."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import date

import pytest

from tests.browser.helpers import (
    ROOT,
    Server,
    click_and_wait,
    free_port,
    login_as,
    open_page,
    wait_ready,
)

pytestmark = pytest.mark.browser
TITLE = "Seen on both replicas"


def _nginx_config(folder, port: int, replicas: list[int]) -> str:
    site = (ROOT / "deploy" / "nginx-actionplan.conf").read_text()
    site = site.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{replicas[0]};")
    site = site.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{replicas[1]};")
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{port};", site)
    temp = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "daemon off;\nevents { worker_connections 256; }\n"
        f"http {{\n    access_log off;\n{temp}{site}\n}}\n"
    )


@pytest.fixture(scope="module")
def replicas(pg_server, pg_demo_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicas")
    url = pg_server.create_database("replicas_browser", template=pg_demo_template)
    shared = {"ACTIONPLAN_DB": url, "ACTIONPLAN_COOKIE_KEY": secrets.token_urlsafe(40)}
    a = Server(folder / "a.duckdb", env=shared)
    b = Server(folder / "b.duckdb", env=shared)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(_nginx_config(folder, port, [a.port, b.port]))
    nginx = subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    proxy = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{proxy}/_stcore/health", timeout=2).read()
                break
            except OSError:
                if nginx.poll() is not None:
                    raise RuntimeError(nginx.stderr.read().decode()) from None
                time.sleep(0.1)
        yield a.base_url, b.base_url, proxy
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        a.stop()
        b.stop()
        pg_server.drop_database("replicas_browser")


def test_an_event_saved_on_one_replica_shows_on_the_other(replicas, browser):
    first, second, _ = replicas
    writer = browser.new_context(
        viewport={"width": 1400, "height": 1800}, timezone_id="Europe/Zurich"
    )
    reader = browser.new_context(
        viewport={"width": 1400, "height": 1800}, timezone_id="Europe/Zurich"
    )
    try:
        page = reader.new_page()
        login_as(page, second, "viewer")
        open_page(page, second, "calendar")
        assert page.get_by_role("button", name=f"15:00 {TITLE}").count() == 0  # cached now

        lead = writer.new_page()
        login_as(lead, first, "secretariat")
        open_page(lead, first, "calendar")
        click_and_wait(lead, lead.get_by_role("tab", name="New event"))
        lead.get_by_label("Title", exact=True).fill(TITLE)
        lead.get_by_role("button", name="Create event").click()
        wait_ready(lead)
        lead.get_by_text(f"Created '{TITLE}'.").wait_for()

        open_page(page, second, "calendar")  # the viewer's next run, on the other process
        page.get_by_role("button", name=f"15:00 {TITLE}").wait_for()
        assert f"{date.today():%B %Y}" in page.content()
    finally:
        writer.close()
        reader.close()


def test_the_dashboard_works_through_nginx_websocket_and_feed_route_included(replicas, page):
    _, _, proxy = replicas
    login_as(page, proxy, "ec_undp")  # the websocket goes through the proxy
    open_page(page, proxy, "meetings")
    assert page.get_by_test_id("stException").count() == 0
    try:
        urllib.request.urlopen(f"{proxy}/feed/{'x' * 43}.ics", timeout=10)
        raise AssertionError("an unknown feed answered")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404 and exc.headers["Content-Type"].startswith("text/plain")

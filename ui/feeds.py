"""Serve private calendar feeds over HTTP from inside the Streamlit process.

DuckDB lets one process hold the database file, so the feed cannot be a separate server: a
small standard-library HTTP server runs in a daemon thread of the dashboard's process, started
once (st.cache_resource), on ACTIONPLAN_FEED_PORT (default 8502; "off" disables it). It uses the
dashboard's shared connection with a cursor per request and answers only GET /feed/<token>.ics.
"""

from __future__ import annotations

import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import streamlit as st

from core.feeds import feed_calendar
from core.ics import FEED_REFRESH

log = logging.getLogger(__name__)
DEFAULT_PORT = 8502


def feed_port() -> int | None:
    """Return the configured feed port, or None when feeds are switched off."""
    value = os.environ.get("ACTIONPLAN_FEED_PORT", str(DEFAULT_PORT)).strip().lower()
    if value in ("off", "0", "", "no", "false"):
        return None
    if not value.isdigit():
        log.warning("ACTIONPLAN_FEED_PORT=%r is not a port number: feeds are off", value)
        return None
    return int(value)


def make_server(
    con: duckdb.DuckDBPyConnection, *, port: int, demo_mode: bool, host: str = "0.0.0.0"
) -> ThreadingHTTPServer:
    """Return an HTTP server answering feed requests from the database (not yet started)."""

    class FeedHandler(BaseHTTPRequestHandler):
        server_version = "ActionPlanFeed/1"

        def _answer(self, with_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            body = None
            if path.startswith("/feed/") and path.endswith(".ics"):
                token = path[len("/feed/") : -len(".ics")]
                try:
                    body = feed_calendar(con, token, demo_mode=demo_mode)
                except duckdb.Error:
                    log.exception("feed query failed")
                    self.send_error(503, "The calendar is busy; try again shortly.")
                    return
            if body is None:
                # Same answer for unknown, revoked and malformed tokens: nothing to probe.
                self.send_error(404, "No such calendar feed.")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header(
                "Cache-Control", f"private, max-age={int(FEED_REFRESH.total_seconds())}"
            )
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self._answer(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(with_body=False)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            # Never write request paths to the log: they hold the secret tokens.
            return

    server = ThreadingHTTPServer((host, port), FeedHandler)
    server.daemon_threads = True
    return server


@st.cache_resource(show_spinner=False)
def _start(db_path: str, port: int, demo_mode: bool) -> str:
    from ui.context import connection

    try:
        server = make_server(connection(), port=port, demo_mode=demo_mode)
    except OSError as exc:
        log.warning("calendar feed server not started on port %s: %s", port, exc)
        return f"not running: port {port} is not available ({exc.strerror})"
    threading.Thread(target=server.serve_forever, name="calendar-feeds", daemon=True).start()
    return f"serving on port {port}"


def ensure_feed_server() -> str:
    """Start the feed server once per process; return its state in words."""
    from ui.context import settings

    port = feed_port()
    if port is None:
        return "switched off (ACTIONPLAN_FEED_PORT=off)"
    current = settings()
    return _start(str(current.db_path), port, current.demo_mode)

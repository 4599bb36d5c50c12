"""Serve private calendar feeds on the dashboard's own host and port (an `st.App` route).

`serve.py` mounts `ROUTES` beside the pages: `GET /feed/<token>.ics` answers from the same
shared connection the pages use (`core.store.shared_store`), looked up on every request, so a
restore from the Admin page never leaves the feed holding a closed database.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.config import Settings, load_settings
from core.feeds import feed_calendar, feed_path
from core.ics import FEED_REFRESH
from core.store import DATABASE_ERRORS, shared_store

log = logging.getLogger(__name__)
FALLBACK_URL = "http://localhost:8501"


@lru_cache(maxsize=4)
def _settings(env_key: tuple) -> Settings:
    return load_settings()


def _current_settings() -> Settings:
    keys = ("ACTIONPLAN_DB", "ACTIONPLAN_SECRETS", "ACTIONPLAN_COOKIE_KEY", "ACTIONPLAN_DEMO")
    return _settings(tuple(os.environ.get(k) for k in keys))


def _calendar(token: str) -> bytes | None:
    current = _current_settings()
    con = shared_store(current.db_path)
    return feed_calendar(con, token, demo_mode=current.demo_mode)


async def feed_endpoint(request: Request) -> Response:
    """Answer one feed request: the calendar as its owner may see it, or a plain 404."""
    token = request.path_params["token"]
    try:
        body = await run_in_threadpool(_calendar, token)
    except DATABASE_ERRORS:
        log.exception("feed query failed")  # the token is not logged: it is the secret
        return PlainTextResponse("The calendar is busy; try again shortly.", status_code=503)
    if body is None:
        # Same answer for unknown, revoked and malformed tokens: nothing to probe.
        return PlainTextResponse("No such calendar feed.", status_code=404)
    return Response(
        body if request.method == "GET" else b"",
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": f"private, max-age={int(FEED_REFRESH.total_seconds())}",
            "Referrer-Policy": "no-referrer",
            "Content-Length": str(len(body)),
        },
    )


ROUTES = [Route("/feed/{token}.ics", feed_endpoint, methods=["GET", "HEAD"])]
_served = {"routes": False}


def mark_served() -> None:
    """Called by serve.py: this process answers feed addresses on the dashboard's port."""
    _served["routes"] = True


def feeds_served() -> bool:
    """True when the feed route is mounted (started through serve.py, as `make run` does)."""
    return _served["routes"]


def feed_address(token: str, *, public_url: str | None, browser_url: str | None) -> str:
    """The address a user subscribes to: the configured public URL, else the one in their browser."""
    base = public_url
    if not base and browser_url:
        parts = urlsplit(browser_url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    return f"{(base or FALLBACK_URL).rstrip('/')}{feed_path(token)}"

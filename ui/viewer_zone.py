"""The zone a page shows times in: the person's saved choice, else their browser's zone."""

from __future__ import annotations

import streamlit as st

from core import timezones
from core.permissions import User
from ui.context import connection


def render_viewer_zone(container, user: User, *, key: str, label: str = "Show times in") -> str:
    """Draw the zone picker in `container` and return the zone; a change is remembered."""
    tz, why = timezones.viewer_zone(
        connection(), username=user.username, browser_tz=st.context.timezone
    )
    # The stored choice leads: a change made on another page (or another replica) shows here.
    st.session_state[key] = tz
    container.selectbox(
        label,
        timezones.all_zones(),
        key=key,
        on_change=_save,
        args=(user.username, key),
        help=f"Now {why}. A change is remembered for your next visits.",
    )
    return tz


def _save(username: str, key: str) -> None:
    timezones.save_viewer_zone(connection(), username=username, tz=st.session_state[key])

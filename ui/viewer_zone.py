"""The zone a page shows times in: the person's saved choice, else their browser's zone."""

from __future__ import annotations

import streamlit as st

from core import timezones
from core.permissions import User
from ui.context import connection


def render_viewer_zone(container, user: User, *, key: str, label: str = "Show times in") -> str:
    """Draw the zone picker in `container` and return the zone; a change is remembered."""
    browser = timezones.known_zone(st.context.timezone)
    tz, why = timezones.viewer_zone(connection(), username=user.username, browser_tz=browser)
    # The stored choice leads: a change made on another page (or another replica) shows here.
    st.session_state[key] = tz
    container.selectbox(
        label,
        timezones.all_zones(),
        key=key,
        on_change=_save,
        args=(user, key),
        help=f"Now {why}. A change is remembered for your next visits.",
    )
    if browser and browser != tz:
        container.button(
            f"Use my browser's zone ({browser})",
            type="tertiary",
            key=f"{key}_browser",
            on_click=_forget,
            args=(user,),
        )
    return tz


def _save(user: User, key: str) -> None:
    timezones.save_viewer_zone(connection(), actor=user, tz=st.session_state[key])


def _forget(user: User) -> None:
    timezones.save_viewer_zone(connection(), actor=user, tz=None)

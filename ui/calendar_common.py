"""Shared pieces of the calendar page: escaping, time labels and the picked occurrence."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core import timezones

NETWORK = "(network-wide)"


def when(row, viewer_tz: str) -> str:
    return timezones.span_label(
        row["starts_utc"], row["ends_utc"], row["tz"], viewer_tz, all_day=bool(row["all_day"])
    )


def occurrence_key(event_id: int, starts: datetime) -> str:
    return f"{int(event_id)}|{pd.Timestamp(starts):%Y%m%dT%H%M%S}"


def select_event(event_id: int, starts: datetime) -> None:
    st.session_state["calendar_pick_next"] = occurrence_key(event_id, starts)

"""Calendar filters in a lazy popover: one click away, their widgets built only while it is open.

The values live in session state for the whole session (`persist_state="session"`), so they apply
while the popover is closed and come back when the user returns to the calendar.
"""

from __future__ import annotations

import streamlit as st

from core import events
from ui.calendar_common import NETWORK

KEYS = {
    "workstreams": "calendar_filter_workstream",
    "kinds": "calendar_filter_kind",
    "audiences": "calendar_filter_audience",
    "country": "calendar_filter_country",
    "text": "calendar_filter_text",
}

CLEARED = {
    KEYS["workstreams"]: [],
    KEYS["kinds"]: [],
    KEYS["audiences"]: [],
    KEYS["country"]: None,
    KEYS["text"]: "",
}


def current_filters() -> tuple:
    """Return the filters as load_occurrences takes them, from the widgets' kept values."""
    get = st.session_state.get
    return (
        tuple(get(KEYS["workstreams"]) or ()),
        tuple(get(KEYS["kinds"]) or ()),
        tuple(get(KEYS["audiences"]) or ()),
        get(KEYS["country"]),
        (get(KEYS["text"]) or "").strip(),
    )


def describe(filters: tuple, champion_names: dict) -> list[str]:
    """Say in words which filters are on, for the caption under the view."""
    workstreams, kinds, audiences, country, text = filters
    said = []
    if workstreams:
        said.append("workstream " + ", ".join(ws or NETWORK for ws in workstreams))
    if kinds:
        said.append("kind " + ", ".join(events.EVENT_KINDS[k] for k in kinds))
    if audiences:
        said.append("audience " + ", ".join(events.AUDIENCES[a] for a in audiences))
    if country is not None:
        said.append(f"{champion_names.get(country, country)} invited")
    if text:
        said.append(f'text "{text}"')
    return said


def render_filters(container, choices: dict) -> tuple:
    """Draw the Filters popover in `container`; return the filters in force."""
    champion_names = dict(choices["champions"])
    # A fixed label: a label that changed with the filters would close the popover on each change.
    # The caption under the view says which filters are on.
    with container.popover(
        "Filters",
        icon=":material/filter_list:",
        key="calendar_filters_open",
        on_change="rerun",
        width="stretch",
    ) as box:
        if box.open:
            st.multiselect(
                "Workstream",
                [""] + [ws for ws, _ in choices["workstreams"]],
                format_func=lambda ws: ws or NETWORK,
                key=KEYS["workstreams"],
                persist_state="session",
            )
            st.multiselect(
                "Kind",
                list(events.EVENT_KINDS),
                format_func=events.EVENT_KINDS.get,
                key=KEYS["kinds"],
                persist_state="session",
            )
            st.multiselect(
                "Audience",
                list(events.AUDIENCES),
                format_func=events.AUDIENCES.get,
                key=KEYS["audiences"],
                persist_state="session",
            )
            st.selectbox(
                "Champion country invited",
                [None, *champion_names],
                format_func=lambda m: "Any" if m is None else champion_names[m],
                key=KEYS["country"],
                persist_state="session",
            )
            st.text_input("Text", key=KEYS["text"], persist_state="session")
            st.button("Clear filters", key="calendar_filters_clear", on_click=_clear)
    return current_filters()


def _clear() -> None:
    st.session_state.update(CLEARED)

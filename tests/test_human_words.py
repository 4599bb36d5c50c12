"""Every page under every role, in people's words: no visible column header or widget label is a
code name (snake_case), and no table cell reads "None"."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from core.permissions import pages_for
from tests.conftest import APP, DEMO_USERNAMES, demo_user, login

CODE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
LABELLED = ("selectbox", "multiselect", "text_input", "number_input", "date_input", "checkbox",
            "radio", "text_area", "slider", "toggle", "button")  # fmt: skip


def _problems(at, page: str) -> list[str]:
    found = []
    for frame in at.dataframe:
        df = frame.value
        config = json.loads(frame.proto.columns or "{}")
        order = list(frame.proto.column_order)
        names = [str(c) for c in df.columns]
        if not (config.get("_index") or {}).get("hidden"):
            names += [str(n) for n in df.index.names if n]
        for name in names:
            cfg = config.get(name) or {}
            if cfg.get("hidden") or (order and name not in order):
                continue  # not shown
            shown_as = cfg.get("label") or name  # column_config relabels what the grid shows
            if CODE.match(shown_as):
                found.append(f"{page}: column {shown_as!r}")
        text = df.astype(str)
        if (text == "None").to_numpy().any():
            found.append(f"{page}: a cell reads 'None' in {list(df.columns)[:4]}")
    for kind in LABELLED:
        for widget in at.get(kind):
            label = getattr(widget, "label", "") or ""
            if CODE.match(label) or label == "None":
                found.append(f"{page}: {kind} labelled {label!r}")
    return found


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_page_speaks_in_peoples_words(app_env, username):
    from core.db import open_database

    con = open_database(app_env)
    try:
        pages = pages_for(demo_user(con, username))
    finally:
        con.close()
    at = login(AppTest.from_file(APP, default_timeout=60).run(), username)
    problems = []
    for page in pages:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        problems += _problems(at, page)
        # Each lazy tab of the page (only the open one runs), opened as a click would.
        labels = [t.label for t in at.tabs] if f"{page}_tab" in at.session_state else []
        for label in labels[1:]:
            at.session_state[f"{page}_tab"] = label
            at.run()
            assert not at.exception, (page, label, [e.message for e in at.exception])
            problems += _problems(at, f"{page} / {label}")
        if labels:
            at.session_state[f"{page}_tab"] = labels[0]
    assert not problems, problems

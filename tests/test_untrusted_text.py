"""Text typed by people or read from files is shown as text on every page, under every role.

Every text field of the demo data gets hostile Markdown appended (links, images, HTML, emphasis,
code, autolinks, Streamlit's colour and icon codes, LaTeX); link addresses become `javascript:`
or addresses that try to break out of a link. Every page is then run under every role with every
tab opened and its keyed expanders open, and every string Streamlit renders as Markdown (bodies,
captions, headings, alerts, labels, help, radio options) is rendered with markdown-it (CommonMark
with GitHub's autolinks). The test fails if a marker of the hostile text ends up inside a link,
an image, formatting or code, or if a Streamlit-only code is left unescaped.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from core.demo import DEMO_PASSWORDS
from core.permissions import PAGE_ROLES
from tests.conftest import APP, DEMO_USERNAMES, PAGES
from tests.hostile import make_hostile
from tests.test_pages import ROLE_OF

MD = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "strikethrough", "table"])


@pytest.fixture(scope="module")
def hostile_db(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "actionplan.duckdb"
    shutil.copyfile(demo_template, path)
    make_hostile(path)
    return path


@pytest.fixture
def hostile_env(hostile_db, tmp_path, monkeypatch):
    db = tmp_path / "actionplan.duckdb"
    shutil.copyfile(hostile_db, db)
    monkeypatch.setenv("ACTIONPLAN_DB", str(db))
    monkeypatch.setenv("ACTIONPLAN_COOKIE_KEY", "hostile-test-key-" + "k" * 32)
    monkeypatch.setenv("ACTIONPLAN_DEMO", "1")
    monkeypatch.setenv("ACTIONPLAN_SECRETS", str(tmp_path / "no-secrets.toml"))
    return db


class _Rendered(HTMLParser):
    """The text a reader sees, and any link or image the hostile text made."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for _, value in attrs:
            if value and ("ZQ" in value or "evil" in value):
                self.found.append(f"<{tag}> made from {value!r}")
        if tag == "img":
            self.found.append(f"an image {dict(attrs)}")
        elif tag not in ("br", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)
        if "ZQ" in data and "a" in self.stack:
            self.found.append(f"{data.strip()!r} inside a link")


# Each construct must reach the reader as its own characters (formatting the app itself puts
# around a value is fine; the value's own syntax must not take effect).
LITERALS = {
    "ZQB": "**ZQB**",
    "ZQL": "[ZQL](https://evil.example/l)",
    "ZQI": "![ZQI](https://evil.example/i.png)",
    "ZQH": "<b>ZQH</b>",
    "ZQE": "_ZQE_",
    "ZQC": "`ZQC`",
    "ZQD": "~~ZQD~~",
}


# A Streamlit code that markdown-it does not know, left unescaped.
_STREAMLIT_CODES = re.compile(r"(?<!\\):red\[ZQR|(?<!\\)\$ZQX|(?<!\\):material/bolt")


_GFM_AUTOLINK = re.compile(
    r"(?i)(?:https?://|www(?=\.))[-.\w]+|(?<![^\s\W])[-.\w+]+@[-\w]+(?:\.[-\w]+)+"
)


def _problems(markdown: str) -> list[str]:
    if "ZQ" not in markdown and "evil" not in markdown:
        return []
    parser = _Rendered()
    parser.feed(MD.render(markdown))
    problems = list(parser.found)
    seen = " ".join(parser.text)
    # Streamlit's renderer (remark-gfm) links bare addresses found in the resolved text, which
    # markdown-it's token-level linkify misses after escapes: look for them as it does.
    problems += [f"{m.group(0)!r} would be linked" for m in _GFM_AUTOLINK.finditer(seen)]
    problems += [
        f"{literal!r} was rendered as formatting"
        for marker, literal in LITERALS.items()
        if marker in seen
        and literal not in seen.replace("\u2060", "")  # the word joiner is invisible
    ]
    problems += [f"unescaped {m.group(0)!r}" for m in _STREAMLIT_CODES.finditer(markdown)]
    return problems


def _markdown_strings(node, out: list[tuple[str, str]]) -> None:
    """Every string of the tree that Streamlit renders as Markdown, with its element type."""
    proto = getattr(node, "proto", None)
    kind = type(node).__name__
    if proto is not None:
        if kind in ("Text", "Code", "Json"):
            return  # shown as plain text by Streamlit
        for field in ("body", "label", "help", "placeholder"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                out.append((f"{kind}.{field}", value))
        fields = _fields(proto) if hasattr(proto, "DESCRIPTOR") else set()
        for inner in ("expandable", "tab", "popover"):
            if inner in fields and proto.HasField(inner):
                label = getattr(getattr(proto, inner), "label", "")
                if label:
                    out.append((f"{kind}.{inner}.label", label))
        if kind == "Radio":
            out += [("Radio.option", o) for o in proto.options]
    for child in getattr(node, "children", {}).values():
        _markdown_strings(child, out)


def _fields(proto) -> set[str]:
    return {f.name for f in proto.DESCRIPTOR.fields}


def _check(at, where: str) -> list[str]:
    assert not at.exception, (where, [e.message for e in at.exception])
    strings: list[tuple[str, str]] = []
    for root in (at.main, at.sidebar):
        _markdown_strings(root, strings)
    return [
        f"{where}: {kind} {value[:90]!r}: {p}" for kind, value in strings for p in _problems(value)
    ]


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _expander_keys(at) -> list[str]:
    return [e.key for e in at.expander if getattr(e, "key", None)]


def _open_everything(at, where: str, problems: list[str]) -> None:
    """Open every keyed expander of the current view, rerun and check."""
    keys = _expander_keys(at)
    for key in keys:
        at.session_state[key] = True
    if keys:
        at.run()
        problems += _check(at, where + " (expanders open)")


TABS = {
    page: f"{page}_tab"
    for page in ("calendar", "pipeline", "champions", "meetings", "bookings", "admin")
}
VIEWS = {"calendar": "calendar_view", "engagement": "engagement_view"}


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_hostile_text_never_becomes_a_link_an_image_or_formatting(hostile_env, username):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(DEMO_PASSWORDS[username])
    at.button(key="login_submit").click().run()
    problems = _check(at, f"{username} logging in")  # "Logged in as <name>"
    at.run()
    problems += _check(at, f"{username} home")
    role = ROLE_OF[username]
    for page in [p for p in PAGES if role in PAGE_ROLES[p]]:
        at.switch_page(f"pages/{page}.py").run()
        where = f"{username} {page}"
        problems += _check(at, where)
        _open_everything(at, where, problems)
        tab_key = TABS.get(page)
        labels = [t.label for t in at.tabs] if tab_key else []
        for label in labels[1:]:
            at.session_state[tab_key] = label
            at.run()
            problems += _check(at, f"{where} tab {label}")
            _open_everything(at, f"{where} tab {label}", problems)
        if page == "calendar":
            # An event's detail: its title, description, place, agenda, materials and forms.
            picker = at.selectbox(key="calendar_event_pick")
            for index in range(1, min(len(picker.options), 4)):
                at.selectbox(key="calendar_event_pick").select_index(index).run()
                problems += _check(at, f"{where} event {index}")
                _open_everything(at, f"{where} event {index}", problems)
        if page in VIEWS:
            radio = at.radio(key=VIEWS[page])
            for option in radio.options[1:]:
                at.radio(key=VIEWS[page]).set_value(option).run()
                problems += _check(at, f"{where} view {option}")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_what_a_user_types_is_shown_as_text_in_the_message_after_saving(app_env):
    """The flash after a save, and a refusal quoting the input, name the typed text as text."""
    from datetime import date, datetime

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_username").input("secretariat")
    at.text_input(key="login_password").input(DEMO_PASSWORDS["secretariat"])
    at.button(key="login_submit").click().run()
    at.run()
    at.switch_page("pages/calendar.py").run()
    at.session_state["calendar_tab"] = "New event"
    at.run()
    at.text_input(key="calendar_new_title").input(
        "Typed **ZQB** [ZQL](https://evil.example/l) ![ZQI](https://evil.example/i.png) _ZQE_"
    )
    today = date.today()
    at.date_input(key="calendar_new_start_day").set_value(today)
    at.date_input(key="calendar_new_end_day").set_value(today)
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 10, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 11, 0).time())
    at.button(key="calendar_new_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    flashes = [s.value for s in at.success]
    assert any("Typed" in f for f in flashes), flashes
    assert not [p for f in flashes for p in _problems(f)]

"""AppTest of the calendar page: only what the user looks at runs (tabs and expanders are lazy)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from streamlit.testing.v1 import AppTest

from core import events
from core.db import open_database
from tests.conftest import APP, demo_user, login, shown
from ui.calendar_detail import expander_key


@pytest.fixture
def calendar_env(app_env, monkeypatch):
    return app_env


def _open(username: str, **query: str) -> AppTest:
    """Log in, then open the calendar as a (bookmarked) link with these query parameters would."""
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _keys(widgets) -> set[str]:
    return {w.key for w in widgets if w.key}


def _new_event_form(at) -> set[str]:
    return {k for k in _keys(at.text_input) | _keys(at.button) if k.startswith("calendar_new_")}


def _event(db_path, title: str, day: int) -> int:
    """Create a CWG-2.2 meeting on `day` March 2030, 15:00-16:00 Zurich; return its id."""
    con = open_database(db_path)
    try:
        return events.create_event(
            con,
            actor=demo_user(con, "secretariat"),
            event_in=events.EventIn(
                title=title,
                kind="technical_meeting",
                audience="champions",
                workstream_id="CWG-2.2",
                tz="Europe/Zurich",
                start_local=datetime(2030, 3, day, 15, 0),
                end_local=datetime(2030, 3, day, 16, 0),
            ),
        )
    finally:
        con.close()


def _pick(at, title_part: str) -> AppTest:
    box = at.selectbox(key="calendar_event_pick")
    index = next(i for i, label in enumerate(box.options) if title_part in label)
    return box.select_index(index).run()


def test_the_new_event_and_import_forms_run_only_when_their_tab_is_opened(calendar_env):
    at = _open("secretariat")
    assert [t.label for t in at.tabs] == ["Subscribe", "New event", "Import .ics"]
    # First visit: the Subscribe tab is drawn, the event form and the uploader are not.
    assert "calendar_feed_create" in _keys(at.button)
    assert not _new_event_form(at)
    assert not at.get("file_uploader")
    at.session_state["calendar_tab"] = "New event"
    at.run()
    assert {"calendar_new_title", "calendar_new_location", "calendar_new_submit"} <= (
        _new_event_form(at)
    )
    assert "calendar_feed_create" not in _keys(at.button)
    assert not at.get("file_uploader")
    at.session_state["calendar_tab"] = "Import .ics"
    at.run()
    assert len(at.get("file_uploader")) == 1
    assert not _new_event_form(at)
    assert "calendar_feed_create" not in _keys(at.button)


def test_a_link_with_the_tab_in_its_address_opens_that_tab(calendar_env):
    at = _open("lead_cwg22", calendar_tab="New event")
    assert at.session_state["calendar_tab"] == "New event"
    assert "calendar_new_title" in _new_event_form(at)
    assert "calendar_feed_create" not in _keys(at.button)


def test_a_link_to_a_tab_the_role_does_not_have_opens_nothing(calendar_env):
    at = _open("viewer", calendar_tab="New event")
    assert [t.label for t in at.tabs] == ["Subscribe"]
    assert not _new_event_form(at)
    assert "calendar_feed_create" in _keys(at.button)


def test_an_events_forms_run_only_when_their_expander_is_opened(calendar_env):
    event_id = _event(calendar_env, "Lazy peer exchange", 4)
    at = _open("secretariat")
    at.date_input(key="calendar_date").set_value(date(2030, 3, 4)).run()
    _pick(at, "Lazy peer exchange")
    labels = [e.label for e in at.expander]
    assert {"Edit this event", "Agenda items", "Set the join details"} <= set(labels)
    forms = {
        "edit": "calendar_edit_title",
        "agenda": "calendar_agenda_title",
        "join": f"calendar_join_{event_id}_url",
    }
    assert not set(forms.values()) & _keys(at.text_input)
    for name, widget in forms.items():
        at.session_state[expander_key(name, event_id)] = True
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert widget in _keys(at.text_input), name
    assert set(forms.values()) <= _keys(at.text_input)


def test_picking_another_event_never_shows_the_edit_form_of_the_one_before(calendar_env):
    first = _event(calendar_env, "First lazy meeting", 4)
    second = _event(calendar_env, "Second lazy meeting", 5)
    at = _open("secretariat")
    at.date_input(key="calendar_date").set_value(date(2030, 3, 4)).run()
    _pick(at, "First lazy meeting")
    at.session_state[expander_key("edit", first)] = True
    at.run()
    assert at.text_input(key="calendar_edit_title").value == "First lazy meeting"
    _pick(at, "Second lazy meeting")
    # The other event's forms start closed, and open with that event's own values.
    assert "calendar_edit_title" not in _keys(at.text_input)
    at.session_state[expander_key("edit", second)] = True
    at.run()
    assert at.text_input(key="calendar_edit_title").value == "Second lazy meeting"
    assert at.date_input(key="calendar_edit_start_day").value == date(2030, 3, 5)


def test_a_link_with_the_view_in_its_address_opens_that_view(calendar_env):
    at = _open("viewer", calendar_view="Year")
    assert at.radio(key="calendar_view").value == "Year"
    assert any("at a glance" in shown(h.value) for h in at.subheader)
    assert not any("Week of" in shown(h.value) for h in at.subheader)

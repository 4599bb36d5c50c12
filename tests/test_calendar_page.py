"""AppTest of the calendar page: views, filters, detail, editing by role, feeds."""

from __future__ import annotations

import json
from datetime import date, datetime

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core import events
from core.db import open_database
from tests.conftest import APP, login


@pytest.fixture
def calendar_env(app_env, monkeypatch):
    monkeypatch.setenv("ACTIONPLAN_FEED_PORT", "off")
    return app_env


def _open(username: str) -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _table(at, column: str):
    """Return the first table on the page that has the column (tables are found by content)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _pick(at, title_part: str) -> AppTest:
    box = at.selectbox(key="calendar_event_pick")
    index = next(i for i, label in enumerate(box.options) if title_part in label)
    return box.select_index(index).run()


def test_every_view_renders_with_today_marked(calendar_env):
    at = _open("viewer")
    # Month grid: a cell per day, today's says so.
    assert any("today" in m.value for m in at.markdown)
    at.radio(key="calendar_view").set_value("Week").run()
    assert not at.exception
    assert _charts(at), "the week view draws an Altair chart"
    at.radio(key="calendar_view").set_value("Agenda").run()
    assert _table(at, "repeats").shape[0] > 0
    at.radio(key="calendar_view").set_value("Year").run()
    (spec,) = _charts(at)
    layers = spec["layer"]
    assert layers[1]["mark"]["type"] == "rule" and layers[1]["mark"]["strokeDash"]
    (chart,) = at.get("vega_lite_chart")
    data = next(d for d in chart.proto.datasets if d.name == layers[0]["data"]["name"])
    lanes = set(pa.ipc.open_stream(data.data.data).read_all().column("lane").to_pylist())
    # One lane per workstream that has events this year, plus the network-wide lane.
    assert {"CWG-2.2", "TW-ATD", "TW-MM", "(network-wide)"} <= lanes


def test_filters_narrow_the_agenda(calendar_env):
    at = _open("viewer")
    at.radio(key="calendar_view").set_value("Year").run()
    at.radio(key="calendar_view").set_value("Agenda").run()
    at.date_input(key="calendar_date").set_value(date(date.today().year, 1, 1)).run()
    everything = _table(at, "repeats")
    at.multiselect(key="calendar_filter_kind").set_value(["ec_meeting"]).run()
    only_ec = _table(at, "repeats")
    assert 0 < len(only_ec) < len(everything)
    assert set(only_ec["kind"]) == {"EC meeting"}
    at.multiselect(key="calendar_filter_kind").set_value([]).run()
    at.text_input(key="calendar_filter_text").input("webinar").run()
    assert all("webinar" in t.lower() for t in _table(at, "repeats")["title"])


def test_event_detail_shows_agenda_capitals_and_join_details_only_to_staff(calendar_env):
    for username, sees_join in (("secretariat", True), ("viewer", False)):
        at = _open(username)
        at.date_input(key="calendar_date").set_value(date(2021, 2, 26)).run()
        _pick(at, "Technical meeting with Champions")
        assert not at.exception, [e.message for e in at.exception]
        text = " ".join(m.value for m in at.markdown)
        assert "15:00 CET" in text and "Who may join" in text
        agenda = _table(at, "presenter")
        assert agenda["time"].iloc[0].startswith("15:00 CET")
        capitals = _table(at, "working hours").set_index("country")
        assert capitals.loc["Thailand", "working hours"] == "outside 08:00-18:00"
        expanders = [e.label for e in at.expander]
        assert ("Join details (invited participants only)" in expanders) is sees_join
        assert any(b.key == "calendar_cancel" for b in at.button) is sees_join


def test_viewer_sees_no_editing_and_lead_only_their_workstream(calendar_env):
    viewer = _open("viewer")
    assert [t.label for t in viewer.tabs] == ["Subscribe"]
    lead = _open("lead_cwg22")
    assert [t.label for t in lead.tabs] == ["Subscribe", "New event", "Import .ics"]
    assert lead.selectbox(key="calendar_new_workstream").options == [
        "CWG-2.2: GCM National Implementation Plans"
    ]


def test_creating_an_event_in_the_form_lands_in_the_month_grid_and_the_audit_log(calendar_env):
    at = _open("secretariat")
    at.text_input(key="calendar_new_title").input("Côte d'Ivoire peer exchange <b>bold</b>")
    at.selectbox(key="calendar_new_kind").set_value("peer_learning")
    at.selectbox(key="calendar_new_tz").set_value("Africa/Abidjan")
    today = date.today()
    at.date_input(key="calendar_new_start_day").set_value(today)
    at.date_input(key="calendar_new_end_day").set_value(today)
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 10, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 11, 0).time())
    at.button(key="calendar_new_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("Created" in s.value for s in at.success)
    labels = [b.label for b in at.button if (b.key or "").startswith("calendar_open_")]
    assert any("peer exchange" in label for label in labels)
    # The title is shown as typed: markup escaped, never rendered.
    assert any("\\<b\\>bold\\</b\\>" in label for label in labels)
    con = open_database(calendar_env)
    try:
        row = con.execute(
            "SELECT username, action FROM audit_log WHERE entity = 'event' ORDER BY audit_id DESC"
        ).fetchone()
        assert row == ("secretariat", "create")
    finally:
        con.close()


def test_a_wrong_form_says_what_is_wrong_in_the_users_terms(calendar_env):
    at = _open("secretariat")
    at.text_input(key="calendar_new_title").input("Backwards meeting")
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 16, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 15, 0).time())
    at.button(key="calendar_new_submit").click().run()
    assert any("before or when it starts" in e.value for e in at.error)


def test_a_user_creates_and_revokes_a_feed(calendar_env):
    at = _open("viewer")
    at.button(key="calendar_feed_create").click().run()
    (code,) = at.code
    assert code.value.startswith("http://localhost:8502/feed/") and code.value.endswith(".ics")
    revoke = [b for b in at.button if (b.key or "").startswith("calendar_feed_revoke_")]
    assert len(revoke) == 1
    revoke[0].click().run()
    assert not [b for b in at.button if (b.key or "").startswith("calendar_feed_revoke_")]
    con = open_database(calendar_env)
    try:
        token = code.value.rsplit("/", 1)[1].removesuffix(".ics")
        from core.feeds import feed_calendar

        assert feed_calendar(con, token, demo_mode=True) is None
        assert events.list_all_event_ids(con)
    finally:
        con.close()

"""The calendar as people expect it: previous / next / today, the viewer's own zone and today,
a week time grid, "+N more" in the month grid, a picked event that survives its own edit, and
one event per filling of the create form."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import events, timezones
from core.db import open_database
from tests.conftest import APP, demo_user, login, shown
from ui.calendar_detail import expander_key
from ui.calendar_views import period, step, week_pieces


def _open(username: str) -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _headings(at) -> list[str]:
    return [shown(h.value) for h in at.subheader]


def _stage(db_path, title: str, start: datetime, minutes: int = 60) -> int:
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
                start_local=start,
                end_local=start + pd.Timedelta(minutes=minutes),
            ),
        )
    finally:
        con.close()


def test_steps_move_by_the_views_period_and_keep_the_day_inside_the_month():
    assert step("Month", date(2030, 1, 31), 1) == date(2030, 2, 28)
    assert step("Month", date(2030, 1, 15), -1) == date(2029, 12, 15)
    assert step("Week", date(2030, 3, 4), -1) == date(2030, 2, 25)
    assert step("Year", date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert period("Week", step("Week", date(2030, 3, 6), 1)) == (
        date(2030, 3, 11),
        date(2030, 3, 18),
    )


def test_previous_next_and_today_buttons_move_the_calendar(app_env):
    at = _open("viewer")
    today = timezones.today_in("Europe/Zurich")  # no browser zone in AppTest: the default
    assert f"{today:%B %Y}" in _headings(at)
    at.button(key="calendar_next").click().run()
    after = step("Month", today, 1)
    assert f"{after:%B %Y}" in _headings(at)
    assert at.date_input(key="calendar_date").value == after
    at.button(key="calendar_prev").click().run()
    at.button(key="calendar_prev").click().run()
    assert f"{step('Month', today, -1):%B %Y}" in _headings(at)
    at.radio(key="calendar_view").set_value("Week").run()
    assert at.button(key="calendar_next").label == "Next week"
    at.button(key="calendar_today").click().run()
    monday, _ = period("Week", today)
    assert any(f"Week of {monday:%d %b %Y}" in h for h in _headings(at))
    assert not at.exception


def test_today_is_the_viewers_date_not_the_servers():
    late = datetime(2030, 3, 4, 20, 30)  # UTC: already 5 March in Bangkok, still 4th in Bogota
    assert timezones.today_in("Asia/Bangkok", now_utc=late) == date(2030, 3, 5)
    assert timezones.today_in("America/Bogota", now_utc=late) == date(2030, 3, 4)


@pytest.fixture
def con(store):
    return store


def test_the_viewer_zone_is_the_saved_one_else_the_browsers(con):
    assert timezones.viewer_zone(con, username="viewer", browser_tz="Asia/Bangkok") == (
        "Asia/Bangkok",
        "your browser's zone",
    )
    assert timezones.viewer_zone(con, username="viewer", browser_tz="Not/AZone")[0] == (
        "Europe/Zurich"
    )
    timezones.save_viewer_zone(con, actor=demo_user(con, "viewer"), tz="America/Bogota")
    assert timezones.viewer_zone(con, username="viewer", browser_tz="Asia/Bangkok") == (
        "America/Bogota",
        "your saved choice",
    )
    with pytest.raises(timezones.UnknownZone, match="not a time zone"):
        timezones.save_viewer_zone(con, actor=demo_user(con, "viewer"), tz="Mars/Olympus")
    timezones.save_viewer_zone(con, actor=demo_user(con, "viewer"), tz=None)
    assert timezones.viewer_zone(con, username="viewer", browser_tz=None)[0] == "Europe/Zurich"


def test_a_chosen_zone_is_remembered_for_the_next_visit(app_env):
    at = _open("viewer")
    at.selectbox(key="calendar_viewer_tz").set_value("Asia/Bangkok").run()
    assert not at.exception
    again = _open("viewer")  # a new session of the same person
    assert again.selectbox(key="calendar_viewer_tz").value == "Asia/Bangkok"
    other = _open("secretariat")
    assert other.selectbox(key="calendar_viewer_tz").value == "Europe/Zurich"


def test_a_browser_zone_is_the_default_and_a_chosen_zone_can_go_back_to_it(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["timezone"] = "Asia/Bangkok"
    at = login(at.run(), "viewer")
    at.switch_page("pages/calendar.py").run()
    assert at.selectbox(key="calendar_viewer_tz").value == "Asia/Bangkok"
    assert any("Times in Asia/Bangkok." in shown(c.value) for c in at.caption)
    assert not [b for b in at.button if b.key == "calendar_viewer_tz_browser"]
    at.selectbox(key="calendar_viewer_tz").set_value("America/Bogota").run()
    back = at.button(key="calendar_viewer_tz_browser")
    assert back.label == "Use my browser's zone (Asia/Bangkok)"
    back.click().run()
    assert at.selectbox(key="calendar_viewer_tz").value == "Asia/Bangkok"
    assert not [b for b in at.button if b.key == "calendar_viewer_tz_browser"]


def test_the_week_grid_places_events_by_time_side_by_side_when_they_overlap():
    frame = pd.DataFrame(
        {
            "starts_utc": [datetime(2030, 3, 4, 14), datetime(2030, 3, 4, 14, 30),
                           datetime(2030, 3, 4, 17), datetime(2030, 3, 5, 22)],
            "ends_utc": [datetime(2030, 3, 4, 15), datetime(2030, 3, 4, 16),
                         datetime(2030, 3, 4, 18), datetime(2030, 3, 6, 1)],
            "title": ["A", "B", "C", "Late"],
            "tz": "Europe/Zurich",
            "all_day": False,
            "kind_label": "Technical meeting",
        }
    )  # fmt: skip
    days = [date(2030, 3, 4 + i) for i in range(7)]
    pieces = week_pieces(frame, days, "Europe/Zurich").set_index("label")
    assert pieces.loc["15:00 A", ["from", "to", "col", "cols"]].tolist() == [15.0, 16.0, 0, 2]
    assert pieces.loc["15:30 B", ["from", "to", "col"]].tolist() == [15.5, 17.0, 1]
    assert pieces.loc["18:00 C", "col"] == 0  # after A ended: back in the first column
    # An event past midnight is drawn on both days.
    assert pieces.loc["23:00 Late", ["day", "from", "to"]].tolist() == ["Tue 05 Mar", 23.0, 24.0]
    assert pieces.loc["00:00 Late", ["day", "from", "to"]].tolist() == ["Wed 06 Mar", 0.0, 2.0]


def test_a_crowded_day_says_how_many_more_and_opens_its_week(app_env):
    for hour in range(8, 14):
        _stage(app_env, f"Crowded {hour}", datetime(2030, 3, 6, hour))
    at = _open("viewer")
    at.date_input(key="calendar_date").set_value(date(2030, 3, 6)).run()
    more = at.button(key="calendar_more_20300306")
    assert more.label == "+2 more"
    more.click().run()
    assert at.radio(key="calendar_view").value == "Week"
    assert any("Week of 04 Mar 2030" in h for h in _headings(at))


def test_the_picked_event_stays_open_after_its_title_is_edited(app_env):
    event_id = _stage(app_env, "Before the rename", datetime(2030, 3, 4, 15))
    at = _open("secretariat")
    at.date_input(key="calendar_date").set_value(date(2030, 3, 4)).run()
    box = at.selectbox(key="calendar_event_pick")
    box.select_index(next(i for i, o in enumerate(box.options) if "Before the rename" in o)).run()
    at.session_state[expander_key("edit", event_id)] = True
    at.run()
    at.text_input(key="calendar_edit_title").input("After the rename")
    at.button(key="calendar_edit_submit").click().run()
    assert not at.exception
    assert "After the rename" in _headings(at)
    at.radio(key="calendar_view").set_value("Agenda").run()  # the next click, anywhere
    assert "After the rename" in _headings(at)
    at.radio(key="calendar_view").set_value("Month").run()
    assert "After the rename" in _headings(at)


def _fill_new_event(at, title: str) -> None:
    at.text_input(key="calendar_new_title").input(title)
    at.date_input(key="calendar_new_start_day").set_value(date(2030, 3, 7))
    at.date_input(key="calendar_new_end_day").set_value(date(2030, 3, 7))


def _count(db_path, title: str) -> int:
    con = open_database(db_path)
    try:
        return con.execute("SELECT count(*) FROM events WHERE title = ?", [title]).fetchone()[0]
    finally:
        con.close()


def test_one_filling_of_the_create_form_makes_one_event_however_often_it_is_sent(app_env):
    at = _open("secretariat")
    at.session_state["calendar_tab"] = "New event"
    at.run()
    _fill_new_event(at, "Sent twice")
    token = at.session_state["calendar_form_token_calendar_new"]
    at.button(key="calendar_new_submit").click().run()
    assert any("Created 'Sent twice'" in shown(s.value) for s in at.success)
    # The form is empty again: a second click asks for a title instead of making a copy.
    assert at.text_input(key="calendar_new_title").value == ""
    # The same filling arriving again (a double click overtaking the first run's answer).
    at.session_state["calendar_form_token_calendar_new"] = token
    _fill_new_event(at, "Sent twice")
    at.button(key="calendar_new_submit").click().run()
    assert not at.exception
    assert _count(app_env, "Sent twice") == 1
    # A new filling is a new event, even with the same words.
    _fill_new_event(at, "Sent twice")
    at.button(key="calendar_new_submit").click().run()
    assert _count(app_env, "Sent twice") == 2

"""The Overview tells a planning meeting what is coming and what needs attention."""

from streamlit.testing.v1 import AppTest

from core import timezones
from core.db import open_database
from tests.conftest import APP, demo_user, login, shown


def test_overview_names_the_geographic_gaps_and_late_products(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "ec_undp")
    assert at.title[0].value == "Overview"
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "No Champion in Oceania." in text  # M49 regions: Oceania has none
    assert "Under-represented" in text
    assert any(s.value.startswith("Champions not engaged") for s in at.subheader)
    late = [df for df in at.dataframe if "why" in df.value.columns]
    assert late and len(late[0].value) >= 1


def test_a_viewer_sees_no_engagement_list_on_the_overview(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "viewer")
    assert not any(s.value.startswith("Champions not engaged") for s in at.subheader)


def test_next_events_are_labelled_in_words_and_timed_in_the_viewers_zone(app_env):
    con = open_database(app_env)
    try:
        timezones.save_viewer_zone(con, actor=demo_user(con, "viewer"), tz="Asia/Bangkok")
    finally:
        con.close()
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "viewer")
    upcoming = next(df.value for df in at.dataframe if "When" in df.value.columns)
    assert list(upcoming.columns) == ["When", "Title", "Kind"]
    assert upcoming["When"].str.contains("ICT").any()  # Bangkok's time beside the event's own
    assert any("(Asia/Bangkok)" in shown(c.value) for c in at.caption)

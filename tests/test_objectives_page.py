"""The Overview's GCM objectives tab and its planning-brief button, under AppTest."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login, shown


def _coverage(username: str) -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=60).run(), username)
    at.session_state["overview_tab"] = "GCM objectives"
    at = at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_coverage_tab_names_the_gaps_draws_the_heatmap_and_filters(app_env):
    at = _coverage("secretariat")
    assert any(s.value == "GCM objectives coverage" for s in at.subheader)
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "no product in the pipeline and no Champion engaged in the last 12 months" in text
    keys = {w.key for w in at.selectbox}
    assert {"coverage_year", "coverage_workstream", "coverage_region"} <= keys
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")
    at.selectbox(key="coverage_objective").set_value(13).run()
    products = [df.value for df in at.dataframe if "Product" in df.value.columns]
    assert products and products[0]["Workstream"].eq("TW-ATD").any()
    champions = [df.value for df in at.dataframe if "Champion" in df.value.columns]
    assert champions and len(champions[0]) >= 1
    at.selectbox(key="coverage_workstream").set_value("TW-MM").run()
    assert not at.exception
    assert any("workstream TW-MM" in shown(c.value) for c in at.caption)


def test_a_viewer_sees_the_coverage_without_champions(app_env):
    at = _coverage("viewer")
    assert "coverage_region" not in {w.key for w in at.selectbox}
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "no product in the pipeline" in text and "Champion engaged" not in text
    at.selectbox(key="coverage_objective").set_value(13).run()
    assert not [df for df in at.dataframe if "Champion" in df.value.columns]


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils missing")
def test_the_brief_is_made_on_click_and_offered_as_a_pdf(app_env):
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "ec_undp")
    assert "overview_brief_download" not in {b.key for b in at.get("download_button")}
    at.button(key="overview_brief_make").click().run()
    assert not at.exception, [e.message for e in at.exception]
    downloads = at.get("download_button")
    assert any(getattr(d, "proto", None) and "brief" in str(d.proto) for d in downloads)


def test_a_lead_tags_their_product_from_the_pipeline_and_the_tag_is_kept(app_env):
    from core import objectives
    from core.db import open_database

    con = open_database(app_env)
    try:
        pid = int(
            con.scalar(
                "SELECT product_id FROM products WHERE title_en = :t",
                t="Practical note on reviewing national implementation plans (demo)",
            )
        )
    finally:
        con.close()
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "lead_cwg22")
    at.switch_page("pages/pipeline.py").run()
    at.session_state["pipeline_tab"] = "Product"
    at.session_state["pipeline_edit_tabs"] = "GCM objectives"
    at.run()
    at.selectbox(key="pipeline_product").set_value(pid).run()
    assert not at.exception, [e.message for e in at.exception]
    at.multiselect(key=f"pipeline_objectives_{pid}").set_value([1, 23])  # in the form
    at.button(key=f"pipeline_objectives_submit_{pid}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [shown(s.value) for s in at.success][-1] == "Objectives saved."
    con = open_database(app_env)
    try:
        assert objectives.row_objectives(con, kind="product", row_id=pid) == [1, 23]
    finally:
        con.close()


def test_a_lead_tags_a_consultation_window_of_their_product(app_env):
    from core import objectives
    from core.db import open_database

    title = "Training package on GCM national implementation plans (demo)"
    con = open_database(app_env)
    try:
        pid = int(con.scalar("SELECT product_id FROM products WHERE title_en = :t", t=title))
        cid = int(
            con.scalar("SELECT consultation_id FROM consultations WHERE product_id = :p", p=pid)
        )
    finally:
        con.close()
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "lead_cwg22")
    at.switch_page("pages/pipeline.py").run()
    at.session_state["pipeline_tab"] = "Product"
    at.session_state["pipeline_edit_tabs"] = "GCM objectives"
    at.run()
    at.selectbox(key="pipeline_product").set_value(pid).run()
    at.selectbox(key=f"pipeline_objectives_target_{pid}").set_value(("consultation", cid)).run()
    assert not at.exception, [e.message for e in at.exception]
    at.multiselect(key=f"pipeline_objectives_consultation_{cid}").set_value([16])
    at.button(key=f"pipeline_objectives_consultation_submit_{cid}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    con = open_database(app_env)
    try:
        assert objectives.row_objectives(con, kind="consultation", row_id=cid) == [16]
    finally:
        con.close()


def test_an_engagement_logged_by_hand_carries_the_objectives_chosen(app_env):
    from core import objectives
    from core.db import open_database

    at = login(AppTest.from_file(APP, default_timeout=60).run(), "secretariat")
    at.switch_page("pages/engagement.py").run()
    at.session_state["engagement_add_open"] = True
    at.run()
    at.multiselect(key="engagement_add_objectives").set_value([20])
    at.button(key="engagement_add_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(shown(s.value).startswith("Logged:") for s in at.success)
    con = open_database(app_env)
    try:
        newest = int(con.scalar("SELECT max(engagement_id) FROM engagements"))
        assert objectives.row_objectives(con, kind="engagement", row_id=newest) == [20]
    finally:
        con.close()


def test_a_new_product_carries_the_objectives_chosen_in_its_form(app_env):
    from core import objectives
    from core.db import open_database

    at = login(AppTest.from_file(APP, default_timeout=60).run(), "lead_cwg22")
    at.switch_page("pages/pipeline.py").run()
    at.session_state["pipeline_tab"] = "List"
    at.session_state["pipeline_add_open"] = True
    at.run()
    at.text_input(key="pipeline_new_title_en").input("Note on regular pathways (test)")
    at.multiselect(key="pipeline_new_objectives").set_value([5])
    at.button(key="pipeline_new_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    con = open_database(app_env)
    try:
        pid = int(
            con.scalar(
                "SELECT product_id FROM products WHERE title_en = :t",
                t="Note on regular pathways (test)",
            )
        )
        assert objectives.row_objectives(con, kind="product", row_id=pid) == [5]
    finally:
        con.close()


def test_a_new_event_carries_the_objectives_chosen_in_its_form(app_env):
    from datetime import date, datetime

    from core import objectives
    from core.db import open_database

    at = login(AppTest.from_file(APP, default_timeout=60).run(), "secretariat")
    at.switch_page("pages/calendar.py").run()
    at.session_state["calendar_tab"] = "New event"
    at.run()
    at.text_input(key="calendar_new_title").input("Objectives peer exchange (test)")
    today = date.today()
    at.date_input(key="calendar_new_start_day").set_value(today)
    at.date_input(key="calendar_new_end_day").set_value(today)
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 10, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 11, 0).time())
    at.multiselect(key="calendar_new_objectives").set_value([3, 16])
    at.button(key="calendar_new_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [shown(e.value) for e in at.error]
    con = open_database(app_env)
    try:
        event_id = int(
            con.scalar(
                "SELECT event_id FROM events WHERE title = :t", t="Objectives peer exchange (test)"
            )
        )
        assert objectives.row_objectives(con, kind="event", row_id=event_id) == [3, 16]
    finally:
        con.close()

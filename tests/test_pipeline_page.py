"""AppTest of the pipeline page: board, roadmap, filters, product view, edits by role."""

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core import pipeline
from core.db import open_database
from tests.conftest import APP, login, shown

PRACTICAL = "Practical note on reviewing national implementation plans (demo)"
ATD_MM = "Toolkit on searching for missing migrants (demo)"
GUIDE = "Guide to GCM focal points in UN country teams (demo)"


def open_pipeline(username: str) -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/pipeline.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def show(at, view: str, edit_tab: str | None = None) -> AppTest:
    """Open one of the page's views (tabs), and one of the product's edit tabs, as a click would."""
    at.session_state["pipeline_tab"] = view
    if edit_tab:
        at.session_state["pipeline_edit_tabs"] = edit_tab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def markdown_text(at) -> str:
    return "\n".join(shown(m.value) for m in at.markdown)


def table_with(at, column: str):
    """Return the first data frame on screen holding `column` (AppTest drops dataframe keys)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a {column!r} column on screen")


def product_id(db_path, title: str) -> int:
    con = open_database(db_path)
    try:
        return con.execute(
            "SELECT product_id FROM products WHERE title_en = ?", [title]
        ).fetchone()[0]
    finally:
        con.close()


def test_board_columns_show_each_stage_with_its_count(app_env):
    at = open_pipeline("viewer")
    text = markdown_text(at)
    con = open_database(app_env)
    counts = pipeline.board_counts(pipeline.list_products(con)).set_index("stage")["products"]
    con.close()
    for stage in pipeline.STAGES:
        assert f"**{pipeline.STAGE_LABELS[stage]}** · {counts[stage]}" in text
    assert f"**{PRACTICAL}**" in [shown(b.label) for b in at.button]


def test_clicking_a_card_opens_the_product(app_env):
    at = open_pipeline("viewer")
    pid = product_id(app_env, PRACTICAL)
    at.button(key=f"pipeline_card_{pid}").click().run()
    assert not at.exception
    assert at.session_state["pipeline_tab"] == "Product"
    assert at.selectbox(key="pipeline_product").value == pid
    assert PRACTICAL in [shown(h.value) for h in at.subheader]


def test_a_long_column_shows_the_soonest_cards_and_the_rest_on_request(app_env):
    from datetime import date, timedelta

    from tests.conftest import demo_user
    from ui.pipeline_board import CARD_LIMIT

    con = open_database(app_env)
    admin = demo_user(con, "admin")
    for n in range(CARD_LIMIT + 3):
        pipeline.create_product(
            con,
            actor=admin,
            product_in=pipeline.ProductIn(
                workstream_id="CWG-2.2",
                title_en=f"Long column brief {n:02d} (test)",
                kind="brief",
                stage="planned",
                planned_launch=date(2030, 1, 1) + timedelta(days=n),
            ),
        )
    con.close()
    at = open_pipeline("viewer")
    total = CARD_LIMIT + 3
    assert f"**Planned** · {total}" in markdown_text(at)
    titles = [shown(b.label) for b in at.button if "Long column brief" in b.label]
    assert titles == [f"**Long column brief {n:02d} (test)**" for n in range(CARD_LIMIT)]
    at.button(key="pipeline_board_more_planned").click().run()
    assert len([b for b in at.button if "Long column brief" in b.label]) == total
    assert at.button(key="pipeline_board_more_planned").label == "Show fewer"


def test_only_the_open_view_runs_and_the_url_names_it(app_env):
    at = open_pipeline("lead_cwg22")
    # The board is the default: the list's bulk editor and the roadmap are not built.
    assert not at.get("data_editor")
    assert not (at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))
    # A link to the page with ?pipeline_tab=Roadmap opens the roadmap.
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "lead_cwg22")
    at.query_params["pipeline_tab"] = "Roadmap"
    at.switch_page("pages/pipeline.py").run()
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert not at.get("data_editor")


def test_roadmap_has_planned_and_actual_bars_milestones_and_a_today_line(app_env):
    at = show(open_pipeline("ec_undp"), "Roadmap")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "the roadmap chart is missing"
    spec = json.loads(charts[0].proto.spec)
    layers = spec["layer"]
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in layers
    ]
    assert marks[:3] == ["bar", "point", "rule"]
    frames = [pa.ipc.open_stream(ds.data.data).read_pandas() for ds in charts[0].proto.datasets]
    values = {
        column: set(frame[column].astype(str))
        for frame in frames
        for column in frame.columns
        if column in ("plan", "milestone", "label")
    }
    assert values["plan"] == {"Planned", "Actual"}
    assert values["milestone"] == {"Planned launch", "Actual launch"}
    assert [label[:11] for label in values["label"]] == ["Today (UTC)"]
    # The milestone table says which products are overdue or at risk.
    table = at.table[0].value
    assert "At risk" in set(table["Status"])
    # Legends and labels whole: every stage in the legend (under the chart, not cut beside a
    # short one), product titles wrapped instead of cut short.
    assert spec["config"]["legend"]["orient"] == "bottom"
    stage = next(
        layer["encoding"]["color"] for layer in layers if "stage_label" in str(layer["encoding"])
    )
    assert stage["scale"]["domain"] == list(pipeline.STAGE_LABELS.values())
    products = {label for frame in frames if "product" in frame for label in frame["product"]}
    wrapped = next(p for p in products if p.startswith("OVERDUE"))
    assert "…" not in "".join(products) and "\n" in wrapped
    assert any(p.replace("\n", " ").startswith(f"AT RISK · {GUIDE}") for p in products)


def test_filters_narrow_the_board_and_list(app_env):
    at = show(open_pipeline("secretariat"), "List")
    at.multiselect(key="pipeline_workstream_filter").select("TW-MM").run()
    titles = set(table_with(at, "workplan_status")["title_en"])
    assert titles and all("(demo)" in t for t in titles)
    assert ATD_MM in titles and PRACTICAL not in titles
    at.toggle(key="pipeline_gap_filter").set_value(True).run()
    listed = table_with(at, "workplan_status")
    assert (listed[["lang_en", "lang_fr", "lang_es"]] != "Ready").any(axis=None)
    at.multiselect(key="pipeline_workstream_filter").unselect("TW-MM")
    at.multiselect(key="pipeline_stage_filter").select("drafting").run()
    stages = set(table_with(at, "workplan_status")["stage_label"])
    assert stages == {"Drafting"}


def test_viewer_and_ec_member_see_no_editing_controls(app_env):
    for username in ("viewer", "ec_undp"):
        at = open_pipeline(username)
        for view in ("List", "Product"):
            show(at, view)
            assert at.get("dataframe"), (username, view)  # the view is drawn...
            keys = {getattr(w, "key", None) for w in at.button} | {
                getattr(w, "key", None) for w in at.get("form_submit_button")
            }
            # ...without its editing controls.
            assert "pipeline_bulk_save" not in keys and "pipeline_move_submit" not in keys, username
            assert not at.get("data_editor"), username


def test_a_lead_moves_their_product_into_consultation_and_the_history_shows_it(app_env):
    at = show(open_pipeline("lead_cwg22"), "Product")
    pid = product_id(app_env, PRACTICAL)
    at.selectbox(key="pipeline_product").set_value(pid).run()
    # One click moves it on: the button names the next stage; nothing else is chosen for it.
    advance = at.button(key="pipeline_advance")
    assert advance.label == "Advance to Champion consultation"
    assert at.selectbox(key="pipeline_move_stage").value is None
    advance.click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == ["Moved from Drafting to Champion consultation."]
    history = table_with(at, "changed_by")
    assert history.iloc[0][["changed_by", "from_stage", "to_stage"]].tolist() == [
        "lead_cwg22",
        "Drafting",
        "Champion consultation",
    ]
    show(at, "Board")
    assert "**Drafting** · 0" in markdown_text(at)  # it was the only product in drafting


def test_moving_back_is_a_separate_explicit_choice(app_env):
    at = show(open_pipeline("lead_cwg22"), "Product")
    at.selectbox(key="pipeline_product").set_value(product_id(app_env, PRACTICAL)).run()
    box = at.selectbox(key="pipeline_move_stage")
    assert "consultation" not in box.options  # that is the Advance button's
    assert box.format_func("planned") == "Planned (back)"
    at.button(key="pipeline_move_submit").click().run()  # nothing chosen: nothing moves
    assert [shown(e.value) for e in at.error] == ["Choose the stage to move it to."]
    at.selectbox(key="pipeline_move_stage").set_value("planned")
    at.button(key="pipeline_move_submit").click().run()
    assert [shown(s.value) for s in at.success] == ["Moved from Drafting to Planned."]


def test_board_cards_name_each_missing_language_in_its_own_short_badge(app_env):
    at = open_pipeline("secretariat")
    text = markdown_text(at)
    assert ":gray-badge[No French]" in text and "Missing" not in text


def test_a_lead_cannot_launch_without_the_languages_and_is_told_why(app_env):
    at = show(open_pipeline("lead_cwg22"), "Product")
    at.selectbox(key="pipeline_product").set_value(product_id(app_env, PRACTICAL)).run()
    at.selectbox(key="pipeline_move_stage").set_value("launched")
    at.button(key="pipeline_move_submit").click().run()
    assert any("English, French, Spanish" in shown(e.value) for e in at.error)


def test_a_lead_sees_only_their_products_in_the_bulk_editor_and_saves_a_change(app_env):
    at = show(open_pipeline("lead_cwg22"), "List")
    editor = at.get("data_editor")[0]
    rows = editor.value
    assert set(rows["workstream_id"]) == {"CWG-2.2"}
    pid = product_id(app_env, PRACTICAL)
    frame_ids = _editor_ids(at, app_env)
    at.session_state["pipeline_bulk_editor"] = {
        "edited_rows": {frame_ids.index(pid): {"lang_fr": "ready"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="pipeline_bulk_save").click().run()
    assert [shown(s.value) for s in at.success] == ["Saved changes to 1 product(s)."]
    con = open_database(app_env)
    assert pipeline.list_languages(con, product_id=pid)["fr"] == "ready"
    con.close()


def _editor_ids(at, db_path) -> list[int]:
    """Return the product ids in the bulk editor's row order (the list's order, CWG-2.2 only)."""
    con = open_database(db_path)
    df = pipeline.list_products(con)
    con.close()
    return [int(i) for i in df[df["workstream_id"] == "CWG-2.2"]["product_id"]]


def test_recording_feedback_shows_it_on_the_product(app_env):
    at = show(open_pipeline("secretariat"), "Product", "Feedback")
    at.selectbox(key="pipeline_product").set_value(product_id(app_env, PRACTICAL)).run()
    at.selectbox(key="pipeline_fb_lang").set_value("es")
    at.selectbox(key="pipeline_fb_channel").set_value("written")
    at.text_area(key="pipeline_fb_summary").input("Please add a regional example")
    at.button(key="pipeline_fb_submit").click().run()
    assert not at.exception
    assert any(shown(s.value).startswith("Feedback from") for s in at.success)
    feedback = table_with(at, "summary")
    assert feedback.iloc[0][["lang", "channel", "summary"]].tolist() == [
        "ES",
        "Written",
        "Please add a regional example",
    ]


def test_engagement_opportunities_list_upcoming_champion_events(app_env):
    at = show(open_pipeline("secretariat"), "Engagement opportunities")
    chances = table_with(at, "event_title")
    assert PRACTICAL in set(chances["title_en"])
    assert set(chances["kind"]) <= {"Champions meeting", "Technical meeting", "Webinar"}


@pytest.mark.parametrize("username", ["admin", "lead_cwg22"])
def test_the_list_offers_csv_and_excel_downloads(app_env, username):
    at = show(open_pipeline(username), "List")
    keys = {getattr(b, "key", None) for b in at.get("download_button")}
    assert {"pipeline_export_csv", "pipeline_export_xlsx"} <= keys


def test_the_consultation_form_warns_at_the_monthly_cap_and_saves_only_when_confirmed(app_env):
    from datetime import date

    from core import engagement
    from tests.conftest import demo_user

    con = open_database(app_env)
    engagement.set_consultation_cap(con, actor=demo_user(con, "admin"), cap=1)
    kenya = con.execute("SELECT m49 FROM countries WHERE iso3 = 'KEN'").fetchone()[0]
    con.close()
    pid = product_id(app_env, PRACTICAL)
    at = show(open_pipeline("lead_cwg22"), "Product", "Consultation")
    at.selectbox(key="pipeline_product").set_value(pid).run()

    def submit(override: bool):
        at.date_input(key="pipeline_consult_opens").set_value(date(2031, 5, 4))
        at.date_input(key="pipeline_consult_closes").set_value(date(2031, 6, 4))
        at.multiselect(key="pipeline_consult_m49s").set_value([kenya])
        at.checkbox(key="pipeline_consult_override").set_value(override)
        at.button(key="pipeline_consult_submit").click().run()

    submit(False)  # first request in May 2031: under the cap of 1, saved
    assert [shown(s.value) for s in at.success] == [
        "Consultation window opened; 1 Champion(s) asked."
    ]
    submit(False)  # second one in the same month: warned, nothing saved
    assert any(shown(w.value).startswith("Kenya already has 1 request") for w in at.warning)
    assert table_with(at, "invited")["invited"].tolist() == [1]
    submit(True)  # asked anyway, knowingly
    assert table_with(at, "invited")["invited"].tolist() == [1, 1]


def test_adding_a_product_without_a_title_names_the_field_as_the_form_shows_it(app_env):
    at = show(open_pipeline("lead_cwg22"), "List")
    at.session_state["pipeline_add_open"] = True
    at.run()
    at.button(key="pipeline_new_submit").click().run()
    assert [shown(e.value) for e in at.error] == ["Title (English) is required: fill it in."]


def test_a_rule_across_fields_is_said_without_a_field_name():
    from pydantic import ValidationError

    from ui.widgets import field_errors

    with pytest.raises(ValidationError) as caught:
        pipeline.ProductIn(
            workstream_id="CWG-2.2", title_en="A", kind="brief", actual_launch="2026-01-01"
        )
    assert field_errors(caught.value) == "an actual launch date is only for a launched product"

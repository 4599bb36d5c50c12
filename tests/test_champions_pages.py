"""AppTest of the Champions and Engagement pages: what each role sees and can do."""

import json

from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login, shown

BALANCE = {"champions_tab": "Geographic balance"}  # the tab, as a user picks it


def _open(username, page, **state):
    """Log in and open a page; `state` opens tabs and expanders by key, as a user's clicks would."""
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _specs(at):
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _keys(at, kind):
    return {getattr(el, "key", None) for el in at.get(kind)}


def _frame(at, column):
    """Return the first table on screen with this column (AppTest does not expose table keys)."""
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


def _columns(at):
    return {c for df in at.dataframe for c in df.value.columns}


def test_balance_names_the_gaps_for_the_grouping_chosen_and_draws_the_world_map(app_env):
    at = _open("viewer", "champions", **BALANCE)
    warnings = [shown(w.value) for w in at.warning]
    assert "No Champion in Oceania." in warnings
    assert any(w.startswith("Under-represented: Europe (2 of 43") for w in warnings)
    assert any(s.value == "Champions by group: UN M49 regions" for s in at.subheader)
    specs = json.dumps(_specs(at))
    assert '"geoshape"' in specs and '"topojson"' in specs and "Registered for an open" in specs
    at.selectbox(key="champions_grouping").select("m49_subregion").run()
    first = at.warning[0].value
    assert "Central Asia" in first and "the Caribbean" in first and "Eastern Europe" in first
    at.selectbox(key="champions_grouping").select("unds").run()
    assert any("UN development system regions" in shown(s.value) for s in at.subheader)
    assert "Europe and Central Asia" in set(_frame(at, "fair_share")["group"])
    assert any("counted under Northern America" in shown(m.value) for m in at.markdown)
    assert any("VISIBLE CHOICE" in t.value for t in at.text)


def test_viewers_see_no_focal_points_and_no_edit_forms(app_env):
    # The edit expanders' state is set to open: a viewer still gets no form.
    at = _open("viewer", "champions", champions_edit_open=True)
    assert "capital_tz" in _columns(at) and "email" not in _columns(at)
    assert not any("example.org" in str(df.value.to_dict()) for df in at.dataframe)
    assert "champions_edit_country" not in _keys(at, "selectbox") and not at.expander
    staff = _open("secretariat", "champions", champions_grouping_edit_open=True)
    assert "email" in _columns(staff)
    staff.session_state["champions_tab"] = "Geographic balance"
    staff.run()
    assert "champions_grouping" in _keys(staff, "selectbox")
    assert "champions_grouping_edit_id" not in _keys(staff, "selectbox")  # admins only


def test_secretariat_adds_a_champion_and_a_bad_time_zone_is_refused_plainly(app_env):
    at = _open("secretariat", "champions", champions_edit_open=True)
    at.selectbox(key="champions_edit_country").select("UZB").run()
    at.text_input(key="champions_edit_source_UZB").input("Test announcement, 2026")
    at.selectbox(key="champions_edit_tz_UZB").select("Asia/Tashkent")
    at.button(key="champions_edit_save_UZB").click().run()
    assert [shown(s.value) for s in at.success] == ["Saved Uzbekistan."]
    table = _frame(at, "capital_tz")
    assert "Uzbekistan" in set(table["country"])
    at.selectbox(key="champions_edit_country").select("KAZ").run()
    at.selectbox(key="champions_edit_precision_KAZ").select("by")
    at.text_input(key="champions_edit_source_KAZ").input("Test")
    at.button(key="champions_edit_save_KAZ").click().run()
    assert shown(at.error[0].value).startswith("Kazakhstan: ")
    assert "give the join date" in at.error[0].value


def test_admin_moves_canada_in_the_derived_grouping_and_the_note_follows(app_env):
    at = _open("admin", "champions", **BALANCE, champions_grouping_edit_open=True)
    at.selectbox(key="champions_grouping").select("unds").run()
    at.selectbox(key="champions_grouping_country").select("CAN")
    at.selectbox(key="champions_grouping_group").select("Europe and Central Asia")
    at.button(key="champions_grouping_save").click().run()
    assert [shown(s.value) for s in at.success] == [
        "Canada now counts under Europe and Central Asia."
    ]
    assert any(
        "Canada is counted under Europe and Central Asia" in shown(m.value) for m in at.markdown
    )


def test_engagement_views_heatmap_not_engaged_and_profile_by_query_parameter(app_env):
    at = _open("ec_undp", "engagement")
    assert "engagement_heatmap" in json.dumps(
        [c.proto.id for c in at.get("arrow_vega_lite_chart")]
    ) or _specs(at)
    heat = _specs(at)[0]
    assert heat["mark"]["type"] == "rect"
    at.radio(key="engagement_view").set_value("Not engaged").run()
    table = _frame(at, "days_since")
    assert (table["days_since"].dropna() > 90).all()
    at.number_input(key="engagement_days").set_value(3650).run()
    assert set(_frame(at, "days_since")["last_engaged"]) <= {"never"}
    # ec members may not log engagements (not even with the form's expander state set to open)
    at.session_state["engagement_add_open"] = True
    at.run()
    assert "engagement_add_champion" not in _keys(at, "selectbox") and not at.expander
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat")
    at.query_params["champion"] = "KEN"
    at.switch_page("pages/engagement.py").run()
    assert at.radio(key="engagement_view").value == "Champion profile"
    assert at.selectbox(key="engagement_champion").value == "KEN"
    assert any(s.value == "Kenya: Champion profile" for s in at.subheader)
    assert any(m.label == "Local time now (capital)" for m in at.metric)


def test_a_workstream_lead_logs_an_engagement_for_their_workstream_and_sees_it(app_env):
    at = _open("lead_cwg22", "engagement", engagement_add_open=True)
    assert at.selectbox(key="engagement_add_workstream").options == ["CWG-2.2"]
    at.selectbox(key="engagement_add_champion").select("NER")
    at.selectbox(key="engagement_add_kind").select("bilateral")
    at.text_input(key="engagement_add_note").input("Call with the capital")
    at.button(key="engagement_add_submit").click().run()
    assert at.success and shown(at.success[0].value).startswith(
        "Logged: Bilateral exchange with Niger"
    )
    at.radio(key="engagement_view").set_value("Champion profile").run()
    at.selectbox(key="engagement_champion").select("NER").run()
    log = _frame(at, "note")
    assert "Call with the capital" in set(log["note"])


def test_secretariat_changes_the_consultation_cap(app_env):
    at = _open("secretariat", "engagement")
    at.radio(key="engagement_view").set_value("Consultation load").run()
    at.number_input(key="engagement_cap").set_value(1)
    at.button(key="engagement_cap_save").click().run()
    assert any("(cap 1 a month)" in shown(s.value) for s in at.subheader)
    busy = _frame(at, "over")
    assert len(busy) > 0 and (busy["requests"] >= 1).all()
    lead = _open("lead_cwg22", "engagement")
    lead.radio(key="engagement_view").set_value("Consultation load").run()
    assert "engagement_cap" not in _keys(lead, "number_input")

"""AppTest: the Champions page runs only what the user is looking at.

A tab's content runs only while it is the open tab (?champions_tab=<label> opens one from a link);
a form in an expander runs only once the user opens the expander."""

import json

from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login, shown
from tests.test_champions_pages import _columns, _keys, _open, _specs


def _spec_text(at) -> str:
    return json.dumps(_specs(at))


def test_champions_opens_on_the_registry_and_builds_the_map_only_on_its_tab(app_env):
    at = _open("admin", "champions")
    assert [t.label for t in at.tabs] == ["Registry", "Geographic balance", "Growth"]
    assert "capital_tz" in _columns(at)
    assert not _specs(at)  # neither the map, nor the balance chart, nor the growth chart
    assert "champions_grouping" not in _keys(at, "selectbox")
    at.session_state["champions_tab"] = "Geographic balance"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert '"topojson"' in _spec_text(at) and "champions_known" not in _spec_text(at)
    assert "champions_grouping" in _keys(at, "selectbox")
    assert "capital_tz" not in _columns(at)  # the registry no longer runs
    at.session_state["champions_tab"] = "Growth"
    at.run()
    assert "champions_known" in _spec_text(at) and '"topojson"' not in _spec_text(at)


def test_a_link_with_the_tab_in_its_url_opens_that_tab(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "viewer")
    at.query_params["champions_tab"] = "Geographic balance"
    at.switch_page("pages/champions.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["champions_tab"] == "Geographic balance"
    assert '"topojson"' in _spec_text(at)
    assert "No Champion in Oceania." in [shown(w.value) for w in at.warning]
    assert "capital_tz" not in _columns(at)


def test_champions_edit_forms_run_only_once_their_expander_is_opened(app_env):
    at = _open("admin", "champions")
    assert [e.label for e in at.expander] == [
        "Add or edit a Champion",
        "Add, edit or remove a focal point",
        "Record or end a co-chair term",
    ]
    assert not at.selectbox and not at.text_input and not at.date_input
    at.session_state["champions_edit_open"] = True
    at.run()
    keys = _keys(at, "selectbox")
    assert "champions_edit_country" in keys and "champions_focal_choice" not in keys
    at.session_state["champions_tab"] = "Geographic balance"
    at.run()
    expanders = [e.label for e in at.expander]
    assert "Edit a derived grouping (administrators)" in expanders
    assert "champions_grouping_edit_id" not in _keys(at, "selectbox")
    at.session_state["champions_grouping_edit_open"] = True
    at.run()
    assert "champions_grouping_edit_id" in _keys(at, "selectbox")

"""AppTest: the Engagement page's hand-logging forms run only once their expander is opened."""

from tests.test_champions_pages import _keys, _open


def test_engagement_forms_run_only_once_their_expander_is_opened(app_env):
    at = _open("secretariat", "engagement")
    assert [e.label for e in at.expander] == [
        "Log an engagement by hand",
        "Correct or remove an engagement logged by hand",
    ]
    form_keys = {"engagement_add_champion", "engagement_edit_entry"}
    assert not form_keys & _keys(at, "selectbox") and not at.text_input and not at.date_input
    at.session_state["engagement_add_open"] = True
    at.run()
    keys = _keys(at, "selectbox")
    assert "engagement_add_champion" in keys and "engagement_edit_entry" not in keys
    at.session_state["engagement_edit_open"] = True
    at.run()
    assert form_keys <= _keys(at, "selectbox")


def test_a_link_with_the_view_in_its_address_opens_that_view(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP, login, shown

    at = login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat")
    at.query_params["engagement_view"] = "Not engaged"
    at.switch_page("pages/engagement.py").run()
    assert not at.exception
    assert at.radio(key="engagement_view").value == "Not engaged"
    assert any("not engaged in the last" in shown(h.value) for h in at.subheader)

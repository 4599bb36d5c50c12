"""On the Engagement page, staff correct or remove an engagement logged by hand."""

from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login, shown


def _page(username):
    """Open the Engagement page with the correction form's expander open, as a user would."""
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.session_state["engagement_edit_open"] = True
    return at.switch_page("pages/engagement.py").run()


def _hand_entries(con):
    return con.execute(
        "SELECT engagement_id, note FROM engagements WHERE source = 'manual' ORDER BY 1"
    ).fetchall()


def test_secretariat_corrects_then_removes_a_hand_entry(app_env, con):
    at = _page("secretariat")
    chosen = at.selectbox(key="engagement_edit_entry").value
    at.text_input(key=f"engagement_edit_note_{chosen}").input("Corrected after the call")
    at.button(key="engagement_edit_submit").click().run()
    assert not at.exception and at.success, [shown(e.value) for e in at.error]
    assert (chosen, "Corrected after the call") in _hand_entries(con)
    at.checkbox(key=f"engagement_edit_remove_{chosen}").check()
    at.button(key="engagement_edit_submit").click().run()
    assert shown(at.success[0].value).startswith("Removed:")
    assert chosen not in [r[0] for r in _hand_entries(con)]


def test_a_lead_sees_no_other_workstreams_entries_to_edit(app_env, con):
    at = _page("lead_cwg22")
    # The demo's hand entries are network-wide peer-learning exchanges: not the lead's to edit.
    assert not [s for s in at.selectbox if s.key == "engagement_edit_entry"]
    assert "Correct or remove an engagement logged by hand" not in [e.label for e in at.expander]

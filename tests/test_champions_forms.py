"""AppTest of the focal point and co-chair forms (ui/champions_forms.py): staff use them, others
never see them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.db import open_database
from tests.conftest import shown


def _script():
    import streamlit as st

    from core import auth
    from ui.champions_forms import render_cochair_forms, render_focal_point_forms
    from ui.context import connection

    con = connection()
    user = auth.get_user(con, st.session_state["forms_username"], demo_mode=True)
    if message := st.session_state.pop("champions_flash", None):
        st.success(message)
    render_focal_point_forms(con, user)
    render_cochair_forms(con, user)


FOCAL, COCHAIR = "champions_focal_open", "champions_cochair_open"  # the expanders' keys


def _open(username: str, *opened: str) -> AppTest:
    """Run the forms as `username`, with the expanders named by their key already opened."""
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["forms_username"] = username
    for key in opened:
        at.session_state[key] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _rows(db_path, sql: str, params: list | None = None) -> list[tuple]:
    # The app's cached connection holds the file; read it through a clean cache afterwards.
    from core.store import release_shared

    release_shared(db_path)
    con = open_database(db_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("username", ["ec_undp", "lead_cwg22", "viewer"])
def test_the_forms_are_not_shown_to_users_who_may_not_edit(app_env, username):
    # Even with the expanders' state set to open, these roles get no edit control.
    at = _open(username, FOCAL, COCHAIR)
    assert not at.expander and not at.selectbox and not at.button


def test_the_forms_run_only_once_their_expander_is_opened(app_env):
    at = _open("secretariat")
    assert [e.label for e in at.expander] == [
        "Add, edit or remove a focal point",
        "Record or end a co-chair term",
    ]
    assert not at.selectbox and not at.text_input and not at.button
    at.session_state[FOCAL] = True
    at.run()
    keys = {s.key for s in at.selectbox}
    assert "champions_focal_choice" in keys and "champions_cochair_country" not in keys
    at.session_state[COCHAIR] = True
    at.run()
    assert "champions_cochair_country" in {s.key for s in at.selectbox}


def test_staff_add_then_correct_a_focal_point(app_env):
    at = _open("secretariat", FOCAL)
    assert at.selectbox(key="champions_focal_choice").value == -1
    at.selectbox(key="champions_focal_country_-1").select("KEN")
    at.text_input(key="champions_focal_name_-1").input("New Person")
    at.text_input(key="champions_focal_email_-1").input("new.person@example.org")
    at.button(key="champions_focal_save_-1").click().run()
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    assert at.success[0].value == "Saved focal point New Person (Kenya)."
    assert "Kenya: New Person" in at.selectbox(key="champions_focal_choice").options
    [(focal_id,)] = _rows(app_env, "SELECT focal_id FROM focal_points WHERE name = 'New Person'")
    at.selectbox(key="champions_focal_choice").select(focal_id).run()
    assert at.text_input(key=f"champions_focal_email_{focal_id}").value == "new.person@example.org"
    at.text_input(key=f"champions_focal_title_{focal_id}").input("Director")
    at.button(key=f"champions_focal_save_{focal_id}").click().run()
    assert at.success[0].value == "Saved focal point New Person (Kenya)."
    rows = _rows(app_env, "SELECT name, email, title FROM focal_points WHERE name = 'New Person'")
    assert rows == [("New Person", "new.person@example.org", "Director")]


def test_staff_remove_a_focal_point_only_after_saying_yes(app_env):
    at = _open("admin", FOCAL)
    [(focal_id, name)] = _rows(app_env, "SELECT focal_id, name FROM focal_points LIMIT 1")
    at.selectbox(key="champions_focal_choice").select(focal_id).run()
    assert at.text_input(key=f"champions_focal_name_{focal_id}").value == name
    assert at.button(key=f"champions_focal_delete_{focal_id}").disabled
    at.checkbox(key=f"champions_focal_sure_{focal_id}").check().run()
    at.button(key=f"champions_focal_delete_{focal_id}").click().run()
    assert at.success[0].value.startswith(f"Removed focal point {name} (")
    assert _rows(app_env, "SELECT count(*) FROM focal_points WHERE name = ?", [name]) == [(0,)]


def test_a_refused_focal_point_says_which_field(app_env):
    at = _open("admin", FOCAL)
    at.text_input(key="champions_focal_name_-1").input("X")
    at.button(key="champions_focal_save_-1").click().run()
    assert any(shown(e.value).startswith("Name is too short") for e in at.error), [
        shown(e.value) for e in at.error
    ]


def test_staff_record_a_term_and_end_it(app_env):
    at = _open("secretariat", COCHAIR)
    at.selectbox(key="champions_cochair_country").select("GHA")
    at.text_input(key="champions_cochair_source").input("Test minutes")
    at.button(key="champions_cochair_add").click().run()
    assert at.success[0].value == "Recorded a co-chair term of Ghana."
    terms = at.selectbox(key="champions_cochair_term")
    assert any("Ghana, since an unknown date" in o for o in terms.options)
    [(term_id,)] = _rows(
        app_env,
        "SELECT term_id FROM cochair_terms JOIN countries k USING (m49)"
        " WHERE k.iso3 = 'GHA' AND source = 'Test minutes'",
    )
    terms.select(term_id)
    at.button(key="champions_cochair_end_submit").click().run()
    assert at.success[0].value.startswith("Ended the co-chair term: Ghana")
    rows = _rows(
        app_env,
        "SELECT count(*) FROM cochair_terms t JOIN countries k USING (m49)"
        " WHERE k.iso3 = 'GHA' AND t.ends_on IS NOT NULL AND t.source = 'Test minutes'",
    )
    assert rows == [(1,)]


def test_the_champions_page_shows_the_forms_to_staff_only(app_env):
    from tests.test_champions_pages import _keys
    from tests.test_champions_pages import _open as open_page

    opened = {FOCAL: True, COCHAIR: True}
    assert "champions_focal_choice" in _keys(
        open_page("secretariat", "champions", **opened), "selectbox"
    )
    assert "champions_cochair_country" not in _keys(
        open_page("viewer", "champions", **opened), "selectbox"
    )

"""AppTest: every page under every role, the pages a role may not see, and the pages/ bypass."""

import pytest
from streamlit.testing.v1 import AppTest

from core.permissions import PAGE_ROLES
from tests.conftest import APP, DEMO_USERNAMES, PAGES, login, shown

ROLE_OF = {
    "admin": "admin",
    "secretariat": "secretariat",
    "ec_undp": "ec_member",
    "lead_cwg22": "workstream_lead",
    "viewer": "viewer",
}


def test_login_page_says_demo_mode_and_refuses_a_wrong_password(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert any("Demo mode" in shown(i.value) for i in at.info)
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("wrong-password")
    at.button(key="login_submit").click().run()
    assert [shown(e.value) for e in at.error] == ["Username or password is incorrect."]


def test_login_page_hides_demo_accounts_outside_demo_mode(app_env, monkeypatch):
    monkeypatch.setenv("ACTIONPLAN_DEMO", "0")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not any("Demo mode" in shown(i.value) for i in at.info)
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("admin-demo-2026")
    at.button(key="login_submit").click().run()
    assert [shown(e.value) for e in at.error] == ["Username or password is incorrect."]


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_allowed_page_renders_for_every_role(app_env, username):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    assert not at.exception
    role = ROLE_OF[username]
    allowed = [page for page in PAGES if role in PAGE_ROLES[page]]
    # Pages the role may not see are not registered in its navigation at all.
    for page in set(PAGES) - set(allowed):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")
    for page in allowed:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert at.title, page


@pytest.mark.parametrize("page", PAGES)
def test_a_fresh_session_opening_a_page_file_directly_sees_no_data(app_env, page):
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.dataframe and not at.get("vega_lite_chart") and not at.metric
    assert any("log in" in shown(w.value) for w in at.warning)

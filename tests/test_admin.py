"""The Admin page: user management, audit filters and backups, for admins only."""

from streamlit.testing.v1 import AppTest

from core import audit, auth
from core.permissions import PermissionDenied
from tests.conftest import APP, demo_user, login


def _admin_page(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "admin")
    return at.switch_page("pages/admin.py").run()


def test_admin_creates_a_user_who_can_then_log_in(app_env, con):
    at = _admin_page(app_env)
    at.text_input(key="admin_new_username").input("amina.lead")
    at.text_input(key="admin_new_name").input("Amina Lead")
    at.text_input(key="admin_new_email").input("amina@example.org")
    at.selectbox(key="admin_new_role").set_value("workstream_lead")
    at.text_input(key="admin_new_workstream").input("TW-MM")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["User amina.lead created."]
    user = auth.get_user(con, "amina.lead", demo_mode=False)
    assert user is not None and user.workstream_id == "TW-MM"


def test_a_bad_user_form_names_the_field(app_env):
    at = _admin_page(app_env)
    at.text_input(key="admin_new_username").input("Bad Name!")
    at.text_input(key="admin_new_name").input("X")
    at.text_input(key="admin_new_email").input("not-an-email")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()
    messages = " ".join(e.value for e in at.error)
    assert "username" in messages and "email" in messages


def test_audit_log_is_for_staff_only(con):
    assert audit.list_audit(con, actor=demo_user(con, "secretariat")) is not None
    try:
        audit.list_audit(con, actor=demo_user(con, "viewer"))
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a viewer read the audit log")


def test_disabling_an_account_refuses_its_login(con):
    from datetime import datetime

    admin = demo_user(con, "admin")
    auth.set_user_active(con, actor=admin, username="viewer", active=False)
    result = auth.authenticate(
        con, "viewer", "viewer-demo-2026", now=datetime(2026, 1, 1), demo_mode=True
    )
    assert result.user is None
    assert audit.list_audit(con, actor=admin, entity="user")["entity_id"].tolist()[0] == "viewer"

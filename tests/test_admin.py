"""The Admin page: user management, audit filters and backups, for admins only; only the open
tab and the opened expanders run."""

import pytest
from streamlit.testing.v1 import AppTest

import core.db
from core import audit, auth
from core.permissions import SYSTEM, PermissionDenied
from tests.conftest import APP, demo_user, login, shown


def _admin_page(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "admin")
    return at.switch_page("pages/admin.py").run()


def _open(at, key: str, value=True):
    """Open a tab (value: its label) or an expander (True) as a user's click would, and rerun."""
    at.session_state[key] = value
    return at.run()


def test_admin_creates_a_user_who_can_then_log_in(app_env, con):
    at = _open(_admin_page(app_env), "admin_add_open")
    at.text_input(key="admin_new_username").input("amina.lead")
    at.text_input(key="admin_new_name").input("Amina Lead")
    at.text_input(key="admin_new_email").input("amina@example.org")
    at.selectbox(key="admin_new_role").set_value("workstream_lead")
    at.selectbox(key="admin_new_workstream").set_value("TW-MM")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == [
        "User amina.lead created (Amina Lead, Workstream lead)."
    ]
    assert at.text_input(key="admin_new_username").value == ""  # emptied for the next person
    user = auth.get_user(con, "amina.lead", demo_mode=False)
    assert user is not None and user.workstream_id == "TW-MM"


def test_a_bad_user_form_names_the_field(app_env):
    at = _open(_admin_page(app_env), "admin_add_open")
    at.text_input(key="admin_new_username").input("Bad Name!")
    at.text_input(key="admin_new_name").input("X")
    at.text_input(key="admin_new_email").input("not-an-email")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()
    messages = " ".join(shown(e.value) for e in at.error)
    assert "Username" in messages and "E-mail" in messages
    # A refusal keeps what was typed, and the role stays the least privileged one.
    assert at.text_input(key="admin_new_username").value == "Bad Name!"
    assert at.text_input(key="admin_new_email").value == "not-an-email"
    assert at.selectbox(key="admin_new_role").value == "viewer"


def test_add_user_chooses_agency_and_workstream_from_the_registry(app_env, con):
    at = _open(_admin_page(app_env), "admin_add_open")
    assert at.selectbox(key="admin_new_role").value == "viewer"  # not Administrator
    agencies = at.selectbox(key="admin_new_agency").options
    assert any(o.startswith("UNDP: ") for o in agencies)
    assert any(o.startswith("TW-MM") for o in at.selectbox(key="admin_new_workstream").options)
    at.text_input(key="admin_new_username").input("ec.person")
    at.text_input(key="admin_new_name").input("EC Person")
    at.text_input(key="admin_new_email").input("ec.person@example.org")
    at.selectbox(key="admin_new_role").set_value("ec_member")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()  # no agency chosen: refused, values kept
    assert at.error and at.text_input(key="admin_new_name").value == "EC Person"
    assert at.selectbox(key="admin_new_role").value == "ec_member"
    at.selectbox(key="admin_new_agency").set_value("UNDP")
    at.text_input(key="admin_new_password").input("a-long-password")
    at.button(key="admin_create_user").click().run()
    assert not at.exception and at.success
    assert auth.get_user(con, "ec.person", demo_mode=False).agency_id == "UNDP"


@pytest.mark.parametrize("field", ["agency_id", "workstream_id"])
def test_core_refuses_an_agency_or_workstream_not_in_the_registry(store, field):
    role = "ec_member" if field == "agency_id" else "workstream_lead"
    user_in = auth.UserIn(
        username="typo.user", name="Typo", email="typo@example.org", role=role, **{field: "UNPD"}
    )
    label = "Agency" if field == "agency_id" else "Workstream"
    with pytest.raises(ValueError, match=f"{label}: 'UNPD' is not in the registry"):
        auth.create_user(store, actor=SYSTEM, user_in=user_in, password="a-long-password", rounds=4)
    assert auth.get_user(store, "typo.user", demo_mode=False) is None


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


def _keys(at) -> set[str]:
    widgets = [*at.text_input, *at.selectbox, *at.button, *at.get("download_button")]
    return {w.key for w in widgets}


def test_only_the_open_tab_and_the_opened_expanders_run(app_env, monkeypatch):
    counted = []
    real_counts, real_audit = core.db.table_counts, audit.list_audit
    monkeypatch.setattr(
        core.db, "table_counts", lambda con: counted.append("counts") or real_counts(con)
    )
    monkeypatch.setattr(
        audit, "list_audit", lambda *a, **k: counted.append("audit") or real_audit(*a, **k)
    )
    at = _admin_page(app_env)
    assert not at.exception
    # Users tab: the accounts table, both forms folded away and not run, nothing of the other tabs.
    assert [list(d.value.columns)[-1] for d in at.dataframe] == ["is_demo"]
    assert _keys(at) == set()
    assert counted == []
    at = _open(at, "admin_add_open")
    assert {"admin_new_username", "admin_new_password", "admin_create_user"} <= _keys(at)
    assert "admin_target_user" not in _keys(at)
    at = _open(at, "admin_account_open")
    assert {"admin_target_user", "admin_disable", "admin_set_password"} <= _keys(at)
    at.selectbox(key="admin_target_user").set_value("viewer").run()
    at.button(key="admin_disable").click().run()  # writes the audit log's first entry
    assert [shown(s.value) for s in at.success] == ["viewer disabled; their sessions ended."]
    # Audit log: its filters, table and downloads only now, none of the users' forms.
    at = _open(at, "admin_tab", "Audit log")
    assert counted == ["audit"]
    keys = _keys(at)
    assert {"admin_audit_entity", "admin_audit_user", "admin_audit_csv", "admin_audit_xlsx"} <= keys
    assert not keys & {"admin_new_username", "admin_target_user", "admin_backup"}
    # A filter keeps its value while the admin looks at another tab of the page.
    at.selectbox(key="admin_audit_entity").set_value("user").run()
    at = _open(_open(at, "admin_tab", "Users"), "admin_tab", "Audit log")
    assert at.selectbox(key="admin_audit_entity").value == "user"
    # Backup and database: the table counts are read only when this tab is open.
    counted.clear()
    at = _open(at, "admin_tab", "Backup and database")
    assert counted == ["counts"]
    assert "admin_backup" in _keys(at) and "admin_audit_entity" not in _keys(at)
    assert at.get("vega_lite_chart")


def test_a_link_with_the_tab_in_its_query_opens_that_tab(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["admin_tab"] = "Audit log"
    at = login(at.run(), "admin").switch_page("pages/admin.py").run()
    assert not at.exception
    assert {"admin_audit_entity", "admin_audit_csv"} <= _keys(at)
    assert at.session_state["admin_tab"] == "Audit log"
    assert not any("is_demo" in d.value.columns for d in at.dataframe)  # the users' table


def test_admin_sees_a_locked_login_and_unlocks_it(app_env, con):
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    for _ in range(5):
        auth.authenticate(con, "viewer", "wrong-password", now=now, demo_mode=True, client="x")
    at = _open(_admin_page(app_env), "admin_lockouts_open")
    table = _lock_table(at)
    row = table[table["account"] == "viewer"].iloc[0]
    assert row["client"] == "x" and bool(row["locked"])
    at.selectbox(key="admin_unlock_target").set_value("viewer")
    at.button(key="admin_unlock").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == [
        "viewer unlocked: 2 lock or failure count(s) cleared."
    ]
    assert _lock_table(at) is None  # the only counted account is unlocked
    assert "No failed logins" in " ".join(shown(c.value) for c in at.caption)
    again = auth.authenticate(
        con, "viewer", "viewer-demo-2026", now=now, demo_mode=True, client="x"
    )
    assert again.user is not None


def _lock_table(at):
    frames = [d.value for d in at.dataframe if "failures" in d.value.columns]
    return frames[0] if frames else None


def test_audit_log_says_who_by_name_and_what_changed_from_what_to_what(store):
    from core import registration

    staff, ec = demo_user(store, "secretariat"), demo_user(store, "ec_undp")
    event_id = int(store.scalar("SELECT min(event_id) FROM events WHERE starts_utc > now()"))
    reg_in = registration.RegistrationIn(
        event_id=event_id, participant_name="Zé Audit", email="ze.audit@example.org",
        m49=288, category="champion_delegate", agency_id="UNDP",
    )  # fmt: skip
    done = registration.register(store, actor=ec, reg=reg_in)
    registration.confirm_registration(store, actor=staff, registration_id=done.registration_id)
    shown_log = audit.readable_audit(audit.list_audit(store, actor=staff, limit=2))
    assert list(shown_log.columns) == ["When (UTC)", "Who", "Did", "What", "Changes"]
    newest = shown_log.iloc[0].to_dict()
    assert newest["Who"] == staff.name and newest["Did"] == "Confirm"
    assert newest["What"] == f"Registration {done.registration_id}"
    assert newest["Changes"] == "Status: Requested → Confirmed"
    assert "Participant name: Zé Audit" in shown_log.iloc[1]["Changes"]
    assert "{" not in " ".join(shown_log["Changes"])  # no raw JSON

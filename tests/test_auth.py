"""Login: passwords, a lockout that really locks, logout that kills copied cookies, safe keys."""

import time
from datetime import datetime, timedelta

import jwt
import pytest

from core import auth
from core.config import ConfigError, load_settings
from core.permissions import SYSTEM, PermissionDenied

NOW = datetime(2026, 11, 26, 10, 0)


@pytest.fixture
def con(store):
    """Logins, sessions and accounts behave the same on both engines."""
    return store


def _try(con, password, at, username="viewer"):
    return auth.authenticate(con, username, password, now=at, demo_mode=True)


def test_right_password_logs_in_with_role(con):
    result = _try(con, "viewer-demo-2026", NOW)
    assert result.user is not None and result.user.role == "viewer"


def test_wrong_password_and_unknown_user_get_the_same_message(con):
    assert _try(con, "nope-nope-nope", NOW).message == _try(con, "x", NOW, username="ghost").message


def test_five_failures_in_fifteen_minutes_lock_the_account(con):
    for i in range(4):
        assert _try(con, "wrong-password", NOW + timedelta(minutes=i)).locked_until_utc is None
    locked = _try(con, "wrong-password", NOW + timedelta(minutes=4))
    assert locked.locked_until_utc == NOW + timedelta(minutes=19)
    assert "locked until" in locked.message
    # Even the right password is refused while locked.
    assert _try(con, "viewer-demo-2026", NOW + timedelta(minutes=10)).user is None
    # After the lock the right password works again.
    assert _try(con, "viewer-demo-2026", NOW + timedelta(minutes=20)).user is not None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(con):
    for i in range(6):
        _try(con, "wrong-password", NOW + timedelta(minutes=5 * i))
    assert _try(con, "viewer-demo-2026", NOW + timedelta(minutes=31)).user is not None


def test_lockout_of_one_account_leaves_others_alone(con):
    for i in range(5):
        _try(con, "wrong-password", NOW + timedelta(seconds=i))
    assert (
        _try(con, "admin-demo-2026", NOW + timedelta(minutes=1), username="admin").user is not None
    )


def test_demo_accounts_do_not_exist_outside_demo_mode(con):
    assert auth.authenticate(con, "admin", "admin-demo-2026", now=NOW, demo_mode=False).user is None


def _cookie(key, username, days=7.0, issued=None):
    issued = time.time() if issued is None else issued
    return jwt.encode(
        {"username": username, "exp_date": issued + days * 86400}, key, algorithm="HS256"
    )


def test_logout_invalidates_a_copied_cookie(con):
    key = "k" * 40
    token = _cookie(key, "viewer", issued=time.time() - 5)
    assert (
        auth.session_username(con, token, cookie_key=key, expiry_days=7, now_ts=time.time())
        == "viewer"
    )
    auth.logout(con, "viewer")
    assert (
        auth.session_username(con, token, cookie_key=key, expiry_days=7, now_ts=time.time()) is None
    )
    fresh = _cookie(key, "viewer", issued=time.time() + 1)
    assert (
        auth.session_username(con, fresh, cookie_key=key, expiry_days=7, now_ts=time.time())
        == "viewer"
    )


def test_forged_or_expired_cookies_are_refused(con):
    key = "k" * 40
    forged = _cookie("an-attacker-guessed-key-of-32-bytes!", "admin")
    assert (
        auth.session_username(con, forged, cookie_key=key, expiry_days=7, now_ts=time.time())
        is None
    )
    expired = _cookie(key, "admin", issued=time.time() - 8 * 86400)
    assert (
        auth.session_username(con, expired, cookie_key=key, expiry_days=7, now_ts=time.time())
        is None
    )


def test_user_creation_validates_and_only_admins_may_do_it(con):
    user_in = auth.UserIn(
        username="new.lead",
        name="New lead",
        email="n@example.org",
        role="workstream_lead",
        workstream_id="TW-MM",
    )
    with pytest.raises(PermissionDenied):
        auth.create_user(
            con,
            actor=auth.get_user(con, "secretariat", demo_mode=True),
            user_in=user_in,
            password="long-enough-password",
            rounds=4,
        )
    auth.create_user(con, actor=SYSTEM, user_in=user_in, password="long-enough-password", rounds=4)
    assert (
        auth.authenticate(con, "new.lead", "long-enough-password", now=NOW, demo_mode=False).user
        is not None
    )
    with pytest.raises(ValueError, match="bound to a workstream"):
        auth.UserIn(username="x.lead", name="X", email="x@example.org", role="workstream_lead")
    with pytest.raises(ValueError, match="72 bytes"):
        auth.hash_password("é" * 40)


@pytest.mark.parametrize("key", ["some_key", "changeme", "short-key"])
def test_settings_refuse_default_or_weak_keys(key, tmp_path):
    with pytest.raises(ConfigError):
        load_settings(
            {"ACTIONPLAN_COOKIE_KEY": key, "ACTIONPLAN_SECRETS": str(tmp_path / "none.toml")}
        )


def test_settings_refuse_a_missing_key(tmp_path):
    with pytest.raises(ConfigError, match="No cookie key"):
        load_settings({"ACTIONPLAN_SECRETS": str(tmp_path / "none.toml")})


def test_settings_read_the_secrets_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('cookie_key = "' + "z" * 40 + '"\ndemo_mode = true\n')
    settings = load_settings(
        {"ACTIONPLAN_SECRETS": str(path), "ACTIONPLAN_DB": str(tmp_path / "x.duckdb")}
    )
    assert settings.demo_mode and settings.db_path == tmp_path / "x.duckdb"


def test_the_command_line_and_the_dashboard_use_the_same_database_and_secrets(
    tmp_path, monkeypatch
):
    from core import cli
    from core.config import database_path

    secrets_path = tmp_path / "elsewhere" / "secrets.toml"
    monkeypatch.setenv("ACTIONPLAN_SECRETS", str(secrets_path))
    monkeypatch.delenv("ACTIONPLAN_DB", raising=False)
    monkeypatch.delenv("ACTIONPLAN_COOKIE_KEY", raising=False)
    # gen-secrets writes where the dashboard will look for it.
    assert cli.main(["gen-secrets"]) == 0
    assert secrets_path.exists()
    db = tmp_path / "from-secrets.duckdb"
    secrets_path.write_text(secrets_path.read_text() + f'db_path = "{db}"\n')
    assert load_settings().db_path == db == database_path()
    assert cli.main(["init"]) == 0
    assert db.exists()  # the command line used db_path from the secrets file
    assert database_path(override=str(tmp_path / "x.duckdb")) == tmp_path / "x.duckdb"

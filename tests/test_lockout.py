"""The lockout holds under parallel tries, cannot be used to lock an owner out, and is fair in time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import bcrypt
import pytest

from core import auth
from core.permissions import SYSTEM, PermissionDenied

NOW = datetime(2026, 11, 26, 10, 0)
RIGHT = "viewer-demo-2026"


def _try(con, password, at=NOW, username="viewer", client="198.51.100.7"):
    return auth.authenticate(con, username, password, now=at, demo_mode=True, client=client)


@pytest.fixture
def con(store):
    """Every lockout rule holds on both engines (DuckDB and PostgreSQL)."""
    return store


def _outcomes(con, username="viewer"):
    rows = con.rows(
        "SELECT outcome, count(*) FROM login_attempts WHERE username = :u GROUP BY outcome",
        u=username,
    )
    return {outcome: count for outcome, count in rows}


def test_thirty_parallel_wrong_passwords_check_only_five_and_lock(con):
    barrier = threading.Barrier(30)

    def attempt(i):
        barrier.wait()
        return _try(con, f"wrong-password-{i}")

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(attempt, range(30)))
    assert all(r.user is None for r in results)
    assert _outcomes(con) == {"wrong": 5, "locked": 25}
    assert sum(r.locked_until_utc is not None for r in results) >= 25
    # The right password is refused while the lock lasts, and works after it.
    refused = _try(con, RIGHT, NOW + timedelta(minutes=1))
    assert refused.user is None and "locked until" in refused.message
    assert _try(con, RIGHT, NOW + timedelta(minutes=16)).user is not None


def test_a_stranger_cannot_lock_the_owner_out_from_elsewhere(con):
    for i in range(12):
        _try(con, "wrong-password", NOW + timedelta(seconds=i), client="203.0.113.66")
    assert _try(con, RIGHT, NOW + timedelta(minutes=1), client="203.0.113.66").user is None
    # The owner, from their own address, still logs in.
    assert _try(con, RIGHT, NOW + timedelta(minutes=1), client="192.0.2.10").user is not None


def test_each_new_lock_of_a_client_lasts_twice_as_long(con):
    first = None
    for i in range(5):
        first = _try(con, "wrong", NOW + timedelta(seconds=i))
    assert first.locked_until_utc == NOW + timedelta(seconds=4, minutes=15)
    later = NOW + timedelta(minutes=20)
    second = None
    for i in range(5):
        second = _try(con, "wrong", later + timedelta(seconds=i))
    assert second.locked_until_utc == later + timedelta(seconds=4, minutes=30)
    # A success forgives: the next lock is back to 15 minutes.
    assert _try(con, RIGHT, later + timedelta(minutes=31)).user is not None
    again = later + timedelta(minutes=40)
    third = None
    for i in range(5):
        third = _try(con, "wrong", again + timedelta(seconds=i))
    assert third.locked_until_utc == again + timedelta(seconds=4, minutes=15)


def test_one_client_guessing_across_accounts_is_throttled(con):
    for i in range(auth.CLIENT_LIMIT):
        _try(con, "wrong", NOW + timedelta(seconds=i), username=f"someone{i}")
    blocked = _try(con, "admin-demo-2026", NOW + timedelta(minutes=1), username="admin")
    assert blocked.user is None and blocked.locked_until_utc is not None
    # Other clients are not affected.
    ok = _try(con, "admin-demo-2026", NOW + timedelta(minutes=1), username="admin", client="x")
    assert ok.user is not None


def test_guessing_spread_over_many_clients_stops_at_the_ceiling_until_an_admin_unlocks(con):
    for i in range(auth.ACCOUNT_CEILING):
        _try(con, "wrong", NOW + timedelta(seconds=i), client=f"10.0.{i // 4}.{i % 4}")
    refused = _try(con, RIGHT, NOW + timedelta(days=3), client="192.0.2.10")
    assert refused.user is None and "administrator can unlock" in refused.message
    admin = auth.get_user(con, "admin", demo_mode=True)
    secretariat = auth.get_user(con, "secretariat", demo_mode=True)
    locks = auth.list_lockouts(con, actor=admin, now=NOW + timedelta(days=3))
    row = locks[(locks["account"] == "viewer") & (locks["client"] == "every client")]
    assert len(row) == 1 and bool(row["locked"].iloc[0])
    with pytest.raises(PermissionDenied):
        auth.unlock_account(con, actor=secretariat, username="viewer")
    assert auth.unlock_account(con, actor=admin, username="viewer") > 0
    assert _try(con, RIGHT, NOW + timedelta(days=3), client="192.0.2.10").user is not None
    entry = con.rows("SELECT username, entity_id FROM audit_log WHERE action = 'unlock'")
    assert [tuple(r) for r in entry] == [("admin", "viewer")]


def test_an_admin_unlock_lets_a_locked_client_in_at_once(con):
    for i in range(5):
        _try(con, "wrong", NOW + timedelta(seconds=i))
    assert _try(con, RIGHT, NOW + timedelta(minutes=1)).user is None
    auth.unlock_account(con, actor=SYSTEM, username="viewer")
    assert _try(con, RIGHT, NOW + timedelta(minutes=1)).user is not None


def test_overlong_passwords_are_never_hashed_and_count_as_failures(con, monkeypatch):
    seen = []
    real = bcrypt.checkpw

    def spy(password, hashed):
        seen.append(len(password))
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", spy)
    results = [_try(con, "x" * 200, NOW + timedelta(seconds=i)) for i in range(5)]
    assert results[-1].locked_until_utc is not None  # five overlong tries lock like five wrong ones
    assert results[0].message == "Username or password is incorrect."
    assert seen and max(seen) <= auth.MAX_PASSWORD_BYTES


@pytest.mark.parametrize(
    "username,password",
    [("timed", "wrong-password-1"), ("ghost", "wrong-password-1"), ("timed", "é" * 100)],
    ids=["wrong password", "unknown user", "overlong password"],
)
def test_every_refusal_costs_one_bcrypt_check_at_the_same_cost(
    con, monkeypatch, username, password
):
    user_in = auth.UserIn(username="timed", name="Timed", email="t@example.org", role="viewer")
    auth.create_user(con, actor=SYSTEM, user_in=user_in, password="the-right-password")  # cost 12
    calls = []
    real = bcrypt.checkpw

    def spy(pw, hashed):
        calls.append(hashed[:7])  # b"$2b$12$": algorithm and cost
        return real(pw, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", spy)
    result = auth.authenticate(con, username, password, now=NOW, demo_mode=False, client="c")
    assert result.user is None and result.message == "Username or password is incorrect."
    assert calls == [b"$2b$12$"]

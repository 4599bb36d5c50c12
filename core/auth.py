"""Check passwords, lock accounts after repeated failures, and invalidate sessions on logout."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import bcrypt
import duckdb
import jwt
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from core import audit
from core.db import transaction
from core.permissions import ROLES, User, require

MAX_PASSWORD_BYTES = 72  # bcrypt refuses longer passwords; say so rather than fail silently.
MIN_PASSWORD_LENGTH = 10
# A real hash to compare against for unknown users, so both paths take the same time.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=12)).decode()


class UserIn(BaseModel):
    """A user account to create, as typed by an admin."""

    username: str = Field(pattern=r"^[a-z0-9_.-]{3,40}$")
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    role: str
    agency_id: str | None = None
    workstream_id: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        return value

    @model_validator(mode="after")
    def _bound(self) -> UserIn:
        if self.role == "ec_member" and not self.agency_id:
            raise ValueError("an EC member must be bound to an agency")
        if self.role == "workstream_lead" and not self.workstream_id:
            raise ValueError("a workstream lead must be bound to a workstream")
        return self


class LoginResult(BaseModel):
    """What happened when someone tried to log in."""

    user: User | None = None
    message: str = ""
    locked_until_utc: datetime | None = None


def check_password_rules(password: str) -> None:
    """Raise ValueError when the password cannot be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(
            f"The password must be at most {MAX_PASSWORD_BYTES} bytes long (bcrypt's limit)."
        )


def hash_password(password: str, *, rounds: int = 12) -> str:
    """Return a bcrypt hash of the password."""
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def _insert_user(
    cur: duckdb.DuckDBPyConnection, user_in: UserIn, password_hash: str, *, is_demo: bool
) -> None:
    cur.execute(
        "INSERT INTO users (username, name, email, password_hash, role, agency_id, workstream_id,"
        " active, is_demo, created_at_utc) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?)",
        [
            user_in.username,
            user_in.name,
            str(user_in.email),
            password_hash,
            user_in.role,
            user_in.agency_id,
            user_in.workstream_id,
            is_demo,
            audit.utcnow(),
        ],
    )


def create_user(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    user_in: UserIn,
    password: str,
    is_demo: bool = False,
    rounds: int = 12,
) -> None:
    """Create a user account with a hashed password."""
    require(actor, "user.manage")
    password_hash = hash_password(password, rounds=rounds)
    with transaction(con) as cur:
        exists = cur.execute(
            "SELECT 1 FROM users WHERE username = ?", [user_in.username]
        ).fetchone()
        if exists:
            raise ValueError(f"The username {user_in.username!r} is already taken.")
        _insert_user(cur, user_in, password_hash, is_demo=is_demo)
        audit.record(
            cur,
            actor=actor,
            action="create",
            entity="user",
            entity_id=user_in.username,
            after=user_in,
        )


def set_user_active(
    con: duckdb.DuckDBPyConnection, *, actor: User, username: str, active: bool
) -> None:
    """Enable or disable an account; disabling also ends its sessions."""
    require(actor, "user.manage")
    with transaction(con) as cur:
        row = cur.execute("SELECT active FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            raise ValueError(f"No user {username!r}.")
        cur.execute("UPDATE users SET active = ? WHERE username = ?", [active, username])
        if not active:
            _invalidate_sessions(cur, username)
        audit.record(
            cur,
            actor=actor,
            action="update",
            entity="user",
            entity_id=username,
            before={"active": row[0]},
            after={"active": active},
        )


def set_password(
    con: duckdb.DuckDBPyConnection, *, actor: User, username: str, password: str, rounds: int = 12
) -> None:
    """Give an account a new password; its open sessions end."""
    require(actor, "user.manage")
    password_hash = hash_password(password, rounds=rounds)
    with transaction(con) as cur:
        if cur.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone() is None:
            raise ValueError(f"No user {username!r}.")
        cur.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username]
        )
        _invalidate_sessions(cur, username)
        audit.record(cur, actor=actor, action="set_password", entity="user", entity_id=username)


def list_users(con: duckdb.DuckDBPyConnection):
    """Return every account without password hashes."""
    return (
        con.cursor()
        .execute(
            "SELECT username, name, email, role, agency_id, workstream_id, active, is_demo"
            " FROM users ORDER BY username"
        )
        .df()
    )


def get_user(con: duckdb.DuckDBPyConnection, username: str, *, demo_mode: bool) -> User | None:
    """Return the active user, or None (demo accounts only exist in demo mode)."""
    row = (
        con.cursor()
        .execute(
            "SELECT username, name, email, role, agency_id, workstream_id FROM users"
            " WHERE username = ? AND active AND (NOT is_demo OR ?)",
            [username, demo_mode],
        )
        .fetchone()
    )
    if row is None:
        return None
    keys = ("username", "name", "email", "role", "agency_id", "workstream_id")
    return User(**dict(zip(keys, row, strict=True)))


# Throttling, after OWASP ASVS 4.0 (2.2.1: soft lockout, rate limits and growing delays that
# resist brute force *and* lockout attacks) and NIST SP 800-63B (5.2.2: at most 100 consecutive
# failures on one account). A lock applies to the client that failed, so a stranger cannot lock
# the account's owner out from elsewhere; the account-wide ceiling stops guessing spread over
# many clients and needs an administrator to lift it.
CLIENT_LIMIT = 20  # failures from one client over every account within the window
ACCOUNT_CEILING = 100  # consecutive failures on one account from all clients
MAX_LOCK = timedelta(hours=24)
FOREVER = datetime(9999, 12, 31)
_RESERVE = (
    threading.Lock()
)  # one reservation at a time in this process; the rows serialise the rest


class _Counter(BaseModel):
    scope: str
    key: str
    failures: int = 0
    window_start_utc: datetime | None = None
    locked_until_utc: datetime | None = None
    lock_count: int = 0
    last_failure_utc: datetime | None = None
    stored: bool = False


def _read_counters(cur, keys: list[tuple[str, str]]) -> dict[tuple[str, str], _Counter]:
    """Read the three counters of an attempt (pair, client, account)."""
    rows = cur.execute(
        "SELECT scope, throttle_key, failures, window_start_utc, locked_until_utc, lock_count,"
        " last_failure_utc FROM login_throttle WHERE (scope = ? AND throttle_key = ?)"
        " OR (scope = ? AND throttle_key = ?) OR (scope = ? AND throttle_key = ?)",
        [part for key in keys for part in key],
    ).fetchall()
    found = {
        (r[0], r[1]): _Counter(
            scope=r[0],
            key=r[1],
            failures=r[2],
            window_start_utc=r[3],
            locked_until_utc=r[4],
            lock_count=r[5],
            last_failure_utc=r[6],
            stored=True,
        )
        for r in rows
    }
    return {k: found.get(k) or _Counter(scope=k[0], key=k[1]) for k in keys}


def _write_counter(cur, c: _Counter) -> None:
    values = [c.failures, c.window_start_utc, c.locked_until_utc, c.lock_count, c.last_failure_utc]
    if c.stored:
        cur.execute(
            "UPDATE login_throttle SET failures = ?, window_start_utc = ?, locked_until_utc = ?,"
            " lock_count = ?, last_failure_utc = ? WHERE scope = ? AND throttle_key = ?",
            [*values, c.scope, c.key],
        )
    else:
        cur.execute(
            "INSERT INTO login_throttle (failures, window_start_utc, locked_until_utc, lock_count,"
            " last_failure_utc, scope, throttle_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [*values, c.scope, c.key],
        )


def _count_failure(c: _Counter, *, now: datetime, limit: int, window: timedelta) -> None:
    """Count one failure in a window; at the limit, lock for the window, doubled per earlier lock."""
    if c.last_failure_utc is not None and now - c.last_failure_utc > MAX_LOCK:
        c.lock_count = 0  # a quiet day forgives earlier locks
    if c.window_start_utc is None or now - c.window_start_utc > window:
        c.failures, c.window_start_utc = 0, now
    c.failures += 1
    c.last_failure_utc = now
    if c.failures >= limit:
        c.locked_until_utc = now + min(window * 2**c.lock_count, MAX_LOCK)
        c.lock_count += 1
        c.failures, c.window_start_utc = 0, None


def _lock_message(until: datetime) -> str:
    if until >= FOREVER:
        return (
            "This account is locked after too many failed logins. "
            "An administrator can unlock it on the Admin page."
        )
    return f"Too many failed logins: this account is locked until {until:%H:%M} UTC."


def _keys(username: str, client: str) -> list[tuple[str, str]]:
    return [("pair", f"{username}\n{client}"), ("client", client), ("account", username)]


def _reserve(
    con, username: str, client: str, *, now: datetime, attempts: int, window: timedelta
) -> datetime | None:
    """Refuse a locked attempt, or count it as a failure before its password is checked.

    Returns when the lock ends if the attempt may not be checked. Counting first is what makes
    parallel tries safe: the sixth of 30 simultaneous attempts already sees the lock.
    """
    with _RESERVE, transaction(con) as cur:
        counters = _read_counters(cur, _keys(username, client))
        pair, per_client, account = counters.values()
        locks = [c.locked_until_utc for c in counters.values() if c.locked_until_utc]
        until = max((u for u in locks if u > now), default=None)
        if until is not None:
            _record_attempt(cur, username, client, now, "locked")
            return until
        _count_failure(pair, now=now, limit=attempts, window=window)
        _count_failure(per_client, now=now, limit=CLIENT_LIMIT, window=window)
        account.failures += 1
        account.last_failure_utc = now
        if account.failures >= ACCOUNT_CEILING:
            account.locked_until_utc = FOREVER
        for counter in counters.values():
            _write_counter(cur, counter)
    return None


def _settle(con, username: str, client: str, *, now: datetime, ok: bool) -> datetime | None:
    """Record how a checked attempt ended; a success clears its counters. Returns a lock it hit."""
    with _RESERVE, transaction(con) as cur:
        counters = _read_counters(cur, _keys(username, client))
        pair, per_client, account = counters.values()
        _record_attempt(cur, username, client, now, "ok" if ok else "wrong")
        if not ok:
            locks = [c.locked_until_utc for c in counters.values() if c.locked_until_utc]
            return max((u for u in locks if u > now), default=None)
        cur.execute(
            "DELETE FROM login_throttle WHERE (scope = 'pair' AND throttle_key = ?)"
            " OR (scope = 'account' AND throttle_key = ?)",
            [pair.key, account.key],
        )
        if per_client.stored and per_client.failures > 0:
            per_client.failures -= 1  # the provisional failure was not one
            _write_counter(cur, per_client)
    return None


def _record_attempt(cur, username: str, client: str, now: datetime, outcome: str) -> None:
    cur.execute(
        "INSERT INTO login_attempts (username, at_utc, success, client, outcome)"
        " VALUES (?, ?, ?, ?, ?)",
        [username[:80], now, outcome == "ok", client[:80], outcome],
    )


def authenticate(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    *,
    now: datetime,
    demo_mode: bool,
    attempts: int = 5,
    minutes: int = 15,
    client: str = "local",
) -> LoginResult:
    """Check a login from `client` (an address); throttle failures; refuse while locked.

    Every path that checks a password runs bcrypt exactly once, with the same cost, so an
    unknown user, a wrong password and an overlong one take the same time.
    """
    username = username.strip().lower()[:80]
    client = (client or "unknown")[:80]
    window = timedelta(minutes=minutes)
    until = _reserve(con, username, client, now=now, attempts=attempts, window=window)
    if until is not None:
        return LoginResult(message=_lock_message(until), locked_until_utc=until)
    row = (
        con.cursor()
        .execute(
            "SELECT password_hash FROM users WHERE username = ? AND active AND (NOT is_demo OR ?)",
            [username, demo_mode],
        )
        .fetchone()
    )
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        # Refused before hashing it (bcrypt 5 raises on it); a dummy check keeps the timing.
        bcrypt.checkpw(b"overlong", _DUMMY_HASH.encode())
        ok = False
    else:
        stored = row[0] if row else _DUMMY_HASH
        ok = bcrypt.checkpw(encoded, stored.encode()) and row is not None
    until = _settle(con, username, client, now=now, ok=ok)
    if not ok:
        if until is not None:
            return LoginResult(message=_lock_message(until), locked_until_utc=until)
        return LoginResult(message="Username or password is incorrect.")
    return LoginResult(user=get_user(con, username, demo_mode=demo_mode))


def list_lockouts(con: duckdb.DuckDBPyConnection, *, actor: User, now: datetime):
    """Return the accounts locked now, or with failures counted, for the Admin page."""
    require(actor, "user.manage")
    frame = (
        con.cursor()
        .execute(
            "SELECT scope, throttle_key, failures, locked_until_utc, last_failure_utc"
            " FROM login_throttle WHERE scope IN ('pair', 'account')"
            " AND (failures > 0 OR locked_until_utc > ?) ORDER BY last_failure_utc DESC",
            [now],
        )
        .df()
    )
    parts = frame["throttle_key"].str.split("\n", n=1, expand=True).reindex(columns=[0, 1])
    return (
        frame.assign(
            account=parts[0],
            client=parts[1].where(frame["scope"] == "pair", "every client"),
            locked=frame["locked_until_utc"].gt(now).fillna(False),
        )
        .drop(columns=["throttle_key"])
        .astype({"locked": bool})
    )


def unlock_account(con: duckdb.DuckDBPyConnection, *, actor: User, username: str) -> int:
    """Lift every lock and failure count of an account; return how many counters were cleared."""
    require(actor, "user.manage")
    with _RESERVE, transaction(con) as cur:
        cleared = len(
            cur.execute(
                "DELETE FROM login_throttle WHERE (scope = 'pair' AND starts_with(throttle_key, ?))"
                " OR (scope = 'account' AND throttle_key = ?) RETURNING scope",
                [username + "\n", username],
            ).fetchall()
        )
        audit.record(
            cur,
            actor=actor,
            action="unlock",
            entity="user",
            entity_id=username,
            after={"counters_cleared": cleared},
        )
    return cleared


def _invalidate_sessions(cur: duckdb.DuckDBPyConnection, username: str) -> None:
    cur.execute("DELETE FROM user_sessions WHERE username = ?", [username])
    cur.execute(
        "INSERT INTO user_sessions (username, valid_after_utc) VALUES (?, ?)",
        [username, audit.utcnow()],
    )


def logout(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """End every session of the user: cookies issued before now stop working."""
    with transaction(con) as cur:
        _invalidate_sessions(cur, username)


def session_username(
    con: duckdb.DuckDBPyConnection,
    token: str | None,
    *,
    cookie_key: str,
    expiry_days: float,
    now_ts: float,
) -> str | None:
    """Return the username of a valid, unrevoked login cookie, else None.

    streamlit-authenticator's cookie holds only {username, exp_date}; its issue time is
    exp_date minus the expiry, which is compared with the user's last logout.
    """
    if not token:
        return None
    try:
        payload = jwt.decode(token, cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    username = payload.get("username")
    exp_date = payload.get("exp_date")
    if not isinstance(username, str) or not isinstance(exp_date, int | float) or exp_date <= now_ts:
        return None
    issued_ts = exp_date - expiry_days * 86400
    return username if session_still_valid(con, username, issued_ts=issued_ts) else None


def session_still_valid(con: duckdb.DuckDBPyConnection, username: str, *, issued_ts: float) -> bool:
    """Return False when the user logged out (or was disabled) after `issued_ts`."""
    row = (
        con.cursor()
        .execute("SELECT epoch(valid_after_utc) FROM user_sessions WHERE username = ?", [username])
        .fetchone()
    )
    return row is None or issued_ts > row[0]

"""Check passwords, lock accounts after repeated failures, and invalidate sessions on logout."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from core import audit
from core.permissions import ROLES, User, require
from core.store import Db
from core.store import users as store
from core.store.users import ThrottleCounter as _Counter

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


def _insert_user(conn, user_in: UserIn, password_hash: str, *, is_demo: bool) -> None:
    store.insert_user(
        conn,
        store.UserRecordIn(
            **user_in.model_dump(exclude={"email"}),
            email=str(user_in.email),
            password_hash=password_hash,
            is_demo=is_demo,
            created_at_utc=audit.utcnow(),
        ),
    )


def create_user(
    con: Db,
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

    def _create(conn) -> None:
        if store.user_exists(conn, username=user_in.username):
            raise ValueError(f"The username {user_in.username!r} is already taken.")
        known = store.registry_has(
            conn, agency_id=user_in.agency_id, workstream_id=user_in.workstream_id
        )
        if user_in.agency_id and not known["agency"]:
            raise ValueError(
                f"Agency: {user_in.agency_id!r} is not in the registry; choose one from the list."
            )
        if user_in.workstream_id and not known["workstream"]:
            raise ValueError(
                f"Workstream: {user_in.workstream_id!r} is not in the registry; choose one from "
                "the list."
            )
        _insert_user(conn, user_in, password_hash, is_demo=is_demo)
        audit.record(
            conn,
            actor=actor,
            action="create",
            entity="user",
            entity_id=user_in.username,
            after=user_in,
        )

    con.write(_create)


def set_user_active(con: Db, *, actor: User, username: str, active: bool) -> None:
    """Enable or disable an account; disabling also ends its sessions."""
    require(actor, "user.manage")

    def _set(conn) -> None:
        before = store.get_user_active(conn, username=username)
        if before is None:
            raise ValueError(f"No user {username!r}.")
        store.update_user_active(conn, username=username, active=active)
        if not active:
            _invalidate_sessions(conn, username)
        audit.record(
            conn,
            actor=actor,
            action="update",
            entity="user",
            entity_id=username,
            before={"active": before},
            after={"active": active},
        )

    con.write(_set)


def set_password(con: Db, *, actor: User, username: str, password: str, rounds: int = 12) -> None:
    """Give an account a new password; its open sessions end."""
    require(actor, "user.manage")
    password_hash = hash_password(password, rounds=rounds)

    def _set(conn) -> None:
        if not store.user_exists(conn, username=username):
            raise ValueError(f"No user {username!r}.")
        store.update_password_hash(conn, username=username, password_hash=password_hash)
        _invalidate_sessions(conn, username)
        audit.record(conn, actor=actor, action="set_password", entity="user", entity_id=username)

    con.write(_set)


def list_users(con: Db):
    """Return every account without password hashes."""
    return store.list_users(con)


def get_user(con: Db, username: str, *, demo_mode: bool) -> User | None:
    """Return the active user, or None (demo accounts only exist in demo mode)."""
    row = store.get_user(con, username=username, demo_mode=demo_mode)
    return None if row is None else User(**row.model_dump())


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

    def _count(cur) -> datetime | None:
        counters = store.read_counters(cur, _keys(username, client))
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
            store.save_counter(cur, counter)
        return None

    with _RESERVE:
        return con.write(_count)


def _settle(con, username: str, client: str, *, now: datetime, ok: bool) -> datetime | None:
    """Record how a checked attempt ended; a success clears its counters. Returns a lock it hit."""

    def _record(cur) -> datetime | None:
        counters = store.read_counters(cur, _keys(username, client))
        pair, per_client, account = counters.values()
        _record_attempt(cur, username, client, now, "ok" if ok else "wrong")
        if not ok:
            locks = [c.locked_until_utc for c in counters.values() if c.locked_until_utc]
            return max((u for u in locks if u > now), default=None)
        store.delete_counters(cur, pair_key=pair.key, account_key=account.key)
        if per_client.stored and per_client.failures > 0:
            per_client.failures -= 1  # the provisional failure was not one
            store.save_counter(cur, per_client)
        return None

    with _RESERVE:
        return con.write(_record)


def _record_attempt(cur, username: str, client: str, now: datetime, outcome: str) -> None:
    store.insert_login_attempt(
        cur, username=username[:80], at_utc=now, client=client[:80], outcome=outcome
    )


def authenticate(
    con: Db,
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
    stored_hash = store.get_password_hash(con, username=username, demo_mode=demo_mode)
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        # Refused before hashing it (bcrypt 5 raises on it); a dummy check keeps the timing.
        bcrypt.checkpw(b"overlong", _DUMMY_HASH.encode())
        ok = False
    else:
        stored = stored_hash or _DUMMY_HASH
        ok = bcrypt.checkpw(encoded, stored.encode()) and stored_hash is not None
    until = _settle(con, username, client, now=now, ok=ok)
    if not ok:
        if until is not None:
            return LoginResult(message=_lock_message(until), locked_until_utc=until)
        return LoginResult(message="Username or password is incorrect.")
    return LoginResult(user=get_user(con, username, demo_mode=demo_mode))


def list_lockouts(con: Db, *, actor: User, now: datetime):
    """Return the accounts locked now, or with failures counted, for the Admin page."""
    require(actor, "user.manage")
    frame = store.list_counters(con, now=now)
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


def unlock_account(con: Db, *, actor: User, username: str) -> int:
    """Lift every lock and failure count of an account; return how many counters were cleared."""
    require(actor, "user.manage")

    def _unlock(cur) -> int:
        cleared = store.delete_account_counters(cur, username=username)
        audit.record(
            cur,
            actor=actor,
            action="unlock",
            entity="user",
            entity_id=username,
            after={"counters_cleared": cleared},
        )
        return cleared

    with _RESERVE:
        return con.write(_unlock)


def _invalidate_sessions(conn, username: str) -> None:
    store.reset_sessions(conn, username=username, valid_after_utc=audit.utcnow())


def logout(con: Db, username: str) -> None:
    """End every session of the user: cookies issued before now stop working."""
    con.write(lambda conn: _invalidate_sessions(conn, username))


def session_username(
    con: Db,
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


def session_still_valid(con: Db, username: str, *, issued_ts: float) -> bool:
    """Return False when the user logged out (or was disabled) after `issued_ts`."""
    after = store.get_sessions_valid_after(con, username=username)
    return after is None or issued_ts > after.replace(tzinfo=UTC).timestamp()

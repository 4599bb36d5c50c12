"""Check passwords, lock accounts after repeated failures, and invalidate sessions on logout."""

from __future__ import annotations

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


def locked_until(
    con: duckdb.DuckDBPyConnection, username: str, *, now: datetime, attempts: int, minutes: int
) -> datetime | None:
    """Return when the account unlocks if `attempts` failures fell within `minutes`, else None."""
    window = timedelta(minutes=minutes)
    rows = (
        con.cursor()
        .execute(
            "SELECT at_utc, success FROM login_attempts WHERE username = ? AND at_utc > ?"
            " ORDER BY at_utc DESC",
            [username, now - 2 * window],
        )
        .fetchall()
    )
    failures: list[datetime] = []
    for at, success in rows:
        if success:
            break
        failures.append(at)
    # The lock starts at the failure that reached the limit within one window.
    failures.reverse()
    for i in range(len(failures) - attempts + 1):
        if failures[i + attempts - 1] - failures[i] <= window:
            until = failures[i + attempts - 1] + window
            if until > now:
                return until
    return None


def authenticate(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    *,
    now: datetime,
    demo_mode: bool,
    attempts: int = 5,
    minutes: int = 15,
) -> LoginResult:
    """Check a login; count failures; refuse while the account is locked."""
    username = username.strip().lower()
    cur = con.cursor()
    until = locked_until(con, username, now=now, attempts=attempts, minutes=minutes)
    if until is not None:
        return LoginResult(
            message=f"Too many failed logins: this account is locked until {until:%H:%M} UTC.",
            locked_until_utc=until,
        )
    row = cur.execute(
        "SELECT password_hash FROM users WHERE username = ? AND active AND (NOT is_demo OR ?)",
        [username, demo_mode],
    ).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    encoded = password.encode("utf-8")
    # bcrypt 5 raises on passwords over 72 bytes; such a password can never match.
    ok = len(encoded) <= MAX_PASSWORD_BYTES and bcrypt.checkpw(encoded, stored.encode())
    ok = ok and row is not None
    with transaction(con) as tx:
        tx.execute(
            "INSERT INTO login_attempts (username, at_utc, success) VALUES (?, ?, ?)",
            [username[:80], now, ok],
        )
    if not ok:
        until = locked_until(con, username, now=now, attempts=attempts, minutes=minutes)
        if until is not None:
            return LoginResult(
                message=f"Too many failed logins: this account is locked until {until:%H:%M} UTC.",
                locked_until_utc=until,
            )
        return LoginResult(message="Username or password is incorrect.")
    return LoginResult(user=get_user(con, username, demo_mode=demo_mode))


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
    row = (
        con.cursor()
        .execute("SELECT epoch(valid_after_utc) FROM user_sessions WHERE username = ?", [username])
        .fetchone()
    )
    if row is not None and issued_ts <= row[0]:
        return None
    return username

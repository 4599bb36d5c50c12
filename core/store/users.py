"""The users, user_sessions, login_throttle and login_attempts tables: accounts and logins."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db

_USER_COLUMNS = "username, name, email, role, agency_id, workstream_id"


class UserRow(BaseModel):
    """An account as stored (never with its password hash)."""

    username: str
    name: str
    email: str
    role: str
    agency_id: str | None = None
    workstream_id: str | None = None


class UserRecordIn(BaseModel):
    """An account to store, its password already hashed."""

    username: str
    name: str
    email: str
    password_hash: str
    role: str
    agency_id: str | None = None
    workstream_id: str | None = None
    is_demo: bool = False
    created_at_utc: datetime


class ThrottleCounter(BaseModel):
    """Failed-login counter of one scope (pair, client, account) and key."""

    scope: str
    key: str
    failures: int = 0
    window_start_utc: datetime | None = None
    locked_until_utc: datetime | None = None
    lock_count: int = 0
    last_failure_utc: datetime | None = None
    stored: bool = False


# Users ------------------------------------------------------------------------------------


def insert_user(conn, record: UserRecordIn) -> None:
    """Store a new account inside the caller's transaction.

    `conn` is an SQLAlchemy connection; the demo loader, not yet moved into the store, passes
    its DuckDB cursor and gets the same statement in DuckDB's parameter style.
    """
    sql = (
        "INSERT INTO users (username, name, email, password_hash, role, agency_id,"
        " workstream_id, active, is_demo, created_at_utc) VALUES "
    )
    values = record.model_dump()
    if isinstance(conn, sa.Connection):
        conn.execute(
            sa.text(
                sql + "(:username, :name, :email, :password_hash, :role, :agency_id,"
                " :workstream_id, TRUE, :is_demo, :created_at_utc)"
            ),
            values,
        )
    else:
        conn.execute(sql + "(?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?)", list(values.values()))


def registry_has(conn: sa.Connection, *, agency_id: str | None, workstream_id: str | None) -> dict:
    """Whether the agency and the workstream (each when given) are in the registry."""
    row = conn.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM agencies WHERE agency_id = :a) AS agency,"
            " (SELECT count(*) FROM workstreams WHERE workstream_id = :w) AS workstream"
        ),
        {"a": agency_id, "w": workstream_id},
    ).first()
    return {"agency": bool(row.agency), "workstream": bool(row.workstream)}


def user_exists(conn: sa.Connection, *, username: str) -> bool:
    return (
        conn.execute(sa.text("SELECT 1 FROM users WHERE username = :u"), {"u": username}).first()
        is not None
    )


def get_user_active(conn: sa.Connection, *, username: str) -> bool | None:
    """Whether the account is active, or None when there is no such account."""
    return conn.execute(
        sa.text("SELECT active FROM users WHERE username = :u"), {"u": username}
    ).scalar()


def update_user_active(conn: sa.Connection, *, username: str, active: bool) -> None:
    conn.execute(
        sa.text("UPDATE users SET active = :a WHERE username = :u"), {"a": active, "u": username}
    )


def update_password_hash(conn: sa.Connection, *, username: str, password_hash: str) -> None:
    conn.execute(
        sa.text("UPDATE users SET password_hash = :h WHERE username = :u"),
        {"h": password_hash, "u": username},
    )


def list_users(db: Db) -> pd.DataFrame:
    """Every account, without password hashes."""
    return db.frame(
        f"SELECT {_USER_COLUMNS}, active, is_demo FROM users ORDER BY username"  # noqa: S608
    )


def get_user(db: Db, *, username: str, demo_mode: bool) -> UserRow | None:
    """An active account (demo accounts only in demo mode), or None."""
    row = db.one(
        f"SELECT {_USER_COLUMNS} FROM users"  # noqa: S608 (a constant list of columns)
        " WHERE username = :u AND active AND (NOT is_demo OR :demo)",
        u=username,
        demo=demo_mode,
    )
    return None if row is None else UserRow(**row._mapping)


def get_password_hash(db: Db, *, username: str, demo_mode: bool) -> str | None:
    return db.scalar(
        "SELECT password_hash FROM users WHERE username = :u AND active AND (NOT is_demo OR :demo)",
        u=username,
        demo=demo_mode,
    )


def get_viewer_tz(db: Db, *, username: str) -> str | None:
    """The zone the account chose to see times in, or None (the browser's zone then)."""
    return db.scalar("SELECT viewer_tz FROM users WHERE username = :u", u=username)


def update_viewer_tz(conn: sa.Connection, *, username: str, viewer_tz: str | None) -> None:
    conn.execute(
        sa.text("UPDATE users SET viewer_tz = :tz WHERE username = :u"),
        {"tz": viewer_tz, "u": username},
    )


# Sessions ---------------------------------------------------------------------------------


def reset_sessions(conn: sa.Connection, *, username: str, valid_after_utc: datetime) -> None:
    """Cookies of the user issued before `valid_after_utc` stop working."""
    conn.execute(sa.text("DELETE FROM user_sessions WHERE username = :u"), {"u": username})
    conn.execute(
        sa.text("INSERT INTO user_sessions (username, valid_after_utc) VALUES (:u, :t)"),
        {"u": username, "t": valid_after_utc},
    )


def get_sessions_valid_after(db: Db, *, username: str) -> datetime | None:
    return db.scalar("SELECT valid_after_utc FROM user_sessions WHERE username = :u", u=username)


# Login throttle ---------------------------------------------------------------------------


def read_counters(
    conn: sa.Connection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], ThrottleCounter]:
    """The counters of the given (scope, key) pairs; missing ones come back empty, unstored."""
    clauses = " OR ".join(f"(scope = :s{i} AND throttle_key = :k{i})" for i in range(len(keys)))
    params = {f"{p}{i}": v for i, key in enumerate(keys) for p, v in zip("sk", key, strict=True)}
    sql = (
        "SELECT scope, throttle_key AS key, failures, window_start_utc, locked_until_utc,"  # noqa: S608 (placeholders only)
        f" lock_count, last_failure_utc FROM login_throttle WHERE {clauses}"
    )
    rows = conn.execute(sa.text(sql), params).all()
    found = {(r.scope, r.key): ThrottleCounter(**r._mapping, stored=True) for r in rows}
    return {k: found.get(k) or ThrottleCounter(scope=k[0], key=k[1]) for k in keys}


def save_counter(conn: sa.Connection, counter: ThrottleCounter) -> None:
    values = counter.model_dump(exclude={"stored"})
    if counter.stored:
        sql = (
            "UPDATE login_throttle SET failures = :failures, window_start_utc = :window_start_utc,"
            " locked_until_utc = :locked_until_utc, lock_count = :lock_count,"
            " last_failure_utc = :last_failure_utc WHERE scope = :scope AND throttle_key = :key"
        )
    else:
        sql = (
            "INSERT INTO login_throttle (failures, window_start_utc, locked_until_utc,"
            " lock_count, last_failure_utc, scope, throttle_key) VALUES (:failures,"
            " :window_start_utc, :locked_until_utc, :lock_count, :last_failure_utc, :scope, :key)"
        )
    conn.execute(sa.text(sql), values)


def delete_counters(conn: sa.Connection, *, pair_key: str, account_key: str) -> None:
    """Forget the pair and account counters (after a successful login)."""
    conn.execute(
        sa.text(
            "DELETE FROM login_throttle WHERE (scope = 'pair' AND throttle_key = :p)"
            " OR (scope = 'account' AND throttle_key = :a)"
        ),
        {"p": pair_key, "a": account_key},
    )


def delete_account_counters(conn: sa.Connection, *, username: str) -> int:
    """Lift every lock of an account (from any client); return how many counters went."""
    return len(
        conn.execute(
            sa.text(
                "DELETE FROM login_throttle WHERE (scope = 'pair' AND throttle_key LIKE :prefix)"
                " OR (scope = 'account' AND throttle_key = :u) RETURNING scope"
            ),
            {"prefix": _like_prefix(username + "\n"), "u": username},
        ).all()
    )


def _like_prefix(text: str) -> str:
    # Usernames hold only [a-z0-9_.-]; "_" is a LIKE wildcard and is escaped with the default "\".
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_counters(db: Db, *, now: datetime) -> pd.DataFrame:
    """Pair and account counters with failures or a lock still running."""
    return db.frame(
        "SELECT scope, throttle_key, failures, locked_until_utc, last_failure_utc"
        " FROM login_throttle WHERE scope IN ('pair', 'account')"
        " AND (failures > 0 OR locked_until_utc > :now) ORDER BY last_failure_utc DESC",
        now=now,
    )


def insert_login_attempt(
    conn: sa.Connection, *, username: str, at_utc: datetime, client: str, outcome: str
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO login_attempts (username, at_utc, success, client, outcome)"
            " VALUES (:u, :t, :ok, :c, :o)"
        ),
        {"u": username, "t": at_utc, "ok": outcome == "ok", "c": client, "o": outcome},
    )

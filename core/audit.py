"""Write and read the audit log: who did what, when, with the data before and after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from core.permissions import User


def _to_json(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (the database's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    action: str,
    entity: str,
    entity_id: object = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry to the audit log, inside the caller's transaction."""
    cur.execute(
        "INSERT INTO audit_log (at_utc, username, action, entity, entity_id, before_json, after_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            utcnow(),
            actor.username,
            action,
            entity,
            None if entity_id is None else str(entity_id),
            _to_json(before),
            _to_json(after),
        ],
    )


def list_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: User,
    limit: int = 500,
    entity: str | None = None,
    username: str | None = None,
) -> pd.DataFrame:
    """Return the newest audit entries, optionally for one kind of entity or one user."""
    from core.permissions import require

    require(actor, "audit.view")
    return (
        con.cursor()
        .execute(
            "SELECT at_utc, username, action, entity, entity_id, before_json, after_json"
            " FROM audit_log WHERE (? IS NULL OR entity = ?) AND (? IS NULL OR username = ?)"
            " ORDER BY audit_id DESC LIMIT ?",
            [entity, entity, username, username, limit],
        )
        .df()
    )


def audit_facets(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Return the entity kinds and usernames present in the audit log (for filters)."""
    cur = con.cursor()
    entities = [
        r[0] for r in cur.execute("SELECT DISTINCT entity FROM audit_log ORDER BY 1").fetchall()
    ]
    users = [
        r[0] for r in cur.execute("SELECT DISTINCT username FROM audit_log ORDER BY 1").fetchall()
    ]
    return entities, users

"""The audit_log table: one entry per change, written inside the change's own transaction."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db


class AuditEntryIn(BaseModel):
    at_utc: datetime
    username: str
    action: str
    entity: str
    entity_id: str | None = None
    before_json: str | None = None
    after_json: str | None = None


_INSERT = (
    "INSERT INTO audit_log (at_utc, username, action, entity, entity_id, before_json, after_json)"
)


def insert_audit_entry(conn, entry: AuditEntryIn) -> None:
    """Append one entry inside the caller's transaction.

    `conn` is an SQLAlchemy connection; modules not yet moved into the store pass their
    DuckDB cursor, which gets the same statement in DuckDB's parameter style.
    """
    values = entry.model_dump()
    if isinstance(conn, sa.Connection):
        conn.execute(
            sa.text(
                _INSERT + " VALUES (:at_utc, :username, :action, :entity, :entity_id,"
                " :before_json, :after_json)"
            ),
            values,
        )
    else:
        conn.execute(_INSERT + " VALUES (?, ?, ?, ?, ?, ?, ?)", list(values.values()))


def list_audit_entries(
    db: Db, *, limit: int, entity: str | None = None, username: str | None = None
) -> pd.DataFrame:
    """The newest entries first, optionally of one kind of entity or one user."""
    return db.frame(
        "SELECT a.at_utc, a.username, a.action, a.entity, a.entity_id, a.before_json,"
        " a.after_json, u.name AS user_name"
        " FROM audit_log a LEFT JOIN users u ON u.username = a.username"
        " WHERE (CAST(:entity AS VARCHAR) IS NULL OR a.entity = :entity)"
        " AND (CAST(:username AS VARCHAR) IS NULL OR a.username = :username)"
        " ORDER BY a.audit_id DESC LIMIT :limit",
        entity=entity,
        username=username,
        limit=limit,
    )


def list_audit_facets(db: Db) -> tuple[list[str], list[str]]:
    """The entity kinds and the usernames present in the log."""
    with db.reading() as conn:
        entities = list(
            conn.execute(sa.text("SELECT DISTINCT entity FROM audit_log ORDER BY 1")).scalars()
        )
        users = list(
            conn.execute(sa.text("SELECT DISTINCT username FROM audit_log ORDER BY 1")).scalars()
        )
    return entities, users


def insert_audit_entries(conn: sa.Connection, entries: list[AuditEntryIn]) -> None:
    """Append many entries in one statement (a bulk import: one entry per changed record)."""
    if entries:
        table = sa.table("audit_log", *(sa.column(c) for c in AuditEntryIn.model_fields))
        conn.execute(sa.insert(table), [e.model_dump() for e in entries])

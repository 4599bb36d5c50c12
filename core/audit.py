"""Write and read the audit log: who did what, when, with the data before and after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from core.permissions import User
from core.store import Db
from core.store.audit import (
    AuditEntryIn,
    insert_audit_entries,
    insert_audit_entry,
    list_audit_entries,
    list_audit_facets,
)


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
    cur,
    *,
    actor: User,
    action: str,
    entity: str,
    entity_id: object = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry to the audit log, inside the caller's transaction."""
    insert_audit_entry(
        cur,
        AuditEntryIn(
            at_utc=utcnow(),
            username=actor.username,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before_json=_to_json(before),
            after_json=_to_json(after),
        ),
    )


def entry(
    *,
    actor: User,
    action: str,
    entity: str,
    entity_id: object = None,
    before: Any = None,
    after: Any = None,
    at_utc: datetime | None = None,
) -> AuditEntryIn:
    """One audit entry, for `record_many`."""
    return AuditEntryIn(
        at_utc=at_utc or utcnow(),
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before_json=_to_json(before),
        after_json=_to_json(after),
    )


def record_many(conn, entries: list[AuditEntryIn]) -> None:
    """Append many entries inside the caller's transaction (a bulk import)."""
    insert_audit_entries(conn, entries)


def list_audit(
    con: Db,
    *,
    actor: User,
    limit: int = 500,
    entity: str | None = None,
    username: str | None = None,
) -> pd.DataFrame:
    """Return the newest audit entries, optionally for one kind of entity or one user."""
    from core.permissions import require

    require(actor, "audit.view")
    return list_audit_entries(con, limit=limit, entity=entity, username=username)


def audit_facets(con: Db) -> tuple[list[str], list[str]]:
    """Return the entity kinds and usernames present in the audit log (for filters)."""
    return list_audit_facets(con)

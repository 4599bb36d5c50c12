"""Write and read the audit log: who did what, when, with the data before and after."""

from __future__ import annotations

import json
import re
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


def _words(value: Any) -> str:
    """A logged value for people: blank for none, yes / no, lists joined, codes capitalised."""
    if value is None or value == "":
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "blank"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in value.items())
    text = str(value)
    return text.replace("_", " ").capitalize() if re.fullmatch(r"[a-z]+(_[a-z]+)*", text) else text


def _load(text: str | None) -> dict:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


def describe_change(before_json: str | None, after_json: str | None) -> str:
    """'Status: Requested → Confirmed; Note: blank → late' from the logged before and after."""
    before, after = _load(before_json), _load(after_json)
    said = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in ("password_hash", "token_hash"):
            continue
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        field = key.replace("_id", "").replace("_", " ").capitalize()
        if key not in before:
            said.append(f"{field}: {_words(new)}")
        elif key not in after:
            said.append(f"{field}: {_words(old)} → removed")
        else:
            said.append(f"{field}: {_words(old)} → {_words(new)}")
    return "; ".join(said)


def readable_audit(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log in people's words: when, who by name, what was done to what, the changes."""
    return pd.DataFrame(
        {
            "When (UTC)": [f"{t:%d %b %Y, %H:%M}" for t in pd.to_datetime(log["at_utc"])],
            "Who": [
                n if isinstance(n, str) and n else u
                for n, u in zip(log["user_name"], log["username"], strict=True)
            ],
            "Did": [a.split(".")[-1].replace("_", " ").capitalize() for a in log["action"]],
            "What": [
                f"{e.replace('_', ' ').capitalize()} {i}".strip()
                for e, i in zip(log["entity"], log["entity_id"].fillna(""), strict=True)
            ],
            "Changes": [
                describe_change(b, a)
                for b, a in zip(log["before_json"], log["after_json"], strict=True)
            ],
        }
    )

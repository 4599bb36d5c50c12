"""Every successful write leaves an audit entry: who, when, what, and the data before a change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import audit
from core.db import connect
from tests import test_permissions_matrix as matrix
from tests.test_permissions_matrix import WRITES, Write, user_of

# The matrix's database fixture, shared by name (a fresh copy for this module).
matrix_con = matrix.matrix_con


def _cases() -> list:
    return [
        pytest.param(row, username, id=f"{row.id}-{username}")
        for row in WRITES
        for username in sorted(row.allowed)
    ]


def _audit_rows(con, after_id: int) -> list[dict]:
    keys = ("audit_id", "at_utc", "username", "action", "entity", "entity_id", "before", "after")
    rows = (
        con.cursor()
        .execute(
            "SELECT audit_id, at_utc, username, action, entity, entity_id, before_json, after_json"
            " FROM audit_log WHERE audit_id > ? ORDER BY audit_id",
            [after_id],
        )
        .fetchall()
    )
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _last_id(con) -> int:
    return con.cursor().execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]


@pytest.mark.parametrize(("row", "username"), _cases())
def test_successful_write_is_audited(matrix_con, row: Write, username: str):
    con = matrix_con
    actor = user_of(con, username)
    ctx = row.setup(con, actor)
    audit_con = con
    if "audit_db" in row.extra:
        # A restore replaces the whole file: its entry is in the restored database.
        last = 0
    else:
        last = _last_id(con)
    started = audit.utcnow() - timedelta(seconds=1)
    row.call(con, actor, ctx)
    ended = audit.utcnow() + timedelta(seconds=1)
    if "audit_db" in row.extra:
        audit_con = connect(ctx[row.extra["audit_db"]])
        last = audit_con.execute(
            "SELECT coalesce(max(audit_id), 0) FROM audit_log WHERE action <> 'restore'"
        ).fetchone()[0]
    try:
        entries = _audit_rows(audit_con, last)
    finally:
        if audit_con is not con:
            audit_con.close()
    mine = [e for e in entries if e["username"] == actor.username and e["entity"] == row.entity]
    assert mine, (
        f"{row.id} as {username} wrote no audit entry for entity {row.entity!r}; "
        f"new entries: {[(e['username'], e['action'], e['entity']) for e in entries]}"
    )
    for entry in mine:
        assert started <= entry["at_utc"] <= ended, f"{row.id}: audit time {entry['at_utc']}"
        assert entry["action"], f"{row.id}: audit entry without an action"
        assert entry["entity_id"], f"{row.id}: audit entry without the id of what changed"
        if not row.extra.get("no_data"):
            assert entry["before"] or entry["after"], f"{row.id}: audit entry holds no data"
    if row.before:
        assert any(e["before"] for e in mine), (
            f"{row.id} changes existing data but its audit entry holds no 'before': "
            f"{[(e['action'], e['after']) for e in mine]}"
        )

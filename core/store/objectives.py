"""GCM objective tags of products, events, agenda items, consultations and engagements.

The only writer of the five `*_objectives` tables (migration 070). Reads join every tag to the
row it tags, so a tag whose row was deleted is never counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
import sqlalchemy as sa

from core.store import Db
from core.store.champions import run, run_many

# kind -> (tag table, key column, tagged table)
TAG_TABLES: dict[str, tuple[str, str, str]] = {
    "product": ("product_objectives", "product_id", "products"),
    "event": ("event_objectives", "event_id", "events"),
    "agenda_item": ("agenda_item_objectives", "item_id", "agenda_items"),
    "consultation": ("consultation_objectives", "consultation_id", "consultations"),
    "engagement": ("engagement_objectives", "engagement_id", "engagements"),
}

# The workstream a tagged row belongs to (for the permission check), by kind.
_WORKSTREAM_SQL = {
    "product": "SELECT workstream_id FROM products WHERE product_id = :i",
    "event": "SELECT workstream_id FROM events WHERE event_id = :i",
    "agenda_item": (
        "SELECT e.workstream_id FROM agenda_items a JOIN events e ON e.event_id = a.event_id"
        " WHERE a.item_id = :i"
    ),
    "consultation": (
        "SELECT p.workstream_id FROM consultations c"
        " JOIN products p ON p.product_id = c.product_id WHERE c.consultation_id = :i"
    ),
    "engagement": "SELECT workstream_id FROM engagements WHERE engagement_id = :i",
}


def _table(kind: str) -> tuple[str, str, str]:
    if kind not in TAG_TABLES:
        raise KeyError(f"Unknown kind of tagged row {kind!r}")
    return TAG_TABLES[kind]


def get_tagged_workstream(
    conn: sa.Connection, *, kind: str, row_id: int
) -> tuple[bool, str | None]:
    """(row exists, its workstream) for the row a tag would go on."""
    _table(kind)
    row = conn.execute(sa.text(_WORKSTREAM_SQL[kind]), {"i": row_id}).first()
    return (row is not None, None if row is None else row[0])


def list_row_objectives(db_or_conn: Db | sa.Connection, *, kind: str, row_id: int) -> list[int]:
    """The objective numbers of one row, in order."""
    table, key, _ = _table(kind)
    sql = sa.text(f"SELECT objective FROM {table} WHERE {key} = :i ORDER BY objective")  # noqa: S608 (names from TAG_TABLES)
    if isinstance(db_or_conn, Db):
        with db_or_conn.reading() as conn:
            return [r[0] for r in conn.execute(sql, {"i": row_id})]
    return [r[0] for r in db_or_conn.execute(sql, {"i": row_id})]


def replace_row_objectives(
    conn: sa.Connection, *, kind: str, row_id: int, objectives: Iterable[int]
) -> None:
    """Make the row's tags exactly `objectives` (inside the caller's transaction)."""
    table, key, _ = _table(kind)
    delete = f"DELETE FROM {table} WHERE {key} = :i"  # noqa: S608 (names from TAG_TABLES)
    conn.execute(sa.text(delete), {"i": row_id})
    numbers = sorted(set(objectives))
    if numbers:
        conn.execute(
            sa.text(f"INSERT INTO {table} ({key}, objective) VALUES (:i, :o)"),  # noqa: S608
            [{"i": row_id, "o": n} for n in numbers],
        )


def insert_tags(conn, *, kind: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Add (row id, objective) tags inside the caller's transaction (a Connection or a DuckDB
    cursor: the demo loaders seed through one)."""
    table, key, _ = _table(kind)
    rows = [{"i": i, "o": o} for i, o in sorted(set(pairs))]
    insert = f"INSERT INTO {table} ({key}, objective) VALUES (:i, :o)"  # noqa: S608
    run_many(conn, insert, rows)


def list_seed_products(conn) -> list[tuple]:
    """(product_id, title_en, workstream_id, is_demo) inside a seeding transaction."""
    return run(conn, "SELECT product_id, title_en, workstream_id, is_demo FROM products ORDER BY 1")


def list_seed_events(conn) -> list[tuple]:
    """(event_id, workstream_id, is_demo) inside a seeding transaction."""
    return run(conn, "SELECT event_id, workstream_id, is_demo FROM events ORDER BY 1")


def list_seed_engagements(conn) -> list[tuple]:
    """(engagement_id, workstream_id) of hand-logged demo engagements, inside a seeding transaction."""
    return run(
        conn,
        "SELECT engagement_id, workstream_id FROM engagements"
        " WHERE is_demo AND source = 'manual' ORDER BY 1",
    )


def list_tags(db: Db, *, kind: str) -> pd.DataFrame:
    """(row_id, objective) of every tag of one kind whose row still exists."""
    table, key, parent = _table(kind)
    sql = (
        f"SELECT t.{key} AS row_id, t.objective FROM {table} t JOIN {parent} p ON p.{key} = t.{key}"  # noqa: S608,E501 (names from TAG_TABLES)
    )
    return db.frame(sql + " ORDER BY 1, 2")


def list_product_coverage(db: Db) -> pd.DataFrame:
    """One row per (product, objective): the product's own tags and its consultations' tags."""
    return db.frame(
        "SELECT DISTINCT p.product_id, p.title_en, p.workstream_id, p.stage, p.planned_launch,"
        " p.actual_launch, p.is_demo, t.objective FROM products p JOIN ("
        "  SELECT product_id, objective FROM product_objectives"
        "  UNION SELECT c.product_id, co.objective FROM consultation_objectives co"
        "   JOIN consultations c ON c.consultation_id = co.consultation_id"
        " ) t ON t.product_id = p.product_id"
        " WHERE p.stage <> 'cancelled' ORDER BY t.objective, p.title_en"
    )


def list_event_coverage(db: Db) -> pd.DataFrame:
    """One row per (event, objective): the event's own tags and its agenda items' tags."""
    return db.frame(
        "SELECT DISTINCT e.event_id, e.title, e.workstream_id, e.starts_utc, e.audience,"
        " e.is_demo, t.objective FROM events e JOIN ("
        "  SELECT event_id, objective FROM event_objectives"
        "  UNION SELECT a.event_id, ao.objective FROM agenda_item_objectives ao"
        "   JOIN agenda_items a ON a.item_id = ao.item_id"
        " ) t ON t.event_id = e.event_id"
        " WHERE e.status <> 'cancelled' ORDER BY t.objective, e.starts_utc"
    )


def list_engagement_coverage(db: Db, *, since: date | None = None) -> pd.DataFrame:
    """One row per (engagement, objective): its own tags and those of its product and event."""
    return db.frame(
        "SELECT DISTINCT g.engagement_id, g.m49, c.name_en AS country, c.region,"
        " g.occurred_on, g.kind, g.workstream_id, g.is_demo, t.objective"
        " FROM engagements g JOIN countries c ON c.m49 = g.m49"
        " JOIN champions ch ON ch.m49 = g.m49 JOIN ("
        "  SELECT engagement_id, objective FROM engagement_objectives"
        "  UNION SELECT g2.engagement_id, po.objective FROM engagements g2"
        "   JOIN product_objectives po ON po.product_id = g2.product_id"
        "  UNION SELECT g3.engagement_id, eo.objective FROM engagements g3"
        "   JOIN event_objectives eo ON eo.event_id = g3.event_id"
        " ) t ON t.engagement_id = g.engagement_id"
        " WHERE (CAST(:since AS DATE) IS NULL OR g.occurred_on >= CAST(:since AS DATE))"
        " ORDER BY t.objective, g.occurred_on",
        since=since,
    )


def count_demo_rows(db: Db) -> int:
    """How many generated (demo) products and events the database holds."""
    return int(
        db.scalar(
            "SELECT (SELECT count(*) FROM products WHERE is_demo)"
            " + (SELECT count(*) FROM events WHERE is_demo)"
        )
    )

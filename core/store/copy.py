"""Copy every row of one database into another (DuckDB file to PostgreSQL and back).

For a Network that started on the embedded default and outgrew it: the target must be empty
(schema only); rows go in the tables' creation order (parents before children) in one
transaction; sequences are moved past the copied ids; then row counts and a checksum of every
table are compared on both sides. Any difference, or any error, leaves the target empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from pydantic import BaseModel

from core.db import DatabaseError, list_migrations
from core.store import Db

_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\(", re.IGNORECASE)
_SEQUENCE_COLUMN = re.compile(r"^\s*(\w+)\s+\w+.*DEFAULT nextval\('(\w+)'\)", re.MULTILINE)
BATCH = 5_000


class CopyRefused(DatabaseError):
    """The copy cannot start or did not verify; the target is left as it was."""


class TableCopy(BaseModel):
    table: str
    rows: int
    checksum: str


class CopyReport(BaseModel):
    tables: list[TableCopy]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def summary(self) -> str:
        filled = [t for t in self.tables if t.rows]
        return f"{self.total_rows} rows in {len(filled)} tables (of {len(self.tables)}), verified"


def table_order() -> list[str]:
    """Every table the migrations create, in creation order (a parent before its children)."""
    order: list[str] = []
    for _, _, sql in list_migrations():
        for name in _CREATE_TABLE.findall(sql):
            if name not in order:
                order.append(name)
    return order


def sequence_columns() -> list[tuple[str, str, str]]:
    """(sequence, table, column) for every id column filled from a sequence."""
    found = []
    for _, _, sql in list_migrations():
        blocks = _CREATE_TABLE.split(sql)
        # split gives [before, name1, body1, name2, body2, ...]
        for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
            for column, sequence in _SEQUENCE_COLUMN.findall(body.split(");")[0]):
                found.append((sequence, name, column))
    return found


def _columns(conn: sa.Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = :t"
                " ORDER BY ordinal_position"
            ),
            {"t": table},
        ).scalars()
    )


def _table(name: str, columns: list[str]) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns))


def _normal(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def table_checksum(conn: sa.Connection, table: str, columns: list[str]) -> tuple[int, str]:
    """Row count and a SHA-256 over the table's rows, the same on either engine."""
    rows = conn.execute(sa.select(_table(table, columns))).all()
    lines = sorted("\x1f".join(_normal(v) for v in row) for row in rows)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\x1e")
    return len(rows), digest.hexdigest()


def _advance_sequences(conn: sa.Connection, target: Db) -> None:
    for sequence, table, column in sequence_columns():
        top = conn.execute(
            sa.select(sa.func.max(sa.column(column))).select_from(sa.table(table))
        ).scalar()
        if not top:
            continue
        if target.kind == "postgresql":
            conn.execute(sa.text("SELECT setval(:s, :n)"), {"s": sequence, "n": int(top)})
        else:
            # DuckDB has no setval: draw the sequence past the copied ids.
            conn.execute(
                sa.text("SELECT max(nextval(:s)) FROM range(:n)"), {"s": sequence, "n": int(top)}
            )


def copy_database(
    source: Db,
    target: Db,
    *,
    progress: Callable[[str, int], None] | None = None,
    replace: bool = False,
    after: Callable[[sa.Connection], None] | None = None,
) -> CopyReport:
    """Copy every row from `source` into the empty `target`; verify counts and checksums.

    `replace=True` (a restore) first empties the target, in the same transaction as the copy,
    so a failure leaves the target as it was. `after(conn)` runs last in that transaction.
    """
    if source.target == target.target:
        raise CopyRefused("The source and the target are the same database.")
    order = table_order()
    with source.reading() as src:
        with target.reading() as dst:
            busy = []
            for table in [] if replace else order:
                count = dst.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table))
                ).scalar()
                if count:
                    busy.append(f"{table} ({count} rows)")
            if busy:
                raise CopyRefused(
                    "The target is not empty: "
                    + ", ".join(busy[:5])
                    + (" and more" if len(busy) > 5 else "")
                    + ". Copy only into a new, empty database; nothing was copied."
                )
        columns = {table: _columns(src, table) for table in order}
        expected = {table: table_checksum(src, table, columns[table]) for table in order}

    def _copy(conn: sa.Connection) -> None:
        if replace:
            for table in reversed(order):  # children before their parents
                conn.execute(sa.delete(sa.table(table)))
        with source.reading() as src:
            for table in order:
                cols = columns[table]
                if not expected[table][0]:
                    continue
                result = src.execute(sa.select(_table(table, cols))).yield_per(BATCH)
                for chunk in result.partitions(BATCH):
                    conn.execute(
                        sa.insert(_table(table, cols)),
                        [dict(zip(cols, r, strict=True)) for r in chunk],
                    )
                if progress:
                    progress(table, expected[table][0])
        _advance_sequences(conn, target)
        for table in order:
            got = table_checksum(conn, table, columns[table])
            if got != expected[table]:
                raise CopyRefused(
                    f"Table {table} did not copy faithfully ({expected[table][0]} rows in the "
                    f"source, {got[0]} in the target, or different contents); nothing was copied."
                )
        if after is not None:
            after(conn)

    target.write(_copy, attempts=1)
    return CopyReport(
        tables=[TableCopy(table=t, rows=expected[t][0], checksum=expected[t][1]) for t in order]
    )

"""Countries, regional groupings, workstreams, Champions, co-chair terms and focal points.

Tables: countries, groupings, grouping_members, agencies, workstreams, workstream_leads,
champions, cochair_terms, focal_points. Reads take the `Db` (or a `Connection` already open);
writes take the `Connection` of the caller's `db.write(fn)` transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import duckdb
import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db


def frame(
    source: Db | sa.Connection, sql: str, *, dates: Iterable[str] = (), **params
) -> pd.DataFrame:
    """Run a query on a `Db` or an open `Connection`; DATE columns named in `dates` as datetimes.

    Both engines hand DATE values back as `datetime.date`; the pages and charts expect pandas
    datetimes there, as DuckDB's own data frames gave them.
    """
    if isinstance(source, sa.Connection):
        result = source.execute(sa.text(sql), params)
        df = pd.DataFrame(result.all(), columns=list(result.keys()))
    else:
        df = source.frame(sql, **params)
    for column in dates:
        df[column] = pd.to_datetime(df[column])
    return df


_BIND = re.compile(r"(?<![:\w]):(\w+)")


def run(conn, sql: str, **params) -> list[tuple]:
    """Run one statement on a `Db`, a `Connection` or a DuckDB cursor; return its rows.

    Modules not yet moved into the store call a few functions here with their DuckDB cursor
    inside their own transaction; that gets the same statement with DuckDB's `$name` binds.
    A list parameter stands for an IN list: `IN :m49s` becomes one bind per element.
    """
    for name, value in list(params.items()):
        if isinstance(value, list | tuple):
            names = [f"{name}_{i}" for i in range(len(value))] or [f"{name}_none"]
            binds = "(" + ", ".join(f":{n}" for n in names) + ")"
            sql = re.sub(rf"(?<![:\w]):{name}\b", binds, sql)
            del params[name]
            params.update(dict(zip(names, value, strict=False)) or {f"{name}_none": None})
    if isinstance(conn, Db):
        with conn.engine.begin() as c:
            return run(c, sql, **params)
    if isinstance(conn, sa.Connection):
        result = conn.execute(sa.text(sql), params)
        return [tuple(row) for row in result.all()] if result.returns_rows else []
    cursor = conn.execute(_BIND.sub(r"$\1", sql), params) if params else conn.execute(sql)
    try:
        return [tuple(row) for row in cursor.fetchall()]
    except duckdb.Error:  # a statement without a result set
        return []


def run_many(conn, sql: str, rows: list[dict]) -> None:
    """Run one statement per row of binds, on a `Connection` or a DuckDB cursor."""
    if not rows:
        return
    if isinstance(conn, sa.Connection):
        conn.execute(sa.text(sql), rows)
    else:
        conn.executemany(_BIND.sub(r"$\1", sql), rows)


# Countries ---------------------------------------------------------------------------------


class Country(BaseModel):
    m49: int
    name_en: str


def get_country(conn: sa.Connection, *, iso3: str) -> Country | None:
    row = conn.execute(
        sa.text("SELECT m49, name_en FROM countries WHERE iso3 = :iso3"), {"iso3": iso3}
    ).first()
    return None if row is None else Country(**row._mapping)


def list_country_rows(db: Db) -> pd.DataFrame:
    return frame(
        db,
        "SELECT k.iso3, k.m49, k.name_en AS country, c.m49 IS NOT NULL AS is_champion"
        " FROM countries k LEFT JOIN champions c ON c.m49 = k.m49 ORDER BY k.name_en",
    )


# Champions ---------------------------------------------------------------------------------


class ChampionRecord(BaseModel):
    """A Champion's row as stored (the audit's 'before')."""

    joined_on: date | None = None
    joined_precision: str
    source: str
    capital_tz: str
    status: str
    notes: str | None = None


class ChampionValues(ChampionRecord):
    m49: int


def list_champion_rows(db: Db) -> pd.DataFrame:
    return frame(
        db,
        "SELECT c.m49, k.iso3, k.name_en AS country, k.region, k.sub_region, c.joined_on,"
        " c.joined_precision, c.source, c.capital_tz, c.status, c.notes,"
        " EXISTS (SELECT 1 FROM cochair_terms t WHERE t.m49 = c.m49) AS co_chair"
        " FROM champions c JOIN countries k ON k.m49 = c.m49 ORDER BY k.name_en",
        dates=("joined_on",),
    )


def get_champion(conn: sa.Connection, *, m49: int) -> ChampionRecord | None:
    row = conn.execute(
        sa.text(
            "SELECT joined_on, joined_precision, source, capital_tz, status, notes"
            " FROM champions WHERE m49 = :m49"
        ),
        {"m49": m49},
    ).first()
    return None if row is None else ChampionRecord(**row._mapping)


def insert_champion(conn: sa.Connection, champion: ChampionValues) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO champions (m49, joined_on, joined_precision, source, capital_tz, status,"
            " notes) VALUES (:m49, :joined_on, :joined_precision, :source, :capital_tz, :status,"
            " :notes)"
        ),
        champion.model_dump(),
    )


def update_champion(conn: sa.Connection, champion: ChampionValues) -> None:
    conn.execute(
        sa.text(
            "UPDATE champions SET joined_on = :joined_on, joined_precision = :joined_precision,"
            " source = :source, capital_tz = :capital_tz, status = :status, notes = :notes"
            " WHERE m49 = :m49"
        ),
        champion.model_dump(),
    )


def list_growth_rows(db: Db) -> pd.DataFrame:
    return frame(
        db,
        "SELECT k.name_en AS country, c.joined_on, c.joined_precision"
        " FROM champions c JOIN countries k ON k.m49 = c.m49"
        " WHERE c.joined_on IS NOT NULL ORDER BY c.joined_on, k.name_en",
        dates=("joined_on",),
    )


def count_unknown_join_dates(db: Db) -> int:
    return int(db.scalar("SELECT count(*) FROM champions WHERE joined_on IS NULL"))


def list_champion_statuses(db: Db) -> pd.DataFrame:
    return frame(
        db,
        "SELECT k.m49, k.name_en AS country, c.status AS champion_status"
        " FROM champions c JOIN countries k ON k.m49 = c.m49",
    )


def list_candidate_rows(db: Db) -> pd.DataFrame:
    """Non-Champion countries registered (not cancelled) for meetings open to non-Champions."""
    return frame(
        db,
        """
        SELECT k.m49, k.iso3, k.name_en AS country,
               count(DISTINCT r.event_id) AS open_meetings,
               count(DISTINCT r.event_id) FILTER (WHERE r.status = 'attended') AS attended,
               max(e.starts_utc) AS last_meeting_utc,
               bool_and(r.is_demo) AS is_demo
        FROM registrations r
        JOIN events e ON e.event_id = r.event_id
        JOIN countries k ON k.m49 = r.m49
        WHERE (e.audience = 'open' OR e.open_to_non_champions)
          AND r.status <> 'cancelled'
          AND r.m49 NOT IN (SELECT m49 FROM champions)
        GROUP BY k.m49, k.iso3, k.name_en ORDER BY country
        """,
    )


# Co-chair terms ----------------------------------------------------------------------------


class CochairTermValues(BaseModel):
    m49: int
    starts_on: date | None = None
    ends_on: date | None = None
    note: str | None = None
    source: str


class CochairTerm(BaseModel):
    term_id: int
    country: str
    starts_on: date | None = None
    ends_on: date | None = None


def list_cochair_terms(db: Db | sa.Connection, *, iso3: str | None = None) -> pd.DataFrame:
    return frame(
        db,
        "SELECT t.term_id, k.iso3, k.name_en AS country, t.starts_on, t.ends_on, t.note,"
        " t.source FROM cochair_terms t JOIN countries k ON k.m49 = t.m49"
        " WHERE CAST(:iso3 AS VARCHAR) IS NULL OR k.iso3 = :iso3"
        " ORDER BY t.ends_on IS NOT NULL, k.name_en, t.starts_on",
        dates=("starts_on", "ends_on"),
        iso3=iso3,
    )


def list_cochair_term_dates(db: Db) -> pd.DataFrame:
    """Every term's Champion, dates and note, in start order (unknown starts last)."""
    return frame(
        db,
        "SELECT m49, starts_on, ends_on, note FROM cochair_terms"
        " ORDER BY m49, starts_on NULLS LAST, term_id",
    )


def insert_cochair_term(conn: sa.Connection, term: CochairTermValues) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO cochair_terms (m49, starts_on, ends_on, note, source)"
            " VALUES (:m49, :starts_on, :ends_on, :note, :source) RETURNING term_id"
        ),
        term.model_dump(),
    ).scalar()


def get_cochair_term(conn: sa.Connection, *, term_id: int) -> CochairTerm | None:
    row = conn.execute(
        sa.text(
            "SELECT t.term_id, k.name_en AS country, t.starts_on, t.ends_on FROM cochair_terms t"
            " JOIN countries k ON k.m49 = t.m49 WHERE t.term_id = :term_id"
        ),
        {"term_id": term_id},
    ).first()
    return None if row is None else CochairTerm(**row._mapping)


def update_cochair_term_end(conn: sa.Connection, *, term_id: int, ends_on: date) -> None:
    conn.execute(
        sa.text("UPDATE cochair_terms SET ends_on = :ends_on WHERE term_id = :term_id"),
        {"ends_on": ends_on, "term_id": term_id},
    )


# Focal points ------------------------------------------------------------------------------


class FocalPointValues(BaseModel):
    m49: int
    name: str
    email: str | None = None
    title: str | None = None


class FocalPointRecord(BaseModel):
    """A focal point as the form shows it (the audit's 'before')."""

    iso3: str
    name: str
    email: str | None = None
    title: str | None = None


def list_focal_points(db: Db, *, iso3: str | None = None) -> pd.DataFrame:
    return frame(
        db,
        "SELECT f.focal_id, k.iso3, k.name_en AS country, f.name, f.title, f.email, f.is_demo"
        " FROM focal_points f JOIN countries k ON k.m49 = f.m49"
        " WHERE CAST(:iso3 AS VARCHAR) IS NULL OR k.iso3 = :iso3 ORDER BY k.name_en, f.name",
        iso3=iso3,
    )


def get_focal_point(conn: sa.Connection, *, focal_id: int) -> FocalPointRecord | None:
    row = conn.execute(
        sa.text(
            "SELECT k.iso3, f.name, f.email, f.title FROM focal_points f"
            " JOIN countries k ON k.m49 = f.m49 WHERE f.focal_id = :focal_id"
        ),
        {"focal_id": focal_id},
    ).first()
    return None if row is None else FocalPointRecord(**row._mapping)


def insert_focal_point(conn: sa.Connection, focal: FocalPointValues) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO focal_points (m49, name, email, title)"
            " VALUES (:m49, :name, :email, :title) RETURNING focal_id"
        ),
        focal.model_dump(),
    ).scalar()


def update_focal_point(conn: sa.Connection, *, focal_id: int, focal: FocalPointValues) -> None:
    conn.execute(
        sa.text(
            "UPDATE focal_points SET m49 = :m49, name = :name, email = :email, title = :title"
            " WHERE focal_id = :focal_id"
        ),
        {**focal.model_dump(), "focal_id": focal_id},
    )


def delete_focal_point(conn: sa.Connection, *, focal_id: int) -> None:
    conn.execute(
        sa.text("DELETE FROM focal_points WHERE focal_id = :focal_id"), {"focal_id": focal_id}
    )


# Groupings ---------------------------------------------------------------------------------


class Grouping(BaseModel):
    grouping_id: str
    name: str
    derived: bool


def list_groupings(db: Db) -> pd.DataFrame:
    return frame(db, "SELECT grouping_id, name, derived, rule FROM groupings ORDER BY grouping_id")


def get_grouping(conn: sa.Connection, *, grouping_id: str) -> Grouping | None:
    row = conn.execute(
        sa.text("SELECT grouping_id, name, derived FROM groupings WHERE grouping_id = :g"),
        {"g": grouping_id},
    ).first()
    return None if row is None else Grouping(**row._mapping)


def list_balance_rows(db: Db, *, grouping_id: str) -> pd.DataFrame:
    """Per group: UN member states, active Champions and their names (groups with members)."""
    return frame(
        db,
        """
        SELECT g.group_name AS "group",
               count(*) FILTER (WHERE k.is_un_member) AS un_member_states,
               count(c.m49) FILTER (WHERE c.status = 'active') AS champions,
               string_agg(k.name_en, ', ' ORDER BY k.name_en)
                   FILTER (WHERE c.status = 'active') AS champion_countries
        FROM grouping_members g
        JOIN countries k ON k.m49 = g.m49
        LEFT JOIN champions c ON c.m49 = g.m49
        WHERE g.grouping_id = :grouping_id
        GROUP BY g.group_name
        HAVING count(*) FILTER (WHERE k.is_un_member) > 0
        ORDER BY g.group_name
        """,
        grouping_id=grouping_id,
    )


def list_country_groups(db: Db, *, grouping_id: str, iso3s: list[str]) -> list[tuple[str, str]]:
    """(country name, group) of the given countries in one grouping, by name."""
    stmt = sa.text(
        "SELECT k.name_en, g.group_name FROM grouping_members g JOIN countries k ON k.m49 = g.m49"
        " WHERE g.grouping_id = :grouping_id AND k.iso3 IN :iso3s ORDER BY k.name_en"
    ).bindparams(sa.bindparam("iso3s", expanding=True))
    with db.reading() as conn:
        rows = conn.execute(stmt, {"grouping_id": grouping_id, "iso3s": list(iso3s)}).all()
    return [(name, group) for name, group in rows]


def list_grouping_members(db: Db, *, grouping_id: str) -> pd.DataFrame:
    return frame(
        db,
        'SELECT k.iso3, k.name_en AS country, g.group_name AS "group", k.is_un_member'
        " FROM grouping_members g JOIN countries k ON k.m49 = g.m49"
        " WHERE g.grouping_id = :grouping_id ORDER BY g.group_name, k.name_en",
        grouping_id=grouping_id,
    )


def get_grouping_member_group(conn: sa.Connection, *, grouping_id: str, m49: int) -> str | None:
    return conn.execute(
        sa.text("SELECT group_name FROM grouping_members WHERE grouping_id = :g AND m49 = :m49"),
        {"g": grouping_id, "m49": m49},
    ).scalar()


def upsert_grouping_member(
    conn: sa.Connection, *, grouping_id: str, m49: int, group_name: str, exists: bool
) -> None:
    params = {"g": grouping_id, "m49": m49, "group": group_name}
    if exists:
        conn.execute(
            sa.text(
                "UPDATE grouping_members SET group_name = :group"
                " WHERE grouping_id = :g AND m49 = :m49"
            ),
            params,
        )
    else:
        conn.execute(
            sa.text(
                "INSERT INTO grouping_members (grouping_id, m49, group_name)"
                " VALUES (:g, :m49, :group)"
            ),
            params,
        )


# Reference data (loaded once, inside the seeding transaction) -----------------------------

COUNTRY_COLUMNS = (
    "m49",
    "iso2",
    "iso3",
    "name_en",
    "name_fr",
    "name_es",
    "region",
    "sub_region",
    "intermediate_region",
    "is_un_member",
    "lat",
    "lon",
)


def count_rows(conn, *, table: str) -> int:
    """Rows in `table` (one of this module's tables; never a name from a user)."""
    if table not in ("countries", "groupings", "grouping_members"):
        raise ValueError(f"not a reference table: {table}")
    return int(run(conn, f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


def insert_countries(conn, rows: list[dict]) -> None:
    run_many(
        conn,
        f"INSERT INTO countries ({', '.join(COUNTRY_COLUMNS)})"  # noqa: S608  (constant columns)
        f" VALUES ({', '.join(':' + c for c in COUNTRY_COLUMNS)})",
        [{c: row[c] for c in COUNTRY_COLUMNS} for row in rows],
    )


def insert_groupings(conn, rows: list[dict]) -> None:
    run_many(
        conn,
        "INSERT INTO groupings (grouping_id, name, derived, rule)"
        " VALUES (:grouping_id, :name, :derived, :rule)",
        rows,
    )


def insert_m49_groupings(conn) -> None:
    """Fill the two M49 groupings from the countries' regions (intermediate regions split
    Sub-Saharan Africa and Latin America and the Caribbean)."""
    run(
        conn,
        "INSERT INTO grouping_members (grouping_id, m49, group_name)"
        " SELECT 'm49_region', m49, region FROM countries WHERE region IS NOT NULL",
    )
    run(
        conn,
        "INSERT INTO grouping_members (grouping_id, m49, group_name) SELECT 'm49_subregion', m49,"
        " CASE WHEN sub_region IN ('Sub-Saharan Africa', 'Latin America and the Caribbean')"
        " AND intermediate_region IS NOT NULL THEN intermediate_region ELSE sub_region END"
        " FROM countries WHERE sub_region IS NOT NULL",
    )


def insert_grouping_members(conn, *, grouping_id: str, members: list[tuple[int, str]]) -> None:
    run_many(
        conn,
        "INSERT INTO grouping_members (grouping_id, m49, group_name) VALUES (:g, :m49, :group)",
        [{"g": grouping_id, "m49": m49, "group": group} for m49, group in members],
    )


# Workstreams -------------------------------------------------------------------------------


def list_workstreams(db: Db) -> pd.DataFrame:
    return frame(db, "SELECT workstream_id, name FROM workstreams ORDER BY workstream_id")


def list_workstream_ids(db: Db | sa.Connection) -> list[str]:
    return list(frame(db, "SELECT workstream_id FROM workstreams ORDER BY 1")["workstream_id"])

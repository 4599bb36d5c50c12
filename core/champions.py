"""Read and write the Champion registry and compute the geographic balance."""

from __future__ import annotations

import duckdb
import pandas as pd


def format_joined(joined_on, precision: str) -> str:
    """Return a join date as people write it: '26 Feb 2021', 'Jul 2020', 'by Nov 2023', 'unknown'."""
    if precision == "unknown" or joined_on is None or pd.isna(joined_on):
        return "unknown"
    if precision == "day":
        return f"{joined_on:%d %b %Y}"
    if precision == "month":
        return f"{joined_on:%b %Y}"
    return f"by {joined_on:%b %Y}"


def list_champions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every Champion with country names, regions and join date as text."""
    df = (
        con.cursor()
        .execute(
            """
        SELECT c.m49, k.iso3, k.name_en AS country, k.region, k.sub_region, c.joined_on, c.joined_precision,
               c.source, c.capital_tz, c.status,
               EXISTS (SELECT 1 FROM cochair_terms t WHERE t.m49 = c.m49) AS co_chair
        FROM champions c JOIN countries k USING (m49)
        ORDER BY k.name_en
        """
        )
        .df()
    )
    df["joined"] = [
        format_joined(d, p) for d, p in zip(df["joined_on"], df["joined_precision"], strict=True)
    ]
    return df


def list_groupings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the regional groupings users can choose from, with their rules."""
    return (
        con.cursor()
        .execute("SELECT grouping_id, name, derived, rule FROM groupings ORDER BY grouping_id")
        .df()
    )


def balance(con: duckdb.DuckDBPyConnection, grouping_id: str) -> pd.DataFrame:
    """Count Champions and UN member states per group of the chosen grouping."""
    return (
        con.cursor()
        .execute(
            """
        SELECT g.group_name AS "group",
               count(*) FILTER (WHERE k.is_un_member) AS un_member_states,
               count(c.m49) FILTER (WHERE c.status = 'active') AS champions
        FROM grouping_members g
        JOIN countries k USING (m49)
        LEFT JOIN champions c USING (m49)
        WHERE g.grouping_id = ?
        GROUP BY g.group_name
        HAVING count(*) FILTER (WHERE k.is_un_member) > 0
        ORDER BY g.group_name
        """,
            [grouping_id],
        )
        .df()
    )

"""Read and write Working Group products, their stages, languages and consultations."""

from __future__ import annotations

import duckdb
import pandas as pd

STAGES = [
    "planned",
    "drafting",
    "consultation",
    "revision",
    "translation",
    "validation",
    "launched",
]
SIDE_STAGES = ["on_hold", "cancelled"]
STAGE_LABELS = {
    "planned": "Planned",
    "drafting": "Drafting",
    "consultation": "Champion consultation",
    "revision": "Revision",
    "translation": "Translation",
    "validation": "Validation",
    "launched": "Launched",
    "on_hold": "On hold",
    "cancelled": "Cancelled",
}


def workplan_status(stage: str) -> str:
    """Return the Network's workplan status (Yet to start / Ongoing / Completed) for a stage."""
    if stage == "planned":
        return "Yet to start"
    if stage == "launched":
        return "Completed"
    return "Ongoing"


def list_products(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every product with its workstream and language statuses."""
    df = (
        con.cursor()
        .execute(
            """
        SELECT p.product_id, p.title_en, p.workstream_id, p.kind, p.lead_agencies, p.stage,
               p.planned_launch, p.actual_launch, p.is_demo,
               max(CASE WHEN l.lang = 'en' THEN l.status END) AS lang_en,
               max(CASE WHEN l.lang = 'fr' THEN l.status END) AS lang_fr,
               max(CASE WHEN l.lang = 'es' THEN l.status END) AS lang_es
        FROM products p LEFT JOIN product_languages l USING (product_id)
        GROUP BY ALL
        ORDER BY p.planned_launch NULLS LAST, p.product_id
        """
        )
        .df()
    )
    df["workplan_status"] = df["stage"].map(workplan_status)
    return df

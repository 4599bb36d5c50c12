"""Hostile text for the demo data: Markdown, HTML and link tricks in every field people type."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Markers: "ZQ" + a letter for the construct; "ZQ" never occurs in real data.
HOSTILE = (
    " **ZQB** [ZQL](https://evil.example/l) ![ZQI](https://evil.example/i.png) <b>ZQH</b>"
    " _ZQE_ `ZQC` ~~ZQD~~ https://evil.example/ZQA www.evil-ZQW.example ZQM@evil.example"
    " :red[ZQR] :material/bolt: $ZQX$"
)
HOSTILE_URLS = [
    "javascript:alert('ZQJ')",
    "https://evil.example/x)![ZQI](https://evil.example/i.png",
]
# Text columns that hold what people type or files bring (names, titles, notes, labels).
TEXT_COLUMNS = {
    "agencies": ["name", "source"],
    "agenda_items": ["moderator", "presenter", "title"],
    "bookings": ["decision_note", "purpose"],
    "calendar_feeds": ["label"],
    "champions": ["notes", "source"],
    "cochair_terms": ["note", "source"],
    "consultations": ["note"],
    "countries": ["name_en", "name_fr", "name_es"],
    "engagements": ["note"],
    "events": ["description", "location", "title"],
    "feedback": ["summary"],
    "focal_points": ["name", "title"],
    "groupings": ["name", "rule"],
    "materials": ["title"],
    "office_support": ["note"],
    "product_links": ["label"],
    "products": ["description", "lead_agencies", "title_en", "title_fr", "title_es"],
    "registrations": ["organisation", "participant_name"],
    "slots": ["title"],
    "users": ["name"],
    "workstreams": ["name"],
}
URL_COLUMNS = {"materials": "url", "product_links": "url"}


def make_hostile(path: Path) -> None:
    """Append the hostile text to every text field of the database at `path`; poison the links."""
    con = duckdb.connect(str(path))
    try:
        for table, columns in TEXT_COLUMNS.items():
            for column in columns:
                con.execute(
                    f'UPDATE "{table}" SET "{column}" = "{column}" || ?'  # noqa: S608 (fixed names)
                    f' WHERE "{column}" IS NOT NULL',
                    [HOSTILE],
                )
        for table, column in URL_COLUMNS.items():
            con.execute(
                f'UPDATE "{table}" SET "{column}" = CASE WHEN rowid % 2 = 0 THEN ? ELSE ? END',  # noqa: S608
                HOSTILE_URLS,
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()

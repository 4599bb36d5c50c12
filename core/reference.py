"""Load the UN M49 countries and the regional groupings from data/ into the database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.config import ROOT
from core.store import champions as store

DATA = ROOT / "data"
M49_CSV = DATA / "m49" / "countries-territories-taxonomy.csv"
UNDS_CSV = DATA / "groupings" / "unds-regions.csv"
WORLD_TOPOJSON = DATA / "world-atlas" / "countries-110m.json"

GROUPINGS = {
    "m49_region": (
        "UN M49 regions",
        False,
        "UN M49 region of each country (unstats.un.org/unsd/methodology/m49).",
    ),
    "m49_subregion": (
        "UN M49 sub-regions",
        False,
        "UN M49 sub-region; Sub-Saharan Africa and Latin America and the Caribbean are split by "
        "their M49 intermediate regions (e.g. Western Africa, Caribbean).",
    ),
    "unds": ("UN development system regions (derived)", True, ""),
}


def _float(value: str) -> float | None:
    return float(value) if value else None


def read_countries(path: Path = M49_CSV) -> list[dict]:
    """Return one dict per country or territory in the M49 taxonomy that has an ISO3 code."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["m49 numerical code"] or not row["ISO 3166-1 Alpha 3-Codes"]:
                continue
            rows.append(
                {
                    "m49": int(row["m49 numerical code"]),
                    "iso2": row["ISO 3166-1 Alpha 2-Codes"] or None,
                    "iso3": row["ISO 3166-1 Alpha 3-Codes"],
                    "name_en": row["Preferred Term"],
                    "name_fr": row["French Short"] or row["M49 French"] or None,
                    "name_es": row["Spanish Short"] or row["M49 Spanish"] or None,
                    "region": row["Region Name"] or None,
                    "sub_region": row["Sub-region Name"] or None,
                    "intermediate_region": row["Intermediate Region Name"] or None,
                    "is_un_member": row["Appears in DGACM list"] == "Y",
                    "lat": _float(row["Latitude"]),
                    "lon": _float(row["Longitude"]),
                }
            )
    return rows


def read_unds(path: Path = UNDS_CSV) -> tuple[str, list[tuple[int, str]]]:
    """Return the rule written at the top of the UNDS file and its (m49, group) rows."""
    text = path.read_text(encoding="utf-8")
    rule_lines = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    members = [(int(row["m49"]), row["group"]) for row in csv.DictReader(io.StringIO(body))]
    return "\n".join(rule_lines), members


def load_reference(cur) -> None:
    """Insert countries and groupings when the tables are empty (inside the caller's transaction).

    `cur` is the seeding transaction: an SQLAlchemy `Connection` or a DuckDB cursor.
    """
    if store.count_rows(cur, table="countries") == 0:
        store.insert_countries(cur, read_countries())
    if store.count_rows(cur, table="groupings") == 0:
        unds_rule, unds_members = read_unds()
        store.insert_groupings(
            cur,
            [
                {"grouping_id": gid, "name": name, "derived": derived, "rule": rule or unds_rule}
                for gid, (name, derived, rule) in GROUPINGS.items()
            ],
        )
        store.insert_m49_groupings(cur)
        store.insert_grouping_members(cur, grouping_id="unds", members=unds_members)

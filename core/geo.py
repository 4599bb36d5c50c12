"""Prepare the world map: the offline TopoJSON and each country's place on it (Champion, candidate)."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from core.reference import WORLD_TOPOJSON
from core.store import Db
from core.store import champions as store

CHAMPION = "Champion"
CANDIDATE = "Registered for an open meeting (possible candidate)"


@lru_cache(maxsize=1)
def world_topojson() -> dict:
    """Return the world-atlas 110m TopoJSON (Natural Earth; feature ids are ISO numeric strings)."""
    return json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8"))


def map_id(m49: int) -> str:
    """Return the TopoJSON feature id of an M49 code: zero-padded to 3 digits ('032' Argentina)."""
    return f"{int(m49):03d}"


def list_candidates(con: Db) -> pd.DataFrame:
    """Return non-Champion countries registered for open meetings, with how often and when last.

    An open meeting is one open to non-Champions (audience 'open' or open_to_non_champions);
    any registration not cancelled counts as taking part (interest shown), attended ones apart.
    """
    return store.list_candidate_rows(con)


def map_countries(con: Db) -> pd.DataFrame:
    """Return one row per Champion or candidate: map id, country, status and a tooltip detail."""
    champions = store.list_champion_statuses(con)
    champions["status"] = CHAMPION
    champions["detail"] = "Champion (" + champions["champion_status"] + ")"
    candidates = list_candidates(con)
    candidates["status"] = CANDIDATE
    candidates["detail"] = [
        f"{n} open meeting{'s' if n != 1 else ''}, attended {a}"
        for n, a in zip(candidates["open_meetings"], candidates["attended"], strict=True)
    ]
    df = pd.concat(
        [
            champions[["m49", "country", "status", "detail"]],
            candidates[["m49", "country", "status", "detail"]],
        ],
        ignore_index=True,
    )
    df["id"] = [map_id(m) for m in df["m49"]]
    return df

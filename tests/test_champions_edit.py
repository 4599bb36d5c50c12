"""Focal points are corrected and removed, and co-chair terms closed, by staff only, audited (issue 5)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from core import champions
from core.permissions import PermissionDenied
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """These rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def new_focal(con, iso3="KEN", name="A. Person") -> int:
    return champions.add_focal_point(
        con,
        actor=demo_user(con, "secretariat"),
        focal_in=champions.FocalPointIn(iso3=iso3, name=name, email="a@example.org"),
    )


def new_term(con, starts_on=date(2025, 1, 1), ends_on=None) -> int:
    return champions.add_cochair_term(
        con,
        actor=demo_user(con, "secretariat"),
        term_in=champions.CochairTermIn(
            iso3="KEN", starts_on=starts_on, ends_on=ends_on, source="Test source"
        ),
    )


def db_snapshot(con) -> dict[str, list[tuple]]:
    """The rows of the tables these changes touch, on either engine."""
    return {
        table: sorted(tuple(map(str, row)) for row in con.rows(f"SELECT * FROM {table}"))  # noqa: S608
        for table in ("focal_points", "cochair_terms", "champions", "audit_log")
    }


def last_audit(con, entity: str, entity_id: int) -> tuple:
    username, action, before, after = con.one(
        "SELECT username, action, before_json, after_json FROM audit_log"
        " WHERE entity = :entity AND entity_id = :entity_id ORDER BY audit_id DESC LIMIT 1",
        entity=entity,
        entity_id=str(entity_id),
    )
    return (
        username,
        action,
        json.loads(before) if before else None,
        json.loads(after) if after else None,
    )


def test_staff_correct_a_focal_point_and_the_audit_keeps_the_old_details(con):
    focal_id = new_focal(con)
    admin = demo_user(con, "admin")
    champions.update_focal_point(
        con,
        actor=admin,
        focal_id=focal_id,
        focal_in=champions.FocalPointIn(
            iso3="GHA", name="B. Person", email="b@example.org", title="Director"
        ),
    )
    rows = champions.list_focal_points(con, user=admin).set_index("focal_id").loc[focal_id]
    assert (rows["iso3"], rows["name"], rows["email"], rows["title"]) == (
        "GHA",
        "B. Person",
        "b@example.org",
        "Director",
    )
    username, action, before, after = last_audit(con, "focal_point", focal_id)
    assert (username, action) == ("admin", "focal_point.edit")
    assert before == {"iso3": "KEN", "name": "A. Person", "email": "a@example.org", "title": None}
    assert after["name"] == "B. Person" and after["iso3"] == "GHA"


def test_a_focal_point_moves_only_to_a_champion(con):
    focal_id = new_focal(con)
    with pytest.raises(ValueError, match="United States of America is not a Champion"):
        champions.update_focal_point(
            con,
            actor=demo_user(con, "secretariat"),
            focal_id=focal_id,
            focal_in=champions.FocalPointIn(iso3="USA", name="A. Person"),
        )


def test_staff_delete_a_focal_point_audited_and_a_second_delete_is_refused(con):
    focal_id = new_focal(con, name="Gone Person")
    staff = demo_user(con, "secretariat")
    champions.delete_focal_point(con, actor=staff, focal_id=focal_id)
    assert focal_id not in champions.list_focal_points(con, user=staff)["focal_id"].tolist()
    username, action, before, after = last_audit(con, "focal_point", focal_id)
    assert (username, action, after) == ("secretariat", "focal_point.delete", None)
    assert before["name"] == "Gone Person"
    with pytest.raises(ValueError, match=f"Focal point {focal_id} does not exist"):
        champions.delete_focal_point(con, actor=staff, focal_id=focal_id)


def test_an_open_cochair_term_is_ended_once_and_not_before_it_started(con):
    term_id = new_term(con)
    staff = demo_user(con, "secretariat")
    open_terms = champions.list_cochair_terms(con, iso3="KEN")
    assert pd.isna(open_terms.set_index("term_id").loc[term_id, "ends_on"])
    with pytest.raises(ValueError, match="before the term started"):
        champions.end_cochair_term(con, actor=staff, term_id=term_id, ends_on=date(2024, 12, 31))
    champions.end_cochair_term(con, actor=staff, term_id=term_id, ends_on=date(2025, 6, 30))
    assert champions.list_champions(con).set_index("iso3").loc["KEN", "co_chair_terms"] == (
        "Jan 2025 - Jun 2025"
    )
    assert last_audit(con, "cochair_term", term_id) == (
        "secretariat",
        "cochair.end",
        {"ends_on": None},
        {"ends_on": "2025-06-30"},
    )
    with pytest.raises(ValueError, match="already ended on 30 Jun 2025"):
        champions.end_cochair_term(con, actor=staff, term_id=term_id, ends_on=date(2025, 7, 1))
    with pytest.raises(ValueError, match="Co-chair term 999999 does not exist"):
        champions.end_cochair_term(con, actor=staff, term_id=999999, ends_on=date(2025, 7, 1))


@pytest.mark.parametrize("username", ["ec_undp", "lead_cwg22", "viewer"])
def test_only_staff_change_focal_points_and_terms(con, username):
    focal_id, term_id = new_focal(con), new_term(con)
    actor = demo_user(con, username)
    before = db_snapshot(con)
    calls = [
        lambda: champions.update_focal_point(
            con,
            actor=actor,
            focal_id=focal_id,
            focal_in=champions.FocalPointIn(iso3="KEN", name="X. Person"),
        ),
        lambda: champions.delete_focal_point(con, actor=actor, focal_id=focal_id),
        lambda: champions.end_cochair_term(
            con, actor=actor, term_id=term_id, ends_on=date(2025, 6, 30)
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="may not do 'champion.edit'"):
            call()
    assert db_snapshot(con) == before

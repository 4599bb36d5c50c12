"""The Champion registry: add and edit with audit, honest join dates, focal points' visibility."""

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from core import champions
from core.permissions import PermissionDenied
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """These rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def test_registry_lists_31_with_join_dates_as_sources_give_them_and_local_time(con):
    df = champions.list_champions(con, now=datetime(2026, 1, 15, 12, 0)).set_index("iso3")
    assert len(df) == 31
    assert df.loc["BGD", "joined"] == "Jul 2020"
    assert df.loc["CAN", "joined"] == "by Nov 2023"
    assert df.loc["CAN", "local_time"] == "Thu 07:00 (UTC-05:00)"
    assert df.loc["KEN", "local_time"] == "Thu 15:00 (UTC+03:00)"
    assert df.loc["MAR", "co_chair"] and "First co-chair" in df.loc["MAR", "co_chair_terms"]
    assert not df.loc["KEN", "co_chair"]


def test_secretariat_adds_and_edits_a_champion_and_both_are_audited(con):
    secretariat = demo_user(con, "secretariat")
    new = champions.ChampionIn(
        iso3="uzb",
        joined_precision="unknown",
        source="Test source",
        capital_tz="Asia/Tashkent",
    )
    champions.add_champion(con, actor=secretariat, champion_in=new)
    with pytest.raises(ValueError, match="Uzbekistan is already a Champion"):
        champions.add_champion(con, actor=secretariat, champion_in=new)
    edited = new.model_copy(update={"joined_on": date(2026, 3, 1), "joined_precision": "by"})
    champions.update_champion(con, actor=secretariat, champion_in=edited)
    row = champions.list_champions(con).set_index("iso3").loc["UZB"]
    assert row["joined"] == "by Mar 2026"
    actions = [
        tuple(r)
        for r in con.rows(
            "SELECT action, username, before_json IS NULL FROM audit_log"
            " WHERE entity = 'champion' ORDER BY audit_id"
        )
    ]
    assert actions == [
        ("champion.add", "secretariat", True),
        ("champion.edit", "secretariat", False),
    ]
    # Other tables referencing champions do not stop the edit (Morocco has a co-chair term).
    morocco = champions.list_champions(con).set_index("iso3").loc["MAR"]
    champions.update_champion(
        con,
        actor=secretariat,
        champion_in=champions.ChampionIn(
            iso3="MAR",
            joined_on=morocco["joined_on"],
            joined_precision=morocco["joined_precision"],
            source=morocco["source"],
            capital_tz="Africa/Casablanca",
            status="inactive",
        ),
    )
    assert champions.list_champions(con).set_index("iso3").loc["MAR", "status"] == "inactive"


@pytest.mark.parametrize("username", ["ec_undp", "lead_cwg22", "viewer"])
def test_only_secretariat_and_admin_edit_the_registry(con, username):
    new = champions.ChampionIn(
        iso3="UZB", joined_precision="unknown", source="Test source", capital_tz="Asia/Tashkent"
    )
    with pytest.raises(PermissionDenied):
        champions.add_champion(con, actor=demo_user(con, username), champion_in=new)


def test_champion_input_errors_name_the_field_in_the_forms_words():
    with pytest.raises(ValidationError) as bad_zone:
        champions.ChampionIn(
            iso3="UZB", joined_precision="unknown", source="Test", capital_tz="Tashkent"
        )
    assert champions.explain(bad_zone.value).startswith("Capital time zone: 'Tashkent' is not")
    with pytest.raises(ValidationError) as no_date:
        champions.ChampionIn(iso3="UZB", joined_precision="by", source="Test", capital_tz="UTC")
    assert "give the join date, or set its precision to unknown" in champions.explain(no_date.value)


def test_focal_points_are_refused_to_viewers_in_core(con):
    with pytest.raises(PermissionDenied, match="contact details"):
        champions.list_focal_points(con, user=demo_user(con, "viewer"))
    for username in ("admin", "secretariat", "ec_undp", "lead_cwg22"):
        df = champions.list_focal_points(con, user=demo_user(con, username))
        assert len(df) == 6 and df["email"].str.endswith("@example.org").all()


def test_focal_points_and_cochair_terms_are_added_by_staff_and_audited(con):
    admin = demo_user(con, "admin")
    champions.add_focal_point(
        con,
        actor=admin,
        focal_in=champions.FocalPointIn(iso3="KEN", name="A. Person", email="a@example.org"),
    )
    assert list(champions.list_focal_points(con, user=admin, iso3="KEN")["name"]) == ["A. Person"]
    with pytest.raises(ValidationError):
        champions.FocalPointIn(iso3="KEN", name="A. Person", email="not an address")
    champions.add_cochair_term(
        con,
        actor=admin,
        term_in=champions.CochairTermIn(
            iso3="KEN", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31), source="Test"
        ),
    )
    assert champions.list_champions(con).set_index("iso3").loc["KEN", "co_chair_terms"] == (
        "Jan 2025 - Dec 2025"
    )
    logged = [
        tuple(r)
        for r in con.rows("SELECT action FROM audit_log WHERE username = 'admin' ORDER BY audit_id")
    ]
    assert logged == [("focal_point.add",), ("cochair.add",)]


def test_two_simultaneous_additions_of_one_country_give_one_champion_and_one_refusal(con):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    secretariat = demo_user(con, "secretariat")
    new = champions.ChampionIn(
        iso3="UZB", joined_precision="unknown", source="Test source", capital_tz="Asia/Tashkent"
    )
    start = threading.Barrier(4)

    def attempt(_):
        start.wait()
        try:
            champions.add_champion(con, actor=secretariat, champion_in=new)
        except ValueError as exc:
            return str(exc)
        return "added"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes == ["Country: Uzbekistan is already a Champion; edit it instead."] * 3 + [
        "added"
    ]
    assert con.scalar("SELECT count(*) FROM audit_log WHERE action = 'champion.add'") == 1

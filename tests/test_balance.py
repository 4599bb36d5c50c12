"""Geographic balance on the demo data: counts per group, gap sentences, the map's countries."""

import pytest

from core import champions, geo
from core.permissions import PermissionDenied
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """These rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def _counts(con, grouping_id):
    df = champions.balance(con, grouping_id)
    return dict(zip(df["group"], df["champions"], strict=True)), df


def test_m49_regions_count_the_31_champions_against_the_193_member_states(con):
    counts, df = _counts(con, "m49_region")
    assert counts == {"Africa": 14, "Americas": 9, "Asia": 6, "Europe": 2, "Oceania": 0}
    members = dict(zip(df["group"], df["un_member_states"], strict=True))
    assert members == {"Africa": 54, "Americas": 35, "Asia": 47, "Europe": 43, "Oceania": 14}
    assert champions.gap_sentences(df) == [
        "No Champion in Oceania.",
        "Under-represented: Europe (2 of 43 member states; about 6.9 if Champions were spread "
        "like UN member states).",
    ]


def test_m49_subregions_name_central_asia_the_caribbean_and_northern_and_eastern_europe(con):
    counts, df = _counts(con, "m49_subregion")
    assert sum(counts.values()) == 31
    first = champions.gap_sentences(df)[0]
    assert first.startswith("No Champion in ")
    for group in ("Central Asia", "the Caribbean", "Eastern Europe", "Northern Europe"):
        assert group in first
    assert "Western Africa" not in first


def test_unds_regions_count_europe_and_central_asia_as_one_and_show_northern_america(con):
    counts, df = _counts(con, "unds")
    # Azerbaijan and Turkiye (M49 Western Asia) count in Europe and Central Asia here.
    assert counts["Europe and Central Asia"] == 4
    assert counts["Northern America"] == 1
    assert sum(counts.values()) == 31
    assert int(df["un_member_states"].sum()) == 193
    assert champions.northern_america_note(con, "unds") == (
        "Canada and the United States are counted under Northern America in this grouping."
    )
    rule = champions.list_groupings(con).set_index("grouping_id").loc["unds", "rule"]
    assert "Northern America" in rule and "VISIBLE CHOICE" in rule


def test_only_an_admin_edits_a_derived_grouping_and_the_counts_follow(con):
    move = champions.GroupingMemberIn(
        grouping_id="unds", iso3="CAN", group_name="Europe and Central Asia"
    )
    with pytest.raises(PermissionDenied):
        champions.set_grouping_member(con, actor=demo_user(con, "secretariat"), member_in=move)
    champions.set_grouping_member(con, actor=demo_user(con, "admin"), member_in=move)
    counts, _ = _counts(con, "unds")
    assert counts["Europe and Central Asia"] == 5 and counts["Northern America"] == 0
    assert "Canada is counted under Europe and Central Asia" in (
        champions.northern_america_note(con, "unds")
    )
    audit = [
        tuple(r)
        for r in con.rows(
            "SELECT username, entity_id, before_json, after_json FROM audit_log"
            " WHERE action = 'grouping.edit'"
        )
    ]
    assert audit == [
        (
            "admin",
            "unds:CAN",
            '{"group": "Northern America"}',
            '{"group": "Europe and Central Asia"}',
        )
    ]
    official = champions.GroupingMemberIn(grouping_id="m49_region", iso3="TUR", group_name="Europe")
    with pytest.raises(ValueError, match="published standard"):
        champions.set_grouping_member(con, actor=demo_user(con, "admin"), member_in=official)


def test_the_map_ids_match_the_topojson_and_candidates_are_non_champions(con):
    topo_ids = {g.get("id") for g in geo.world_topojson()["objects"]["countries"]["geometries"]}
    assert "032" in topo_ids  # zero-padded: Argentina is 32 in M49
    df = geo.map_countries(con)
    champs = df[df["status"] == geo.CHAMPION]
    assert len(champs) == 31
    # All 31 Champions are drawn at 1:110m, so none is missing from the map.
    assert set(champs["id"]) <= topo_ids
    candidates = geo.list_candidates(con)
    assert set(candidates["iso3"]) == {"UZB", "KGZ", "JAM", "FJI", "MDA", "IRL"}
    assert candidates["is_demo"].all()
    assert set(candidates["iso3"]).isdisjoint(champions.list_champions(con)["iso3"])


def test_growth_keeps_by_dates_apart_and_never_guesses_unknown_ones(con):
    df = champions.growth(con)
    assert df["champions_known"].max() == 31 - champions.count_unknown_join_dates(con)
    kinds = df.groupby("date_kind")["country"].count().to_dict()
    assert kinds == {"joined": 2, "named as Champion by": 29}
    assert df.iloc[0]["joined"] == "Jul 2020" and df.iloc[0]["country"] == "Bangladesh"
    assert (df.loc[df["date_kind"] == "named as Champion by", "joined"].str.startswith("by ")).all()


@pytest.fixture(params=["duckdb", "postgresql"])
def empty_store(request, tmp_path):
    """A new, empty database (schema only) on each engine."""
    from core.db import open_database

    if request.param == "duckdb":
        db = open_database(tmp_path / "empty.duckdb")
        yield db
        db.close()
        return
    server = request.getfixturevalue("pg_server")
    name = f"empty_{tmp_path.name[-20:].replace('-', '_').lower()}"
    db = open_database(server.create_database(name))
    yield db
    db.close()
    server.drop_database(name)


def test_reference_data_loads_once_into_an_empty_database_on_both_engines(empty_store):
    from core import reference

    empty_store.write(reference.load_reference)
    counts = {
        t: empty_store.scalar(f"SELECT count(*) FROM {t}")  # noqa: S608
        for t in ("countries", "groupings", "grouping_members")
    }
    assert counts["countries"] > 240 and counts["groupings"] == 3
    empty_store.write(reference.load_reference)  # tables not empty: nothing added
    assert empty_store.scalar("SELECT count(*) FROM grouping_members") == counts["grouping_members"]
    df = champions.balance(empty_store, "m49_region")
    assert int(df["un_member_states"].sum()) == 193 and int(df["champions"].sum()) == 0
    assert champions.northern_america_note(empty_store, "unds") == (
        "Canada and the United States are counted under Northern America in this grouping."
    )

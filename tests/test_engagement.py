"""The engagement log: derived from attendance and feedback, added by hand, and its views."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from core import engagement
from core.db import transaction
from core.permissions import PermissionDenied
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """These rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def _m49(con, iso3):
    return con.scalar("SELECT m49 FROM countries WHERE iso3 = :iso3", iso3=iso3)


def _sync(con):
    con.write(engagement.sync_derived_engagements)


def test_the_demo_log_holds_one_entry_per_attendance_and_per_feedback(con):
    attended = con.scalar(
        "SELECT count(*) FROM registrations r JOIN champions c ON c.m49 = r.m49"
        " WHERE r.status = 'attended' AND r.category = 'champion_delegate'"
    )
    feedback = con.scalar("SELECT count(*) FROM feedback")
    derived = dict(
        tuple(r) for r in con.rows("SELECT source, count(*) FROM engagements GROUP BY 1")
    )
    assert attended > 0 and feedback > 0
    assert derived["attendance"] == attended and derived["feedback"] == feedback


def test_attendance_and_feedback_become_log_entries_and_corrections_follow(con):
    kenya = _m49(con, "KEN")
    event_id = con.scalar(
        "SELECT event_id FROM events WHERE uid LIKE 'champions-technical-2021-02-26%'"
    )
    with con.begin() as conn:
        reg = conn.execute(
            sa.text(
                "INSERT INTO registrations (event_id, participant_name, email, m49, category,"
                " status) VALUES (:e, 'K', 'k@example.org', :m, 'champion_delegate', 'attended')"
                " RETURNING registration_id"
            ),
            {"e": event_id, "m": kenya},
        ).scalar()
        product = conn.execute(sa.text("SELECT min(product_id) FROM products")).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO feedback (product_id, m49, received_on, lang, channel) VALUES"
                " (:p, :m, '2021-03-10', 'fr', 'hub')"
            ),
            {"p": product, "m": kenya},
        )
    _sync(con)
    _sync(con)  # idempotent
    timeline = engagement.champion_timeline(con, iso3="KEN")
    old = timeline[timeline["occurred_on"] < "2022-01-01"]
    assert sorted(old["kind"]) == ["hub", "meeting"]
    assert old.set_index("kind").loc["meeting", "meeting"].startswith("Technical meeting")
    with con.begin() as conn:
        conn.execute(
            sa.text("UPDATE registrations SET status = 'cancelled' WHERE registration_id = :r"),
            {"r": reg},
        )
    _sync(con)
    timeline = engagement.champion_timeline(con, iso3="KEN")
    assert list(timeline[timeline["occurred_on"] < "2022-01-01"]["kind"]) == ["hub"]


def test_a_workstream_lead_logs_engagements_for_their_own_workstream_only(con):
    lead = demo_user(con, "lead_cwg22")
    day = date.today() - timedelta(days=3)
    entry = engagement.EngagementIn(
        iso3="ner", occurred_on=day, kind="bilateral", workstream_id="CWG-2.2", note="Call"
    )
    engagement.add_engagement(con, actor=lead, engagement_in=entry)
    with pytest.raises(PermissionDenied):
        engagement.add_engagement(
            con, actor=lead, engagement_in=entry.model_copy(update={"workstream_id": "TW-MM"})
        )
    with pytest.raises(PermissionDenied):
        engagement.add_engagement(con, actor=demo_user(con, "ec_undp"), engagement_in=entry)
    last = engagement.last_engagement(con).set_index("iso3").loc["NER"]
    assert last["last_engaged"].date() == day and last["days_since"] == 3
    assert [
        tuple(r) for r in con.rows("SELECT username FROM audit_log WHERE action = 'engagement.add'")
    ] == [("lead_cwg22",)]


def test_hand_entries_refuse_non_champions_and_incomplete_peer_learning(con):
    staff = demo_user(con, "secretariat")
    with pytest.raises(ValueError, match="Champion: USA is not a Champion"):
        engagement.add_engagement(
            con,
            actor=staff,
            engagement_in=engagement.EngagementIn(
                iso3="USA", occurred_on=date(2025, 1, 1), kind="bilateral"
            ),
        )
    with pytest.raises(ValidationError, match="needs the partner Champion"):
        engagement.EngagementIn(iso3="KEN", occurred_on=date(2025, 1, 1), kind="peer_learning")
    with pytest.raises(ValidationError, match="in the future"):
        engagement.EngagementIn(
            iso3="KEN", occurred_on=date.today() + timedelta(days=2), kind="bilateral"
        )


def test_peer_learning_counts_for_both_champions_and_pairs_are_unordered(con):
    staff = demo_user(con, "secretariat")
    before = len(engagement.peer_pairs(con))
    for a, b in (("KEN", "GHA"), ("GHA", "KEN")):
        engagement.add_engagement(
            con,
            actor=staff,
            engagement_in=engagement.EngagementIn(
                iso3=a, occurred_on=date(2025, 5, 5), kind="peer_learning", partner_iso3=b
            ),
        )
    pairs = engagement.peer_pairs(con)
    assert len(pairs) == before + 1
    row = pairs[(pairs["champion_a"] == "Ghana") & (pairs["champion_b"] == "Kenya")].iloc[0]
    assert row["exchanges"] == 2
    heat = engagement.engagement_by_month(con, year=2025)
    may = heat[(heat["month"] == 5)].set_index("iso3")["engagements"]
    assert may["KEN"] == 2 and may["GHA"] == 2


def test_views_list_every_champion_and_the_not_engaged_ones(con):
    year = date.today().year
    heat = engagement.engagement_by_month(con, year=year)
    assert len(heat) == 31 * 12
    matrix = engagement.engagement_matrix(con)
    assert len(matrix) == 31
    assert {"CWG-2.2", "Network-wide", "Any"} <= set(matrix.columns)
    never = con.scalar(
        "SELECT count(*) FROM champions c WHERE m49 NOT IN (SELECT m49 FROM engagements)"
        " AND m49 NOT IN (SELECT partner_m49 FROM engagements WHERE partner_m49 IS NOT NULL)"
    )
    stale = engagement.not_engaged(con, days=90)
    assert stale["last_engaged"].isna().sum() == never
    assert (stale["days_since"].dropna() > 90).all()
    assert len(engagement.not_engaged(con, days=100000)) == never


def test_the_cross_area_calls_take_a_db_a_connection_or_a_legacy_cursor(con):
    # Other areas call these inside their own transactions, some still with a DuckDB cursor.
    chad = _m49(con, "TCD")
    engagement.set_consultation_cap(con, actor=demo_user(con, "admin"), cap=1)
    product = con.scalar("SELECT min(product_id) FROM products")
    with con.begin() as conn:
        cid = conn.execute(
            sa.text(
                "INSERT INTO consultations (product_id, opens_on, closes_on)"
                " VALUES (:p, '2031-05-03', '2031-05-03') RETURNING consultation_id"
            ),
            {"p": product},
        ).scalar()
        conn.execute(
            sa.text("INSERT INTO consultation_invites (consultation_id, m49) VALUES (:c, :m)"),
            {"c": cid, "m": chad},
        )
    expected = engagement.consultation_load_warnings(con, m49s=[chad], month="2031-05")
    assert len(expected) == 1 and expected[0].startswith("Chad already has 1 request in May 2031")
    before = con.scalar("SELECT count(*) FROM engagements")

    def in_transaction(conn):
        engagement.sync_derived_engagements(conn)
        return engagement.consultation_load_warnings(conn, m49s=[chad, 404], month="2031-05")

    assert con.write(in_transaction) == expected
    if con.kind == "duckdb":
        with transaction(con) as cur:
            engagement.sync_derived_engagements(cur)
            assert engagement.consultation_load_warnings(cur, m49s=[chad], month="2031-05") == (
                expected
            )
            assert engagement.consultation_load_warnings(cur, m49s=[], month="2031-05") == []
    assert con.scalar("SELECT count(*) FROM engagements") == before


def test_simultaneous_first_caps_all_save_and_the_last_one_holds(con):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    admin = demo_user(con, "admin")
    con.write(lambda conn: conn.execute(sa.text("DELETE FROM app_settings")))
    start = threading.Barrier(4)

    def attempt(cap):
        start.wait()
        return engagement.set_consultation_cap(con, actor=admin, cap=cap)

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(attempt, [2, 3, 4, 5])) == [2, 3, 4, 5]
    assert engagement.get_consultation_cap(con) in (2, 3, 4, 5)
    assert con.scalar("SELECT count(*) FROM audit_log WHERE action = 'settings.edit'") == 4


def test_every_profile_and_form_view_reads_on_both_engines(con):
    from core import champions, geo

    meetings = engagement.champion_meetings(con, iso3="KEN")
    assert list(meetings.columns) == [
        "starts_utc",
        "tz",
        "title",
        "workstream",
        "attended",
        "registered",
    ]
    assert len(meetings) and (meetings["attended"] <= meetings["registered"]).all()
    assert list(meetings["starts_utc"]) == sorted(meetings["starts_utc"], reverse=True)
    feedback = engagement.champion_feedback(con, iso3="KEN")
    assert str(feedback["received_on"].dtype).startswith("datetime64")
    counts = engagement.engagement_counts_by_workstream(con)
    matrix = engagement.engagement_matrix(con).set_index("country")
    for row in counts.itertuples():
        assert matrix.loc[row.country, row.workstream] == row.last_engaged
    workstreams = engagement.list_workstreams(con)
    products = engagement.list_products(con, workstream_id="CWG-2.1")
    assert "CWG-2.1" in set(workstreams["workstream_id"])
    assert len(products) and set(products["workstream_id"]) == {"CWG-2.1"}
    assert len(engagement.list_products(con, workstream_id=None)) >= len(products)
    countries = champions.list_countries(con)
    assert countries["is_champion"].sum() == 31
    assert len(champions.list_countries(con, champions=False)) == len(countries) - 31
    members = champions.list_grouping_members(con, grouping_id="unds")
    assert {"iso3", "country", "group", "is_un_member"} <= set(members.columns)
    steps = champions.growth_by_date(con, today=date(2099, 1, 1))
    assert steps.iloc[-1]["date_kind"] == "today"
    assert champions.count_unknown_join_dates(con) + len(champions.growth(con)) == 31
    assert set(geo.map_countries(con)["status"]) == {geo.CHAMPION, geo.CANDIDATE}

"""Consultation load: requests per Champion per month, the cap and the warnings before a request."""

from datetime import date

import pytest
import sqlalchemy as sa

from core import engagement
from core.permissions import PermissionDenied
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """The load, the cap and the warnings hold on both engines (DuckDB and PostgreSQL)."""
    return store


def _exec(con, sql, **params):
    """Run one statement in its own transaction; return its first value, if any."""
    with con.begin() as conn:
        result = conn.execute(sa.text(sql), params)
        return result.scalar() if result.returns_rows else None


def _m49(con, iso3):
    return con.scalar("SELECT m49 FROM countries WHERE iso3 = :iso3", iso3=iso3)


def _invite_to_consultation(con, m49, opens_on):
    product = con.scalar("SELECT min(product_id) FROM products")
    cid = _exec(
        con,
        "INSERT INTO consultations (product_id, opens_on, closes_on) VALUES (:p, :o, :o)"
        " RETURNING consultation_id",
        p=product,
        o=opens_on,
    )
    _exec(
        con, "INSERT INTO consultation_invites (consultation_id, m49) VALUES (:c, :m)", c=cid, m=m49
    )


def test_a_champion_at_the_cap_gets_a_warning_naming_country_month_and_cap(con):
    admin = demo_user(con, "admin")
    engagement.set_consultation_cap(con, actor=admin, cap=2)
    chad = _m49(con, "TCD")
    for _ in range(2):
        _invite_to_consultation(con, chad, date(2031, 5, 3))
    warnings = engagement.consultation_load_warnings(
        con, m49s=[chad, _m49(con, "KEN")], month=date(2031, 5, 20)
    )
    assert warnings == [
        "Chad already has 2 requests in May 2031 across all workstreams (cap 2 a month): "
        "another one would put it over the cap."
    ]
    # Below the cap, and another month, no warning; 'YYYY-MM' works too.
    assert engagement.consultation_load_warnings(con, m49s=[chad], month="2031-06") == []
    engagement.set_consultation_cap(con, actor=admin, cap=3)
    assert engagement.consultation_load_warnings(con, m49s=[chad], month="2031-05") == []


def test_declined_bookings_and_network_meetings_do_not_count_but_workstream_events_do(con):
    kenya = _m49(con, "KEN")
    before = engagement.consultation_load(con, start=date(2031, 1, 1))
    assert before.empty
    slot = _exec(
        con,
        "INSERT INTO slots (starts_utc, ends_utc, tz, title) VALUES"
        " ('2031-03-04 10:00', '2031-03-04 11:00', 'UTC', 't') RETURNING slot_id",
    )
    for status in ("declined", "requested"):
        bid = _exec(
            con,
            "INSERT INTO bookings (slot_id, workstream_id, requested_by, purpose, status)"
            " VALUES (:s, 'TW-MM', 'x', 'p', :status) RETURNING booking_id",
            s=slot,
            status=status,
        )
        _exec(con, "INSERT INTO booking_targets (booking_id, m49) VALUES (:b, :m)", b=bid, m=kenya)
    for uid, ws in (("net", None), ("ws", "CWG-2.1")):
        eid = _exec(
            con,
            "INSERT INTO events (uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz)"
            " VALUES (:uid, 't', 'webinar', 'champions', :ws, '2031-03-10 10:00',"
            " '2031-03-10 11:00', 'UTC') RETURNING event_id",
            uid=uid,
            ws=ws,
        )
        _exec(con, "INSERT INTO event_invitees (event_id, m49) VALUES (:e, :m)", e=eid, m=kenya)
    load = engagement.consultation_load(con, start=date(2031, 1, 1))
    assert load[["country", "bookings", "events", "requests"]].values.tolist() == [
        ["Kenya", 1, 1, 2]
    ]


def test_only_staff_may_change_the_cap_and_the_change_is_audited(con):
    with pytest.raises(PermissionDenied):
        engagement.set_consultation_cap(con, actor=demo_user(con, "lead_cwg22"), cap=5)
    with pytest.raises(ValueError, match="whole number from 1 to 50"):
        engagement.set_consultation_cap(con, actor=demo_user(con, "secretariat"), cap=0)
    engagement.set_consultation_cap(con, actor=demo_user(con, "secretariat"), cap=5)
    assert engagement.get_consultation_cap(con) == 5
    row = [
        tuple(r)
        for r in con.rows(
            "SELECT username, after_json FROM audit_log WHERE action = 'settings.edit'"
        )
    ]
    assert row == [("secretariat", '{"cap": 5}')]

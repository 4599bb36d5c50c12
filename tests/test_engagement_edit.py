"""Hand-made engagement entries can be corrected and deleted under the rules that let them be
added; entries derived from attendance and feedback follow their source and are refused (issue 5)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from core import engagement
from core.permissions import PermissionDenied
from tests.conftest import demo_user

DAY = date.today() - timedelta(days=5)


@pytest.fixture
def con(store):
    """These rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


def db_snapshot(con) -> dict[str, list[tuple]]:
    """The rows of the tables these changes touch, on either engine."""
    return {
        table: sorted(tuple(map(str, row)) for row in con.rows(f"SELECT * FROM {table}"))  # noqa: S608
        for table in ("engagements", "audit_log")
    }


def entry(**kw) -> engagement.EngagementIn:
    values = dict(
        iso3="KEN", occurred_on=DAY, kind="bilateral", workstream_id="CWG-2.2", note="Call"
    )
    return engagement.EngagementIn(**(values | kw))


def add(con, username="secretariat", **kw) -> int:
    return engagement.add_engagement(con, actor=demo_user(con, username), engagement_in=entry(**kw))


def stored(con, engagement_id: int) -> tuple | None:
    row = con.one(
        "SELECT k.iso3, g.occurred_on, g.kind, g.workstream_id, g.note FROM engagements g"
        " JOIN countries k ON k.m49 = g.m49 WHERE g.engagement_id = :e",
        e=engagement_id,
    )
    return None if row is None else tuple(row)


def last_audit(con, engagement_id: int) -> tuple:
    username, action, before, after = con.one(
        "SELECT username, action, before_json, after_json FROM audit_log"
        " WHERE entity = 'engagement' AND entity_id = :e ORDER BY audit_id DESC LIMIT 1",
        e=str(engagement_id),
    )
    return (
        username,
        action,
        json.loads(before) if before else None,
        json.loads(after) if after else None,
    )


def derived_id(con, source: str) -> int:
    return con.scalar("SELECT min(engagement_id) FROM engagements WHERE source = :s", s=source)


def test_staff_correct_a_hand_entry_and_the_audit_holds_before_and_after(con):
    engagement_id = add(con)
    staff = demo_user(con, "secretariat")
    engagement.update_engagement(
        con,
        actor=staff,
        engagement_id=engagement_id,
        engagement_in=entry(iso3="GHA", kind="hub", note="Hub thread, not a call"),
    )
    assert stored(con, engagement_id) == ("GHA", DAY, "hub", "CWG-2.2", "Hub thread, not a call")
    username, action, before, after = last_audit(con, engagement_id)
    assert (username, action) == ("secretariat", "engagement.edit")
    assert before["iso3"] == "KEN" and before["kind"] == "bilateral" and before["note"] == "Call"
    assert after["iso3"] == "GHA" and after["kind"] == "hub"
    timeline = engagement.champion_timeline(con, iso3="GHA")
    assert "Hub thread, not a call" in timeline["note"].tolist()


def test_a_corrected_peer_learning_exchange_moves_on_both_sides(con):
    staff = demo_user(con, "secretariat")
    engagement_id = add(con, kind="peer_learning", partner_iso3="GHA", note="Peer")
    engagement.update_engagement(
        con,
        actor=staff,
        engagement_id=engagement_id,
        engagement_in=entry(kind="peer_learning", partner_iso3="MEX", note="Peer"),
    )
    assert "Peer" not in engagement.champion_timeline(con, iso3="GHA")["note"].tolist()
    assert "Peer" in engagement.champion_timeline(con, iso3="MEX")["note"].tolist()


def test_a_lead_edits_and_deletes_only_their_own_workstreams_entries(con):
    lead = demo_user(con, "lead_cwg22")
    own = add(con, "lead_cwg22")
    engagement.update_engagement(
        con, actor=lead, engagement_id=own, engagement_in=entry(note="Follow-up call")
    )
    assert stored(con, own)[4] == "Follow-up call"
    before = db_snapshot(con)
    # Not into another workstream, not another workstream's entry, not a Network-wide one.
    with pytest.raises(PermissionDenied, match="may not do 'engagement.add' for workstream TW-MM"):
        engagement.update_engagement(
            con, actor=lead, engagement_id=own, engagement_in=entry(workstream_id="TW-MM")
        )
    assert db_snapshot(con) == before
    others = [add(con, workstream_id="CWG-2.1"), add(con, workstream_id=None)]
    before = db_snapshot(con)
    for other in others:
        with pytest.raises(PermissionDenied, match="may not"):
            engagement.update_engagement(
                con, actor=lead, engagement_id=other, engagement_in=entry()
            )
        with pytest.raises(PermissionDenied, match="may not"):
            engagement.delete_engagement(con, actor=lead, engagement_id=other)
    assert db_snapshot(con) == before
    engagement.delete_engagement(con, actor=lead, engagement_id=own)
    assert stored(con, own) is None


@pytest.mark.parametrize("username", ["ec_undp", "viewer"])
def test_ec_members_and_viewers_may_not_edit_or_delete(con, username):
    engagement_id = add(con)
    actor = demo_user(con, username)
    before = db_snapshot(con)
    with pytest.raises(PermissionDenied, match="may not"):
        engagement.update_engagement(
            con, actor=actor, engagement_id=engagement_id, engagement_in=entry(note="x")
        )
    with pytest.raises(PermissionDenied, match="may not"):
        engagement.delete_engagement(con, actor=actor, engagement_id=engagement_id)
    assert db_snapshot(con) == before


def test_delete_is_audited_with_the_deleted_data_and_a_second_delete_is_refused(con):
    engagement_id = add(con, note="Wrong country")
    admin = demo_user(con, "admin")
    engagement.delete_engagement(con, actor=admin, engagement_id=engagement_id)
    assert stored(con, engagement_id) is None
    username, action, before, after = last_audit(con, engagement_id)
    assert (username, action, after) == ("admin", "engagement.delete", None)
    assert before["iso3"] == "KEN" and before["note"] == "Wrong country"
    with pytest.raises(ValueError, match=f"Engagement {engagement_id} does not exist"):
        engagement.delete_engagement(con, actor=admin, engagement_id=engagement_id)


@pytest.mark.parametrize(
    ("source", "words"),
    [("attendance", "attendance at a meeting"), ("feedback", "feedback recorded on a product")],
)
def test_derived_entries_follow_their_source_and_are_refused_even_to_admins(con, source, words):
    engagement_id = derived_id(con, source)
    admin = demo_user(con, "admin")
    before = db_snapshot(con)
    with pytest.raises(ValueError, match=f"comes from {words}.*follows its source"):
        engagement.update_engagement(
            con, actor=admin, engagement_id=engagement_id, engagement_in=entry(workstream_id=None)
        )
    with pytest.raises(ValueError, match="cannot be edited or deleted by hand"):
        engagement.delete_engagement(con, actor=admin, engagement_id=engagement_id)
    assert db_snapshot(con) == before


def test_an_edit_is_checked_like_an_addition(con):
    engagement_id = add(con)
    staff = demo_user(con, "secretariat")
    with pytest.raises(ValueError, match="Champion: USA is not a Champion"):
        engagement.update_engagement(
            con, actor=staff, engagement_id=engagement_id, engagement_in=entry(iso3="USA")
        )
    product_id = con.scalar("SELECT min(product_id) FROM products WHERE workstream_id = 'CWG-2.1'")
    with pytest.raises(ValueError, match="Product: it belongs to CWG-2.1, not CWG-2.2"):
        engagement.update_engagement(
            con,
            actor=staff,
            engagement_id=engagement_id,
            engagement_in=entry(product_id=product_id),
        )
    assert stored(con, engagement_id)[0] == "KEN"


def test_hand_entries_are_listed_for_the_form_without_derived_ones(con):
    own = add(con, "lead_cwg22", note="Listed")
    add(con, workstream_id="CWG-2.1")
    listed = engagement.list_hand_entries(con, workstream_id="CWG-2.2")
    assert own in listed["engagement_id"].tolist()
    assert set(listed["workstream_id"]) == {"CWG-2.2"}
    everything = engagement.list_hand_entries(con)
    assert derived_id(con, "attendance") not in everything["engagement_id"].tolist()

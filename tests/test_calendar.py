"""Calendar core: editing rules, permissions, audit, agenda, recurrence, time zones, feeds."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import ValidationError

from core import events, feeds, recurrence, timezones
from core.permissions import PermissionDenied
from tests.conftest import demo_user

ZURICH = "Europe/Zurich"


def _event_in(**changes) -> events.EventIn:
    data = {
        "title": "Peer-learning session",
        "kind": "technical_meeting",
        "audience": "champions",
        "workstream_id": "CWG-2.2",
        "tz": ZURICH,
        "start_local": datetime(2026, 2, 26, 15, 0),
        "end_local": datetime(2026, 2, 26, 17, 0),
        "invitees": [],
    }
    data.update(changes)
    return events.EventIn(**data)


def _audit(con, entity="event"):
    return con.execute(
        "SELECT action, username, entity_id, before_json, after_json FROM audit_log"
        " WHERE entity = ? ORDER BY audit_id",
        [entity],
    ).fetchall()


def test_secretariat_creates_edits_and_cancels_with_audit_and_sequence_bumps(con):
    actor = demo_user(con, "secretariat")
    event_id = events.create_event(con, actor=actor, event_in=_event_in())
    stored = events.get_event(con, event_id)
    assert stored.starts_utc == datetime(2026, 2, 26, 14, 0)  # 15:00 CET is 14:00 UTC
    assert stored.sequence == 0
    assert events.update_event(
        con, actor=actor, event_id=event_id, event_in=_event_in(title="Renamed session")
    )
    # Saving the same values again changes nothing and records nothing.
    assert not events.update_event(
        con, actor=actor, event_id=event_id, event_in=_event_in(title="Renamed session")
    )
    events.cancel_event(con, actor=actor, event_id=event_id)
    stored = events.get_event(con, event_id)
    assert (stored.title, stored.status, stored.sequence) == ("Renamed session", "cancelled", 2)
    log = _audit(con)
    assert [row[0] for row in log] == ["create", "update", "cancel"]
    assert {row[1] for row in log} == {"secretariat"}
    assert json.loads(log[1][3]) == {"title": "Peer-learning session"}
    assert json.loads(log[1][4]) == {"title": "Renamed session"}


def test_workstream_lead_edits_only_their_workstream(con):
    lead = demo_user(con, "lead_cwg22")
    own = events.create_event(con, actor=lead, event_in=_event_in())
    assert events.get_event(con, own).workstream_id == "CWG-2.2"
    with pytest.raises(PermissionDenied, match="TW-MM"):
        events.create_event(con, actor=lead, event_in=_event_in(workstream_id="TW-MM"))
    with pytest.raises(PermissionDenied):
        events.create_event(con, actor=lead, event_in=_event_in(workstream_id=None))
    other = events.create_event(
        con, actor=demo_user(con, "secretariat"), event_in=_event_in(workstream_id="TW-MM")
    )
    with pytest.raises(PermissionDenied):
        events.cancel_event(con, actor=lead, event_id=other)
    # Moving an own event into someone else's workstream is refused too.
    with pytest.raises(PermissionDenied):
        events.update_event(
            con, actor=lead, event_id=own, event_in=_event_in(workstream_id="TW-MM")
        )
    assert events.get_event(con, other).status == "confirmed"


@pytest.mark.parametrize("username", ["viewer", "ec_undp"])
def test_viewers_and_ec_members_cannot_create_events(con, username):
    with pytest.raises(PermissionDenied):
        events.create_event(con, actor=demo_user(con, username), event_in=_event_in())


def test_validation_messages_name_the_field_in_the_users_terms():
    with pytest.raises(ValidationError) as caught:
        _event_in(end_local=datetime(2026, 2, 26, 14, 0))
    messages = events.explain(caught.value)
    assert any("ends (26 Feb 2026 14:00) before or when it starts" in m for m in messages)
    with pytest.raises(ValidationError) as caught:
        _event_in(tz="Mars/Olympus", start_local=datetime(2026, 1, 1, 9))
    assert any(
        m.startswith("Time zone:") and "Mars/Olympus" in m for m in events.explain(caught.value)
    )
    # 02:30 on 29 March 2026 never happens in Zurich: the clocks jump from 02:00 to 03:00.
    with pytest.raises(ValidationError) as caught:
        _event_in(start_local=datetime(2026, 3, 29, 2, 30), end_local=datetime(2026, 3, 29, 4))
    assert any("does not exist in Europe/Zurich" in m for m in events.explain(caught.value))


def test_agenda_items_must_fit_inside_the_event_and_not_overlap(con):
    actor = demo_user(con, "secretariat")
    event_id = events.create_event(con, actor=actor, event_in=_event_in())
    day = datetime(2026, 2, 26)

    def item(title, h1, m1, h2, m2):
        return events.AgendaItemIn(
            title=title,
            starts_local=day.replace(hour=h1, minute=m1),
            ends_local=day.replace(hour=h2, minute=m2),
            presenter="IOM",
        )

    events.add_agenda_item(
        con, actor=actor, event_id=event_id, item_in=item("Welcome", 15, 0, 15, 30)
    )
    events.add_agenda_item(
        con, actor=actor, event_id=event_id, item_in=item("Guide", 15, 30, 16, 30)
    )
    with pytest.raises(ValueError, match="'Overlap' overlaps 'Guide' \\(15:30-16:30"):
        events.add_agenda_item(
            con, actor=actor, event_id=event_id, item_in=item("Overlap", 16, 0, 16, 45)
        )
    with pytest.raises(ValueError, match="outside the event's own time"):
        events.add_agenda_item(
            con, actor=actor, event_id=event_id, item_in=item("Late", 16, 50, 17, 10)
        )
    agenda = events.list_agenda(con, event_id=event_id)
    assert list(agenda["title"]) == ["Welcome", "Guide"]
    assert [row[0] for row in _audit(con, "agenda_item")] == ["create", "create"]
    with pytest.raises(PermissionDenied):
        events.delete_agenda_item(
            con, actor=demo_user(con, "viewer"), item_id=int(agenda["item_id"][0])
        )


def test_agenda_items_change_in_place_under_the_same_rules_with_audit(con):
    actor = demo_user(con, "secretariat")
    event_id = events.create_event(con, actor=actor, event_in=_event_in())
    day = datetime(2026, 2, 26)

    def item(title, h1, m1, h2, m2, **more):
        return events.AgendaItemIn(
            title=title,
            starts_local=day.replace(hour=h1, minute=m1),
            ends_local=day.replace(hour=h2, minute=m2),
            **more,
        )

    welcome = events.add_agenda_item(
        con, actor=actor, event_id=event_id, item_in=item("Welcome", 15, 0, 15, 30)
    )
    events.add_agenda_item(
        con, actor=actor, event_id=event_id, item_in=item("Guide", 15, 30, 16, 30)
    )
    sequence = events.get_event(con, event_id).sequence
    # Moving an item over itself is fine; the item's old place does not count as a clash.
    assert events.update_agenda_item(
        con,
        actor=actor,
        item_id=welcome,
        item_in=item("Welcome and tour de table", 15, 5, 15, 30, moderator="Secretariat"),
    )
    assert not events.update_agenda_item(
        con,
        actor=actor,
        item_id=welcome,
        item_in=item("Welcome and tour de table", 15, 5, 15, 30, moderator="Secretariat"),
    )
    agenda = events.list_agenda(con, event_id=event_id).set_index("item_id")
    assert agenda.loc[welcome, "title"] == "Welcome and tour de table"
    assert agenda.loc[welcome, "starts_utc"] == datetime(2026, 2, 26, 14, 5)
    assert agenda.loc[welcome, "moderator"] == "Secretariat"
    assert events.get_event(con, event_id).sequence == sequence + 1
    with pytest.raises(ValueError, match="'Long welcome' overlaps 'Guide' \\(15:30-16:30"):
        events.update_agenda_item(
            con, actor=actor, item_id=welcome, item_in=item("Long welcome", 15, 0, 15, 45)
        )
    with pytest.raises(ValueError, match="outside the event's own time"):
        events.update_agenda_item(
            con, actor=actor, item_id=welcome, item_in=item("Early", 14, 30, 15, 0)
        )
    with pytest.raises(PermissionDenied):
        events.update_agenda_item(
            con,
            actor=demo_user(con, "viewer"),
            item_id=welcome,
            item_in=item("Hijacked", 15, 0, 15, 30),
        )
    with pytest.raises(LookupError, match="no agenda item number"):
        events.update_agenda_item(
            con, actor=actor, item_id=987654, item_in=item("Ghost", 15, 0, 15, 30)
        )
    log = _audit(con, "agenda_item")
    assert [row[0] for row in log] == ["create", "create", "update"]
    _, username, entity_id, before, after = log[-1]
    assert (username, entity_id) == ("secretariat", str(welcome))
    assert json.loads(before)["title"] == "Welcome" and "presenter" not in json.loads(before)
    assert json.loads(after)["moderator"] == "Secretariat"
    assert events.get_event(con, event_id).title == "Peer-learning session"


def test_an_agenda_item_from_a_slot_booking_keeps_its_time(con):
    actor = demo_user(con, "secretariat")
    event_id = events.create_event(con, actor=actor, event_in=_event_in())
    item_id = con.execute(
        "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, booking_id)"
        " VALUES (?, ?, ?, 'CWG-2.2: briefing', 4242) RETURNING item_id",
        [event_id, datetime(2026, 2, 26, 14, 0), datetime(2026, 2, 26, 14, 30)],
    ).fetchone()[0]
    booked = {
        "starts_local": datetime(2026, 2, 26, 15, 0),
        "ends_local": datetime(2026, 2, 26, 15, 30),
    }
    assert events.update_agenda_item(
        con,
        actor=actor,
        item_id=item_id,
        item_in=events.AgendaItemIn(title="CWG-2.2: briefing", moderator="IOM", **booked),
    )
    with pytest.raises(ValueError, match="comes from a slot booking"):
        events.update_agenda_item(
            con,
            actor=actor,
            item_id=item_id,
            item_in=events.AgendaItemIn(
                title="CWG-2.2: briefing",
                starts_local=datetime(2026, 2, 26, 16, 0),
                ends_local=datetime(2026, 2, 26, 16, 30),
            ),
        )


@pytest.mark.parametrize(
    ("rule", "start", "all_day", "expected"),
    [
        (
            "FREQ=MONTHLY;BYDAY=3WE;COUNT=4",
            datetime(2026, 1, 21, 15),
            False,
            {"pattern": "monthly_nth", "nth": 3, "count": 4},
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260331T215959Z",
            datetime(2026, 3, 3, 9),
            False,
            {"pattern": "weekly", "weekdays": ["TU", "TH"], "until": datetime(2026, 3, 31).date()},
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU;INTERVAL=2;COUNT=6",
            datetime(2026, 3, 3, 9),
            False,
            {"pattern": "weekly", "interval": 2, "weekdays": ["TU"], "count": 6},
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=3;UNTIL=20261231",
            datetime(2026, 3, 3),
            True,
            {"pattern": "monthly_day", "until": datetime(2026, 12, 31).date()},
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
            datetime(2026, 3, 27, 9),
            False,
            {"pattern": "monthly_nth", "nth": -1, "count": 3},
        ),
        ("FREQ=DAILY;COUNT=5", datetime(2026, 3, 3, 9), False, {"pattern": "daily", "count": 5}),
        # What the form cannot show stays "keep the current repetition" (None).
        ("FREQ=DAILY", datetime(2026, 3, 3, 9), False, None),
        ("FREQ=WEEKLY;WKST=MO;BYDAY=TU;COUNT=3", datetime(2026, 3, 3, 9), False, None),
        ("FREQ=YEARLY;COUNT=3", datetime(2026, 3, 3, 9), False, None),
        ("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", datetime(2026, 3, 3, 9), False, None),
        (None, datetime(2026, 3, 3, 9), False, None),
    ],
)
def test_a_stored_repetition_reads_back_as_the_forms_choices(rule, start, all_day, expected):
    parsed = recurrence.parse_rrule(rule, start_local=start, tz=ZURICH, all_day=all_day)
    if expected is None:
        assert parsed is None
        return
    assert parsed.model_dump(include=set(expected)) == expected
    # Building the rule again from the choices gives the stored rule: saving changes nothing.
    rebuilt = recurrence.build_rrule(parsed, start_local=start, tz=ZURICH, all_day=all_day)
    assert recurrence.check_rrule(rebuilt) == recurrence.check_rrule(rule)


def test_skipped_occurrences_read_back_as_local_days():
    stored = recurrence.format_exdates(
        [datetime(2026, 3, 18, 23, 30), datetime(2026, 2, 18, 14, 0)]
    )
    by_day = recurrence.exdates_by_day(stored, tz=ZURICH, all_day=False)
    # 23:30 UTC on 18 March is already 19 March in Zurich.
    assert by_day == {
        datetime(2026, 2, 18).date(): datetime(2026, 2, 18, 14, 0),
        datetime(2026, 3, 19).date(): datetime(2026, 3, 18, 23, 30),
    }
    assert recurrence.exdates_by_day(None, tz=ZURICH, all_day=False) == {}
    all_day = recurrence.exdates_by_day("2026-05-01T00:00:00", tz=ZURICH, all_day=True)
    assert list(all_day) == [datetime(2026, 5, 1).date()]


def test_every_third_wednesday_keeps_local_time_across_the_march_change(con):
    rule = recurrence.build_rrule(
        recurrence.RecurrenceIn(pattern="monthly_nth", nth=3, count=4),
        start_local=datetime(2026, 1, 21, 15, 0),
        tz=ZURICH,
        all_day=False,
    )
    assert rule == "FREQ=MONTHLY;BYDAY=3WE;COUNT=4"
    assert recurrence.describe(rule) == "every 3rd Wednesday of the month, 4 times"
    actor = demo_user(con, "secretariat")
    event_id = events.create_event(
        con,
        actor=actor,
        event_in=_event_in(
            start_local=datetime(2026, 1, 21, 15), end_local=datetime(2026, 1, 21, 16), rrule=rule
        ),
    )
    listed = events.list_events(con, start_utc=datetime(2026, 1, 1), end_utc=datetime(2027, 1, 1))
    occurrences = recurrence.expand(
        listed, start_utc=datetime(2026, 1, 1), end_utc=datetime(2027, 1, 1)
    )
    series = occurrences[occurrences["event_id"] == event_id]
    local = [timezones.to_local(s, ZURICH).strftime("%d %b %H:%M") for s in series["starts_utc"]]
    assert local == ["21 Jan 15:00", "18 Feb 15:00", "18 Mar 15:00", "15 Apr 15:00"]
    # In UTC the April one is an hour earlier: summer time.
    assert series["starts_utc"].iloc[3] == datetime(2026, 4, 15, 13, 0)
    events.skip_occurrence(
        con, actor=actor, event_id=event_id, occurrence_utc=datetime(2026, 2, 18, 14, 0)
    )
    listed = events.list_events(con, start_utc=datetime(2026, 1, 1), end_utc=datetime(2027, 1, 1))
    again = recurrence.expand(listed, start_utc=datetime(2026, 1, 1), end_utc=datetime(2027, 1, 1))
    assert len(again[again["event_id"] == event_id]) == 3


def test_weekly_until_and_validation_of_repetition():
    rule = recurrence.build_rrule(
        recurrence.RecurrenceIn(
            pattern="weekly", weekdays=["TU", "TH"], until=datetime(2026, 3, 31).date()
        ),
        start_local=datetime(2026, 3, 3, 9),
        tz=ZURICH,
        all_day=False,
    )
    assert rule == "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260331T215959Z"
    with pytest.raises(ValidationError, match="needs an end"):
        recurrence.RecurrenceIn(pattern="weekly")
    with pytest.raises(ValueError, match="not supported"):
        recurrence.check_rrule("FREQ=SECONDLY;COUNT=86400")
    with pytest.raises(ValueError, match="at most 500 times"):
        recurrence.check_rrule("FREQ=DAILY;COUNT=100000")


def test_expansion_of_an_endless_daily_rule_is_capped(con):
    actor = demo_user(con, "secretariat")
    events.create_event(con, actor=actor, event_in=_event_in(rrule="FREQ=DAILY"))
    listed = events.list_events(con, start_utc=datetime(2026, 1, 1), end_utc=datetime(2040, 1, 1))
    expanded = recurrence.expand(
        listed, start_utc=datetime(2026, 1, 1), end_utc=datetime(2040, 1, 1), cap=300
    )
    assert len(expanded) <= 300 + (listed["rrule"].isna()).sum()


def test_times_are_labelled_in_event_and_viewer_zones():
    utc = datetime(2021, 2, 26, 14, 0)
    assert timezones.label_pair(utc, ZURICH, "Asia/Bangkok") == "15:00 CET / 21:00 ICT"
    assert timezones.label_pair(utc, ZURICH, ZURICH) == "15:00 CET"
    assert timezones.label_pair(utc, ZURICH, "America/Bogota") == "15:00 CET / 09:00 UTC-5"
    summer = datetime(2026, 6, 10, 13, 0)
    assert timezones.label_pair(summer, ZURICH, "UTC") == "15:00 CEST / 13:00 UTC"


def test_capital_times_flag_hours_outside_the_working_day(con):
    # The seeded 26 Feb 2021 meeting: 15:00-17:00 CET.
    event_id = events.get_event_id_by_uid(con, _seed_uid(con))
    event = events.get_event(con, event_id)
    table = timezones.capital_local_times(
        con, event_id=event_id, starts_utc=event.starts_utc, ends_utc=event.ends_utc
    ).set_index("country")
    assert table.loc["Thailand", "local time"] == "Fri 26 Feb 21:00-23:00 ICT"
    assert table.loc["Thailand", "working hours"] == "outside 08:00-18:00"
    assert table.loc["Colombia", "local time"] == "Fri 26 Feb 09:00-11:00 UTC-5"
    assert table.loc["Colombia", "working hours"] == "yes"


def _seed_uid(con) -> str:
    return con.execute(
        "SELECT uid FROM events WHERE NOT is_demo ORDER BY event_id LIMIT 1"
    ).fetchone()[0]


def test_join_details_only_for_staff_and_confirmed_participants(con):
    event_id = events.get_event_id_by_uid(con, _seed_uid(con))
    assert events.join_details_for(con, user=demo_user(con, "secretariat"), event_ids=[event_id])
    for name in ("viewer", "ec_undp", "lead_cwg22"):
        user = demo_user(con, name)
        assert not events.may_see_join_details(con, user, event_id)
        assert events.join_details_for(con, user=user, event_ids=[event_id]) == {}
    viewer = demo_user(con, "viewer")
    con.execute(
        "INSERT INTO registrations (event_id, participant_name, email, category, status)"
        " VALUES (?, 'Viewer', ?, 'observer', 'confirmed')",
        [event_id, viewer.email],
    )
    assert events.may_see_join_details(con, viewer, event_id)


def test_feed_tokens_are_stored_hashed_and_revocable(con):
    viewer = demo_user(con, "viewer")
    token = feeds.create_feed(con, actor=viewer)
    stored = con.execute("SELECT token_hash FROM calendar_feeds").fetchall()
    assert stored == [(feeds.hash_token(token),)] and token not in str(stored)
    body = feeds.feed_calendar(con, token, demo_mode=True)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M" in body
    assert b"X-PUBLISHED-TTL:PT15M" in body
    assert b"Password:" not in body  # a viewer may not see join details
    assert feeds.feed_calendar(con, token, demo_mode=False) is None  # demo accounts off
    feed_id = int(feeds.list_feeds(con, username="viewer")["feed_id"][0])
    with pytest.raises(LookupError):
        feeds.revoke_feed(con, actor=demo_user(con, "secretariat"), feed_id=feed_id)
    feeds.revoke_feed(con, actor=viewer, feed_id=feed_id)
    assert feeds.feed_calendar(con, token, demo_mode=True) is None


def test_the_feed_address_is_the_public_url_or_the_browsers_own_origin():
    from ui.feeds import feed_address

    token = "t" * 43
    shown = feed_address(token, public_url=None, browser_url="https://plans.example.org/calendar")
    assert shown == f"https://plans.example.org/feed/{token}.ics"
    behind_proxy = feed_address(
        token, public_url="https://network.example/", browser_url="http://10.0.0.5:8501/calendar"
    )
    assert behind_proxy == f"https://network.example/feed/{token}.ics"
    assert feed_address(token, public_url=None, browser_url=None).startswith(
        "http://localhost:8501/"
    )

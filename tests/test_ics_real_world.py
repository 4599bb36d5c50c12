"""Issue 14: .ics files as real clients write them import, or are refused by name, never a traceback."""

from __future__ import annotations

import pytest

from core import ics
from tests.conftest import demo_user


def _cal(*events: str, head: str = "", wrap: bool = True) -> bytes:
    body = "".join(events)
    text = body if not wrap else f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{head}{body}END:VCALENDAR\r\n"
    return text.encode()


def _event(uid: str, summary: str, extra: str = "", start: str = "20270105T093000Z") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\nDTSTART:{start}\r\n"
        f"DTEND:20270105T103000Z\r\n{extra}END:VEVENT\r\n"
    )


def test_several_vcalendars_in_one_file_all_import():
    data = _cal(_event("a@x", "First")) + _cal(_event("b@x", "Second"))
    parsed, _ = ics.parse_ics(data)
    assert sorted(p.title for p in parsed) == ["First", "Second"]


def test_events_in_a_nested_vcalendar_are_read_not_skipped():
    inner = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + _event("n@x", "Nested") + "END:VCALENDAR\r\n"
    parsed, _ = ics.parse_ics(_cal(_event("o@x", "Outer"), inner))
    assert sorted(p.title for p in parsed) == ["Nested", "Outer"]


def test_a_malformed_unused_dtstamp_does_not_stop_the_import():
    parsed, _ = ics.parse_ics(_cal(_event("d@x", "Stamped", "DTSTAMP:not-a-date\r\n")))
    assert [p.title for p in parsed] == ["Stamped"]


def test_byday_with_spaces_imports_with_a_note():
    parsed, notes = ics.parse_ics(
        _cal(_event("s@x", "Stand-up", "RRULE:FREQ=WEEKLY;BYDAY=MO, TU;COUNT=4\r\n"))
    )
    assert "BYDAY=MO,TU" in parsed[0].rrule
    assert any("Stand-up" in n and "spaces" in n for n in notes)


def test_an_exact_duplicate_copy_is_left_out_with_a_note():
    one = _event("dup@x", "Board", "DTSTAMP:20270101T000000Z\r\n")
    two = _event("dup@x", "Board", "DTSTAMP:20270102T000000Z\r\n")
    parsed, notes = ics.parse_ics(_cal(one, two))
    assert len(parsed) == 1
    assert any("Board" in n and "twice" in n for n in notes)


def test_sequence_resolves_duplicate_uids_to_the_newest_version():
    old = _event("seq@x", "Old title", "SEQUENCE:1\r\n")
    new = _event("seq@x", "New title", "SEQUENCE:3\r\n")
    parsed, notes = ics.parse_ics(_cal(new, old))
    assert [p.title for p in parsed] == ["New title"]
    assert any("SEQUENCE 3" in n for n in notes)


def test_duplicate_uids_nothing_resolves_are_still_refused_by_uid():
    one = _event("same@x", "One")
    two = _event("same@x", "Two")
    with pytest.raises(ics.ImportRefused) as refused:
        ics.parse_ics(_cal(one, two))
    assert "same@x" in str(refused.value)


def test_a_broken_file_only_zone_is_a_refusal_naming_event_and_property():
    zone = "BEGIN:VTIMEZONE\r\nTZID:Nowhere\r\nBEGIN:STANDARD\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    event = _event("z@x", "Zoned", start="20270105T093000").replace(
        "DTSTART:", "DTSTART;TZID=Nowhere:"
    )
    with pytest.raises(ics.ImportRefused) as refused:
        ics.parse_ics(_cal(zone, event))
    text = str(refused.value)
    assert "Zoned" in text and "DTSTART" in text and "Nowhere" in text


@pytest.mark.parametrize(
    "extra",
    [
        "RRULE:FREQ=WEEKLY;UNTIL=2027013\r\n",
        "RRULE:FREQ=WEEKLY;RSCALE=HEBREW;COUNT=3\r\n",
        "RRULE:FREQ=WEEKLY;BYDAY=XX\r\n",
        "EXDATE:2027\r\n",
        "RECURRENCE-ID:garbage\r\n",
        "DURATION:PXYZ\r\n",
    ],
)
def test_unreadable_properties_never_raise_a_traceback(extra):
    data = _cal(_event("t@x", "Tricky", extra))
    try:
        ics.parse_ics(data)
    except ics.ImportRefused as refused:
        assert "Tricky" in str(refused)


def test_a_timed_event_without_end_imports_with_the_rfc_default_and_a_note():
    event = "BEGIN:VEVENT\r\nUID:open@x\r\nSUMMARY:Open ended\r\nDTSTART:20270301T100000Z\r\nEND:VEVENT\r\n"
    parsed, notes = ics.parse_ics(_cal(event))
    assert parsed[0].end_local - parsed[0].start_local == ics.ZERO_LENGTH_AS
    assert any("Open ended" in n and "RFC 5545" in n for n in notes)
    assert any("Open ended" in n and "one minute" in n for n in notes)


def test_a_zero_length_event_imports_with_a_note():
    event = _event("zero@x", "Instant").replace("DTEND:20270105T103000Z", "DTEND:20270105T093000Z")
    parsed, notes = ics.parse_ics(_cal(event))
    assert len(parsed) == 1
    assert any("Instant" in n and "lasts no time" in n for n in notes)


@pytest.fixture
def con(store):
    return store


def test_two_calendars_in_one_file_import_through_the_store(con):
    data = _cal(_event("c1@x", "Calendar one")) + _cal(_event("c2@x", "Calendar two"))
    result = ics.import_ics(con, actor=demo_user(con, "secretariat"), data=data)
    assert result.summary().startswith("2 created")
    assert sorted(r.title for r in result.rows) == ["Calendar one", "Calendar two"]

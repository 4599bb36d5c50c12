"""The .ics export and import: client-shaped files, refusals, permissions, round trips, ical.js."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from pydantic import ValidationError

from core import events, ics, recurrence
from core.db import open_database, table_counts
from core.permissions import SYSTEM
from tests.conftest import ROOT, demo_user

FIXTURES = ROOT / "tests" / "fixtures" / "ics"
JS = ROOT / "tests" / "js"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _by_uid(con, uid: str) -> events.Event:
    event_id = events.get_event_id_by_uid(con, uid)
    assert event_id is not None, uid
    return events.get_event(con, event_id)


def _occurrences(con, event_id: int) -> list[datetime]:
    listed = events.list_events(con, start_utc=datetime(2020, 1, 1), end_utc=datetime(2040, 1, 1))
    expanded = recurrence.expand(
        listed[listed["event_id"] == event_id],
        start_utc=datetime(2020, 1, 1),
        end_utc=datetime(2040, 1, 1),
    )
    return [ts.to_pydatetime() for ts in expanded["starts_utc"]]


# Imports of files shaped like each client's exports ------------------------------------------


@pytest.fixture
def con(store):
    """Import and export behave the same on both engines."""
    return store


def test_outlook_export_with_windows_zone_names(con):
    result = ics.import_ics(con, actor=demo_user(con, "secretariat"), data=_fixture("outlook.ics"))
    assert result.summary() == "3 created, 0 updated, 0 unchanged"
    meeting = next(r for r in result.rows if r.title.startswith("Technical meeting"))
    stored = events.get_event(con, meeting.event_id)
    # "W. Europe Standard Time" becomes its IANA zone; 15:00 CET is 14:00 UTC.
    assert (stored.tz, stored.starts_utc, stored.ends_utc) == (
        "Europe/Berlin",
        datetime(2026, 2, 26, 14, 0),
        datetime(2026, 2, 26, 16, 0),
    )
    weekly = next(r for r in result.rows if r.title.startswith("Secretariat weekly"))
    # 09:00 Geneva time before and after the 29 March change; 31 March is an exception.
    assert _occurrences(con, weekly.event_id) == [
        datetime(2026, 3, 17, 8, 0),
        datetime(2026, 3, 24, 8, 0),
        datetime(2026, 4, 7, 7, 0),
    ]
    briefing = next(r for r in result.rows if r.title.startswith("Regional briefing"))
    stored = events.get_event(con, briefing.event_id)
    assert (stored.tz, stored.starts_utc) == ("Asia/Bangkok", datetime(2026, 3, 5, 7, 30))


def test_google_export_with_utc_all_day_exdate_override_and_cancellation(con):
    result = ics.import_ics(con, actor=demo_user(con, "secretariat"), data=_fixture("google.ics"))
    assert result.summary() == "5 created, 0 updated, 0 unchanged"
    webinar = _by_uid(con, "5k2d9q8n3s7v1b0c4x6m8p2r7t@google.com")
    assert (webinar.tz, webinar.starts_utc) == ("UTC", datetime(2026, 4, 14, 13, 0))
    window = _by_uid(con, "1a2b3c4d5e6f7g8h9i0j@google.com")
    assert window.all_day and (window.starts_utc, window.ends_utc) == (
        datetime(2026, 5, 4),
        datetime(2026, 5, 16),
    )
    series = _by_uid(con, "7h8j9k0l1m2n3b4v5c6x@google.com")
    starts = _occurrences(con, series.event_id)
    # Six third Wednesdays at 15:00 Zurich, minus April (EXDATE) and May (moved, see below).
    assert starts == [
        datetime(2026, 3, 18, 14, 0),
        datetime(2026, 6, 17, 13, 0),
        datetime(2026, 7, 15, 13, 0),
        datetime(2026, 8, 19, 13, 0),
    ]
    moved = _by_uid(con, "7h8j9k0l1m2n3b4v5c6x@google.com/20260520T130000Z")
    assert moved.starts_utc == datetime(2026, 5, 20, 14, 0)
    assert _by_uid(con, "0p9o8i7u6y5t4r3e2w1q@google.com").status == "cancelled"


def test_thunderbird_export_with_lf_line_ends_and_non_ascii_text_kept_as_text(con):
    data = _fixture("thunderbird.ics")
    assert b"\r\n" not in data
    ics.import_ics(con, actor=demo_user(con, "secretariat"), data=data)
    consulta = _by_uid(con, "9b1f3c2e-6a4d-4e8f-9a7b-2c1d0e9f8a7b")
    assert consulta.title == "Consulta regional: migración y movilidad laboral (muestra)"
    assert consulta.location == "Bogotá y en línea"
    assert "<script>alert('x')</script> **no markdown**" in consulta.description
    assert (consulta.tz, consulta.starts_utc) == ("America/Bogota", datetime(2026, 4, 22, 14, 0))
    reunion = _by_uid(con, "3e4d5c6b-7a8f-4e9d-8c7b-6a5f4e3d2c1b")
    assert reunion.title == "Réunion technique – Champions d’Afrique de l’Ouest (exemple)"
    assert reunion.description == "Échanges entre pairs; compte rendu en français."


@pytest.mark.parametrize("name", ["outlook.ics", "google.ics", "thunderbird.ics"])
def test_importing_the_same_file_twice_changes_nothing(con, name):
    actor = demo_user(con, "secretariat")
    ics.import_ics(con, actor=actor, data=_fixture(name))
    before = table_counts(con)
    again = ics.import_ics(con, actor=actor, data=_fixture(name))
    assert again.count("create") == again.count("update") == 0
    assert table_counts(con) == before


def test_preview_writes_nothing_and_a_changed_file_updates_by_uid(con):
    actor = demo_user(con, "secretariat")
    before = table_counts(con)
    preview = ics.preview_import(con, actor=actor, data=_fixture("google.ics"))
    assert preview.count("create") == 5 and table_counts(con) == before
    ics.import_ics(con, actor=actor, data=_fixture("google.ics"))
    changed = _fixture("google.ics").replace(
        b"SUMMARY:Webinar on national implementation plans (sample)",
        b"SUMMARY:Webinar on national implementation plans (sample, new title)",
    )
    preview = ics.preview_import(con, actor=actor, data=changed)
    assert [r.title for r in preview.rows if r.action == "update"] == [
        "Webinar on national implementation plans (sample, new title)"
    ]
    ics.import_ics(con, actor=actor, data=changed)
    webinar = _by_uid(con, "5k2d9q8n3s7v1b0c4x6m8p2r7t@google.com")
    assert webinar.title.endswith("new title)") and webinar.sequence == 1


# Refusals: nothing written, the message names the event and the property --------------------

GOOD = (
    "BEGIN:VEVENT\r\nUID:good-1\r\nSUMMARY:Good one\r\nDTSTART:20260301T100000Z\r\n"
    "DTEND:20260301T110000Z\r\nEND:VEVENT\r\n"
)


def _calendar(*vevents: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(vevents)).encode(
        "utf-8"
    ) + b"END:VCALENDAR\r\n"


def _vevent(uid: str, summary: str, *lines: str) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\n"
        + "".join(f"{line}\r\n" for line in lines)
    ) + "END:VEVENT\r\n"


REFUSALS = {
    "truncated": (
        _calendar(GOOD)[:-40],
        ["cut short", "no END:VEVENT"],
    ),
    "bad date": (
        _calendar(
            GOOD,
            _vevent("bad-1", "Broken date", "DTSTART:20261345T100000Z", "DTEND:20260101T110000Z"),
        ),
        ["Event 2 ('Broken date', UID bad-1)", "DTSTART cannot be read"],
    ),
    "ends before it starts": (
        _calendar(
            GOOD,
            _vevent("rev-1", "Backwards", "DTSTART:20260301T100000Z", "DTEND:20260301T090000Z"),
        ),
        ["Event 2 ('Backwards', UID rev-1)", "DTEND", "ends before it starts"],
    ),
    "not a calendar": (b"<html><body>Hello</body></html>", ["not an iCalendar"]),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", ["not UTF-8"]),
    "hostile recurrence": (
        _calendar(
            GOOD,
            _vevent(
                "flood-1",
                "Every second",
                "DTSTART:20260301T100000Z",
                "DTEND:20260301T100001Z",
                "RRULE:FREQ=SECONDLY",
            ),
        ),
        ["Event 2 ('Every second', UID flood-1)", "RRULE", "secondly is not supported"],
    ),
    "too many repetitions": (
        _calendar(
            _vevent(
                "many-1",
                "Daily forever",
                "DTSTART:20260301T100000Z",
                "DTEND:20260301T110000Z",
                "RRULE:FREQ=DAILY;COUNT=100000",
            )
        ),
        ["Event 1 ('Daily forever', UID many-1)", "RRULE", "at most 500 times"],
    ),
    "unknown zone without a definition": (
        _calendar(
            _vevent(
                "zone-1",
                "Nowhere time",
                "DTSTART;TZID=Atlantis Standard Time:20260301T100000",
                "DTEND;TZID=Atlantis Standard Time:20260301T110000",
            )
        ),
        ["Event 1 ('Nowhere time', UID zone-1)", "DTSTART", "Atlantis Standard Time"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_broken_files_are_refused_with_a_precise_message_and_nothing_is_written(con, case):
    data, expected = REFUSALS[case]
    before = table_counts(con)
    with pytest.raises(ics.ImportRefused) as caught:
        ics.import_ics(con, actor=demo_user(con, "secretariat"), data=data)
    message = str(caught.value)
    assert message.startswith("Nothing was imported.")
    for part in expected:
        assert part in message, (part, message)
    assert table_counts(con) == before
    assert events.get_event_id_by_uid(con, "good-1") is None


def test_oversized_files_are_refused_before_parsing(con, monkeypatch):
    monkeypatch.setattr(ics, "MAX_IMPORT_BYTES", 1000)
    with pytest.raises(ics.ImportRefused, match="at most 0 MB|1.0 MB|MB"):
        ics.import_ics(con, actor=SYSTEM, data=_calendar(GOOD * 1) + b" " * 2000)


def test_a_lead_imports_into_their_workstream_only(con):
    lead = demo_user(con, "lead_cwg22")
    result = ics.import_ics(con, actor=lead, data=_fixture("thunderbird.ics"))
    assert {events.get_event(con, r.event_id).workstream_id for r in result.rows} == {"CWG-2.2"}
    other = _calendar(
        _vevent(
            "tw-1",
            "Other workstream",
            "DTSTART:20260301T100000Z",
            "DTEND:20260301T110000Z",
            "X-ACTIONPLAN-WORKSTREAM:TW-MM",
        )
    )
    before = table_counts(con)
    with pytest.raises(ics.ImportRefused, match="you may not add or change events of TW-MM"):
        ics.import_ics(con, actor=lead, data=other)
    with pytest.raises(ics.ImportRefused):
        ics.import_ics(con, actor=demo_user(con, "viewer"), data=_fixture("google.ics"))
    assert table_counts(con) == before


# Export --------------------------------------------------------------------------------------


def test_export_is_valid_with_a_vtimezone_per_zone_and_folded_crlf_lines(con):
    ics.import_ics(con, actor=SYSTEM, data=_fixture("outlook.ics"))
    ics.import_ics(con, actor=SYSTEM, data=_fixture("thunderbird.ics"))
    data = ics.export_ics(con, user=demo_user(con, "viewer"))
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    calendar = Calendar.from_ical(data)
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == con.scalar("SELECT count(*) FROM events")
    used = {str(e["DTSTART"].params["TZID"]) for e in vevents if "TZID" in e["DTSTART"].params}
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert used == defined and {"Europe/Berlin", "America/Bogota", "Africa/Dakar"} <= used
    assert all(not e.errors for e in vevents)


def test_uids_are_stable_and_sequence_goes_up_on_change(con):
    actor = demo_user(con, "secretariat")
    first = Calendar.from_ical(ics.export_ics(con, user=actor))
    second = Calendar.from_ical(ics.export_ics(con, user=actor))
    assert [str(e["UID"]) for e in first.walk("VEVENT")] == [
        str(e["UID"]) for e in second.walk("VEVENT")
    ]
    event = events.get_event(con, events.list_all_event_ids(con)[-1])
    before = event.model_dump(include=set(events.EventIn.model_fields))
    changed = events.EventIn(
        **{
            **before,
            "title": event.title + " (moved)",
            "start_local": events.to_utc(event.starts_utc, "UTC"),
            "end_local": event.ends_utc,
            "tz": "UTC",
            "exdates": recurrence.parse_exdates(event.exdates),
        }
    )
    events.update_event(con, actor=actor, event_id=event.event_id, event_in=changed)
    third = Calendar.from_ical(ics.export_ics(con, user=actor, event_ids=[event.event_id]))
    (vevent,) = third.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert int(vevent["SEQUENCE"]) == event.sequence + 1


def test_join_details_only_in_exports_by_users_who_may_see_them(con):
    seed_id = con.scalar("SELECT event_id FROM events WHERE NOT is_demo ORDER BY event_id LIMIT 1")

    def descriptions(user) -> str:
        calendar = Calendar.from_ical(ics.export_ics(con, user=user))
        return "\n".join(str(e.get("DESCRIPTION", "")) for e in calendar.walk("VEVENT"))

    staff = descriptions(demo_user(con, "secretariat"))
    assert "Join details (invited participants only)" in staff and "Password:" in staff
    for name in ("viewer", "ec_undp"):
        body = descriptions(demo_user(con, name))
        assert "Password:" not in body and "demo-join" not in body, name
    # The demo registers the CWG 2.2 lead as a confirmed presenter at one meeting.
    lead = demo_user(con, "lead_cwg22")
    assert (
        descriptions(lead).count("Password:") == len(events.join_details_for(con, user=lead)) == 1
    )
    viewer = demo_user(con, "viewer")
    con.write(
        lambda c: c.execute(
            sa.text(
                "INSERT INTO registrations (event_id, participant_name, email, category, status)"
                " VALUES (:e, 'Viewer', :m, 'observer', 'confirmed')"
            ),
            {"e": seed_id, "m": viewer.email},
        )
    )
    assert descriptions(viewer).count("Join details (invited participants only)") == 1


def test_one_event_export_and_the_agenda_travel_in_the_description(con):
    seed_id = con.scalar("SELECT event_id FROM events WHERE NOT is_demo ORDER BY event_id LIMIT 1")
    data = ics.export_ics(con, user=demo_user(con, "viewer"), event_ids=[seed_id])
    (vevent,) = Calendar.from_ical(data).walk("VEVENT")
    description = str(vevent["DESCRIPTION"])
    assert "Agenda (Europe/Zurich):\n15:00-15:30" in description
    assert vevent["DTSTART"].dt == datetime(2021, 2, 26, 15, 0, tzinfo=vevent["DTSTART"].dt.tzinfo)


def test_exporting_and_reimporting_the_demo_calendar_changes_nothing(con):
    data = ics.export_ics(con, user=demo_user(con, "secretariat"))
    before = table_counts(con)
    result = ics.import_ics(con, actor=SYSTEM, data=data)
    assert result.count("unchanged") == len(result.rows) > 30
    assert table_counts(con) == before


# Round-trip property --------------------------------------------------------------------------

ZONES = [
    "Europe/Zurich",
    "Asia/Bangkok",
    "America/Bogota",
    "America/Toronto",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "UTC",
]
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"),
    max_size=60,
)


@st.composite
def event_inputs(draw) -> events.EventIn:
    all_day = draw(st.booleans())
    start = draw(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31))
    ).replace(second=0, microsecond=0)
    minutes = draw(st.integers(min_value=15, max_value=3 * 24 * 60))
    rrule = draw(
        st.sampled_from(
            [None, "FREQ=WEEKLY;COUNT=5", "FREQ=MONTHLY;BYDAY=3WE;COUNT=6", "FREQ=DAILY;INTERVAL=2"]
        )
    )
    title = draw(TEXT)
    assume(title.strip())
    try:
        event_in = events.EventIn(
            title=title,
            kind=draw(st.sampled_from(list(events.EVENT_KINDS))),
            audience=draw(st.sampled_from(list(events.AUDIENCES))),
            tz=draw(st.sampled_from(ZONES)),
            start_local=start,
            end_local=start + timedelta(minutes=minutes),
            all_day=all_day,
            location=draw(st.none() | TEXT),
            description=draw(
                st.none() | TEXT.map(lambda t: t.replace("[", "(")) | st.just("a\nb, c; d\\e")
            ),
            status=draw(st.sampled_from(["confirmed", "tentative", "cancelled"])),
            rrule=rrule,
            exdates=[],
        )
    except ValidationError:
        assume(False)
    if rrule and draw(st.booleans()):
        first = recurrence.first_occurrences(
            rrule, starts_utc=event_in.starts_utc, tz=event_in.tz, limit=2
        )
        if all_day:
            first = [datetime.combine(f.date(), datetime.min.time()) for f in first]
        event_in = event_in.model_copy(update={"exdates": first[1:]})
    return event_in


@pytest.fixture(scope="module")
def two_databases():
    source, target = open_database(":memory:"), open_database(":memory:")
    yield source, target
    source.close()
    target.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(event_inputs(), min_size=1, max_size=4))
def test_export_then_import_gives_back_every_event_and_hour(two_databases, batch):
    source, target = two_databases
    ids = [events.create_event(source, actor=SYSTEM, event_in=e) for e in batch]
    data = ics.export_ics(source, user=SYSTEM, event_ids=ids)
    result = ics.import_ics(target, actor=SYSTEM, data=data)
    assert result.count("create") == len(batch)
    for event_id in ids:
        original = events.get_event(source, event_id)
        copy = _by_uid(target, original.uid)
        assert events.stored_values(copy) == events.stored_values(original)
    # Importing the export into the database it came from changes nothing.
    again = ics.import_ics(source, actor=SYSTEM, data=data)
    assert again.count("unchanged") == len(batch)


# Another parser reads it the same: Mozilla's ical.js (Thunderbird) ---------------------------


def _ical_js(path: Path) -> list[dict]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (make test installs it with the toolchain)")
    if not (JS / "node_modules" / "ical.js").exists():
        pytest.fail("ical.js is missing: run `npm ci` in tests/js (make test does)")
    out = subprocess.run(
        ["node", str(JS / "starts.mjs"), str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def _icalendar_reading(data: bytes) -> dict[str, dict]:
    import itertools

    import recurring_ical_events

    def iso(value) -> str:
        if isinstance(value, datetime):
            return value.astimezone(ics.to_local(datetime(2000, 1, 1), "UTC").tzinfo).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        return value.isoformat()

    calendar = Calendar.from_ical(data)
    out = {}
    for vevent in calendar.walk("VEVENT"):
        uid = str(vevent["UID"])
        row = {"start": iso(vevent.start), "end": iso(vevent.end), "occurrences": []}
        if vevent.get("RRULE"):
            single = Calendar()
            for tz in calendar.walk("VTIMEZONE"):
                single.add_component(tz)
            single.add_component(vevent)
            found = recurring_ical_events.of(single).after(datetime(1999, 1, 1))
            row["occurrences"] = [iso(o.start) for o in itertools.islice(found, 5)]
        out[uid] = row
    return out


def test_ical_js_reads_every_start_as_icalendar_does(con, tmp_path):
    actor = demo_user(con, "secretariat")
    for name in ("outlook.ics", "google.ics", "thunderbird.ics"):
        ics.import_ics(con, actor=actor, data=_fixture(name))
    events.create_event(
        con,
        actor=actor,
        event_in=events.EventIn(
            title="Across the October change in Toronto",
            tz="America/Toronto",
            start_local=datetime(2026, 10, 20, 9, 0),
            end_local=datetime(2026, 10, 20, 10, 0),
            rrule="FREQ=WEEKLY;COUNT=4",
        ),
    )
    data = ics.export_ics(con, user=actor)
    path = tmp_path / "export.ics"
    path.write_bytes(data)
    theirs = _ical_js(path)
    ours = _icalendar_reading(data)
    assert len(theirs) == len(ours) == con.scalar("SELECT count(*) FROM events")
    for row in theirs:
        mine = ours[row["uid"]]
        assert (row["start"], row["end"]) == (mine["start"], mine["end"]), row["uid"]
        assert row["occurrences"] == mine["occurrences"], row["uid"]


# Command line ---------------------------------------------------------------------------------


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_cli_imports_with_counts_and_refuses_broken_files_leaving_the_database_unchanged(
    db_path, tmp_path
):
    done = _cli(db_path, "import-ics", str(FIXTURES / "google.ics"))
    assert done.returncode == 0, done.stderr
    assert "5 created, 0 updated, 0 unchanged" in done.stdout
    again = _cli(db_path, "import-ics", str(FIXTURES / "google.ics"))
    assert "0 created, 0 updated, 5 unchanged" in again.stdout
    broken = tmp_path / "broken.ics"
    broken.write_bytes(REFUSALS["ends before it starts"][0])
    con = open_database(db_path)
    before = table_counts(con)
    con.close()
    refused = _cli(db_path, "import-ics", str(broken))
    assert refused.returncode != 0
    assert "the database is unchanged" in refused.stderr and "'Backwards'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    con = open_database(db_path)
    assert table_counts(con) == before
    con.close()


def test_cli_exports_the_calendar_without_join_details_by_default(db_path, tmp_path):
    out = tmp_path / "calendar.ics"
    done = _cli(db_path, "export-ics", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert len(Calendar.from_ical(data).walk("VEVENT")) > 30
    assert b"Password:" not in data
    _cli(db_path, "export-ics", "--out", str(out), "--with-join-details")
    assert b"Password:" in out.read_bytes()

"""Bulk writes whose last item is refused leave no trace of the items before it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core import attendance, events, ics, pipeline, pipeline_io, registration
from core.permissions import SYSTEM
from tests.crash_helpers import crash_event, db_snapshot
from tests.test_permissions_matrix import user_of

START = datetime(2030, 3, 4, 12, 0)  # the crash_event meeting's start (UTC)


def _good_then_bad_ics() -> bytes:
    return (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:good-1@example.org\r\nDTSTAMP:20300101T000000Z\r\n"
        b"DTSTART:20300105T100000Z\r\nDTEND:20300105T110000Z\r\nSUMMARY:Good\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:bad-1@example.org\r\nDTSTAMP:20300101T000000Z\r\n"
        b"DTSTART:20300106T100000Z\r\nDTEND:20300106T090000Z\r\nSUMMARY:Ends first\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _lead_ics() -> bytes:
    """One event of the lead's own workstream, then one of another workstream's."""
    body = ""
    for n, ws in enumerate(["CWG-2.2", "CWG-2.1"]):
        body += (
            f"BEGIN:VEVENT\r\nUID:lead-{n}@example.org\r\nDTSTAMP:20300101T000000Z\r\n"
            f"DTSTART:2030010{n + 5}T100000Z\r\nDTEND:2030010{n + 5}T110000Z\r\n"
            f"SUMMARY:Lead {n}\r\nX-ACTIONPLAN-WORKSTREAM:{ws}\r\nEND:VEVENT\r\n"
        )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n".encode()


def _products(con) -> list[int]:
    ids = pipeline.list_products(con)["product_id"].tolist()
    return [int(i) for i in ids]


CASES = {
    "ics: a bad second event": lambda con, ev: ics.import_ics(
        con, actor=SYSTEM, data=_good_then_bad_ics()
    ),
    "ics: a lead's second event is another workstream's": lambda con, ev: ics.import_ics(
        con, actor=user_of(con, "lead_cwg22"), data=_lead_ics()
    ),
    "products CSV: a bad last row": lambda con, ev: pipeline_io.import_products_csv(
        con,
        actor=SYSTEM,
        data=b"workstream_id,title_en,kind,stage\n"
        b"CWG-2.2,Fine,brief,planned\nCWG-2.2,Bad,brief,launched-ish\n",
    ),
    "products CSV: a lead's last row is another workstream's": lambda con, ev: (
        pipeline_io.import_products_csv(
            con,
            actor=user_of(con, "lead_cwg22"),
            data=b"workstream_id,title_en,kind,stage\n"
            b"CWG-2.2,Mine,brief,planned\nCWG-2.1,Theirs,brief,planned\n",
        )
    ),
    "product bulk edit: the last edit breaks a stage rule": lambda con, ev: pipeline.bulk_update(
        con,
        actor=SYSTEM,
        changes={
            _products(con)[0]: {"planned_launch": "2031-01-01"},
            _products(con)[-1]: {"stage": "launched", "lang_es": "not_started"},
        },
    ),
    "registrations CSV: the last line is refused by a rule": lambda con, ev: (
        registration.import_registrations_csv(
            con,
            actor=SYSTEM,
            event_id=ev,
            data=b"name,email,organisation,category\n"
            b"A,a@example.org,Org,network_member\nB,a@example.org,Org,network_member\n",
        )
    ),
    "registrations CSV: an EC member's last line is another agency's": lambda con, ev: (
        registration.import_registrations_csv(
            con,
            actor=user_of(con, "ec_undp"),
            event_id=ev,
            data=b"name,email,category,agency\n"
            b"A,a@example.org,ec_listening,UNDP\nB,b@example.org,ec_listening,UNHCR\n",
        )
    ),
    "attendance CSV: the last person is not registered": lambda con, ev: (
        attendance.import_attendance_csv(
            con,
            actor=SYSTEM,
            event_id=ev,
            data=(
                "Name,Email,Join Time,Leave Time\n"
                f"R,registered@example.org,{START:%Y-%m-%d %H:%M:%S},"
                f"{START + timedelta(minutes=30):%Y-%m-%d %H:%M:%S}\n"
                f"S,stranger@example.org,{START:%Y-%m-%d %H:%M:%S},"
                f"{START + timedelta(minutes=30):%Y-%m-%d %H:%M:%S}\n"
            ).encode(),
        )
    ),
}
REFUSALS = (
    ics.ImportRefused,
    pipeline_io.ImportFailed,
    pipeline.BulkEditError,
    registration.ImportFailed,
)


@pytest.mark.parametrize("case", list(CASES))
def test_refused_bulk_write_leaves_no_trace(con, case):
    event_id = crash_event(con)
    registration.register(
        con,
        actor=SYSTEM,
        reg=registration.RegistrationIn(
            event_id=event_id,
            participant_name="Registered",
            email="registered@example.org",
            organisation="Org",
            category="network_member",
        ),
    )
    before = db_snapshot(con)
    with pytest.raises(REFUSALS) as caught:
        CASES[case](con, event_id)
    assert str(caught.value).strip()
    assert db_snapshot(con) == before, f"{case}: the items before the refused one were written"
    assert events.get_event(con, event_id) is not None

"""Meetings as a person uses them: the message after registering names who, on the same run; a
refusal keeps the form; confirm in bulk says who; participants in people's words; attendance
refused before the meeting starts; a second submit never makes a second registration."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.attendance import mark_attendance
from core.registration import RegistrationIn, RegistrationRefused, register
from tests.conftest import APP, demo_user, login, shown

KENYA = 404


@pytest.fixture
def con(store):
    return store


def _meeting(con, days: float) -> int:
    start = datetime.now().replace(microsecond=0) + timedelta(days=days)
    with con.begin() as conn:
        return conn.execute(
            sa.text(
                "INSERT INTO events (uid, title, kind, audience, starts_utc, ends_utc, tz,"
                " capacity, quota_per_country_agency, open_to_non_champions) VALUES (:u,"
                " 'Flow meeting', 'champions_meeting', 'champions', :s, :e, 'Europe/Zurich',"
                " NULL, 5, FALSE) RETURNING event_id"
            ),
            {
                "u": f"flow-{start.timestamp()}-{days}@test",
                "s": start,
                "e": start + timedelta(hours=2),
            },
        ).scalar()


def _reg(event_id: int, n: int) -> RegistrationIn:
    return RegistrationIn(
        event_id=event_id, participant_name=f"Flow Person {n}", email=f"flow{n}@example.org",
        m49=KENYA, category="champion_delegate", agency_id="UNDP",
    )  # fmt: skip


def test_attendance_is_refused_before_the_meeting_starts(con):
    staff = demo_user(con, "secretariat")
    ahead, begun = _meeting(con, 12), _meeting(con, -1)
    early = register(con, actor=staff, reg=_reg(ahead, 1)).registration_id
    with pytest.raises(ValueError, match="has not started yet"):
        mark_attendance(con, actor=staff, registration_id=early, attended=True)
    held = register(con, actor=staff, reg=_reg(begun, 2)).registration_id
    mark_attendance(con, actor=staff, registration_id=held, attended=True)
    assert con.scalar("SELECT status FROM registrations WHERE registration_id = :r", r=held) == (
        "attended"
    )


def test_the_same_person_sent_twice_is_registered_once(con):
    staff = demo_user(con, "secretariat")
    event_id = _meeting(con, 10)
    register(con, actor=staff, reg=_reg(event_id, 3))
    with pytest.raises(RegistrationRefused, match="already registered"):
        register(con, actor=staff, reg=_reg(event_id, 3))
    assert con.scalar("SELECT count(*) FROM registrations WHERE event_id = :e", e=event_id) == 1


def _participants(at):
    at.switch_page("pages/meetings.py").run()
    at.query_params["meetings_tab"] = "Participants"
    return at.run()


def test_register_names_who_at_once_keeps_a_refusal_and_lists_people_in_words(app_env):
    at = _participants(login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat"))
    assert not at.exception, [e.message for e in at.exception]
    at.text_input(key="meetings_reg_name").input("Amina Diallo")
    at.text_input(key="meetings_reg_email").input("amina.flow@example.org")
    at.selectbox(key="meetings_reg_country").select(KENYA)
    at.button(key="meetings_reg_submit").click().run()
    assert not at.exception
    assert any("Amina Diallo" in shown(s.value) for s in at.success), [s.value for s in at.success]
    assert at.text_input(key="meetings_reg_name").value == ""  # emptied for the next person
    # The same e-mail again: refused, and what was typed stays.
    at.text_input(key="meetings_reg_name").input("Amina Diallo again")
    at.text_input(key="meetings_reg_email").input("amina.flow@example.org")
    at.selectbox(key="meetings_reg_country").select(KENYA)
    at.button(key="meetings_reg_submit").click().run()
    assert any("already registered" in shown(e.value) for e in at.error), [
        e.value for e in at.error
    ]
    assert not any("Amina Diallo again" in shown(s.value) for s in at.success)
    assert at.text_input(key="meetings_reg_name").value == "Amina Diallo again"
    people = next(df for df in at.dataframe if "Name" in df.value.columns)
    assert list(people.value.columns) == [
        "Name", "E-mail", "Country", "Organisation", "Category", "Registered by", "Status", "Seat",
    ]  # fmt: skip
    assert "Amina Diallo" in set(people.value["Name"])
    assert set(people.value["Status"]) <= {"Requested", "Confirmed", "Waiting list", "Cancelled",
                                           "Attended"}  # fmt: skip
    assert "None" not in people.value.astype(str).to_numpy().tolist()


def test_pending_registrations_are_confirmed_in_bulk_naming_who(app_env):
    from core.db import open_database

    db = open_database(app_env)
    try:
        ec = demo_user(db, "ec_undp")
        event_id = _meeting(db, 3)  # the next meeting: the page opens on it
        ids = [register(db, actor=ec, reg=_reg(event_id, n)).registration_id for n in (4, 5)]
    finally:
        db.close()
    at = _participants(login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat"))
    at.selectbox(key="meetings_event").select(event_id).run()
    pick = at.multiselect(key="meetings_pending_pick")
    for rid in ids:
        pick = pick.select(rid)
    pick.run()
    at.button(key="meetings_confirm").click().run()
    assert not at.exception
    said = [shown(s.value) for s in at.success]
    assert "Confirmed Flow Person 4, Flow Person 5." in said, said

"""Meeting page rules: join details only for the right people, attendance (one by one and from an
export) feeding the engagement log, statistics, and the EC office support matrix."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.attendance import attendance_stats, import_attendance_csv, mark_attendance
from core.meetings import (
    OfficeSupportIn,
    get_join_details,
    get_meeting,
    office_support_matrix,
    set_office_support,
)
from core.permissions import PermissionDenied
from core.registration import ImportFailed, register
from tests.conftest import APP, demo_user, login
from tests.test_registration import KENYA, MEXICO, make_meeting, reg


def _meeting_with_join_details(con) -> int:
    event_id = make_meeting(con)
    con.cursor().execute(
        "INSERT INTO event_join_details VALUES (?, 'https://example.org/j/SECRET', 'N-123',"
        " 'pw-SECRET', '+41 000')",
        [event_id],
    )
    return event_id


def test_join_details_go_to_staff_and_confirmed_participants_only(con):
    event_id = _meeting_with_join_details(con)
    staff, lead, viewer = (demo_user(con, u) for u in ("secretariat", "lead_cwg22", "viewer"))
    assert get_join_details(con, user=staff, event_id=event_id).password == "pw-SECRET"
    for user in (lead, viewer):
        with pytest.raises(PermissionDenied):
            get_join_details(con, user=user, event_id=event_id)
    # The lead becomes a confirmed presenter (same e-mail as their account): now they may see them.
    presenter = reg(event_id, 1, m49=None, category="presenter", agency=None, org="CWG 2.2")
    register(con, actor=staff, reg=presenter.model_copy(update={"email": lead.email}))
    assert get_join_details(con, user=lead, event_id=event_id).url.endswith("SECRET")


def test_attendance_export_marks_attendees_and_feeds_the_engagement_log(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    for n, m49 in ((1, KENYA), (2, MEXICO)):
        register(con, actor=staff, reg=reg(event_id, n, m49=m49))
    start = get_meeting(con, event_id=event_id)["starts_utc"]
    day = start.strftime("%m/%d/%Y")
    # Teams-like: a person who dropped and rejoined appears twice; times in UTC with an offset.
    export = (
        "Full Name\tJoin Time\tLeave Time\tEmail\n"
        f"Person 1\t{start:%Y-%m-%d}T{start:%H}:02:00+00:00\t{start:%Y-%m-%d}T{start:%H}:30:00+00:00\tperson1@example.org\n"
        f"Person 1\t{start:%Y-%m-%d}T{start:%H}:40:00+00:00\t{start:%Y-%m-%d}T{start:%H}:50:00+00:00\tPERSON1@example.org\n"
    ).encode("utf-16")
    import_attendance_csv(con, actor=staff, event_id=event_id, data=export)
    cur = con.cursor()
    rows = cur.execute(
        "SELECT r.participant_name, r.status, a.minutes FROM registrations r"
        " LEFT JOIN attendance a USING (registration_id) WHERE r.event_id = ? ORDER BY 1",
        [event_id],
    ).fetchall()
    assert rows == [("Person 1", "attended", 38), ("Person 2", "confirmed", None)]
    logged = cur.execute(
        "SELECT m49 FROM engagements WHERE event_id = ? AND source = 'attendance'", [event_id]
    ).fetchall()
    assert logged == [(KENYA,)]
    # An export naming someone not registered is refused whole, and says who.
    bad = f"Name,Email,Join Time,Leave Time\nX,x@example.org,{day} 10:00 AM,{day} 11:00 AM\n"
    with pytest.raises(ImportFailed) as refused:
        import_attendance_csv(con, actor=staff, event_id=event_id, data=bad.encode())
    assert any(
        "not registered for this meeting" in e or "not during" in e for e in refused.value.errors
    )
    # Undoing one by one removes the derived engagement too.
    rid = cur.execute(
        "SELECT registration_id FROM registrations WHERE event_id = ? AND email = 'person1@example.org'",
        [event_id],
    ).fetchone()[0]
    mark_attendance(con, actor=staff, registration_id=rid, attended=False)
    assert not cur.execute(
        "SELECT count(*) FROM engagements WHERE source_ref = ?", [f"attendance:{rid}"]
    ).fetchone()[0]


def test_attendance_statistics_per_country_count_only_past_meetings(con):
    stats = attendance_stats(con, by="country")
    assert {"country", "registered", "attended", "rate"} <= set(stats.columns)
    assert (stats["attended"] <= stats["registered"]).all()


def test_ec_member_records_own_offices_support_and_secretariat_sees_the_matrix(con):
    event_id = make_meeting(con)
    ec, staff = demo_user(con, "ec_undp"), demo_user(con, "secretariat")
    set_office_support(
        con, actor=ec, support=OfficeSupportIn(event_id=event_id, agency_id="UNDP", m49s=[KENYA])
    )
    with pytest.raises(PermissionDenied):
        set_office_support(
            con, actor=ec, support=OfficeSupportIn(event_id=event_id, agency_id="IOM", m49s=[KENYA])
        )
    set_office_support(
        con, actor=staff, support=OfficeSupportIn(event_id=event_id, agency_id="IOM", m49s=[MEXICO])
    )
    assert set(office_support_matrix(con, user=staff, event_id=event_id)["agency_id"]) == {
        "UNDP",
        "IOM",
    }
    assert set(office_support_matrix(con, user=ec, event_id=event_id)["agency_id"]) == {"UNDP"}


def _page_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "code", "text", "info", "success", "warning", "error"):
        parts += [str(getattr(e, "value", "")) for e in at.get(kind)]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(e.proto) for e in at.get("link_button")]
    return "\n".join(parts)


@pytest.mark.parametrize(("username", "sees"), [("viewer", False), ("secretariat", True)])
def test_join_details_absent_for_a_viewer_in_apptest_output(app_env, con, username, sees):
    event_id = _meeting_with_join_details(con)
    con.close()
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/meetings.py").run()
    at.selectbox(key="meetings_event").set_value(event_id).run()
    assert not at.exception, [e.message for e in at.exception]
    text = _page_text(at)
    assert ("pw-SECRET" in text) is sees
    assert ("example.org/j/SECRET" in text) is sees

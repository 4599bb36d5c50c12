"""Meeting page rules: join details only for the right people, attendance (one by one and from an
export) feeding the engagement log, statistics, and the EC office support matrix."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.attendance import attendance_stats, import_attendance_csv, mark_attendance
from core.db import open_database
from core.meetings import (
    OfficeSupportIn,
    get_join_details,
    get_meeting,
    office_support_matrix,
    set_office_support,
)
from core.permissions import PermissionDenied
from core.registration import ImportFailed, register
from tests.conftest import APP, demo_user, login, shown
from tests.test_registration import KENYA, MEXICO, execute, make_meeting, reg


@pytest.fixture
def con(store):
    """The meeting rules hold on both engines (DuckDB and PostgreSQL)."""
    return store


@pytest.fixture
def page_con(db_path):
    """The page tests' own database (DuckDB), the one the app under test opens."""
    connection = open_database(db_path)
    yield connection
    connection.close()


def _meeting_with_join_details(con) -> int:
    event_id = make_meeting(con)
    execute(
        con,
        "INSERT INTO event_join_details (event_id, url, meeting_number, password, dial_in)"
        " VALUES (:e, 'https://example.org/j/SECRET', 'N-123', 'pw-SECRET', '+41 000')",
        e=event_id,
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
    rows = con.rows(
        "SELECT r.participant_name, r.status, a.minutes FROM registrations r"
        " LEFT JOIN attendance a ON a.registration_id = r.registration_id"
        " WHERE r.event_id = :e ORDER BY 1",
        e=event_id,
    )
    assert [tuple(r) for r in rows] == [
        ("Person 1", "attended", 38),
        ("Person 2", "confirmed", None),
    ]
    logged = con.rows(
        "SELECT m49 FROM engagements WHERE event_id = :e AND source = 'attendance'", e=event_id
    )
    assert [tuple(r) for r in logged] == [(KENYA,)]
    # An export naming someone not registered is refused whole, and says who.
    bad = f"Name,Email,Join Time,Leave Time\nX,x@example.org,{day} 10:00 AM,{day} 11:00 AM\n"
    with pytest.raises(ImportFailed) as refused:
        import_attendance_csv(con, actor=staff, event_id=event_id, data=bad.encode())
    assert any(
        "not registered for this meeting" in e or "not during" in e for e in refused.value.errors
    )
    # Undoing one by one removes the derived engagement too.
    rid = con.scalar(
        "SELECT registration_id FROM registrations WHERE event_id = :e"
        " AND email = 'person1@example.org'",
        e=event_id,
    )
    mark_attendance(con, actor=staff, registration_id=rid, attended=False)
    assert not con.scalar(
        "SELECT count(*) FROM engagements WHERE source_ref = :r", r=f"attendance:{rid}"
    )


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
    return shown("\n".join(parts))


TABS = ("Agenda", "Participants", "Office support", "Attendance")


def _meetings_page(username: str, event_id: int | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at = login(at.run(), username).switch_page("pages/meetings.py").run()
    if event_id is not None:
        at.selectbox(key="meetings_event").set_value(event_id).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _open_tab(at, label: str) -> AppTest:
    """Select a tab as a user's click would (it is a widget of the page), then rerun."""
    at.session_state["meetings_tab"] = label
    return at.run()


@pytest.mark.parametrize(("username", "sees"), [("viewer", False), ("secretariat", True)])
def test_join_details_absent_for_a_viewer_in_apptest_output(app_env, page_con, username, sees):
    event_id = _meeting_with_join_details(page_con)
    page_con.close()
    at = _meetings_page(username, event_id)
    # Only the open tab runs: look at the page with each tab open in turn.
    for label in TABS:
        text = _page_text(_open_tab(at, label))
        assert not at.exception, [e.message for e in at.exception]
        assert ("pw-SECRET" in text) is sees, label
        assert ("example.org/j/SECRET" in text) is sees, label


def _keys(at) -> set[str]:
    widgets = [*at.text_input, *at.selectbox, *at.button, *at.multiselect, *at.button_group]
    return {w.key for w in widgets}


def test_only_the_open_tab_runs_and_its_choices_survive_a_tab_switch(app_env, page_con):
    event_id = make_meeting(page_con)
    page_con.close()
    at = _meetings_page("secretariat", event_id)
    # Agenda by default: no form, no widget of the other tabs is drawn (nor loads in a browser).
    assert _keys(at) == {"meetings_event", "meetings_zone"}
    assert any("Item" in d.value.columns for d in at.dataframe) or any(
        "No agenda items yet." in shown(c.value) for c in at.caption
    )
    at = _open_tab(at, "Participants")
    assert {"meetings_reg_name", "meetings_reg_submit"} <= _keys(at)
    assert "meetings_support_save" not in _keys(at)
    at = _open_tab(at, "Office support")
    assert {"meetings_support_agency", "meetings_support_save"} <= _keys(at)
    assert "meetings_reg_name" not in _keys(at)
    at.selectbox(key="meetings_support_agency").set_value("IOM").run()
    at = _open_tab(at, "Attendance")
    assert "meetings_stats_by" in _keys(at) and "meetings_support_agency" not in _keys(at)
    at.button_group(key="meetings_stats_by").set_value("agency").run()
    # Back on a tab: what the user chose there is still chosen.
    at = _open_tab(_open_tab(at, "Office support"), "Attendance")
    assert at.button_group(key="meetings_stats_by").value == "agency"
    assert at.selectbox(key="meetings_event").value == event_id
    at = _open_tab(at, "Office support")
    assert at.selectbox(key="meetings_support_agency").value == "IOM"
    assert not at.warning and not at.exception


def test_a_link_naming_a_tab_opens_it(app_env):
    at = _meetings_page("secretariat", meetings_tab="Attendance")
    assert at.session_state["meetings_tab"] == "Attendance"
    assert "meetings_stats_by" in _keys(at) and "meetings_reg_name" not in _keys(at)


def test_registering_in_the_participants_tab_keeps_that_tab_open(app_env, page_con):
    event_id = make_meeting(page_con)
    page_con.close()
    at = _open_tab(_meetings_page("secretariat", event_id), "Participants")
    at.text_input(key="meetings_reg_name").input("Person Lazy")
    at.text_input(key="meetings_reg_email").input("lazy@example.org")
    at.selectbox(key="meetings_reg_country").set_value(KENYA)
    at.selectbox(key="meetings_reg_agency").set_value("UNDP")
    at.button(key="meetings_reg_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["meetings_tab"] == "Participants"
    assert [shown(s.value) for s in at.success], "the registration's confirmation is shown"
    assert "Person Lazy" in shown(at.success[0].value)  # named on the same run
    people = next(d.value for d in at.dataframe if "Name" in d.value.columns)
    assert people["Name"].tolist() == ["Person Lazy"]

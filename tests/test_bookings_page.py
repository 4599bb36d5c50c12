"""AppTest: a workstream lead requests a slot on the Bookings page; the Secretariat confirms it;
the Meetings page then shows it in the agenda."""

from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login
from tests.test_bookings import offer
from tests.test_registration import KENYA, make_meeting


def test_lead_requests_secretariat_confirms_and_the_agenda_shows_it(app_env, con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 30, title="Guidance segment")
    con.close()

    at = login(AppTest.from_file(APP, default_timeout=30).run(), "lead_cwg22")
    at.switch_page("pages/bookings.py").run()
    assert not at.get("button") or not any(b.key == "bookings_offer_submit" for b in at.button)
    at.selectbox(key="bookings_slot").set_value(slot_id).run()
    at.text_input(key="bookings_purpose").input("Present the training package").run()
    at.multiselect(key="bookings_targets").set_value([KENYA]).run()
    at.button(key="bookings_request_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Requested 'Guidance segment' for CWG-2.2" in s.value for s in at.success)

    staff = login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat")
    staff.switch_page("pages/bookings.py").run()
    pending = staff.selectbox(key="bookings_decide_id")
    booking = next(o for o in pending.options if "Guidance segment" in o)
    pending.set_value(int(booking.split()[0].lstrip("#"))).run()
    staff.button(key="bookings_confirm").click().run()
    assert any("now in the meeting's agenda" in s.value for s in staff.success)

    staff.switch_page("pages/meetings.py").run()
    staff.selectbox(key="meetings_event").set_value(event_id).run()
    # st.dataframe keys are not exposed by AppTest: find the agenda by its columns.
    agenda = next(d.value for d in staff.dataframe if "Item" in d.value.columns)
    assert agenda["Item"].tolist() == ["CWG-2.2: Present the training package"]
    assert agenda["Booked by"].tolist() == ["CWG-2.2"]


def test_viewer_and_ec_member_cannot_open_bookings(app_env):
    for username in ("viewer", "ec_undp"):
        at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
        try:
            at.switch_page("pages/bookings.py")
        except ValueError:
            continue
        raise AssertionError(f"{username} reached the bookings page")


def test_slot_finder_shows_local_times_and_twin_sessions_for_all_champions(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat")
    at.switch_page("pages/bookings.py").run()
    assert not at.exception, [e.message for e in at.exception]
    frames = [d.value for d in at.dataframe]
    table = next(f for f in frames if "local time" in f.columns and "zone" in f.columns)
    assert {"country", "zone", "local time"} <= set(table.columns)
    # 31 Champions from UTC-6 to UTC+8 cannot all be inside 08:00-18:00: twins are proposed.
    twin = next(f for f in frames if "session" in f.columns)
    assert len(twin) == len(table) and set(twin["session"]) == {"first", "second"}

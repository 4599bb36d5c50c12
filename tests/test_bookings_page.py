"""AppTest: a workstream lead requests a slot on the Bookings page; the Secretariat confirms it;
the Meetings page then shows it in the agenda."""

from datetime import datetime

from streamlit.testing.v1 import AppTest

from core.timezones import to_local
from tests.conftest import APP, login, shown
from tests.test_bookings import offer
from tests.test_registration import KENYA, make_meeting


def _open_tab(at, label: str) -> AppTest:
    """Select a tab of the page as a user's click would, then rerun."""
    at.session_state["bookings_tab"] = label
    return at.run()


def _bookings_page(username: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at = login(at.run(), username).switch_page("pages/bookings.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _keys(at) -> set[str]:
    widgets = [*at.text_input, *at.selectbox, *at.button, *at.multiselect, *at.number_input]
    return {w.key for w in widgets}


def test_lead_requests_secretariat_confirms_and_the_agenda_shows_it(app_env, con):
    event_id = make_meeting(con)
    slot_id = offer(con, event_id, 30, title="Guidance segment")
    con.close()

    at = login(AppTest.from_file(APP, default_timeout=30).run(), "lead_cwg22")
    at.switch_page("pages/bookings.py").run()
    # Tabs are lazy: the offer form would not be drawn anyway; the lead has no tab for it at all.
    assert [t.label for t in at.tabs] == ["Slots", "Requests", "Slot finder"]
    assert not at.get("button") or not any(b.key == "bookings_offer_submit" for b in at.button)
    at.selectbox(key="bookings_slot").set_value(slot_id).run()
    at.text_input(key="bookings_purpose").input("Present the training package").run()
    at.multiselect(key="bookings_targets").set_value([KENYA]).run()
    at.button(key="bookings_request_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Requested 'Guidance segment' for CWG-2.2" in shown(s.value) for s in at.success)

    staff = login(AppTest.from_file(APP, default_timeout=30).run(), "secretariat")
    staff.switch_page("pages/bookings.py").run()
    staff = _open_tab(staff, "Requests")
    pending = staff.selectbox(key="bookings_decide_id")
    booking = next(o for o in pending.options if "Guidance segment" in o)
    pending.set_value(int(booking.split()[0].lstrip("#"))).run()
    staff.button(key="bookings_confirm").click().run()
    assert any("now in the meeting's agenda" in shown(s.value) for s in staff.success)

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
    at = _open_tab(at, "Slot finder")
    assert not at.exception, [e.message for e in at.exception]
    frames = [d.value for d in at.dataframe]
    table = next(f for f in frames if "Local time" in f.columns and "Zone" in f.columns)
    assert {"Country", "Zone", "Local time", "Off-hours minutes"} <= set(table.columns)
    # 31 Champions from UTC-6 to UTC+8 cannot all be inside 08:00-18:00: twins are proposed.
    twin = next(f for f in frames if "Session" in f.columns)
    assert len(twin) == len(table) and set(twin["Session"]) == {"First", "Second"}


def test_only_the_open_tab_runs_and_the_finders_choice_survives_a_tab_switch(app_env, con):
    offer(con, make_meeting(con), 30, title="Guidance segment")
    con.close()
    at = _bookings_page("secretariat")
    # Slots by default: the request form, nothing of the other tabs (no finder ranking is run).
    assert {"bookings_slot", "bookings_request_submit"} <= _keys(at)
    assert not _keys(at) & {"bookings_offer_submit", "bookings_finder_minutes"}
    assert not any("Local time" in d.value.columns for d in at.dataframe)
    at = _open_tab(at, "Slot finder")
    assert "bookings_finder_minutes" in _keys(at) and "bookings_slot" not in _keys(at)
    at.number_input(key="bookings_finder_minutes").set_value(60).run()
    # The Secretariat looks a time up in the finder, offers it, comes back: the finder kept it.
    at = _open_tab(at, "Offer a slot")
    assert "bookings_offer_submit" in _keys(at) and "bookings_finder_minutes" not in _keys(at)
    at = _open_tab(at, "Slot finder")
    assert at.number_input(key="bookings_finder_minutes").value == 60
    assert not at.exception and not at.warning


def test_a_link_naming_a_tab_opens_it_but_not_a_tab_the_role_lacks(app_env):
    at = _bookings_page("secretariat", bookings_tab="Slot finder")
    assert at.session_state["bookings_tab"] == "Slot finder"
    assert "bookings_finder_minutes" in _keys(at)
    # A lead has no "Offer a slot" tab: the link opens their default tab, no offer form.
    lead = _bookings_page("lead_cwg22", bookings_tab="Offer a slot")
    assert lead.session_state["bookings_tab"] == "Slots"
    assert "bookings_offer_submit" not in _keys(lead)
    assert "bookings_tab" not in lead.query_params


def _finder_pick(at) -> datetime:
    """Return the start (UTC) of the ranked time picked in the finder."""
    box = at.selectbox(key="bookings_finder_pick")
    return datetime.strptime(box.format_func(box.value).split(" UTC")[0], "%a %d %b %H:%M")


def test_use_this_time_opens_a_filled_in_offer_form_and_the_slot_is_offered(app_env):
    at = _open_tab(_bookings_page("secretariat"), "Slot finder")
    at.number_input(key="bookings_finder_minutes").set_value(60).run()
    picked = _finder_pick(at)
    at.button(key="bookings_finder_offer").click().run()
    assert not at.exception, [e.message for e in at.exception]
    # The offer form opens right under the picked time, in the finder's tab.
    assert at.session_state["bookings_tab"] == "Slot finder"
    assert any("Offer this time as a slot" in m.value for m in at.markdown)
    assert any("offer form is filled in" in shown(s.value) for s in at.success)
    assert any("Recorded for the rotation" in shown(s.value) for s in at.success)
    assert at.selectbox(key="bookings_offer_tz").value == "Europe/Zurich"
    assert at.number_input(key="bookings_offer_minutes").value == 60
    day = at.date_input(key="bookings_offer_day").value
    start = at.time_input(key="bookings_offer_time").value
    local = to_local(picked.replace(year=day.year), "Europe/Zurich")
    assert (day, start) == (local.date(), local.time().replace(tzinfo=None))
    at.button(key="bookings_offer_submit").click().run()
    assert not at.error, [shown(e.value) for e in at.error]
    assert any("Offered 'Champions session'" in shown(s.value) for s in at.success)
    assert "bookings_offer_submit" not in _keys(at)  # offered: the form closes, no second slot


def test_use_this_time_opens_the_calendars_new_event_filled_in(app_env):
    at = _open_tab(_bookings_page("lead_cwg22"), "Slot finder")
    assert "bookings_finder_offer" not in _keys(at)  # a lead offers no slot, makes an event
    at.button(key="bookings_finder_event").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["calendar_tab"] == "New event"
    assert at.text_input(key="calendar_new_title").value == "Champions session"
    assert at.selectbox(key="calendar_new_tz").value == "Europe/Zurich"
    assert len(at.multiselect(key="calendar_new_invitees").value) > 1
    assert any("new event is filled in" in shown(s.value) for s in at.success)
    at.switch_page("pages/calendar.py")  # where the browser is now (AppTest stays on its page)
    at.button(key="calendar_new_submit").click().run()
    assert not at.error, [shown(e.value) for e in at.error]
    assert any("Created 'Champions session'" in shown(s.value) for s in at.success)

"""AppTest of the calendar page: views, filters, detail, editing by role, feeds."""

from __future__ import annotations

import ast
import json
from datetime import date, datetime

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core import events, recurrence
from core.db import open_database
from tests.conftest import APP, ROOT, demo_user, login, shown
from ui.calendar_detail import expander_key


@pytest.fixture
def calendar_env(app_env, monkeypatch):
    return app_env


def _open(username: str) -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _table(at, column: str):
    """Return the first table on the page that has the column (tables are found by content)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _open_tab(at, label: str) -> AppTest:
    """Select a tab of the page, as a click on it would (only the open tab is drawn)."""
    at.session_state["calendar_tab"] = label
    return at.run()


def _expand(at, name: str, event_id: int) -> AppTest:
    """Open one of an event's lazy expanders ("edit", "agenda", "join"), as a click would."""
    at.session_state[expander_key(name, event_id)] = True
    return at.run()


def _pick(at, title_part: str) -> AppTest:
    box = at.selectbox(key="calendar_event_pick")
    index = next(i for i, label in enumerate(box.options) if title_part in label)
    return box.select_index(index).run()


def test_every_view_renders_with_today_marked(calendar_env):
    at = _open("viewer")
    # Month grid: a cell per day, today's says so.
    assert any("today" in shown(m.value) for m in at.markdown)
    at.radio(key="calendar_view").set_value("Week").run()
    assert not at.exception
    assert _charts(at), "the week view draws an Altair chart"
    at.radio(key="calendar_view").set_value("Agenda").run()
    assert _table(at, "Repeats").shape[0] > 0
    at.radio(key="calendar_view").set_value("Year").run()
    (spec,) = _charts(at)
    marks = _marks(spec)
    assert {"tick", "rule"} <= {m["type"] for m in marks}
    assert any(m["type"] == "rule" and m.get("strokeDash") for m in marks)
    lanes = set(_chart_column(at, "lane"))
    # One lane per workstream that has events this year, plus the network-wide lane.
    assert {"CWG-2.2", "TW-ATD", "TW-MM", "(network-wide)"} <= lanes


def _marks(spec: dict) -> list[dict]:
    """Return the marks of a chart and of all its layers."""
    found = []
    if "mark" in spec:
        mark = spec["mark"]
        found.append(mark if isinstance(mark, dict) else {"type": mark})
    for layer in spec.get("layer", []):
        found += _marks(layer)
    return found


def _chart_column(at, column: str) -> list:
    """Return the values of a column in the page's first chart (from any of its datasets)."""
    (chart,) = at.get("vega_lite_chart")
    for data in chart.proto.datasets:
        table = pa.ipc.open_stream(data.data.data).read_all()
        if column in table.column_names:
            return table.column(column).to_pylist()
    raise AssertionError(f"no dataset of the chart has {column}")


def test_filters_narrow_the_agenda(calendar_env):
    at = _open("viewer")
    at.radio(key="calendar_view").set_value("Year").run()
    at.radio(key="calendar_view").set_value("Agenda").run()
    at.date_input(key="calendar_date").set_value(date(date.today().year, 1, 1)).run()
    everything = _table(at, "Repeats")
    # The filters sit in a popover: built only while it is open.
    assert not at.get("multiselect")
    at.session_state["calendar_filters_open"] = True
    at.run()
    at.multiselect(key="calendar_filter_kind").set_value(["ec_meeting"]).run()
    only_ec = _table(at, "Repeats")
    assert 0 < len(only_ec) < len(everything)
    assert set(only_ec["Kind"]) == {"EC meeting"}
    # Closed again, the filter still applies, and the page says so.
    at.session_state["calendar_filters_open"] = False
    at.run()
    assert not at.get("multiselect")
    assert len(_table(at, "Repeats")) == len(only_ec)
    assert "Filtered: kind EC meeting." in [shown(c.value) for c in at.caption]
    at.session_state["calendar_filters_open"] = True
    at.run()
    at.multiselect(key="calendar_filter_kind").set_value([]).run()
    at.text_input(key="calendar_filter_text").input("webinar").run()
    assert all("webinar" in t.lower() for t in _table(at, "Repeats")["Title"])
    at.button(key="calendar_filters_clear").click().run()
    assert len(_table(at, "Repeats")) == len(everything)
    assert not any(c.value.startswith("Filtered:") for c in at.caption)


def test_event_detail_shows_agenda_capitals_and_join_details_only_to_staff(calendar_env):
    for username, sees_join in (("secretariat", True), ("viewer", False)):
        at = _open(username)
        at.date_input(key="calendar_date").set_value(date(2021, 2, 26)).run()
        _pick(at, "Technical meeting with Champions")
        assert not at.exception, [e.message for e in at.exception]
        text = " ".join(shown(m.value) for m in at.markdown)
        assert "15:00 CET" in text and "Who may join" in text
        agenda = _table(at, "Presenter")
        assert agenda["Time"].iloc[0].startswith("15:00 CET")
        capitals = _table(at, "Working hours").set_index("Country")
        assert capitals.loc["Thailand", "Working hours"] == "Outside 08:00-18:00"
        expanders = [e.label for e in at.expander]
        assert ("Join details (invited participants only)" in expanders) is sees_join
        assert any(b.key == "calendar_cancel" for b in at.button) is sees_join


def test_viewer_sees_no_editing_and_lead_only_their_workstream(calendar_env):
    viewer = _open("viewer")
    assert [t.label for t in viewer.tabs] == ["Subscribe"]
    lead = _open("lead_cwg22")
    assert [t.label for t in lead.tabs] == ["Subscribe", "New event", "Import .ics"]
    _open_tab(lead, "New event")
    assert lead.selectbox(key="calendar_new_workstream").options == [
        "CWG-2.2: GCM National Implementation Plans"
    ]


def test_creating_an_event_in_the_form_lands_in_the_month_grid_and_the_audit_log(calendar_env):
    at = _open_tab(_open("secretariat"), "New event")
    at.text_input(key="calendar_new_title").input("Côte d'Ivoire peer exchange <b>bold</b>")
    at.selectbox(key="calendar_new_kind").set_value("peer_learning")
    at.selectbox(key="calendar_new_tz").set_value("Africa/Abidjan")
    today = date.today()
    at.date_input(key="calendar_new_start_day").set_value(today)
    at.date_input(key="calendar_new_end_day").set_value(today)
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 10, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 11, 0).time())
    at.button(key="calendar_new_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [shown(e.value) for e in at.error]
    assert any("Created" in shown(s.value) for s in at.success)
    labels = [b.label for b in at.button if (b.key or "").startswith("calendar_open_")]
    assert any("peer exchange" in label for label in labels)
    # The title is shown as typed: markup escaped, never rendered.
    assert any("<b>bold</b>" in shown(label) for label in labels)
    assert not any("<b>bold</b>" in label for label in labels)
    con = open_database(calendar_env)
    try:
        row = con.execute(
            "SELECT username, action FROM audit_log WHERE entity = 'event' ORDER BY audit_id DESC"
        ).fetchone()
        assert row == ("secretariat", "create")
    finally:
        con.close()


def test_a_wrong_form_says_what_is_wrong_in_the_users_terms(calendar_env):
    at = _open_tab(_open("secretariat"), "New event")
    at.text_input(key="calendar_new_title").input("Backwards meeting")
    at.time_input(key="calendar_new_start_time").set_value(datetime(2000, 1, 1, 16, 0).time())
    at.time_input(key="calendar_new_end_time").set_value(datetime(2000, 1, 1, 15, 0).time())
    at.button(key="calendar_new_submit").click().run()
    assert any("before or when it starts" in shown(e.value) for e in at.error)


def test_a_user_creates_and_revokes_a_feed(calendar_env):
    at = _open("viewer")
    at.button(key="calendar_feed_create").click().run()
    (code,) = at.code
    assert code.value.startswith("http://localhost:8501/feed/") and code.value.endswith(".ics")
    # AppTest runs app.py alone, without serve.py's feed route: the page says so.
    assert any("without its feed route" in shown(w.value) for w in at.warning)
    revoke = [b for b in at.button if (b.key or "").startswith("calendar_feed_revoke_")]
    assert len(revoke) == 1
    revoke[0].click().run()
    assert not [b for b in at.button if (b.key or "").startswith("calendar_feed_revoke_")]
    con = open_database(calendar_env)
    try:
        token = code.value.rsplit("/", 1)[1].removesuffix(".ics")
        from core.feeds import feed_calendar

        assert feed_calendar(con, token, demo_mode=True) is None
        assert events.list_all_event_ids(con)
    finally:
        con.close()


SECRET = "s3cret-passcode-4821"


def _staged_event(db_path, **changes) -> int:
    """Create a CWG-2.2 technical meeting on 4 March 2030 with join details and one agenda item."""
    con = open_database(db_path)
    try:
        actor = demo_user(con, "secretariat")
        data = {
            "title": "Staged peer exchange",
            "kind": "technical_meeting",
            "audience": "champions",
            "workstream_id": "CWG-2.2",
            "tz": "Europe/Zurich",
            "start_local": datetime(2030, 3, 4, 15, 0),
            "end_local": datetime(2030, 3, 4, 17, 0),
        }
        event_id = events.create_event(con, actor=actor, event_in=events.EventIn(**data | changes))
        events.set_join_details(
            con,
            actor=actor,
            event_id=event_id,
            details=events.JoinDetailsIn(url="https://example.org/staged-join", password=SECRET),
        )
        events.add_agenda_item(
            con,
            actor=actor,
            event_id=event_id,
            item_in=events.AgendaItemIn(
                title="Welcome",
                starts_local=datetime(2030, 3, 4, 15, 0),
                ends_local=datetime(2030, 3, 4, 15, 30),
            ),
        )
        return event_id
    finally:
        con.close()


def _open_staged(username: str) -> AppTest:
    at = _open(username)
    at.date_input(key="calendar_date").set_value(date(2030, 3, 4)).run()
    return _pick(at, "Staged peer exchange")


def _everything_shown(at) -> str:
    """Return the text of every element and widget value on the page."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    # Once for the protobuf text format's escapes, once for the app's Markdown escapes.
    return shown(shown("\n".join(out)))


def test_join_details_form_is_prefilled_for_staff_and_saves_with_audit(calendar_env):
    event_id = _staged_event(calendar_env)
    at = _open_staged("secretariat")
    assert not at.exception, [e.message for e in at.exception]
    assert "Set the join details" in [e.label for e in at.expander]
    _expand(at, "join", event_id)
    key = f"calendar_join_{event_id}"
    assert at.text_input(key=f"{key}_url").value == "https://example.org/staged-join"
    assert at.text_input(key=f"{key}_password").value == SECRET
    assert SECRET in _everything_shown(at)  # the walk finds it when it is on the page
    at.text_input(key=f"{key}_url").input("https://example.org/new-join")
    at.text_input(key=f"{key}_number").input("123 456")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    con = open_database(calendar_env)
    try:
        assert con.execute(
            "SELECT url, meeting_number, password FROM event_join_details WHERE event_id = ?",
            [event_id],
        ).fetchone() == ("https://example.org/new-join", "123 456", SECRET)
        logged = con.execute(
            "SELECT username, after_json FROM audit_log WHERE entity = 'event_join_details'"
            " ORDER BY audit_id DESC"
        ).fetchone()
        assert logged[0] == "secretariat" and "new-join" not in logged[1]
    finally:
        con.close()


def test_a_viewer_never_sees_the_join_form_or_the_join_details(calendar_env):
    event_id = _staged_event(calendar_env)
    at = _open_staged("viewer")
    assert not at.exception, [e.message for e in at.exception]
    assert any("Staged peer exchange" in shown(h.value) for h in at.subheader)
    assert "Set the join details" not in [e.label for e in at.expander]
    _expand(at, "join", event_id)  # even the expander's state set by hand opens nothing
    assert not at.exception, [e.message for e in at.exception]
    assert "Set the join details" not in [e.label for e in at.expander]
    assert not [w for w in at.text_input if (w.key or "").startswith("calendar_join_")]
    on_page = _everything_shown(at)
    assert SECRET not in on_page and "staged-join" not in on_page
    # The walk does see the detail (so the absence above means something).
    assert "Staged peer exchange" in on_page and "Welcome" in on_page


def test_a_lead_may_replace_join_details_without_ever_seeing_them(calendar_env):
    event_id = _staged_event(calendar_env)
    at = _expand(_open_staged("lead_cwg22"), "join", event_id)
    assert not at.exception, [e.message for e in at.exception]
    key = f"calendar_join_{event_id}"
    assert at.text_input(key=f"{key}_url").value == ""
    assert at.text_input(key=f"{key}_password").value == ""
    on_page = _everything_shown(at)
    assert SECRET not in on_page and "staged-join" not in on_page


def test_cached_loaders_never_hold_join_details():
    sources = [ROOT / "pages" / "calendar.py", *sorted((ROOT / "ui").glob("calendar_*.py"))]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                "cache_data" in ast.unparse(d) for d in node.decorator_list
            ):
                assert "join_details" not in ast.unparse(node), f"{path.name}:{node.name}"


def test_an_agenda_item_is_changed_in_place(calendar_env):
    event_id = _staged_event(calendar_env)
    at = _expand(_open_staged("lead_cwg22"), "agenda", event_id)
    box = at.selectbox(key="calendar_agenda_edit_pick")
    (item_id,) = [o for o in box.options if o != "Choose an item"]
    con = open_database(calendar_env)
    try:
        item_id = int(events.list_agenda(con, event_id=event_id)["item_id"].iloc[0])
    finally:
        con.close()
    box.set_value(item_id).run()
    key = f"calendar_agenda_edit_{item_id}"
    assert at.text_input(key=f"{key}_title").value == "Welcome"
    at.text_input(key=f"{key}_title").input("Welcome and tour de table")
    at.time_input(key=f"{key}_end").set_value(datetime(2000, 1, 1, 15, 45).time())
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    assert any("Saved agenda item" in shown(s.value) for s in at.success)
    con = open_database(calendar_env)
    try:
        agenda = events.list_agenda(con, event_id=event_id)
        assert list(agenda["title"]) == ["Welcome and tour de table"]
        assert agenda["ends_utc"].iloc[0] == datetime(2030, 3, 4, 14, 45)
    finally:
        con.close()


def test_editing_a_repeating_event_opens_with_its_repetition(calendar_env):
    event_id = _staged_event(
        calendar_env,
        rrule="FREQ=MONTHLY;BYDAY=1MO;COUNT=4",
        exdates=[datetime(2030, 5, 6, 13, 0)],  # 6 May 15:00 CEST
    )
    at = _expand(_open_staged("secretariat"), "edit", event_id)
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="calendar_edit_repeat").value == "monthly_nth"
    assert at.selectbox(key="calendar_edit_nth").value == 1
    assert at.number_input(key="calendar_edit_count").value == 4
    assert at.text_input(key="calendar_edit_skips").value == "2030-05-06"
    # Saving the form untouched keeps the series exactly as it was.
    at.button(key="calendar_edit_submit").click().run()
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    con = open_database(calendar_env)
    try:
        event = events.get_event(con, event_id)
        assert event.rrule == recurrence.check_rrule("FREQ=MONTHLY;BYDAY=1MO;COUNT=4")
        assert event.exdates == "2030-05-06T13:00:00"
        assert event.sequence == 2  # the join details and the agenda item; the save changed nothing
    finally:
        con.close()

"""Cached page data is keyed by the database's data version, so another process's change shows."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core import events
from core.permissions import SYSTEM
from core.store import data_version, shared_store
from tests.conftest import APP, login


def test_the_data_version_moves_with_every_audited_change_on_both_engines(store):
    first = data_version(store)
    assert data_version(store) == first  # reading changes nothing
    events.create_event(
        store,
        actor=SYSTEM,
        event_in=events.EventIn(
            title="Version probe",
            kind="webinar",
            audience="open",
            tz="UTC",
            start_local=datetime(2026, 3, 2, 9),
            end_local=datetime(2026, 3, 2, 10),
        ),
    )
    second = data_version(store)
    assert second != first
    # A rolled-back change leaves it as it was.
    try:
        with store.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at_utc, username, action, entity)"
                    " VALUES (current_timestamp, 'x', 'probe', 'probe')"
                )
            )
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert data_version(store) == second


def _event_titles(username: str) -> list[str]:
    at = login(AppTest.from_file(APP, default_timeout=30).run(), username)
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return list(at.selectbox(key="calendar_event_pick").options)


def test_a_change_written_by_another_process_appears_on_the_next_run(app_env, monkeypatch):
    monkeypatch.setattr("ui.context.VERSION_CHECK_SECONDS", 0.0)
    before = _event_titles("viewer")
    assert not any("Written elsewhere" in label for label in before)
    # Another replica writes to the same database: this process's caches are never told.
    today = date.today()
    events.create_event(
        shared_store(app_env),
        actor=SYSTEM,
        event_in=events.EventIn(
            title="Written elsewhere",
            kind="webinar",
            audience="open",
            tz="UTC",
            start_local=datetime.combine(today, time(9)),
            end_local=datetime.combine(today, time(10)),
        ),
    )
    after = _event_titles("viewer")
    assert any("Written elsewhere" in label for label in after)

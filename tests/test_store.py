"""The store layer on both engines: schema, write conflicts and retries, copy-to between engines."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from core.db import open_database
from core.store import WriteConflict, display_target
from core.store.copy import CopyRefused, copy_database, table_order
from tests.conftest import ROOT


def _columns(db) -> dict[str, list[tuple[str, str]]]:
    rows = db.rows(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns"
        " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, nullable in rows:
        found.setdefault(table, []).append((column, nullable))
    return found


def test_the_migrations_build_the_same_tables_and_columns_on_both_engines(pg_server, tmp_path):
    duck = open_database(tmp_path / "fresh.duckdb")
    pg = open_database(pg_server.create_database("fresh_schema"))
    try:
        assert _columns(duck) == _columns(pg)
        assert set(table_order()) <= set(_columns(pg))
        numbers = "SELECT number FROM schema_migrations ORDER BY number"
        assert duck.rows(numbers) == pg.rows(numbers)
    finally:
        duck.close()
        pg.close()


def test_the_demo_data_is_the_same_on_both_engines(store, demo_template):
    # The PostgreSQL copy was made by copy-to's code and verified by checksum; spot-check it.
    assert store.scalar("SELECT count(*) FROM champions") == 31
    assert store.scalar("SELECT name_en FROM countries WHERE iso3 = 'TUR'") == "Türkiye"
    assert store.scalar("SELECT count(*) FROM users WHERE is_demo") == 5


def test_simultaneous_writes_to_one_row_are_retried_until_each_counts_once(store):
    store.write(
        lambda c: c.execute(sa.text("INSERT INTO app_settings (key, value) VALUES ('n', '0')"))
    )
    errors: list[BaseException] = []

    def bump(conn: sa.Connection) -> None:
        value = int(
            conn.execute(sa.text("SELECT value FROM app_settings WHERE key = 'n'")).scalar()
        )
        conn.execute(
            sa.text("UPDATE app_settings SET value = :v WHERE key = 'n'"), {"v": str(value + 1)}
        )

    def worker() -> None:
        try:
            store.write(bump, attempts=200)
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # No lost update: every one of the eight increments is there.
    assert store.scalar("SELECT value FROM app_settings WHERE key = 'n'") == "8"


def test_a_conflict_that_outlasts_the_retries_is_one_plain_error(store):
    store.write(
        lambda c: c.execute(sa.text("INSERT INTO app_settings (key, value) VALUES ('m', '0')"))
    )
    held = store.engine.connect()
    transaction = held.begin()
    held.execute(sa.text("UPDATE app_settings SET value = 'first' WHERE key = 'm'"))
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            store.write(
                lambda c: c.execute(
                    sa.text("UPDATE app_settings SET value = 'second' WHERE key = 'm'")
                ),
                attempts=1,
            )
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            outcome.append(exc)

    # DuckDB refuses the second writer at once; PostgreSQL makes it wait, then refuses it
    # once the first one commits (serializable isolation).
    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1)
    transaction.commit()
    held.close()
    thread.join(timeout=20)
    (error,) = outcome
    assert isinstance(error, WriteConflict) and "Someone else changed" in str(error)
    assert store.scalar("SELECT value FROM app_settings WHERE key = 'm'") == "first"


def test_a_real_sql_error_is_not_reported_as_a_conflict(store):
    with pytest.raises(sa.exc.DBAPIError) as caught:
        store.write(lambda c: c.execute(sa.text("INSERT INTO no_such_table VALUES (1)")))
    assert not isinstance(caught.value, WriteConflict)
    with pytest.raises(sa.exc.IntegrityError):
        store.write(
            lambda c: c.execute(
                sa.text("INSERT INTO agencies (agency_id, name) VALUES ('IOM', 'again')")
            )
        )


def test_copy_to_postgresql_and_back_keeps_every_row_and_continues_the_ids(
    pg_server, demo_template, tmp_path
):
    source = open_database(demo_template)
    pg = open_database(pg_server.create_database("copy_there"))
    back = open_database(tmp_path / "back.duckdb")
    try:
        there = copy_database(source, pg)
        again = copy_database(pg, back)
        assert there.total_rows > 2000
        assert [(t.table, t.rows, t.checksum) for t in there.tables] == [
            (t.table, t.rows, t.checksum) for t in again.tables
        ]
        top = source.scalar("SELECT max(event_id) FROM events")
        for db in (pg, back):  # a new event after the move gets a fresh id, not a clash
            assert db.scalar("SELECT nextval('seq_event')") > top
        with pytest.raises(CopyRefused, match="not empty: countries"):
            copy_database(source, pg)
        assert pg.scalar("SELECT count(*) FROM events") == source.scalar(
            "SELECT count(*) FROM events"
        )
    finally:
        for db in (source, pg, back):
            db.close()


def test_copy_to_from_the_command_line(pg_server, db_path, tmp_path):
    url = pg_server.create_database("copy_cli")
    run = [sys.executable, "-m", "core", "--db", str(db_path), "copy-to", url]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout and "checksum" in done.stdout
    assert display_target(url) in done.stdout
    refused = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "Traceback" not in refused.stderr


def test_a_postgresql_address_that_does_not_answer_is_said_plainly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "core", "--db", "postgresql://u:secret@127.0.0.1:1/x", "init"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Cannot reach the database postgresql+psycopg://u:***@127.0.0.1:1/x" in done.stderr
    assert "secret" not in done.stderr and "Traceback" not in done.stderr


def test_an_event_reads_back_with_its_own_invitees_and_products(store):
    from datetime import datetime

    from core import events
    from core.permissions import SYSTEM

    champions = [m49 for m49, _ in events.list_champion_choices(store)][:3]
    products = [pid for pid, _ in events.list_product_choices(store)][:2]
    event_id = events.create_event(
        store,
        actor=SYSTEM,
        event_in=events.EventIn(
            title="Read-back probe",
            kind="webinar",
            audience="champions",
            tz="Europe/Zurich",
            start_local=datetime(2026, 5, 4, 14),
            end_local=datetime(2026, 5, 4, 15),
            invitees=champions,
            product_ids=products,
        ),
    )
    event = events.get_event(store, event_id)
    assert event.invitees == sorted(champions) and event.product_ids == sorted(products)


def test_the_overview_figures_agree_with_the_calendar_on_both_engines(store):
    from datetime import date, datetime

    from core import events, overview

    today = date.today()
    kpis = overview.overview_kpis(store, today=today)
    assert set(kpis) == {"champions", "events_year", "events_30", "products_open", "products_late"}
    assert kpis["champions"] == store.scalar("SELECT count(*) FROM champions") > 0
    year = events.list_events(
        store,
        start_utc=datetime(today.year, 1, 1),
        end_utc=datetime(today.year + 1, 1, 1),
        include_cancelled=False,
    )
    in_year = year[year["starts_utc"] >= datetime(today.year, 1, 1)]
    monthly = overview.events_per_month(store, year=today.year)
    assert int(monthly["events"].sum()) == kpis["events_year"] == len(in_year)
    assert list(monthly["month"]) == sorted(monthly["month"])
    upcoming = overview.upcoming_events(store, today=today)
    assert list(upcoming.columns) == ["when", "title", "kind"] and len(upcoming) <= 8


def test_an_event_moves_to_another_workstream_where_the_engine_allows(store):
    from datetime import datetime

    from core import events
    from core.permissions import SYSTEM

    def make(**extra):
        event_in = events.EventIn(
            title="Mover",
            kind="webinar",
            audience="open",
            workstream_id="CWG-2.1",
            tz="UTC",
            start_local=datetime(2026, 6, 1, 9),
            end_local=datetime(2026, 6, 1, 10),
            **extra,
        )
        return event_in, events.create_event(store, actor=SYSTEM, event_in=event_in)

    plain, plain_id = make()
    moved = plain.model_copy(update={"workstream_id": "CWG-2.2"})
    assert events.update_event(store, actor=SYSTEM, event_id=plain_id, event_in=moved)
    assert events.get_event(store, plain_id).workstream_id == "CWG-2.2"

    champion = events.list_champion_choices(store)[0][0]
    linked, linked_id = make(invitees=[champion])
    moved = linked.model_copy(update={"workstream_id": "CWG-2.2"})
    if store.kind == "postgresql":
        assert events.update_event(store, actor=SYSTEM, event_id=linked_id, event_in=moved)
        assert events.get_event(store, linked_id).workstream_id == "CWG-2.2"
    else:  # DuckDB cannot rewrite a referenced row's foreign key: said plainly, nothing changed
        with pytest.raises(ValueError, match="cannot move to another workstream"):
            events.update_event(store, actor=SYSTEM, event_id=linked_id, event_in=moved)
        assert events.get_event(store, linked_id).workstream_id == "CWG-2.1"

"""Synthetic benchmark data: the realistic size has the promised counts and every page renders on it."""

import secrets

import pytest
from streamlit.testing.v1 import AppTest

from core.db import open_database
from core.synthetic import build_synthetic
from tests.conftest import APP, PAGES, login


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    """Build the realistic synthetic database once for this module."""
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.duckdb"
    con = open_database(path)
    counts = build_synthetic(con, size="realistic", seed=1)
    con.execute("CHECKPOINT")
    con.close()
    return path, counts


def test_realistic_size_has_the_promised_counts(synthetic_db):
    path, counts = synthetic_db
    assert counts["champions"] == 35
    assert counts["registrations"] == 3_000
    con = open_database(path)
    try:
        cur = con.cursor()
        synthetic_events = cur.execute(
            "SELECT count(*) FROM events WHERE is_demo AND title LIKE '%(synthetic)'"
        ).fetchone()[0]
        products = cur.execute(
            "SELECT count(*) FROM products WHERE is_demo AND title_en LIKE '%(synthetic)'"
        ).fetchone()[0]
        unmarked = cur.execute("SELECT count(*) FROM registrations WHERE NOT is_demo").fetchone()[0]
        over_quota = cur.execute(
            "SELECT count(*) FROM (SELECT event_id, m49, agency_id FROM quota_seats"
            " GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        over_capacity = cur.execute(
            "SELECT count(*) FROM capacity_seats s JOIN events e USING (event_id)"
            " WHERE e.capacity IS NOT NULL AND s.seat_no > e.capacity"
        ).fetchone()[0]
        attended_without_row = cur.execute(
            "SELECT count(*) FROM registrations r LEFT JOIN attendance a USING (registration_id)"
            " WHERE r.status = 'attended' AND a.registration_id IS NULL"
        ).fetchone()[0]
    finally:
        con.close()
    assert synthetic_events == 300
    assert products == 60
    assert unmarked == 0
    assert over_quota == over_capacity == attended_without_row == 0


def test_build_refuses_a_database_that_holds_data(synthetic_db):
    path, _ = synthetic_db
    con = open_database(path)
    try:
        with pytest.raises(ValueError, match="empty"):
            build_synthetic(con, size="realistic")
    finally:
        con.close()


def test_every_page_renders_for_the_admin_on_synthetic_data(synthetic_db, tmp_path, monkeypatch):
    path, _ = synthetic_db
    monkeypatch.setenv("ACTIONPLAN_DB", str(path))
    monkeypatch.setenv("ACTIONPLAN_COOKIE_KEY", secrets.token_urlsafe(40))
    monkeypatch.setenv("ACTIONPLAN_DEMO", "1")
    monkeypatch.setenv("ACTIONPLAN_SECRETS", str(tmp_path / "no-secrets.toml"))
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "admin")
    assert not at.exception
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert at.title, page

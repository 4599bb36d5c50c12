"""Add generated (demo) products whose consultation is near, so the pipeline views have work to show.

The main demo plan is anchored to the calendar year; these three are anchored to today and to
the next Champion event in the calendar, so that "at risk" and "engagement opportunities" are
never empty whatever the date. Every row is is_demo and every title ends with "(demo)".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

NOTE = "Generated demo data; not a real plan."
CHANNELS = ("meeting", "hub", "written")


def _next_champion_event(cur: duckdb.DuckDBPyConnection, today: date) -> date:
    rows = cur.execute(
        "SELECT CAST(min(starts_utc) AS DATE) FROM events WHERE starts_utc >= ?"
        " AND kind IN ('champions_meeting', 'technical_meeting', 'webinar')"
        " AND audience IN ('champions', 'open') AND status <> 'cancelled'",
        [datetime.combine(today, datetime.min.time())],
    ).fetchall()
    return rows[0][0] or today + timedelta(days=21)


def _product(cur, *, ws, title, kind, leads, stage, launch, langs, stage_plan) -> int:
    pid = cur.execute(
        "INSERT INTO products (workstream_id, title_en, kind, lead_agencies, stage,"
        " needs_consultation, planned_launch, description, source, is_demo)"
        " VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?, TRUE) RETURNING product_id",
        [ws, title, kind, leads, stage, launch, NOTE, NOTE],
    ).fetchone()[0]
    cur.executemany(
        "INSERT INTO product_languages VALUES (?, ?, ?)", [[pid, k, v] for k, v in langs.items()]
    )
    previous = None
    for stage_name, (p_start, p_end, a_start, a_end) in stage_plan.items():
        cur.execute(
            "INSERT INTO product_stage_dates VALUES (?, ?, ?, ?, ?, ?)",
            [pid, stage_name, p_start, p_end, a_start, a_end],
        )
        if a_start is not None:
            cur.execute(
                "INSERT INTO product_stage_history (product_id, from_stage, to_stage,"
                " changed_at_utc, changed_by) VALUES (?, ?, ?, ?, 'seed')",
                [pid, previous, stage_name, datetime.combine(a_start, datetime.min.time())],
            )
            previous = stage_name
    return pid


def seed_pipeline_demo(cur: duckdb.DuckDBPyConnection, today: date | None = None) -> None:
    """Add three demo products: one before, one inside its consultation, one at risk."""
    today = today or date.today()
    event_day = _next_champion_event(cur, today)
    champions = [r[0] for r in cur.execute("SELECT m49 FROM champions ORDER BY m49").fetchall()]
    d = timedelta
    # Drafting now; its planned consultation window holds the next Champion event.
    _product(
        cur,
        ws="CWG-2.2",
        title="Practical note on reviewing national implementation plans (demo)",
        kind="brief",
        leads="IOM, UNDP",
        stage="drafting",
        launch=event_day + d(days=150),
        langs={"en": "not_started", "fr": "not_started", "es": "not_started"},
        stage_plan={
            "planned": (today - d(days=60), today - d(days=31), today - d(days=60), today - d(31)),
            "drafting": (today - d(days=30), event_day - d(days=8), today - d(days=30), None),
            "consultation": (event_day - d(days=7), event_day + d(days=28), None, None),
            "revision": (event_day + d(days=29), event_day + d(days=70), None, None),
            "translation": (event_day + d(days=71), event_day + d(days=120), None, None),
            "validation": (event_day + d(days=121), event_day + d(days=149), None, None),
        },
    )
    # In consultation now, with a recorded window, Champions asked and some feedback in.
    opens = today - d(days=10)
    closes = max(today + d(days=25), event_day + d(days=3))
    pid = _product(
        cur,
        ws="TW-ATD",
        title="Checklist for peer-learning on alternatives to detention (demo)",
        kind="toolkit",
        leads="UNHCR, UNICEF",
        stage="consultation",
        launch=closes + d(days=120),
        langs={"en": "ready", "fr": "in_translation", "es": "in_translation"},
        stage_plan={
            "drafting": (today - d(days=70), today - d(days=11), today - d(days=75), opens),
            "consultation": (opens, closes, opens, None),
            "revision": (closes + d(days=1), closes + d(days=40), None, None),
        },
    )
    cid = cur.execute(
        "INSERT INTO consultations (product_id, opens_on, closes_on, channel, note)"
        " VALUES (?, ?, ?, 'hub', ?) RETURNING consultation_id",
        [pid, opens, closes, "Discussion space on the Hub (demo)"],
    ).fetchone()[0]
    asked = champions[::3][:9]
    cur.executemany("INSERT INTO consultation_invites VALUES (?, ?)", [[cid, m] for m in asked])
    for i, m49 in enumerate(asked[:3]):
        cur.execute(
            "INSERT INTO feedback (product_id, m49, received_on, lang, channel, summary, is_demo)"
            " VALUES (?, ?, ?, ?, ?, ?, TRUE)",
            [pid, m49, opens + d(days=2 + 3 * i), ("en", "fr", "es")[i], CHANNELS[i], NOTE],
        )
    # Launching in three weeks, Spanish still in translation: at risk.
    _product(
        cur,
        ws="CWG-2.1",
        title="Guide to GCM focal points in UN country teams (demo)",
        kind="guidance",
        leads="IOM, UNDP",
        stage="validation",
        launch=today + d(days=21),
        langs={"en": "ready", "fr": "ready", "es": "in_translation"},
        stage_plan={
            "translation": (today - d(days=50), today - d(days=11), today - d(days=50), today),
            "validation": (today - d(days=10), today + d(days=20), today, None),
        },
    )

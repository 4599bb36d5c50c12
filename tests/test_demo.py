"""The demo data: public facts stored as facts, generated rows marked as demo."""

from datetime import datetime


def test_the_31_public_champions_with_a_source_each(con):
    rows = con.execute(
        "SELECT count(*), count(source), count(*) FILTER (WHERE source = '') FROM champions"
    ).fetchone()
    assert rows == (31, 31, 0)


def test_join_dates_are_never_invented(con):
    exact = con.execute("SELECT count(*) FROM champions WHERE joined_precision = 'day'").fetchone()[
        0
    ]
    assert exact == 0  # no public source gives a day
    by_month = dict(
        con.execute(
            "SELECT k.iso3, c.joined_precision FROM champions c JOIN countries k USING (m49)"
            " WHERE c.joined_precision = 'month'"
        ).fetchall()
    )
    assert by_month == {"BGD": "month", "THA": "month"}


def test_regional_counts_match_the_domain_brief(con):
    counts = dict(
        con.execute(
            "SELECT k.region, count(*) FROM champions c JOIN countries k USING (m49) GROUP BY 1"
        ).fetchall()
    )
    assert counts == {"Africa": 14, "Americas": 9, "Asia": 6, "Europe": 2}


def test_the_26_february_2021_meeting_keeps_its_real_agenda(con):
    start, end, tz = con.execute(
        "SELECT starts_utc, ends_utc, tz FROM events WHERE uid LIKE 'champions-technical-2021-02-26%'"
    ).fetchone()
    assert (start, end, tz) == (
        datetime(2021, 2, 26, 14, 0),
        datetime(2021, 2, 26, 16, 0),
        "Europe/Zurich",
    )
    items = con.execute(
        "SELECT strftime(a.starts_utc, '%H:%M'), a.moderator FROM agenda_items a JOIN events e USING (event_id)"
        " WHERE e.uid LIKE 'champions-technical-2021-02-26%' ORDER BY a.starts_utc"
    ).fetchall()
    assert items == [
        ("14:00", None),
        ("14:30", "QUNO"),
        ("15:30", "UN Network on Migration Secretariat"),
        ("15:50", None),
    ]


def test_generated_rows_are_marked_demo(con):
    unmarked = con.execute(
        "SELECT count(*) FROM events WHERE source = 'Generated demo data; not a real plan.' AND NOT is_demo"
    ).fetchone()[0]
    assert unmarked == 0
    titles = con.execute("SELECT title FROM events WHERE is_demo").fetchall()
    assert titles and all("(demo)" in t[0] for t in titles)

"""The time-zone-fair slot finder on known zones, twin sessions and rotation of off-hours."""

from datetime import date, datetime

import pytest

from core.slotfinder import (
    FinderIn,
    Invitee,
    local_table,
    off_minutes,
    offhours_counts,
    rank_times,
    record_choice,
    twin_sessions,
)
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """The rotation is recorded and read on both engines (DuckDB and PostgreSQL)."""
    return store


MEXICO = Invitee(484, "Mexico", "America/Mexico_City")  # UTC-6, no DST since 2022
KENYA = Invitee(404, "Kenya", "Africa/Nairobi")  # UTC+3
THAILAND = Invitee(764, "Thailand", "Asia/Bangkok")  # UTC+7
PORTUGAL = Invitee(620, "Portugal", "Europe/Lisbon")  # UTC+0 in winter
# Tuesday 3 February 2026: a plain winter weekday.
TUESDAY = FinderIn(first_day=date(2026, 2, 3), last_day=date(2026, 2, 3), minutes=60)


def test_off_minutes_counts_time_before_eight_and_after_six_and_weekends():
    assert off_minutes(datetime(2026, 2, 3, 7, 30), datetime(2026, 2, 3, 8, 30)) == 30
    assert off_minutes(datetime(2026, 2, 3, 17, 0), datetime(2026, 2, 3, 18, 30)) == 30
    assert off_minutes(datetime(2026, 2, 3, 9, 0), datetime(2026, 2, 3, 10, 0)) == 0
    assert off_minutes(datetime(2026, 2, 7, 9, 0), datetime(2026, 2, 7, 10, 0)) == 60  # Saturday


def test_kenya_and_portugal_share_working_hours_and_the_best_time_keeps_both_inside():
    ranked = rank_times([KENYA, PORTUGAL], TUESDAY)
    best = ranked.iloc[0]
    assert best["inside"] == 2 and best["off_minutes"] == 0
    # Inside both: Nairobi 08:00-18:00 is 05:00-15:00 UTC, Lisbon 08:00-18:00 is 08:00-18:00 UTC.
    assert 8 <= best["starts_utc"].hour and best["starts_utc"].hour + 1 <= 15


def test_mexico_and_thailand_cannot_share_working_hours_so_twin_sessions_are_proposed():
    # Mexico City 08:00-18:00 is 14:00-24:00 UTC; Bangkok 08:00-18:00 is 01:00-11:00 UTC.
    ranked = rank_times([MEXICO, THAILAND], TUESDAY)
    assert ranked["inside"].max() == 1
    twin = twin_sessions([MEXICO, THAILAND], TUESDAY)
    assert twin is not None and twin.inside == 2 and twin.off_minutes == 0
    sessions = dict(zip(twin.assignment["country"], twin.assignment["session"], strict=True))
    assert sessions["Mexico"] != sessions["Thailand"]


def test_local_table_labels_each_time_with_its_zone():
    table = local_table([MEXICO, KENYA], datetime(2026, 2, 3, 14, 0), 60).set_index("country")
    assert table.loc["Mexico", "local time"] == "Tue 03 Feb 08:00-09:00 CST"
    assert table.loc["Kenya", "local time"] == "Tue 03 Feb 17:00-18:00 EAT"
    assert bool(table.loc["Kenya", "inside working hours"])


def test_off_hours_rotate_to_whoever_had_fewer_before(con):
    # Mexico and Thailand: every single time leaves one of them outside working hours.
    first = rank_times([MEXICO, THAILAND], TUESDAY).iloc[0]
    loser = "Mexico" if "Mexico" in first["outside_hours"] else "Thailand"
    record_choice(
        con,
        actor=demo_user(con, "secretariat"),
        invitees=[MEXICO, THAILAND],
        starts_utc=first["starts_utc"].to_pydatetime(),
        minutes=60,
        label="test session",
    )
    history = offhours_counts(con)
    assert history == {(MEXICO if loser == "Mexico" else THAILAND).m49: 1}
    second = rank_times([MEXICO, THAILAND], TUESDAY, history=history).iloc[0]
    assert loser not in second["outside_hours"]

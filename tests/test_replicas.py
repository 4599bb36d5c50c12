"""Several processes on one PostgreSQL database: the rules hold across them."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from core.db import open_database
from core.registration import list_registrations
from tests.conftest import ROOT, demo_user
from tests.test_registration import make_meeting


@pytest.fixture
def pg_demo(pg_server, pg_demo_template):
    url = pg_server.create_database("replicas_race", template=pg_demo_template)
    yield url
    pg_server.drop_database("replicas_race")


def test_twenty_registrations_for_the_last_seat_over_two_processes_give_one_winner(pg_demo):
    db = open_database(pg_demo)
    try:
        event_id = make_meeting(db, capacity=1)
        start_at = time.time() + 4  # both processes are up and connected by then
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.race_worker",
                    pg_demo,
                    str(event_id),
                    str(first),
                    "10",
                    str(start_at),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for first in (0, 10)
        ]
        outcomes = {}
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            outcomes.update(line.split() for line in out.splitlines())
        assert len(outcomes) == 20
        assert sorted(outcomes.values()) == ["confirmed"] + ["waitlisted"] * 19, outcomes
        people = list_registrations(db, user=demo_user(db, "secretariat"), event_id=event_id)
        assert people["capacity_seat"].dropna().astype(int).tolist() == [1]
    finally:
        db.close()

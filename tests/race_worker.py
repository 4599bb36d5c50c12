"""One process of a cross-process race: registers several people for one event, all at a given
instant, from threads of its own, against a PostgreSQL database (run by tests/test_replicas.py).

    python -m tests.race_worker URL EVENT_ID FIRST COUNT START_AT_EPOCH
Prints one line per attempt: "<n> <status or refusal class>".
"""

from __future__ import annotations

import sys
import threading
import time

from core.db import open_database
from core.permissions import SYSTEM
from core.registration import register
from tests.test_registration import KENYA, MEXICO, reg

AGENCIES = ["IOM", "DESA", "ILO", "OHCHR", "UNDP", "UNHCR", "UNICEF", "UNODC"]


def main(url: str, event_id: int, first: int, count: int, start_at: float) -> None:
    db = open_database(url)
    out: dict[int, str] = {}

    def attempt(n: int) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        person = reg(event_id, n, m49=[KENYA, MEXICO, 170][n % 3], agency=AGENCIES[n // 3])
        try:
            out[n] = register(db, actor=SYSTEM, reg=person).status
        except Exception as exc:  # every outcome is reported
            out[n] = type(exc).__name__

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(first, first + count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.close()
    for n in sorted(out):
        print(n, out[n])


if __name__ == "__main__":
    url, event_id, first, count, start_at = sys.argv[1:]
    main(url, int(event_id), int(first), int(count), float(start_at))

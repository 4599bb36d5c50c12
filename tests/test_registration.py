"""Registration rules: quota per Champion country x EC agency, listening mode, capacity, audience,
waiting list, bulk CSV, and the rules holding under 20+ simultaneous requests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from core.permissions import PermissionDenied
from core.registration import (
    ImportFailed,
    RegistrationIn,
    RegistrationRefused,
    cancel_registration,
    import_registrations_csv,
    list_registrations,
    register,
)
from tests.conftest import demo_user

KENYA, MEXICO, FRANCE = 404, 484, 250


@pytest.fixture
def con(store):
    """Every participation rule holds on both engines (DuckDB and PostgreSQL)."""
    return store


def execute(con, sql: str, **params):
    """Run one statement of a test's own in its own transaction; return its first row."""
    with con.begin() as conn:
        result = conn.execute(sa.text(sql), params)
        return result.first() if result.returns_rows else None


_MEETINGS = iter(range(1, 1_000_000))


def make_meeting(con, *, capacity=None, quota=1, open_=False) -> int:
    """Insert a future meeting with the given rules and no registrations."""
    start = datetime.now().replace(microsecond=0) + timedelta(days=30)
    return execute(
        con,
        "INSERT INTO events (uid, title, kind, audience, starts_utc, ends_utc, tz, capacity,"
        " quota_per_country_agency, open_to_non_champions) VALUES (:uid, 'Test meeting',"
        " 'champions_meeting', 'champions', :s, :e, 'Europe/Zurich', :c, :q, :o) RETURNING event_id",
        uid=f"t-{start.timestamp()}-{capacity}-{quota}-{next(_MEETINGS)}@test",
        s=start,
        e=start + timedelta(hours=2),
        c=capacity,
        q=quota,
        o=open_,
    )[0]


def reg(event_id, n, *, m49=KENYA, category="champion_delegate", agency="UNDP", org=None):
    return RegistrationIn(
        event_id=event_id,
        participant_name=f"Person {n}",
        email=f"person{n}@example.org",
        m49=m49,
        organisation=org,
        category=category,
        agency_id=agency,
    )


# (rules of the meeting, registrations already made, the new one, expected status or refusal)
CASES = [
    ("first delegate of Kenya x UNDP", {}, [], reg(0, 9), "confirmed"),
    (
        "second delegate of Kenya x UNDP",
        {},
        [reg(0, 1)],
        reg(0, 9),
        "Kenya x UNDP is already taken by Person 1",
    ),
    ("Kenya x IOM is a different seat", {}, [reg(0, 1)], reg(0, 9, agency="IOM"), "confirmed"),
    ("Mexico x UNDP is a different seat", {}, [reg(0, 1)], reg(0, 9, m49=MEXICO), "confirmed"),
    ("quota of 2 allows a second", {"quota": 2}, [reg(0, 1)], reg(0, 9), "confirmed"),
    (
        "quota of 2 refuses a third",
        {"quota": 2},
        [reg(0, 1), reg(0, 2)],
        reg(0, 9),
        "already has its 2 seats, held by Person 1, Person 2",
    ),
    (
        "listening mode does not count against the quota",
        {},
        [reg(0, 1)],
        reg(0, 9, category="ec_listening"),
        "confirmed",
    ),
    (
        "listening mode beside listening mode",
        {},
        [reg(0, 1, category="ec_listening")],
        reg(0, 9, category="ec_listening"),
        "confirmed",
    ),
    (
        "capacity reached -> waiting list",
        {"capacity": 1},
        [reg(0, 1)],
        reg(0, 9, agency="IOM"),
        "waitlisted",
    ),  # fmt: skip
    (
        "listening mode still takes a place in the room",
        {"capacity": 1},
        [reg(0, 1)],
        reg(0, 9, category="ec_listening"),
        "waitlisted",
    ),
    (
        "non-Champion country refused when the meeting is for Champions",
        {},
        [],
        reg(0, 9, m49=FRANCE, category="observer", agency=None),
        "This meeting is for Champion countries only, and France is not a Champion",
    ),
    (
        "non-Champion observer admitted when the meeting is open",
        {"open_": True},
        [],
        reg(0, 9, m49=FRANCE, category="observer", agency=None),
        "confirmed",
    ),
    (
        "a Champion delegate must come from a Champion country",
        {"open_": True},
        [],
        reg(0, 9, m49=FRANCE),
        "France is not a Champion country",
    ),
    (
        "same e-mail twice",
        {},
        [reg(0, 9, agency="IOM")],
        reg(0, 9),
        "person9@example.org is already registered",
    ),
    (
        "network member without country needs an organisation",
        {},
        [],
        reg(0, 9, m49=None, category="network_member", agency=None),
        "Give the participant's country or organisation",
    ),
]


@pytest.mark.parametrize(
    ("rules", "before", "new", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_participation_rules(con, rules, before, new, expected):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, **rules)
    for r in before:
        register(con, actor=staff, reg=r.model_copy(update={"event_id": event_id}))
    new = new.model_copy(update={"event_id": event_id})
    if expected in ("confirmed", "waitlisted"):
        assert register(con, actor=staff, reg=new).status == expected
    else:
        with pytest.raises(RegistrationRefused, match=expected):
            register(con, actor=staff, reg=new)


def test_ec_member_registers_only_for_own_agency_and_waits_for_confirmation(con):
    ec = demo_user(con, "ec_undp")
    event_id = make_meeting(con)
    assert register(con, actor=ec, reg=reg(event_id, 1)).status == "requested"
    with pytest.raises(PermissionDenied):
        register(con, actor=ec, reg=reg(event_id, 2, agency="IOM"))
    # The EC member sees only UNDP's participants; a viewer sees none.
    assert set(list_registrations(con, user=ec, event_id=event_id)["agency_id"]) == {"UNDP"}
    with pytest.raises(PermissionDenied):
        list_registrations(con, user=demo_user(con, "viewer"), event_id=event_id)


def test_cancellation_promotes_the_next_on_the_waiting_list(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=2)
    first = register(con, actor=staff, reg=reg(event_id, 1, agency="IOM"))
    register(con, actor=staff, reg=reg(event_id, 2, agency="ILO"))
    waiting = [register(con, actor=staff, reg=reg(event_id, n, agency=a)) for n, a in
               [(3, "UNDP"), (4, "DESA")]]  # fmt: skip
    assert [w.status for w in waiting] == ["waitlisted", "waitlisted"]
    promoted = cancel_registration(con, actor=staff, registration_id=first.registration_id)
    assert promoted is not None and promoted.participant_name == "Person 3"
    people = list_registrations(con, user=staff, event_id=event_id).set_index("participant_name")
    assert people.loc["Person 3", "status"] == "confirmed"
    assert people.loc["Person 4", "status"] == "waitlisted"
    assert people.loc["Person 1", "status"] == "cancelled"
    # The promoted person took the freed place: still at most 2 in the room.
    assert sorted(people["capacity_seat"].dropna().astype(int)) == [1, 2]


def test_a_cancelled_quota_seat_can_be_taken_again(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    first = register(con, actor=staff, reg=reg(event_id, 1))
    cancel_registration(con, actor=staff, registration_id=first.registration_id)
    assert register(con, actor=staff, reg=reg(event_id, 2)).status == "confirmed"


def test_bulk_csv_is_all_or_nothing_with_line_errors(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    bad = (
        b"name,email,country,category,agency\n"
        b"Ana,ana@example.org,Kenya,Champion delegate,UNDP\n"
        b"Ben,ben@example.org,KEN,champion_delegate,UNDP\n"
        b"Cy,not-an-email,Mexico,champion_delegate,UNDP\n"
        b"Di,di@example.org,Narnia,champion_delegate,UNDP\n"
    )
    with pytest.raises(ImportFailed) as parse_errors:
        import_registrations_csv(con, actor=staff, event_id=event_id, data=bad)
    assert any(e.startswith("Line 4, email") for e in parse_errors.value.errors)
    assert any(e.startswith("Line 5, country: 'Narnia'") for e in parse_errors.value.errors)
    rule_break = b"\n".join(bad.split(b"\n")[:3])
    with pytest.raises(ImportFailed) as rule_errors:
        import_registrations_csv(con, actor=staff, event_id=event_id, data=rule_break)
    assert rule_errors.value.errors == [
        "Line 3 (Ben): Kenya x UNDP is already taken by Ana (rule: at most 1 participant per "
        "Champion country per EC member)."
    ]
    assert list_registrations(con, user=staff, event_id=event_id).empty
    good = b"name,email,country,category,agency\nAna,ana@example.org,Kenya,Champion delegate,UNDP\n"
    assert [r.status for r in import_registrations_csv(
        con, actor=staff, event_id=event_id, data=good)] == ["confirmed"]  # fmt: skip


def _hammer(con, work, n: int):
    """Run `work(con, i)` on n threads at once (each gets its own connection from the store)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = work(con, i)
        except Exception as exc:  # every outcome is collected: nothing may vanish
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_simultaneous_requests_for_one_quota_seat_give_exactly_one(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=50)
    results = _hammer(con, lambda db, i: register(db, actor=staff, reg=reg(event_id, i)), n=24)
    winners = [r for r in results if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, RegistrationRefused)]
    assert len(winners) == 1 and len(refusals) == 23, results
    assert all(f"already taken by {winners[0].participant_name}" in str(r) for r in refusals)
    rows = list_registrations(con, user=staff, event_id=event_id)
    assert rows["participant_name"].tolist() == [winners[0].participant_name]


def test_twenty_simultaneous_requests_for_the_last_seat_give_exactly_one(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=1)
    agencies = ["IOM", "DESA", "ILO", "OHCHR", "UNDP", "UNHCR", "UNICEF", "UNODC"]
    results = _hammer(
        con,
        lambda db, i: register(
            db,
            actor=staff,
            reg=reg(event_id, i, m49=[KENYA, MEXICO, 170][i % 3], agency=agencies[i // 3]),
        ),  # fmt: skip
        n=20,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status for r in results) == ["confirmed"] + ["waitlisted"] * 19
    seats = list_registrations(con, user=staff, event_id=event_id)["capacity_seat"].dropna()
    assert seats.astype(int).tolist() == [1]


def test_simultaneous_requests_fill_capacity_exactly_and_wait_list_the_rest(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=5)
    agencies = ["IOM", "DESA", "ILO", "OHCHR", "UNDP", "UNHCR", "UNICEF", "UNODC"]
    results = _hammer(
        con,
        lambda db, i: register(
            db,
            actor=staff,
            reg=reg(event_id, i, m49=[KENYA, MEXICO, 170][i % 3], agency=agencies[i // 3]),
        ),  # fmt: skip
        n=24,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status for r in results) == ["confirmed"] * 5 + ["waitlisted"] * 19

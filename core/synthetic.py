"""Fill an empty database with synthetic data at benchmark sizes (one year, or ten years of 193 Champions).

Every generated row is marked is_demo where the table has the flag, and every generated title or
note ends with "(synthetic)". Rows go in as pandas frames (INSERT ... SELECT), so ten years build
in seconds. The public facts of the demo (agencies, workstreams, the 31 named Champions, the 2021
meeting) come first, from core.demo.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Literal

import duckdb
import pandas as pd

from core.auth import _insert_user, hash_password
from core.bookings import units
from core.db import transaction
from core.demo import DEMO_PASSWORDS, DEMO_USERS, STAGE_ORDER, _seed_facts
from core.engagement import sync_derived_engagements
from core.reference import load_reference

Size = Literal["realistic", "ten_years"]
MARK = "(synthetic)"
SOURCE = "Synthetic benchmark data (synthetic)"
EVENTS_PER_YEAR = 300
PRODUCTS_PER_YEAR = 60
REGISTRATIONS_PER_YEAR = 3_000
REALISTIC_CHAMPIONS = 35
GCM_ADOPTED = date(2018, 12, 10)
EXTRA_WORKSTREAMS = 5

# (kind, per year, audience, minutes, capacity, registration weight per event)
EVENT_PLAN = [
    ("ec_meeting", 12, "internal", 90, None, 0.0),
    ("champions_meeting", 4, "champions", 120, 120, 6.0),
    ("technical_meeting", 80, "champions", 90, 40, 1.5),
    ("webinar", 50, "open", 90, 150, 3.0),
    ("peer_learning", 30, "champions", 120, 30, 1.0),
    ("regional_review", 12, "open", 180, 80, 2.0),
]
ZONES = [
    "Europe/Zurich",
    "Europe/Zurich",
    "UTC",
    "America/Bogota",
    "Africa/Nairobi",
    "Asia/Bangkok",
]
PRODUCT_KINDS = ["guidance", "brief", "toolkit", "training package", "report"]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _column(values: list) -> pd.api.extensions.ExtensionArray | list:
    """Give a column a dtype DuckDB reads without guessing (nullable ints stay NULL, not NaN)."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return pd.array(values, dtype="boolean")
    if isinstance(sample, int):
        return pd.array(values, dtype="Int64")
    if isinstance(sample, datetime):
        return pd.to_datetime(pd.Series(values, dtype=object))
    if isinstance(sample, date):
        return pd.to_datetime(pd.Series(values, dtype=object)).dt.date
    return pd.Series(values, dtype=object)


def _bulk(
    cur: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple]
) -> None:
    """Insert many rows in one statement through a registered data frame."""
    if not rows:
        return
    frame = pd.DataFrame(
        {name: _column([row[i] for row in rows]) for i, name in enumerate(columns)}
    )
    cur.register("_synthetic_rows", frame)
    try:
        names = ", ".join(columns)
        # Table and column names are this module's constants, never user input.
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _synthetic_rows")  # noqa: S608
    finally:
        cur.unregister("_synthetic_rows")


def _reserve(cur: duckdb.DuckDBPyConnection, sequence: str, n: int) -> list[int]:
    """Take n values from a sequence, so that rows get explicit ids the app's inserts never reuse."""
    if n == 0:
        return []
    rows = cur.execute(f"SELECT nextval('{sequence}') FROM range(?)", [n]).fetchall()  # noqa: S608
    return sorted(r[0] for r in rows)


def _capital_zones() -> dict[str, str]:
    """Return ISO2 -> first zone listed for the country in tzdata's zone.tab (a stand-in capital)."""
    text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        zones.setdefault(parts[0], parts[2])
    return zones


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def build_synthetic(
    con: duckdb.DuckDBPyConnection,
    *,
    size: Size,
    seed: int = 0,
    password_rounds: int = 4,
    today: date | None = None,
) -> dict[str, int]:
    """Fill an empty, migrated database with synthetic data of the given size; return table counts."""
    if size not in ("realistic", "ten_years"):
        raise ValueError(f"Unknown size {size!r}: expected 'realistic' or 'ten_years'.")
    today = today or date.today()
    years = [today.year] if size == "realistic" else list(range(today.year - 9, today.year + 1))
    rng = random.Random(seed)
    hashes = {
        u.username: hash_password(DEMO_PASSWORDS[u.username], rounds=password_rounds)
        for u in DEMO_USERS
    }
    with transaction(con) as cur:
        if cur.execute("SELECT count(*) FROM champions").fetchone()[0]:
            raise ValueError(
                "The database already holds Champions: build synthetic data only in an empty one."
            )
        load_reference(cur)
        _seed_facts(cur)
        for user in DEMO_USERS:
            _insert_user(cur, user, hashes[user.username], is_demo=True)
        workstreams = _add_workstreams(cur, rng)
        champions = _add_champions(cur, rng, size, years, today)
        for year in years:
            _add_year(cur, rng, year, today, workstreams, champions)
        sync_derived_engagements(cur)
    cur = con.cursor()
    return {
        table: cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("champions", "events", "products", "registrations", "engagements", "bookings")
    }


def _add_workstreams(cur, rng: random.Random) -> list[str]:
    agencies = [
        r[0]
        for r in cur.execute(
            "SELECT agency_id FROM agencies WHERE is_ec_member ORDER BY 1"
        ).fetchall()
    ]
    rows, leads = [], []
    for n in range(1, EXTRA_WORKSTREAMS + 1):
        ws = f"SYN-{n}"
        rows.append((ws, f"Synthetic thematic workstream {n} {MARK}", "thematic", SOURCE, True))
        leads += [(ws, a) for a in rng.sample(agencies, 2)]
    _bulk(cur, "workstreams", ["workstream_id", "name", "kind", "source", "is_demo"], rows)
    _bulk(cur, "workstream_leads", ["workstream_id", "agency_id"], leads)
    return [
        r[0] for r in cur.execute("SELECT workstream_id FROM workstreams ORDER BY 1").fetchall()
    ]


def _add_champions(
    cur, rng: random.Random, size: Size, years: list[int], today: date
) -> list[tuple[int, date | None]]:
    """Add Champions up to the size's count; return (m49, joined_on) of every Champion."""
    have = {r[0] for r in cur.execute("SELECT m49 FROM champions").fetchall()}
    members = cur.execute(
        "SELECT m49, iso2 FROM countries WHERE is_un_member ORDER BY m49"
    ).fetchall()
    candidates = [(m, iso2) for m, iso2 in members if m not in have]
    if size == "realistic":
        candidates = rng.sample(candidates, max(0, REALISTIC_CHAMPIONS - len(have)))
    zones = _capital_zones()
    # No Champion before the GCM was adopted (10 Dec 2018); the Champions page refuses earlier dates.
    first = max(date(years[0] - 1, 1, 1), GCM_ADOPTED)
    last = min(today, date(max(years[0], years[-1] - 3), 12, 31))
    span = max(1, (last - first).days)
    rows = [
        (
            m49,
            first + timedelta(days=rng.randrange(span)),
            "day",
            SOURCE,
            zones.get(iso2 or "", "UTC"),
            "active",
            f"Synthetic Champion {MARK}",
        )
        for m49, iso2 in candidates
    ]
    cols = ["m49", "joined_on", "joined_precision", "source", "capital_tz", "status", "notes"]
    _bulk(cur, "champions", cols, rows)
    focal = [
        (
            m49,
            f"Focal point {i + 1} {MARK}",
            f"focal{i + 1}.{m49}@synthetic.example.org",
            "Ministry focal point",
            True,
        )
        for m49, *_ in rows
        for i in range(rng.randint(1, 2))
    ]
    _bulk(cur, "focal_points", ["m49", "name", "email", "title", "is_demo"], focal)
    return cur.execute("SELECT m49, joined_on FROM champions ORDER BY m49").fetchall()


def _add_year(cur, rng, year: int, today: date, workstreams: list[str], champions) -> None:
    """Add one year of products, events, registrations, slots, bookings and engagements."""
    end_of_year = date(year, 12, 31)
    eligible = [m for m, joined in champions if joined is None or joined <= end_of_year] or [
        m for m, _ in champions
    ]
    champion_set = {m for m, _ in champions}
    others = [
        r[0]
        for r in cur.execute("SELECT m49 FROM countries ORDER BY m49").fetchall()
        if r[0] not in champion_set
    ]
    agencies = [
        r[0]
        for r in cur.execute(
            "SELECT agency_id FROM agencies WHERE is_ec_member ORDER BY 1"
        ).fetchall()
    ]
    products = _add_products(cur, rng, year, today, workstreams, eligible)
    events = _add_events(cur, rng, year, workstreams, eligible, products)
    _add_registrations(cur, rng, events, eligible, others, agencies)
    _add_slots_and_bookings(cur, rng, events, eligible, products)
    _add_manual_engagements(cur, rng, year, today, eligible, workstreams)


def _add_products(cur, rng, year, today, workstreams, eligible) -> list[dict]:
    ids = _reserve(cur, "seq_product", PRODUCTS_PER_YEAR)
    products, langs, stage_dates, history, consult, invites, feedback = [], [], [], [], [], [], []
    consultation_ids = _reserve(cur, "seq_consultation", PRODUCTS_PER_YEAR)
    now = _now()
    for k, pid in enumerate(ids):
        ws = workstreams[k % len(workstreams)]
        launch = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        start = launch - timedelta(days=180)
        days_to = (launch - today).days
        if days_to < -60:
            stage = rng.choices(["launched", "on_hold", "cancelled", "validation"], [85, 5, 5, 5])[
                0
            ]
        else:
            stage = STAGE_ORDER[min(6, max(0, 6 - math.ceil(max(days_to, 0) / 30)))]
        reached = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 3
        needs = rng.random() < 0.9
        products.append(
            (
                pid,
                ws,
                f"Synthetic product {year}-{k + 1:02d} {MARK}",
                rng.choice(PRODUCT_KINDS),
                stage,
                needs,
                launch,
                launch + timedelta(days=rng.randint(0, 30)) if stage == "launched" else None,
                f"Generated for the benchmark {MARK}",
                SOURCE,
                True,
                now,
            )
        )
        status = {"en": "ready", "fr": "in_translation", "es": "not_started"}
        if reached >= STAGE_ORDER.index("validation"):
            status = {"en": "ready", "fr": "ready", "es": "ready"}
        if stage == "launched":
            status = dict.fromkeys(status, "published")
        langs += [(pid, lang, s) for lang, s in status.items()]
        previous = None
        for s_index, s_name in enumerate(STAGE_ORDER[:-1]):
            p_start = start + timedelta(days=30 * s_index)
            p_end = p_start + timedelta(days=29)
            slip = timedelta(days=rng.randint(0, 20))
            done, current = s_index < reached, s_index == reached
            a_start = p_start + slip if done or current else None
            stage_dates.append(
                (pid, s_name, p_start, p_end, a_start, p_end + slip if done else None)
            )
            if a_start is not None and a_start <= today:
                history.append(
                    (pid, previous, s_name, datetime.combine(a_start, time(9)), "synthetic")
                )
                previous = s_name
        if needs and reached >= STAGE_ORDER.index("consultation"):
            cid = consultation_ids[k]
            opens = start + timedelta(days=60)
            closes = opens + timedelta(days=35)
            consult.append(
                (
                    cid,
                    pid,
                    opens,
                    closes,
                    rng.choice(["meeting", "hub", "written"]),
                    f"Consultation {MARK}",
                )
            )
            asked = rng.sample(eligible, min(len(eligible), 12))
            invites += [(cid, m) for m in asked]
            for m49 in asked[: rng.randint(2, 7)]:
                got = opens + timedelta(days=rng.randint(1, 34))
                if got <= today:
                    feedback.append(
                        (
                            pid,
                            m49,
                            got,
                            rng.choice(["en", "en", "fr", "es"]),
                            rng.choice(["meeting", "hub", "written"]),
                            f"Comments on the draft {MARK}",
                            True,
                        )
                    )
    cols = [
        "product_id",
        "workstream_id",
        "title_en",
        "kind",
        "stage",
        "needs_consultation",
        "planned_launch",
        "actual_launch",
        "description",
        "source",
        "is_demo",
        "updated_at_utc",
    ]
    _bulk(cur, "products", cols, products)
    _bulk(cur, "product_languages", ["product_id", "lang", "status"], langs)
    _bulk(
        cur,
        "product_stage_dates",
        ["product_id", "stage", "planned_start", "planned_end", "actual_start", "actual_end"],
        stage_dates,
    )
    _bulk(
        cur,
        "product_stage_history",
        ["product_id", "from_stage", "to_stage", "changed_at_utc", "changed_by"],
        history,
    )
    _bulk(
        cur,
        "consultations",
        ["consultation_id", "product_id", "opens_on", "closes_on", "channel", "note"],
        consult,
    )
    _bulk(cur, "consultation_invites", ["consultation_id", "m49"], invites)
    _bulk(
        cur,
        "feedback",
        ["product_id", "m49", "received_on", "lang", "channel", "summary", "is_demo"],
        feedback,
    )
    windows = {c[1]: (c[2], c[3]) for c in consult}
    return [
        {"product_id": p[0], "workstream_id": p[1], "window": windows.get(p[0])} for p in products
    ]


def _add_events(cur, rng, year, workstreams, eligible, products) -> list[dict]:
    """Add EVENTS_PER_YEAR events: the plan's kinds, one window per consultation, the rest 'other'."""
    specs = []
    for kind, count, audience, minutes, capacity, weight in EVENT_PLAN:
        specs += [(kind, audience, minutes, capacity, weight, None)] * count
    for p in products:
        if p["window"] and len(specs) < EVENTS_PER_YEAR:
            specs.append(("consultation_window", "champions", None, None, 0.0, p))
    specs += [("other", "internal", 60, None, 0.0, None)] * (EVENTS_PER_YEAR - len(specs))
    ids = _reserve(cur, "seq_event", len(specs))
    events, invitees, links, joins, agenda, audit_rows = [], [], [], [], [], []
    by_ws: dict[str, list[int]] = {}
    for p in products:
        by_ws.setdefault(p["workstream_id"], []).append(p["product_id"])
    now = _now()
    for n, (event_id, (kind, audience, minutes, capacity, weight, product)) in enumerate(
        zip(ids, specs, strict=True)
    ):
        ws = (
            None
            if kind in ("ec_meeting", "champions_meeting", "other")
            else rng.choice(workstreams)
        )
        all_day = kind == "consultation_window"
        if all_day:
            opens, closes = product["window"]
            start = datetime.combine(opens, time())
            end = datetime.combine(closes + timedelta(days=1), time())
            tz, ws = "UTC", product["workstream_id"]
        else:
            day = _weekday(date(year, 1, 1) + timedelta(days=rng.randrange(358)))
            start = datetime.combine(day, time(rng.choice([8, 12, 13, 14, 15])))
            end = start + timedelta(minutes=minutes)
            tz = (
                "Europe/Zurich"
                if kind in ("ec_meeting", "champions_meeting")
                else rng.choice(ZONES)
            )
        open_ = audience == "open" or (kind == "champions_meeting" and n % 2 == 1)
        label = kind.replace("_", " ").capitalize()
        events.append(
            (
                event_id,
                f"synthetic-{year}-{n:03d}@actionplan.synthetic",
                f"{label} {year}-{n:03d} {MARK}",
                kind,
                "open" if open_ and audience != "internal" else audience,
                ws,
                start,
                end,
                tz,
                all_day,
                "Online (synthetic)",
                f"Generated for the benchmark {MARK}",
                capacity,
                1,
                open_,
                SOURCE,
                True,
                "synthetic",
                now,
            )
        )
        audit_rows.append(
            (
                datetime.combine(date(year, 1, 1), time(8)),
                "synthetic",
                "event.create",
                "event",
                str(event_id),
                None,
                f'{{"title": "{label} {MARK}"}}',
            )
        )
        if kind == "champions_meeting":
            invited = list(eligible)
        elif kind in ("technical_meeting", "peer_learning", "regional_review"):
            invited = rng.sample(eligible, min(len(eligible), rng.randint(8, 20)))
        else:
            invited = []
        invitees += [(event_id, m) for m in invited]
        linked = []
        if product is not None:
            linked = [product["product_id"]]
        elif kind in ("technical_meeting", "webinar", "champions_meeting") and ws in by_ws:
            linked = [rng.choice(by_ws[ws])]
        elif kind == "champions_meeting":
            linked = rng.sample([p["product_id"] for p in products], 2)
        links += [(event_id, p) for p in linked]
        if kind in ("champions_meeting", "technical_meeting", "webinar"):
            joins.append(
                (
                    event_id,
                    f"https://example.org/synthetic-join/{event_id}",
                    f"SYN-{event_id:05d}",
                    f"syn{event_id:05d}",
                    "+1 555 0100 (synthetic)",
                )
            )
        if kind in ("champions_meeting", "technical_meeting"):
            step = timedelta(minutes=minutes // 4)
            for i in range(4 if kind == "champions_meeting" else 2):
                agenda.append(
                    (
                        event_id,
                        start + step * i,
                        start + step * (i + 1),
                        f"Agenda item {i + 1} {MARK}",
                        "Secretariat",
                        None,
                        linked[0] if linked else None,
                    )
                )
        specs[n] = {
            "event_id": event_id,
            "kind": kind,
            "start": start,
            "end": end,
            "tz": tz,
            "capacity": capacity,
            "weight": weight,
            "open": open_,
            "invited": invited,
            "workstream_id": ws,
        }
    cols = [
        "event_id",
        "uid",
        "title",
        "kind",
        "audience",
        "workstream_id",
        "starts_utc",
        "ends_utc",
        "tz",
        "all_day",
        "location",
        "description",
        "capacity",
        "quota_per_country_agency",
        "open_to_non_champions",
        "source",
        "is_demo",
        "created_by",
        "updated_at_utc",
    ]
    _bulk(cur, "events", cols, events)
    _bulk(cur, "event_invitees", ["event_id", "m49"], invitees)
    _bulk(cur, "event_products", ["event_id", "product_id"], links)
    _bulk(
        cur,
        "event_join_details",
        ["event_id", "url", "meeting_number", "password", "dial_in"],
        joins,
    )
    _bulk(
        cur,
        "agenda_items",
        ["event_id", "starts_utc", "ends_utc", "title", "presenter", "moderator", "product_id"],
        agenda,
    )
    _bulk(
        cur,
        "audit_log",
        ["at_utc", "username", "action", "entity", "entity_id", "before_json", "after_json"],
        audit_rows,
    )
    return specs


def _add_registrations(cur, rng, events, eligible, others, agencies) -> None:
    """Add REGISTRATIONS_PER_YEAR registrations with their quota and capacity seats and attendance."""
    hosts = [e for e in events if e["weight"] > 0]
    total_weight = sum(e["weight"] for e in hosts)
    counts = [int(REGISTRATIONS_PER_YEAR * e["weight"] / total_weight) for e in hosts]
    counts[0] += REGISTRATIONS_PER_YEAR - sum(counts)
    ids = _reserve(cur, "seq_registration", REGISTRATIONS_PER_YEAR)
    regs, quota, seats, attendance, support = [], [], [], [], []
    now = _now()
    next_id = iter(ids)
    for event, count in zip(hosts, counts, strict=True):
        past = event["start"] < now
        invited = event["invited"] or eligible
        taken_quota, taken_support, seat_no = set(), set(), 0
        for _k in range(count):
            rid = next(next_id)
            category = rng.choices(
                ["champion_delegate", "ec_listening", "presenter", "network_member", "observer"],
                [60, 15, 8, 7, 10 if event["open"] and others else 0],
            )[0]
            m49, agency, organisation = None, None, None
            if category in ("champion_delegate", "ec_listening"):
                m49 = rng.choice(invited)
                organisation = "Government (synthetic)"
            if category == "ec_listening" or (
                category == "champion_delegate" and rng.random() < 0.25
            ):
                agency = rng.choice(agencies)
                organisation = agency
            if category == "champion_delegate" and agency and (m49, agency) in taken_quota:
                agency, organisation = None, "Government (synthetic)"
            if category == "observer":
                m49, organisation = rng.choice(others), "Government (synthetic)"
            if category in ("presenter", "network_member"):
                organisation = rng.choice(agencies + ["Workstream (synthetic)"])
            status = (
                rng.choices(["attended", "cancelled", "confirmed"], [75, 10, 15])[0]
                if past
                else rng.choices(["confirmed", "requested", "cancelled"], [80, 10, 10])[0]
            )
            if status != "cancelled":
                if event["capacity"] is None or seat_no < event["capacity"]:
                    seat_no += 1
                    seats.append((event["event_id"], seat_no, rid))
                else:
                    status = "waitlisted"
            if category == "champion_delegate" and agency and status != "cancelled":
                taken_quota.add((m49, agency))
                quota.append((event["event_id"], m49, agency, 1, rid))
            if category == "ec_listening" and (agency, m49) not in taken_support:
                taken_support.add((agency, m49))
                support.append(
                    (event["event_id"], agency, m49, f"Office supporting the Government {MARK}")
                )
            created = event["start"] - timedelta(
                days=rng.randint(1, 40), minutes=rng.randint(0, 600)
            )
            regs.append(
                (
                    rid,
                    event["event_id"],
                    f"Participant {rid} {MARK}",
                    f"p{rid}@synthetic.example.org",
                    m49,
                    organisation,
                    category,
                    agency,
                    status,
                    min(created, now),
                    min(created, now),
                    True,
                )
            )
            if status == "attended":
                joined = event["start"] + timedelta(minutes=rng.randint(0, 10))
                left = event["end"] - timedelta(minutes=rng.randint(0, 20))
                attendance.append(
                    (rid, joined, left, int((left - joined).total_seconds() // 60), "synthetic")
                )
    cols = [
        "registration_id",
        "event_id",
        "participant_name",
        "email",
        "m49",
        "organisation",
        "category",
        "agency_id",
        "status",
        "created_at_utc",
        "updated_at_utc",
        "is_demo",
    ]
    _bulk(cur, "registrations", cols, regs)
    _bulk(cur, "quota_seats", ["event_id", "m49", "agency_id", "seat_no", "registration_id"], quota)
    _bulk(cur, "capacity_seats", ["event_id", "seat_no", "registration_id"], seats)
    _bulk(
        cur,
        "attendance",
        ["registration_id", "joined_utc", "left_utc", "minutes", "source"],
        attendance,
    )
    _bulk(cur, "office_support", ["event_id", "agency_id", "m49", "note"], support)


def _add_slots_and_bookings(cur, rng, events, eligible, products) -> None:
    """Offer slots in Champions and technical meetings; book most, confirm some, with their keys."""
    hosts = [e for e in events if e["kind"] in ("champions_meeting", "technical_meeting")]
    plan = []
    for e in hosts:
        for k in range(3 if e["kind"] == "champions_meeting" else 1):
            start = e["start"] + timedelta(minutes=30 + 30 * k)
            plan.append((e, start, start + timedelta(minutes=30), k))
    slot_ids = _reserve(cur, "seq_slot", len(plan))
    booked = [(sid, p) for sid, p in zip(slot_ids, plan, strict=True) if rng.random() < 0.7]
    booking_ids = _reserve(cur, "seq_booking", len(booked))
    now = _now()
    by_ws: dict[str, list[int]] = {}
    for p in products:
        by_ws.setdefault(p["workstream_id"], []).append(p["product_id"])
    workstreams = sorted(by_ws)
    slots = [
        (
            sid,
            e["event_id"],
            s,
            end,
            e["tz"],
            f"Workstream segment {k + 1} {MARK}",
            "open",
            "synthetic",
            True,
        )
        for sid, (e, s, end, k) in zip(slot_ids, plan, strict=True)
    ]
    bookings, targets, holds, confirms, occupancy, agenda = [], [], [], [], [], []
    for bid, (sid, (e, s, end, _k)) in zip(booking_ids, booked, strict=True):
        ws = e["workstream_id"] or rng.choice(workstreams)
        past = s < now
        status = (
            rng.choices(["confirmed", "declined", "withdrawn"], [70, 15, 15])[0]
            if past
            else rng.choices(["requested", "confirmed"], [40, 60])[0]
        )
        product = rng.choice(by_ws[ws]) if ws in by_ws else None
        decided = status != "requested"
        bookings.append(
            (
                bid,
                sid,
                ws,
                "synthetic",
                f"Present a product and gather Champion feedback {MARK}",
                product,
                status,
                s - timedelta(days=30),
                "synthetic" if decided else None,
                s - timedelta(days=20) if decided else None,
                True,
            )
        )
        targets += [(bid, m) for m in rng.sample(eligible, min(len(eligible), rng.randint(3, 5)))]
        if status in ("requested", "confirmed"):
            holds.append((sid, bid))
        if status == "confirmed":
            confirms.append((sid, bid))
            occupancy += [(e["event_id"], u, bid) for u in units(s, end)]
            agenda.append(
                (e["event_id"], s, end, f"{ws}: segment with Champions {MARK}", ws, product, bid)
            )
    _bulk(
        cur,
        "slots",
        [
            "slot_id",
            "event_id",
            "starts_utc",
            "ends_utc",
            "tz",
            "title",
            "status",
            "created_by",
            "is_demo",
        ],
        slots,
    )
    cols = [
        "booking_id",
        "slot_id",
        "workstream_id",
        "requested_by",
        "purpose",
        "product_id",
        "status",
        "created_at_utc",
        "decided_by",
        "decided_at_utc",
        "is_demo",
    ]
    _bulk(cur, "bookings", cols, bookings)
    _bulk(cur, "booking_targets", ["booking_id", "m49"], targets)
    _bulk(cur, "slot_holds", ["slot_id", "booking_id"], holds)
    _bulk(cur, "slot_confirmations", ["slot_id", "booking_id"], confirms)
    _bulk(cur, "booking_occupancy", ["event_id", "unit", "booking_id"], occupancy)
    _bulk(
        cur,
        "agenda_items",
        ["event_id", "starts_utc", "ends_utc", "title", "presenter", "product_id", "booking_id"],
        agenda,
    )


def _add_manual_engagements(cur, rng, year, today, eligible, workstreams) -> None:
    """Log hand-entered exchanges: about two per Champion a year, some of them peer-learning pairs."""
    rows = []
    last_day = min(date(year, 12, 31), today)
    span = (last_day - date(year, 1, 1)).days + 1
    if span <= 0:
        return
    for _ in range(2 * len(eligible)):
        m49 = rng.choice(eligible)
        kind = rng.choice(["bilateral", "hub", "peer_learning"])
        partner = (
            rng.choice([m for m in eligible if m != m49])
            if kind == "peer_learning" and len(eligible) > 1
            else None
        )
        day = date(year, 1, 1) + timedelta(days=rng.randrange(span))
        rows.append(
            (
                m49,
                day,
                kind,
                rng.choice(workstreams) if kind != "peer_learning" else None,
                partner,
                f"Exchange {MARK}",
                "manual",
                True,
                "synthetic",
            )
        )
    cols = [
        "m49",
        "occurred_on",
        "kind",
        "workstream_id",
        "partner_m49",
        "note",
        "source",
        "is_demo",
        "created_by",
    ]
    _bulk(cur, "engagements", cols, rows)

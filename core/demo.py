"""Seed the database with the public facts and a generated, clearly marked plan for this year."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from core import demo_facts as facts
from core.auth import UserIn, _insert_user, hash_password
from core.db import table_counts, transaction
from core.reference import load_reference

DEMO_PASSWORDS = {
    "admin": "admin-demo-2026",
    "secretariat": "secretariat-demo-2026",
    "ec_undp": "ec-undp-demo-2026",
    "lead_cwg22": "lead-cwg22-demo-2026",
    "viewer": "viewer-demo-2026",
}

DEMO_USERS = [
    UserIn(username="admin", name="Demo Administrator", email="admin@example.org", role="admin"),
    UserIn(
        username="secretariat",
        name="Demo Secretariat lead",
        email="secretariat@example.org",
        role="secretariat",
    ),
    UserIn(
        username="ec_undp",
        name="Demo EC member (UNDP)",
        email="ec.undp@example.org",
        role="ec_member",
        agency_id="UNDP",
    ),
    UserIn(
        username="lead_cwg22",
        name="Demo CWG 2.2 lead",
        email="lead.cwg22@example.org",
        role="workstream_lead",
        workstream_id="CWG-2.2",
    ),
    UserIn(username="viewer", name="Demo viewer", email="viewer@example.org", role="viewer"),
]

DEMO_NOTE = "Generated demo data; not a real plan."


def to_utc(local: datetime, tz: str) -> datetime:
    """Convert a naive local wall time in zone `tz` to a naive UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def is_empty(con) -> bool:
    """Return True when no Champion and no user exist yet."""
    counts = table_counts(con)
    return counts.get("champions", 0) == 0 and counts.get("users", 0) == 0


def seed_demo(
    con: duckdb.DuckDBPyConnection, *, year: int | None = None, password_rounds: int = 12
) -> None:
    """Load reference data, public facts, demo users and a generated plan, all in one transaction.

    On PostgreSQL the same data is built in a scratch DuckDB file, then copied in (verified).
    """
    if getattr(con, "kind", "duckdb") == "postgresql":
        _seed_through_copy(con, year=year, password_rounds=password_rounds)
        return
    year = year or date.today().year
    hashes = {
        u.username: hash_password(DEMO_PASSWORDS[u.username], rounds=password_rounds)
        for u in DEMO_USERS
    }
    with transaction(con) as cur:
        if cur.execute("SELECT count(*) FROM champions").fetchone()[0]:
            raise ValueError(
                "The database already holds Champions: demo data is only loaded into an empty one."
            )
        load_reference(cur)
        _seed_facts(cur)
        for user in DEMO_USERS:
            _insert_user(cur, user, hashes[user.username], is_demo=True)
        _seed_plan(cur, year, random.Random(year))
        from core.demo_champions import seed_champions_demo

        seed_champions_demo(cur)
        from core.demo_meetings import seed_meetings_demo

        seed_meetings_demo(cur)
        from core.demo_pipeline import seed_pipeline_demo

        seed_pipeline_demo(cur)
        from core.engagement import sync_derived_engagements

        sync_derived_engagements(cur)
        from core.demo_objectives import seed_objectives_demo

        seed_objectives_demo(cur)


def _seed_through_copy(db, *, year: int | None, password_rounds: int) -> None:
    import tempfile
    from pathlib import Path

    from core.store import open_store
    from core.store.copy import copy_database

    if not is_empty(db):
        raise ValueError(
            "The database already holds Champions: demo data is only loaded into an empty one."
        )
    with tempfile.TemporaryDirectory(prefix="actionplan-seed-") as tmp:
        scratch = open_store(Path(tmp) / "demo.duckdb")
        try:
            seed_demo(scratch, year=year, password_rounds=password_rounds)
            # The migrations seed a few rows of their own: the copy wants an empty target.
            copy_database(scratch, db, replace=True)
        finally:
            scratch.close()


def _m49(cur: duckdb.DuckDBPyConnection, iso3: str) -> int:
    return cur.execute("SELECT m49 FROM countries WHERE iso3 = ?", [iso3]).fetchone()[0]


def _seed_facts(cur: duckdb.DuckDBPyConnection) -> None:
    cur.executemany(
        "INSERT INTO agencies VALUES (?, ?, ?, ?)",
        [
            [a, n, ec, facts.PRINCIPALS if ec else "Network membership"]
            for a, n, ec in facts.AGENCIES
        ],
    )
    for ws_id, title, kind, leads, source in facts.WORKSTREAMS:
        cur.execute(
            "INSERT INTO workstreams VALUES (?, ?, ?, ?, FALSE)", [ws_id, title, kind, source]
        )
        for agency in leads:
            cur.execute("INSERT INTO workstream_leads VALUES (?, ?)", [ws_id, agency])
    for iso3, joined, precision, source, tz in facts.CHAMPIONS:
        cur.execute(
            "INSERT INTO champions VALUES (?, ?, ?, ?, ?, 'active', NULL)",
            [_m49(cur, iso3), joined, precision, source, tz],
        )
    for iso3, note in facts.COCHAIRS:
        cur.execute(
            "INSERT INTO cochair_terms (m49, starts_on, ends_on, note, source) VALUES (?, NULL, NULL, ?, ?)",
            [_m49(cur, iso3), note, "UN Network on Migration, Champions initiative"],
        )
    # The CWG 2.2 guidance and its consultation, as the seed describes it.
    guidance = cur.execute(
        "INSERT INTO products (workstream_id, title_en, kind, lead_agencies, stage, needs_consultation,"
        " planned_launch, description, source, is_demo) VALUES ('CWG-2.2', ?, 'guidance', 'IOM, OHCHR, UNDP',"
        " 'launched', TRUE, NULL, ?, ?, FALSE) RETURNING product_id",
        [
            facts.GUIDANCE_TITLE,
            "A six-step Guide plus a Booklet on the 23 GCM objectives, in English, French and Spanish.",
            facts.SEED,
        ],
    ).fetchone()[0]
    cur.executemany(
        "INSERT INTO product_languages VALUES (?, ?, 'published')",
        [[guidance, lang] for lang in ("en", "fr", "es")],
    )
    cur.execute(
        "INSERT INTO product_stage_dates VALUES (?, 'consultation', NULL, NULL, '2021-02-26', '2021-04-16')",
        [guidance],
    )
    consultation = cur.execute(
        "INSERT INTO consultations (product_id, opens_on, closes_on, channel, note) VALUES"
        " (?, '2021-02-26', '2021-04-16', 'hub', ?) RETURNING consultation_id",
        [
            guidance,
            "Champions' discussion space on the Migration Network Hub; answers welcome in EN/FR/ES.",
        ],
    ).fetchone()[0]
    cur.execute(
        "INSERT INTO consultation_invites SELECT ?, m49 FROM champions WHERE joined_on <= '2021-02-26'",
        [consultation],
    )
    cur.execute(
        "INSERT INTO product_stage_history (product_id, from_stage, to_stage, changed_at_utc, changed_by)"
        " VALUES (?, 'drafting', 'consultation', '2021-02-26 14:00:00', 'seed')",
        [guidance],
    )
    meeting = facts.MEETING_2021
    day = meeting["start_local"][:10]
    start = to_utc(datetime.fromisoformat(meeting["start_local"]), meeting["tz"])
    end = to_utc(datetime.fromisoformat(meeting["end_local"]), meeting["tz"])
    event_id = cur.execute(
        "INSERT INTO events (uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz, location,"
        " description, capacity, quota_per_country_agency, open_to_non_champions, source, is_demo, created_by)"
        " VALUES (?, ?, ?, ?, 'CWG-2.2', ?, ?, ?, ?, ?, NULL, 1, FALSE, ?, FALSE, 'seed') RETURNING event_id",
        [
            meeting["uid"],
            meeting["title"],
            meeting["kind"],
            meeting["audience"],
            start,
            end,
            meeting["tz"],
            meeting["location"],
            meeting["description"],
            facts.SEED,
        ],
    ).fetchone()[0]
    # The real join details were redacted in the seed; these placeholders show where they go.
    cur.execute(
        "INSERT INTO event_join_details VALUES (?, 'https://example.org/webex-redacted', '[redacted]',"
        " '[redacted]', '[redacted]')",
        [event_id],
    )
    cur.execute("INSERT INTO event_products VALUES (?, ?)", [event_id, guidance])
    cur.execute(
        "INSERT INTO event_invitees SELECT ?, m49 FROM champions WHERE joined_on <= ?",
        [event_id, day],
    )
    for start_hm, end_hm, title, presenter, moderator, linked in meeting["agenda"]:
        cur.execute(
            "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter, moderator, product_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                event_id,
                to_utc(datetime.fromisoformat(f"{day} {start_hm}"), meeting["tz"]),
                to_utc(datetime.fromisoformat(f"{day} {end_hm}"), meeting["tz"]),
                title,
                presenter,
                moderator,
                guidance if linked else None,
            ],
        )
    for lang in ("en", "fr", "es"):
        cur.execute(
            "INSERT INTO materials (event_id, title, lang, url) VALUES (?, ?, ?, NULL)",
            [event_id, "Draft guidance material and discussion note", lang],
        )


# Generated plan ---------------------------------------------------------------------------

DEMO_PRODUCTS = [
    ("CWG-2.1", "UN country team checklist for GCM implementation", "toolkit", "IOM, UNDP"),
    ("CWG-2.1", "Brief on integrating migration in Cooperation Frameworks", "brief", "UNDP"),
    (
        "CWG-2.2",
        "Training package on GCM national implementation plans",
        "training package",
        "IOM, OHCHR",
    ),
    ("CWG-2.2", "Peer-learning note on national implementation plans", "brief", "UNDP"),
    (
        "TW-ATD",
        "Peer-learning compendium on alternatives to detention",
        "guidance",
        "UNHCR, UNICEF",
    ),
    ("TW-ATD", "Brief on child-sensitive alternatives to detention", "brief", "UNICEF"),
    ("TW-MM", "Toolkit on searching for missing migrants", "toolkit", "IOM"),
    ("TW-MM", "Brief on humanitarian assistance along migration routes", "brief", "OHCHR"),
]
STAGE_ORDER = [
    "planned",
    "drafting",
    "consultation",
    "revision",
    "translation",
    "validation",
    "launched",
]


def _seed_plan(cur: duckdb.DuckDBPyConnection, year: int, rng: random.Random) -> None:
    champions = [r[0] for r in cur.execute("SELECT m49 FROM champions ORDER BY m49").fetchall()]
    agencies = [
        r[0]
        for r in cur.execute(
            "SELECT agency_id FROM agencies WHERE is_ec_member ORDER BY 1"
        ).fetchall()
    ]
    today = date.today()
    products = _seed_products(cur, year, rng, champions, today)
    events = _seed_events(cur, year, rng, champions, products)
    _seed_registrations(cur, rng, events, champions, agencies, today)
    _seed_slots(cur, rng, events, champions)
    for i, m49 in enumerate(champions[:6]):
        cur.execute(
            "INSERT INTO focal_points (m49, name, email, title, is_demo) VALUES (?, ?, ?, ?, TRUE)",
            [
                m49,
                f"Demo focal point {i + 1}",
                f"focal{i + 1}@example.org",
                "Ministry focal point (demo)",
            ],
        )
    pairs = rng.sample(champions, 6)
    for a, b in zip(pairs[::2], pairs[1::2], strict=True):
        day = date(year, rng.randint(1, 10), rng.randint(1, 28))
        cur.execute(
            "INSERT INTO engagements (m49, occurred_on, kind, partner_m49, note, source, is_demo, created_by)"
            " VALUES (?, ?, 'peer_learning', ?, ?, 'manual', TRUE, 'seed')",
            [a, day, b, "Peer-learning exchange (demo)"],
        )


def _seed_products(cur, year, rng, champions, today) -> list[int]:
    ids = []
    for i, (ws, title, kind, leads) in enumerate(DEMO_PRODUCTS):
        launch = date(year, 3 + i, 15) if i < 8 else date(year + 1, 2, 15)
        stage_index = min(
            len(STAGE_ORDER) - 1, max(0, (today - date(year, 1, 1)).days // 45 - i // 2)
        )
        stage = STAGE_ORDER[stage_index]
        pid = cur.execute(
            "INSERT INTO products (workstream_id, title_en, kind, lead_agencies, stage, needs_consultation,"
            " planned_launch, actual_launch, description, source, is_demo) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?, TRUE)"
            " RETURNING product_id",
            [
                ws,
                f"{title} (demo)",
                kind,
                leads,
                stage,
                launch,
                launch + timedelta(days=rng.randint(0, 30)) if stage == "launched" else None,
                DEMO_NOTE,
                DEMO_NOTE,
            ],
        ).fetchone()[0]
        ids.append(pid)
        langs = {"en": "ready", "fr": "in_translation", "es": "not_started"}
        if STAGE_ORDER.index(stage) >= STAGE_ORDER.index("validation"):
            langs = {"en": "ready", "fr": "ready", "es": "ready" if i % 3 else "in_translation"}
        if stage == "launched":
            langs = {lang: "published" for lang in langs}
        cur.executemany(
            "INSERT INTO product_languages VALUES (?, ?, ?)",
            [[pid, k, v] for k, v in langs.items()],
        )
        start = launch - timedelta(days=180)
        for s_index, s_name in enumerate(STAGE_ORDER[:-1]):
            p_start = start + timedelta(days=30 * s_index)
            p_end = p_start + timedelta(days=29)
            done = s_index < STAGE_ORDER.index(stage)
            current = s_index == STAGE_ORDER.index(stage)
            slip = timedelta(days=rng.randint(0, 20))
            cur.execute(
                "INSERT INTO product_stage_dates VALUES (?, ?, ?, ?, ?, ?)",
                [
                    pid,
                    s_name,
                    p_start,
                    p_end,
                    p_start + slip if done or current else None,
                    p_end + slip if done else None,
                ],
            )
        if STAGE_ORDER.index(stage) >= STAGE_ORDER.index("consultation"):
            opens = start + timedelta(days=60)
            cid = cur.execute(
                "INSERT INTO consultations (product_id, opens_on, closes_on, channel, note) VALUES (?, ?, ?, ?, ?)"
                " RETURNING consultation_id",
                [
                    pid,
                    opens,
                    opens + timedelta(days=35),
                    rng.choice(["meeting", "hub", "written"]),
                    DEMO_NOTE,
                ],
            ).fetchone()[0]
            asked = rng.sample(champions, 10)
            cur.executemany(
                "INSERT INTO consultation_invites VALUES (?, ?)", [[cid, m] for m in asked]
            )
            for m49 in asked[: rng.randint(2, 7)]:
                got = opens + timedelta(days=rng.randint(1, 34))
                if got <= today:
                    cur.execute(
                        "INSERT INTO feedback (product_id, m49, received_on, lang, channel, summary, is_demo)"
                        " VALUES (?, ?, ?, ?, ?, ?, TRUE)",
                        [
                            pid,
                            m49,
                            got,
                            rng.choice(["en", "en", "fr", "es"]),
                            rng.choice(["meeting", "hub", "written"]),
                            "Comments on the draft (demo)",
                        ],
                    )
    return ids


def _event(
    cur,
    *,
    uid,
    title,
    kind,
    audience,
    ws,
    start_local,
    minutes,
    tz,
    all_day=False,
    capacity=None,
    open_=False,
    invitees=(),
    products=(),
    description=DEMO_NOTE,
) -> int:
    start = to_utc(start_local, tz)
    end = start + timedelta(minutes=minutes)
    event_id = cur.execute(
        "INSERT INTO events (uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz, all_day, location,"
        " description, capacity, quota_per_country_agency, open_to_non_champions, source, is_demo, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Online (demo)', ?, ?, 1, ?, ?, TRUE, 'seed') RETURNING event_id",
        [
            uid,
            title,
            kind,
            audience,
            ws,
            start,
            end,
            tz,
            all_day,
            description,
            capacity,
            open_,
            DEMO_NOTE,
        ],
    ).fetchone()[0]
    if invitees:
        cur.executemany(
            "INSERT INTO event_invitees VALUES (?, ?)", [[event_id, m] for m in invitees]
        )
    if products:
        cur.executemany(
            "INSERT INTO event_products VALUES (?, ?)", [[event_id, p] for p in products]
        )
    if kind in ("champions_meeting", "technical_meeting", "webinar"):
        cur.execute(
            "INSERT INTO event_join_details VALUES (?, ?, ?, ?, ?)",
            [
                event_id,
                f"https://example.org/demo-join/{uid.split('@')[0]}",
                f"DEMO-{event_id:04d}",
                f"demo{event_id:04d}",
                "+1 555 0100 (demo)",
            ],
        )
    return event_id


def _seed_events(cur, year, rng, champions, products) -> list[tuple[int, str, datetime]]:
    out = []
    geneva = "Europe/Zurich"
    for month in range(1, 13):
        # EC meetings: second Tuesday of each month, 14:00 Geneva time.
        first = date(year, month, 1)
        second_tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
        eid = _event(
            cur,
            uid=f"demo-ec-{year}-{month:02d}@actionplan.demo",
            title="EC meeting (demo)",
            kind="ec_meeting",
            audience="internal",
            ws=None,
            start_local=datetime.combine(second_tuesday, datetime.min.time()).replace(hour=14),
            minutes=90,
            tz=geneva,
        )
        out.append((eid, "ec_meeting", second_tuesday))
    for quarter, month in enumerate((3, 6, 9, 12), start=1):
        day = date(year, month, 10 + quarter)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        eid = _event(
            cur,
            uid=f"demo-champions-{year}-q{quarter}@actionplan.demo",
            title=f"Champions meeting, Q{quarter} (demo)",
            kind="champions_meeting",
            audience="open" if quarter % 2 == 0 else "champions",
            ws=None,
            start_local=datetime.combine(day, datetime.min.time()).replace(hour=14),
            minutes=120,
            tz=geneva,
            capacity=80,
            open_=quarter % 2 == 0,
            invitees=champions,
            products=products[quarter - 1 : quarter + 1],
        )
        start = cur.execute("SELECT starts_utc FROM events WHERE event_id = ?", [eid]).fetchone()[0]
        cur.execute(
            "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter, moderator)"
            " VALUES (?, ?, ?, ?, 'UN Network on Migration Secretariat', NULL)",
            [eid, start, start + timedelta(minutes=30), "Welcome and action plan update (demo)"],
        )
        cur.executemany(
            "INSERT INTO materials (event_id, title, lang, url) VALUES (?, ?, ?, NULL)",
            [[eid, "Discussion note (demo)", lang] for lang in ("en", "fr", "es")],
        )
        out.append((eid, "champions_meeting", day))
    workstreams = ["CWG-2.1", "CWG-2.2", "TW-ATD", "TW-MM"]
    for i in range(8):
        ws = workstreams[i % 4]
        day = date(year, 1 + i + i // 2, 5 + 2 * i)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        kind = "technical_meeting" if i % 2 == 0 else "webinar"
        eid = _event(
            cur,
            uid=f"demo-{kind}-{year}-{i}@actionplan.demo",
            title=f"{ws} {'technical meeting' if kind == 'technical_meeting' else 'webinar'} with Champions (demo)",
            kind=kind,
            audience="open" if kind == "webinar" else "champions",
            ws=ws,
            start_local=datetime.combine(day, datetime.min.time()).replace(hour=13 + i % 3),
            minutes=90,
            tz=geneva,
            capacity=40 if kind == "technical_meeting" else 150,
            open_=kind == "webinar",
            invitees=rng.sample(champions, 12),
            products=[products[i]],
        )
        out.append((eid, kind, day))
    for pid in products:
        row = cur.execute(
            "SELECT opens_on, closes_on FROM consultations WHERE product_id = ?", [pid]
        ).fetchone()
        if row is None:
            continue
        ws = cur.execute(
            "SELECT workstream_id FROM products WHERE product_id = ?", [pid]
        ).fetchone()[0]
        days = (row[1] - row[0]).days + 1
        eid = _event(
            cur,
            uid=f"demo-consultation-{pid}@actionplan.demo",
            title="Consultation window (demo)",
            kind="consultation_window",
            audience="champions",
            ws=ws,
            start_local=datetime.combine(row[0], datetime.min.time()),
            minutes=days * 24 * 60,
            tz="UTC",
            all_day=True,
            products=[pid],
        )
        out.append((eid, "consultation_window", row[0]))
    return out


def _seed_registrations(cur, rng, events, champions, agencies, today) -> None:
    n = 0
    for event_id, kind, day in events:
        if kind not in ("champions_meeting", "technical_meeting"):
            continue
        invitees = [
            r[0]
            for r in cur.execute(
                "SELECT m49 FROM event_invitees WHERE event_id = ?", [event_id]
            ).fetchall()
        ]
        past = day < today
        for m49 in rng.sample(invitees, min(len(invitees), 10)):
            n += 1
            status = (
                "attended"
                if past and rng.random() < 0.75
                else ("cancelled" if past else "confirmed")
            )
            reg = cur.execute(
                "INSERT INTO registrations (event_id, participant_name, email, m49, organisation, category,"
                " agency_id, status, is_demo) VALUES (?, ?, ?, ?, 'Government (demo)', 'champion_delegate', NULL, ?, TRUE)"
                " RETURNING registration_id",
                [event_id, f"Demo delegate {n}", f"delegate{n}@example.org", m49, status],
            ).fetchone()[0]
            if status == "attended":
                start = datetime.combine(day, datetime.min.time()).replace(hour=13)
                cur.execute(
                    "INSERT INTO attendance VALUES (?, ?, ?, ?, 'demo')",
                    [reg, start, start + timedelta(minutes=100), 100],
                )
        for agency in rng.sample(agencies, 4):
            m49 = rng.choice(invitees)
            n += 1
            status = "attended" if past else "confirmed"
            reg = cur.execute(
                "INSERT INTO registrations (event_id, participant_name, email, m49, organisation, category,"
                " agency_id, status, is_demo) VALUES (?, ?, ?, ?, ?, 'ec_listening', ?, ?, TRUE) RETURNING registration_id",
                [
                    event_id,
                    f"Demo {agency} colleague {n}",
                    f"staff{n}@example.org",
                    m49,
                    agency,
                    agency,
                    status,
                ],
            ).fetchone()[0]
            cur.execute(
                "INSERT OR IGNORE INTO office_support VALUES (?, ?, ?, 'Office supporting the Government (demo)')",
                [event_id, agency, m49],
            )
        # Seats held by confirmed or attended registrations (listening mode holds no quota seat).
        cur.execute(
            "INSERT INTO capacity_seats SELECT event_id, row_number() OVER (ORDER BY registration_id), registration_id"
            " FROM registrations WHERE event_id = ? AND status IN ('confirmed', 'attended')",
            [event_id],
        )


def _seed_slots(cur, rng, events, champions) -> None:
    for event_id, kind, _day in events:
        if kind != "champions_meeting":
            continue
        start, tz = cur.execute(
            "SELECT starts_utc, tz FROM events WHERE event_id = ?", [event_id]
        ).fetchone()
        for k in range(3):
            s = start + timedelta(minutes=30 + 30 * k)
            cur.execute(
                "INSERT INTO slots (event_id, starts_utc, ends_utc, tz, title, created_by, is_demo)"
                " VALUES (?, ?, ?, ?, ?, 'seed', TRUE)",
                [event_id, s, s + timedelta(minutes=30), tz, f"Workstream segment {k + 1} (demo)"],
            )
    slot_ids = [r[0] for r in cur.execute("SELECT slot_id FROM slots ORDER BY slot_id").fetchall()]
    for i, slot_id in enumerate(slot_ids[::2]):
        ws = ["CWG-2.1", "CWG-2.2", "TW-ATD", "TW-MM"][i % 4]
        status = "confirmed" if i % 3 != 2 else "requested"
        bid = cur.execute(
            "INSERT INTO bookings (slot_id, workstream_id, requested_by, purpose, status, decided_by, is_demo)"
            " VALUES (?, ?, 'seed', 'Present the product and gather Champion feedback (demo)', ?, ?, TRUE)"
            " RETURNING booking_id",
            [slot_id, ws, status, "seed" if status == "confirmed" else None],
        ).fetchone()[0]
        cur.executemany(
            "INSERT INTO booking_targets VALUES (?, ?)",
            [[bid, m] for m in rng.sample(champions, 5)],
        )
        if status == "confirmed":
            cur.execute("INSERT INTO slot_confirmations VALUES (?, ?)", [slot_id, bid])
            row = cur.execute(
                "SELECT event_id, starts_utc, ends_utc FROM slots WHERE slot_id = ?", [slot_id]
            ).fetchone()
            cur.execute(
                "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter, booking_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [row[0], row[1], row[2], f"{ws} segment with Champions (demo)", ws, bid],
            )

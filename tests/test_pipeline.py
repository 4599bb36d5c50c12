"""Pipeline rules: stages, language gates, flags, permissions, history and consultation."""

import threading
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core import audit, pipeline
from core import pipeline_consult as consult
from core.permissions import PermissionDenied
from core.pipeline import ProductIn, StageRuleError
from tests.conftest import demo_user


@pytest.fixture
def con(store):
    """Every pipeline rule holds on both engines (DuckDB and PostgreSQL)."""
    return store


def _execute(con, sql, **params):
    with con.begin() as conn:
        conn.execute(sa.text(sql), params)


ALL_READY = {"en": "ready", "fr": "published", "es": "ready"}
FR_MISSING = {"en": "ready", "fr": "in_translation", "es": "ready"}


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "required", "statuses", "refused"),
    [
        ("validation", "launched", ["en", "fr", "es"], ALL_READY, None),
        ("validation", "launched", ["en", "fr", "es"], FR_MISSING, "French"),
        ("validation", "launched", ["en", "es"], FR_MISSING, None),
        ("translation", "launched", ["en"], {"en": "not_started"}, "English"),
        ("translation", "launched", ["en", "fr"], {}, "English, French"),
        ("drafting", "consultation", ["en", "fr", "es"], {}, None),
        ("launched", "revision", ["en", "fr", "es"], ALL_READY, None),
        ("drafting", "on_hold", ["en", "fr", "es"], {}, None),
        ("on_hold", "cancelled", ["en", "fr", "es"], {}, None),
        ("drafting", "finished", ["en"], ALL_READY, "Unknown stage"),
    ],
)
def test_stage_rules_and_language_gate(from_stage, to_stage, required, statuses, refused):
    if refused is None:
        pipeline.check_stage_change(
            from_stage=from_stage, to_stage=to_stage, required=required, statuses=statuses
        )
    else:
        with pytest.raises(StageRuleError, match=refused):
            pipeline.check_stage_change(
                from_stage=from_stage, to_stage=to_stage, required=required, statuses=statuses
            )


@pytest.mark.parametrize(
    ("stage", "workplan"),
    [
        ("planned", "Yet to start"),
        ("drafting", "Ongoing"),
        ("consultation", "Ongoing"),
        ("validation", "Ongoing"),
        ("on_hold", "Ongoing"),
        ("launched", "Completed"),
        ("cancelled", "Cancelled"),
    ],
)
def test_workplan_status_is_derived_from_the_stage(stage, workplan):
    assert pipeline.workplan_status(stage) == workplan


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("stage", "launch_in", "stage_end_in", "statuses", "overdue", "at_risk"),
    [
        ("translation", 10, 5, FR_MISSING, False, True),  # launch near, French not ready
        ("translation", 10, 5, ALL_READY, False, False),  # launch near, all ready
        ("translation", 60, 5, FR_MISSING, False, False),  # launch far away
        ("translation", -1, 5, ALL_READY, True, False),  # launch date passed
        ("drafting", 90, -3, {}, True, False),  # current stage's planned end passed
        ("launched", -30, -40, ALL_READY, False, False),  # done: never late
        ("cancelled", -30, None, {}, False, False),
        ("on_hold", 10, -3, {}, False, False),  # paused: late launch only
        ("on_hold", -1, None, {}, True, False),
        ("planned", None, None, {}, False, False),  # no dates: no flags
    ],
)
def test_overdue_and_at_risk_flags(stage, launch_in, stage_end_in, statuses, overdue, at_risk):
    flags = pipeline.product_flags(
        stage=stage,
        planned_launch=None if launch_in is None else TODAY + timedelta(days=launch_in),
        stage_planned_end=None if stage_end_in is None else TODAY + timedelta(days=stage_end_in),
        required=["en", "fr", "es"],
        statuses=statuses,
        today=TODAY,
    )
    assert (flags["overdue"], flags["at_risk"]) == (overdue, at_risk)
    assert bool(flags["flag_reason"]) == (overdue or at_risk)


def _new(con, user, **overrides):
    fields = {
        "workstream_id": "CWG-2.2",
        "title_en": "Test product",
        "kind": "brief",
        "stage": "drafting",
        "planned_launch": date.today() + timedelta(days=20),
    } | overrides
    return pipeline.create_product(con, actor=user, product_in=ProductIn(**fields))


def _product(con, product_id):
    df = pipeline.list_products(con)
    return df[df["product_id"] == product_id].iloc[0]


def test_a_new_product_starts_in_its_stage_with_history_and_audit(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    row = _product(con, pid)
    assert (row["stage"], row["workplan_status"], row["language_gap"]) == (
        "drafting",
        "Ongoing",
        "en, fr, es",
    )
    history = pipeline.list_stage_history(con, product_id=pid)
    assert history[["changed_by", "to_stage"]].values.tolist() == [["lead_cwg22", "drafting"]]
    audit_actions = con.rows(
        "SELECT action FROM audit_log WHERE entity = 'product' AND entity_id = :p", p=str(pid)
    )
    assert ("product.create",) in [tuple(r) for r in audit_actions]


def test_a_product_launching_soon_without_its_languages_shows_at_risk(con):
    secretariat = demo_user(con, "secretariat")
    pid = _new(con, secretariat, stage="validation")
    row = _product(con, pid)
    assert row["at_risk"] and not row["overdue"]
    assert "French" in row["flag_reason"]


def test_a_product_cannot_be_launched_until_its_required_languages_are_ready(con):
    secretariat = demo_user(con, "secretariat")
    pid = _new(con, secretariat, stage="validation")
    with pytest.raises(StageRuleError, match="English, French, Spanish"):
        pipeline.move_stage(con, actor=secretariat, product_id=pid, to_stage="launched")
    assert _product(con, pid)["stage"] == "validation"
    for lang in ("en", "fr"):
        pipeline.set_language_status(
            con, actor=secretariat, product_id=pid, lang=lang, status="ready"
        )
    with pytest.raises(StageRuleError, match="Spanish"):
        pipeline.move_stage(con, actor=secretariat, product_id=pid, to_stage="launched")
    pipeline.set_language_status(con, actor=secretariat, product_id=pid, lang="es", status="ready")
    pipeline.move_stage(con, actor=secretariat, product_id=pid, to_stage="launched")
    row = _product(con, pid)
    assert (row["stage"], row["workplan_status"], row["actual_launch"]) == (
        "launched",
        "Completed",
        date.today(),
    )
    # A launched product's required language cannot silently fall back.
    with pytest.raises(StageRuleError, match="Spanish"):
        pipeline.set_language_status(
            con, actor=secretariat, product_id=pid, lang="es", status="in_translation"
        )


def test_each_stage_change_is_recorded_with_who_and_when_and_audited(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    before = audit.utcnow() - timedelta(minutes=1)
    pipeline.move_stage(con, actor=lead, product_id=pid, to_stage="consultation")
    pipeline.move_stage(con, actor=lead, product_id=pid, to_stage="revision")
    history = pipeline.list_stage_history(con, product_id=pid)
    history = history.fillna({"from_stage": "(new)"})
    assert history[["from_stage", "to_stage", "changed_by"]].values.tolist() == [
        ["consultation", "revision", "lead_cwg22"],
        ["drafting", "consultation", "lead_cwg22"],
        ["(new)", "drafting", "lead_cwg22"],
    ]
    assert (history["changed_at_utc"] >= before).all()
    audited = con.rows(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'product.stage'"
        " AND entity_id = :p ORDER BY audit_id",
        p=str(pid),
    )
    assert [tuple(r) for r in audited] == [
        ('{"stage": "drafting"}', '{"stage": "consultation"}'),
        ('{"stage": "consultation"}', '{"stage": "revision"}'),
    ]
    dates = pipeline.list_stage_dates(con, product_id=pid).set_index("stage")
    assert dates.loc["consultation", "actual_start"] == date.today()
    assert dates.loc["consultation", "actual_end"] == date.today()
    assert dates.loc["revision", "actual_end"] is None


def test_a_stale_move_is_refused_when_someone_else_moved_the_product(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    pipeline.move_stage(con, actor=lead, product_id=pid, to_stage="consultation")
    with pytest.raises(pipeline.PipelineConflict, match="Champion consultation"):
        pipeline.move_stage(
            con, actor=lead, product_id=pid, to_stage="revision", expected_stage="drafting"
        )
    assert _product(con, pid)["stage"] == "consultation"


@pytest.mark.parametrize(
    ("username", "workstream", "allowed"),
    [
        ("admin", "TW-MM", True),
        ("secretariat", "TW-MM", True),
        ("lead_cwg22", "CWG-2.2", True),
        ("lead_cwg22", "TW-MM", False),
        ("ec_undp", "CWG-2.2", False),
        ("viewer", "CWG-2.2", False),
    ],
)
def test_who_may_create_and_move_products(con, username, workstream, allowed):
    user = demo_user(con, username)
    admin = demo_user(con, "admin")
    pid = _new(con, admin, workstream_id=workstream)
    if allowed:
        _new(con, user, workstream_id=workstream)
        pipeline.move_stage(con, actor=user, product_id=pid, to_stage="consultation")
        assert _product(con, pid)["stage"] == "consultation"
    else:
        with pytest.raises(PermissionDenied):
            _new(con, user, workstream_id=workstream)
        with pytest.raises(PermissionDenied):
            pipeline.move_stage(con, actor=user, product_id=pid, to_stage="consultation")
        with pytest.raises(PermissionDenied):
            pipeline.set_language_status(con, actor=user, product_id=pid, lang="fr", status="ready")
        assert _product(con, pid)["stage"] == "drafting"


def test_a_lead_cannot_move_their_product_into_another_workstream(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    moved = ProductIn(workstream_id="TW-MM", title_en="Test product", kind="brief")
    with pytest.raises(PermissionDenied, match="TW-MM"):
        pipeline.update_product(con, actor=lead, product_id=pid, product_in=moved)
    assert _product(con, pid)["workstream_id"] == "CWG-2.2"


def test_a_product_keeps_its_workstream_on_both_engines_with_the_reason_said(con):
    # The same rule on both engines (DuckDB cannot rewrite a referenced row); nothing saved.
    secretariat = demo_user(con, "secretariat")
    pid = _new(con, secretariat)
    moved = ProductIn(workstream_id="TW-MM", title_en="Renamed", kind="brief")
    with pytest.raises(pipeline.UnknownWorkstream, match="cannot move from CWG-2.2 to TW-MM"):
        pipeline.update_product(con, actor=secretariat, product_id=pid, product_in=moved)
    row = _product(con, pid)
    assert (row["workstream_id"], row["title_en"]) == ("CWG-2.2", "Test product")


def test_bulk_edit_is_all_or_nothing_and_names_the_product_and_column(con):
    lead = demo_user(con, "lead_cwg22")
    admin = demo_user(con, "admin")
    mine = _new(con, lead, title_en="Mine")
    theirs = _new(con, admin, workstream_id="TW-MM", title_en="Theirs")
    changes = {
        mine: {"stage": "consultation", "lang_fr": "ready"},
        theirs: {"planned_launch": "2030-01-01"},
    }
    with pytest.raises(pipeline.BulkEditError) as failure:
        pipeline.bulk_update(
            con, actor=lead, changes=changes, titles={mine: "Mine", theirs: "Theirs"}
        )
    assert len(failure.value.errors) == 1 and failure.value.errors[0].startswith("Theirs:")
    assert _product(con, mine)["stage"] == "drafting"
    assert _product(con, mine)["lang_fr"] == "not_started"
    with pytest.raises(pipeline.BulkEditError, match="planned_launch: 'soon' is not a date"):
        pipeline.bulk_update(con, actor=lead, changes={mine: {"planned_launch": "soon"}})
    pipeline.bulk_update(con, actor=lead, changes={mine: changes[mine]})
    row = _product(con, mine)
    assert (row["stage"], row["lang_fr"]) == ("consultation", "ready")
    assert pipeline.list_stage_history(con, product_id=mine)["to_stage"].iloc[0] == "consultation"


def test_filters_by_workstream_stage_language_gap_and_due_window(con):
    secretariat = demo_user(con, "secretariat")
    soon = _new(con, secretariat, workstream_id="TW-MM", title_en="Soon", stage="validation")
    later = _new(
        con,
        secretariat,
        workstream_id="TW-MM",
        title_en="Later",
        stage="drafting",
        planned_launch=date.today() + timedelta(days=200),
    )
    for lang in ("en", "fr", "es"):
        pipeline.set_language_status(
            con, actor=secretariat, product_id=later, lang=lang, status="ready"
        )
    df = pipeline.list_products(con)
    ids = set(pipeline.filter_products(df, workstreams=["TW-MM"])["product_id"])
    assert {soon, later} <= ids
    assert all(df[df.product_id.isin(ids)]["workstream_id"] == "TW-MM")
    gap = pipeline.filter_products(df, workstreams=["TW-MM"], language_gap=True)
    assert soon in set(gap["product_id"]) and later not in set(gap["product_id"])
    due = pipeline.filter_products(df, due_within_days=30)
    assert soon in set(due["product_id"]) and later not in set(due["product_id"])
    assert set(due["stage"]).isdisjoint({"launched", "cancelled"})
    drafting = pipeline.filter_products(df, stages=["drafting"])
    assert set(drafting["stage"]) == {"drafting"} and later in set(drafting["product_id"])
    counts = pipeline.board_counts(df).set_index("stage")["products"]
    assert counts.sum() == len(df)
    assert counts["drafting"] == (df["stage"] == "drafting").sum()


def test_feedback_recorded_on_a_product_enters_the_engagement_log(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    kenya = con.scalar("SELECT m49 FROM countries WHERE iso3 = 'KEN'")
    fid = consult.add_feedback(
        con,
        actor=lead,
        product_id=pid,
        feedback_in=consult.FeedbackIn(
            m49=kenya, received_on=date.today(), lang="fr", channel="hub", summary="Useful"
        ),
    )
    feedback = consult.list_feedback(con, product_id=pid)
    assert feedback[["champion", "lang", "channel"]].values.tolist() == [["Kenya", "fr", "hub"]]
    logged = con.rows(
        "SELECT m49, kind, product_id, source FROM engagements WHERE source_ref = :ref",
        ref=f"feedback:{fid}",
    )
    assert [tuple(r) for r in logged] == [(kenya, "hub", pid, "feedback")]


def test_feedback_needs_a_champion_and_the_right_role(con):
    lead = demo_user(con, "lead_cwg22")
    viewer = demo_user(con, "viewer")
    pid = _new(con, lead)
    france = con.scalar("SELECT m49 FROM countries WHERE iso3 = 'FRA'")
    entry = consult.FeedbackIn(m49=france, received_on=date.today(), lang="fr", channel="written")
    with pytest.raises(ValueError, match="not a Champion"):
        consult.add_feedback(con, actor=lead, product_id=pid, feedback_in=entry)
    with pytest.raises(PermissionDenied):
        consult.add_feedback(con, actor=viewer, product_id=pid, feedback_in=entry)
    assert consult.list_feedback(con, product_id=pid).empty


def test_a_consultation_window_records_the_champions_asked(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    m49s = [r[0] for r in con.rows("SELECT m49 FROM champions ORDER BY m49 LIMIT 3")]
    opens = date.today() + timedelta(days=7)
    consult.add_consultation(
        con,
        actor=lead,
        product_id=pid,
        consultation_in=consult.ConsultationIn(
            opens_on=opens, closes_on=opens + timedelta(days=30), channel="hub", m49s=m49s
        ),
    )
    windows = consult.list_consultations(con, product_id=pid)
    assert windows[["opens_on", "invited"]].values.tolist()[0][1] == 3
    with pytest.raises(ValueError, match="closes before it opens"):
        consult.ConsultationIn(opens_on=opens, closes_on=opens - timedelta(days=1))


def test_engagement_opportunities_are_upcoming_champion_events_near_the_window(con):
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    now = datetime(2030, 3, 1, 12, 0)

    def event(uid, day, kind="champions_meeting", audience="champions"):
        _execute(
            con,
            "INSERT INTO events (uid, title, kind, audience, starts_utc, ends_utc, tz)"
            " VALUES (:uid, :uid, :kind, :audience, :starts, :ends, 'Europe/Zurich')",
            uid=uid,
            kind=kind,
            audience=audience,
            starts=day,
            ends=day + timedelta(hours=2),
        )

    event("inside", datetime(2030, 4, 10, 13))
    event("near-before", datetime(2030, 3, 25, 13), kind="webinar", audience="open")
    event("too-early", datetime(2030, 3, 10, 13))
    event("too-late", datetime(2030, 6, 1, 13))
    event("internal", datetime(2030, 4, 12, 13), kind="ec_meeting", audience="internal")
    consult.add_consultation(
        con,
        actor=lead,
        product_id=pid,
        consultation_in=consult.ConsultationIn(
            opens_on=date(2030, 4, 1), closes_on=date(2030, 4, 30)
        ),
    )
    found = consult.engagement_opportunities(con, now_utc=now, product_ids=[pid])
    assert found[["event_title", "where"]].values.tolist() == [
        ["near-before", "near"],
        ["inside", "inside"],
    ]
    # Once launched, a product no longer needs consultation opportunities.
    _execute(con, "UPDATE products SET stage = 'cancelled' WHERE product_id = :p", p=pid)
    assert consult.engagement_opportunities(con, now_utc=now, product_ids=[pid]).empty


def test_asking_a_champion_already_at_the_monthly_cap_is_warned(con):
    from core import engagement

    admin = demo_user(con, "admin")
    lead = demo_user(con, "lead_cwg22")
    engagement.set_consultation_cap(con, actor=admin, cap=1)
    pid = _new(con, lead)
    kenya = con.scalar("SELECT m49 FROM countries WHERE iso3 = 'KEN'")
    month = date(2031, 5, 1)
    assert consult.load_warnings(con, m49s=[kenya], month=month) == []
    consult.add_consultation(
        con,
        actor=lead,
        product_id=pid,
        consultation_in=consult.ConsultationIn(
            opens_on=date(2031, 5, 4), closes_on=date(2031, 6, 4), m49s=[kenya]
        ),
    )
    warnings = consult.load_warnings(con, m49s=[kenya], month=month)
    assert len(warnings) == 1 and warnings[0].startswith("Kenya")


def test_a_database_refusal_is_not_reported_as_someone_elses_change(con):
    # Only a stale edit says "changed by someone else"; a real SQL error passes through.
    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    kenya = con.scalar("SELECT m49 FROM countries WHERE iso3 = 'KEN'")
    unchecked = consult.FeedbackIn.model_construct(
        m49=kenya, received_on=date.today(), lang="de", channel="hub", summary=None
    )
    with pytest.raises(sa.exc.IntegrityError):
        consult.add_feedback(con, actor=lead, product_id=pid, feedback_in=unchecked)
    backwards = consult.ConsultationIn.model_construct(
        opens_on=date(2030, 5, 1), closes_on=date(2030, 4, 1), channel=None, note=None, m49s=[]
    )
    with pytest.raises(sa.exc.IntegrityError):
        consult.add_consultation(con, actor=lead, product_id=pid, consultation_in=backwards)
    assert consult.list_feedback(con, product_id=pid).empty
    assert consult.list_consultations(con, product_id=pid).empty


def test_two_people_moving_one_product_at_once_one_wins_the_other_is_told(con):
    from concurrent.futures import ThreadPoolExecutor

    lead = demo_user(con, "lead_cwg22")
    pid = _new(con, lead)
    barrier = threading.Barrier(2)

    def move(to_stage):
        barrier.wait()
        try:
            pipeline.move_stage(
                con, actor=lead, product_id=pid, to_stage=to_stage, expected_stage="drafting"
            )
            return "moved"
        except pipeline.PipelineConflict:
            return "stale"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(move, ["consultation", "on_hold"]))
    assert outcomes == ["moved", "stale"]
    history = pipeline.list_stage_history(con, product_id=pid)
    assert len(history) == 2
    assert _product(con, pid)["stage"] == history.iloc[0]["to_stage"]


def test_the_pipeline_page_reads_run_on_the_demo_data(con):
    df = pipeline.list_products(con)
    assert len(df) > 10 and df["product_id"].is_unique
    assert set(df["workplan_status"]) <= {"Yet to start", "Ongoing", "Completed", "Cancelled"}
    bars = pipeline.roadmap_rows(con, product_ids=df["product_id"])
    assert not bars.empty and set(bars["plan"]) <= {"Planned", "Actual"}
    assert (bars["end"] >= bars["start"]).all()
    found = consult.engagement_opportunities(con, now_utc=datetime(2020, 1, 1))
    assert set(found["where"]) <= {"inside", "near"}
    assert set(found["product_id"]) <= set(df["product_id"])
    first = int(df["product_id"].iloc[0])
    assert pipeline.get_product(con, product_id=first)["product_id"] == first
    assert len(pipeline.list_stage_dates(con, product_id=first)) == len(pipeline.STAGES) - 1
    assert list(consult.list_champion_choices(con).columns) == ["m49", "country"]

"""GCM objectives: the reference file, tagging with its rights, coverage and the gaps sentence."""

from __future__ import annotations

from datetime import date

import pytest

from core import engagement, objectives
from core.permissions import SYSTEM, PermissionDenied
from core.store import objectives as store
from tests.conftest import demo_user

TODAY = date.today()


@pytest.fixture
def con(store):
    return store


def test_the_file_holds_the_23_objectives_of_the_resolution_with_its_source():
    objs = objectives.list_objectives()
    assert [o.number for o in objs] == list(range(1, 24))
    assert objs[12].title_en == (
        "Use migration detention only as a measure of last resort and work towards alternatives"
    )
    assert objs[7].short_title == "Save lives"
    assert "A/RES/73/195" in objectives.objectives_source()
    assert "paragraph 16" in objectives.objectives_source()
    assert objectives.objective_label(13) == "13. Alternatives to detention"


def test_parse_reads_numbers_and_labels_and_names_the_field_when_wrong():
    assert objectives.parse_objectives("13; 8,8") == [8, 13]
    assert objectives.parse_objectives(["13. Alternatives to detention", 1]) == [1, 13]
    assert objectives.parse_objectives(None) == []
    with pytest.raises(ValueError, match="GCM objectives: '24'"):
        objectives.parse_objectives("24")
    with pytest.raises(ValueError, match="GCM objectives"):
        objectives.parse_objectives(["detention"])


def test_demo_tags_public_facts_as_the_sources_say(con):
    products = store.list_product_coverage(con)
    guidance = products[products["title_en"].str.startswith("Implementing the GCM")]
    assert sorted(guidance["objective"]) == list(range(1, 24))
    events = store.list_event_coverage(con)
    atd = events[events["workstream_id"] == "TW-ATD"]
    assert not atd.empty and set(atd["objective"]) == {13}
    mm = products[products["workstream_id"] == "TW-MM"]
    assert set(mm["objective"]) <= {8}


def test_a_lead_tags_a_product_of_their_workstream_and_not_another(con):
    lead = demo_user(con, "lead_cwg22")
    rows = store.list_product_coverage(con)
    own = int(con.scalar("SELECT min(product_id) FROM products WHERE workstream_id = 'CWG-2.2'"))
    other = int(con.scalar("SELECT min(product_id) FROM products WHERE workstream_id = 'TW-ATD'"))
    assert objectives.set_objectives(
        con, actor=lead, kind="product", row_id=own, objectives=["5", 23]
    ) == [5, 23]
    assert objectives.row_objectives(con, kind="product", row_id=own) == [5, 23]
    with pytest.raises(PermissionDenied):
        objectives.set_objectives(con, actor=lead, kind="product", row_id=other, objectives=[1])
    assert objectives.row_objectives(con, kind="product", row_id=other) == [13]
    viewer = demo_user(con, "viewer")
    with pytest.raises(PermissionDenied):
        objectives.set_objectives(con, actor=viewer, kind="product", row_id=own, objectives=[])
    assert len(rows) > 0
    entry = con.one(
        "SELECT action, before_json, after_json FROM audit_log"
        " WHERE action = 'objectives.set' ORDER BY at_utc DESC LIMIT 1"
    )
    assert entry.action == "objectives.set" and "23" in entry.after_json


def test_every_kind_can_be_tagged_and_a_missing_row_is_refused(con):
    ids = {
        "event": "SELECT min(event_id) FROM events",
        "agenda_item": "SELECT min(item_id) FROM agenda_items",
        "consultation": "SELECT min(consultation_id) FROM consultations",
        "engagement": "SELECT min(engagement_id) FROM engagements",
    }
    for kind, sql in ids.items():
        row_id = con.scalar(sql)
        if row_id is None:
            continue
        objectives.set_objectives(con, actor=SYSTEM, kind=kind, row_id=int(row_id), objectives=[2])
        assert 2 in objectives.row_objectives(con, kind=kind, row_id=int(row_id))
        assert 2 in objectives.tags_by_row(con, kind=kind)[int(row_id)]
    with pytest.raises(ValueError, match="no event number 999999"):
        objectives.set_objectives(con, actor=SYSTEM, kind="event", row_id=999999, objectives=[1])


def test_coverage_counts_and_the_uncovered_sentence(con):
    rows = objectives.coverage_rows(con, user=SYSTEM, filters=objectives.CoverageFilters())
    table = objectives.coverage_table(rows)
    assert len(table) == 23
    assert table.loc[table["objective"] == 13, "products"].item() >= 1
    assert table.loc[table["objective"] == 13, "champions"].item() >= 1
    gaps = objectives.uncovered(con, today=TODAY, user=SYSTEM)
    numbers = {o.number for o in gaps}
    assert 13 not in numbers and 8 not in numbers
    sentence = objectives.uncovered_sentence(gaps)
    assert "no product in the pipeline and no Champion engaged in the last 12 months" in sentence
    # Tagging an open product with an uncovered objective takes it out of the sentence.
    if gaps:
        first = gaps[0].number
        open_id = con.scalar(
            "SELECT min(product_id) FROM products WHERE stage NOT IN ('launched', 'cancelled')"
        )
        kept = objectives.row_objectives(con, kind="product", row_id=int(open_id))
        objectives.set_objectives(
            con, actor=SYSTEM, kind="product", row_id=int(open_id), objectives=kept + [first]
        )
        after = {o.number for o in objectives.uncovered(con, today=TODAY, user=SYSTEM)}
        assert first not in after


def test_filters_and_a_viewer_sees_no_champions(con):
    all_rows = objectives.coverage_rows(con, user=SYSTEM, filters=objectives.CoverageFilters())
    atd = objectives.coverage_rows(
        con, user=SYSTEM, filters=objectives.CoverageFilters(workstream_id="TW-ATD")
    )
    assert set(atd["products"]["workstream_id"]) <= {"TW-ATD"}
    assert len(atd["events"]) <= len(all_rows["events"])
    regions = set(all_rows["champions"]["region"])
    region = sorted(regions)[0]
    by_region = objectives.coverage_rows(
        con, user=SYSTEM, filters=objectives.CoverageFilters(region=region)
    )
    assert set(by_region["champions"]["region"]) == {region}
    year = objectives.coverage_rows(
        con, user=SYSTEM, filters=objectives.CoverageFilters(year=TODAY.year)
    )
    assert all(y == TODAY.year for y in year["events"]["starts_utc"].dt.year)
    viewer = demo_user(con, "viewer")
    seen = objectives.coverage_rows(con, user=viewer, filters=objectives.CoverageFilters())
    assert seen["champions"].empty
    assert "internal" not in set(seen["events"]["audience"])
    assert objectives.coverage_table(seen)["champions"].sum() == 0


def test_a_tag_of_a_deleted_row_is_not_counted(con):
    row_id = int(con.scalar("SELECT min(engagement_id) FROM engagements WHERE source = 'manual'"))
    objectives.set_objectives(con, actor=SYSTEM, kind="engagement", row_id=row_id, objectives=[22])
    engagement.delete_engagement(con, actor=SYSTEM, engagement_id=row_id)
    assert row_id not in objectives.tags_by_row(con, kind="engagement")


def test_exports_carry_the_objectives_as_numbers(con):
    from core import pipeline, pipeline_io, tabular

    frame = pipeline_io.export_frame(pipeline.list_products(con, today=TODAY))
    out = objectives.with_objectives_column(con, frame, kind="product", id_column="product_id")
    guidance = out[out["title_en"].str.startswith("Implementing the GCM")]
    assert guidance["gcm_objectives"].item() == "; ".join(str(n) for n in range(1, 24))
    assert objectives.parse_objectives(guidance["gcm_objectives"].item()) == list(range(1, 24))
    assert b"gcm_objectives" in tabular.csv_bytes(out)


def test_ics_carries_an_events_objectives_as_categories_and_reads_them_back(con):
    from core import ics

    event_id = int(con.scalar("SELECT min(event_id) FROM events WHERE rrule IS NULL"))
    objectives.set_objectives(con, actor=SYSTEM, kind="event", row_id=event_id, objectives=[8, 13])
    data = ics.export_ics(con, user=SYSTEM, event_ids=[event_id])
    assert b"CATEGORIES:GCM objective 8,GCM objective 13" in data
    objectives.set_objectives(con, actor=SYSTEM, kind="event", row_id=event_id, objectives=[1])
    ics.import_ics(con, actor=SYSTEM, data=data)
    assert objectives.row_objectives(con, kind="event", row_id=event_id) == [8, 13]
    bad = data.replace(b"GCM objective 13", b"GCM objective 30")
    with pytest.raises(ics.ImportRefused) as refused:
        ics.import_ics(con, actor=SYSTEM, data=bad)
    assert "GCM objective 30" in " ".join(refused.value.problems)
    assert objectives.row_objectives(con, kind="event", row_id=event_id) == [8, 13]


def test_a_product_csv_import_reads_the_objectives_column_all_or_nothing(con):
    from core import pipeline, pipeline_io, tabular

    frame = pipeline_io.export_frame(pipeline.list_products(con, today=TODAY))
    out = objectives.with_objectives_column(con, frame, kind="product", id_column="product_id")
    own = out[out["workstream_id"] == "CWG-2.2"].head(1).copy()
    pid = int(own["product_id"].item())
    own["gcm_objectives"] = "4; 21"
    pipeline_io.import_products_csv(con, actor=SYSTEM, data=tabular.csv_bytes(own))
    assert objectives.row_objectives(con, kind="product", row_id=pid) == [4, 21]
    new = own.copy()
    new["product_id"] = None
    new["title_en"] = "Imported with objectives (test)"
    new["gcm_objectives"] = "9"
    pipeline_io.import_products_csv(con, actor=SYSTEM, data=tabular.csv_bytes(new))
    created = int(
        con.scalar(
            "SELECT product_id FROM products WHERE title_en = 'Imported with objectives (test)'"
        )
    )
    assert objectives.row_objectives(con, kind="product", row_id=created) == [9]
    own["gcm_objectives"] = "4; 99"
    with pytest.raises(pipeline_io.ImportFailed) as failed:
        pipeline_io.import_products_csv(con, actor=SYSTEM, data=tabular.csv_bytes(own))
    assert any("gcm_objectives" in e and "'99'" in e for e in failed.value.errors)
    assert objectives.row_objectives(con, kind="product", row_id=pid) == [4, 21]
    # A file without the column leaves the tags as they are.
    pipeline_io.import_products_csv(
        con, actor=SYSTEM, data=tabular.csv_bytes(own.drop(columns="gcm_objectives"))
    )
    assert objectives.row_objectives(con, kind="product", row_id=pid) == [4, 21]

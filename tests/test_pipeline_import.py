"""CSV import (all-or-nothing, row and field named) and CSV/Excel export of the product list."""

import io

import openpyxl
import pytest

from core import pipeline
from core import pipeline_io as pio
from tests.conftest import demo_user

HEADER = "product_id,workstream_id,title_en,kind,stage,planned_launch,lang_en,lang_fr,lang_es\n"


@pytest.fixture
def con(store):
    """The import and export hold on both engines (DuckDB and PostgreSQL)."""
    return store


def _count(con):
    return con.scalar("SELECT count(*) FROM products")


def test_a_good_file_creates_and_updates_products(con):
    admin = demo_user(con, "admin")
    before = _count(con)
    data = (
        HEADER + ",TW-MM,Imported brief,brief,Drafting,2031-05-01,ready,,\n"
        ",CWG-2.2,Imported guide,guidance,launched,2031-01-01,Ready,Published,ready\n"
        "1,CWG-2.2,Implementing the GCM (renamed),guidance,launched,,,,\n"
    ).encode()
    result = pio.import_products_csv(con, actor=admin, data=data)
    assert (len(result.created), result.updated) == (2, [1])
    assert _count(con) == before + 2
    df = pipeline.list_products(con).set_index("product_id")
    brief = df.loc[result.created[0]]
    assert (brief["stage"], brief["lang_en"], brief["lang_fr"]) == (
        "drafting",
        "ready",
        "not_started",
    )
    assert df.loc[result.created[1], "stage"] == "launched"
    assert df.loc[1, "title_en"] == "Implementing the GCM (renamed)"


def test_a_file_with_problems_writes_nothing_and_names_each_row_and_field(con):
    admin = demo_user(con, "admin")
    before = _count(con)
    data = (
        HEADER + ",TW-MM,Good row,brief,drafting,2031-05-01,,,\n"
        ",TW-MM,Bad date,brief,drafting,31/05/2031,,,\n"
        ",TW-MM,,brief,finished,,,,\n"
        ",TW-MM,Bad language,brief,drafting,,done,,\n"
    ).encode()
    with pytest.raises(pio.ImportFailed) as failure:
        pio.import_products_csv(con, actor=admin, data=data)
    assert failure.value.errors == [
        "Row 3, planned_launch: '31/05/2031' is not a date; use YYYY-MM-DD",
        "Row 4, stage: 'finished' is not a stage; use one of Planned, Drafting, "
        "Champion consultation, Revision, Translation, Validation, Launched, On hold, Cancelled",
        "Row 4, title_en: Field required",
        "Row 5, lang_en: 'done' is not a language status; use one of not_started, "
        "in_translation, ready, published",
    ]
    assert _count(con) == before


def test_rule_and_permission_problems_also_roll_back_the_whole_file(con):
    lead = demo_user(con, "lead_cwg22")
    before = _count(con)
    history = con.scalar("SELECT count(*) FROM product_stage_history")
    data = (
        HEADER + ",CWG-2.2,Mine,brief,drafting,,,,\n"
        ",CWG-2.2,Launched too early,brief,launched,,ready,in translation,ready\n"
        ",TW-MM,Not my workstream,brief,drafting,,,,\n"
        ",NOPE,Unknown workstream,brief,drafting,,,,\n"
        "9999,CWG-2.2,No such product,brief,drafting,,,,\n"
    ).encode()
    with pytest.raises(pio.ImportFailed) as failure:
        pio.import_products_csv(con, actor=lead, data=data)
    errors = failure.value.errors
    assert [e.split(":")[0] for e in errors] == [
        "Row 3, stage",
        "Row 4, workstream_id",
        "Row 5, workstream_id",
        "Row 6, product_id",
    ]
    assert "French" in errors[0] and "TW-MM" in errors[1] and "NOPE" in errors[2]
    assert _count(con) == before
    assert con.scalar("SELECT count(*) FROM product_stage_history") == history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "File: empty"),
        (b"title_en,kind\nX,brief\n", "Line 1 (header): missing column(s) workstream_id, stage"),
        (HEADER.encode(), "File: no product rows"),
        ("title_en\n".encode("utf-16"), "File: not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(con, data, message):
    with pytest.raises(pio.ImportFailed) as failure:
        pio.import_products_csv(con, actor=demo_user(con, "admin"), data=data)
    assert failure.value.errors[0].startswith(message)


def test_the_export_reimports_unchanged_and_opens_in_excel(con):
    admin = demo_user(con, "admin")
    products = pipeline.list_products(con)
    csv_bytes = pio.to_csv_bytes(products)
    before = pipeline.list_products(con)[pio.COLUMNS].astype(str)
    result = pio.import_products_csv(con, actor=admin, data=csv_bytes)
    assert result.created == [] and len(result.updated) == len(products)
    after = pipeline.list_products(con)[pio.COLUMNS].astype(str)
    assert after.equals(before)
    book = openpyxl.load_workbook(io.BytesIO(pio.to_excel_bytes(products)))
    sheet = book["Products"]
    assert [c.value for c in sheet[1]][: len(pio.COLUMNS)] == pio.COLUMNS
    assert sheet.max_row == len(products) + 1


def test_one_attempt_lists_reading_and_rule_problems_together_in_row_order(con):
    lead = demo_user(con, "lead_cwg22")
    before = _count(con)
    data = (
        HEADER + ",TW-MM,Not my workstream,brief,drafting,,,,\n"
        ",CWG-2.2,Bad date,brief,drafting,tomorrow,,,\n"
        ",CWG-2.2,Fine,brief,drafting,,,,\n"
    ).encode()
    with pytest.raises(pio.ImportFailed) as failure:
        pio.import_products_csv(con, actor=lead, data=data)
    assert [e.split(":")[0] for e in failure.value.errors] == [
        "Row 2, workstream_id",
        "Row 3, planned_launch",
    ]
    assert _count(con) == before

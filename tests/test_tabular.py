"""Downloads cannot smuggle spreadsheet formulas, and exported products import back unchanged."""

import io

import openpyxl
import pandas as pd

from core import pipeline, pipeline_io, tabular
from core.permissions import SYSTEM

FORMULA = '=HYPERLINK("http://example.org","click")'


def test_formula_looking_text_is_quoted_and_numbers_are_not():
    df = pd.DataFrame({"title": [FORMULA, "+1 555", "plain"], "n": [-3, 4, 5]})
    out = tabular.safe_frame(df)
    assert out["title"].tolist() == ["'" + FORMULA, "'+1 555", "plain"]
    assert out["n"].tolist() == [-3, 4, 5]


def test_excel_export_keeps_the_formula_as_text():
    book = openpyxl.load_workbook(
        io.BytesIO(tabular.excel_bytes(pd.DataFrame({"t": [FORMULA]}), sheet="S"))
    )
    cell = book["S"]["A2"]
    assert cell.data_type == "s" and cell.value == "'" + FORMULA


def test_exported_products_import_back_with_their_original_titles(con):
    created = pipeline_io.import_products_csv(
        con,
        actor=SYSTEM,
        data=f'workstream_id,title_en,kind,stage\nTW-MM,"{FORMULA.replace(chr(34), chr(34) * 2)}",brief,planned\n'.encode(),
    ).created[0]
    exported = pipeline_io.to_csv_bytes(pipeline.list_products(con))
    assert b"'=HYPERLINK" in exported
    pipeline_io.import_products_csv(con, actor=SYSTEM, data=exported)
    assert pipeline.get_product(con, product_id=created)["title_en"] == FORMULA

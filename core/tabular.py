"""Write tables for spreadsheets safely: CSV and Excel downloads that cannot smuggle formulas."""

from __future__ import annotations

import io

import pandas as pd

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return text that a spreadsheet shows as text: formula-looking strings get a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo `safe_cell` on a value read back from an exported file."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of the frame whose text cells cannot run as formulas."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV with a BOM (so Excel reads accents), formulas neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(df: pd.DataFrame, *, sheet: str) -> bytes:
    """Return the frame as an Excel workbook, formulas neutralised."""
    buffer = io.BytesIO()
    safe_frame(df).to_excel(buffer, index=False, sheet_name=sheet[:31], engine="openpyxl")
    return buffer.getvalue()

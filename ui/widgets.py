"""Small layout helpers that several pages share: download buttons and validation messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import tabular, validation
from ui.safe import md_text

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(
    frame: pd.DataFrame,
    *,
    file_stem: str,
    sheet: str,
    keys: tuple[str, str],
    labels: tuple[str, str] = ("Download CSV", "Download Excel"),
) -> None:
    """Offer the frame as a CSV file and as an Excel workbook, side by side."""
    csv_key, excel_key = keys
    csv_label, excel_label = labels
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            csv_label,
            lambda: tabular.csv_bytes(frame),  # built on click, not on every rerun
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            key=csv_key,
        )
        st.download_button(
            excel_label,
            lambda: tabular.excel_bytes(frame, sheet=sheet),
            file_name=f"{file_stem}.xlsx",
            mime=EXCEL_MIME,
            key=excel_key,
        )


def field_errors(exc: ValidationError, labels: Mapping[str, str] | None = None) -> str:
    """Return a model's validation errors in people's words (`core.validation.explain`).

    `labels` names fields as the form shows them ("Title (English)" for `title_en`); an error of
    the whole form (a rule across fields) has no field and is said as it is.
    """
    # Messages repeat what was typed (and patterns full of Markdown characters): shown as text.
    return md_text(validation.explain(exc, labels))


def blank_missing_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Show missing text as an empty cell rather than a grey "None" (dates and numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].fillna("")
    return out


def lazy_tabs(views: dict[str, Callable[[], None]], *, key: str, in_url: bool = True) -> None:
    """Draw one tab per view; only the open tab's view runs (and reaches the browser).

    With `in_url` the open tab is in the page's address (`?<key>=<label>`), so a view can be
    bookmarked or sent; the first tab leaves the address clean. Nested tabs pass `in_url=False`.
    """
    tracking = {"bind": "query-params"} if in_url else {"on_change": "rerun"}
    for tab, render in zip(st.tabs(list(views), key=key, **tracking), views.values(), strict=True):
        if tab.open:
            with tab:
                render()

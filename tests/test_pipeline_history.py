"""Products finished long ago leave the default views, unless asked for."""

from datetime import date

import pandas as pd

from core import pipeline


def _frame(rows):
    return pd.DataFrame(
        rows, columns=["stage", "actual_launch", "planned_launch", "workstream_id", "language_gap"]
    ).assign(overdue=False, at_risk=False, due_in_days=None)


def test_finished_products_older_than_the_cutoff_are_hidden_and_undated_ones_stay():
    df = _frame(
        [
            ("launched", date(2020, 1, 1), date(2019, 12, 1), "A", ""),  # long ago: hidden
            ("cancelled", None, date(2021, 5, 1), "A", ""),  # planned long ago: hidden
            ("launched", date(2026, 6, 1), None, "A", ""),  # recent: shown
            ("launched", None, None, "A", ""),  # no date known: shown
            ("drafting", None, date(2020, 1, 1), "A", ""),  # not finished: shown
        ]
    )
    shown = pipeline.filter_products(df, finished_since=date(2025, 11, 26))
    assert shown.index.tolist() == [2, 3, 4]
    assert len(pipeline.filter_products(df)) == 5

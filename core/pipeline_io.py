"""Export the product list to CSV and Excel, and import it back from CSV, all-or-nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from pydantic import ValidationError

from core import objectives, tabular
from core.permissions import User
from core.pipeline import (
    LANG_STATUS_LABELS,
    LANG_STATUSES,
    LANGS,
    STAGE_LABELS,
    ProductIn,
    StageRuleError,
    UnknownWorkstream,
    change_product,
    insert_product,
)
from core.store import Connection, Db

# The columns of the export; the import reads the same ones (derived columns are ignored).
COLUMNS = [
    "product_id",
    "workstream_id",
    "title_en",
    "title_fr",
    "title_es",
    "kind",
    "lead_agencies",
    "stage",
    "needs_consultation",
    "required_languages",
    "planned_launch",
    "actual_launch",
    "lang_en",
    "lang_fr",
    "lang_es",
    "description",
]
DERIVED = ["workplan_status", "overdue", "at_risk", "flag_reason"]
REQUIRED = ["workstream_id", "title_en", "kind", "stage"]
MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class ImportFailed(ValueError):
    """The file was refused; `errors` names the row and field of each problem. Nothing was saved."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


@dataclass
class ImportResult:
    """What an import did."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def export_frame(products: pd.DataFrame) -> pd.DataFrame:
    """Return the product list in the export/import column layout."""
    out = products.reindex(columns=COLUMNS + DERIVED).copy()
    return out


def to_csv_bytes(products: pd.DataFrame) -> bytes:
    """Return the product list as UTF-8 CSV; formula-looking cells are quoted (CSV injection)."""
    return tabular.csv_bytes(export_frame(products))


def to_excel_bytes(products: pd.DataFrame) -> bytes:
    """Return the product list as an Excel workbook; formula-looking cells stay text."""
    return tabular.excel_bytes(export_frame(products), sheet="Products")


def _stage(value: str) -> str:
    text = value.strip().lower()
    for code, label in STAGE_LABELS.items():
        if text in (code, label.lower(), code.replace("_", " ")):
            return code
    raise ValueError(f"{value!r} is not a stage; use one of {', '.join(STAGE_LABELS.values())}")


def _lang_status(value: str) -> str:
    text = value.strip().lower()
    for code, label in LANG_STATUS_LABELS.items():
        if text in (code, label.lower(), code.replace("_", " ")):
            return code
    raise ValueError(f"{value!r} is not a language status; use one of {', '.join(LANG_STATUSES)}")


def _bool(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _read_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise ImportFailed([f"File: larger than {MAX_BYTES // 1000} kB; split it."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(["File: not UTF-8 text; save it as CSV UTF-8."]) from None
    try:  # a lone carriage return (old Mac line ends) or a huge field stops the csv module
        probe = csv.reader(io.StringIO(text))
        for _ in probe:
            pass
    except csv.Error as exc:
        raise ImportFailed([f"Row {probe.line_num}: not readable as CSV ({exc})."]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise ImportFailed(["File: empty; the first line must name the columns."])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([f"Line 1 (header): missing column(s) {', '.join(missing)}."])
    rows = []
    for raw in reader:
        rows.append(
            {
                (k or "").strip(): tabular.unescape_cell((v or "").strip())
                for k, v in raw.items()
                if k
            }
        )
        if len(rows) > MAX_ROWS:
            raise ImportFailed([f"File: more than {MAX_ROWS} rows; split it."])
    return header, rows


def _parse_row(row: dict[str, str]) -> tuple[int | None, dict, dict[str, str], list[tuple]]:
    """Return (product_id, ProductIn fields, languages, [(field, problem)])."""
    problems: list[tuple[str, str]] = []
    values: dict = {}
    product_id = None
    if row.get("product_id"):
        try:
            product_id = int(row["product_id"])
        except ValueError:
            problems.append(("product_id", f"{row['product_id']!r} is not a whole number"))
    converters = {
        "stage": _stage,
        "needs_consultation": _bool,
        "planned_launch": _date,
        "actual_launch": _date,
    }
    for column in (
        "workstream_id",
        "title_en",
        "title_fr",
        "title_es",
        "kind",
        "lead_agencies",
        "stage",
        "needs_consultation",
        "required_languages",
        "planned_launch",
        "actual_launch",
        "description",
    ):
        value = row.get(column, "")
        if value == "":
            continue
        try:
            values[column] = converters[column](value) if column in converters else value
        except ValueError as exc:
            problems.append((column, str(exc)))
    languages = {}
    for lang in LANGS:
        value = row.get(f"lang_{lang}", "")
        if value:
            try:
                languages[lang] = _lang_status(value)
            except ValueError as exc:
                problems.append((f"lang_{lang}", str(exc)))
    return product_id, values, languages, problems


def _field_of(exc: Exception) -> str:
    if isinstance(exc, StageRuleError):
        return "stage"
    if isinstance(exc, UnknownWorkstream | PermissionError):
        return "workstream_id"
    if isinstance(exc, LookupError):
        return "product_id"
    return "row"


def import_products_csv(
    con: Db, *, actor: User, data: bytes, today: date | None = None
) -> ImportResult:
    """Create (no product_id) or update (product_id given) products from CSV, all-or-nothing.

    Raise ImportFailed listing every problem as "Row N, field: what is wrong"; row numbers
    are the spreadsheet's (the header is row 1).
    """
    _header, rows = _read_rows(data)
    tagging = objectives.EXPORT_COLUMN in _header  # the objectives, when the file has them
    if not rows:
        raise ImportFailed(["File: no product rows under the header."])
    errors: list[tuple[int, str]] = []
    parsed = []
    for number, row in enumerate(rows, start=2):
        product_id, values, languages, problems = _parse_row(row)
        tags = None
        if tagging:
            try:
                tags = objectives.parse_objectives(row.get(objectives.EXPORT_COLUMN, ""))
            except ValueError as exc:
                problems.append((objectives.EXPORT_COLUMN, str(exc).split(": ", 1)[-1]))
        errors.extend((number, f"Row {number}, {column}: {p}") for column, p in problems)
        try:
            product_in = ProductIn(**values)
        except ValidationError as exc:
            for err in exc.errors():
                column = ".".join(str(p) for p in err["loc"]) or "row"
                if any(column == c for c, _ in problems):
                    continue  # already reported in the user's words
                message = err["msg"].removeprefix("Value error, ")
                errors.append((number, f"Row {number}, {column}: {message}"))
            continue
        if not problems:
            parsed.append((number, product_id, product_in, languages, tags))

    # The rows that read well still go through the rules (then everything is rolled back if
    # anything failed), so one attempt lists every problem of the file.
    def fn(conn: Connection) -> ImportResult:
        result = ImportResult()
        refused = list(errors)
        for number, product_id, product_in, languages, tags in parsed:
            try:
                if product_id is None:
                    product_id = insert_product(
                        conn,
                        actor=actor,
                        product_in=product_in,
                        languages=languages,
                        today=today,
                    )
                    result.created.append(product_id)
                else:
                    change_product(
                        conn,
                        actor=actor,
                        product_id=product_id,
                        product_in=product_in,
                        languages=languages,
                        today=today or date.today(),
                    )
                    result.updated.append(product_id)
                if tags is not None:
                    objectives.import_product_objectives(conn, product_id=product_id, numbers=tags)
            except (ValueError, LookupError, PermissionError) as exc:
                refused.append((number, f"Row {number}, {_field_of(exc)}: {exc}"))
        if refused:
            raise ImportFailed([message for _, message in sorted(refused, key=lambda e: e[0])])
        return result

    return con.write(fn)

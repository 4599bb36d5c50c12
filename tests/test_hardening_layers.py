"""Every write goes through core: the Streamlit layer never writes SQL, opens a transaction,
writes the audit log itself, or acts with the system's admin rights."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"])
WRITE_SQL = re.compile(
    r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|DROP\s+TABLE|ALTER\s+TABLE"
    r"|COPY\s+\S+\s+(FROM|TO)\s+'|ATTACH\s+')",
    re.I,
)
# Names that would let the layer write around core's permission checks.
FORBIDDEN_NAMES = {"SYSTEM", "transaction", "record", "_register", "insert_event", "apply_update"}


def _offences(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if WRITE_SQL.search(node.value):
                found.append(f"{where} write SQL")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core"):
            found += [f"{where} imports {a.name}" for a in node.names if a.name in FORBIDDEN_NAMES]
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            base = node.value
            if isinstance(base, ast.Name) and base.id in {"audit", "db", "permissions", "events"}:
                found.append(f"{where} uses {base.id}.{node.attr}")
    return found


def test_ui_layer_files_exist():
    assert len(UI_FILES) > 5  # the glob still finds the pages


def test_ui_layer_never_writes_around_core():
    offences = [
        o
        for path in UI_FILES
        for o in _offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert offences == [], (
        "The Streamlit layer must call core's write functions with the logged-in user, "
        f"never write itself: {offences}"
    )


def test_the_check_sees_a_page_writing_around_core():
    bad = (
        "from core.permissions import SYSTEM\n"
        "from core import audit, db\n"
        "with db.transaction(con) as cur:\n"
        '    cur.execute("UPDATE events SET title = ? WHERE event_id = ?", [t, i])\n'
        "    audit.record(cur, actor=SYSTEM, action='x', entity='event')\n"
        "st.write('Copy this address now')\n"
    )
    assert len(_offences(bad, "bad.py")) == 4

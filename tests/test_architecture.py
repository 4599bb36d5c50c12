"""Project-wide rules: core never imports streamlit, pages hold no SQL, every page starts with a guard."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b",
    re.I | re.S,
)


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if {"streamlit", "streamlit_authenticator", "ui", "pages"}
        & _imports(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_pages_hold_no_sql():
    offenders = []
    for path in list((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL.search(node.value)
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_every_page_starts_with_its_guard():
    for path in (ROOT / "pages").glob("*.py"):
        body = [
            n
            for n in ast.parse(path.read_text()).body
            if not isinstance(n, ast.Import | ast.ImportFrom)
        ]
        body = [
            n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        ]
        first = body[0]
        call = first.value if isinstance(first, ast.Assign | ast.Expr) else None
        assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "guard", path.name
        assert call.args[0].value == path.stem, f"{path.name} guards the wrong page"

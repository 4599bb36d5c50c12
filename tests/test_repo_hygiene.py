"""Nothing secret or stateful is tracked by git: no database, no secrets file, no known default key."""

import re
import subprocess

from core.config import KNOWN_DEFAULT_KEYS
from tests.conftest import ROOT


def _tracked() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def test_no_database_or_secrets_file_is_tracked():
    bad = [
        path
        for path in _tracked()
        if path.endswith((".duckdb", ".duckdb.wal", ".wal"))
        or path.startswith("instance/")
        or path.endswith(("secrets.toml", ".env"))
    ]
    assert bad == []


def test_no_tracked_file_sets_a_cookie_key():
    # A key assignment in a tracked file would be a committed secret (or a default one).
    pattern = re.compile(r"""(cookie_key|ACTIONPLAN_COOKIE_KEY)\s*[:=]\s*["']([^"'{}]+)["']""")
    offenders = []
    for path in _tracked():
        if not path.endswith(
            (".py", ".toml", ".md", ".yaml", ".yml", ".cfg", ".ini", ".sh", "Makefile")
        ):
            continue
        text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
        for match in pattern.finditer(text):
            offenders.append(f"{path}: {match.group(0)}")
    assert offenders == []


def test_default_keys_are_refused_by_name():
    assert {"some_key", ""} <= KNOWN_DEFAULT_KEYS


def test_the_gitignore_covers_the_instance_folder_and_databases():
    ignored = (ROOT / ".gitignore").read_text()
    assert "/instance/" in ignored and "*.duckdb" in ignored

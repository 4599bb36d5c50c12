"""Load the installation's settings from the environment and a git-ignored secrets file."""

from __future__ import annotations

import os
import secrets
import subprocess
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
DEFAULT_DB = DEFAULT_INSTANCE / "actionplan.duckdb"
DEFAULT_SECRETS = DEFAULT_INSTANCE / "secrets.toml"

# Keys that ship in documentation or libraries; anyone can forge a login cookie with them.
KNOWN_DEFAULT_KEYS = {"", "some_key", "changeme", "change-me", "secret", "key", "abcdef"}
MIN_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The installation is misconfigured; the message says how to fix it."""


class Settings(BaseModel):
    """Typed settings of one installation."""

    db_path: Path | str = DEFAULT_DB  # a DuckDB file, or a postgresql:// URL (a str)
    secrets_path: Path = DEFAULT_SECRETS
    cookie_key: str = Field(repr=False)
    cookie_name: str = "actionplan_session"
    cookie_expiry_days: float = 7.0
    demo_mode: bool = False
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    login_sleep_time: float = 0.0
    # The dashboard's address as users reach it (behind a proxy); else taken from the browser.
    public_url: str | None = None
    # Mail: smtp://user:password@host:587?starttls=true (None: messages stay in the outbox).
    smtp_url: str | None = Field(default=None, repr=False)
    mail_from: str | None = None
    reminder_days: int = 2


def _read_secrets(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from exc


def _is_tracked_by_git(path: Path) -> bool:
    """Return True when git tracks the file (a committed secret is no secret)."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(path)],
            cwd=path.parent,
            capture_output=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def check_cookie_key(key: str, *, source: str) -> None:
    """Refuse a missing, default or short cookie key."""
    if key.strip().lower() in KNOWN_DEFAULT_KEYS:
        raise ConfigError(
            f"The cookie key from {source} is a known default; anyone could forge a login. "
            "Run `make secrets` (or `python -m core gen-secrets`) to generate one."
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(
            f"The cookie key from {source} is shorter than {MIN_KEY_LENGTH} characters. "
            "Run `python -m core gen-secrets` to generate a strong one."
        )


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def secrets_file(env: dict[str, str] | None = None) -> Path:
    """The secrets file every entry point reads: $ACTIONPLAN_SECRETS or instance/secrets.toml."""
    env = os.environ if env is None else env
    return Path(env.get("ACTIONPLAN_SECRETS", DEFAULT_SECRETS))


def database_path(env: dict[str, str] | None = None, *, override: str | None = None) -> Path | str:
    """The database every entry point uses: --db, $ACTIONPLAN_DB, `db_path` in the secrets file,
    or instance/actionplan.duckdb, in that order (the dashboard and the command line agree).
    A DuckDB file comes back as a Path, a PostgreSQL URL as the string."""
    env = os.environ if env is None else env
    file_values = _read_secrets(secrets_file(env))
    value = str(override or env.get("ACTIONPLAN_DB") or file_values.get("db_path") or DEFAULT_DB)
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return value  # a URL stays as typed: a Path would fold its "//"
    return Path(value)


def load_settings(env: dict[str, str] | None = None, *, db_path: str | None = None) -> Settings:
    """Build the settings from the environment and the secrets file; refuse unsafe keys."""
    env = dict(os.environ if env is None else env)
    secrets_path = secrets_file(env)
    file_values = _read_secrets(secrets_path)
    key = env.get("ACTIONPLAN_COOKIE_KEY")
    source = "ACTIONPLAN_COOKIE_KEY"
    if key is None:
        key = file_values.get("cookie_key")
        source = str(secrets_path)
        if key is None:
            raise ConfigError(
                f"No cookie key: set ACTIONPLAN_COOKIE_KEY or create {secrets_path} "
                "with `python -m core gen-secrets`."
            )
        if _is_tracked_by_git(secrets_path):
            raise ConfigError(
                f"{secrets_path} is tracked by git, so its cookie key is not secret. "
                "Remove it from git and generate a new key."
            )
    check_cookie_key(str(key), source=source)
    demo = env.get("ACTIONPLAN_DEMO", file_values.get("demo_mode", False))
    return Settings(
        db_path=database_path(env, override=db_path),
        secrets_path=secrets_path,
        cookie_key=str(key),
        demo_mode=_truthy(demo),
        login_sleep_time=float(env.get("ACTIONPLAN_LOGIN_SLEEP", 0.0)),
        public_url=env.get("ACTIONPLAN_PUBLIC_URL", file_values.get("public_url")) or None,
        **mail_settings(env),
    )


def mail_settings(env: dict[str, str] | None = None) -> dict:
    """The mail server, sender address and reminder lead time, from the environment
    (ACTIONPLAN_SMTP_URL, ACTIONPLAN_MAIL_FROM, ACTIONPLAN_REMINDER_DAYS) or the secrets file
    (smtp_url, mail_from, reminder_days); no cookie key needed (the command line sends too)."""
    env = os.environ if env is None else env
    file_values = _read_secrets(secrets_file(env))
    days = env.get("ACTIONPLAN_REMINDER_DAYS", file_values.get("reminder_days", 2))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ConfigError(
            f"ACTIONPLAN_REMINDER_DAYS / reminder_days: {days!r} is not a whole number of days."
        ) from None
    return {
        "smtp_url": env.get("ACTIONPLAN_SMTP_URL", file_values.get("smtp_url")) or None,
        "mail_from": env.get("ACTIONPLAN_MAIL_FROM", file_values.get("mail_from")) or None,
        "reminder_days": days,
    }


def generate_secrets_file(path: Path = DEFAULT_SECRETS, *, demo_mode: bool = True) -> bool:
    """Write a secrets file with a fresh random cookie key unless one exists; return True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated for this installation. Never commit this file.\n"
        f'cookie_key = "{secrets.token_urlsafe(48)}"\n'
        f"demo_mode = {'true' if demo_mode else 'false'}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return True

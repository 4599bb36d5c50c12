"""The administrators' command line: create, seed, back up and restore the database, add users."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from core import backup as backup_mod
from core import demo
from core.auth import UserIn, create_user
from core.config import (
    DEFAULT_DB,
    ConfigError,
    database_path,
    generate_secrets_file,
    load_settings,
    secrets_file,
)
from core.db import DatabaseError, DatabaseLocked, describe_fault
from core.permissions import SYSTEM
from core.store import display_target, open_store


def _db_path(args: argparse.Namespace) -> Path | str:
    """The database of every command: a DuckDB file path or a PostgreSQL URL."""
    return database_path(override=args.db)


def cmd_init(args: argparse.Namespace) -> int:
    """Create or migrate the database."""
    con = open_store(_db_path(args))
    con.close()
    print(f"Database ready: {display_target(_db_path(args))}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Load the demo data (refuses a database that already holds data unless --if-empty)."""
    if args.if_empty:
        try:
            demo_mode = load_settings().demo_mode
        except ConfigError:
            demo_mode = False
        if not demo_mode:
            print("Demo mode is off: demo data not loaded.")
            return 0
    con = open_store(_db_path(args))
    try:
        if not demo.is_empty(con):
            if args.if_empty:
                print("Database already holds data: demo data not loaded.")
                return 0
            print(
                "The database already holds data; demo data goes only into an empty one.",
                file=sys.stderr,
            )
            return 1
        demo.seed_demo(con)
    finally:
        con.close()
    print("Demo data loaded. Demo logins work only with demo mode on (see README).")
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    """Create a user; the password is asked for, never taken from the command line."""
    try:
        user_in = UserIn(
            username=args.username,
            name=args.name,
            email=args.email,
            role=args.role,
            agency_id=args.agency,
            workstream_id=args.workstream,
        )
    except ValidationError as exc:
        for err in exc.errors():
            print(
                f"{'.'.join(str(p) for p in err['loc']) or 'user'}: {err['msg']}", file=sys.stderr
            )
        return 2
    password = os.environ.get("ACTIONPLAN_NEW_PASSWORD") if not sys.stdin.isatty() else None
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return 2
    con = open_store(_db_path(args))
    try:
        create_user(con, actor=SYSTEM, user_in=user_in, password=password)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"User {user_in.username} created with role {user_in.role}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database into one backup file."""
    con = open_store(_db_path(args))
    try:
        counts = backup_mod.backup(con, args.file, actor=SYSTEM)
    finally:
        con.close()
    print(f"Backup written to {args.file} ({sum(counts.values())} rows in {len(counts)} tables).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup file, after checking it; the current one is kept."""
    result = backup_mod.restore(_db_path(args), args.file, actor=SYSTEM)
    print(
        f"Restored {_db_path(args)} from {args.file}: {result.report.summary()}.\n"
        f"The database it replaced is kept at {result.kept_copy}."
    )
    return 0


def cmd_gen_secrets(args: argparse.Namespace) -> int:
    """Write a secrets file with a new random cookie key, unless one exists."""
    path = Path(args.path) if args.path else secrets_file()
    if generate_secrets_file(path, demo_mode=not args.no_demo):
        print(f"Wrote {path} with a new cookie key (demo mode {'off' if args.no_demo else 'on'}).")
    else:
        print(f"{path} exists; left unchanged.")
    return 0


def cmd_import_ics(args: argparse.Namespace) -> int:
    """Import an .ics file all-or-nothing, matching events by UID (run as the system)."""
    from core.ics import ImportRefused, import_ics

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}.", file=sys.stderr)
        return 2
    con = open_store(_db_path(args))
    try:
        result = import_ics(con, actor=SYSTEM, data=data, default_tz=args.tz, source=args.file)
    except ImportRefused as exc:
        print(f"{args.file} was not imported; the database is unchanged. {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"Imported {args.file}: {result.summary()}.")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def cmd_export_ics(args: argparse.Namespace) -> int:
    """Write the whole calendar as an .ics file (join details only with --with-join-details)."""
    from core.ics import export_ics

    con = open_store(_db_path(args))
    try:
        data = export_ics(con, user=SYSTEM, include_join_details=args.with_join_details)
    finally:
        con.close()
    Path(args.out).write_bytes(data)
    print(f"Wrote {args.out} ({data.count(b'BEGIN:VEVENT')} events).")
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    """Write the planning brief (PDF, one or two pages) for a day, with times in a zone."""
    from datetime import date

    from core.brief import BriefRequest, brief_pdf
    from core.permissions import User
    from core.timezones import UnknownZone, zone

    try:
        day = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print(
            f"error: --date: '{args.date}' is not a date; write it as YYYY-MM-DD.", file=sys.stderr
        )
        return 1
    try:
        zone(args.zone)
    except UnknownZone as exc:
        print(f"error: --zone: {exc}.", file=sys.stderr)
        return 1
    user = (
        User(username="viewer", name="Viewer", email="", role="viewer") if args.viewer else SYSTEM
    )
    con = open_store(_db_path(args))
    try:
        data = brief_pdf(con, BriefRequest(today=day, zone=args.zone, user=user))
    finally:
        con.close()
    Path(args.out).write_bytes(data)
    print(f"Wrote {args.out} (planning brief for {day.isoformat()}, times in {args.zone}).")
    return 0


def cmd_copy_to(args: argparse.Namespace) -> int:
    """Copy every row into another, empty database (DuckDB file or PostgreSQL URL), verified."""
    from core.store.copy import copy_database

    source = open_store(_db_path(args))
    try:
        target = open_store(args.target)
        try:
            report = copy_database(
                source, target, progress=lambda table, n: print(f"  {table}: {n} rows")
            )
        finally:
            target.close()
    finally:
        source.close()
    print(
        f"Copied {display_target(_db_path(args))} to {display_target(args.target)}: "
        f"{report.summary()} (row counts and a checksum per table match)."
    )
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    """Queue an event's invitation (with its .ics) to its invitees; prints how many, by role."""
    from core import outbox
    from core.events import get_event_id_by_uid

    con = open_store(_db_path(args))
    try:
        event_id = get_event_id_by_uid(con, args.event_uid)
        if event_id is None:
            print(f"error: no event has the UID {args.event_uid}.", file=sys.stderr)
            return 1
        try:
            result = outbox.queue_invitation(con, actor=SYSTEM, event_id=event_id)
        except outbox.OutboxRefused as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    finally:
        con.close()
    print(result.summary())
    return 0


def cmd_outbox_send(args: argparse.Namespace) -> int:
    """Queue due reminders, then deliver the queued messages; exits 1 when any failed."""
    from core import outbox
    from core.config import mail_settings

    mail = mail_settings()
    con = open_store(_db_path(args))
    try:
        if mail["reminder_days"]:
            outbox.queue_due_reminders(con, days=mail["reminder_days"])
        try:
            report = outbox.deliver(
                con,
                smtp_url=mail["smtp_url"],
                mail_from=mail["mail_from"],
                public_url=os.environ.get("ACTIONPLAN_PUBLIC_URL"),
            )
        except outbox.MailNotConfigured as exc:
            queued = outbox.outbox_counts(con).get("queued", 0)
            print(f"error: {exc} ({queued} queued)", file=sys.stderr)
            return 1
    finally:
        con.close()
    print(report.summary())
    for line in report.errors:
        print(f"  failed: {line}", file=sys.stderr)
    return 1 if report.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    parser.add_argument(
        "--db",
        help="database: a DuckDB file or a postgresql://user:password@host:port/dbname URL "
        f"(default: $ACTIONPLAN_DB, db_path in the secrets file, or {DEFAULT_DB})",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help=cmd_init.__doc__).set_defaults(run=cmd_init)
    p = sub.add_parser("seed-demo", help=cmd_seed_demo.__doc__)
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when data exists or demo mode is off (used by `make run`)",
    )
    p.set_defaults(run=cmd_seed_demo)
    p = sub.add_parser("add-user", help=cmd_add_user.__doc__)
    p.add_argument("username")
    p.add_argument("--name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument(
        "--role",
        required=True,
        choices=["admin", "secretariat", "ec_member", "workstream_lead", "viewer"],
    )
    p.add_argument("--agency", help="agency id, for ec_member")
    p.add_argument("--workstream", help="workstream id, for workstream_lead")
    p.set_defaults(run=cmd_add_user)
    p = sub.add_parser("backup", help=cmd_backup.__doc__)
    p.add_argument("file")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help=cmd_restore.__doc__)
    p.add_argument("file")
    p.set_defaults(run=cmd_restore)
    p = sub.add_parser("import-ics", help=cmd_import_ics.__doc__)
    p.add_argument("file")
    p.add_argument("--tz", default="UTC", help="zone of times written without one (default UTC)")
    p.set_defaults(run=cmd_import_ics)
    p = sub.add_parser("export-ics", help=cmd_export_ics.__doc__)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--with-join-details",
        action="store_true",
        help="include meeting links and passwords (only for files kept among staff)",
    )
    p.set_defaults(run=cmd_export_ics)
    p = sub.add_parser("brief", help=cmd_brief.__doc__)
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument("--date", help="the day the brief describes, YYYY-MM-DD (default: today)")
    p.add_argument("--zone", default="Europe/Zurich", help="IANA zone of the times shown")
    p.add_argument("--viewer", action="store_true", help="only what a viewer may see")
    p.set_defaults(run=cmd_brief)
    p = sub.add_parser("copy-to", help=cmd_copy_to.__doc__)
    p.add_argument("target", help="an empty database: a DuckDB file or a postgresql:// URL")
    p.set_defaults(run=cmd_copy_to)
    p = sub.add_parser("invite", help=cmd_invite.__doc__)
    p.add_argument("event_uid", metavar="EVENT_UID")
    p.set_defaults(run=cmd_invite)
    p = sub.add_parser("outbox", help="the outbox of messages: `outbox send` delivers them")
    p.add_argument("action", choices=["send"], help=cmd_outbox_send.__doc__)
    p.set_defaults(run=cmd_outbox_send)
    p = sub.add_parser("gen-secrets", help=cmd_gen_secrets.__doc__)
    p.add_argument(
        "--path", default=None, help="default: $ACTIONPLAN_SECRETS or instance/secrets.toml"
    )
    p.add_argument("--no-demo", action="store_true", help="write demo_mode = false")
    p.set_defaults(run=cmd_gen_secrets)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the command, and turn known failures into one clear message."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (DatabaseLocked, DatabaseError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A storage fault (full disk, read-only folder, damaged or missing file) gets one
        # paragraph, not a traceback; every write is one transaction, so nothing is half-written.
        message = describe_fault(exc)
        if message is None:
            raise
        print(
            f"error: {message}\n(The engine said: {str(exc).strip().splitlines()[0][:300]})",
            file=sys.stderr,
        )
        return 1

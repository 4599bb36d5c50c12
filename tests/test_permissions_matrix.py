"""Call every write in core as every demo role: refusals for roles that may not, success otherwise.

The table `WRITES` is shared with test_audit_coverage.py. `test_every_write_is_in_the_matrix`
fails when a new write function appears in core without a row here (or a reasoned allow-list
entry), so no write can skip the permission matrix.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import core
from core import (
    attendance,
    auth,
    backup,
    bookings,
    champions,
    engagement,
    events,
    feeds,
    ics,
    meetings,
    permissions,
    pipeline,
    pipeline_consult,
    pipeline_io,
    registration,
    slotfinder,
)
from core.db import open_database
from core.permissions import SYSTEM, PermissionDenied, User
from tests.crash_helpers import db_snapshot

USERNAMES = ("admin", "secretariat", "ec_undp", "lead_cwg22", "viewer")
ALL = frozenset(USERNAMES)
ADMIN = frozenset({"admin"})
STAFF = frozenset({"admin", "secretariat"})
LEAD_OWN = STAFF | {"lead_cwg22"}
EC_OWN = STAFF | {"ec_undp"}
OWN_WS, OTHER_WS = "CWG-2.2", "CWG-2.1"  # lead_cwg22 leads CWG-2.2
OWN_AGENCY, OTHER_AGENCY = "UNDP", "UNHCR"  # ec_undp belongs to UNDP
START = datetime(2030, 3, 4, 12, 0)


@dataclass(frozen=True)
class Write:
    """One row of the matrix: a core write, in one ownership variant, and who may call it."""

    target: str  # "module.function" inside core
    allowed: frozenset[str]
    call: Callable  # (con, actor, ctx) -> None
    setup: Callable = lambda con, actor: {}  # (con, actor) -> ctx, run as the system
    variant: str = ""
    refusal: type[Exception] = PermissionDenied
    entity: str = ""  # the audit_log.entity a success must write
    before: bool = False  # True when the audit entry must hold the data before the change
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.target + (f"[{self.variant}]" if self.variant else "")


def tag() -> str:
    """Return a short unique text for names, e-mails and UIDs."""
    return uuid.uuid4().hex[:10]


# Objects the calls work on, created by the system (admin rights) before each call ---------------


def event_in(ws: str | None, **kw) -> events.EventIn:
    values = dict(
        title=f"Matrix event {tag()}",
        kind="webinar",
        audience="open",
        workstream_id=ws,
        tz="UTC",
        start_local=START,
        end_local=START + timedelta(hours=2),
        open_to_non_champions=True,
    )
    return events.EventIn(**(values | kw))


def new_event(con, ws: str | None = None, **kw) -> int:
    return events.create_event(con, actor=SYSTEM, event_in=event_in(ws, **kw))


def new_product(con, ws: str) -> int:
    product_in = pipeline.ProductIn(
        workstream_id=ws, title_en=f"Matrix product {tag()}", kind="brief"
    )
    return pipeline.create_product(con, actor=SYSTEM, product_in=product_in)


def champion_m49s(con, n: int = 2) -> list[int]:
    rows = con.cursor().execute("SELECT m49 FROM champions ORDER BY m49 LIMIT ?", [n]).fetchall()
    return [r[0] for r in rows]


def champion_iso3(con) -> str:
    return (
        con.cursor()
        .execute("SELECT k.iso3 FROM champions c JOIN countries k USING (m49) ORDER BY m49 LIMIT 1")
        .fetchone()[0]
    )


def new_slot(con) -> int:
    when = datetime(2031, 1, 1, 12, 0) + timedelta(minutes=30 * (uuid.uuid4().int % 50_000))
    slot = bookings.SlotIn(starts_utc=when, minutes=30, tz="UTC", title=f"Matrix slot {tag()}")
    return bookings.offer_slot(con, actor=SYSTEM, slot=slot)


def new_booking(con, ws: str) -> int:
    booking = bookings.BookingIn(
        slot_id=new_slot(con),
        workstream_id=ws,
        purpose="Matrix booking",
        target_m49s=champion_m49s(con, 1),
    )
    return bookings.request_slot(con, actor=SYSTEM, booking=booking).booking_id


def new_confirmed_booking(con, ws: str) -> int:
    booking_id = new_booking(con, ws)
    bookings.decide_booking(con, actor=SYSTEM, booking_id=booking_id, confirm=True)
    return booking_id


def engagement_in(con, ws: str, **kw) -> engagement.EngagementIn:
    values = dict(
        iso3=champion_iso3(con),
        occurred_on=date.today() - timedelta(days=1),
        kind="bilateral",
        workstream_id=ws,
    )
    return engagement.EngagementIn(**(values | kw))


def new_engagement(con, ws: str) -> int:
    return engagement.add_engagement(con, actor=SYSTEM, engagement_in=engagement_in(con, ws))


def new_focal_point(con) -> int:
    focal_in = champions.FocalPointIn(iso3=champion_iso3(con), name=f"Matrix Person {tag()}")
    return champions.add_focal_point(con, actor=SYSTEM, focal_in=focal_in)


def reg_in(event_id: int, agency: str | None) -> registration.RegistrationIn:
    return registration.RegistrationIn(
        event_id=event_id,
        participant_name=f"Matrix person {tag()}",
        email=f"m{tag()}@example.org",
        category="ec_listening",
        agency_id=agency,
    )


def new_registration(con, agency: str, by: User = SYSTEM) -> tuple[int, str]:
    event_id = new_event(con)
    reg = registration.register(con, actor=by, reg=reg_in(event_id, agency))
    return reg.registration_id, reg.email


def past_registration(con, agency: str) -> int:
    """A registration for a meeting that has begun (attendance is refused before the start)."""
    past = datetime(2024, 3, 4, 12, 0)
    event_id = new_event(con, start_local=past, end_local=past + timedelta(hours=2))
    return registration.register(con, actor=SYSTEM, reg=reg_in(event_id, agency)).registration_id


def new_user(con) -> str:
    username = f"m{tag()}"
    user_in = auth.UserIn(
        username=username, name="Matrix user", email=f"{username}@example.org", role="viewer"
    )
    auth.create_user(con, actor=SYSTEM, user_in=user_in, password="matrix-pass-123", rounds=4)
    return username


def user_of(con, username: str) -> User:
    user = auth.get_user(con, username, demo_mode=True)
    assert user is not None
    return user


def new_feed(con, owner: str) -> int:
    token = feeds.create_feed(con, actor=user_of(con, owner), label="Matrix feed")
    return (
        con.cursor()
        .execute(
            "SELECT feed_id FROM calendar_feeds WHERE token_hash = ?", [feeds.hash_token(token)]
        )
        .fetchone()[0]
    )


def ics_file(ws: str | None, uid: str | None = None) -> bytes:
    begin = START + timedelta(days=uuid.uuid4().int % 900)
    uid = uid or f"matrix-{tag()}@example.org"
    ws_line = f"X-ACTIONPLAN-WORKSTREAM:{ws}\r\n" if ws else ""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//matrix//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\n"
        f"DTSTART:{begin:%Y%m%dT%H%M%SZ}\r\nDTEND:{begin + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:Matrix import {tag()}\r\n{ws_line}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def in_tx(con, work):
    return con.write(work, attempts=1)


# The table ---------------------------------------------------------------------------------------


def _event_rows() -> list[Write]:
    rows = []
    for variant, ws, allowed in (
        ("own", OWN_WS, LEAD_OWN),
        ("other", OTHER_WS, STAFF),
    ):
        common = dict(variant=variant, allowed=allowed)
        ev_setup = lambda con, actor, ws=ws: {"event_id": new_event(con, ws), "ws": ws}  # noqa: E731
        rows += [
            Write(
                "events.create_event",
                call=lambda con, a, c, ws=ws: events.create_event(
                    con, actor=a, event_in=event_in(ws)
                ),
                entity="event",
                **common,
            ),
            Write(
                "events.insert_event",
                call=lambda con, a, c, ws=ws: in_tx(
                    con, lambda cur: events.insert_event(cur, actor=a, event_in=event_in(ws))
                ),
                entity="event",
                **common,
            ),
            Write(
                "events.update_event",
                setup=ev_setup,
                call=lambda con, a, c: events.update_event(
                    con, actor=a, event_id=c["event_id"], event_in=event_in(c["ws"])
                ),
                entity="event",
                before=True,
                **common,
            ),
            Write(
                "events.apply_update",
                setup=ev_setup,
                call=lambda con, a, c: in_tx(
                    con,
                    lambda cur: events.apply_update(
                        cur, actor=a, event_id=c["event_id"], event_in=event_in(c["ws"])
                    ),
                ),
                entity="event",
                before=True,
                **common,
            ),
            Write(
                "events.cancel_event",
                setup=ev_setup,
                call=lambda con, a, c: events.cancel_event(con, actor=a, event_id=c["event_id"]),
                entity="event",
                before=True,
                **common,
            ),
            Write(
                "events.skip_occurrence",
                setup=lambda con, actor, ws=ws: {
                    "event_id": new_event(con, ws, rrule="FREQ=WEEKLY;COUNT=4")
                },
                call=lambda con, a, c: events.skip_occurrence(
                    con, actor=a, event_id=c["event_id"], occurrence_utc=START + timedelta(days=7)
                ),
                entity="event",
                before=True,
                **common,
            ),
            Write(
                "events.add_agenda_item",
                setup=ev_setup,
                call=lambda con, a, c: events.add_agenda_item(
                    con,
                    actor=a,
                    event_id=c["event_id"],
                    item_in=events.AgendaItemIn(
                        title="Matrix item",
                        starts_local=START + timedelta(minutes=10),
                        ends_local=START + timedelta(minutes=40),
                    ),
                ),
                entity="agenda_item",
                **common,
            ),
            Write(
                "events.delete_agenda_item",
                setup=lambda con, actor, ws=ws: {
                    "item_id": events.add_agenda_item(
                        con,
                        actor=SYSTEM,
                        event_id=new_event(con, ws),
                        item_in=events.AgendaItemIn(
                            title="Matrix item",
                            starts_local=START,
                            ends_local=START + timedelta(minutes=30),
                        ),
                    )
                },
                call=lambda con, a, c: events.delete_agenda_item(
                    con, actor=a, item_id=c["item_id"]
                ),
                entity="agenda_item",
                before=True,
                **common,
            ),
            Write(
                "events.update_agenda_item",
                setup=lambda con, actor, ws=ws: {
                    "item_id": events.add_agenda_item(
                        con,
                        actor=SYSTEM,
                        event_id=new_event(con, ws),
                        item_in=events.AgendaItemIn(
                            title="Matrix item",
                            starts_local=START,
                            ends_local=START + timedelta(minutes=30),
                        ),
                    )
                },
                call=lambda con, a, c: events.update_agenda_item(
                    con,
                    actor=a,
                    item_id=c["item_id"],
                    item_in=events.AgendaItemIn(
                        title="Matrix item, renamed",
                        starts_local=START + timedelta(minutes=5),
                        ends_local=START + timedelta(minutes=35),
                    ),
                ),
                entity="agenda_item",
                before=True,
                **common,
            ),
            Write(
                "events.set_join_details",
                setup=ev_setup,
                call=lambda con, a, c: events.set_join_details(
                    con,
                    actor=a,
                    event_id=c["event_id"],
                    details=events.JoinDetailsIn(url="https://example.org/join"),
                ),
                entity="event_join_details",
                # Join details are secrets: the log says that they changed, not what they were.
                **common,
            ),
            Write(
                "ics.import_ics",
                call=lambda con, a, c, ws=ws: ics.import_ics(con, actor=a, data=ics_file(ws)),
                refusal=ics.ImportRefused,
                entity="event",
                **common,
            ),
        ]
    other_event = lambda con, actor: {"event_id": new_event(con, OTHER_WS)}  # noqa: E731
    rows += [
        Write(
            "events.create_event",
            variant="network",
            allowed=STAFF,
            call=lambda con, a, c: events.create_event(con, actor=a, event_in=event_in(None)),
            entity="event",
        ),
        Write(
            # A lead moving another workstream's event into their own.
            "events.update_event",
            variant="move-in",
            allowed=STAFF,
            setup=other_event,
            call=lambda con, a, c: events.update_event(
                con, actor=a, event_id=c["event_id"], event_in=event_in(OWN_WS)
            ),
            entity="event",
            before=True,
        ),
        Write(
            # A file that reuses the UID of another workstream's event updates that event.
            "ics.import_ics",
            variant="update-other",
            allowed=STAFF,
            refusal=ics.ImportRefused,
            setup=other_event,
            call=lambda con, a, c: ics.import_ics(
                con,
                actor=a,
                data=ics_file(None, uid=events.get_event(con, c["event_id"]).uid),
            ),
            entity="event",
            before=True,
        ),
        Write(
            # ...and claiming one's own workstream in the file does not make it one's own.
            "ics.import_ics",
            variant="hijack",
            allowed=STAFF,
            refusal=ics.ImportRefused,
            setup=other_event,
            call=lambda con, a, c: ics.import_ics(
                con,
                actor=a,
                data=ics_file(OWN_WS, uid=events.get_event(con, c["event_id"]).uid),
            ),
            entity="event",
            before=True,
        ),
    ]
    return rows


def _product_rows() -> list[Write]:
    rows = []
    for variant, ws, allowed in (("own", OWN_WS, LEAD_OWN), ("other", OTHER_WS, STAFF)):
        common = dict(variant=variant, allowed=allowed)
        pr_setup = lambda con, actor, ws=ws: {"product_id": new_product(con, ws), "ws": ws}  # noqa: E731
        rows += [
            Write(
                "pipeline.create_product",
                call=lambda con, a, c, ws=ws: pipeline.create_product(
                    con,
                    actor=a,
                    product_in=pipeline.ProductIn(
                        workstream_id=ws, title_en="Matrix", kind="brief"
                    ),
                ),
                entity="product",
                **common,
            ),
            Write(
                "pipeline.update_product",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.update_product(
                    con,
                    actor=a,
                    product_id=c["product_id"],
                    product_in=pipeline.ProductIn(
                        workstream_id=c["ws"], title_en=f"Renamed {tag()}", kind="brief"
                    ),
                ),
                entity="product",
                before=True,
                **common,
            ),
            Write(
                "pipeline.move_stage",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.move_stage(
                    con, actor=a, product_id=c["product_id"], to_stage="drafting"
                ),
                entity="product",
                before=True,
                **common,
            ),
            Write(
                "pipeline.set_language_status",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.set_language_status(
                    con, actor=a, product_id=c["product_id"], lang="fr", status="in_translation"
                ),
                entity="product",
                before=True,
                **common,
            ),
            Write(
                "pipeline.bulk_update",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.bulk_update(
                    con,
                    actor=a,
                    changes={
                        c["product_id"]: {"stage": "drafting", "planned_launch": "2031-05-01"}
                    },
                ),
                refusal=pipeline.BulkEditError,
                entity="product",
                before=True,
                **common,
            ),
            Write(
                "pipeline.set_stage_dates",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.set_stage_dates(
                    con,
                    actor=a,
                    product_id=c["product_id"],
                    rows=[
                        pipeline.StageDatesIn(
                            stage="planned",
                            planned_start=date(2030, 1, 1),
                            planned_end=date(2030, 2, 1),
                        )
                    ],
                ),
                entity="product",
                before=True,
                **common,
            ),
            Write(
                "pipeline.add_link",
                setup=pr_setup,
                call=lambda con, a, c: pipeline.add_link(
                    con,
                    actor=a,
                    product_id=c["product_id"],
                    link_in=pipeline.LinkIn(label="Matrix link", url="https://example.org/doc"),
                ),
                entity="product",
                **common,
            ),
            Write(
                "pipeline_io.import_products_csv",
                call=lambda con, a, c, ws=ws: pipeline_io.import_products_csv(
                    con,
                    actor=a,
                    data=f"workstream_id,title_en,kind,stage\n{ws},Matrix {tag()},brief,planned\n".encode(),
                ),
                refusal=pipeline_io.ImportFailed,
                entity="product",
                **common,
            ),
            Write(
                "pipeline_io.import_products_csv",
                variant=f"{variant}-update",
                allowed=allowed,
                setup=pr_setup,
                call=lambda con, a, c: pipeline_io.import_products_csv(
                    con,
                    actor=a,
                    data=(
                        "product_id,workstream_id,title_en,kind,stage\n"
                        f"{c['product_id']},{c['ws']},Retitled {tag()},brief,planned\n"
                    ).encode(),
                ),
                refusal=pipeline_io.ImportFailed,
                entity="product",
                before=True,
            ),
            Write(
                "pipeline_consult.add_consultation",
                setup=pr_setup,
                call=lambda con, a, c: pipeline_consult.add_consultation(
                    con,
                    actor=a,
                    product_id=c["product_id"],
                    consultation_in=pipeline_consult.ConsultationIn(
                        opens_on=date(2030, 1, 1),
                        closes_on=date(2030, 1, 31),
                        m49s=champion_m49s(con),
                    ),
                ),
                entity="consultation",
                **common,
            ),
            Write(
                "pipeline_consult.add_feedback",
                setup=pr_setup,
                call=lambda con, a, c: pipeline_consult.add_feedback(
                    con,
                    actor=a,
                    product_id=c["product_id"],
                    feedback_in=pipeline_consult.FeedbackIn(
                        m49=champion_m49s(con, 1)[0],
                        received_on=date.today(),
                        lang="en",
                        channel="written",
                    ),
                ),
                entity="feedback",
                **common,
            ),
            Write(
                "engagement.add_engagement",
                call=lambda con, a, c, ws=ws: engagement.add_engagement(
                    con,
                    actor=a,
                    engagement_in=engagement.EngagementIn(
                        iso3=champion_iso3(con),
                        occurred_on=date.today() - timedelta(days=1),
                        kind="meeting",
                        workstream_id=ws,
                    ),
                ),
                entity="engagement",
                **common,
            ),
            Write(
                "engagement.update_engagement",
                setup=lambda con, actor, ws=ws: {"engagement_id": new_engagement(con, ws)},
                call=lambda con, a, c, ws=ws: engagement.update_engagement(
                    con,
                    actor=a,
                    engagement_id=c["engagement_id"],
                    engagement_in=engagement_in(con, ws, note=f"Matrix edit {tag()}"),
                ),
                entity="engagement",
                before=True,
                **common,
            ),
            Write(
                "engagement.delete_engagement",
                setup=lambda con, actor, ws=ws: {"engagement_id": new_engagement(con, ws)},
                call=lambda con, a, c: engagement.delete_engagement(
                    con, actor=a, engagement_id=c["engagement_id"]
                ),
                entity="engagement",
                before=True,
                **common,
            ),
            Write(
                "bookings.request_slot",
                setup=lambda con, actor: {"slot_id": new_slot(con)},
                call=lambda con, a, c, ws=ws: bookings.request_slot(
                    con,
                    actor=a,
                    booking=bookings.BookingIn(
                        slot_id=c["slot_id"],
                        workstream_id=ws,
                        purpose="Matrix request",
                        target_m49s=champion_m49s(con, 1),
                    ),
                ),
                entity="booking",
                **common,
            ),
            Write(
                "bookings.withdraw_booking",
                setup=lambda con, actor, ws=ws: {"booking_id": new_booking(con, ws)},
                call=lambda con, a, c: bookings.withdraw_booking(
                    con, actor=a, booking_id=c["booking_id"]
                ),
                entity="booking",
                before=True,
                **common,
            ),
            Write(
                "bookings.withdraw_booking",
                setup=lambda con, actor, ws=ws: {"booking_id": new_confirmed_booking(con, ws)},
                call=lambda con, a, c: bookings.withdraw_booking(
                    con, actor=a, booking_id=c["booking_id"]
                ),
                entity="event",  # the standalone session goes back to tentative, audited
                before=True,
                **(common | {"variant": common["variant"] + "-confirmed"}),
            ),
        ]
    return rows


def _agency_rows() -> list[Write]:
    rows = []
    for variant, agency, allowed in (("own", OWN_AGENCY, EC_OWN), ("other", OTHER_AGENCY, STAFF)):
        common = dict(variant=variant, allowed=allowed)
        rows += [
            Write(
                "registration.register",
                setup=lambda con, actor: {"event_id": new_event(con)},
                call=lambda con, a, c, ag=agency: registration.register(
                    con, actor=a, reg=reg_in(c["event_id"], ag)
                ),
                entity="registration",
                **common,
            ),
            Write(
                "registration.cancel_registration",
                setup=lambda con, actor, ag=agency: {"rid": new_registration(con, ag)[0]},
                call=lambda con, a, c: registration.cancel_registration(
                    con, actor=a, registration_id=c["rid"]
                ),
                entity="registration",
                before=True,
                **common,
            ),
            Write(
                "registration.import_registrations_csv",
                setup=lambda con, actor: {"event_id": new_event(con)},
                call=lambda con, a, c, ag=agency: registration.import_registrations_csv(
                    con,
                    actor=a,
                    event_id=c["event_id"],
                    data=(
                        "name,email,category,agency\n"
                        f"Matrix A,a{tag()}@example.org,ec_listening,{ag}\n"
                        f"Matrix B,b{tag()}@example.org,ec_listening,{ag}\n"
                    ).encode(),
                ),
                refusal=registration.ImportFailed,
                entity="registration",
                **common,
            ),
            Write(
                "meetings.set_office_support",
                setup=lambda con, actor: {"event_id": new_event(con)},
                call=lambda con, a, c, ag=agency: meetings.set_office_support(
                    con,
                    actor=a,
                    support=meetings.OfficeSupportIn(
                        event_id=c["event_id"], agency_id=ag, m49s=champion_m49s(con)
                    ),
                ),
                entity="office_support",
                before=True,
                **common,
            ),
        ]
    return rows


def _attendance_csv_setup(con, actor) -> dict:
    event_id = new_event(con)
    reg = registration.register(con, actor=SYSTEM, reg=reg_in(event_id, OWN_AGENCY))
    data = (
        "Name,Email,Join Time,Leave Time\n"
        f"Matrix,{reg.email},{START + timedelta(minutes=3):%Y-%m-%d %H:%M:%S},"
        f"{START + timedelta(minutes=80):%Y-%m-%d %H:%M:%S}\n"
    ).encode()
    return {"event_id": event_id, "data": data}


def _new_champion_setup(con, actor) -> dict:
    iso3 = (
        con.cursor()
        .execute(
            "SELECT iso3 FROM countries WHERE m49 NOT IN (SELECT m49 FROM champions)"
            " ORDER BY random() LIMIT 1"
        )
        .fetchone()[0]
    )
    return {"iso3": iso3}


def _champion_in(con, notes: str) -> champions.ChampionIn:
    iso3, joined_on, precision, source, tz, status = (
        con.cursor()
        .execute(
            "SELECT k.iso3, c.joined_on, c.joined_precision, c.source, c.capital_tz, c.status"
            " FROM champions c JOIN countries k USING (m49) ORDER BY c.m49 LIMIT 1"
        )
        .fetchone()
    )
    return champions.ChampionIn(
        iso3=iso3,
        joined_on=joined_on,
        joined_precision=precision,
        source=source,
        capital_tz=tz,
        status=status,
        notes=notes,
    )


def _grouping_setup(con, actor) -> dict:
    grouping_id, iso3 = (
        con.cursor()
        .execute(
            "SELECT g.grouping_id, k.iso3 FROM grouping_members m JOIN groupings g USING (grouping_id)"
            " JOIN countries k USING (m49) WHERE g.derived ORDER BY k.iso3 LIMIT 1"
        )
        .fetchone()
    )
    return {"grouping_id": grouping_id, "iso3": iso3}


def _restore(con, actor, ctx) -> None:
    backup.restore(ctx["db_copy"], ctx["backup_file"], actor=actor)


def _restore_bytes(con, actor, ctx) -> None:
    backup.restore_bytes(ctx["db_copy"], ctx["backup_file"].read_bytes(), actor=actor)


def _restore_setup(con, actor) -> dict:
    # One verified backup serves every role; each restore replaces its own copy of a database.
    backup_file = TMP_ROOT / "restore-source.duckdb"
    if not backup_file.exists():
        backup.backup(con, backup_file, actor=SYSTEM)
    db_copy = TMP_ROOT / f"restored-{tag()}.duckdb"
    shutil.copyfile(backup_file, db_copy)
    return {"db_copy": db_copy, "backup_file": backup_file}


TMP_ROOT = None  # set by the module fixture (a pytest temporary folder)
REAL_CAN = permissions.can
ACTIONS_CHECKED: set[str] = set()  # permission actions the matrix's calls asked about
# Actions that guard what a role may see, not a write (the page tests cover them).
VIEW_ACTIONS = {"contacts.view", "join_details.view", "office_support.view_all", "audit.view"}


def _other_rows() -> list[Write]:
    return [
        Write(
            "attendance.mark_attendance",
            allowed=STAFF,
            setup=lambda con, actor: {"rid": past_registration(con, OWN_AGENCY)},
            call=lambda con, a, c: attendance.mark_attendance(
                con, actor=a, registration_id=c["rid"], attended=True
            ),
            entity="registration",
            before=True,
        ),
        Write(
            "attendance.import_attendance_csv",
            allowed=STAFF,
            setup=_attendance_csv_setup,
            call=lambda con, a, c: attendance.import_attendance_csv(
                con, actor=a, event_id=c["event_id"], data=c["data"]
            ),
            entity="registration",
            before=True,
        ),
        Write(
            "registration.confirm_registration",
            allowed=STAFF,
            # Registered by the EC member, so it waits as "requested" for the Secretariat.
            setup=lambda con, actor: {
                "rid": new_registration(con, OWN_AGENCY, by=user_of(con, "ec_undp"))[0]
            },
            call=lambda con, a, c: registration.confirm_registration(
                con, actor=a, registration_id=c["rid"]
            ),
            entity="registration",
            before=True,
        ),
        Write(
            "bookings.offer_slot",
            allowed=STAFF,
            call=lambda con, a, c: bookings.offer_slot(
                con,
                actor=a,
                slot=bookings.SlotIn(
                    starts_utc=datetime(2032, 1, 1, 12) + timedelta(hours=uuid.uuid4().int % 9000),
                    minutes=30,
                    tz="UTC",
                    title="Matrix offer",
                ),
            ),
            entity="slot",
        ),
        Write(
            "bookings.decide_booking",
            allowed=STAFF,
            setup=lambda con, actor: {"booking_id": new_booking(con, OWN_WS)},
            call=lambda con, a, c: bookings.decide_booking(
                con, actor=a, booking_id=c["booking_id"], confirm=True
            ),
            entity="booking",
            before=True,
        ),
        Write(
            "bookings.decide_booking",
            variant="decline-confirmed",
            allowed=STAFF,
            setup=lambda con, actor: {"booking_id": new_confirmed_booking(con, OWN_WS)},
            call=lambda con, a, c: bookings.decide_booking(
                con, actor=a, booking_id=c["booking_id"], confirm=False
            ),
            entity="booking",
            before=True,
        ),
        Write(
            "slotfinder.record_choice",
            allowed=LEAD_OWN,
            call=lambda con, a, c: slotfinder.record_choice(
                con,
                actor=a,
                invitees=slotfinder.list_invitees(con),
                starts_utc=datetime(2030, 5, 6, 3, 0),
                minutes=90,
                label=f"Matrix {tag()}",
            ),
            entity="offhours_history",
        ),
        Write(
            "champions.add_champion",
            allowed=STAFF,
            setup=_new_champion_setup,
            call=lambda con, a, c: champions.add_champion(
                con,
                actor=a,
                champion_in=champions.ChampionIn(
                    iso3=c["iso3"],
                    joined_precision="unknown",
                    source="Matrix test source",
                    capital_tz="UTC",
                ),
            ),
            entity="champion",
        ),
        Write(
            "champions.update_champion",
            allowed=STAFF,
            call=lambda con, a, c: champions.update_champion(
                con, actor=a, champion_in=_champion_in(con, f"Matrix note {tag()}")
            ),
            entity="champion",
            before=True,
        ),
        Write(
            "champions.add_cochair_term",
            allowed=STAFF,
            call=lambda con, a, c: champions.add_cochair_term(
                con,
                actor=a,
                term_in=champions.CochairTermIn(iso3=champion_iso3(con), source="Matrix source"),
            ),
            entity="cochair_term",
        ),
        Write(
            "champions.add_focal_point",
            allowed=STAFF,
            call=lambda con, a, c: champions.add_focal_point(
                con,
                actor=a,
                focal_in=champions.FocalPointIn(iso3=champion_iso3(con), name="Matrix Person"),
            ),
            entity="focal_point",
        ),
        Write(
            "champions.update_focal_point",
            allowed=STAFF,
            setup=lambda con, actor: {"focal_id": new_focal_point(con)},
            call=lambda con, a, c: champions.update_focal_point(
                con,
                actor=a,
                focal_id=c["focal_id"],
                focal_in=champions.FocalPointIn(iso3=champion_iso3(con), name="Matrix Renamed"),
            ),
            entity="focal_point",
            before=True,
        ),
        Write(
            "champions.delete_focal_point",
            allowed=STAFF,
            setup=lambda con, actor: {"focal_id": new_focal_point(con)},
            call=lambda con, a, c: champions.delete_focal_point(
                con, actor=a, focal_id=c["focal_id"]
            ),
            entity="focal_point",
            before=True,
        ),
        Write(
            "champions.end_cochair_term",
            allowed=STAFF,
            setup=lambda con, actor: {
                "term_id": champions.add_cochair_term(
                    con,
                    actor=SYSTEM,
                    term_in=champions.CochairTermIn(
                        iso3=champion_iso3(con), starts_on=date(2030, 1, 1), source="Matrix source"
                    ),
                )
            },
            call=lambda con, a, c: champions.end_cochair_term(
                con, actor=a, term_id=c["term_id"], ends_on=date(2030, 12, 31)
            ),
            entity="cochair_term",
            before=True,
        ),
        Write(
            "champions.set_grouping_member",
            allowed=ADMIN,
            setup=_grouping_setup,
            call=lambda con, a, c: champions.set_grouping_member(
                con,
                actor=a,
                member_in=champions.GroupingMemberIn(
                    grouping_id=c["grouping_id"], iso3=c["iso3"], group_name=f"Matrix {tag()}"
                ),
            ),
            entity="grouping_member",
            before=True,
        ),
        Write(
            "engagement.set_consultation_cap",
            allowed=STAFF,
            setup=lambda con, actor: {
                "old": engagement.set_consultation_cap(con, actor=SYSTEM, cap=3)
            },
            call=lambda con, a, c: engagement.set_consultation_cap(con, actor=a, cap=4),
            entity="app_settings",
            before=True,
        ),
        Write(
            "feeds.create_feed",
            allowed=ALL,
            call=lambda con, a, c: feeds.create_feed(con, actor=a, label="Matrix"),
            entity="calendar_feed",
        ),
        Write(
            "feeds.revoke_feed",
            variant="own",
            allowed=ALL,
            setup=lambda con, actor: {"feed_id": new_feed(con, actor.username)},
            call=lambda con, a, c: feeds.revoke_feed(con, actor=a, feed_id=c["feed_id"]),
            entity="calendar_feed",
            before=True,
        ),
        Write(
            "feeds.revoke_feed",
            variant="other",
            allowed=ADMIN,
            # Another person's feed is reported as not found, so its existence does not leak.
            refusal=LookupError,
            setup=lambda con, actor: {
                "feed_id": new_feed(con, "viewer" if actor.username != "viewer" else "secretariat")
            },
            call=lambda con, a, c: feeds.revoke_feed(con, actor=a, feed_id=c["feed_id"]),
            entity="calendar_feed",
            before=True,
        ),
        Write(
            "auth.create_user",
            allowed=ADMIN,
            call=lambda con, a, c: auth.create_user(
                con,
                actor=a,
                user_in=auth.UserIn(
                    username=f"n{tag()}", name="New", email="new@example.org", role="viewer"
                ),
                password="matrix-pass-123",
                rounds=4,
            ),
            entity="user",
        ),
        Write(
            "auth.set_user_active",
            allowed=ADMIN,
            setup=lambda con, actor: {"username": new_user(con)},
            call=lambda con, a, c: auth.set_user_active(
                con, actor=a, username=c["username"], active=False
            ),
            entity="user",
            before=True,
        ),
        Write(
            "auth.set_password",
            allowed=ADMIN,
            setup=lambda con, actor: {"username": new_user(con)},
            call=lambda con, a, c: auth.set_password(
                con, actor=a, username=c["username"], password="another-pass-456", rounds=4
            ),
            entity="user",
            # Password hashes never go into the log: no before/after on purpose.
            extra={"no_data": True},
        ),
        Write(
            "auth.unlock_account",
            allowed=ADMIN,
            setup=lambda con, actor: {"username": new_user(con)},
            call=lambda con, a, c: auth.unlock_account(con, actor=a, username=c["username"]),
            entity="user",
        ),
        Write(
            "backup.backup",
            allowed=ADMIN,
            call=lambda con, a, c: backup.backup(con, TMP_ROOT / f"backup-{tag()}.duckdb", actor=a),
            entity="database",
            extra={"no_data": True},
        ),
        Write(
            "backup.restore",
            allowed=ADMIN,
            setup=_restore_setup,
            call=_restore,
            entity="database",
            extra={"audit_db": "db_copy", "no_data": True},
        ),
        Write(
            "backup.backup_bytes",
            allowed=ADMIN,
            call=lambda con, a, c: backup.backup_bytes(con, actor=a),
            entity="database",
            extra={"no_data": True},
        ),
        Write(
            "backup.restore_bytes",
            allowed=ADMIN,
            setup=_restore_setup,
            call=_restore_bytes,
            entity="database",
            extra={"audit_db": "db_copy", "no_data": True},
        ),
    ]


def _objective_rows() -> list[Write]:
    """Tagging with GCM objectives: the edit right on the tagged row's workstream."""
    from core import objectives

    rows = []
    for variant, ws, allowed in (("own", OWN_WS, LEAD_OWN), ("other", OTHER_WS, STAFF)):
        common = dict(allowed=allowed, entity="", extra={})
        rows += [
            Write(
                "objectives.set_objectives",
                variant=f"product-{variant}",
                setup=lambda con, actor, ws=ws: {"product_id": new_product(con, ws)},
                call=lambda con, a, c: objectives.set_objectives(
                    con, actor=a, kind="product", row_id=c["product_id"], objectives=[5, 23]
                ),
                **(common | {"entity": "product"}),
            ),
            Write(
                "objectives.set_objectives",
                variant=f"event-{variant}",
                setup=lambda con, actor, ws=ws: {"event_id": new_event(con, ws)},
                call=lambda con, a, c: objectives.set_objectives(
                    con, actor=a, kind="event", row_id=c["event_id"], objectives=[8]
                ),
                **(common | {"entity": "event"}),
            ),
        ]
    return rows


WRITES: list[Write] = (
    _event_rows() + _product_rows() + _agency_rows() + _other_rows() + _objective_rows()
)

# Public core functions whose names look like writes (or that take an actor) but are not a
# user's write through the dashboard, with the reason.
NOT_USER_WRITES = {
    "inbox.confirm_registrations": "bulk wrapper: registration.confirm_registration per id (its "
    "row here checks registration.manage); each refusal is collected and said, see test_inbox.py",
    "inbox.decline_registrations": "bulk wrapper: registration.cancel_registration per id (its "
    "row here checks registration.cancel); each refusal is collected and said, see test_inbox.py",
    "inbox.decide_bookings": "bulk wrapper: checks booking.decide first, then "
    "bookings.decide_booking per id (its row here); see test_inbox.py",
    "audit.record": "writes the audit entry itself, inside the caller's checked transaction",
    "audit.record_many": "writes a bulk import's audit entries inside its checked transaction",
    "audit.entry": "pure function: builds an audit entry, writes nothing",
    "events.move_workstream": "a step of apply_update and the .ics import, which check both workstreams",
    "audit.list_audit": "read (audit.view checked)",
    "auth.list_lockouts": "read (user.manage checked; tested in test_auth.py)",
    "auth.logout": "ends the caller's own sessions; no actor to check",
    "mail.build_mime": "pure function: builds a message, writes nothing",
    "mail.write_message": "pure function: writes the text and HTML of a message, not the database",
    "outbox.queue_registration_message": "a step inside the checked registration write's transaction",
    "outbox.queue_event_change": "a step inside the checked event write's transaction",
    "outbox.queue_booking_decision": "a step inside the checked booking decision's transaction",
    "outbox.queue_invitation": "registration.manage required; refusal tested in tests/test_mail.py (not yet a matrix row)",
    "outbox.retry_message": "admin only; refusal and audit tested in tests/test_mail.py (not yet a matrix row)",
    "outbox.cancel_message": "admin only; refusal and audit tested in tests/test_mail.py (not yet a matrix row)",
    "outbox.set_mail_preference": "the actor's own language and reminders: it takes no username",
    "timezones.save_viewer_zone": "the actor's own display zone: it takes no username, so nobody sets another's",
    "db.transaction": "the transaction helper every write uses",
    "bookings.backfill_booking_keys": "demo seeding helper on a transaction cursor",
    "config.generate_secrets_file": "operator command line, writes a file, not the database",
    "config.load_settings": "reads settings",
    "db.migrate": "schema migrations at start-up",
    "store.migrate_store": "schema migrations at start-up (both engines)",
    "demo.seed_demo": "demo seeding into an empty database (operator)",
    "demo_champions.seed_champions_demo": "demo seeding",
    "demo_meetings.seed_meetings_demo": "demo seeding",
    "demo_pipeline.seed_pipeline_demo": "demo seeding",
    "demo_objectives.seed_objectives_demo": "demo seeding",
    "objectives.import_event_objectives": "the .ics import's step inside its checked transaction"
    " (event.edit checked per event; row ics.import_ics)",
    "objectives.import_product_objectives": "the CSV import's step inside its checked"
    " transaction (product.edit checked per row; row pipeline_io.import_products_csv)",
    "engagement.sync_derived_engagements": "derived rows, called inside checked writes",
    "ics.preview_import": "read: says what an import would do, writes nothing",
    "pipeline_consult.load_warnings": "read: request-cap warnings",
    "pipeline.insert_product": "create_product's and the import's step inside their checked"
    " transaction (product.edit checked; rows pipeline.create_product, pipeline_io.import_products_csv)",
    "pipeline.change_product": "update_product's and the import's step inside their checked"
    " transaction (product.edit checked; rows pipeline.update_product, pipeline_io.import_products_csv)",
    "recurrence.build_rrule": "pure function (text of a rule)",
    "reference.load_reference": "reference data at seeding",
    "synthetic.build_synthetic": "benchmark data into a scratch database",
}
WRITE_VERBS = (
    "add",
    "apply",
    "approve",
    "assign",
    "attach",
    "backfill",
    "backup",
    "build",
    "bulk",
    "cancel",
    "change",
    "clear",
    "confirm",
    "create",
    "decide",
    "decline",
    "delete",
    "disable",
    "drop",
    "edit",
    "enable",
    "generate",
    "import",
    "insert",
    "link",
    "load",
    "logout",
    "mark",
    "migrate",
    "move",
    "offer",
    "promote",
    "purge",
    "record",
    "register",
    "remove",
    "rename",
    "replace",
    "request",
    "reset",
    "restore",
    "revoke",
    "save",
    "seed",
    "set",
    "skip",
    "submit",
    "sync",
    "unlink",
    "update",
    "upsert",
    "withdraw",
    "write",
)


WRITE_SQL = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|transaction\()", re.I)


def core_write_functions() -> set[str]:
    """Return "module.function" of core's public functions that look like writes.

    Named with a write verb, taking an actor, or holding write SQL or a transaction.
    """
    found = set()
    for info in pkgutil.iter_modules(core.__path__):
        if info.name in ("cli", "__main__"):
            continue  # the command line calls the core functions listed here
        module = importlib.import_module(f"core.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            verb = name.split("_")[0]
            if (
                verb in WRITE_VERBS
                or "actor" in inspect.signature(fn).parameters
                or WRITE_SQL.search(inspect.getsource(fn))
            ):
                found.add(f"{info.name}.{name}")
    return found


@pytest.fixture(scope="module")
def matrix_con(demo_template):
    """One copy of the demo database for the whole matrix (each row creates its own objects).

    It lives in memory-backed /dev/shm where there is one: hundreds of small commits would
    otherwise spend their time waiting for the disk.
    """
    global TMP_ROOT
    shm = Path("/dev/shm")
    TMP_ROOT = Path(tempfile.mkdtemp(prefix="matrix-", dir=shm if shm.is_dir() else None))
    path = TMP_ROOT / "matrix.duckdb"
    shutil.copyfile(demo_template, path)
    con = open_database(path)
    real_can = REAL_CAN

    def recording_can(user, action, **scope):
        ACTIONS_CHECKED.add(action)
        return real_can(user, action, **scope)

    # `require` looks `can` up in its module on every call, so this sees every checked action.
    permissions.can = recording_can
    try:
        yield con
    finally:
        permissions.can = real_can
        con.close()
        shutil.rmtree(TMP_ROOT, ignore_errors=True)


def _cases() -> list:
    return [
        pytest.param(row, username, id=f"{row.id}-{username}")
        for row in WRITES
        for username in USERNAMES
    ]


def refusal_text(exc: BaseException) -> str:
    """Return the whole refusal: the message and any listed problems."""
    parts = [str(exc)]
    for attr in ("errors", "problems"):
        value = getattr(exc, attr, None)
        if isinstance(value, list):
            parts += [str(v) for v in value]
    return " ".join(parts)


@pytest.mark.parametrize(("row", "username"), _cases())
def test_write_as_role(matrix_con, row: Write, username: str):
    con = matrix_con
    actor = user_of(con, username)
    ctx = row.setup(con, actor)
    if username in row.allowed:
        row.call(con, actor, ctx)
        return
    before = db_snapshot(con)
    with pytest.raises(row.refusal) as caught:
        row.call(con, actor, ctx)
    text = refusal_text(caught.value)
    assert text.strip(), f"{row.id}: the refusal says nothing"
    if row.refusal is not LookupError:
        assert "may not" in text, f"{row.id}: the refusal does not name the rule: {text}"
    assert db_snapshot(con) == before, f"{row.id} as {username}: a refused write changed data"


def test_every_write_is_in_the_matrix():
    covered = {row.target for row in WRITES}
    missing = sorted(core_write_functions() - covered - set(NOT_USER_WRITES))
    assert not missing, (
        "Core write functions missing from the permission matrix (add a row to WRITES in "
        f"tests/test_permissions_matrix.py, or a reasoned entry in NOT_USER_WRITES): {missing}"
    )
    stale = sorted(set(NOT_USER_WRITES) - core_write_functions())
    assert not stale, f"Allow-list entries that no longer exist: {stale}"


def test_every_role_is_refused_somewhere_and_allowed_somewhere():
    for username in USERNAMES:
        assert any(username in row.allowed for row in WRITES), username
        if username != "admin":
            assert any(username not in row.allowed for row in WRITES), username


def test_every_write_action_was_checked():
    """Each action of the `can` rules (except the view-only ones) guards a call in the matrix."""
    if not ACTIONS_CHECKED:
        pytest.skip("runs after the matrix in the same session")
    rules = set(re.findall(r'^\s+"([a-z_]+(?:\.[a-z_]+)?)":', inspect.getsource(REAL_CAN), re.M))
    assert "event.edit" in rules and "backup" in rules  # the pattern still reads the rules
    unchecked = sorted(rules - VIEW_ACTIONS - ACTIONS_CHECKED)
    assert not unchecked, f"Permission actions no write in the matrix checks: {unchecked}"

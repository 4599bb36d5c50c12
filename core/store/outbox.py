"""The outbox family: outbox and mail_preferences (the only writer of both).

Messages are queued inside the transaction of the change that causes them (`insert_message`
takes that transaction's connection); the unique key (kind, event, reference, recipient,
SEQUENCE, occasion) refuses a second copy. The sender claims a row with an UPDATE guarded by
`status = 'queued'` in its own transaction, so two threads or two replicas never both send it.
Reads of registrations, focal points, users and events needed to address messages live here too
(read only).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db

LANGS = ("en", "fr", "es")


class MessageIn(BaseModel):
    """A message to queue: who gets what about which event, in which language."""

    kind: str
    event_id: int = 0
    ref_id: int = 0
    recipient: str
    recipient_name: str | None = None
    recipient_role: str | None = None
    recipient_tz: str | None = None
    lang: str = "en"
    sequence: int = 0
    occasion: str = ""
    created_by: str
    created_at_utc: datetime


class Message(MessageIn):
    """A queued (or sent, failed, cancelled) message."""

    message_id: int
    status: str
    attempts: int
    next_attempt_utc: datetime
    claimed_by: str | None
    claimed_at_utc: datetime | None
    last_error: str | None
    subject: str | None
    sent_at_utc: datetime | None


class Person(BaseModel):
    """Someone a message can go to, with what the templates need about them."""

    email: str
    name: str | None = None
    role: str | None = None  # "focal_point", "ec_member", "workstream_lead", "participant"
    tz: str | None = None  # the zone they live in, when known (a Champion's capital)
    lang: str = "en"
    reminders: bool = True
    registration_id: int = 0
    category: str | None = None
    status: str | None = None


_KEY = ("kind", "event_id", "ref_id", "recipient", "sequence", "occasion")
_COLUMNS = (
    "message_id, kind, event_id, ref_id, recipient, recipient_name, recipient_role, recipient_tz,"
    " lang, sequence, occasion, status, attempts, next_attempt_utc, claimed_by, claimed_at_utc,"
    " last_error, subject, created_at_utc, created_by, sent_at_utc"
)


# Queueing (inside the caller's transaction) ------------------------------------------------


def insert_message(conn: sa.Connection, *, message: MessageIn) -> bool:
    """Queue one message; return False (and change nothing) when the same one is already there."""
    values = message.model_dump()
    exists = conn.execute(
        sa.text(
            "SELECT count(*) FROM outbox WHERE kind = :kind AND event_id = :event_id"
            " AND ref_id = :ref_id AND recipient = :recipient AND sequence = :sequence"
            " AND occasion = :occasion"
        ),
        {k: values[k] for k in _KEY},
    ).scalar()
    if exists:
        return False
    # The key is the guard: a simultaneous copy collides here (or at commit) and is rolled back.
    conn.execute(
        sa.text(
            "INSERT INTO outbox (kind, event_id, ref_id, recipient, recipient_name,"
            " recipient_role, recipient_tz, lang, sequence, occasion, status, attempts,"
            " next_attempt_utc, created_at_utc, created_by) VALUES (:kind, :event_id, :ref_id,"
            " :recipient, :recipient_name, :recipient_role, :recipient_tz, :lang, :sequence,"
            " :occasion, 'queued', 0, :created_at_utc, :created_at_utc, :created_by)"
        ),
        values,
    )
    return True


# Who gets messages -------------------------------------------------------------------------

_PREFS = " LEFT JOIN mail_preferences mp ON mp.email = lower({col})"


def _person(row) -> Person:
    data = dict(row._mapping)
    data["lang"] = data.get("lang") or "en"
    data["reminders"] = True if data.get("reminders") is None else bool(data["reminders"])
    return Person(**data)


def get_registration_person(conn: sa.Connection, *, registration_id: int) -> Person | None:
    """The participant of a registration, their language and zone, and the registration's state."""
    row = conn.execute(
        sa.text(
            "SELECT lower(r.email) AS email, r.participant_name AS name, 'participant' AS role,"  # noqa: S608 (constant fragments)
            " ch.capital_tz AS tz, mp.lang, mp.reminders, r.registration_id, r.category, r.status"
            " FROM registrations r LEFT JOIN champions ch ON ch.m49 = r.m49"
            + _PREFS.format(col="r.email")
            + " WHERE r.registration_id = :r"
        ),
        {"r": registration_id},
    ).first()
    return None if row is None else _person(row)


def get_registration_event_id(conn: sa.Connection, *, registration_id: int) -> int | None:
    return conn.execute(
        sa.text("SELECT event_id FROM registrations WHERE registration_id = :r"),
        {"r": registration_id},
    ).scalar()


def get_event_sequence(conn: sa.Connection, *, event_id: int) -> int:
    return int(
        conn.execute(
            sa.text("SELECT sequence FROM events WHERE event_id = :e"), {"e": event_id}
        ).scalar()
        or 0
    )


def list_event_audience(conn: sa.Connection, *, event_id: int) -> list[Person]:
    """Everyone an event's change concerns: its registered participants (not cancelled) and
    whoever was sent or is queued its invitation."""
    people: dict[str, Person] = {}
    for row in conn.execute(
        sa.text(
            "SELECT lower(r.email) AS email, r.participant_name AS name, 'participant' AS role,"  # noqa: S608 (constant fragments)
            " ch.capital_tz AS tz, mp.lang, mp.reminders, r.registration_id, r.category, r.status"
            " FROM registrations r LEFT JOIN champions ch ON ch.m49 = r.m49"
            + _PREFS.format(col="r.email")
            + " WHERE r.event_id = :e AND r.status <> 'cancelled' ORDER BY r.registration_id"
        ),
        {"e": event_id},
    ).all():
        people.setdefault(row.email, _person(row))
    for row in conn.execute(
        sa.text(
            "SELECT DISTINCT o.recipient AS email, o.recipient_name AS name,"  # noqa: S608 (constant fragments)
            " o.recipient_role AS role, o.recipient_tz AS tz, mp.lang, mp.reminders"
            " FROM outbox o"
            + _PREFS.format(col="o.recipient")
            + " WHERE o.event_id = :e AND o.kind = 'invitation'"
            " AND o.status IN ('queued', 'sending', 'sent') ORDER BY o.recipient"
        ),
        {"e": event_id},
    ).all():
        people.setdefault(row.email, _person(row))
    return list(people.values())


def list_invitees(
    conn: sa.Connection, *, event_id: int, include_focal_points: bool
) -> list[Person]:
    """The people an event's invitation goes to: the focal points of its invited Champions (when
    asked), the active EC member accounts and the leads of the event's workstream."""
    people: dict[str, Person] = {}
    if include_focal_points:
        for row in conn.execute(
            sa.text(
                "SELECT lower(f.email) AS email, f.name, 'focal_point' AS role,"  # noqa: S608 (constant fragments)
                " ch.capital_tz AS tz, mp.lang, mp.reminders FROM event_invitees i"
                " JOIN focal_points f ON f.m49 = i.m49 JOIN champions ch ON ch.m49 = i.m49"
                + _PREFS.format(col="f.email")
                + " WHERE i.event_id = :e AND f.email IS NOT NULL AND f.email <> ''"
                " ORDER BY f.focal_id"
            ),
            {"e": event_id},
        ).all():
            people.setdefault(row.email, _person(row))
    for row in conn.execute(
        sa.text(
            "SELECT lower(u.email) AS email, u.name, u.role, NULL AS tz, mp.lang, mp.reminders"  # noqa: S608 (constant fragments)
            " FROM users u"
            + _PREFS.format(col="u.email")
            + " WHERE u.active AND u.email <> '' AND (u.role = 'ec_member' OR (u.role ="
            " 'workstream_lead' AND u.workstream_id = (SELECT workstream_id FROM events"
            " WHERE event_id = :e))) ORDER BY u.role, u.username"
        ),
        {"e": event_id},
    ).all():
        people.setdefault(row.email, _person(row))
    return list(people.values())


def list_workstream_leads(conn: sa.Connection, *, workstream_id: str) -> list[Person]:
    """The active lead accounts of a workstream (booking decisions go to them)."""
    return [
        _person(row)
        for row in conn.execute(
            sa.text(
                "SELECT lower(u.email) AS email, u.name, u.role, NULL AS tz, mp.lang,"  # noqa: S608 (constant fragments)
                " mp.reminders FROM users u"
                + _PREFS.format(col="u.email")
                + " WHERE u.active AND u.email <> '' AND u.role = 'workstream_lead'"
                " AND u.workstream_id = :w ORDER BY u.username"
            ),
            {"w": workstream_id},
        ).all()
    ]


def list_reminder_people(
    db: Db, *, starts_from_utc: datetime, starts_to_utc: datetime
) -> list[tuple[int, int, datetime, Person]]:
    """(event_id, sequence, starts_utc, participant) of confirmed participants of confirmed
    events starting in the window, who have not turned reminders off."""
    out = []
    for row in db.rows(
        "SELECT e.event_id, e.sequence, e.starts_utc, lower(r.email) AS email,"  # noqa: S608 (constant fragments)
        " r.participant_name AS name, 'participant' AS role, ch.capital_tz AS tz, mp.lang,"
        " mp.reminders, r.registration_id, r.category, r.status"
        " FROM registrations r JOIN events e ON e.event_id = r.event_id"
        " LEFT JOIN champions ch ON ch.m49 = r.m49" + _PREFS.format(col="r.email") + " WHERE"
        " r.status = 'confirmed' AND e.status <> 'cancelled' AND e.starts_utc >= :a"
        " AND e.starts_utc < :b AND (mp.reminders IS NULL OR mp.reminders)"
        " ORDER BY e.starts_utc, r.registration_id",
        a=starts_from_utc,
        b=starts_to_utc,
    ):
        person = _person(row)
        out.append((row.event_id, row.sequence, row.starts_utc, person))
    return out


def get_registration_state(db: Db, *, registration_id: int) -> tuple[str, str] | None:
    """(status, category) of a registration now, or None when it is gone."""
    row = db.one(
        "SELECT status, category FROM registrations WHERE registration_id = :r",
        r=registration_id,
    )
    return None if row is None else (row.status, row.category)


def list_materials(db: Db, *, event_id: int) -> list[tuple[str, str, str | None]]:
    """(title, lang, url) of an event's materials."""
    return [
        (row.title, row.lang, row.url)
        for row in db.rows(
            "SELECT title, lang, url FROM materials WHERE event_id = :e ORDER BY lang, title",
            e=event_id,
        )
    ]


def get_booking_context(db: Db, *, booking_id: int) -> dict | None:
    """What a booking message says: the slot's times, the purpose, the decision."""
    row = db.one(
        "SELECT b.booking_id, b.workstream_id, b.purpose, b.status, b.decision_note,"
        " s.title AS slot_title, s.starts_utc, s.ends_utc, s.tz, s.event_id"
        " FROM bookings b JOIN slots s ON s.slot_id = b.slot_id WHERE b.booking_id = :b",
        b=booking_id,
    )
    return None if row is None else dict(row._mapping)


# Preferences -------------------------------------------------------------------------------


def get_preference(db: Db, *, email: str) -> tuple[str, bool]:
    """(language, reminders wanted) of a person; English and yes when they never chose."""
    row = db.one(
        "SELECT lang, reminders FROM mail_preferences WHERE email = :m", m=email.strip().lower()
    )
    return ("en", True) if row is None else (row.lang, bool(row.reminders))


def upsert_preference(
    conn: sa.Connection, *, email: str, lang: str, reminders: bool, at_utc: datetime
) -> None:
    params = {"m": email.strip().lower(), "l": lang, "r": reminders, "t": at_utc}
    conn.execute(sa.text("DELETE FROM mail_preferences WHERE email = :m"), params)
    conn.execute(
        sa.text(
            "INSERT INTO mail_preferences (email, lang, reminders, updated_at_utc)"
            " VALUES (:m, :l, :r, :t)"
        ),
        params,
    )


# Sending -----------------------------------------------------------------------------------


def list_due_ids(db: Db, *, now_utc: datetime, limit: int = 200) -> list[int]:
    """Ids of queued messages whose next attempt is due, oldest first."""
    return [
        row.message_id
        for row in db.rows(
            "SELECT message_id FROM outbox WHERE status = 'queued' AND next_attempt_utc <= :n"
            " ORDER BY next_attempt_utc, message_id LIMIT :k",
            n=now_utc,
            k=limit,
        )
    ]


def claim_message(conn: sa.Connection, *, message_id: int, token: str, now_utc: datetime) -> bool:
    """Take a queued message for sending; return False when another sender has it (or it is not
    queued any more). Run in its own transaction: the guard is `status = 'queued'`."""
    conn.execute(
        sa.text(
            "UPDATE outbox SET status = 'sending', claimed_by = :t, claimed_at_utc = :n,"
            " attempts = attempts + 1 WHERE message_id = :i AND status = 'queued'"
        ),
        {"t": token, "n": now_utc, "i": message_id},
    )
    holder = conn.execute(
        sa.text("SELECT claimed_by, status FROM outbox WHERE message_id = :i"), {"i": message_id}
    ).first()
    return holder is not None and holder.status == "sending" and holder.claimed_by == token


def release_stale_claims(conn: sa.Connection, *, claimed_before_utc: datetime) -> int:
    """Put back messages whose sender died mid-send (claimed long ago, never marked)."""
    stale = conn.execute(
        sa.text("SELECT count(*) FROM outbox WHERE status = 'sending' AND claimed_at_utc < :b"),
        {"b": claimed_before_utc},
    ).scalar()
    if stale:
        conn.execute(
            sa.text(
                "UPDATE outbox SET status = 'queued', claimed_by = NULL,"
                " last_error = 'The sender stopped before it finished; sent again.'"
                " WHERE status = 'sending' AND claimed_at_utc < :b"
            ),
            {"b": claimed_before_utc},
        )
    return int(stale or 0)


def mark_sent(
    conn: sa.Connection, *, message_id: int, token: str, subject: str, now_utc: datetime
) -> None:
    conn.execute(
        sa.text(
            "UPDATE outbox SET status = 'sent', sent_at_utc = :n, subject = :s, last_error = NULL"
            " WHERE message_id = :i AND claimed_by = :t"
        ),
        {"n": now_utc, "s": subject, "i": message_id, "t": token},
    )


def mark_attempt_failed(
    conn: sa.Connection,
    *,
    message_id: int,
    token: str,
    error: str,
    next_attempt_utc: datetime | None,
    subject: str | None = None,
) -> None:
    """Record a failed attempt: queued again for `next_attempt_utc`, or failed when None."""
    conn.execute(
        sa.text(
            "UPDATE outbox SET status = :st, last_error = :e, next_attempt_utc ="
            " coalesce(:na, next_attempt_utc), claimed_by = NULL, subject = coalesce(:s, subject)"
            " WHERE message_id = :i AND claimed_by = :t"
        ),
        {
            "st": "failed" if next_attempt_utc is None else "queued",
            "e": error[:2000],
            "na": next_attempt_utc,
            "s": subject,
            "i": message_id,
            "t": token,
        },
    )


def mark_skipped(conn: sa.Connection, *, message_id: int, token: str, reason: str) -> None:
    """Close a claimed message that no longer applies (its registration is gone, say)."""
    conn.execute(
        sa.text(
            "UPDATE outbox SET status = 'cancelled', last_error = :e, claimed_by = NULL"
            " WHERE message_id = :i AND claimed_by = :t"
        ),
        {"e": reason, "i": message_id, "t": token},
    )


def get_message(db_or_conn, *, message_id: int) -> Message | None:
    sql = sa.text(f"SELECT {_COLUMNS} FROM outbox WHERE message_id = :i")  # noqa: S608
    if isinstance(db_or_conn, Db):
        with db_or_conn.reading() as conn:
            row = conn.execute(sql, {"i": message_id}).first()
    else:
        row = db_or_conn.execute(sql, {"i": message_id}).first()
    return None if row is None else Message(**row._mapping)


# The Admin view ------------------------------------------------------------------------------


def list_messages(
    db: Db, *, status: str | None = None, kind: str | None = None, limit: int = 500
) -> pd.DataFrame:
    where, params = [], {"k": limit}
    if status:
        where.append("o.status = :st")
        params["st"] = status
    if kind:
        where.append("o.kind = :kd")
        params["kd"] = kind
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    return db.frame(
        "SELECT o.message_id, o.created_at_utc, o.kind, e.title AS event_title, o.recipient_name,"  # noqa: S608 (constant fragments)
        " o.recipient, o.lang, o.status, o.attempts, o.next_attempt_utc, o.sent_at_utc,"
        " o.last_error, o.subject FROM outbox o LEFT JOIN events e ON e.event_id = o.event_id"
        f"{clause} ORDER BY o.message_id DESC LIMIT :k",
        **params,
    )


def count_by_status(db: Db) -> dict[str, int]:
    return {
        row.status: int(row.n)
        for row in db.rows("SELECT status, count(*) AS n FROM outbox GROUP BY status")
    }


def count_event_messages(db: Db, *, event_id: int, kind: str) -> dict[str, int]:
    """Messages of one kind about one event, by status (the invitation's progress)."""
    return {
        row.status: int(row.n)
        for row in db.rows(
            "SELECT status, count(*) AS n FROM outbox WHERE event_id = :e AND kind = :k"
            " GROUP BY status",
            e=event_id,
            k=kind,
        )
    }


def set_status(
    conn: sa.Connection, *, message_id: int, status: str, from_statuses: tuple[str, ...], now_utc
) -> str | None:
    """Move a message to `status` (queued now, or cancelled) if it is in one of `from_statuses`;
    return its status before, or None when it was not in one."""
    row = conn.execute(
        sa.text("SELECT status FROM outbox WHERE message_id = :i"), {"i": message_id}
    ).first()
    if row is None or row.status not in from_statuses:
        return None
    conn.execute(
        sa.text(
            "UPDATE outbox SET status = :st, next_attempt_utc = :n, claimed_by = NULL"
            " WHERE message_id = :i"
        ),
        {"st": status, "n": now_utc, "i": message_id},
    )
    return row.status

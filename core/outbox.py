"""Queue the dashboard's messages and deliver them: who gets which message when, and the sender.

Queueing happens inside the transaction of the change that causes a message (`queue_*` take
that transaction's connection), so a change and its messages are saved together or not at all.
Delivery runs outside page scripts: `deliver` (the command `python -m core outbox send`, or the
background thread `start_sender` starts once per dashboard process). A sender claims each row in
its own transaction (`status = 'queued'` guards the UPDATE), so two threads or two replicas never
send one message twice; a failed attempt is queued again with a growing delay, and a message the
server refuses outright is marked failed with the server's answer.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd

from core import audit
from core.permissions import User, require
from core.store import Db
from core.store import outbox as store

KIND_LABELS = {
    "invitation": "Invitation",
    "registration_received": "Registration received",
    "registration_confirmed": "Registration confirmed",
    "registration_waitlisted": "Waiting list",
    "registration_promoted": "Promoted from the waiting list",
    "registration_declined": "Registration declined",
    "registration_cancelled": "Registration cancelled",
    "reminder": "Reminder",
    "event_updated": "Event changed",
    "event_cancelled": "Event cancelled",
    "booking_confirmed": "Booking confirmed",
    "booking_declined": "Booking declined",
}
STATUS_LABELS = {
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
ROLE_LABELS = {
    "focal_point": "Champion focal points",
    "ec_member": "EC members",
    "workstream_lead": "workstream leads",
    "participant": "participants",
}
# A registration's status after a change -> the message it gets.
REGISTRATION_KINDS = {
    "requested": "registration_received",
    "confirmed": "registration_confirmed",
    "waitlisted": "registration_waitlisted",
    "promoted": "registration_promoted",
    "declined": "registration_declined",
    "cancelled": "registration_cancelled",
}
MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=6)
STALE_CLAIM = timedelta(minutes=15)  # a sender that held a message this long has died
SMTP_TIMEOUT = 20


class OutboxRefused(ValueError):
    """The outbox action does not apply (nothing to invite, a message already sent...)."""


class MailNotConfigured(RuntimeError):
    """No mail server is configured: messages stay in the outbox."""


# Queueing, inside the change's transaction --------------------------------------------------


def _message(person: store.Person, **values) -> store.MessageIn:
    return store.MessageIn(
        recipient=person.email,
        recipient_name=person.name,
        recipient_role=person.role,
        recipient_tz=person.tz,
        lang=person.lang,
        created_at_utc=audit.utcnow(),
        **values,
    )


def queue_registration_message(conn, *, actor: User, registration_id: int, change: str) -> bool:
    """Queue the message a registration's change sends its participant (`change`: requested,
    confirmed, waitlisted, promoted, declined or cancelled); inside the change's transaction."""
    person = store.get_registration_person(conn, registration_id=registration_id)
    if person is None:
        return False
    event_id = store.get_registration_event_id(conn, registration_id=registration_id)
    return store.insert_message(
        conn,
        message=_message(
            person,
            kind=REGISTRATION_KINDS[change],
            event_id=event_id,
            ref_id=registration_id,
            sequence=store.get_event_sequence(conn, event_id=event_id),
            # One message per change: the time of the change tells two changes apart.
            occasion=audit.utcnow().isoformat(),
            created_by=actor.username,
        ),
    )


def queue_event_change(conn, *, actor: User, event_id: int, cancelled: bool = False) -> int:
    """Queue the update (or the cancellation) of an event to everyone it concerns: registered
    participants and those invited; call after SEQUENCE is bumped, inside that transaction."""
    sequence = store.get_event_sequence(conn, event_id=event_id)
    kind = "event_cancelled" if cancelled else "event_updated"
    count = 0
    for person in store.list_event_audience(conn, event_id=event_id):
        count += store.insert_message(
            conn,
            message=_message(
                person,
                kind=kind,
                event_id=event_id,
                ref_id=person.registration_id,
                sequence=sequence,
                created_by=actor.username,
            ),
        )
    return count


def queue_booking_decision(
    conn, *, actor: User, booking_id: int, workstream_id: str, confirmed: bool
) -> int:
    """Queue 'booking confirmed' or 'declined' to the workstream's leads (inside the decision)."""
    count = 0
    for person in store.list_workstream_leads(conn, workstream_id=workstream_id):
        count += store.insert_message(
            conn,
            message=_message(
                person,
                kind="booking_confirmed" if confirmed else "booking_declined",
                ref_id=booking_id,
                occasion=audit.utcnow().isoformat(),
                created_by=actor.username,
            ),
        )
    return count


@dataclass
class InvitationResult:
    """What `queue_invitation` did: newly queued by role, and how many were already queued."""

    title: str
    queued: Counter = field(default_factory=Counter)
    already: int = 0

    @property
    def total(self) -> int:
        return sum(self.queued.values())

    def summary(self) -> str:
        if not self.total:
            return (
                f"No new invitation for {self.title}: all {self.already} were already queued."
                if self.already
                else f"No one to invite to {self.title}: no invited Champion has a focal point "
                "with an e-mail, and no EC member or workstream lead account has one."
            )
        roles = ", ".join(f"{n} {ROLE_LABELS.get(r, r)}" for r, n in sorted(self.queued.items()))
        more = f" ({self.already} already queued before)" if self.already else ""
        return f"Queued {self.total} invitation(s) for {self.title}: {roles}{more}."


def invitation_recipients(db: Db, *, event_id: int) -> list[store.Person]:
    """The people an event's invitation goes to (for the preview): focal points of invited
    Champions unless the event is internal, EC members, the event's workstream leads."""
    from core import events

    event = events.get_event(db, event_id)
    if event is None:
        raise OutboxRefused(f"There is no event number {event_id}.")
    with db.reading() as conn:
        return store.list_invitees(
            conn, event_id=event_id, include_focal_points=event.audience != "internal"
        )


def queue_invitation(db: Db, *, actor: User, event_id: int) -> InvitationResult:
    """Queue an event's invitation (with its .ics) to each invitee, once per SEQUENCE."""
    from core import events

    require(actor, "registration.manage")

    def work(conn):
        event = events.read_event(conn, event_id)
        if event.status == "cancelled":
            raise OutboxRefused(f"{event.title} is cancelled: no invitation is sent.")
        result = InvitationResult(title=event.title)
        people = store.list_invitees(
            conn, event_id=event_id, include_focal_points=event.audience != "internal"
        )
        for person in people:
            new = store.insert_message(
                conn,
                message=_message(
                    person,
                    kind="invitation",
                    event_id=event_id,
                    sequence=event.sequence,
                    created_by=actor.username,
                ),
            )
            if new:
                result.queued[person.role or "other"] += 1
            else:
                result.already += 1
        if result.total:
            audit.record(
                conn,
                actor=actor,
                action="invite",
                entity="outbox",
                entity_id=event_id,
                after={"invitations": result.total, "sequence": event.sequence},
            )
        return result

    return db.write(work)


def queue_due_reminders(db: Db, *, days: int, now_utc: datetime | None = None) -> int:
    """Queue a reminder to each confirmed participant of events starting within `days` days
    (once per event, person and start time; those who turned reminders off are left out)."""
    now = now_utc or audit.utcnow()
    candidates = store.list_reminder_people(
        db, starts_from_utc=now, starts_to_utc=now + timedelta(days=days)
    )
    if not candidates:
        return 0

    def work(conn):
        count = 0
        for event_id, _sequence, starts_utc, person in candidates:
            count += store.insert_message(
                conn,
                message=_message(
                    person,
                    kind="reminder",
                    event_id=event_id,
                    ref_id=person.registration_id,
                    occasion=starts_utc.isoformat(),
                    created_by="system",
                    sequence=0,
                ),
            )
        return count

    return db.write(work)


# Preferences ------------------------------------------------------------------------------


def set_mail_preference(db: Db, *, actor: User, lang: str, reminders: bool) -> None:
    """Save the user's own message language and whether they want reminders."""
    if lang not in store.LANGS:
        raise OutboxRefused("Language: choose English, French or Spanish.")
    if not actor.email:
        raise OutboxRefused("Your account has no e-mail address: ask an administrator to add one.")

    def work(conn):
        store.upsert_preference(
            conn, email=actor.email, lang=lang, reminders=reminders, at_utc=audit.utcnow()
        )
        audit.record(
            conn,
            actor=actor,
            action="update",
            entity="mail_preference",
            entity_id=actor.username,
            after={"lang": lang, "reminders": reminders},
        )

    db.write(work)


def get_mail_preference(db: Db, *, user: User) -> tuple[str, bool]:
    """(language, reminders wanted) of a user."""
    return store.get_preference(db, email=user.email) if user.email else ("en", True)


# The Admin view ---------------------------------------------------------------------------


def list_outbox(
    db: Db, *, user: User, status: str | None = None, kind: str | None = None
) -> pd.DataFrame:
    """The newest messages, with human labels, for the Admin page."""
    require(user, "user.manage")
    frame = store.list_messages(db, status=status, kind=kind)
    frame["kind"] = frame["kind"].map(lambda k: KIND_LABELS.get(k, k))
    frame["status"] = frame["status"].map(lambda s: STATUS_LABELS.get(s, s))
    frame["lang"] = frame["lang"].map({"en": "English", "fr": "French", "es": "Spanish"})
    return frame


def outbox_counts(db: Db) -> dict[str, int]:
    return store.count_by_status(db)


def invitation_progress(db: Db, *, event_id: int) -> dict[str, int]:
    """The invitation's messages of an event by status (queued, sent, failed...)."""
    return store.count_event_messages(db, event_id=event_id, kind="invitation")


def _set_status(db: Db, actor: User, message_id: int, status: str, allowed: tuple) -> None:
    require(actor, "user.manage")

    def work(conn):
        before = store.set_status(
            conn,
            message_id=message_id,
            status=status,
            from_statuses=allowed,
            now_utc=audit.utcnow(),
        )
        if before is None:
            found = store.get_message(conn, message_id=message_id)
            if found is None:
                raise OutboxRefused(f"There is no message number {message_id}.")
            raise OutboxRefused(
                f"Message {message_id} is {STATUS_LABELS[found.status].lower()}: it cannot be "
                f"{'retried' if status == 'queued' else 'cancelled'}."
            )
        audit.record(
            conn,
            actor=actor,
            action="retry" if status == "queued" else "cancel",
            entity="outbox",
            entity_id=message_id,
            before={"status": before},
            after={"status": status},
        )

    db.write(work)


def retry_message(db: Db, *, actor: User, message_id: int) -> None:
    """Queue a failed or cancelled message again, for the sender's next round."""
    _set_status(db, actor, message_id, "queued", ("failed", "cancelled"))


def cancel_message(db: Db, *, actor: User, message_id: int) -> None:
    """Stop a queued (or failed) message from being sent."""
    _set_status(db, actor, message_id, "cancelled", ("queued", "failed"))


# Delivery --------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    """Where to hand messages over, parsed from ACTIONPLAN_SMTP_URL."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: str = "none"  # "none", "starttls" or "ssl"

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailNotConfigured(
                "ACTIONPLAN_SMTP_URL: expected smtp://user:password@host:587?starttls=true "
                "or smtps://user:password@host:465."
            )
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        tls = "ssl" if parts.scheme == "smtps" else "none"
        if query.get("starttls") in ("1", "true", "yes"):
            tls = "starttls"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls == "ssl" else 587 if tls == "starttls" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    def connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            if self.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
        if self.username:
            client.login(self.username, self.password or "")
        return client


@dataclass
class DeliveryReport:
    """What one round of delivery did."""

    sent: int = 0
    failed: int = 0  # attempts that failed in this round (retried later or given up)
    given_up: int = 0  # of which marked failed for good
    skipped: int = 0
    left: int = 0  # due but not tried (the server went away)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.failed} failed"
        if self.failed:
            text += f" ({self.given_up} given up, {self.failed - self.given_up} to retry)"
        if self.skipped:
            text += f", {self.skipped} no longer applied"
        if self.left:
            text += f", {self.left} left queued"
        return text + "."


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: 1, 2, 4, ... minutes, at most 6 hours."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), LONGEST_DELAY)


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _answer(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for who, (code, msg) in exc.recipients.items()
        )
    code, msg = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)
    if code is not None:
        text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
        return f"The mail server answered {code} {text}"
    return f"The mail server could not be reached: {exc}"


def deliver(
    db: Db,
    *,
    smtp_url: str | None,
    mail_from: str | None,
    public_url: str | None = None,
    now_utc: datetime | None = None,
    limit: int = 200,
) -> DeliveryReport:
    """Send the queued messages that are due; return what happened.

    Refuses (MailNotConfigured) without a server or a sender address: messages stay queued.
    """
    from core import mail

    if not smtp_url or not mail_from:
        raise MailNotConfigured(
            "No mail server is configured (ACTIONPLAN_SMTP_URL and ACTIONPLAN_MAIL_FROM): "
            "messages stay in the outbox."
        )
    server = SmtpServer.from_url(smtp_url)
    now = now_utc or audit.utcnow()
    report = DeliveryReport()
    db.write(lambda conn: store.release_stale_claims(conn, claimed_before_utc=now - STALE_CLAIM))
    due = store.list_due_ids(db, now_utc=now, limit=limit)
    client: smtplib.SMTP | None = None
    token = f"{socket.gethostname()}:{uuid.uuid4().hex}"
    try:
        for index, message_id in enumerate(due):
            if not db.write(
                lambda conn, i=message_id: store.claim_message(
                    conn, message_id=i, token=token, now_utc=now
                )
            ):
                continue  # another sender has it
            message = store.get_message(db, message_id=message_id)
            try:
                written = mail.write_message(db, message, public_url=public_url)
            except mail.MailUnavailable as exc:
                db.write(
                    lambda conn, i=message_id, e=str(exc): store.mark_skipped(
                        conn, message_id=i, token=token, reason=e
                    )
                )
                report.skipped += 1
                continue
            mime = mail.build_mime(written, message, mail_from=mail_from)
            try:
                if client is None:
                    client = server.connect()
                client.send_message(mime, from_addr=mail_from, to_addrs=[message.recipient])
            except (smtplib.SMTPException, OSError) as exc:
                permanent = _permanent(exc)
                final = permanent or message.attempts >= MAX_ATTEMPTS
                next_at = None if final else now + retry_delay(message.attempts)
                answer = _answer(exc)
                db.write(
                    lambda conn, i=message_id, e=answer, n=next_at, s=written.subject: (
                        store.mark_attempt_failed(
                            conn, message_id=i, token=token, error=e, next_attempt_utc=n, subject=s
                        )
                    )
                )
                report.failed += 1
                report.given_up += final
                report.errors.append(f"{message.recipient}: {_answer(exc)}")
                if not permanent:
                    # The server is away: leave the rest queued for the next round.
                    report.left = len(due) - index - 1
                    _close(client)
                    client = None
                    break
                continue
            db.write(
                lambda conn, i=message_id, s=written.subject: store.mark_sent(
                    conn, message_id=i, token=token, subject=s, now_utc=audit.utcnow()
                )
            )
            report.sent += 1
    finally:
        _close(client)
    return report


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


# The dashboard's background sender ---------------------------------------------------------

_SENDERS: dict[str, threading.Thread] = {}
_SENDERS_LOCK = threading.Lock()
SENDER_INTERVAL = 30.0


def start_sender(open_db, *, key: str, smtp_url: str | None, mail_from: str | None, **options):
    """Start this process's background sender for a database once (no server: none is started).

    `open_db()` returns the database each round (the shared one, reopened after a restore).
    """
    if not smtp_url or not mail_from:
        return None
    with _SENDERS_LOCK:
        thread = _SENDERS.get(key)
        if thread is not None and thread.is_alive():
            return thread
        stop = threading.Event()
        thread = threading.Thread(
            target=_sender_loop,
            args=(open_db, stop, smtp_url, mail_from, options),
            name=f"outbox-sender-{len(_SENDERS)}",
            daemon=True,
        )
        thread.stop = stop  # type: ignore[attr-defined]
        _SENDERS[key] = thread
        thread.start()
        return thread


def _sender_loop(open_db, stop: threading.Event, smtp_url, mail_from, options) -> None:
    reminder_days = options.get("reminder_days")
    interval = options.get("interval", SENDER_INTERVAL)
    while not stop.is_set():
        try:
            db = open_db()
            if reminder_days:
                queue_due_reminders(db, days=reminder_days)
            deliver(
                db,
                smtp_url=smtp_url,
                mail_from=mail_from,
                public_url=options.get("public_url"),
            )
        except Exception as exc:  # noqa: BLE001 (the thread must outlive one bad round)
            print(f"outbox sender: {type(exc).__name__}: {exc}", flush=True)
        stop.wait(interval)

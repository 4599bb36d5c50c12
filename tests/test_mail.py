"""Messages by e-mail through a real SMTP server (aiosmtpd on a free local port): the outbox
queued with the change, the MIME of each message, the .ics read back by icalendar and ical.js,
join details only where the rule allows, HTML escaping, and exactly-once delivery across a mail
server that goes down and comes back."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from icalendar import Calendar

from core import events, outbox
from core.permissions import PermissionDenied
from core.registration import RegistrationIn, cancel_registration, register
from tests.conftest import demo_user

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"
TURKIYE, KENYA = 792, 404
MAIL_FROM = "Network Secretariat <secretariat@example.org>"


@pytest.fixture
def con(store):
    """Queueing and delivery run on both engines."""
    return store


def execute(con, sql: str, **params):
    with con.begin() as conn:
        result = conn.execute(sa.text(sql), params)
        return result.first() if result.returns_rows else None


# A real SMTP server ---------------------------------------------------------------------------


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(list(envelope.rcpt_tos))
        self.received.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def send(con, smtp_server, **kw):
    return outbox.deliver(con, smtp_url=smtp_server.url, mail_from=MAIL_FROM, **kw)


# Data -------------------------------------------------------------------------------------


_N = iter(range(1, 1_000_000))


def make_meeting(
    con, *, title="Technical meeting on the guidance", capacity=None, tz="Europe/Zurich"
):
    start = datetime(2031, 2, 26, 14, 0)
    n = next(_N)
    event_id = execute(
        con,
        "INSERT INTO events (uid, title, kind, audience, starts_utc, ends_utc, tz, capacity,"
        " quota_per_country_agency, open_to_non_champions) VALUES (:uid, :t,"
        " 'technical_meeting', 'champions', :s, :e, :tz, :c, 1, FALSE) RETURNING event_id",
        uid=f"mail-{n}@test",
        t=title,
        s=start,
        e=start + timedelta(hours=2),
        tz=tz,
        c=capacity,
    )[0]
    execute(
        con,
        "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter)"
        " VALUES (:e, :s, :x, 'Welcome and action plan', 'Head of Secretariat')",
        e=event_id,
        s=start,
        x=start + timedelta(minutes=30),
    )
    execute(
        con,
        "INSERT INTO materials (event_id, title, lang, url) VALUES"
        " (:e, 'Guide', 'en', 'https://example.org/guide-en.pdf'),"
        " (:e, 'Guide', 'fr', 'https://example.org/guide-fr.pdf')",
        e=event_id,
    )
    execute(
        con,
        "INSERT INTO event_join_details (event_id, url, meeting_number, password)"
        " VALUES (:e, 'https://webex.example.org/j/123', '123 456 789', 'secret-pw')",
        e=event_id,
    )
    return event_id


def invite_turkiye(con, event_id, *, name="Ayşe Yılmaz", mail="ayse@example.org", lang=None):
    execute(
        con, "INSERT INTO event_invitees (event_id, m49) VALUES (:e, :m)", e=event_id, m=TURKIYE
    )
    execute(
        con,
        "INSERT INTO focal_points (m49, name, email) VALUES (:m, :n, :a)",
        m=TURKIYE,
        n=name,
        a=mail,
    )
    if lang:
        execute(
            con,
            "INSERT INTO mail_preferences (email, lang, reminders, updated_at_utc)"
            " VALUES (:a, :l, TRUE, :t)",
            a=mail,
            l=lang,
            t=datetime(2030, 1, 1),
        )


def registration(event_id, n, *, category="champion_delegate", m49=KENYA, agency="UNDP"):
    return RegistrationIn(
        event_id=event_id,
        participant_name=f"Participant {n}",
        email=f"p{n}@example.org",
        m49=m49,
        category=category,
        agency_id=agency,
    )


def outbox_rows(con, event_id):
    return con.rows(
        "SELECT kind, recipient, status, sequence FROM outbox WHERE event_id = :e"
        " ORDER BY message_id",
        e=event_id,
    )


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    ics = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return text, html, (ics[0].get_content() if ics else None)


def ics_bytes(data) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


# Queued with the change ---------------------------------------------------------------------


def test_registration_changes_queue_their_messages_in_the_same_transaction(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=1)
    first = register(con, actor=staff, reg=registration(event_id, 1))
    second = register(con, actor=staff, reg=registration(event_id, 2, m49=TURKIYE))
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    cancel_registration(con, actor=staff, registration_id=first.registration_id)
    kinds = [(r.kind, r.recipient) for r in outbox_rows(con, event_id)]
    assert kinds == [
        ("registration_confirmed", "p1@example.org"),
        ("registration_waitlisted", "p2@example.org"),
        ("registration_cancelled", "p1@example.org"),
        ("registration_promoted", "p2@example.org"),
    ]
    # A refused registration queues nothing: the message goes with the change or not at all.
    with pytest.raises(ValueError):
        register(con, actor=staff, reg=registration(event_id, 2, m49=TURKIYE))
    assert len(outbox_rows(con, event_id)) == 4


def test_an_invitation_is_queued_once_per_sequence_and_only_by_the_secretariat(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    invite_turkiye(con, event_id)
    with pytest.raises(PermissionDenied):
        outbox.queue_invitation(con, actor=demo_user(con, "viewer"), event_id=event_id)
    result = outbox.queue_invitation(con, actor=staff, event_id=event_id)
    assert result.queued["focal_point"] == 1
    assert result.total >= 2  # the focal point and the EC member accounts
    again = outbox.queue_invitation(con, actor=staff, event_id=event_id)
    assert again.total == 0 and again.already == result.total
    assert "already queued" in again.summary()


# The messages themselves, through a real SMTP server ------------------------------------------


def test_invitation_mime_utf8_names_and_ics_request(con, smtp, tmp_path):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    invite_turkiye(con, event_id, lang="fr")
    outbox.queue_invitation(con, actor=staff, event_id=event_id)
    report = send(con, smtp)
    assert report.failed == 0 and report.sent >= 1
    mine = [m for m in smtp.inbox.received if "ayse@example.org" in m["To"]]
    assert len(mine) == 1
    message = mine[0]
    assert message["To"].addresses[0].display_name == "Ayşe Yılmaz"
    assert message["Subject"].startswith("Invitation : Technical meeting on the guidance")
    assert message["From"] == MAIL_FROM and message["Message-ID"]
    text, html, ics = parts(message)
    assert "Bonjour Ayşe Yılmaz," in text and "Ordre du jour (Europe/Zurich)" in text
    # Türkiye's capital zone is known: the agenda is given in it too.
    assert "Ordre du jour à votre heure (Europe/Istanbul)" in text
    assert "15:00-15:30 Welcome and action plan (par Head of Secretariat)" in text
    assert "17:00-17:30 Welcome and action plan" in text  # Istanbul, UTC+3
    assert text.index("Guide (French)") < text.index("Guide (English)")
    assert "Ayşe Yılmaz" in html and '<a href="https://example.org/guide-fr.pdf">' in html
    # A focal point is not a confirmed participant: no join details anywhere.
    for part in (text, html, ics):
        assert "secret-pw" not in part and "webex.example.org" not in part
    calendar = Calendar.from_ical(ics_bytes(ics))
    assert str(calendar["METHOD"]) == "REQUEST"
    vevent = calendar.walk("VEVENT")[0]
    uid = execute(con, "SELECT uid FROM events WHERE event_id = :e", e=event_id)[0]
    assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 0
    assert vevent.start.astimezone().replace(tzinfo=None) is not None
    assert vevent.start.isoformat().startswith("2031-02-26T15:00:00")  # Zurich, UTC+1
    assert "mailto:ayse@example.org" in str(vevent["ATTENDEE"])
    attachment = next(message.iter_attachments())
    assert attachment.get_param("method") == "REQUEST"
    if shutil.which("node") and (JS / "node_modules" / "ical.js").exists():
        path = tmp_path / "invite.ics"
        path.write_bytes(ics_bytes(ics))
        out = subprocess.run(
            ["node", str(JS / "starts.mjs"), str(path)], capture_output=True, text=True, check=True
        )
        read = json.loads(out.stdout)
        assert [(r["uid"], r["start"]) for r in read] == [(uid, "2031-02-26T14:00:00Z")]
    # Sent once: a second round sends nothing new.
    assert send(con, smtp).sent == 0


def test_join_details_only_to_confirmed_participants_in_their_own_seat(con, smtp):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, capacity=2)
    register(con, actor=staff, reg=registration(event_id, 1))  # confirmed delegate
    register(con, actor=staff, reg=registration(event_id, 2, category="ec_listening", m49=None))
    register(con, actor=staff, reg=registration(event_id, 3, m49=TURKIYE))  # waiting list
    send(con, smtp)
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp.inbox.received}
    text1, html1, ics1 = parts(by_to["p1@example.org"])
    assert "secret-pw" in text1 and "https://webex.example.org/j/123" in html1
    assert "secret-pw" in ics_bytes(ics1).decode()
    assert str(Calendar.from_ical(ics_bytes(ics1))["METHOD"]) == "REQUEST"
    for who in ("p2@example.org", "p3@example.org"):  # listening seat, waiting list
        text, html, ics = parts(by_to[who])
        assert "secret-pw" not in text + html + (ics_bytes(ics).decode() if ics else "")
    assert by_to["p3@example.org"]["Subject"].startswith("Waiting list:")


def test_event_change_and_cancellation_reach_participants_with_sequence_and_cancel(con, smtp):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    register(con, actor=staff, reg=registration(event_id, 1))
    send(con, smtp)
    event = events.get_event(con, event_id)
    moved = events.EventIn(
        title=event.title,
        kind=event.kind,
        audience=event.audience,
        tz=event.tz,
        start_local=datetime(2031, 2, 27, 15, 0),
        end_local=datetime(2031, 2, 27, 17, 0),
    )
    events.update_event(con, actor=staff, event_id=event_id, event_in=moved)
    send(con, smtp)
    changed = smtp.inbox.received[-1]
    assert changed["Subject"].startswith("Changed: Technical meeting on the guidance, Thursday 27")
    cal = Calendar.from_ical(ics_bytes(parts(changed)[2]))
    assert int(cal.walk("VEVENT")[0]["SEQUENCE"]) == 1
    events.cancel_event(con, actor=staff, event_id=event_id)
    send(con, smtp)
    cancelled = smtp.inbox.received[-1]
    text, _, ics = parts(cancelled)
    cal = Calendar.from_ical(ics_bytes(ics))
    assert str(cal["METHOD"]) == "CANCEL"
    assert int(cal.walk("VEVENT")[0]["SEQUENCE"]) == 2
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert "secret-pw" not in text


def test_html_part_escapes_every_field(con, smtp):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con, title='<script>alert("t")</script> & <b>bold</b>')
    bad = registration(event_id, 1)
    bad.participant_name = '<img src=x onerror="alert(1)">'
    register(con, actor=staff, reg=bad)
    send(con, smtp)
    _, html, _ = parts(smtp.inbox.received[-1])
    assert "<script>" not in html and "<b>bold" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html and "&amp; " in html


# Delivery: exactly once ----------------------------------------------------------------------


def test_server_down_mid_run_then_up_delivers_each_message_exactly_once(con, smtp):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    for n in range(1, 7):
        register(
            con,
            actor=staff,
            reg=registration(event_id, n, m49=None, agency=None).model_copy(
                update={"category": "network_member", "organisation": "IOM"}
            ),
        )
    total = len(outbox_rows(con, event_id))
    assert total == 6
    # The server accepts two messages, then goes away in the middle of the round.
    original = Inbox.handle_DATA
    count = {"n": 0}

    async def flaky(self, server, session, envelope):
        count["n"] += 1
        if count["n"] == 3:
            threading.Thread(target=smtp.stop).start()
            return "421 closing"
        return await original(self, server, session, envelope)

    Inbox.handle_DATA = flaky
    try:
        first = send(con, smtp)
    finally:
        Inbox.handle_DATA = original
    assert first.sent == 2 and first.failed == 1 and first.left == 3
    down = send(con, smtp, now_utc=datetime.now() + timedelta(hours=1))
    assert down.sent == 0 and down.failed == 1  # still down: one attempt, the rest left queued
    smtp.start()
    later = datetime.now() + timedelta(days=1)
    up = send(con, smtp, now_utc=later)
    assert up.failed == 0
    assert send(con, smtp, now_utc=later + timedelta(days=1)).sent == 0
    delivered = sorted(rcpt for env in smtp.inbox.envelopes for rcpt in env)
    assert delivered == sorted(f"p{n}@example.org" for n in range(1, 7))  # each exactly once
    statuses = {r.status for r in outbox_rows(con, event_id)}
    assert statuses == {"sent"}


def test_two_senders_at_once_never_send_one_message_twice(con, smtp):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    for n in range(1, 9):
        register(
            con,
            actor=staff,
            reg=registration(event_id, n, m49=None, agency=None).model_copy(
                update={"category": "network_member", "organisation": "IOM"}
            ),
        )
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(send(con, smtp))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 8
    delivered = sorted(rcpt for env in smtp.inbox.envelopes for rcpt in env)
    assert delivered == sorted(f"p{n}@example.org" for n in range(1, 9))


def test_no_server_configured_keeps_messages_queued(con):
    staff = demo_user(con, "secretariat")
    event_id = make_meeting(con)
    register(con, actor=staff, reg=registration(event_id, 1))
    with pytest.raises(outbox.MailNotConfigured):
        outbox.deliver(con, smtp_url=None, mail_from=None)
    assert [r.status for r in outbox_rows(con, event_id)] == ["queued"]


def test_admin_retries_and_cancels(con):
    staff = demo_user(con, "secretariat")
    admin = demo_user(con, "admin")
    event_id = make_meeting(con)
    register(con, actor=staff, reg=registration(event_id, 1))
    message_id = con.scalar("SELECT max(message_id) FROM outbox")
    with pytest.raises(PermissionDenied):
        outbox.cancel_message(con, actor=staff, message_id=message_id)
    outbox.cancel_message(con, actor=admin, message_id=message_id)
    assert outbox_rows(con, event_id)[0].status == "cancelled"
    with pytest.raises(outbox.OutboxRefused, match="cancelled: it cannot be cancelled"):
        outbox.cancel_message(con, actor=admin, message_id=message_id)
    outbox.retry_message(con, actor=admin, message_id=message_id)
    assert outbox_rows(con, event_id)[0].status == "queued"
    frame = outbox.list_outbox(con, user=admin, status="queued")
    assert "Registration confirmed" in set(frame["kind"])


# The command line -----------------------------------------------------------------------------


def _cli(db, *args, env=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "ACTIONPLAN_SECRETS": "/nonexistent/secrets.toml", **(env or {})},
    )


def test_cli_invites_and_sends_once(db_path, smtp):
    from core.store import open_store

    con = open_store(db_path)
    try:
        event_id = make_meeting(con)
        invite_turkiye(con, event_id)
        uid = execute(con, "SELECT uid FROM events WHERE event_id = :e", e=event_id)[0]
    finally:
        con.close()
    done = _cli(db_path, "invite", uid)
    assert done.returncode == 0, done.stderr
    assert "1 Champion focal points" in done.stdout and "EC members" in done.stdout
    assert "already queued" in _cli(db_path, "invite", uid).stdout
    unconfigured = _cli(db_path, "outbox", "send")
    assert unconfigured.returncode == 1 and "No mail server is configured" in unconfigured.stderr
    env = {"ACTIONPLAN_SMTP_URL": smtp.url, "ACTIONPLAN_MAIL_FROM": MAIL_FROM}
    sent = _cli(db_path, "outbox", "send", env=env)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith(f"{len(smtp.inbox.received)} sent, 0 failed")
    again = _cli(db_path, "outbox", "send", env=env)
    assert again.returncode == 0 and again.stdout.startswith("0 sent, 0 failed")
    smtp.stop()
    assert "already queued" in _cli(db_path, "invite", uid).stdout
    assert _cli(db_path, "invite", "no-such-uid").returncode == 1

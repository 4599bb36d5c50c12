"""Write the dashboard's messages: templates in English, French and Spanish, built as MIME with a
text part, an HTML part (every field escaped) and the event's .ics (`METHOD:REQUEST` or
`METHOD:CANCEL`, the event's UID and SEQUENCE) from `core.ics`'s export.

A message is written when it is sent, from the database as it is then: join details go in only
when `events.join_allowed` grants them to the recipient at that moment.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

from core import events as ev
from core import ics
from core.permissions import User
from core.store import Db
from core.store import outbox as store
from core.timezones import to_local

LANG_LABELS = {"en": "English", "fr": "French", "es": "Spanish"}
# Messages whose .ics puts (or keeps) the event in the recipient's calendar, and cancellations.
REQUEST_KINDS = {
    "invitation",
    "registration_confirmed",
    "registration_promoted",
    "reminder",
    "event_updated",
}
CANCEL_KINDS = {"event_cancelled"}
NO_JOIN_KINDS = {
    "event_cancelled",
    "registration_cancelled",
    "registration_declined",
    "registration_waitlisted",
    "registration_received",
}

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
}

# Every sentence of every message, per language. Fields in braces are filled from the database.
T: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Dear {name},",
        "greeting_anon": "Hello,",
        "sign": "The Secretariat of the UN Network on Migration",
        "when": "When",
        "your_time": "Your time",
        "where": "Where",
        "agenda": "Agenda ({zone})",
        "agenda_yours": "Agenda in your time ({zone})",
        "by": "by {who}",
        "moderated": "moderated by {who}",
        "materials": "Materials",
        "join": "How to join (for you only: please do not forward)",
        "join_url": "Link",
        "join_number": "Meeting number",
        "join_password": "Password",
        "join_dial": "Dial-in",
        "register": "To register, ask the Secretariat or register on the dashboard's Meetings page{link}.",
        "ics_note": "The attached calendar file (.ics) adds the meeting to your calendar.",
        "subject.invitation": "Invitation: {title}, {date}",
        "body.invitation": "You are invited to {title}, on {date}.",
        "subject.registration_received": "Registration received: {title}",
        "body.registration_received": "We received your registration for {title} ({date}). "
        "The Secretariat confirms it shortly.",
        "subject.registration_confirmed": "Registration confirmed: {title}",
        "body.registration_confirmed": "Your registration for {title} ({date}) is confirmed.",
        "subject.registration_waitlisted": "Waiting list: {title}",
        "body.registration_waitlisted": "{title} is full: you are on the waiting list. "
        "We write to you as soon as a place frees up.",
        "subject.registration_promoted": "A place for you: {title}",
        "body.registration_promoted": "A place freed up: your registration for {title} ({date}) "
        "is now confirmed.",
        "subject.registration_declined": "Registration not accepted: {title}",
        "body.registration_declined": "We are sorry: your registration for {title} could not be "
        "accepted.",
        "subject.registration_cancelled": "Registration cancelled: {title}",
        "body.registration_cancelled": "Your registration for {title} ({date}) is cancelled.",
        "subject.reminder": "Reminder: {title}, {date}",
        "body.reminder": "A reminder: {title} takes place on {date}.",
        "subject.event_updated": "Changed: {title}, {date}",
        "body.event_updated": "{title} has changed. It now takes place on {date}.",
        "subject.event_cancelled": "Cancelled: {title}",
        "body.event_cancelled": "{title}, planned for {date}, is cancelled.",
        "subject.booking_confirmed": "Booking confirmed: {title}",
        "body.booking_confirmed": "Your booking of {title} ({date}) for \u201c{purpose}\u201d is "
        "confirmed.",
        "subject.booking_declined": "Booking declined: {title}",
        "body.booking_declined": "Your booking of {title} ({date}) for \u201c{purpose}\u201d is "
        "declined.",
        "note": "Note",
    },
    "fr": {
        "greeting": "Bonjour {name},",
        "greeting_anon": "Bonjour,",
        "sign": "Le Secrétariat du Réseau des Nations Unies sur les migrations",
        "when": "Date",
        "your_time": "Votre heure",
        "where": "Lieu",
        "agenda": "Ordre du jour ({zone})",
        "agenda_yours": "Ordre du jour à votre heure ({zone})",
        "by": "par {who}",
        "moderated": "modération : {who}",
        "materials": "Documents",
        "join": "Pour participer (pour vous seul·e : merci de ne pas transférer)",
        "join_url": "Lien",
        "join_number": "Numéro de réunion",
        "join_password": "Mot de passe",
        "join_dial": "Par téléphone",
        "register": "Pour vous inscrire, écrivez au Secrétariat ou inscrivez-vous sur la page "
        "Réunions du tableau de bord{link}.",
        "ics_note": "Le fichier de calendrier joint (.ics) ajoute la réunion à votre agenda.",
        "subject.invitation": "Invitation : {title}, {date}",
        "body.invitation": "Vous êtes invité·e à « {title} », le {date}.",
        "subject.registration_received": "Inscription reçue : {title}",
        "body.registration_received": "Nous avons reçu votre inscription à « {title} » ({date}). "
        "Le Secrétariat la confirme sous peu.",
        "subject.registration_confirmed": "Inscription confirmée : {title}",
        "body.registration_confirmed": "Votre inscription à « {title} » ({date}) est confirmée.",
        "subject.registration_waitlisted": "Liste d'attente : {title}",
        "body.registration_waitlisted": "« {title} » est complet : vous êtes sur la liste "
        "d'attente. Nous vous écrivons dès qu'une place se libère.",
        "subject.registration_promoted": "Une place pour vous : {title}",
        "body.registration_promoted": "Une place s'est libérée : votre inscription à « {title} » "
        "({date}) est confirmée.",
        "subject.registration_declined": "Inscription non retenue : {title}",
        "body.registration_declined": "Nous sommes désolés : votre inscription à « {title} » n'a "
        "pas pu être retenue.",
        "subject.registration_cancelled": "Inscription annulée : {title}",
        "body.registration_cancelled": "Votre inscription à « {title} » ({date}) est annulée.",
        "subject.reminder": "Rappel : {title}, {date}",
        "body.reminder": "Pour rappel : « {title} » a lieu le {date}.",
        "subject.event_updated": "Modifié : {title}, {date}",
        "body.event_updated": "« {title} » a changé. La réunion a lieu le {date}.",
        "subject.event_cancelled": "Annulé : {title}",
        "body.event_cancelled": "« {title} », prévu le {date}, est annulé.",
        "subject.booking_confirmed": "Réservation confirmée : {title}",
        "body.booking_confirmed": "Votre réservation de « {title} » ({date}) pour « {purpose} » "
        "est confirmée.",
        "subject.booking_declined": "Réservation refusée : {title}",
        "body.booking_declined": "Votre réservation de « {title} » ({date}) pour « {purpose} » "
        "est refusée.",
        "note": "Remarque",
    },
    "es": {
        "greeting": "Estimado/a {name}:",
        "greeting_anon": "Buenos días:",
        "sign": "La Secretaría de la Red de las Naciones Unidas sobre la Migración",
        "when": "Fecha",
        "your_time": "Su hora",
        "where": "Lugar",
        "agenda": "Programa ({zone})",
        "agenda_yours": "Programa en su hora ({zone})",
        "by": "por {who}",
        "moderated": "moderación: {who}",
        "materials": "Documentos",
        "join": "Cómo conectarse (solo para usted: por favor, no lo reenvíe)",
        "join_url": "Enlace",
        "join_number": "Número de reunión",
        "join_password": "Contraseña",
        "join_dial": "Por teléfono",
        "register": "Para inscribirse, escriba a la Secretaría o inscríbase en la página Reuniones "
        "del tablero{link}.",
        "ics_note": "El archivo de calendario adjunto (.ics) añade la reunión a su agenda.",
        "subject.invitation": "Invitación: {title}, {date}",
        "body.invitation": "Está invitado/a a «{title}», el {date}.",
        "subject.registration_received": "Inscripción recibida: {title}",
        "body.registration_received": "Hemos recibido su inscripción en «{title}» ({date}). "
        "La Secretaría la confirmará en breve.",
        "subject.registration_confirmed": "Inscripción confirmada: {title}",
        "body.registration_confirmed": "Su inscripción en «{title}» ({date}) está confirmada.",
        "subject.registration_waitlisted": "Lista de espera: {title}",
        "body.registration_waitlisted": "«{title}» está completo: usted está en la lista de "
        "espera. Le escribiremos en cuanto se libere una plaza.",
        "subject.registration_promoted": "Una plaza para usted: {title}",
        "body.registration_promoted": "Se liberó una plaza: su inscripción en «{title}» ({date}) "
        "está confirmada.",
        "subject.registration_declined": "Inscripción no aceptada: {title}",
        "body.registration_declined": "Lo sentimos: su inscripción en «{title}» no pudo ser "
        "aceptada.",
        "subject.registration_cancelled": "Inscripción cancelada: {title}",
        "body.registration_cancelled": "Su inscripción en «{title}» ({date}) está cancelada.",
        "subject.reminder": "Recordatorio: {title}, {date}",
        "body.reminder": "Le recordamos que «{title}» tiene lugar el {date}.",
        "subject.event_updated": "Modificado: {title}, {date}",
        "body.event_updated": "«{title}» ha cambiado. Ahora tiene lugar el {date}.",
        "subject.event_cancelled": "Cancelado: {title}",
        "body.event_cancelled": "«{title}», previsto para el {date}, está cancelado.",
        "subject.booking_confirmed": "Reserva confirmada: {title}",
        "body.booking_confirmed": "Su reserva de «{title}» ({date}) para «{purpose}» está "
        "confirmada.",
        "subject.booking_declined": "Reserva rechazada: {title}",
        "body.booking_declined": "Su reserva de «{title}» ({date}) para «{purpose}» ha sido "
        "rechazada.",
        "note": "Nota",
    },
}


class MailUnavailable(LookupError):
    """What the message is about is gone (its event was deleted); it cannot be written."""


@dataclass
class Written:
    """A message written out: subject, the blocks of its body, its calendar file."""

    subject: str
    # ("p", text) paragraphs; ("h", text) headings; ("rows", [(label, value, is_link)]) lists.
    blocks: list[tuple] = field(default_factory=list)
    ics: bytes | None = None
    method: str | None = None
    has_join_details: bool = False

    def text(self) -> str:
        out = []
        for kind, value in self.blocks:
            if kind == "rows":
                out.append(
                    "\n".join(f"- {label}: {v}" if label else f"- {v}" for label, v, _ in value)
                )
            elif kind == "h":
                out.append(f"{value}\n{'-' * len(value)}")
            else:
                out.append(value)
        return "\n\n".join(out) + "\n"

    def html(self) -> str:
        esc = html.escape
        parts = []
        for kind, value in self.blocks:
            if kind == "h":
                parts.append(f"<h3>{esc(value)}</h3>")
            elif kind == "p":
                parts.append(f"<p>{esc(value)}</p>")
            else:
                items = []
                for label, v, is_link in value:
                    shown = esc(v)
                    if is_link and str(v).lower().startswith(("https://", "http://")):
                        shown = f'<a href="{esc(v, quote=True)}">{shown}</a>'
                    items.append(f"<li>{esc(label) + ': ' if label else ''}{shown}</li>")
                parts.append("<ul>" + "".join(items) + "</ul>")
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
            '<body style="font-family: sans-serif">' + "".join(parts) + "</body></html>"
        )


def _t(lang: str, key: str, **values) -> str:
    text = T.get(lang, T["en"]).get(key) or T["en"][key]
    return text.format(**values)


def _offset(local: datetime) -> str:
    delta = local.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def date_label(starts_utc: datetime, ends_utc: datetime, tz: str, lang: str, *, all_day=False):
    """'Friday 26 February 2021, 15:00-17:00 Europe/Zurich (UTC+01:00)', in the language."""
    start, end = to_local(starts_utc, tz), to_local(ends_utc, tz)
    day = _DAYS[lang].split()[start.weekday()]
    month = _MONTHS[lang].split()[start.month - 1]
    text = f"{day} {start.day} {month} {start.year}"
    if all_day:
        return text
    return f"{text}, {start:%H:%M}-{end:%H:%M} {tz} ({_offset(start)})"


def recipient_user(message: store.Message) -> User:
    """The recipient as the join-details rule sees a person: by their e-mail, with no staff role."""
    return User(
        username=f"mail:{message.recipient}",
        name=message.recipient_name or message.recipient,
        email=message.recipient,
        role="viewer",
    )


def join_entitled(db: Db, message: store.Message) -> bool:
    """Whether this message may carry the event's join details (the one rule, checked now)."""
    if message.kind in NO_JOIN_KINDS or not message.event_id:
        return False
    return ev.may_see_join_details(db, recipient_user(message), message.event_id)


def _calendar(db: Db, message: store.Message, *, method: str, with_join: bool) -> bytes:
    """The event's .ics from the export, as an iTIP request or cancellation for the recipient."""
    data = ics.export_ics(
        db,
        user=recipient_user(message),
        event_ids=[message.event_id],
        include_join_details=with_join,
    ).decode("utf-8")
    data = data.replace("METHOD:PUBLISH", f"METHOD:{method}", 1)
    sender = ics._escape(message.recipient_name or message.recipient)
    attendee = ics._fold(
        f'ATTENDEE;CN="{sender.replace(chr(34), "")}";RSVP=FALSE:mailto:{message.recipient}'
    )
    return data.replace("END:VEVENT", attendee + "\r\nEND:VEVENT", 1).encode("utf-8")


def _agenda_rows(items, tz: str, lang: str) -> list[tuple]:
    rows = []
    for item in items.itertuples():
        line = f"{to_local(item.starts_utc, tz):%H:%M}-{to_local(item.ends_utc, tz):%H:%M} {item.title}"
        if item.presenter:
            line += f" ({_t(lang, 'by', who=item.presenter)})"
        if item.moderator:
            line += f", {_t(lang, 'moderated', who=item.moderator)}"
        rows.append(("", line, False))
    return rows


def write_message(db: Db, message: store.Message, *, public_url: str | None = None) -> Written:
    """Write one outbox message from the database as it is now."""
    lang = message.lang if message.lang in T else "en"
    greeting = (
        _t(lang, "greeting", name=message.recipient_name)
        if message.recipient_name
        else _t(lang, "greeting_anon")
    )
    if message.kind.startswith("booking_"):
        return _write_booking(db, message, lang, greeting)
    event = ev.get_event(db, message.event_id)
    if event is None:
        raise MailUnavailable(f"Event {message.event_id} no longer exists.")
    date = date_label(event.starts_utc, event.ends_utc, event.tz, lang, all_day=event.all_day)
    values = {"title": event.title, "date": date}
    written = Written(subject=_t(lang, f"subject.{message.kind}", **values))
    blocks = written.blocks
    blocks.append(("p", greeting))
    blocks.append(("p", _t(lang, f"body.{message.kind}", **values)))
    facts = [(_t(lang, "when"), date, False)]
    tz = message.recipient_tz
    if tz and tz != event.tz and not event.all_day:
        facts.append(
            (_t(lang, "your_time"), date_label(event.starts_utc, event.ends_utc, tz, lang), False)
        )
    if event.location:
        facts.append((_t(lang, "where"), event.location, False))
    blocks.append(("rows", facts))
    cancelled = message.kind in CANCEL_KINDS or message.kind in NO_JOIN_KINDS - {
        "registration_received",
        "registration_waitlisted",
    }
    if not cancelled:
        agenda = ev.list_agenda(db, event_id=event.event_id)
        if len(agenda):
            blocks.append(("h", _t(lang, "agenda", zone=event.tz)))
            blocks.append(("rows", _agenda_rows(agenda, event.tz, lang)))
            if tz and tz != event.tz:
                blocks.append(("h", _t(lang, "agenda_yours", zone=tz)))
                blocks.append(("rows", _agenda_rows(agenda, tz, lang)))
        materials = store.list_materials(db, event_id=event.event_id)
        if materials:
            order = {code: (code != lang, i) for i, code in enumerate(LANG_LABELS)}
            materials.sort(key=lambda m: (order.get(m[1], (True, 9)), m[0]))
            blocks.append(("h", _t(lang, "materials")))
            blocks.append(
                (
                    "rows",
                    [
                        (f"{title} ({LANG_LABELS.get(code, code)})", url or "", bool(url))
                        for title, code, url in materials
                    ],
                )
            )
    written.has_join_details = join_entitled(db, message)
    if written.has_join_details:
        details = ev.join_details_for(db, user=recipient_user(message), event_ids=[event.event_id])
        found = details.get(event.event_id) or {}
        labels = {
            "url": "join_url",
            "meeting_number": "join_number",
            "password": "join_password",
            "dial_in": "join_dial",
        }
        rows = [(_t(lang, labels[k]), v, k == "url") for k, v in found.items() if v]
        if rows:
            blocks.append(("h", _t(lang, "join")))
            blocks.append(("rows", rows))
        else:
            written.has_join_details = False
    if message.kind == "invitation":
        link = f" ({public_url.rstrip('/')}/meetings)" if public_url else ""
        blocks.append(("p", _t(lang, "register", link=link)))
    method = (
        "CANCEL"
        if message.kind in CANCEL_KINDS
        else "REQUEST"
        if message.kind in REQUEST_KINDS
        else None
    )
    if method:
        written.method = method
        written.ics = _calendar(db, message, method=method, with_join=written.has_join_details)
        blocks.append(("p", _t(lang, "ics_note")))
    blocks.append(("p", _t(lang, "sign")))
    return written


def _write_booking(db: Db, message: store.Message, lang: str, greeting: str) -> Written:
    booking = store.get_booking_context(db, booking_id=message.ref_id)
    if booking is None:
        raise MailUnavailable(f"Booking {message.ref_id} no longer exists.")
    date = date_label(booking["starts_utc"], booking["ends_utc"], booking["tz"], lang)
    values = {"title": booking["slot_title"], "date": date, "purpose": booking["purpose"]}
    written = Written(subject=_t(lang, f"subject.{message.kind}", **values))
    written.blocks += [("p", greeting), ("p", _t(lang, f"body.{message.kind}", **values))]
    if booking["decision_note"]:
        written.blocks.append(("rows", [(_t(lang, "note"), booking["decision_note"], False)]))
    written.blocks.append(("p", _t(lang, "sign")))
    return written


def _domain(mail_from: str) -> str:
    return mail_from.rsplit("@", 1)[-1].strip("> ") or "actionplan.invalid"


def build_mime(written: Written, message: store.Message, *, mail_from: str) -> EmailMessage:
    """The MIME message: text and HTML alternatives, the .ics attached; a Message-ID fixed by the
    outbox row, so a copy that reaches someone twice is recognisably the same message."""
    mime = EmailMessage()
    mime["Subject"] = written.subject
    mime["From"] = mail_from
    mime["To"] = (
        formataddr((message.recipient_name, message.recipient))
        if message.recipient_name
        else message.recipient
    )
    mime["Message-ID"] = f"<outbox-{message.message_id}.{message.kind}@{_domain(mail_from)}>"
    mime["X-Actionplan-Message"] = str(message.message_id)
    mime["Content-Language"] = message.lang
    mime.set_content(written.text(), subtype="plain", charset="utf-8")
    mime.add_alternative(written.html(), subtype="html", charset="utf-8")
    if written.ics is not None:
        mime.add_attachment(
            written.ics,
            maintype="text",
            subtype="calendar",
            filename="invite.ics" if written.method == "REQUEST" else "cancel.ics",
            params={"method": written.method},
        )
    return mime

"""Waiting on me: what each role has to decide or chase, and the bulk decisions taken from it.

The lists reuse the rules of their own areas: registrations are confirmed and declined by
`core.registration`, booking requests answered by `core.bookings`, late products flagged by
`core.pipeline.product_flags`, Champions not engaged found by `core.engagement.not_engaged`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from pydantic import BaseModel

from core import bookings, engagement, pipeline, registration
from core.permissions import PermissionDenied, User, can
from core.store import Db
from core.store import inbox as store

CLOSING_DAYS = 7
NOT_ENGAGED_DAYS = 90


class WaitingCounts(BaseModel):
    """How many items wait, per list; `total` is what the navigation shows."""

    registrations: int = 0
    bookings: int = 0
    consultations: int = 0
    products: int = 0

    @property
    def total(self) -> int:
        return self.registrations + self.bookings + self.consultations + self.products


class Outcome(BaseModel):
    """What a bulk decision did: the names done, and each refusal in words."""

    done: list[str] = []
    refused: list[str] = []
    notes: list[str] = []


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def sees_registrations(user: User) -> bool:
    """The Secretariat confirms; an EC member follows their own agency's requests."""
    return user.is_staff or user.role == "ec_member"


def sees_bookings(user: User) -> bool:
    """The Secretariat answers booking requests; a workstream lead follows their own."""
    return user.is_staff or user.role == "workstream_lead"


def sees_pipeline(user: User) -> bool:
    """Consultations closing and products late: the Secretariat, and a lead for their workstream."""
    return user.is_staff or user.role == "workstream_lead"


def sees_engagement(user: User) -> bool:
    return user.role in ("admin", "secretariat", "ec_member", "workstream_lead")


def _workstream(user: User) -> str | None:
    return None if user.is_staff else user.workstream_id


def _agency(user: User) -> str | None:
    return None if user.is_staff else user.agency_id


def waiting_counts(con: Db, *, user: User, today: date | None = None) -> WaitingCounts:
    """Count what waits on this user, in one store query (for the navigation title)."""
    if user.role == "viewer":
        return WaitingCounts()
    today = today or date.today()
    raw = store.count_waiting(
        con,
        now_utc=_now(),
        today=today,
        until=today + timedelta(days=CLOSING_DAYS),
        agency_id=_agency(user),
        workstream_id=_workstream(user),
    )
    return WaitingCounts(
        registrations=raw["registrations"] if sees_registrations(user) else 0,
        bookings=raw["bookings"] if sees_bookings(user) else 0,
        consultations=raw["consultations"] if sees_pipeline(user) else 0,
        products=raw["products"] if sees_pipeline(user) else 0,
    )


def registrations_waiting(con: Db, *, user: User) -> pd.DataFrame:
    """Requested registrations of meetings not yet over: all for the Secretariat, own agency's
    for an EC member."""
    if not sees_registrations(user):
        raise PermissionDenied("Registrations are followed by the Secretariat and EC members.")
    return store.list_requested_registrations(con, now_utc=_now(), agency_id=_agency(user))


def bookings_waiting(con: Db, *, user: User) -> pd.DataFrame:
    """Booking requests not yet answered: all for the Secretariat, own workstream's for a lead."""
    if not sees_bookings(user):
        raise PermissionDenied("Booking requests are for the Secretariat and workstream leads.")
    df = bookings.list_bookings(con, workstream_id=_workstream(user))
    return df[df["status"] == "requested"].sort_values("starts_utc").reset_index(drop=True)


def consultations_closing(con: Db, *, user: User, today: date | None = None) -> pd.DataFrame:
    """Consultation windows closing in the next seven days (own workstream's for a lead)."""
    if not sees_pipeline(user):
        raise PermissionDenied("Consultations are followed by the Secretariat and leads.")
    today = today or date.today()
    return store.list_closing_consultations(
        con,
        today=today,
        until=today + timedelta(days=CLOSING_DAYS),
        workstream_id=_workstream(user),
    )


def products_late(con: Db, *, user: User, today: date | None = None) -> pd.DataFrame:
    """Overdue products with the reason in words (own workstream's for a lead)."""
    if not sees_pipeline(user):
        raise PermissionDenied("Products are followed by the Secretariat and leads.")
    df = pipeline.list_products(con, today=today)
    df = df[df["overdue"]]
    if (ws := _workstream(user)) is not None:
        df = df[df["workstream_id"] == ws]
    return df.reset_index(drop=True)


def champions_not_engaged(con: Db, *, user: User, today: date | None = None) -> pd.DataFrame:
    """Champions with no engagement in the last 90 days (never engaged first)."""
    if not sees_engagement(user):
        raise PermissionDenied("Engagement is not shown to viewers.")
    return engagement.not_engaged(con, days=NOT_ENGAGED_DAYS, today=today)


def _names(con: Db, user: User) -> dict[int, str]:
    df = registrations_waiting(con, user=user)
    return dict(zip(df["registration_id"], df["participant_name"], strict=True))


def confirm_registrations(con: Db, *, actor: User, registration_ids: Iterable[int]) -> Outcome:
    """Confirm each chosen requested registration; refusals are said per person."""
    names = _names(con, actor)
    out = Outcome()
    for rid in registration_ids:
        who = names.get(int(rid), f"Registration {rid}")
        try:
            registration.confirm_registration(con, actor=actor, registration_id=int(rid))
        except (registration.RegistrationRefused, PermissionDenied) as exc:
            out.refused.append(f"{who}: {exc}")
        else:
            out.done.append(who)
    return out


def decline_registrations(con: Db, *, actor: User, registration_ids: Iterable[int]) -> Outcome:
    """Decline (cancel) each chosen requested registration; a promotion from the waiting list
    is said in `notes`."""
    names = _names(con, actor)
    out = Outcome()
    for rid in registration_ids:
        who = names.get(int(rid), f"Registration {rid}")
        try:
            promoted = registration.cancel_registration(con, actor=actor, registration_id=int(rid))
        except (registration.RegistrationRefused, PermissionDenied) as exc:
            out.refused.append(f"{who}: {exc}")
        else:
            out.done.append(who)
            if promoted is not None:
                out.notes.append(promoted.message)
    return out


def decide_bookings(con: Db, *, actor: User, booking_ids: Iterable[int], confirm: bool) -> Outcome:
    """Confirm or decline each chosen booking request; refusals are said per request."""
    out = Outcome()
    if not can(actor, "booking.decide"):
        raise PermissionDenied("Only the Secretariat answers booking requests.")
    for bid in booking_ids:
        try:
            done = bookings.decide_booking(con, actor=actor, booking_id=int(bid), confirm=confirm)
        except (bookings.BookingRefused, PermissionDenied) as exc:
            out.refused.append(str(exc))
        else:
            out.done.append(done.message)
    return out

"""Say who may see which page and do which action; every write in core calls `require`."""

from __future__ import annotations

from pydantic import BaseModel

ROLES = ("admin", "secretariat", "ec_member", "workstream_lead", "viewer")

ROLE_LABELS = {
    "admin": "Administrator",
    "secretariat": "Secretariat",
    "ec_member": "EC member",
    "workstream_lead": "Workstream lead",
    "viewer": "Viewer",
}

# Page key -> roles that may open it. The router lists only these; each page's guard checks again.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": frozenset(ROLES),
    "inbox": frozenset({"admin", "secretariat", "ec_member", "workstream_lead"}),
    "calendar": frozenset(ROLES),
    "pipeline": frozenset(ROLES),
    "champions": frozenset(ROLES),
    "engagement": frozenset({"admin", "secretariat", "ec_member", "workstream_lead"}),
    "meetings": frozenset(ROLES),
    "bookings": frozenset({"admin", "secretariat", "workstream_lead"}),
    "admin": frozenset({"admin"}),
}


class User(BaseModel):
    """The logged-in person, as core sees them."""

    username: str
    name: str
    email: str
    role: str
    agency_id: str | None = None
    workstream_id: str | None = None

    @property
    def is_staff(self) -> bool:
        """Return True for the Secretariat and administrators."""
        return self.role in ("admin", "secretariat")


# The system itself (migrations, demo seeding, command line run by an operator).
SYSTEM = User(username="system", name="System", email="", role="admin")


class PermissionDenied(PermissionError):
    """The user's role does not allow the action; the message says which rule."""


def can_view_page(user: User | None, page: str) -> bool:
    """Return True when the user may open the page."""
    return user is not None and user.role in PAGE_ROLES.get(page, frozenset())


def pages_for(user: User) -> list[str]:
    """Return the page keys the user may open, in menu order."""
    return [page for page in PAGE_ROLES if can_view_page(user, page)]


def can(
    user: User | None,
    action: str,
    *,
    workstream_id: str | None = None,
    agency_id: str | None = None,
) -> bool:
    """Return True when the user may perform the action on the given workstream or agency."""
    if user is None:
        return False
    role = user.role
    if role == "admin":
        return True
    staff = role == "secretariat"
    own_workstream = (
        role == "workstream_lead"
        and workstream_id is not None
        and (workstream_id == user.workstream_id)
    )
    own_agency = role == "ec_member" and agency_id is not None and agency_id == user.agency_id
    rules = {
        "event.edit": staff or own_workstream,
        "product.edit": staff or own_workstream,
        "feedback.add": staff or own_workstream,
        "champion.edit": staff,
        "contacts.view": staff or role in ("ec_member", "workstream_lead"),
        "join_details.view": staff,
        "registration.manage": staff,
        "registration.create": staff or own_agency,
        "registration.cancel": staff or own_agency,
        "attendance.mark": staff,
        "office_support.edit": staff or own_agency,
        "office_support.view_all": staff,
        "engagement.add": staff or own_workstream,
        "booking.offer": staff,
        "booking.request": staff or own_workstream,
        "booking.decide": staff,
        "booking.withdraw": staff or own_workstream,
        "slotfinder.record": staff or role == "workstream_lead",
        "settings.edit": staff,
        "grouping.edit": False,
        "user.manage": False,
        "backup": False,
        "audit.view": staff,
        "feed.manage": True,
    }
    if action not in rules:
        raise KeyError(f"Unknown action {action!r}")
    return rules[action]


def require(
    user: User | None,
    action: str,
    *,
    workstream_id: str | None = None,
    agency_id: str | None = None,
) -> None:
    """Raise PermissionDenied unless the user may perform the action."""
    if can(user, action, workstream_id=workstream_id, agency_id=agency_id):
        return
    who = "Nobody logged in" if user is None else f"{user.username} ({ROLE_LABELS[user.role]})"
    scope = ""
    if workstream_id:
        scope = f" for workstream {workstream_id}"
    elif agency_id:
        scope = f" for agency {agency_id}"
    raise PermissionDenied(f"{who} may not do '{action}'{scope}.")

"""Admin page's account forms: add a user; disable, enable or reset a password."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import auth, engagement, meetings
from core.permissions import ROLE_LABELS, ROLES, User
from ui.context import after_write
from ui.safe import md_text
from ui.widgets import field_errors

ADD_USER_KEYS = (
    "admin_new_username",
    "admin_new_name",
    "admin_new_email",
    "admin_new_role",
    "admin_new_agency",
    "admin_new_workstream",
    "admin_new_password",
)
USER_FIELDS = {
    "username": "Username",
    "name": "Full name",
    "email": "E-mail",
    "role": "Role",
    "agency_id": "Agency",
    "workstream_id": "Workstream",
}


def render_add_user(con, user: User) -> None:
    """The form that creates an account (administrators; core checks the role again).

    Agencies and workstreams are chosen from the registry; the role starts at the least
    privileged one (Viewer); a refusal keeps every value typed, a success empties the form.
    """
    if done := st.session_state.pop("admin_add_done", None):
        for key in ADD_USER_KEYS:  # before the widgets exist: emptied for the next person
            st.session_state.pop(key, None)
        st.success(md_text(done))
    agencies = meetings.list_agencies(con)
    agency_names = dict(zip(agencies["agency_id"], agencies["name"], strict=True))
    workstreams = engagement.list_workstreams(con)
    ws_names = {
        w: (f"{w}: {t}" if isinstance(t, str) and t else w)
        for w, t in zip(workstreams["workstream_id"], workstreams["name"], strict=True)
    }
    with st.form("admin_add_user", clear_on_submit=False):
        c1, c2 = st.columns(2)
        username = c1.text_input(
            "Username", key="admin_new_username", help="3-40 lowercase letters, digits, . _ -"
        )
        name = c2.text_input("Full name", key="admin_new_name")
        email = c1.text_input("E-mail", key="admin_new_email")
        roles = list(reversed(ROLES))  # least privileged first, and chosen by default
        role = c2.selectbox("Role", roles, format_func=ROLE_LABELS.get, key="admin_new_role")
        agency = c1.selectbox(
            "Agency (EC members)", [None, *agency_names], key="admin_new_agency",
            format_func=lambda a: "" if a is None else f"{a}: {agency_names[a]}",
            placeholder="Choose an agency",
        )  # fmt: skip
        workstream = c2.selectbox(
            "Workstream (workstream leads)", [None, *ws_names], key="admin_new_workstream",
            format_func=lambda w: "" if w is None else ws_names[w],
            placeholder="Choose a workstream",
        )  # fmt: skip
        password = st.text_input(
            "Initial password",
            type="password",
            key="admin_new_password",
            help="At least 10 characters, at most 72 bytes.",
        )
        if st.form_submit_button("Create user", key="admin_create_user"):
            try:
                user_in = auth.UserIn(
                    username=username,
                    name=name,
                    email=email,
                    role=role,
                    agency_id=agency or None,
                    workstream_id=workstream or None,
                )
                auth.create_user(con, actor=user, user_in=user_in, password=password)
            except ValidationError as exc:
                st.error(field_errors(exc, USER_FIELDS), icon=":material/error:")
            except (ValueError, PermissionError) as exc:
                st.error(md_text(str(exc)), icon=":material/block:")
            else:
                after_write()
                st.session_state["admin_add_done"] = (
                    f"User {user_in.username} created ({user_in.name}, {ROLE_LABELS[role]})."
                )
                st.rerun()


def render_account_actions(con, user: User, *, usernames: list[str]) -> None:
    """Disable, enable or reset the password of one account."""
    target = st.selectbox("Account", usernames, key="admin_target_user", persist_state="page")
    c1, c2 = st.columns(2)
    if c1.button("Disable account", key="admin_disable"):
        auth.set_user_active(con, actor=user, username=target, active=False)
        st.success(md_text(f"{target} disabled; their sessions ended."))
    if c2.button("Enable account", key="admin_enable"):
        auth.set_user_active(con, actor=user, username=target, active=True)
        st.success(md_text(f"{target} enabled."))
    new_password = st.text_input("New password", type="password", key="admin_reset_password")
    if st.button("Set new password", key="admin_set_password"):
        try:
            auth.set_password(con, actor=user, username=target, password=new_password)
        except ValueError as exc:
            st.error(md_text(str(exc)))
        else:
            st.success(md_text(f"Password of {target} changed; their sessions ended."))


def _until(until, locked: bool) -> str:
    """When a lock ends, in words; blank when the row is not locked."""
    if not locked or pd.isna(until):
        return ""
    if until >= auth.FOREVER:
        return "until an administrator unlocks it"
    return f"{until:%d %b %Y, %H:%M}"


def render_lockouts(con, user: User) -> None:
    """Show the logins locked now (or with failures counted) and let the admin lift a lock."""
    if "admin_unlock_done" in st.session_state:
        st.success(md_text(st.session_state.pop("admin_unlock_done")))
    now = datetime.now(UTC).replace(tzinfo=None)
    locks = auth.list_lockouts(con, actor=user, now=now)
    if locks.empty:
        st.caption("No failed logins are being counted and no account is locked.")
        return
    st.dataframe(
        locks[["account", "client", "failures", "locked", "last_failure_utc"]].assign(
            locked_until_utc=[
                _until(until, locked)
                for until, locked in zip(locks["locked_until_utc"], locks["locked"], strict=True)
            ]
        ),
        hide_index=True,
        width="stretch",
        key="admin_lockouts",
        column_config={
            "account": "Account",
            "client": "From (address)",
            "failures": st.column_config.NumberColumn("Failures counted"),
            "locked": st.column_config.CheckboxColumn("Locked now"),
            "locked_until_utc": "Locked until (UTC)",
            "last_failure_utc": st.column_config.DatetimeColumn(
                "Last failure (UTC)", format="D MMM YYYY, HH:mm"
            ),
        },
    )
    accounts = sorted(locks["account"].unique())
    target = st.selectbox("Account to unlock", accounts, key="admin_unlock_target")

    def unlock() -> None:
        cleared = auth.unlock_account(con, actor=user, username=target)
        st.session_state["admin_unlock_done"] = (
            f"{target} unlocked: {cleared} lock or failure count(s) cleared."
        )

    # A callback, so that the table drawn on this run already shows the account unlocked.
    st.button("Unlock this account", key="admin_unlock", on_click=unlock)

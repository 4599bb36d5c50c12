"""Log people in with streamlit-authenticator's cookie, core's password check and lockout."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth

from core import auth
from core.demo import DEMO_PASSWORDS, DEMO_USERS
from core.permissions import ROLE_LABELS, User
from ui.context import USER_KEY, connection, settings
from ui.safe import md_text

LOGIN_TS_KEY = "actionplan_login_ts"


def _credentials(user: User | None) -> dict:
    """Build the library's credentials dict for one user (hashes stay in the database)."""
    if user is None:
        return {"usernames": {}}
    return {
        "usernames": {
            user.username: {
                "name": user.name,
                "email": user.email,
                "password": "x",
                "roles": [user.role],
            }
        }
    }


def _authenticator(user: User | None) -> stauth.Authenticate:
    s = settings()
    return stauth.Authenticate(
        _credentials(user),
        s.cookie_name,
        s.cookie_key,
        s.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


def _start_session(user: User, issued_ts: float) -> None:
    st.session_state[USER_KEY] = user.model_dump()
    st.session_state[LOGIN_TS_KEY] = issued_ts


def _end_session() -> None:
    for key in (USER_KEY, LOGIN_TS_KEY):
        st.session_state.pop(key, None)
    st.session_state["authentication_status"] = None


def _still_valid(user_data: dict) -> User | None:
    """Re-check a live session: the account is active and was not logged out elsewhere."""
    s = settings()
    con = connection()
    username = user_data["username"]
    user = auth.get_user(con, username, demo_mode=s.demo_mode)
    if user is None:
        return None
    if not auth.session_still_valid(con, username, issued_ts=st.session_state.get(LOGIN_TS_KEY, 0)):
        return None
    return user


def restore_session() -> User | None:
    """Return the logged-in user from this session or from a valid, unrevoked login cookie."""
    s = settings()
    con = connection()
    data = st.session_state.get(USER_KEY)
    if data and st.session_state.get("authentication_status"):
        user = _still_valid(data)
        if user is not None:
            return user
        _end_session()
    if st.session_state.get("logout"):
        return None
    token = st.context.cookies.get(s.cookie_name)
    username = auth.session_username(
        con, token, cookie_key=s.cookie_key, expiry_days=s.cookie_expiry_days, now_ts=time.time()
    )
    user = auth.get_user(con, username, demo_mode=s.demo_mode) if username else None
    if user is None:
        return None
    # The cookie is valid and not revoked. Restore the session state the library would set,
    # without building its CookieManager: that component's round trip costs a second full run.
    st.session_state.update(
        {
            "authentication_status": True,
            "username": user.username,
            "name": user.name,
            "email": user.email,
            "roles": [user.role],
            "logout": None,
        }
    )
    _start_session(user, time.time() - 1)
    return user


def _client_address() -> str:
    """The connection's address, or "localhost" (Streamlit gives None for local connections)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "localhost"


def login_page() -> None:
    """Draw the login form; on success set the session and the cookie."""
    s = settings()
    st.title("Champions action plan")
    st.caption(
        "UN Network on Migration: common calendar, product pipeline, Champion engagement, meetings."
    )
    with st.form("login_form"):
        username = st.text_input("Username", key="login_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Log in", key="login_submit", type="primary")
    if submitted:
        result = auth.authenticate(
            connection(),
            username,
            password,
            now=datetime.now(UTC).replace(tzinfo=None),
            demo_mode=s.demo_mode,
            attempts=s.lockout_attempts,
            minutes=s.lockout_minutes,
            # The connection's address (uvicorn takes X-Forwarded-For from a local proxy).
            client=_client_address(),
        )
        if result.user is None:
            st.error(result.message)
        else:
            user = result.user
            st.session_state.update(
                {
                    "authentication_status": True,
                    "username": user.username,
                    "name": user.name,
                    "email": user.email,
                    "roles": [user.role],
                    "logout": None,
                }
            )
            _start_session(user, time.time() - 1)
            # The library signs {username, exp_date} into its cookie; core checks it against
            # logouts. Its component reruns the app once the browser has stored the cookie.
            _authenticator(user).cookie_controller.set_cookie()
            st.success(f"Logged in as {md_text(user.name)}. Opening the dashboard…")
            st.button("Open the dashboard", key="login_continue")
            return
    if s.demo_mode:
        st.info(
            "**Demo mode.** These demo accounts exist only while demo mode is on; "
            "the data shown is partly generated and marked *(demo)*."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "username": u.username,
                        "password": DEMO_PASSWORDS[u.username],
                        "role": ROLE_LABELS[u.role],
                        "bound to": u.agency_id or u.workstream_id or "",
                    }
                    for u in DEMO_USERS
                ]
            ),
            hide_index=True,
            key="login_demo_users",
        )


def logout_button(user: User) -> None:
    """Draw the logout button; logging out ends every session of the user, cookies included."""
    if st.sidebar.button("Log out", key="logout_button"):
        auth.logout(connection(), user.username)
        authenticator = _authenticator(user)
        authenticator.logout(location="unrendered")
        _end_session()
        st.rerun()

"""Route the dashboard: page config, login, and the pages the user's role may see."""

import streamlit as st

from core.config import ConfigError
from core.db import DatabaseError, DatabaseLocked, DatabaseMissing, describe_fault
from core.permissions import ROLE_LABELS, pages_for
from core.store import WriteConflict
from ui import context
from ui.inbox import nav_title
from ui.login import login_page, logout_button, restore_session
from ui.safe import md_text

PAGES = {
    "overview": ("pages/overview.py", "Overview", ":material/dashboard:"),
    "inbox": ("pages/inbox.py", "Waiting on me", ":material/inbox:"),
    "calendar": ("pages/calendar.py", "Calendar", ":material/calendar_month:"),
    "pipeline": ("pages/pipeline.py", "Pipeline", ":material/view_kanban:"),
    "champions": ("pages/champions.py", "Champions", ":material/public:"),
    "engagement": ("pages/engagement.py", "Engagement", ":material/handshake:"),
    "meetings": ("pages/meetings.py", "Meetings", ":material/groups:"),
    "bookings": ("pages/bookings.py", "Bookings", ":material/event_available:"),
    "admin": ("pages/admin.py", "Admin", ":material/admin_panel_settings:"),
}

st.set_page_config(page_title="Champions action plan", page_icon=":material/public:", layout="wide")

try:
    context.settings()
    context.connection()
except (ConfigError, DatabaseLocked, DatabaseError) as exc:
    if not isinstance(exc, DatabaseMissing):
        context.drop_connection()
    st.error(md_text(f"The dashboard cannot open its database. {exc}"), icon=":material/report:")
    st.stop()


def run() -> None:
    user = restore_session()
    if user is None:
        # Calling st.navigation here also stops Streamlit from listing the pages/ files.
        st.navigation(
            [st.Page(login_page, title="Log in", url_path="login", default=True)],
            position="hidden",
        ).run()
        st.stop()

    with st.sidebar:
        # Names are typed by admins: shown as text, never as Markdown.
        st.markdown(
            f"**{md_text(user.name)}**  \n{ROLE_LABELS[user.role]}"
            + (f" · {md_text(user.agency_id)}" if user.agency_id else "")
            + (f" · {md_text(user.workstream_id)}" if user.workstream_id else "")
        )
        if context.settings().demo_mode:
            st.caption("Demo mode: demo accounts and generated data are on.")
    logout_button(user)

    st.navigation(
        [
            st.Page(
                PAGES[key][0],
                title=nav_title(user) if key == "inbox" else PAGES[key][1],
                icon=PAGES[key][2],
                url_path=key,
            )
            for key in pages_for(user)
        ]
    ).run()


try:
    run()
except WriteConflict as exc:
    # Someone else saved the same records at the same moment, and the retries did not get
    # through: nothing was saved, and the page says so instead of a traceback.
    st.error(str(exc), icon=":material/sync_problem:")
except Exception as exc:
    # A storage fault (disk full, read-only folder, damaged or missing file) is said in plain
    # words, not as a traceback; every write is one transaction, so nothing is half-written.
    message = describe_fault(exc)
    if message is None:
        raise
    context.drop_connection()  # the next click reopens it, once the fault is fixed
    st.error(message, icon=":material/report:")

"""The planning brief on the Overview: made on click (with a spinner), then offered as a PDF."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.brief import BriefRequest, brief_pdf
from core.permissions import User
from ui.context import connection, db_key

STATE_KEY = "overview_brief_pdf"


def render_brief_download(user: User, today: date, zone: str) -> None:
    """A button that makes the brief for this user, day and zone, then its download button."""
    wanted = (db_key(), user.username, today.isoformat(), zone)
    with st.container(horizontal=True, gap="small"):
        if st.button(
            "Make the planning brief (PDF)",
            key="overview_brief_make",
            icon=":material/picture_as_pdf:",
            help="One or two pages for a planning meeting: the figures below, as you may see them.",
        ):
            with st.spinner("Making the planning brief…"):
                pdf = brief_pdf(connection(), BriefRequest(today=today, zone=zone, user=user))
            st.session_state[STATE_KEY] = (wanted, pdf)
        made = st.session_state.get(STATE_KEY)
        if made and made[0] == wanted:
            st.download_button(
                "Download the planning brief",
                made[1],
                file_name=f"planning-brief-{today.isoformat()}.pdf",
                mime="application/pdf",
                key="overview_brief_download",
                icon=":material/download:",
            )

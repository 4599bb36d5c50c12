"""What a page says when an exception escapes it (serve.py registers `on_script_error`)."""

from __future__ import annotations

import streamlit as st

from core.db import describe_fault
from core.store import WriteConflict
from ui.safe import md_text


def on_script_error(exc: Exception) -> bool:
    """Show a write conflict or a storage fault in plain words instead of a traceback.

    Returns True when it was shown (Streamlit then draws no traceback); other exceptions are
    bugs and keep Streamlit's own display.
    """
    if isinstance(exc, WriteConflict):
        st.error(md_text(str(exc)), icon=":material/sync_problem:")
        return True
    message = describe_fault(exc)
    if message is not None:
        from ui.context import drop_connection

        drop_connection()  # the next click reopens it, once the fault is fixed
        st.error(message, icon=":material/report:")
        return True
    return False

"""The dashboard as one ASGI app: the pages of app.py plus the calendar-feed route, one port.

`make run` starts it with `streamlit run serve.py`; Streamlit finds `app` and serves it.
"""

import gc

import altair  # noqa: F401 (loaded before the freeze below: every page draws with it)
import pandas  # noqa: F401
import streamlit as st

import core.store  # noqa: F401
from ui.errors import on_script_error
from ui.feeds import ROUTES, mark_served

mark_served()
app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)

# The libraries' own objects live as long as the process: keep them out of every later garbage
# collection (.streamlit/config.toml turns off Streamlit's full collection after each run).
gc.freeze()

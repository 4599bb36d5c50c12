"""The dashboard as one ASGI app: the pages of app.py plus the calendar-feed route, one port.

`make run` starts it with `streamlit run serve.py`; Streamlit finds `app` and serves it.
"""

import streamlit as st

from ui.errors import on_script_error
from ui.feeds import ROUTES, mark_served

mark_served()
app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)

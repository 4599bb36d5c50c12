"""The bare page inside the dashboard's frame: st.navigation with eight pages and a sidebar.

The benchmark visits it beside the bare page to show what Streamlit's multipage frame costs by
itself in the browser, before any dashboard content: at the root URL and at a page's own URL.
"""

import streamlit as st

st.set_page_config(page_title="Bare page with navigation", layout="wide")
TITLES = ["Calendar", "Pipeline", "Champions", "Engagement", "Meetings", "Bookings", "Admin"]


def bare() -> None:
    st.title("Bare page")
    st.write(
        "A bare Streamlit page with a title and a line of text, served the same way as the app."
    )


with st.sidebar:
    st.markdown("**Administrator (demo)**  \nAdministrator")
    st.caption("Demo mode: demo accounts and generated data are on.")
    st.button("Log out", icon=":material/logout:")
st.navigation(
    [st.Page(bare, title="Overview", url_path="overview", default=True)]
    + [st.Page(bare, title=title, url_path=title.lower()) for title in TITLES]
).run()

"""Admin: users, audit log, database health."""

import altair as alt
import pandas as pd
import streamlit as st

from core import audit, auth
from core.db import table_counts
from ui.context import connection, guard

user = guard("admin")

st.title("Administration")
tab_users, tab_audit, tab_db = st.tabs(["Users", "Audit log", "Database"])
with tab_users:
    st.dataframe(auth.list_users(connection()), hide_index=True, width="stretch", key="admin_users")
with tab_audit:
    st.dataframe(
        audit.list_audit(connection(), limit=200),
        hide_index=True,
        width="stretch",
        key="admin_audit",
    )
with tab_db:
    counts = pd.DataFrame(sorted(table_counts(connection()).items()), columns=["table", "rows"])
    chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("rows:Q"), y=alt.Y("table:N", sort="-x", title=None), tooltip=["table", "rows"]
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(counts, hide_index=True, width="stretch", key="admin_tables")

"""Admin: user accounts, the audit log, backups and database health."""

import altair as alt
import pandas as pd
import streamlit as st

from core import audit, auth, backup, tabular
from core.db import DatabaseError, table_counts
from core.permissions import ROLE_LABELS
from core.store import display_target
from ui.admin_users import render_account_actions, render_add_user, render_lockouts
from ui.charts import draw_altair
from ui.context import after_write, close_connection, connection, guard, settings
from ui.safe import md_text
from ui.widgets import lazy_tabs

user = guard("admin")

st.title("Administration")


def render_users() -> None:
    con = connection()
    users = auth.list_users(con)
    st.dataframe(
        users.assign(role=users["role"].map(ROLE_LABELS)).fillna(""),
        hide_index=True,
        width="stretch",
        key="admin_users",
        column_config={
            "username": "Username",
            "name": "Name",
            "email": "E-mail",
            "role": "Role",
            "agency_id": "Agency",
            "workstream_id": "Workstream",
            "active": st.column_config.CheckboxColumn("Active"),
            "is_demo": st.column_config.CheckboxColumn("Demo account"),
        },
    )
    # Lazy expanders: their forms run, and load in the browser, only once opened.
    with st.expander("Add a user", key="admin_add_open", on_change="rerun") as add_box:
        if add_box.open:
            render_add_user(con, user)
    with st.expander(
        "Disable, enable or reset a password", key="admin_account_open", on_change="rerun"
    ) as account_box:
        if account_box.open:
            render_account_actions(con, user, usernames=users["username"].tolist())
    with st.expander("Locked logins", key="admin_lockouts_open", on_change="rerun") as locks_box:
        if locks_box.open:
            render_lockouts(con, user)


def render_audit() -> None:
    con = connection()
    entities, usernames = audit.audit_facets(con)
    c1, c2 = st.columns(2)
    # The filters keep their values while the admin looks at another tab of this page.
    entity = c1.selectbox(
        "What", ["(all)", *entities], key="admin_audit_entity", persist_state="page"
    )
    who = c2.selectbox("Who", ["(all)", *usernames], key="admin_audit_user", persist_state="page")
    log = audit.list_audit(
        con,
        actor=user,
        limit=1000,
        entity=None if entity == "(all)" else entity,
        username=None if who == "(all)" else who,
    )
    st.caption(f"{len(log)} newest entries; times in UTC.")
    st.dataframe(audit.readable_audit(log), hide_index=True, width="stretch", key="admin_audit")
    st.download_button(
        "Download as Excel",
        lambda: tabular.excel_bytes(log, sheet="Audit log"),  # built on click, not every rerun
        "audit-log.xlsx",
        key="admin_audit_xlsx",
    )
    st.download_button(
        "Download as CSV",
        lambda: tabular.csv_bytes(log),
        "audit-log.csv",
        "text/csv",
        key="admin_audit_csv",
    )


def counts_chart(counts):
    """Rows per table, the fullest first (empty tables left out)."""
    return (
        alt.Chart(counts[counts["rows"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("rows:Q", title="Rows"),
            y=alt.Y("table:N", sort="-x", title=None),
            tooltip=["table", "rows"],
        )
    )


def render_database() -> None:
    con = connection()
    counts = pd.DataFrame(sorted(table_counts(con).items()), columns=["table", "rows"])
    st.caption(md_text(f"Database: {display_target(settings().db_path)}"))
    draw_altair(counts_chart, counts, width="stretch")
    st.subheader("Backup")
    if st.button("Prepare a backup", key="admin_backup"):
        with st.spinner("Copying the database…"):
            st.session_state["admin_backup_file"] = backup.backup_bytes(con, actor=user)
    if "admin_backup_file" in st.session_state:
        name, data = st.session_state["admin_backup_file"]
        st.download_button(
            f"Download {name}", data, name, "application/octet-stream", key="admin_backup_download"
        )
    st.subheader("Restore")
    st.warning(
        "Restoring replaces every record with the backup's. Everyone's next click reloads the data."
    )
    if "admin_restore_done" in st.session_state:
        st.success(md_text(st.session_state.pop("admin_restore_done")))
    # A new key after each restore gives an empty uploader (Streamlit cannot clear one).
    round_ = st.session_state.get("admin_restore_round", 0)
    upload = st.file_uploader(
        "Backup file", type=[backup.BACKUP_SUFFIX], key=f"admin_restore_file_{round_}"
    )
    if upload is None:
        return
    # Checking reads every table: once per uploaded file, not on every rerun of the page.
    checked = st.session_state.get("admin_restore_checked")
    if checked is None or checked[0] != upload.file_id:
        try:
            with st.spinner(f"Checking {upload.name}: reading every table…"):
                checked = (
                    upload.file_id,
                    backup.verify_backup_bytes(upload.getvalue(), name=upload.name),
                    None,
                )
        except DatabaseError as exc:
            checked = (upload.file_id, None, str(exc))
        st.session_state["admin_restore_checked"] = checked
    _, report, refusal = checked
    if refusal is not None:
        st.error(md_text(f"{refusal} Nothing was restored; the database is unchanged."))
        return
    st.text(f"{upload.name} passed every check. It holds {report.summary()}.")
    if st.button("Replace the database with this backup", key="admin_restore", type="primary"):
        close_connection()
        try:
            with st.spinner("Keeping a copy of the current database, then restoring…"):
                result = backup.restore_bytes(
                    settings().db_path, upload.getvalue(), actor=user, name=upload.name
                )
        except DatabaseError as exc:
            st.error(md_text(str(exc)))
            return
        finally:
            after_write()
        st.session_state["admin_restore_done"] = (
            f"Restored from {upload.name}: {result.report.summary()}. "
            f"The database it replaced is kept at {result.kept_copy}."
        )
        st.session_state["admin_restore_round"] = round_ + 1
        st.session_state.pop("admin_restore_checked", None)
        st.rerun()


# Only the open tab runs; it is named in the URL (?admin_tab=Audit+log).
lazy_tabs(
    {"Users": render_users, "Audit log": render_audit, "Backup and database": render_database},
    key="admin_tab",
)

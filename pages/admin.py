"""Admin: user accounts, the audit log, backups and database health."""

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import audit, auth, backup, tabular
from core.db import DatabaseError, table_counts
from core.permissions import ROLE_LABELS, ROLES
from ui.context import after_write, close_connection, connection, guard, settings

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
            render_add_user(con, agencies=users["agency_id"].dropna().unique().tolist())
    with st.expander(
        "Disable, enable or reset a password", key="admin_account_open", on_change="rerun"
    ) as account_box:
        if account_box.open:
            render_account_actions(con, usernames=users["username"].tolist())


def render_add_user(con, *, agencies: list[str]) -> None:
    with st.form("admin_add_user", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input(
            "Username", key="admin_new_username", help="3-40 lowercase letters, digits, . _ -"
        )
        name = c2.text_input("Full name", key="admin_new_name")
        email = c1.text_input("E-mail", key="admin_new_email")
        role = c2.selectbox("Role", ROLES, format_func=ROLE_LABELS.get, key="admin_new_role")
        agency = c1.text_input(
            "Agency (EC members)", key="admin_new_agency", help="e.g. " + ", ".join(agencies)
        )
        workstream = c2.text_input(
            "Workstream (workstream leads)", key="admin_new_workstream", help="e.g. CWG-2.2"
        )
        password = st.text_input(
            "Initial password", type="password", key="admin_new_password",
            help="At least 10 characters, at most 72 bytes.",
        )  # fmt: skip
        if st.form_submit_button("Create user", key="admin_create_user"):
            try:
                user_in = auth.UserIn(
                    username=username, name=name, email=email, role=role,
                    agency_id=agency or None, workstream_id=workstream or None,
                )  # fmt: skip
                auth.create_user(con, actor=user, user_in=user_in, password=password)
            except ValidationError as exc:
                for err in exc.errors():
                    field = ".".join(str(p) for p in err["loc"]) or "user"
                    st.error(f"{field}: {err['msg']}")
            except (ValueError, PermissionError) as exc:
                st.error(str(exc))
            else:
                after_write()
                st.success(f"User {user_in.username} created.")


def render_account_actions(con, *, usernames: list[str]) -> None:
    target = st.selectbox("Account", usernames, key="admin_target_user", persist_state="page")
    c1, c2 = st.columns(2)
    if c1.button("Disable account", key="admin_disable"):
        auth.set_user_active(con, actor=user, username=target, active=False)
        st.success(f"{target} disabled; their sessions ended.")
    if c2.button("Enable account", key="admin_enable"):
        auth.set_user_active(con, actor=user, username=target, active=True)
        st.success(f"{target} enabled.")
    new_password = st.text_input("New password", type="password", key="admin_reset_password")
    if st.button("Set new password", key="admin_set_password"):
        try:
            auth.set_password(con, actor=user, username=target, password=new_password)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.success(f"Password of {target} changed; their sessions ended.")


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
    st.dataframe(
        log.rename(columns={"at_utc": "at (UTC)"}),
        hide_index=True,
        width="stretch",
        key="admin_audit",
    )
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


def render_database() -> None:
    con = connection()
    counts = pd.DataFrame(sorted(table_counts(con).items()), columns=["table", "rows"])
    st.caption(f"Database file: `{settings().db_path}`")
    chart = (
        alt.Chart(counts[counts["rows"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("rows:Q", title="Rows"),
            y=alt.Y("table:N", sort="-x", title=None),
            tooltip=["table", "rows"],
        )
    )
    st.altair_chart(chart, width="stretch")
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
    upload = st.file_uploader("Backup file", type=[backup.BACKUP_SUFFIX], key="admin_restore_file")
    if upload is not None:
        try:
            found = backup.verify_backup_bytes(upload.getvalue(), name=upload.name)
        except DatabaseError as exc:
            st.error(str(exc))
            return
        st.write(
            f"This backup holds {found.get('events', 0)} events, {found.get('products', 0)} products, "
            f"{found.get('users', 0)} users."
        )
        if st.button("Replace the database with this backup", key="admin_restore", type="primary"):
            close_connection()
            backup.restore_bytes(settings().db_path, upload.getvalue(), actor=user)
            after_write()
            st.success("Restored.")


# Lazy tabs, the open one named in the URL (?admin_tab=Audit+log): only its content runs.
tab_users, tab_audit, tab_db = st.tabs(
    ["Users", "Audit log", "Backup and database"], key="admin_tab", bind="query-params"
)
with tab_users:
    if tab_users.open:
        render_users()
with tab_audit:
    if tab_audit.open:
        render_audit()
with tab_db:
    if tab_db.open:
        render_database()

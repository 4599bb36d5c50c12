"""Engagement log form: add an engagement by hand."""

from datetime import date

import streamlit as st
from pydantic import ValidationError

from core import engagement
from core.champions import explain
from core.permissions import PermissionDenied, User, can
from ui.context import after_write, connection


def render_add_form(workstreams, products, df, user: User) -> None:
    """Log an engagement by hand, for the workstreams the user may log for."""
    names = dict(zip(df["iso3"], df["country"], strict=True))
    staff = can(user, "engagement.add")
    allowed = [None] + list(workstreams["workstream_id"]) if staff else [user.workstream_id]
    with st.expander("Log an engagement by hand"):
        with st.form("engagement_add_form", clear_on_submit=True):
            iso3 = st.selectbox(
                "Champion", list(names), format_func=names.get, key="engagement_add_champion"
            )
            kind = st.selectbox(
                "Kind",
                list(engagement.KINDS),
                format_func=engagement.KINDS.get,
                key="engagement_add_kind",
            )
            occurred_on = st.date_input(
                "Date", value=date.today(), max_value=date.today(), key="engagement_add_date"
            )
            workstream = st.selectbox(
                "Workstream",
                allowed,
                format_func=lambda w: w or "Network-wide (none)",
                key="engagement_add_workstream",
            )
            product_titles = dict(zip(products["product_id"], products["title_en"], strict=True))
            product = st.selectbox(
                "Product (optional)",
                [None] + list(product_titles),
                format_func=lambda p: "none" if p is None else product_titles[p],
                key="engagement_add_product",
            )
            partner = st.selectbox(
                "Partner Champion (peer learning only)",
                [None] + list(names),
                format_func=lambda c: "none" if c is None else names[c],
                key="engagement_add_partner",
            )
            note = st.text_input("Note", key="engagement_add_note")
            submitted = st.form_submit_button("Add to the log", key="engagement_add_submit")
        if submitted:
            try:
                entry = engagement.EngagementIn(
                    iso3=iso3,
                    occurred_on=occurred_on,
                    kind=kind,
                    workstream_id=workstream,
                    product_id=product,
                    partner_iso3=partner,
                    note=note or None,
                )
                engagement.add_engagement(connection(), actor=user, engagement_in=entry)
            except ValidationError as exc:
                st.error(f"Engagement not added: {explain(exc)}")
            except (ValueError, PermissionDenied) as exc:
                st.error(f"Engagement not added: {exc}")
            else:
                after_write()
                st.success(f"Logged: {engagement.KINDS[kind]} with {names[iso3]} on {occurred_on}.")

"""Engagement log forms: add an engagement by hand, correct or remove one (lazy expanders)."""

from datetime import date

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import engagement, objectives
from core.champions import explain
from core.permissions import PermissionDenied, User, can
from ui.context import after_write, connection
from ui.objectives import objective_picker, render_objectives_form
from ui.safe import md_text


def render_add_form(user: User, *, db: str, load_form_options, load_champions) -> None:
    """Log an engagement by hand, for the workstreams the user may log for (lazy expander)."""
    with st.expander(
        "Log an engagement by hand", key="engagement_add_open", on_change="rerun"
    ) as box:
        if box.open:
            _add_form(*load_form_options(db), load_champions(db), user)


def _add_form(workstreams, products, df, user: User) -> None:
    """The add form: Champion, kind, date, workstream, product, partner, note."""
    names = dict(zip(df["iso3"], df["country"], strict=True))
    staff = can(user, "engagement.add")
    allowed = [None] + list(workstreams["workstream_id"]) if staff else [user.workstream_id]
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
        tags = objective_picker("GCM objectives (optional)", key="engagement_add_objectives")
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
            new_id = engagement.add_engagement(connection(), actor=user, engagement_in=entry)
            if tags:  # the same right as the addition, checked again in core
                objectives.set_objectives(
                    connection(), actor=user, kind="engagement", row_id=new_id, objectives=tags
                )
        except ValidationError as exc:
            st.error(md_text(f"Engagement not added: {explain(exc)}"))
        except (ValueError, PermissionDenied) as exc:
            st.error(md_text(f"Engagement not added: {exc}"))
        else:
            after_write()
            st.success(
                md_text(f"Logged: {engagement.KINDS[kind]} with {names[iso3]} on {occurred_on}.")
            )


def render_edit_form(entries, user: User, *, db: str, load_form_options, load_champions) -> None:
    """Correct or remove an engagement logged by hand (derived ones follow their source).

    Shown only when there is an entry the user may edit; the form runs only while it is open."""
    if entries.empty:
        return
    with st.expander(
        "Correct or remove an engagement logged by hand",
        key="engagement_edit_open",
        on_change="rerun",
    ) as box:
        if box.open:
            _edit_form(entries, *load_form_options(db), load_champions(db), user)


def _edit_form(entries, workstreams, products, df, user: User) -> None:
    """The edit form, pre-filled with the chosen entry, with a remove box instead of saving."""
    names = dict(zip(df["iso3"], df["country"], strict=True))
    labels = {
        int(r.engagement_id): f"{r.occurred_on:%d %b %Y} · {r.country} · "
        f"{engagement.KINDS.get(r.kind, r.kind)}"
        + (f" · {r.workstream_id}" if r.workstream_id else "")
        for r in entries.itertuples()
    }
    staff = can(user, "engagement.add")
    allowed = [None] + list(workstreams["workstream_id"]) if staff else [user.workstream_id]
    chosen = st.selectbox(
        "Entry", list(labels), format_func=labels.get, key="engagement_edit_entry"
    )
    row = entries.set_index("engagement_id").loc[chosen]
    kinds = list(engagement.KINDS)
    product_titles = dict(zip(products["product_id"], products["title_en"], strict=True))
    product_ids = [None] + list(product_titles)
    partners = [None] + list(names)
    with st.form(f"engagement_edit_form_{chosen}"):
        iso3 = st.selectbox(
            "Champion",
            list(names),
            index=list(names).index(row["iso3"]) if row["iso3"] in names else 0,
            format_func=names.get,
            key=f"engagement_edit_champion_{chosen}",
        )
        kind = st.selectbox(
            "Kind",
            kinds,
            index=kinds.index(row["kind"]),
            format_func=engagement.KINDS.get,
            key=f"engagement_edit_kind_{chosen}",
        )
        occurred_on = st.date_input(
            "Date",
            value=row["occurred_on"],
            max_value=date.today(),
            key=f"engagement_edit_date_{chosen}",
        )
        current_ws = row["workstream_id"] if isinstance(row["workstream_id"], str) else None
        options = allowed if current_ws in allowed else [current_ws, *allowed]
        workstream = st.selectbox(
            "Workstream",
            options,
            index=options.index(current_ws),
            format_func=lambda w: w or "Network-wide (none)",
            key=f"engagement_edit_workstream_{chosen}",
        )
        current_product = None if pd.isna(row["product_id"]) else row["product_id"]
        product = st.selectbox(
            "Product (optional)",
            product_ids,
            index=product_ids.index(int(current_product))
            if current_product is not None and int(current_product) in product_ids
            else 0,
            format_func=lambda p: "none" if p is None else product_titles[p],
            key=f"engagement_edit_product_{chosen}",
        )
        current_partner = row["partner_iso3"] if isinstance(row["partner_iso3"], str) else None
        partner = st.selectbox(
            "Partner Champion (peer learning only)",
            partners,
            index=partners.index(current_partner) if current_partner in partners else 0,
            format_func=lambda c: "none" if c is None else names[c],
            key=f"engagement_edit_partner_{chosen}",
        )
        note = st.text_input(
            "Note",
            value=row["note"] if isinstance(row["note"], str) else "",
            key=f"engagement_edit_note_{chosen}",
        )
        remove = st.checkbox("Remove this entry instead", key=f"engagement_edit_remove_{chosen}")
        submitted = st.form_submit_button("Save", key="engagement_edit_submit")
    render_objectives_form(user, "engagement", int(chosen), key="engagement_objectives")
    if not submitted:
        return
    try:
        if remove:
            engagement.delete_engagement(connection(), actor=user, engagement_id=chosen)
            message = f"Removed: {labels[chosen]}."
        else:
            entry = engagement.EngagementIn(
                iso3=iso3,
                occurred_on=occurred_on,
                kind=kind,
                workstream_id=workstream,
                product_id=product,
                partner_iso3=partner,
                note=note or None,
            )
            engagement.update_engagement(
                connection(), actor=user, engagement_id=chosen, engagement_in=entry
            )
            message = f"Saved: {engagement.KINDS[kind]} with {names[iso3]} on {occurred_on}."
    except ValidationError as exc:
        st.error(md_text(f"Entry not changed: {explain(exc)}"))
    except (ValueError, LookupError, PermissionDenied) as exc:
        st.error(md_text(f"Entry not changed: {exc}"))
    else:
        after_write()
        st.success(md_text(message))

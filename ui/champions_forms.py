"""Champions page forms for focal points and co-chair terms, shown only to users who may edit.

Each form sits in a lazy expander: its queries and widgets run only while the user has it open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import champions
from core.permissions import PermissionDenied, User, can
from core.store import Db
from ui.context import after_write
from ui.safe import md_text

FLASH_KEY = "champions_flash"  # the Champions page shows this message after the rerun
NEW = -1  # the "new focal point" choice of the focal point selector
EARLIEST = date(2018, 12, 10)  # the GCM's adoption: no Champion term is older


def _attempt(write: Callable[[], object], done: str) -> None:
    """Run a core write; on success clear caches and rerun with `done`, else show the refusal."""
    try:
        write()
    except ValidationError as exc:
        st.error(md_text(champions.explain(exc)))
    except (ValueError, PermissionDenied) as exc:
        st.error(md_text(str(exc)))
    else:
        after_write()
        st.session_state[FLASH_KEY] = done
        st.rerun()


def _text(value) -> str:
    """Return a stored text for a form field: empty for NULL (None or NaN)."""
    return "" if value is None or pd.isna(value) else str(value)


def _champion_names(con: Db) -> dict[str, str]:
    df = champions.list_countries(con, champions=True)
    return dict(zip(df["iso3"], df["country"], strict=True))


def render_focal_point_forms(con: Db, user: User) -> None:
    """Add, correct or remove a Champion's focal point (champion.edit only)."""
    if not can(user, "champion.edit"):
        return
    with st.expander(
        "Add, edit or remove a focal point", key="champions_focal_open", on_change="rerun"
    ) as box:
        if box.open:
            _focal_point_form(con, user)


def _focal_point_form(con: Db, user: User) -> None:
    """Pick a focal point (or a new one), then save it or remove it."""
    names = _champion_names(con)
    focal = champions.list_focal_points(con, user=user).set_index("focal_id")
    labels = {NEW: "New focal point"} | {
        int(fid): f"{row['country']}: {row['name']}" for fid, row in focal.iterrows()
    }
    focal_id = st.selectbox(
        "Focal point", list(labels), format_func=labels.get, key="champions_focal_choice"
    )
    current = focal.loc[focal_id] if focal_id != NEW else None
    iso3s = list(names)
    with st.form(f"champions_focal_form_{focal_id}"):
        iso3 = st.selectbox(
            "Champion",
            iso3s,
            index=iso3s.index(current["iso3"]) if current is not None else 0,
            format_func=names.get,
            key=f"champions_focal_country_{focal_id}",
        )
        name = st.text_input(
            "Name",
            value=_text(current["name"]) if current is not None else "",
            key=f"champions_focal_name_{focal_id}",
        )
        email = st.text_input(
            "E-mail",
            value=_text(current["email"]) if current is not None else "",
            key=f"champions_focal_email_{focal_id}",
        )
        title = st.text_input(
            "Title",
            value=_text(current["title"]) if current is not None else "",
            key=f"champions_focal_title_{focal_id}",
        )
        saved = st.form_submit_button("Save", key=f"champions_focal_save_{focal_id}")
    if saved:

        def save() -> None:
            focal_in = champions.FocalPointIn(
                iso3=iso3, name=name.strip(), email=email.strip() or None, title=title or None
            )
            if focal_id == NEW:
                champions.add_focal_point(con, actor=user, focal_in=focal_in)
            else:
                champions.update_focal_point(con, actor=user, focal_id=focal_id, focal_in=focal_in)

        _attempt(save, f"Saved focal point {name.strip()} ({names[iso3]}).")
    if current is not None:
        sure = st.checkbox(f"Yes, remove {current['name']}", key=f"champions_focal_sure_{focal_id}")
        if st.button(
            "Remove this focal point",
            disabled=not sure,
            key=f"champions_focal_delete_{focal_id}",
        ):
            _attempt(
                lambda: champions.delete_focal_point(con, actor=user, focal_id=focal_id),
                f"Removed focal point {current['name']} ({current['country']}).",
            )


def render_cochair_forms(con: Db, user: User) -> None:
    """Record a co-chair term, or end an open one (champion.edit only)."""
    if not can(user, "champion.edit"):
        return
    with st.expander(
        "Record or end a co-chair term", key="champions_cochair_open", on_change="rerun"
    ) as box:
        if box.open:
            _cochair_forms(con, user)


def _cochair_forms(con: Db, user: User) -> None:
    """Record a co-chair term, then end one that is still open."""
    names = _champion_names(con)
    with st.form("champions_cochair_add_form"):
        iso3 = st.selectbox(
            "Champion", list(names), format_func=names.get, key="champions_cochair_country"
        )
        starts_on = st.date_input(
            "Term start", value=None, min_value=EARLIEST, key="champions_cochair_start"
        )
        ends_on = st.date_input(
            "Term end (leave empty while it runs)",
            value=None,
            min_value=EARLIEST,
            key="champions_cochair_end",
        )
        note = st.text_input("Note", key="champions_cochair_note")
        source = st.text_input("Source", key="champions_cochair_source")
        added = st.form_submit_button("Record the term", key="champions_cochair_add")
    if added:
        _attempt(
            lambda: champions.add_cochair_term(
                con,
                actor=user,
                term_in=champions.CochairTermIn(
                    iso3=iso3,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    note=note.strip() or None,
                    source=source.strip(),
                ),
            ),
            f"Recorded a co-chair term of {names[iso3]}.",
        )
    terms = champions.list_cochair_terms(con)
    running = terms[terms["ends_on"].isna()]
    if running.empty:
        st.caption("No co-chair term is open.")
        return
    labels = {
        int(r.term_id): f"{r.country}, since "
        + ("an unknown date" if pd.isna(r.starts_on) else f"{r.starts_on:%d %b %Y}")
        for r in running.itertuples()
    }
    with st.form("champions_cochair_end_form"):
        term_id = st.selectbox(
            "Open term", list(labels), format_func=labels.get, key="champions_cochair_term"
        )
        end = st.date_input("Ends on", min_value=EARLIEST, key="champions_cochair_ends_on")
        ended = st.form_submit_button("End the term", key="champions_cochair_end_submit")
    if ended:
        _attempt(
            lambda: champions.end_cochair_term(con, actor=user, term_id=term_id, ends_on=end),
            f"Ended the co-chair term: {labels[term_id]}.",
        )

"""Meeting participants: registration form, bulk import, the participant list and its actions."""

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import inbox, registration
from core.permissions import PermissionDenied, User, can
from core.registration import CATEGORY_LABELS, STATUS_LABELS
from ui.context import after_write, connection
from ui.safe import md_text
from ui.widgets import blank_missing_text, download_buttons, field_errors

REGISTER_LABELS = {
    "participant_name": "Name",
    "email": "E-mail",
    "m49": "Country",
    "organisation": "Organisation",
    "category": "Category",
    "agency_id": "Registered by (EC agency)",
}
FORM_KEYS = (
    "meetings_reg_name",
    "meetings_reg_email",
    "meetings_reg_category",
    "meetings_reg_country",
    "meetings_reg_org",
    "meetings_reg_agency",
)


def render_register_form(event_id: int, options: tuple, user: User) -> None:
    """Register one participant under the meeting's rules.

    A refusal keeps what was typed; a registration empties the form on the rerun that says who
    was registered. A second click sends the same e-mail again, which core refuses (one
    registration per e-mail and meeting), so it never makes a second registration.
    """
    _champions, countries, agencies = options
    agency_ids = agencies["agency_id"].tolist()
    if st.session_state.pop("meetings_reg_clear", False):
        for key in FORM_KEYS:  # before the widgets exist: emptied for the next person
            st.session_state.pop(key, None)
    with st.form("meetings_register_form", clear_on_submit=False):
        st.markdown("**Register a participant**")
        c1, c2 = st.columns(2)
        name = c1.text_input("Name", key="meetings_reg_name")
        email = c2.text_input("E-mail", key="meetings_reg_email")
        category = c1.selectbox(
            "Category",
            list(CATEGORY_LABELS),
            format_func=CATEGORY_LABELS.get,
            key="meetings_reg_category",
        )
        names = dict(zip(countries["m49"], countries["country"], strict=True))
        m49 = c2.selectbox(
            "Country", [None, *names], format_func=lambda m: "-" if m is None else names[m],
            key="meetings_reg_country",
        )  # fmt: skip
        organisation = c1.text_input("Organisation", key="meetings_reg_org")
        if user.role == "ec_member":
            agency = user.agency_id
            c2.text_input(
                "Registered by (EC agency)", agency, disabled=True, key="meetings_reg_agency_fixed"
            )
        else:
            agency = c2.selectbox(
                "Registered by (EC agency)", [None, *agency_ids],
                format_func=lambda a: "-" if a is None else a, key="meetings_reg_agency",
            )  # fmt: skip
        if st.form_submit_button("Register", key="meetings_reg_submit"):
            try:
                reg = registration.RegistrationIn(
                    event_id=event_id,
                    participant_name=name,
                    email=email,
                    m49=m49,
                    organisation=organisation,
                    category=category,
                    agency_id=agency,
                )
                result = registration.register(connection(), actor=user, reg=reg)
            except ValidationError as exc:
                st.error(field_errors(exc, REGISTER_LABELS), icon=":material/error:")
            except (registration.RegistrationRefused, registration.RegistrationConflict,
                    PermissionDenied) as exc:  # fmt: skip
                st.error(md_text(str(exc)), icon=":material/block:")
            else:
                after_write()
                st.session_state["meetings_flash"] = result.message
                st.session_state["meetings_reg_clear"] = True
                st.rerun()


def render_bulk(event_id: int, user: User) -> None:
    """Register participants from a CSV file, all or nothing."""
    upload = st.file_uploader(
        "Bulk registration (CSV: name, email, country, organisation, category, agency)",
        type=["csv"],
        key="meetings_bulk_file",
    )
    if upload is not None and st.button("Import participants", key="meetings_bulk_submit"):
        try:
            done = registration.import_registrations_csv(
                connection(), actor=user, event_id=event_id, data=upload.getvalue()
            )
        except registration.ImportFailed as exc:
            st.error(f"{md_text(exc)}\n\n" + "\n".join(f"- {md_text(e)}" for e in exc.errors))
        except registration.RegistrationConflict as exc:
            st.error(md_text(str(exc)))
        else:
            after_write()
            st.session_state["meetings_flash"] = f"Imported {len(done)} participants."
            st.rerun()


def render_participants(
    event_id: int, summary: pd.DataFrame, options: tuple, user: User, *, db: str, load_registrations
) -> None:
    """Chart registrations, offer the forms, and list the participants the user may see."""
    if summary.empty:
        st.caption("No registrations yet.")
    else:
        summary = summary.assign(
            category=summary["category"].map(CATEGORY_LABELS),
            status=summary["status"].map(STATUS_LABELS),
        )
        chart = (
            alt.Chart(summary)
            .mark_bar()
            .encode(
                x=alt.X("people:Q", title="People"),
                y=alt.Y("category:N", title=None),
                color=alt.Color("status:N", title="Status"),
                tooltip=[
                    alt.Tooltip("category:N", title="Category"),
                    alt.Tooltip("status:N", title="Status"),
                    alt.Tooltip("people:Q", title="People"),
                ],
            )
            .properties(height=160)
        )
        st.altair_chart(chart, width="stretch")
    may_register = can(user, "registration.create", agency_id=user.agency_id) or user.is_staff
    if may_register:
        render_register_form(event_id, options, user)
        render_bulk(event_id, user)
    if not (user.is_staff or user.role == "ec_member"):
        st.caption("Participant names are shown to the Secretariat and EC members only.")
        return
    people = load_registrations(db, event_id, user.role, user.agency_id)
    scope = "all participants" if user.is_staff else f"participants registered by {user.agency_id}"
    st.markdown(f"**Participants** ({md_text(scope)})")
    shown = participants_table(people)
    st.dataframe(blank_missing_text(shown), hide_index=True, width="stretch", key="meetings_people")
    download_buttons(
        shown,
        file_stem=f"participants-{event_id}",
        sheet="Participants",
        keys=("meetings_people_csv", "meetings_people_xlsx"),
        labels=("Download participants (CSV)", "Download participants (Excel)"),
    )
    pending = people[people["status"] == "requested"]
    if can(user, "registration.manage") and not pending.empty:
        render_pending(pending, user)
    active = people[people["status"] != "cancelled"]
    if active.empty:
        return
    names = dict(zip(active["registration_id"], active["participant_name"], strict=True))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c1.selectbox(
        "Participant", list(names), format_func=names.get, key="meetings_manage_who",
        persist_state="page",  # kept while another tab of the page is open
    )  # fmt: skip
    if c2.button("Cancel registration", key="meetings_cancel"):
        ask_cancel(int(chosen), names[chosen], user)


PARTICIPANT_COLUMNS = {
    "participant_name": "Name",
    "email": "E-mail",
    "country": "Country",
    "organisation": "Organisation",
    "category": "Category",
    "agency_id": "Registered by",
    "status": "Status",
    "capacity_seat": "Seat",
}


def participants_table(people: pd.DataFrame) -> pd.DataFrame:
    """The participant list in people's words: labelled columns, capitalised statuses, no codes."""
    shown = people.assign(
        category=people["category"].map(CATEGORY_LABELS),
        status=people["status"].map(STATUS_LABELS),
        capacity_seat=[None if pd.isna(v) else int(v) for v in people["capacity_seat"]],
    )
    return shown[list(PARTICIPANT_COLUMNS)].rename(columns=PARTICIPANT_COLUMNS)


def render_pending(pending: pd.DataFrame, user: User) -> None:
    """Requested registrations: choose some (or all) and confirm them in one click."""
    names = dict(zip(pending["registration_id"], pending["participant_name"], strict=True))
    st.markdown(f"**Waiting for confirmation** ({len(names)})")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    picked = c1.multiselect(
        "Requested registrations to confirm", list(names), format_func=names.get,
        key="meetings_pending_pick", placeholder="Choose one or more people",
    )  # fmt: skip
    if c2.button(
        f"Confirm chosen ({len(picked)})", key="meetings_confirm", disabled=not picked,
        type="primary",
    ):  # fmt: skip
        outcome = inbox.confirm_registrations(connection(), actor=user, registration_ids=picked)
        parts = [f"Confirmed {', '.join(outcome.done)}."] if outcome.done else []
        if outcome.refused:
            parts.append("Not confirmed: " + "; ".join(outcome.refused))
        after_write()
        st.session_state["meetings_flash"] = " ".join(parts)
        st.rerun()


@st.dialog("Cancel this registration?")
def ask_cancel(registration_id: int, name: str, user: User) -> None:
    """Ask before cancelling: the seat goes to the next person on the waiting list."""
    st.markdown(
        f"Cancel **{md_text(name)}**'s registration? Their seat goes to the next person on the "
        "waiting list, if there is one."
    )
    c1, c2 = st.columns(2)
    if c1.button("Yes, cancel the registration", key="meetings_cancel_yes", type="primary"):
        try:
            promoted = registration.cancel_registration(
                connection(), actor=user, registration_id=registration_id
            )
        except (registration.RegistrationRefused, PermissionDenied, ValueError) as exc:
            st.error(md_text(str(exc)))
            return
        after_write()
        message = f"Cancelled {name}'s registration."
        if promoted is not None:
            message += f" {promoted.message}"
        st.session_state["meetings_flash"] = message
        st.rerun()
    if c2.button("No, keep it", key="meetings_cancel_no"):
        st.rerun()

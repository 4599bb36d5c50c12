"""Meetings: agenda in two zones, materials, participation under the rules, office support, attendance."""

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import attendance, meetings, registration, tabular
from core.events import AUDIENCES
from core.permissions import PermissionDenied, can
from core.registration import CATEGORY_LABELS, STATUS_LABELS
from core.timezones import COMMON_ZONES, label
from ui.context import after_write, connection, db_key, demo_banner, guard

user = guard("meetings")


@st.cache_data(ttl=60, show_spinner=False)
def load_meetings(db: str) -> pd.DataFrame:
    return meetings.list_meetings(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_meeting(db: str, event_id: int) -> tuple:
    con = connection()
    return (
        meetings.get_meeting(con, event_id=event_id),
        meetings.list_agenda(con, event_id=event_id),
        meetings.list_materials(con, event_id=event_id),
        meetings.list_meeting_products(con, event_id=event_id),
        registration.registration_summary(con, event_id=event_id),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_registrations(db: str, event_id: int, role: str, agency: str | None) -> pd.DataFrame:
    # role and agency are part of the cache key: each scope gets its own cached list.
    return registration.list_registrations(
        connection(),
        user=user.model_copy(update={"role": role, "agency_id": agency}),
        event_id=event_id,
    )


@st.cache_data(ttl=300, show_spinner=False)
def load_options(db: str) -> tuple:
    con = connection()
    return (
        meetings.list_champion_options(con),
        meetings.list_country_options(con),
        meetings.list_agencies(con),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_support(db: str, event_id: int, role: str, agency: str | None) -> pd.DataFrame:
    return meetings.office_support_matrix(
        connection(),
        user=user.model_copy(update={"role": role, "agency_id": agency}),
        event_id=event_id,
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_stats(db: str, by: str) -> pd.DataFrame:
    return attendance.attendance_stats(connection(), by=by)


def _span(row, tz: str) -> str:
    return f"{label(row['starts_utc'], tz)}-{label(row['ends_utc'], tz)}"


def render_header(meeting: dict, viewer_tz: str) -> None:
    st.subheader(meeting["title"])
    start = meeting["starts_utc"].to_pydatetime()
    end = meeting["ends_utc"].to_pydatetime()
    st.markdown(
        f"**When:** {label(start, meeting['tz'], with_date=True)}-{label(end, meeting['tz'])}"
        f" (meeting's zone, {meeting['tz']})  \n"
        f"**Your zone:** {label(start, viewer_tz, with_date=True)}-{label(end, viewer_tz)}"
        f" ({viewer_tz})  \n"
        f"**Audience:** {AUDIENCES.get(meeting['audience'], meeting['audience'])}"
    )
    capacity = "no cap" if pd.isna(meeting["capacity"]) else int(meeting["capacity"])
    st.caption(
        f"Rules: at most {meeting['quota_per_country_agency']} participant(s) per Champion country "
        f"per EC member (listening mode exempt) · capacity: {capacity} · "
        + (
            "non-Champion countries may attend"
            if meeting["open_to_non_champions"]
            else "Champion countries only"
        )  # fmt: skip
    )


def render_join_details(event_id: int) -> None:
    # Never cached: read on each run, and only for those the core function lets through.
    con = connection()
    if not meetings.can_see_join_details(con, user=user, event_id=event_id):
        st.caption("Join details are sent to confirmed participants and the Secretariat only.")
        return
    try:
        details = meetings.get_join_details(con, user=user, event_id=event_id)
    except PermissionDenied:
        return
    with st.expander("Join details (confidential)", icon=":material/lock:"):
        if details is None:
            st.caption("No join details recorded yet.")
        else:
            st.markdown(
                f"Link: {details.url or '-'}  \nMeeting number: {details.meeting_number or '-'}  \n"
                f"Password: {details.password or '-'}  \nDial-in: {details.dial_in or '-'}"
            )


def render_agenda(meeting, agenda, materials, products, viewer_tz) -> None:
    if agenda.empty:
        st.caption("No agenda items yet.")
    else:
        table = pd.DataFrame(
            {
                f"Meeting time ({meeting['tz']})": agenda.apply(_span, axis=1, tz=meeting["tz"]),
                f"Your time ({viewer_tz})": agenda.apply(_span, axis=1, tz=viewer_tz),
                "Item": agenda["title"],
                "Presenter": agenda["presenter"],
                "Moderator": agenda["moderator"],
                "Product": agenda["product"],
                "Booked by": agenda["booked_by"],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="meetings_agenda")
    left, right = st.columns(2)
    with left:
        st.markdown("**Materials**")
        if materials.empty:
            st.caption("No materials yet.")
        else:
            st.dataframe(
                materials.rename(columns={"title": "Material", "lang": "Language", "url": "Link"}),
                hide_index=True,
                key="meetings_materials",
            )
    with right:
        st.markdown("**Products discussed**")
        if products.empty:
            st.caption("None linked.")
        else:
            st.dataframe(
                products[["product", "workstream_id", "stage"]],
                hide_index=True,
                key="meetings_products",
            )


def render_register_form(event_id: int, options: tuple) -> None:
    _champions, countries, agencies = options
    agency_ids = agencies["agency_id"].tolist()
    with st.form("meetings_register_form", clear_on_submit=True):
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
                st.error(
                    "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()),
                    icon=":material/error:",
                )
            except (registration.RegistrationRefused, registration.RegistrationConflict,
                    PermissionDenied) as exc:  # fmt: skip
                st.error(str(exc), icon=":material/block:")
            else:
                after_write()
                st.session_state["meetings_flash"] = result.message


def render_bulk(event_id: int) -> None:
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
            st.error(f"{exc}\n\n" + "\n".join(f"- {e}" for e in exc.errors))
        except registration.RegistrationConflict as exc:
            st.error(str(exc))
        else:
            after_write()
            st.session_state["meetings_flash"] = f"Imported {len(done)} participants."
            st.rerun()


def render_participants(event_id: int, summary: pd.DataFrame, options: tuple) -> None:
    if summary.empty:
        st.caption("No registrations yet.")
    else:
        summary = summary.assign(category=summary["category"].map(CATEGORY_LABELS))
        chart = (
            alt.Chart(summary)
            .mark_bar()
            .encode(
                x=alt.X("people:Q", title="People"),
                y=alt.Y("category:N", title=None),
                color=alt.Color("status:N", title="Status"),
                tooltip=["category", "status", "people"],
            )
            .properties(height=160)
        )
        st.altair_chart(chart, width="stretch")
    may_register = can(user, "registration.create", agency_id=user.agency_id) or user.is_staff
    if may_register:
        render_register_form(event_id, options)
        render_bulk(event_id)
    if not (user.is_staff or user.role == "ec_member"):
        st.caption("Participant names are shown to the Secretariat and EC members only.")
        return
    people = load_registrations(db_key(), event_id, user.role, user.agency_id)
    scope = "all participants" if user.is_staff else f"participants registered by {user.agency_id}"
    st.markdown(f"**Participants** ({scope})")
    shown = people.assign(
        category=people["category"].map(CATEGORY_LABELS),
        status=people["status"].map(STATUS_LABELS),
        participant_name=people["participant_name"],
    ).drop(columns=["created_at_utc"])
    st.dataframe(shown, hide_index=True, width="stretch", key="meetings_people")
    st.download_button(
        "Download participants (CSV)",
        tabular.csv_bytes(shown),
        file_name=f"participants-{event_id}.csv",
        mime="text/csv",
        key="meetings_people_csv",
    )
    active = people[people["status"] != "cancelled"]
    if active.empty:
        return
    names = dict(zip(active["registration_id"], active["participant_name"], strict=True))
    c1, c2, c3 = st.columns([3, 1, 1])
    chosen = c1.selectbox(
        "Participant", list(names), format_func=names.get, key="meetings_manage_who"
    )
    status = active.set_index("registration_id").loc[chosen, "status"]
    if status == "requested" and can(user, "registration.manage"):
        if c2.button("Confirm", key="meetings_confirm"):
            _act(registration.confirm_registration, chosen)
    if c3.button("Cancel registration", key="meetings_cancel"):
        _act(registration.cancel_registration, chosen)


def _act(fn, registration_id: int) -> None:
    try:
        result = fn(connection(), actor=user, registration_id=registration_id)
    except (registration.RegistrationRefused, PermissionDenied, ValueError) as exc:
        st.error(str(exc))
        return
    after_write()
    message = "Done."
    if isinstance(result, registration.Registration):
        message = f"Cancelled. {result.message}"
    st.session_state["meetings_flash"] = message
    st.rerun()


def render_support(event_id: int, options: tuple) -> None:
    champions = options[0]
    names = dict(zip(champions["m49"], champions["country"], strict=True))
    if not (user.is_staff or user.role == "ec_member"):
        st.caption("The office support matrix is for the Secretariat and EC members.")
        return
    support = load_support(db_key(), event_id, user.role, user.agency_id)
    if user.is_staff:
        agency = st.selectbox(
            "Agency", options[2]["agency_id"].tolist(), key="meetings_support_agency"
        )
    else:
        agency = user.agency_id
    current = support[support["agency_id"] == agency]["m49"].tolist()
    chosen = st.multiselect(
        f"Champion governments {agency}'s offices support for this meeting",
        list(names),
        default=[m for m in current if m in names],
        format_func=names.get,
        key=f"meetings_support_{agency}",
    )
    if st.button("Save office support", key="meetings_support_save"):
        try:
            meetings.set_office_support(
                connection(),
                actor=user,
                support=meetings.OfficeSupportIn(event_id=event_id, agency_id=agency, m49s=chosen),
            )
        except (PermissionDenied, ValueError) as exc:
            st.error(str(exc))
        else:
            after_write()
            st.rerun()
    if not support.empty:
        matrix = pd.crosstab(support["country"], support["agency_id"]).map(
            lambda n: "✓" if n else ""
        )
        st.dataframe(matrix, width="stretch", key="meetings_support_matrix")


def render_attendance(event_id: int, meeting: dict) -> None:
    if can(user, "attendance.mark"):
        people = load_registrations(db_key(), event_id, user.role, user.agency_id)
        markable = people[people["status"].isin(["requested", "confirmed", "attended"])]
        if not markable.empty:
            names = dict(
                zip(markable["registration_id"], markable["participant_name"], strict=True)
            )
            c1, c2 = st.columns([3, 1])
            who = c1.selectbox(
                "Participant", list(names), format_func=names.get, key="meetings_att_who"
            )
            attended = markable.set_index("registration_id").loc[who, "status"] == "attended"
            if c2.button("Undo attended" if attended else "Mark attended", key="meetings_att_mark"):
                try:
                    attendance.mark_attendance(
                        connection(), actor=user, registration_id=who, attended=not attended
                    )
                except (ValueError, PermissionDenied) as exc:
                    st.error(str(exc))
                else:
                    after_write()
                    st.rerun()
        upload = st.file_uploader(
            f"Attendance export (Webex/Teams CSV: name, e-mail, join and leave times; times "
            f"without an offset are read in {meeting['tz']})",
            type=["csv", "txt"],
            key="meetings_att_file",
        )
        if upload is not None and st.button("Import attendance", key="meetings_att_import"):
            try:
                done = attendance.import_attendance_csv(
                    connection(), actor=user, event_id=event_id, data=upload.getvalue()
                )
            except registration.ImportFailed as exc:
                st.error(f"{exc}\n\n" + "\n".join(f"- {e}" for e in exc.errors))
            else:
                after_write()
                st.session_state["meetings_flash"] = f"Marked {len(done.marked)} attended."
                st.rerun()
    by = st.segmented_control(
        "Attendance statistics by", ["meeting", "country", "agency"], default="country",
        key="meetings_stats_by",
    )  # fmt: skip
    stats = load_stats(db_key(), by or "country")
    if stats.empty:
        st.caption("No past meetings with registrations.")
        return
    long = stats.melt(id_vars=[stats.columns[0]], value_vars=["registered", "attended"])
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(f"{stats.columns[0]}:N", title=None, sort="-x"),
            x=alt.X("value:Q", title="People"),
            yOffset="variable:N",
            color=alt.Color("variable:N", title=None),
            tooltip=[stats.columns[0], "variable", "value"],
        )
        .properties(height=max(160, 22 * len(stats)))
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(stats, hide_index=True, width="stretch", key="meetings_stats")


st.title("Meetings and participation")
demo_banner()
if flash := st.session_state.pop("meetings_flash", None):
    st.success(flash)
all_meetings = load_meetings(db_key())
if all_meetings.empty:
    st.info("No meetings yet.")
    st.stop()
titles = {
    int(r.event_id): f"{r.title} ({r.starts_utc:%d %b %Y})" for r in all_meetings.itertuples()
}
upcoming = all_meetings[all_meetings["starts_utc"] >= pd.Timestamp.now()]
default = (
    int(upcoming.iloc[0]["event_id"])
    if not upcoming.empty
    else int(all_meetings.iloc[-1]["event_id"])
)
left, right = st.columns([3, 1])
event_id = left.selectbox(
    "Meeting", list(titles), index=list(titles).index(default), format_func=titles.get,
    key="meetings_event",
)  # fmt: skip
meeting, agenda, materials, products, summary = load_meeting(db_key(), event_id)
zones = list(dict.fromkeys([meeting["tz"], st.context.timezone or "UTC", *COMMON_ZONES]))
viewer_tz = right.selectbox("Show times also in", zones, index=1, key="meetings_zone")
render_header(meeting, viewer_tz)
render_join_details(event_id)
options = load_options(db_key())
tab_agenda, tab_people, tab_support, tab_attendance = st.tabs(
    ["Agenda", "Participants", "Office support", "Attendance"]
)
with tab_agenda:
    render_agenda(meeting, agenda, materials, products, viewer_tz)
with tab_people:
    render_participants(event_id, summary, options)
with tab_support:
    render_support(event_id, options)
with tab_attendance:
    render_attendance(event_id, meeting)

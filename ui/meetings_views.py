"""Meeting views: header, join details, agenda, office support and attendance."""

import altair as alt
import pandas as pd
import streamlit as st

from core import attendance, meetings, registration
from core.events import AUDIENCES
from core.permissions import PermissionDenied, User, can
from core.pipeline import STAGE_LABELS
from core.timezones import label
from ui.charts import draw_altair
from ui.context import after_write, connection
from ui.safe import md_link, md_text
from ui.widgets import blank_missing_text


def _span(row, tz: str) -> str:
    return f"{label(row['starts_utc'], tz)}-{label(row['ends_utc'], tz)}"


def render_header(meeting: dict, viewer_tz: str) -> None:
    """Show when the meeting is, in its zone and the viewer's, its audience and its rules."""
    st.subheader(md_text(meeting["title"]))
    start = meeting["starts_utc"].to_pydatetime()
    end = meeting["ends_utc"].to_pydatetime()
    st.markdown(
        f"**When:** {label(start, meeting['tz'], with_date=True)}-{label(end, meeting['tz'])}"
        f" (meeting's zone, {md_text(meeting['tz'])})  \n"
        f"**Your zone:** {label(start, viewer_tz, with_date=True)}-{label(end, viewer_tz)}"
        f" ({md_text(viewer_tz)})  \n"
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


def render_join_details(event_id: int, user: User) -> None:
    """Show the join details to those core lets see them."""
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
                f"Link: {md_link(details.url, details.url) or '-'}  \n"
                f"Meeting number: {md_text(details.meeting_number) or '-'}  \n"
                f"Password: {md_text(details.password) or '-'}  \n"
                f"Dial-in: {md_text(details.dial_in) or '-'}"
            )


def render_agenda(meeting, agenda, materials, products, viewer_tz) -> None:
    """Show the agenda in both zones, the materials and the products discussed."""
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
        st.dataframe(
            blank_missing_text(table), hide_index=True, width="stretch", key="meetings_agenda"
        )
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
                products.assign(stage=products["stage"].map(STAGE_LABELS))[
                    ["product", "workstream_id", "stage"]
                ].rename(
                    columns={"product": "Product", "workstream_id": "Workstream", "stage": "Stage"}
                ),
                hide_index=True,
                key="meetings_products",
            )


def render_support(event_id: int, options: tuple, user: User, *, db: str, load_support) -> None:
    """Show and edit which Champion governments each agency's offices support."""
    champions = options[0]
    names = dict(zip(champions["m49"], champions["country"], strict=True))
    if not (user.is_staff or user.role == "ec_member"):
        st.caption("The office support matrix is for the Secretariat and EC members.")
        return
    support = load_support(db, event_id, user.role, user.agency_id)
    if user.is_staff:
        agency = st.selectbox(
            "Agency", options[2]["agency_id"].tolist(), key="meetings_support_agency",
            persist_state="page",  # kept while another tab of the page is open
        )  # fmt: skip
    else:
        agency = user.agency_id
    current = support[support["agency_id"] == agency]["m49"].tolist()
    chosen = st.multiselect(
        f"Champion governments {agency}'s offices support for this meeting",
        list(names),
        default=[m for m in current if m in names],
        format_func=names.get,
        key=f"meetings_support_{agency}",
        persist_state="page",
    )
    if st.button("Save office support", key="meetings_support_save"):
        try:
            meetings.set_office_support(
                connection(),
                actor=user,
                support=meetings.OfficeSupportIn(event_id=event_id, agency_id=agency, m49s=chosen),
            )
        except (PermissionDenied, ValueError) as exc:
            st.error(md_text(str(exc)))
        else:
            after_write()
            st.rerun()
    if not support.empty:
        matrix = pd.crosstab(support["country"], support["agency_id"]).map(
            lambda n: "✓" if n else ""
        )
        st.dataframe(matrix, width="stretch", key="meetings_support_matrix")


def stats_chart(stats):
    """Registered and attended people per meeting, country or agency (the first column)."""
    long = stats.melt(id_vars=[stats.columns[0]], value_vars=["registered", "attended"])
    return (
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


def render_attendance(
    event_id: int, meeting: dict, user: User, *, db: str, load_registrations, load_stats
) -> None:
    """Mark or import attendance, then chart attendance statistics."""
    if can(user, "attendance.mark"):
        people = load_registrations(db, event_id, user.role, user.agency_id)
        markable = people[people["status"].isin(["requested", "confirmed", "attended"])]
        if not markable.empty:
            names = dict(
                zip(markable["registration_id"], markable["participant_name"], strict=True)
            )
            c1, c2 = st.columns([3, 1])
            who = c1.selectbox(
                "Participant", list(names), format_func=names.get, key="meetings_att_who",
                persist_state="page",
            )  # fmt: skip
            attended = markable.set_index("registration_id").loc[who, "status"] == "attended"
            if c2.button("Undo attended" if attended else "Mark attended", key="meetings_att_mark"):
                try:
                    attendance.mark_attendance(
                        connection(), actor=user, registration_id=who, attended=not attended
                    )
                except (ValueError, PermissionDenied) as exc:
                    st.error(md_text(str(exc)))
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
                st.error(f"{md_text(exc)}\n\n" + "\n".join(f"- {md_text(e)}" for e in exc.errors))
            else:
                after_write()
                st.session_state["meetings_flash"] = f"Marked {len(done.marked)} attended."
                st.rerun()
    by = st.segmented_control(
        "Attendance statistics by", ["meeting", "country", "agency"], default="country",
        key="meetings_stats_by", persist_state="page",
    )  # fmt: skip
    stats = load_stats(db, by or "country")
    if stats.empty:
        st.caption("No past meetings with registrations.")
        return
    draw_altair(stats_chart, stats, width="stretch")
    st.dataframe(
        stats,
        hide_index=True,
        width="stretch",
        key="meetings_stats",
        column_config={
            stats.columns[0]: st.column_config.TextColumn(stats.columns[0].capitalize()),
            "registered": st.column_config.NumberColumn("Registered"),
            "attended": st.column_config.NumberColumn("Attended"),
            "avg_minutes": st.column_config.NumberColumn(
                "Average minutes", help="Minutes connected, from imported attendance exports"
            ),
            "rate": st.column_config.ProgressColumn(
                "Attendance rate", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )

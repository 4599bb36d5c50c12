"""Engagement: which Champions were engaged, when, by which workstream, and who has not been."""

from datetime import date

import altair as alt
import streamlit as st
from pydantic import ValidationError

from core import champions, engagement, tabular
from core.champions import explain
from core.permissions import PermissionDenied, can
from ui.context import after_write, connection, db_key, demo_banner, guard

user = guard("engagement")

VIEWS = [
    "Heatmap",
    "By workstream",
    "Not engaged",
    "Champion profile",
    "Peer learning",
    "Consultation load",
]
KIND_COLORS = alt.Scale(
    domain=list(engagement.KINDS),
    range=["#1a5fa8", "#2a9d8f", "#e9c46a", "#f4a261", "#9d4edd"],
)


@st.cache_data(ttl=60, show_spinner=False)
def load_heatmap(db: str, year: int):
    return engagement.engagement_by_month(connection(), year=year)


@st.cache_data(ttl=60, show_spinner=False)
def load_matrix(db: str):
    return engagement.engagement_matrix(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_not_engaged(db: str, days: int, today: date):
    return engagement.not_engaged(connection(), days=days, today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_champions(db: str):
    return champions.list_champions(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_profile(db: str, iso3: str):
    con = connection()
    return (
        engagement.champion_timeline(con, iso3=iso3),
        engagement.champion_meetings(con, iso3=iso3),
        engagement.champion_feedback(con, iso3=iso3),
    )


@st.cache_data(ttl=60, show_spinner=False)
def load_pairs(db: str):
    return engagement.peer_pairs(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_consultation_load(db: str, year: int):
    con = connection()
    return (
        engagement.consultation_load(con, start=date(year, 1, 1), end=date(year, 12, 31)),
        engagement.get_consultation_cap(con),
    )


@st.cache_data(ttl=300, show_spinner=False)
def load_form_options(db: str):
    con = connection()
    return engagement.list_workstreams(con), engagement.list_products(con, workstream_id=None)


def render_heatmap() -> None:
    this_year = date.today().year
    year = st.selectbox(
        "Year", list(range(this_year, 2019, -1)), key="engagement_year", format_func=str
    )
    heat = load_heatmap(db_key(), year)
    st.subheader(f"Engagements per Champion and month, {year}")
    st.caption("Every Champion is a row, so the ones never engaged show as empty rows.")
    chart = (
        alt.Chart(heat)
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("month_name:O", title="Month", sort=list(heat["month_name"].unique())),
            y=alt.Y("country:N", title=None),
            color=alt.Color(
                "engagements:Q", title="Engagements", scale=alt.Scale(scheme="blues", domainMin=0)
            ),
            tooltip=[
                alt.Tooltip("country:N", title="Champion"),
                alt.Tooltip("month_name:N", title="Month"),
                alt.Tooltip("engagements:Q", title="Engagements"),
            ],
        )
        .properties(height=22 * heat["country"].nunique())
    )
    st.altair_chart(
        chart, width="stretch", height=22 * heat["country"].nunique() + 60, key="engagement_heatmap"
    )


def render_matrix() -> None:
    st.subheader("Last engagement per Champion and workstream")
    st.caption("Empty: never engaged by that workstream. Network-wide: no workstream named.")
    matrix = load_matrix(db_key())
    st.dataframe(matrix, hide_index=True, width="stretch", key="engagement_matrix")


def render_not_engaged() -> None:
    days = st.number_input(
        "Not engaged in the last N days",
        min_value=1,
        max_value=3650,
        value=90,
        step=30,
        key="engagement_days",
    )
    today = date.today()
    df = load_not_engaged(db_key(), int(days), today)
    never = int(df["last_engaged"].isna().sum())
    st.subheader(f"{len(df)} active Champions not engaged in the last {int(days)} days")
    st.caption(f"{never} of them were never engaged. Dates are calendar days, counted to {today}.")
    shown = df.assign(
        last_engaged=[
            "never" if d != d else f"{d:%d %b %Y}"
            for d in df["last_engaged"]  # NaT != NaT
        ],
        profile=[f"?champion={iso3}" for iso3 in df["iso3"]],
    )
    st.dataframe(
        shown[["country", "last_engaged", "days_since", "engagements", "profile"]],
        hide_index=True,
        width="stretch",
        key="engagement_not_engaged",
        column_config={
            "country": "Champion",
            "last_engaged": "Last engagement",
            "days_since": "Days since",
            "engagements": "Engagements (all time)",
            "profile": st.column_config.LinkColumn("Profile", display_text="open"),
        },
    )
    st.download_button(
        "Download the list (CSV)",
        tabular.csv_bytes(shown.drop(columns="profile")),
        file_name=f"not-engaged-{int(days)}-days.csv",
        mime="text/csv",
        key="engagement_not_engaged_download",
    )


def render_profile() -> None:
    df = load_champions(db_key())
    codes = list(df["iso3"])
    names = dict(zip(df["iso3"], df["country"], strict=True))
    wanted = str(st.query_params.get("champion", "")).upper()
    if "engagement_champion" not in st.session_state and wanted in codes:
        st.session_state["engagement_champion"] = wanted
    iso3 = st.selectbox("Champion", codes, format_func=names.get, key="engagement_champion")
    st.query_params["champion"] = iso3
    row = df.set_index("iso3").loc[iso3]
    st.subheader(f"{row['country']}: Champion profile")
    cols = st.columns(4)
    cols[0].metric("Local time now (capital)", row["local_time"].split(" (")[0])
    cols[0].caption(f"{row['capital_tz']} {row['local_time'].split(' ', 2)[-1]}")
    cols[1].metric("Joined", row["joined"])
    cols[1].caption(row["source"])
    cols[2].metric("Status", row["status"])
    cols[3].metric("Co-chair", "yes" if row["co_chair"] else "no")
    if row["co_chair"]:
        cols[3].caption(row["co_chair_terms"])
    timeline, meetings, feedback = load_profile(db_key(), iso3)
    st.markdown(f"**Timeline of engagements** ({len(timeline)})")
    if timeline.empty:
        st.info(f"No engagement of {row['country']} is logged yet.")
    else:
        chart = (
            alt.Chart(timeline)
            .mark_point(filled=True, size=90)
            .encode(
                x=alt.X("occurred_on:T", title="Date"),
                y=alt.Y("kind:N", title=None),
                color=alt.Color("kind:N", scale=KIND_COLORS, legend=None),
                tooltip=[
                    alt.Tooltip("occurred_on:T", title="Date"),
                    alt.Tooltip("kind:N", title="Kind"),
                    alt.Tooltip("workstream:N", title="Workstream"),
                    alt.Tooltip("note:N", title="Note"),
                ],
            )
            .properties(height=180)
        )
        st.altair_chart(chart, width="stretch", key="engagement_profile_timeline")
        st.dataframe(
            timeline[
                ["occurred_on", "kind", "workstream", "product", "meeting", "partner", "note"]
            ],
            hide_index=True,
            width="stretch",
            key="engagement_profile_log",
            column_config={"occurred_on": st.column_config.DateColumn("Date", format="D MMM YYYY")},
        )
    st.markdown(f"**Meetings** ({len(meetings)})")
    st.dataframe(
        meetings.rename(columns={"starts_utc": "starts (UTC)", "tz": "event time zone"}),
        hide_index=True,
        width="stretch",
        key="engagement_profile_meetings",
        column_config={
            "starts (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY HH:mm"),
            "registered": "registrations (not cancelled)",
        },
    )
    st.markdown(f"**Products commented** ({len(feedback)})")
    st.dataframe(
        feedback,
        hide_index=True,
        width="stretch",
        key="engagement_profile_feedback",
        column_config={"received_on": st.column_config.DateColumn("Received", format="D MMM YYYY")},
    )


def render_pairs() -> None:
    pairs = load_pairs(db_key())
    st.subheader(f"Peer-learning pairs ({len(pairs)})")
    st.caption("Each exchange counts as engagement for both Champions.")
    st.dataframe(pairs, hide_index=True, width="stretch", key="engagement_pairs")


def render_load() -> None:
    this_year = date.today().year
    year = st.selectbox(
        "Year",
        [this_year + 1, this_year, this_year - 1],
        index=1,
        key="engagement_load_year",
        format_func=str,
    )
    load, cap = load_consultation_load(db_key(), year)
    st.subheader(f"Requests per Champion and month, {year} (cap {cap} a month)")
    st.caption(
        "A request is an invitation to a product consultation (month it opens), a Champion "
        "targeted by a slot booking not declined or withdrawn (month of the slot), or an "
        "invitation to a workstream's event (month it starts; UTC). Booking and consultation "
        "screens warn before a workstream adds a request to a Champion at the cap."
    )
    if load.empty:
        st.info(f"No requests to Champions in {year}.")
    else:
        load = load.assign(
            month_name=[f"{m:%b}" for m in load["month"]],
            over=[
                "over the cap" if n > cap else ("at the cap" if n == cap else "below")
                for n in load["requests"]
            ],
        )
        chart = (
            alt.Chart(load)
            .mark_rect(stroke="white")
            .encode(
                x=alt.X(
                    "month_name:O",
                    title="Month",
                    sort=[f"{date(2000, m, 1):%b}" for m in range(1, 13)],
                ),
                y=alt.Y("country:N", title=None),
                color=alt.Color("requests:Q", title="Requests", scale=alt.Scale(scheme="oranges")),
                tooltip=[
                    "country",
                    "month_name",
                    "consultations",
                    "bookings",
                    "events",
                    "requests",
                    "over",
                ],
            )
        )
        rows = load["country"].nunique()
        st.altair_chart(
            chart.properties(height=22 * rows),
            width="stretch",
            height=22 * rows + 60,
            key="engagement_load_chart",
        )
        busy = load[load["requests"] >= cap]
        st.markdown(f"**At or over the cap ({len(busy)})**")
        st.dataframe(
            busy[
                ["country", "month_name", "consultations", "bookings", "events", "requests", "over"]
            ],
            hide_index=True,
            width="stretch",
            key="engagement_load_busy",
        )
    if can(user, "settings.edit"):
        with st.form("engagement_cap_form"):
            new_cap = st.number_input(
                "Cap: requests per Champion per month",
                min_value=1,
                max_value=50,
                value=cap,
                key="engagement_cap",
            )
            saved = st.form_submit_button("Save the cap", key="engagement_cap_save")
        if saved:
            try:
                engagement.set_consultation_cap(connection(), actor=user, cap=int(new_cap))
            except (ValueError, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                after_write()
                st.rerun()


def render_add_form() -> None:
    workstreams, products = load_form_options(db_key())
    df = load_champions(db_key())
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


st.title("Champion engagement")
demo_banner()
if can(user, "engagement.add") or can(user, "engagement.add", workstream_id=user.workstream_id):
    render_add_form()
default = VIEWS.index("Champion profile") if st.query_params.get("champion") else 0
view = st.radio("View", VIEWS, index=default, horizontal=True, key="engagement_view")
{
    "Heatmap": render_heatmap,
    "By workstream": render_matrix,
    "Not engaged": render_not_engaged,
    "Champion profile": render_profile,
    "Peer learning": render_pairs,
    "Consultation load": render_load,
}[view]()

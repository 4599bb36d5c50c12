"""Engagement views: heatmap, last engagement per workstream, not engaged, peer pairs, request load."""

from datetime import date

import altair as alt
import streamlit as st

from core import engagement
from core.permissions import PermissionDenied, User, can
from ui.charts import draw_altair
from ui.context import after_write, connection
from ui.safe import md_text
from ui.widgets import download_buttons


def heatmap_chart(heat):
    """Engagements per Champion (rows) and month (columns)."""
    return (
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


def render_heatmap(*, db: str, load_heatmap) -> None:
    """Chart engagements per Champion and month of the chosen year."""
    this_year = date.today().year
    year = st.selectbox(
        "Year", list(range(this_year, 2019, -1)), key="engagement_year", format_func=str
    )
    heat = load_heatmap(db, year)
    st.subheader(f"Engagements per Champion and month, {year}")
    st.caption("Every Champion is a row, so the ones never engaged show as empty rows.")
    draw_altair(
        heatmap_chart,
        heat,
        width="stretch",
        height=22 * heat["country"].nunique() + 60,
        key="engagement_heatmap",
    )


def render_matrix(matrix) -> None:
    """Show the last engagement per Champion and workstream."""
    st.subheader("Last engagement per Champion and workstream")
    st.caption("Empty: never engaged by that workstream. Network-wide: no workstream named.")
    st.dataframe(matrix, hide_index=True, width="stretch", key="engagement_matrix")


def render_not_engaged(*, db: str, load_not_engaged) -> None:
    """List active Champions not engaged in the last N days, with downloads."""
    days = st.number_input(
        "Not engaged in the last N days",
        min_value=1,
        max_value=3650,
        value=90,
        step=30,
        key="engagement_days",
    )
    today = date.today()
    df = load_not_engaged(db, int(days), today)
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
    download_buttons(
        shown.drop(columns="profile"),
        file_stem=f"not-engaged-{int(days)}-days",
        sheet="Not engaged",
        keys=("engagement_not_engaged_download", "engagement_not_engaged_xlsx"),
        labels=("Download the list (CSV)", "Download the list (Excel)"),
    )


def render_pairs(pairs) -> None:
    """List the peer-learning pairs."""
    st.subheader(f"Peer-learning pairs ({len(pairs)})")
    st.caption("Each exchange counts as engagement for both Champions.")
    st.dataframe(pairs, hide_index=True, width="stretch", key="engagement_pairs")


def render_load(user: User, *, db: str, load_consultation_load) -> None:
    """Chart requests per Champion and month against the cap; let administrators set the cap."""
    this_year = date.today().year
    year = st.selectbox(
        "Year",
        [this_year + 1, this_year, this_year - 1],
        index=1,
        key="engagement_load_year",
        format_func=str,
    )
    load, cap = load_consultation_load(db, year)
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
                st.error(md_text(str(exc)))
            else:
                after_write()
                st.rerun()

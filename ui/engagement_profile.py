"""Engagement profile of one Champion, chosen in the page or linked by ?champion=ISO3."""

import altair as alt
import streamlit as st

from core import engagement
from ui.safe import md_text

KIND_COLORS = alt.Scale(
    domain=list(engagement.KINDS),
    range=["#1a5fa8", "#2a9d8f", "#e9c46a", "#f4a261", "#9d4edd"],
)


def render_profile(df, *, db: str, load_profile) -> None:
    """Show one Champion: local time, join date, status, engagements, meetings, feedback."""
    codes = list(df["iso3"])
    names = dict(zip(df["iso3"], df["country"], strict=True))
    wanted = str(st.query_params.get("champion", "")).upper()
    if "engagement_champion" not in st.session_state and wanted in codes:
        st.session_state["engagement_champion"] = wanted
    iso3 = st.selectbox("Champion", codes, format_func=names.get, key="engagement_champion")
    st.query_params["champion"] = iso3
    row = df.set_index("iso3").loc[iso3]
    st.subheader(f"{md_text(row['country'])}: Champion profile")
    cols = st.columns(4)
    cols[0].metric("Local time now (capital)", row["local_time"].split(" (")[0])
    cols[0].caption(md_text(f"{row['capital_tz']} {row['local_time'].split(' ', 2)[-1]}"))
    cols[1].metric("Joined", row["joined"])
    cols[1].caption(md_text(row["source"]))
    cols[2].metric("Status", row["status"])
    cols[3].metric("Co-chair", "yes" if row["co_chair"] else "no")
    if row["co_chair"]:
        cols[3].caption(md_text(row["co_chair_terms"]))
    timeline, meetings, feedback = load_profile(db, iso3)
    st.markdown(f"**Timeline of engagements** ({len(timeline)})")
    if timeline.empty:
        st.info(f"No engagement of {md_text(row['country'])} is logged yet.")
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

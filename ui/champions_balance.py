"""Champion balance: the world map, Champions per regional group against a fair share, growth."""

import altair as alt
import streamlit as st

from core import champions, geo
from core.permissions import PermissionDenied, User, can
from ui.champions_registry import done
from ui.context import connection
from ui.safe import md_text


def map_spec(marks) -> dict:
    """Build the world map of Champions and candidates as a Vega-Lite spec (Altair, cacheable)."""
    topo = geo.world_topojson()
    countries = alt.Data(values=topo, format=alt.DataFormat(type="topojson", feature="countries"))
    base = (
        alt.Chart(countries)
        .mark_geoshape(fill="#e4e4e4", stroke="white", strokeWidth=0.4)
        .transform_filter("datum.id != '010'")  # Antarctica: no member state, much space
    )
    layer = (
        alt.Chart(countries)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .transform_lookup(
            lookup="id",
            from_=alt.LookupData(data=marks, key="id", fields=["country", "status", "detail"]),
        )
        .transform_filter("isValid(datum.status)")
        .encode(
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=[geo.CHAMPION, geo.CANDIDATE], range=["#1a5fa8", "#f4a261"]),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
            ),
            tooltip=[alt.Tooltip("country:N", title="Country"), alt.Tooltip("detail:N", title="")],
        )
    )
    return (base + layer).project("equalEarth").properties(height=430).to_dict()


def render_map(spec: dict, marks) -> None:
    """Draw the cached map spec and name the possible candidates."""
    # The spec inlines the 110 m world TopoJSON; building and validating it per rerun cost ~1 s.
    st.vega_lite_chart(spec, width="stretch", key="champions_map")
    candidates = marks[marks["status"] == geo.CANDIDATE]
    if len(candidates):
        st.caption(
            "Possible candidates (registered for a meeting open to non-Champions): "
            + ", ".join(md_text(c) for c in sorted(candidates["country"]))
            + "."
        )


def render_balance(groupings, user: User, *, db: str, load_balance, load_grouping_members) -> None:
    """Compare Champions per group with a fair share under the chosen regional grouping."""
    names = dict(zip(groupings["grouping_id"], groupings["name"], strict=True))
    rules = dict(zip(groupings["grouping_id"], groupings["rule"], strict=True))
    grouping_id = st.selectbox(
        "Regional grouping", list(names), format_func=names.get, key="champions_grouping"
    )
    df, gaps, na_note = load_balance(db, grouping_id)
    st.subheader(f"Champions by group: {md_text(names[grouping_id])}")
    for sentence in gaps:
        st.warning(md_text(sentence))
    st.markdown(md_text(na_note))
    with st.expander(f"How the grouping {md_text(names[grouping_id])} is built"):
        st.text(rules[grouping_id])
    order = list(df.sort_values(["champions", "group"], ascending=[False, True])["group"])
    y = alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    bars = (
        alt.Chart(df)
        .mark_bar(color="#1a5fa8")
        .encode(
            y=y,
            x=alt.X("champions:Q", title="Champions (tick: share if spread like UN member states)"),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("champions:Q", title="Champions"),
                alt.Tooltip("un_member_states:Q", title="UN member states"),
                alt.Tooltip("fair_share:Q", title="Fair share"),
            ],
        )
    )
    ticks = (
        alt.Chart(df)
        .mark_tick(color="#d62828", thickness=2)
        .encode(y=y, x="fair_share:Q", tooltip=[alt.Tooltip("fair_share:Q", title="Fair share")])
    )
    st.altair_chart(
        (bars + ticks).properties(height=28 * len(df)),
        height=28 * len(df) + 60,
        width="stretch",
        key="champions_balance_chart",
    )
    st.dataframe(
        df[["group", "champions", "un_member_states", "fair_share", "champion_countries"]],
        hide_index=True,
        width="stretch",
        key="champions_balance_table",
        column_config={
            "group": "Group",
            "champions": "Champions",
            "un_member_states": "UN member states",
            "fair_share": st.column_config.NumberColumn("Fair share", format="%.1f"),
            "champion_countries": "Champion countries",
        },
    )
    if can(user, "grouping.edit"):
        render_grouping_editor(groupings, user, db=db, load_grouping_members=load_grouping_members)


def render_grouping_editor(groupings, user: User, *, db: str, load_grouping_members) -> None:
    """Move a country to another group of a derived grouping."""
    with st.expander(
        "Edit a derived grouping (administrators)",
        key="champions_grouping_edit_open",
        on_change="rerun",
    ) as box:
        if box.open:
            _grouping_form(groupings, user, db=db, load_grouping_members=load_grouping_members)


def _grouping_form(groupings, user: User, *, db: str, load_grouping_members) -> None:
    """Pick a derived grouping and a country, then move the country to another group."""
    derived = groupings[groupings["derived"]]
    grouping_id = st.selectbox(
        "Grouping",
        list(derived["grouping_id"]),
        format_func=dict(zip(derived["grouping_id"], derived["name"], strict=True)).get,
        key="champions_grouping_edit_id",
    )
    members = load_grouping_members(db, grouping_id)
    names = dict(zip(members["iso3"], members["country"], strict=True))
    with st.form("champions_grouping_form"):
        iso3 = st.selectbox(
            "Country",
            list(members["iso3"]),
            format_func=names.get,
            key="champions_grouping_country",
        )
        group = st.selectbox(
            "Move to group", sorted(members["group"].unique()), key="champions_grouping_group"
        )
        submitted = st.form_submit_button("Move", key="champions_grouping_save")
    if submitted:
        try:
            champions.set_grouping_member(
                connection(),
                actor=user,
                member_in=champions.GroupingMemberIn(
                    grouping_id=grouping_id, iso3=iso3, group_name=group
                ),
            )
        except (ValueError, PermissionDenied) as exc:
            st.error(md_text(str(exc)))
        else:
            done(f"{names[iso3]} now counts under {group}.")


def render_growth(df, unknown: int) -> None:
    """Chart the Champions known by each date."""
    st.subheader("Champions over time")
    st.caption(
        "Each point is the Champions a source dates to that month (larger: more countries). *Joined* points carry the month of "
        "joining; *named as Champion by* points are the latest date a source names the country "
        "(it joined on or before it), so the line is a lower bound of the count at each date. "
        + (
            f"{unknown} Champion{'s' if unknown != 1 else ''} with no known date are not drawn."
            if unknown
            else "Every Champion has a dated source."
        )
    )
    line = (
        alt.Chart(df)
        .mark_line(interpolate="step-after", color="#8d99ae")
        .encode(
            x=alt.X("joined_on:T", title="Date (month)"),
            y=alt.Y("champions_known:Q", title="Champions known by this date"),
        )
    )
    points = (
        alt.Chart(df[df["date_kind"] != "today"])
        .mark_point(filled=True, opacity=1)
        .encode(
            x="joined_on:T",
            y="champions_known:Q",
            size=alt.Size("added:Q", legend=None, scale=alt.Scale(range=[60, 400])),
            shape=alt.Shape(
                "date_kind:N",
                scale=alt.Scale(
                    domain=["joined", "named as Champion by"], range=["circle", "diamond"]
                ),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            color=alt.Color(
                "date_kind:N",
                scale=alt.Scale(
                    domain=["joined", "named as Champion by"], range=["#1a5fa8", "#f4a261"]
                ),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=[
                alt.Tooltip("joined:N", title="Date"),
                alt.Tooltip("date_kind:N", title="Meaning"),
                alt.Tooltip("added:Q", title="Countries"),
                alt.Tooltip("countries:N", title="Who"),
                alt.Tooltip("champions_known:Q", title="Running count"),
            ],
        )
    )
    st.altair_chart((line + points).properties(height=320), width="stretch", key="champions_growth")

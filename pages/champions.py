"""Champions: the registry, the geographic balance (map, counts, gaps) and growth over time."""

from datetime import date
from zoneinfo import available_timezones

import altair as alt
import streamlit as st
from pydantic import ValidationError

from core import champions, geo, tabular
from core.permissions import PermissionDenied, can, can_view_page
from ui.context import after_write, connection, db_key, demo_banner, guard

user = guard("champions")

PRECISIONS = {
    "unknown": "Unknown",
    "month": "Month known",
    "by": "Named as Champion by this date",
    "day": "Exact day",
}


@st.cache_data(ttl=60, show_spinner=False)
def load_champions(db: str):
    return champions.list_champions(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_groupings(db: str):
    return champions.list_groupings(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_balance(db: str, grouping_id: str):
    df = champions.balance(connection(), grouping_id)
    note = champions.northern_america_note(connection(), grouping_id)
    return df, champions.gap_sentences(df), note


@st.cache_data(ttl=300, show_spinner=False)
def load_map(db: str):
    return geo.map_countries(connection())[["id", "country", "status", "detail"]]


@st.cache_data(ttl=300, show_spinner=False)
def load_growth(db: str):
    con = connection()
    return champions.growth_by_date(con), champions.count_unknown_join_dates(con)


@st.cache_data(ttl=300, show_spinner=False)
def load_countries(db: str):
    return champions.list_countries(connection())


@st.cache_data(ttl=300, show_spinner=False)
def load_grouping_members(db: str, grouping_id: str):
    return champions.list_grouping_members(connection(), grouping_id=grouping_id)


@st.cache_data(ttl=60, show_spinner=False)
def load_focal_points(db: str, username: str):
    return champions.list_focal_points(connection(), user=user)


def render_registry() -> None:
    df = load_champions(db_key())
    active = int((df["status"] == "active").sum())
    st.caption(
        f"{len(df)} Champion countries ({active} active). Join dates are shown as sources give "
        "them: a month, or *by <date>* (the latest date a source names the country as a "
        "Champion), or unknown. Local time is the capital's time now, with its UTC offset."
    )
    link = can_view_page(user, "engagement")
    table = df.assign(profile=[f"/engagement?champion={iso3}" for iso3 in df["iso3"]])
    columns = ["country", "joined", "local_time", "capital_tz", "status", "co_chair_terms"]
    columns += (["profile"] if link else []) + ["source"]
    st.dataframe(
        table[columns],
        hide_index=True,
        width="stretch",
        height=35 * len(table) + 40,
        key="champions_table",
        column_config={
            "country": "Country",
            "joined": "Joined",
            "source": "Source",
            "capital_tz": "Capital time zone",
            "local_time": "Local time now (capital)",
            "status": "Status",
            "co_chair_terms": "Co-chair terms",
            "profile": st.column_config.LinkColumn("Engagement profile", display_text="open"),
        },
    )
    st.download_button(
        "Download the registry (CSV)",
        tabular.csv_bytes(
            df[["iso3", "country", "joined", "source", "capital_tz", "status", "co_chair_terms"]]
        ),
        file_name="champions.csv",
        mime="text/csv",
        key="champions_download",
    )
    if can(user, "contacts.view"):
        st.subheader("Focal points")
        st.caption("Contact details: visible to the Secretariat, EC members and workstream leads.")
        st.dataframe(
            load_focal_points(db_key(), user.username)[["country", "name", "title", "email"]],
            hide_index=True,
            width="stretch",
            key="champions_focal_points",
            column_config={
                "country": "Country",
                "name": "Name",
                "title": "Title",
                "email": "E-mail",
            },
        )
    if can(user, "champion.edit"):
        render_edit_form(df)


def render_edit_form(df) -> None:
    countries = load_countries(db_key())
    names = dict(zip(countries["iso3"], countries["country"], strict=True))
    with st.expander("Add or edit a Champion"):
        iso3 = st.selectbox(
            "Country",
            list(
                countries.sort_values(["is_champion", "country"], ascending=[False, True])["iso3"]
            ),
            format_func=lambda code: (
                names[code] + (" (Champion)" if code in set(df["iso3"]) else "")
            ),
            key="champions_edit_country",
        )
        current = df.set_index("iso3").loc[iso3] if iso3 in set(df["iso3"]) else None
        zones = sorted(available_timezones())
        with st.form(f"champions_edit_form_{iso3}"):
            precision = st.selectbox(
                "Join date precision",
                list(PRECISIONS),
                index=list(PRECISIONS).index(current["joined_precision"])
                if current is not None
                else 0,
                format_func=PRECISIONS.get,
                key=f"champions_edit_precision_{iso3}",
            )
            joined_on = st.date_input(
                "Join date (leave empty when unknown)",
                value=current["joined_on"]
                if current is not None and not _isna(current["joined_on"])
                else None,
                min_value=date(2018, 12, 1),
                key=f"champions_edit_joined_{iso3}",
            )
            source = st.text_input(
                "Source",
                value=current["source"] if current is not None else "",
                key=f"champions_edit_source_{iso3}",
            )
            tz = st.selectbox(
                "Capital time zone",
                zones,
                index=zones.index(current["capital_tz"])
                if current is not None
                else zones.index("UTC"),
                key=f"champions_edit_tz_{iso3}",
            )
            status = st.selectbox(
                "Status",
                ["active", "inactive"],
                index=0 if current is None or current["status"] == "active" else 1,
                key=f"champions_edit_status_{iso3}",
            )
            notes = st.text_input(
                "Notes",
                value=(current["notes"] or "") if current is not None else "",
                key=f"champions_edit_notes_{iso3}",
            )
            submitted = st.form_submit_button("Save", key=f"champions_edit_save_{iso3}")
        if submitted:
            try:
                champion_in = champions.ChampionIn(
                    iso3=iso3,
                    joined_on=joined_on,
                    joined_precision=precision,
                    source=source,
                    capital_tz=tz,
                    status=status,
                    notes=notes or None,
                )
                if current is None:
                    champions.add_champion(connection(), actor=user, champion_in=champion_in)
                else:
                    champions.update_champion(connection(), actor=user, champion_in=champion_in)
            except ValidationError as exc:
                st.error(f"{names[iso3]}: {champions.explain(exc)}")
            except (ValueError, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                _done(f"Saved {names[iso3]}.")


def _done(message: str) -> None:
    """Clear cached results and rerun so every section shows the change; say what was saved."""
    after_write()
    st.session_state["champions_flash"] = message
    st.rerun()


def _isna(value) -> bool:
    return value is None or value != value  # NaT and NaN are not equal to themselves


def render_map() -> None:
    topo = geo.world_topojson()
    countries = alt.Data(values=topo, format=alt.DataFormat(type="topojson", feature="countries"))
    marks = load_map(db_key())
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
    chart = (base + layer).project("equalEarth").properties(height=430)
    st.altair_chart(chart, width="stretch", key="champions_map")
    candidates = marks[marks["status"] == geo.CANDIDATE]
    if len(candidates):
        st.caption(
            "Possible candidates (registered for a meeting open to non-Champions): "
            + ", ".join(sorted(candidates["country"]))
            + "."
        )


def render_balance() -> None:
    groupings = load_groupings(db_key())
    names = dict(zip(groupings["grouping_id"], groupings["name"], strict=True))
    rules = dict(zip(groupings["grouping_id"], groupings["rule"], strict=True))
    grouping_id = st.selectbox(
        "Regional grouping", list(names), format_func=names.get, key="champions_grouping"
    )
    df, gaps, na_note = load_balance(db_key(), grouping_id)
    st.subheader(f"Champions by group: {names[grouping_id]}")
    for sentence in gaps:
        st.warning(sentence)
    st.markdown(na_note)
    with st.expander(f'How the grouping "{names[grouping_id]}" is built'):
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
        render_grouping_editor(groupings)


def render_grouping_editor(groupings) -> None:
    derived = groupings[groupings["derived"]]
    with st.expander("Edit a derived grouping (administrators)"):
        grouping_id = st.selectbox(
            "Grouping",
            list(derived["grouping_id"]),
            format_func=dict(zip(derived["grouping_id"], derived["name"], strict=True)).get,
            key="champions_grouping_edit_id",
        )
        members = load_grouping_members(db_key(), grouping_id)
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
                st.error(str(exc))
            else:
                _done(f"{names[iso3]} now counts under {group}.")


def render_growth() -> None:
    df, unknown = load_growth(db_key())
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


st.title("Champion countries")
demo_banner()
if flash := st.session_state.pop("champions_flash", None):
    st.success(flash)
registry_tab, balance_tab, growth_tab = st.tabs(["Registry", "Geographic balance", "Growth"])
with registry_tab:
    render_registry()
with balance_tab:
    render_map()
    render_balance()
with growth_tab:
    render_growth()

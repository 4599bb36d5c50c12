"""Pipeline roadmap: a Gantt of planned and actual stage dates with launch milestones."""

import textwrap
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core import pipeline
from ui.pipeline_board import fmt_day, status_of

FLAG_COLOURS = {
    "Overdue": "#c62828",
    "At risk": "#ef6c00",
    "On track": "#607d8b",
    "Done": "#2e7d32",
}


STAGE_COLOURS = [
    "#9e9e9e",
    "#5c6bc0",
    "#ffb300",
    "#8d6e63",
    "#26a69a",
    "#7e57c2",
    "#2e7d32",
    "#bdbdbd",
    "#424242",
]


def render_roadmap(df: pd.DataFrame, today: date, *, db: str, load_roadmap) -> None:
    """Draw planned and actual stage bars, launches and today, then the same as a table."""
    if df.empty:
        st.info("No product matches the filters.")
        return
    start, end = _range_input(today)
    bars = load_roadmap(db, tuple(int(i) for i in df["product_id"]), today)
    labels = df.assign(
        product=[_label(r) for r in df.itertuples()], status=[status_of(r) for r in df.itertuples()]
    )[["product_id", "product", "status", "planned_launch", "actual_launch"]]
    # Draw only products with a bar or a launch inside the window: the chart clips the rest
    # anyway, and ten years of products would otherwise be sent to the browser on every run.
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    in_window = set(
        bars.loc[
            (pd.to_datetime(bars["end"]) >= lo) & (pd.to_datetime(bars["start"]) <= hi),
            "product_id",
        ]
    )
    for column in ("planned_launch", "actual_launch"):
        days = pd.to_datetime(labels[column])
        in_window |= set(labels.loc[(days >= lo) & (days <= hi), "product_id"])
    outside = len(labels) - len(in_window & set(labels["product_id"]))
    labels = labels[labels["product_id"].isin(in_window)]
    order = list(labels["product"])
    bars = bars.merge(labels[["product_id", "product"]], on="product_id")
    bars["stage_label"] = bars["stage"].map(pipeline.STAGE_LABELS)
    scale_x = alt.Scale(domain=[pd.Timestamp(start).isoformat(), pd.Timestamp(end).isoformat()])
    # Labels whole: the title wrapped over lines (no ellipsis), its stage on the last one.
    y = alt.Y(
        "product:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelLimit=0, labelExpr="split(datum.label, '\\n')", labelFontSize=11),
    )
    stage_colour = alt.Color(
        "stage_label:N",
        title="Stage",
        scale=alt.Scale(
            domain=[pipeline.STAGE_LABELS[s] for s in pipeline.ALL_STAGES], range=STAGE_COLOURS
        ),
    )
    bar_layer = (
        alt.Chart(bars)
        .mark_bar(clip=True, cornerRadius=2)
        .encode(
            x=alt.X("start:T", title="Date (UTC)", scale=scale_x),
            x2="end:T",
            y=y,
            yOffset=alt.YOffset("plan:N", sort=["Planned", "Actual"], title=None),
            color=stage_colour,
            opacity=alt.Opacity(
                "plan:N",
                scale=alt.Scale(domain=["Planned", "Actual"], range=[0.35, 1.0]),
                title="Bars",
            ),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("stage_label:N", title="Stage"),
                alt.Tooltip("plan:N", title="Planned or actual"),
                alt.Tooltip("start:T", title="From", format="%d %b %Y"),
                alt.Tooltip("end:T", title="To", format="%d %b %Y"),
            ],
        )
    )
    milestones = pd.concat(
        [
            labels.assign(day=labels["planned_launch"], milestone="Planned launch"),
            labels.assign(day=labels["actual_launch"], milestone="Actual launch"),
        ]
    ).dropna(subset=["day"])
    milestones["day"] = pd.to_datetime(milestones["day"])
    milestone_layer = (
        alt.Chart(milestones)
        .mark_point(size=140, filled=True, clip=True)
        .encode(
            x=alt.X("day:T", scale=scale_x),
            y=y,
            shape=alt.Shape(
                "milestone:N",
                scale=alt.Scale(
                    domain=["Planned launch", "Actual launch"], range=["diamond", "circle"]
                ),
                title="Milestone",
            ),
            fill=alt.Fill(
                "status:N",
                scale=alt.Scale(domain=list(FLAG_COLOURS), range=list(FLAG_COLOURS.values())),
                title="Status",
            ),
            stroke=alt.value("black"),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("milestone:N", title="Milestone"),
                alt.Tooltip("day:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
    )
    today_df = pd.DataFrame({"day": [pd.Timestamp(today)], "label": [f"Today (UTC) {today:%d %b}"]})
    today_rule = (
        alt.Chart(today_df)
        .mark_rule(color="#c62828", strokeDash=[4, 3])
        .encode(x=alt.X("day:T", scale=scale_x))
    )
    today_text = (
        alt.Chart(today_df)
        .mark_text(align="left", dx=4, dy=-6, color="#c62828", baseline="bottom")
        .encode(x=alt.X("day:T", scale=scale_x), y=alt.value(0), text="label:N")
    )
    lines = max([label.count("\n") + 1 for label in order] or [1])
    chart = (
        alt.layer(bar_layer, milestone_layer, today_rule, today_text)
        .resolve_scale(color="independent")
        .properties(height=alt.Step(max(46, 14 * lines + 10) // 2))  # a step per bar row
        # Legends side by side under the chart: beside a short chart the stage list was cut.
        .configure_legend(orient="bottom", direction="vertical", labelLimit=0)
    )
    st.altair_chart(chart, width="stretch", key="pipeline_roadmap_chart")
    if outside:
        st.caption(f"{outside} matching product(s) have no stage or launch in this window.")
    st.caption(
        "Pale bars are planned (baseline), solid bars actual; an actual stage still running ends "
        "today. Diamonds are planned launches, circles actual ones; red means overdue, orange at "
        "risk. Dates are calendar days; the today line is today in UTC."
    )
    shown = df.set_index("product_id").loc[labels["product_id"]]
    table = labels.assign(
        product=shown["title_en"].values,
        stage=shown["stage_label"].values,
        planned_launch=labels["planned_launch"].map(fmt_day),
        actual_launch=labels["actual_launch"].map(fmt_day),
        why=shown["flag_reason"].values,
    )[["product", "stage", "planned_launch", "actual_launch", "status", "why"]]
    table.columns = ["Product", "Stage", "Planned launch", "Actual launch", "Status", "Why"]
    st.table(table.set_index("Product"))


def _range_input(today: date) -> tuple[date, date]:
    picked = st.date_input(
        "Roadmap from / to",
        value=(today - timedelta(days=240), today + timedelta(days=300)),
        key="pipeline_roadmap_range",
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked
    return today - timedelta(days=240), today + timedelta(days=300)


def _label(row) -> str:
    """Return a product's axis label: flag and whole title over lines of ~48 characters, then
    its stage."""
    flag = "OVERDUE · " if row.overdue else "AT RISK · " if row.at_risk else ""
    lines = textwrap.wrap(f"{flag}{row.title_en}", width=48) or [""]
    return "\n".join([*lines, pipeline.STAGE_LABELS[row.stage]])

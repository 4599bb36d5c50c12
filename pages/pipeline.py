"""Pipeline: the Working Group products, by stage."""

import altair as alt
import streamlit as st

from core import pipeline
from ui.context import connection, db_key, demo_banner, guard

user = guard("pipeline")


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str):
    return pipeline.list_products(connection())


st.title("Working Group product pipeline")
demo_banner()
df = load_products(db_key())
df["stage_label"] = df["stage"].map(pipeline.STAGE_LABELS)
counts = df.groupby("stage_label", as_index=False).size().rename(columns={"size": "products"})
order = [pipeline.STAGE_LABELS[s] for s in pipeline.STAGES + pipeline.SIDE_STAGES]
chart = (
    alt.Chart(counts)
    .mark_bar()
    .encode(
        x=alt.X("stage_label:N", sort=order, title="Stage"),
        y=alt.Y("products:Q", title="Products"),
        tooltip=["stage_label", "products"],
    )
    .properties(height=240)
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    df[
        [
            "title_en",
            "workstream_id",
            "kind",
            "stage_label",
            "workplan_status",
            "planned_launch",
            "actual_launch",
            "lang_en",
            "lang_fr",
            "lang_es",
        ]
    ],
    hide_index=True,
    width="stretch",
    key="pipeline_table",
)

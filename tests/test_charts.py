"""Charts drawn from a kept Vega-Lite spec look exactly as st.altair_chart draws them."""

from __future__ import annotations

import altair as alt
from streamlit.testing.v1 import AppTest


def bars(data):
    """A module-level builder, as ui.charts.draw_altair wants."""
    return alt.Chart(data).mark_bar().encode(x="month:N", y="events:Q")


def _script() -> None:
    import altair as alt
    import pandas as pd
    import streamlit as st

    from tests.test_charts import bars
    from ui.charts import draw_altair

    data = pd.DataFrame({"month": ["Jan", "Feb"], "events": [st.session_state.get("n", 3), 5]})
    draw_altair(bars, data, width="stretch", key="kept")
    st.altair_chart(bars(data), width="stretch", key="direct")

    def nested(frame):
        return alt.Chart(frame).mark_bar()

    try:
        draw_altair(nested, data)
    except TypeError as exc:
        st.text(str(exc))


def test_a_kept_spec_is_the_spec_altair_chart_sends_and_follows_its_data():
    at = AppTest.from_function(_script).run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    kept, direct = (c.proto for c in charts)
    assert kept.spec == direct.spec
    assert [d.data.data for d in kept.datasets] == [d.data.data for d in direct.datasets]
    assert "a chart builder must be a module-level function" in at.text[0].value
    first = [d.data.data for d in kept.datasets]
    at.session_state["n"] = 9
    at.run()
    kept, direct = (c.proto for c in at.get("vega_lite_chart"))
    assert [d.data.data for d in kept.datasets] != first  # new data, new spec: nothing stale
    assert [d.data.data for d in kept.datasets] == [d.data.data for d in direct.datasets]

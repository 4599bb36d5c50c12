"""Draw Altair charts from a cached Vega-Lite spec: built and converted once per set of inputs.

`st.altair_chart` builds nothing itself but converts the chart on every rerun: Altair validates
every encoding and the whole spec, under a lock shared by all sessions. With 30 sessions that was
a sixth of a page run (py-spy, tests/bench_load.py). Here the chart is built by a module-level
function of its inputs only, and the spec Streamlit would have made from it is kept per inputs
(the data frames are hashed by st.cache_data), so a rerun sends the kept spec as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import streamlit as st

# The conversion st.altair_chart itself runs (Arrow datasets, theme, the lock on Altair's global
# settings); calling it here keeps the chart exactly as st.altair_chart would draw it.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec


@st.cache_data(show_spinner=False, max_entries=512)
def _spec(name: str, inputs: tuple, _build: Callable[..., alt.TopLevelMixin]) -> dict:
    return _convert_altair_to_vega_lite_spec(_build(*inputs))


def draw_altair(build: Callable[..., alt.TopLevelMixin], *inputs, **options) -> None:
    """Draw `build(*inputs)` with st.vega_lite_chart; `options` are st.vega_lite_chart's."""
    name = f"{build.__module__}.{build.__qualname__}"
    # A nested function could read values that are not among its inputs: its spec would be stale.
    if "<locals>" in name:
        raise TypeError(f"{name}: a chart builder must be a module-level function of its inputs")
    st.vega_lite_chart(_spec(name, inputs, build), **options)

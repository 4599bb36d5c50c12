"""The Overview tells a planning meeting what is coming and what needs attention."""

from streamlit.testing.v1 import AppTest

from tests.conftest import APP, login, shown


def test_overview_names_the_geographic_gaps_and_late_products(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "ec_undp")
    assert at.title[0].value == "Overview"
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "No Champion in Oceania." in text  # M49 regions: Oceania has none
    assert "Under-represented" in text
    assert any(s.value.startswith("Champions not engaged") for s in at.subheader)
    late = [df for df in at.dataframe if "why" in df.value.columns]
    assert late and len(late[0].value) >= 1


def test_a_viewer_sees_no_engagement_list_on_the_overview(app_env):
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "viewer")
    assert not any(s.value.startswith("Champions not engaged") for s in at.subheader)

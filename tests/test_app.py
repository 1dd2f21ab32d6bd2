"""The app starts on the demo cohort and shows its group counts (Streamlit AppTest)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.classify import classify
from her2dash.demo import DEMO_NOTICE, load_demo
from her2dash.settings import Settings

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def test_app_starts_on_the_synthetic_demo_with_the_papers_counts():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Cohort"
    assert metrics(at) == {"Homogeneous": "34", "Heterogeneous": "53", "Excluded by filters": "0"}
    assert any(DEMO_NOTICE in i.value for i in at.info)


def test_link_settings_restore_and_match_the_core():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["rule"] = "pooled"
    at.query_params["cutoff_pct"] = "80"
    at.query_params["max_fragments"] = "4"
    at.run()
    assert not at.exception
    cohort, _ = load_demo()
    expected = classify(cohort, Settings(rule="pooled", cutoff_pct=80.0, max_fragments=4))
    assert metrics(at) == {"Homogeneous": str(expected.n_homogeneous),
                           "Heterogeneous": str(expected.n_heterogeneous),
                           "Excluded by filters": str(expected.n_excluded)}
    assert expected.n_excluded > 0


def test_a_bad_link_value_is_reported_not_raised():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["cutoff_pct"] = "abc"
    at.run()
    assert not at.exception
    assert "cutoff_pct='abc' ignored" in at.sidebar.warning[0].value
    assert metrics(at)["Homogeneous"] == "34"


def test_biopsy_range_slider_changes_counts_and_the_hazard_ratio_to_the_cores():
    from her2dash.analysis import analyze
    from her2dash.tables.survival import hazard_ratio_text

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.slider(key="sidebar.fragments").set_value((2, 5)).run()
    assert not at.exception
    cohort, _ = load_demo()
    settings = Settings(min_fragments=2, max_fragments=5)
    expected = classify(cohort, settings)
    assert metrics(at) == {"Homogeneous": str(expected.n_homogeneous),
                           "Heterogeneous": str(expected.n_heterogeneous),
                           "Excluded by filters": str(expected.n_excluded)}
    assert expected.n_excluded > 0
    assert (at.query_params["min_fragments"], at.query_params["max_fragments"]) == ("2", "5")
    at.switch_page("pages/survival.py").run()
    hr = analyze(cohort, settings).endpoints["pfs"].hazard_ratio
    assert hazard_ratio_text(hr) in " ".join(m.value for m in at.markdown)


def test_reset_returns_to_the_papers_definition():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["cutoff_pct"] = "50"
    at.query_params["rule"] = "pooled"
    at.run()
    assert metrics(at)["Homogeneous"] != "34"
    at.button(key="sidebar.reset").click().run()
    assert not at.exception
    assert metrics(at)["Homogeneous"] == "34" and dict(at.query_params) == {}

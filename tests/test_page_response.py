"""The Response and Baseline pages show what the core computes (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from her2dash.analysis import analyze
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables.baseline import baseline_frame
from her2dash.tables.response import GROUP_COLUMNS, response_table_frame

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.main.dataframe]


def _table3(at: AppTest) -> pd.DataFrame:
    return next(f for f in _frames(at) if "Best response" in f.columns)


def _orr(frame: pd.DataFrame) -> list[str]:
    return frame.set_index("Best response").loc["ORR", list(GROUP_COLUMNS)].tolist()


def _response_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/response.py").run()
    return at


def test_response_page_shows_the_cores_table3():
    at = _response_page()
    assert not at.exception
    assert at.title[0].value == "Response"
    cohort, _ = load_demo()
    core = analyze(cohort, Settings()).response
    shown = _orr(_table3(at))
    assert shown[:2] == ["25/43 (58.1 %) [42.1–73.0]", "23/27 (85.2 %) [66.3–95.8]"]
    assert shown == _orr(response_table_frame(core))
    assert core.orr_test.odds_ratio.estimate > 4
    assert any("4.06 (1.11–18.97)" in f.to_string() for f in _frames(at))
    assert len(at.get("plotly_chart")) == 2


def test_moving_the_cutoff_changes_the_response_table_to_the_cores():
    at = _response_page()
    before = _table3(at)
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    assert at.title[0].value == "Response"
    cohort, _ = load_demo()
    expected = response_table_frame(analyze(cohort, Settings(cutoff_pct=50.0)).response)
    after = _table3(at)
    assert not after.equals(before)
    pd.testing.assert_frame_equal(after.reset_index(drop=True), expected)


def test_colour_by_response_is_a_view_choice_only():
    at = _response_page()
    at.radio(key="response.colour_by").set_value("response").run()
    assert not at.exception
    assert _orr(_table3(at))[0] == "25/43 (58.1 %) [42.1–73.0]"


def test_baseline_page_renders_table1_with_platinums_p():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/baseline.py").run()
    assert not at.exception
    assert at.title[0].value == "Baseline"
    cohort, _ = load_demo()
    analysis = analyze(cohort, Settings())
    shown = next(f for f in _frames(at) if "Characteristic" in f.columns)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True),
                                  baseline_frame(analysis.baseline, analysis.covariates))
    assert shown.set_index("Characteristic").loc["Platinum-based", "p value"] == "0.039"
    assert any("Fisher's exact test" in c.value for c in at.caption)


def test_an_empty_group_shows_info_boxes_not_an_exception():
    # At a 0 % cutoff every patient is homogeneous: no comparison, but the page still renders.
    at = _response_page()
    at.slider(key="sidebar.cutoff").set_value(0.0).run()
    assert not at.exception
    assert any("depth of response is not available" in i.value for i in at.info)
    assert _orr(_table3(at))[0] == "–"
    at.switch_page("pages/baseline.py").run()
    assert not at.exception
    assert any("baseline table is not available" in i.value for i in at.info)

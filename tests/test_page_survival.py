"""The Survival, Biopsy count and Specimens pages show what the core computes (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from her2dash.analysis import Analysis, analyze
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables.biopsy_count import spearman_table
from her2dash.tables.survival import hazard_ratio_text, logrank_text, median_table

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(path).run()
    return at


def _frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.main.dataframe]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.main.markdown)


def _core(**settings) -> Analysis:
    cohort, _ = load_demo()
    return analyze(cohort, Settings(**settings))


def test_survival_page_shows_the_cores_medians_and_hr():
    at = _page("pages/survival.py")
    assert not at.exception
    assert at.title[0].value == "Survival"
    analysis = _core()
    # The sidebar's endpoint (PFS by default) is the first tab; only the open tab is built.
    expected = median_table(analysis.endpoints["pfs"].survival)
    pd.testing.assert_frame_equal(_frames(at)[0].reset_index(drop=True), expected)
    text = _markdown(at)
    pfs = analysis.endpoints["pfs"]
    assert hazard_ratio_text(pfs.hazard_ratio) in text  # "HR 0.47 (0.29–0.77)"
    assert logrank_text(pfs.survival.logrank) in text
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="sidebar.endpoint").set_value("os").run()
    assert not at.exception
    expected = median_table(analysis.endpoints["os"].survival)
    pd.testing.assert_frame_equal(_frames(at)[0].reset_index(drop=True), expected)
    assert {t.key for t in at.toggle} == {"survival.show_ci", "survival.show_overall",
                                          "survival.risk_counts"}


def test_survival_page_follows_the_sidebar_cutoff():
    at = _page("pages/survival.py")
    before = hazard_ratio_text(_core().endpoints["pfs"].hazard_ratio)
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    assert at.title[0].value == "Survival"
    after = hazard_ratio_text(_core(cutoff_pct=50.0).endpoints["pfs"].hazard_ratio)
    assert after != before
    text = _markdown(at)
    assert after in text and before not in text


def test_survival_page_puts_the_sidebar_endpoint_first():
    at = _page("pages/survival.py")
    at.radio(key="sidebar.endpoint").set_value("os").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Overall survival", "Progression-free survival"]
    expected = median_table(_core(endpoint="os").endpoints["os"].survival)
    pd.testing.assert_frame_equal(_frames(at)[0].reset_index(drop=True), expected)


def test_survival_page_toggles_render():
    at = _page("pages/survival.py")
    at.toggle(key="survival.show_ci").set_value(False).run()
    at.toggle(key="survival.show_overall").set_value(True).run()
    assert not at.exception


def _figure(at: AppTest) -> dict:
    import json

    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_risk_counts_toggle_adds_the_extended_risk_table_and_its_download():
    """The toggle adds cumulative censored and events rows under each arm in the figure and
    the risk table (the core's numbers), and the table downloads as CSV and XLSX."""
    from her2dash.tables.survival import risk_table_frame

    at = _page("pages/survival.py")
    roles = {t.get("meta", {}).get("role") for t in _figure(at)["data"]}
    assert "at_risk" in roles and "events" not in roles
    at.toggle(key="survival.risk_counts").set_value(True).run()
    assert not at.exception
    roles = [t.get("meta", {}).get("role") for t in _figure(at)["data"]]
    assert roles.count("censored") == roles.count("events") == 2
    survival = _core().endpoints["pfs"].survival
    expected = risk_table_frame(survival, cumulative=True)
    shown = [f for f in _frames(at) if "Count" in f.columns]
    assert len(shown) == 1
    pd.testing.assert_frame_equal(shown[0].reset_index(drop=True), expected)
    # The demo's Homo-HER2 arm at 27 months, as R's summary(survfit) gives it: 1, 5, 28.
    homo = expected[expected["Group"] == "Homo-HER2"].set_index("Count")["27"].tolist()
    assert homo == ["1", "5", "28"]
    keys = {b.key for b in at.get("download_button")}
    assert {"survival.pfs.risk.csv", "survival.pfs.risk.xlsx"} <= keys


def test_suppression_checkbox_beside_a_download_sets_the_session_and_masks_downloads():
    at = _page("pages/survival.py")
    assert not at.session_state["export.suppress"]  # HER2DASH_SUPPRESS_BELOW unset: off
    at.checkbox(key="survival.pfs.medians.export.suppress").check().run()
    assert not at.exception
    assert at.session_state["export.suppress"] and at.session_state["export.suppress_below"] == 5
    # Every copy of the control shows the one setting.
    assert at.checkbox(key="survival.pfs.risk.export.suppress").value
    captions = " ".join(c.value for c in at.caption)
    assert "Downloads: counts below 5 are suppressed." in captions
    # The figure's PNG is the masked figure (enabled when a browser is there); the screen is not
    # masked: the analyst's own data.
    text = [x for t in _figure(at)["data"] if t.get("meta", {}).get("role") == "at_risk"
            for x in t.get("text", [])]
    assert "1" in text and "<5" not in text
    at.number_input(key="survival.pfs.risk.export.suppress_below").set_value(11).run()
    assert at.session_state["export.suppress_below"] == 11
    assert "counts below 11 are suppressed" in " ".join(c.value for c in at.caption)


def test_the_deployment_default_turns_suppression_on(monkeypatch):
    monkeypatch.setenv("HER2DASH_SUPPRESS_BELOW", "11")
    at = _page("pages/survival.py")
    assert not at.exception
    assert at.session_state["export.suppress"] and at.session_state["export.suppress_below"] == 11


def test_biopsy_count_page_shows_the_spearman_table():
    at = _page("pages/biopsy_count.py")
    assert not at.exception
    assert at.title[0].value == "Biopsy count"
    expected = spearman_table(_core().endpoints["pfs"].biopsy_count)
    pd.testing.assert_frame_equal(_frames(at)[0].reset_index(drop=True), expected)
    assert any("censoring is ignored" in i.value for i in at.info)


def test_specimens_page_says_the_demo_has_biopsies_only():
    at = _page("pages/specimens.py")
    assert not at.exception
    assert at.title[0].value == "Specimens"
    assert any("only biopsy specimens" in i.value for i in at.info)
    assert not _frames(at)

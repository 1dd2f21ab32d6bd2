"""The "How many biopsies" page (AppTest): what it shows is the core's result for the same
settings, B and seed; B, the seed and the sidebar reach the computation; degenerate settings
give an info box, not a traceback."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo
from her2dash.resampling import ResamplingResult, resample
from her2dash.settings import Settings
from her2dash.tables.resampling import (
    headline,
    k_summary,
    leave_one_out_text,
    resampling_table,
)

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/resampling.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "How many biopsies"
    return at


def _core(settings: Settings | None = None, n_draws: int = 200, seed: int = 0
          ) -> ResamplingResult:
    cohort, _ = load_demo()
    result = resample(cohort, settings or Settings(), n_draws=n_draws, seed=seed)
    assert isinstance(result, ResamplingResult)
    return result


def _frames(at: AppTest) -> list:
    return [d.value.reset_index(drop=True) for d in at.main.dataframe]


def test_page_shows_the_cores_headline_figure_table_and_sentences():
    at = _page()
    core = _core()
    assert at.info[0].value == headline(core)
    assert len(at.get("plotly_chart")) == 1
    text = [m.value for m in at.main.markdown]
    # The slider starts at 2 fragments, the brief's example question.
    assert at.select_slider(key="resampling.k").value == 2
    assert k_summary(core, 2) in text
    assert leave_one_out_text(core.leave_one_out) in text
    assert any(f.equals(resampling_table(core)) for f in _frames(at))
    # The paper's PFS HR as the full-sample reference, in the sentence.
    assert "all fragments: HR 0.47, 95 % CI 0.29–0.77" in k_summary(core, 2)


def test_the_k_slider_picks_the_sentence():
    at = _page()
    at.select_slider(key="resampling.k").set_value(1).run()
    assert not at.exception
    assert k_summary(_core(), 1) in [m.value for m in at.main.markdown]


def test_draws_and_seed_reach_the_simulation():
    at = _page()
    at.number_input(key="resampling.draws").set_value(60).run()
    at.number_input(key="resampling.seed").set_value(5).run()
    assert not at.exception
    core = _core(n_draws=60, seed=5)
    assert any(f.equals(resampling_table(core)) for f in _frames(at))
    assert not any(f.equals(resampling_table(_core())) for f in _frames(at))


def test_the_sidebar_rule_reaches_the_simulation():
    at = _page()
    at.selectbox(key="sidebar.rule").set_value("pooled").run()
    assert not at.exception
    settings = Settings(rule="pooled", cutoff_pct=at.slider(key="sidebar.cutoff").value)
    assert at.info[0].value == headline(_core(settings))


def test_single_fragment_patients_only_get_an_info_box():
    at = _page()
    at.slider(key="sidebar.fragments").set_value((1, 1)).run()
    assert not at.exception
    assert at.info[0].value == (
        "The resampling simulation is not available: every included patient has a single "
        "tumour-containing fragment, so there are no fewer biopsies to simulate.")
    assert len(at.get("plotly_chart")) == 0


def test_the_adequacy_threshold_moves_the_figure_line():
    at = _page()
    at.number_input(key="sidebar.adequate_fragments").set_value(5).run()
    assert not at.exception
    assert "adequacy threshold is 5" in at.caption[0].value


@pytest.mark.parametrize(("params", "no_events", "expected"), [
    ({"cutoff_pct": "0"}, False, "PFS: the full-sample HR is not estimable"),
    ({"min_fragments": "8", "max_fragments": "8"}, False, "PFS:"),
    ({"min_fragments": "20"}, False, "PFS:"),  # clamped to the cohort's maximum, 8
    ({}, True, "PFS: no hazard ratio (no PFS events among the included patients)."),
], ids=["empty-group", "tiny-cohort", "nobody", "no-events"])
def test_degenerate_settings_explain_instead_of_failing(params, no_events, expected):
    """The cases of tests/test_pages_degenerate.py, on this page."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if no_events:
        cohort, report = load_demo()
        patients = cohort.patients.assign(pfs_event=0.0, os_event=0.0)
        at.session_state["cohort"] = dataclasses.replace(cohort, patients=patients)
        at.session_state["report"] = report
    at.run()
    at.switch_page("pages/resampling.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "How many biopsies"
    assert at.info[0].value.startswith(expected), at.info[0].value

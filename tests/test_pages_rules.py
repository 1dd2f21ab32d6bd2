"""Every rule of the registry on every page (AppTest, the demo cohort, which carries the
optional fragment columns): no page needs rule-specific code, and none fails or hides why."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from her2dash.classify import classify
from her2dash.demo import load_demo
from her2dash.rules import RULE_NAMES, RULES, rule_availability
from her2dash.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))


def test_the_demo_cohort_supports_every_rule():
    cohort, _ = load_demo()
    assert rule_availability(cohort.fragments.columns) == dict.fromkeys(RULE_NAMES)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("rule", RULE_NAMES)
def test_every_page_runs_under_every_rule(rule):
    spec = RULES[rule]
    cutoff = spec.cutoff.default if spec.cutoff is not None else 100.0
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["rule"] = rule
    at.query_params["cutoff_pct"] = f"{cutoff:g}"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="sidebar.rule").value == rule
    cohort, _ = load_demo()
    expected = classify(cohort, Settings(rule=rule, cutoff_pct=cutoff))
    metrics = {m.label: m.value for m in at.sidebar.metric}
    assert metrics["Homo-HER2"] == str(expected.n_homogeneous)
    assert metrics["Hetero-HER2"] == str(expected.n_heterogeneous)
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (rule, page, at.exception)
        assert at.title, page
    if spec.cutoff is None:
        at.switch_page("pages/cutoff.py").run()
        assert any("no cutoff" in i.value for i in at.info)


def test_switching_to_an_h_score_rule_moves_the_cutoff_onto_its_scale():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.selectbox(key="sidebar.rule").set_value("h-score-min").run()
    assert not at.exception, at.exception
    slider = at.slider(key="sidebar.cutoff")
    assert (slider.min, slider.max, slider.value) == (0.0, 300.0, 200.0)
    at.selectbox(key="sidebar.rule").set_value("pooled").run()
    assert at.slider(key="sidebar.cutoff").value == 100.0  # back on the % scale: its default
    at.selectbox(key="sidebar.rule").set_value("genetic").run()
    assert "sidebar.cutoff" not in [s.key for s in at.sidebar.slider]  # no cutoff to set
    assert at.query_params["rule"] in ("genetic", ["genetic"])  # the link follows


def test_a_typed_patient_gets_the_columns_its_rule_needs():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["rule"] = "h-score-min"
    at.query_params["cutoff_pct"] = "200"
    at.run()
    at.switch_page("pages/patient.py").run()
    at.radio(key="patient.source").set_value("Type a new patient").run()
    assert not at.exception, at.exception
    # example H-scores 280, 290, 160, 230: the lowest (F3) decides, below 200
    text = " ".join(m.value for m in at.markdown)
    assert "**Hetero-HER2** under the h-score-min rule at 200 (rule value 160" in text
    assert "fragment F3: H-score 160, below the 200 cutoff → heterogeneous" in text


def test_cohort_page_shows_the_adequacy_rerun_and_the_her2_low_composition():
    from her2dash.adequacy import adequacy_comparison
    from her2dash.tables.cohort import adequacy_frame, her2_low_frame

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    cohort, _ = load_demo()
    expected = adequacy_frame(adequacy_comparison(cohort, Settings()))
    shown = [d.value for d in at.dataframe]
    assert any(f.equals(expected) for f in shown), "adequacy table differs from the core"
    # 24 of the demo's 87 patients have fewer than 4 tumour-containing fragments
    assert any("24 of 87 included patients have fewer than 4" in m.value for m in at.markdown)
    composition = her2_low_frame(classify(cohort, Settings()))
    assert any(f.equals(composition) for f in shown)
    at.toggle(key="cohort.adequacy_on").set_value(False).run()
    assert not any(f.equals(expected) for f in (d.value for d in at.dataframe))

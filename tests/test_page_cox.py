"""The Cox and Cohort pages show what the core computes (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.analysis import analyze
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables import format_estimate

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _core_hr_cell(settings: Settings) -> str:
    term = analyze(load_demo()[0], settings).endpoints["pfs"].multivariable.terms[0]
    return format_estimate(term.hazard_ratio, term.ci, 2)


def _table(at: AppTest, first_column: str):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column
                and "Level (n)" in d.value.columns)


def _multivariable_hr(at: AppTest) -> str:
    table = _table(at, "Covariate")
    return table.loc[table["Level (n)"].str.startswith("Homo-HER2"), "HR (95 % CI)"].iloc[0]


def test_cox_page_shows_the_cores_multivariable_hr_and_follows_the_cutoff():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/cox.py").run()
    assert not at.exception
    assert at.title[0].value == "Cox models"
    before = _multivariable_hr(at)
    assert before == _core_hr_cell(Settings()) == "0.45 (0.27–0.76)"
    headers = [h.value for h in at.header]
    assert "Multivariable model (Table 2)" in headers
    assert "Proportional hazards (cox.zph)" in headers
    assert any(c.value.startswith("Global tests: likelihood ratio") for c in at.caption)

    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    after = _multivariable_hr(at)
    assert after == _core_hr_cell(Settings(cutoff_pct=50.0)) == "0.45 (0.27–0.75)"
    assert after != before


def test_cox_page_endpoint_radio_switches_to_os():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/cox.py").run()
    at.radio(key="cox.endpoint").set_value("os").run()
    assert not at.exception
    term = analyze(load_demo()[0], Settings()).endpoints["os"].multivariable.terms[0]
    assert _multivariable_hr(at) == format_estimate(term.hazard_ratio, term.ci, 2)


def test_cox_page_without_adjustment_says_why():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/cox.py").run()
    at.multiselect(key="sidebar.cox_covariates").set_value([]).run()
    assert not at.exception
    assert any("no adjustment covariates chosen" in i.value for i in at.info)


def test_cohort_page_shows_the_heterogeneity_rate():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Cohort"
    assert [s.value for s in at.subheader] == ["Heterogeneity rate 60.9 %"]
    assert any("95 % CI 49.9–71.2 %" in c.value for c in at.caption)
    at.radio(key="cohort.colour_by").set_value("score").run()
    assert not at.exception

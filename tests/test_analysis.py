"""analyze() (her2dash/analysis.py): the bundle equals the topic modules' own answers, and the
synthetic demo, whose Table 1 and Table 3 counts are the paper's, gives the paper's tests."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from her2dash.analysis import Analysis, EndpointAnalysis, analyze
from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cox import hazard_ratio
from her2dash.demo import load_demo
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.survival import kaplan_meier, median_survival


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    return cohort


@pytest.fixture(scope="module")
def paper(demo) -> Analysis:
    return analyze(demo, Settings())


def test_groups_and_bundle_shape(paper: Analysis):
    assert (paper.n_homogeneous, paper.n_heterogeneous, paper.n_excluded) == (34, 53, 0)
    assert set(paper.endpoints) == {"pfs", "os"}
    assert all(isinstance(e, EndpointAnalysis) for e in paper.endpoints.values())
    assert paper.synthetic


def test_table3_from_the_demo_is_the_papers(paper: Analysis):
    """The demo's response counts are the paper's, so Table 3's statistics must come out:
    ORR 85.2 % (66.3–95.8) vs 58.1 % (42.1–73.0), OR 4.06 (1.110–18.961), p = 0.020."""
    r = paper.response
    assert not isinstance(r, Unavailable)
    assert r.homogeneous.orr.successes == 23 and r.homogeneous.orr.n == 27
    assert r.heterogeneous.orr.successes == 25 and r.heterogeneous.orr.n == 43
    assert round(100 * r.homogeneous.orr.ci.low, 1) == 66.3
    assert round(100 * r.homogeneous.orr.ci.high, 1) == 95.8
    assert round(100 * r.heterogeneous.orr.ci.low, 1) == 42.1
    assert round(100 * r.heterogeneous.orr.ci.high, 1) == 73.0
    test = r.orr_test
    assert round(test.pvalue, 3) == 0.020
    assert round(test.odds_ratio.estimate, 2) == 4.06
    assert round(test.odds_ratio.ci.low, 2) == 1.11 and round(test.odds_ratio.ci.high, 1) == 19.0


# Table 1's printed p-values; the demo reproduces every count, so Fisher's test must too.
TABLE1_P = {"age_group": 0.029, "sex": 0.357, "ecog": 0.481, "primary_site": 0.335,
            "histology": 0.362, "visceral_metastasis": 1.000, "previous_gastrectomy": 1.000,
            "platinum": 0.039, "conversion_surgery": 0.304, "second_line": 1.000,
            "beyond_her2": 0.772, "her2_status": 0.011, "cea_group": 0.498,
            "ca199_group": 0.657}


def test_baseline_table_from_the_demo_gives_every_table1_fisher_p(paper: Analysis):
    rows = {row.column: row for row in paper.baseline.rows}
    got = {c: round(rows[c].pvalue, 3) for c in TABLE1_P}
    assert got == TABLE1_P
    assert rows["age"].kind == "continuous"
    assert rows["age"].homogeneous.median == 62.5 and rows["age"].heterogeneous.median == 68


def test_survival_fields_equal_direct_calls(demo, paper: Analysis):
    cls = classify(demo, Settings())
    homo = (cls.included["group"] == HOMOGENEOUS).to_numpy()
    pts = demo.patients.loc[cls.included.index]
    t, e = pts["pfs_months"].to_numpy(), pts["pfs_event"].to_numpy()
    pfs = paper.endpoints["pfs"]
    direct = median_survival(kaplan_meier(t[homo], e[homo]))
    assert pfs.survival.medians[HOMOGENEOUS] == dataclasses.replace(direct, label=HOMOGENEOUS)
    assert pfs.hazard_ratio == hazard_ratio(t, e, homo)
    assert 0.3 < pfs.hazard_ratio.estimate < 0.7  # the demo is drawn near the paper's 0.47


def test_multivariable_model_has_the_group_and_table2_covariates(paper: Analysis):
    model = paper.endpoints["os"].multivariable
    covariates = {term.covariate for term in model.terms}
    assert covariates == {"her2_group", "age_group", "platinum"}
    levels = {(t.covariate, t.level, t.reference) for t in model.terms}
    assert ("platinum", "no", "yes") in levels and ("age_group", "< 67", "≥ 67") in levels


@pytest.mark.parametrize(("settings", "reason"), [
    (Settings(cutoff_pct=0.0), "the heterogeneous group is empty under these settings"),
    (Settings(min_fragments=20), "no patients are included under these settings"),
], ids=["everyone-homogeneous", "nobody-included"])
def test_degenerate_settings_give_reasons_not_exceptions(demo, settings, reason):
    result = analyze(demo, settings)
    hr = result.endpoints["pfs"].hazard_ratio
    assert isinstance(hr, Unavailable) and hr.reason.startswith(reason)
    assert isinstance(result.depth_of_response, Unavailable)


def test_a_cohort_without_response_or_os_says_so(demo):
    cohort = dataclasses.replace(demo, patients=demo.patients.drop(
        columns=["best_response", "os_months", "os_event"]))
    result = analyze(cohort, Settings())
    assert result.response == Unavailable("the cohort has no best_response column")
    assert result.endpoints["os"] == Unavailable("the cohort has no os_months / os_event column")
    assert not isinstance(result.endpoints["pfs"], Unavailable)


def test_missing_adjustment_covariate_is_noted_and_left_out(demo):
    result = analyze(demo, Settings(cox_covariates=("age_group", "smoking")))
    assert any("smoking" in n for n in result.notes)
    terms = {t.covariate for t in result.endpoints["pfs"].multivariable.terms}
    assert terms == {"her2_group", "age_group"}
    assert np.isfinite(result.endpoints["pfs"].stratified_hazard_ratio.estimate)

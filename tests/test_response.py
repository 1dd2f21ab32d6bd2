"""her2dash.response against R (tests/golden/response_r.json), scipy and the paper's Table 3.

Golden values come from ``Rscript tests/golden/response.R`` (R 4.2.2), which reads the cohorts in
tests/golden/cohorts/ back from disk; the hand-made cases store their inputs next to R's answers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import odds_ratio as scipy_odds_ratio

from her2dash.response import (
    DepthOfResponse,
    FisherExact,
    OddsRatio,
    ResponseTable,
    binomial_proportion,
    depth_of_response,
    fisher_exact_2x2,
    quartiles,
    response_table,
    wilcoxon_rank_sum,
)
from her2dash.results import Unavailable

GOLDEN = Path(__file__).parent / "golden"
R = json.loads((GOLDEN / "response_r.json").read_text())
COHORTS = sorted(R["cohorts"])

# R's values are written with 15 significant digits and both sides evaluate the same closed forms
# (beta quantiles, hypergeometric sums, normal/t tails): agreement to 1e-6 relative is expected.
RTOL = 1e-6
# fisher.test finds the conditional MLE and its CI with uniroot at its default tolerance (~1e-4,
# r-parity item 13); her2dash solves to ~1e-13. 1e-3 relative covers R's error on these tables,
# except near 0: uniroot's tol (.Machine$double.eps^0.25 = 1.22e-4) is absolute on the scale it
# solves on, t = ψ for ψ < 1 and t = 1/ψ for ψ > 1, so a lower limit of 0.0006 can be 1 % off
# (R 0.000644 vs exact 0.000636 for scipy's example table). There R is held to that absolute tol.
RTOL_OR_VS_R = 1e-3
UNIROOT_TOL = np.finfo(float).eps ** 0.25
# Against scipy's exact conditional odds ratio (brentq to 1e-13): the same equations, solved
# exactly on both sides.
RTOL_OR_VS_EXACT = 1e-6


def _cohort(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "cohorts" / f"{name}.csv")


def _num(v: object) -> float:
    """A JSON number, or R's infinities written as the strings "Inf" / "-Inf"."""
    return float(v) if not isinstance(v, str) else (math.inf if v == "Inf" else -math.inf)


@pytest.fixture(scope="module", params=COHORTS)
def cohort_result(request: pytest.FixtureRequest) -> tuple[str, ResponseTable, DepthOfResponse]:
    d = _cohort(request.param)
    rt = response_table(d["response"], d["homo"])
    assert isinstance(rt, ResponseTable)
    return request.param, rt, depth_of_response(d["pct_change"], d["homo"])


# --------------------------------------------------------------------------- ORR / DCR


@pytest.mark.parametrize("endpoint", ["orr", "dcr"])
@pytest.mark.parametrize("group", ["heterogeneous", "homogeneous", "overall"])
def test_orr_dcr_matches_r_binom_test(cohort_result, group: str, endpoint: str) -> None:
    """R: ``binom.test(x, n)$conf.int``, x = CR + PR (+ SD for DCR), n = patients not NE."""
    name, rt, _ = cohort_result
    ref = R["cohorts"][name]["proportions"][group]
    g = getattr(rt, group)
    assert g.n == ref["n"] and g.n_evaluable == ref["n_evaluable"]
    assert g.counts == ref["counts"]
    p = getattr(g, endpoint)
    assert (p.successes, p.n) == (ref[endpoint]["x"], ref[endpoint]["n"])
    assert p.estimate == pytest.approx(ref[endpoint]["estimate"], rel=RTOL)
    assert (p.ci.low, p.ci.high) == pytest.approx(ref[endpoint]["conf_int"], rel=RTOL)


@pytest.mark.parametrize("case", R["hand"]["binom"], ids=lambda c: f"{c['x']}of{c['n']}")
def test_binomial_proportion_matches_r_binom_test(case: dict) -> None:
    """R: ``binom.test(x, n)$conf.int`` (Clopper–Pearson), including x = 0 and x = n."""
    p = binomial_proportion(case["x"], case["n"])
    assert (p.ci.low, p.ci.high) == pytest.approx(case["conf_int"], rel=RTOL)
    assert p.ci.method == "Clopper–Pearson (exact)"


@pytest.mark.parametrize("case", R["hand"]["binom"], ids=lambda c: f"{c['x']}of{c['n']}")
def test_binomial_proportion_matches_scipy_binomtest(case: dict) -> None:
    """scipy: ``binomtest(x, n).proportion_ci(method="exact")``; same beta quantiles."""
    ci = stats.binomtest(case["x"], case["n"]).proportion_ci(method="exact")
    p = binomial_proportion(case["x"], case["n"])
    assert (p.ci.low, p.ci.high) == pytest.approx((ci.low, ci.high), rel=1e-12)


# --------------------------------------------------------------------------- Fisher 2×2


def _check_fisher(res: FisherExact, ref: dict) -> None:
    assert res.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    est = _num(ref["estimate"])
    if est in (0.0, math.inf) or 0 in np.ravel(ref["table"]):
        # R prints 0 or Inf (and a CI reaching 0 or Inf); her2dash says why instead.
        assert isinstance(res.odds_ratio, Unavailable)
        assert res.odds_ratio.reason.startswith("Odds ratio not estimable")
        return
    assert isinstance(res.odds_ratio, OddsRatio)
    got = (res.odds_ratio.estimate, res.odds_ratio.ci.low, res.odds_ratio.ci.high)
    for ours, theirs in zip(got, (est, *map(_num, ref["conf_int"])), strict=True):
        _assert_close_to_uniroot(ours, theirs)


def _assert_close_to_uniroot(ours: float, r_value: float) -> None:
    """Within 1e-3 relative of R, or within uniroot's absolute tol on R's scale (t or 1/t)."""
    if ours == pytest.approx(r_value, rel=RTOL_OR_VS_R):
        return
    scale = (lambda v: v) if r_value < 1 else (lambda v: 1 / v)
    assert abs(scale(ours) - scale(r_value)) <= UNIROOT_TOL, (ours, r_value)


@pytest.mark.parametrize("endpoint", ["orr", "dcr"])
def test_response_fisher_matches_r_fisher_test(cohort_result, endpoint: str) -> None:
    """R: ``fisher.test(matrix(c(hs, es, hn - hs, en - es), 2))``: p, estimate, conf.int.

    Rows homogeneous then heterogeneous, first column = success, so the OR is homo vs hetero.
    """
    name, rt, _ = cohort_result
    ref = R["cohorts"][name][f"{endpoint}_fisher"]
    res = getattr(rt, f"{endpoint}_test")
    assert [list(r) for r in res.table] == ref["table"]
    _check_fisher(res, ref)


@pytest.mark.parametrize("name", list(R["hand"]["fisher_2x2"]))
def test_fisher_exact_2x2_matches_r_fisher_test(name: str) -> None:
    """R: ``fisher.test(matrix(c(a, b, c, d), 2, byrow = TRUE))``: zero cells, empty row, ties
    in the table probabilities (the mirror table counts, R's relative tolerance 1e-7), Table 3.
    """
    ref = R["hand"]["fisher_2x2"][name]
    _check_fisher(fisher_exact_2x2(ref["table"]), ref)


def _finite_or_cases() -> list[str]:
    return [k for k, v in R["hand"]["fisher_2x2"].items() if 0 not in np.ravel(v["table"])]


@pytest.mark.parametrize("name", _finite_or_cases())
def test_conditional_odds_ratio_matches_scipy_exact(name: str) -> None:
    """scipy: ``odds_ratio(table, kind="conditional")`` and its 95 % CI, solved exactly.

    Includes 74,000- and 1,390-patient tables: the large-count path (own log-space solver).
    """
    table = np.array(R["hand"]["fisher_2x2"][name]["table"])
    ref = scipy_odds_ratio(table, kind="conditional")
    ci = ref.confidence_interval(confidence_level=0.95)
    res = fisher_exact_2x2(table).odds_ratio
    assert isinstance(res, OddsRatio)
    assert (res.estimate, res.ci.low, res.ci.high) == pytest.approx(
        (ref.statistic, ci.low, ci.high), rel=RTOL_OR_VS_EXACT)
    a, b, c, d = table.ravel()
    assert res.sample_estimate == pytest.approx(a * d / (b * c), rel=1e-15)


@pytest.mark.parametrize("name", list(R["hand"]["fisher_2x2"]))
def test_fisher_exact_2x2_matches_scipy_fisher_exact(name: str) -> None:
    """scipy: ``fisher_exact(table).pvalue``. scipy's tie tolerance is 1e-14 relative, R's 1e-7;
    the tied cases here are exact ties, which both count."""
    table = R["hand"]["fisher_2x2"][name]["table"]
    assert fisher_exact_2x2(table).pvalue == pytest.approx(
        stats.fisher_exact(table).pvalue, rel=RTOL)


def test_conditional_odds_ratio_other_level_matches_scipy() -> None:
    """scipy: ``odds_ratio(t).confidence_interval(confidence_level=0.9)``; the level is passed."""
    t = [[12, 5], [9, 20]]
    ci = scipy_odds_ratio(np.array(t)).confidence_interval(confidence_level=0.9)
    res = fisher_exact_2x2(t, conf_level=0.9).odds_ratio
    assert isinstance(res, OddsRatio)
    assert (res.ci.low, res.ci.high, res.ci.level) == pytest.approx((ci.low, ci.high, 0.9),
                                                                    rel=RTOL_OR_VS_EXACT)


# --------------------------------------------------------------------------- depth of response


def test_depth_of_response_matches_r_wilcox_test(cohort_result) -> None:
    """R: ``wilcox.test(pct_change ~ homo)`` (exact = NULL, correct = TRUE): W, p, method.

    The cohorts' whole-percent changes tie, so R takes the normal approximation with the
    tie-corrected variance and continuity correction.
    """
    name, _, dor = cohort_result
    ref = R["cohorts"][name]["wilcox"]["pct_change"]
    assert dor.test.statistic == pytest.approx(ref["statistic"], rel=RTOL)
    assert dor.test.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    assert dor.test.method == ref["method"]


@pytest.mark.parametrize("group", ["heterogeneous", "homogeneous"])
def test_depth_of_response_matches_r_quantile(cohort_result, group: str) -> None:
    """R: ``quantile(x, c(.25, .5, .75), type = 7)``, ``median(x)``, ``range(x)`` per group."""
    name, _, dor = cohort_result
    ref = R["cohorts"][name]["quantiles"]["pct_change"][group]
    q = getattr(dor, group)
    assert q.n == ref["n"]
    assert (q.q1, q.median, q.q3) == pytest.approx(ref["q"], rel=RTOL)
    assert (q.median, q.minimum, q.maximum) == pytest.approx(
        (ref["median"], ref["min"], ref["max"]), rel=RTOL)


def test_depth_of_response_counts_missing() -> None:
    """NE patients have no % change: counted in n_missing and left out of both groups."""
    d = _cohort("paper_size")
    dor = depth_of_response(d["pct_change"], d["homo"])
    assert dor.n_missing == int(d["pct_change"].isna().sum())
    assert dor.heterogeneous.n + dor.homogeneous.n == int(d["pct_change"].notna().sum())


@pytest.mark.parametrize("name", list(R["hand"]["wilcox"]))
def test_wilcoxon_rank_sum_matches_r_wilcox_test(name: str) -> None:
    """R: ``wilcox.test(x, y)`` with the defaults: exact for n < 50 each without ties (incl. 49
    and 30 values, W = 0 and W = m·n), normal + continuity correction with ties or n ≥ 50."""
    ref = R["hand"]["wilcox"][name]
    res = wilcoxon_rank_sum(ref["x"], ref["y"])
    assert res.statistic == pytest.approx(ref["statistic"], rel=RTOL, abs=1e-12)
    assert res.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    assert res.method == ref["method"]
    assert res.exact == ("exact" in ref["method"])


@pytest.mark.parametrize("name", list(R["hand"]["wilcox"]))
def test_wilcoxon_rank_sum_matches_scipy_mannwhitneyu(name: str) -> None:
    """scipy: ``mannwhitneyu(x, y, method=...)`` with the method R chose passed explicitly
    (``"auto"`` picks differently, r-parity item 15); U for x equals R's W."""
    ref = R["hand"]["wilcox"][name]
    res = wilcoxon_rank_sum(ref["x"], ref["y"])
    method = "exact" if res.exact else "asymptotic"
    mw = stats.mannwhitneyu(ref["x"], ref["y"], method=method, use_continuity=True)
    assert res.statistic == pytest.approx(mw.statistic, rel=1e-12, abs=1e-12)
    assert res.pvalue == pytest.approx(mw.pvalue, rel=RTOL)


@pytest.mark.parametrize("name", list(R["hand"]["quantile"]))
def test_quartiles_match_r_quantile_type_7(name: str) -> None:
    """R: ``quantile(x, c(.25, .5, .75), type = 7)`` and ``median(x)``."""
    ref = R["hand"]["quantile"][name]
    q = quartiles(ref["x"], "homogeneous")
    assert (q.q1, q.median, q.q3) == pytest.approx(ref["q"], rel=RTOL)
    assert q.median == pytest.approx(ref["median"], rel=RTOL)
    assert q.n == ref["n"]


# --------------------------------------------------------------------------- the paper


def _table3_patients() -> tuple[list[str], list[int]]:
    """Table 3's printed counts as patients (17 of the 87 not evaluable: NE)."""
    het = ["CR"] * 1 + ["PR"] * 24 + ["SD"] * 11 + ["PD"] * 7 + ["NE"] * 10  # 43 + 10 = 53
    hom = ["CR"] * 4 + ["PR"] * 19 + ["SD"] * 2 + ["PD"] * 2 + ["NE"] * 7  # 27 + 7 = 34
    return het + hom, [0] * len(het) + [1] * len(hom)


def test_paper_table3_orr_and_odds_ratio() -> None:
    """Table 3: ORR 85.2 % (66.3–95.8) vs 58.1 % (42.1–73.0); OR 4.06 (1.110–18.961); p 0.020.

    The printed OR and CI are fisher.test's uniroot values (4.0601, 1.1095–18.9617): ours are
    the exact solution, equal to the printed digits at the printed precision except the CI's
    upper end, which the exact root puts at 18.9666 (R's uniroot stops at 18.9617).
    """
    response, homo = _table3_patients()
    rt = response_table(response, homo)
    assert isinstance(rt, ResponseTable)
    hom, het = rt.homogeneous.orr, rt.heterogeneous.orr
    assert (hom.successes, hom.n, het.successes, het.n) == (23, 27, 25, 43)
    assert round(100 * hom.estimate, 1) == 85.2
    assert (round(100 * hom.ci.low, 1), round(100 * hom.ci.high, 1)) == (66.3, 95.8)
    assert round(100 * het.estimate, 1) == 58.1
    assert (round(100 * het.ci.low, 1), round(100 * het.ci.high, 1)) == (42.1, 73.0)
    test = rt.orr_test
    assert round(test.pvalue, 3) == 0.020 and round(test.pvalue, 4) == 0.0197
    orr = test.odds_ratio
    assert round(orr.estimate, 2) == 4.06
    assert round(orr.ci.low, 2) == 1.11  # printed 1.110
    assert orr.ci.high == pytest.approx(18.961, rel=RTOL_OR_VS_R)  # printed 18.961 (uniroot)
    assert round(orr.sample_estimate, 2) == 4.14  # ad/bc, what scipy's fisher_exact returns


def test_paper_overall_orr_and_dcr() -> None:
    """Results: CR 5, PR 43, SD 13, PD 9 of 70 evaluable: ORR 68.6 %, DCR 87.1 %."""
    response, homo = _table3_patients()
    rt = response_table(response, homo)
    o = rt.overall
    assert (o.counts["CR"], o.counts["PR"], o.counts["SD"], o.counts["PD"]) == (5, 43, 13, 9)
    assert (o.n, o.n_evaluable) == (87, 70)
    assert round(100 * o.orr.estimate, 1) == 68.6
    assert round(100 * o.dcr.estimate, 1) == 87.1


# --------------------------------------------------------------------------- edge cases


EDGE_RESPONSE = {
    "no_patients": ([], [], "No patients."),
    "ne_only": (["NE", "", None], [1, 0, 1], "No evaluable response: all 3 patients are NE"),
}


@pytest.mark.parametrize("case", list(EDGE_RESPONSE), ids=list(EDGE_RESPONSE))
def test_response_table_unavailable(case: str) -> None:
    response, group, reason = EDGE_RESPONSE[case]
    res = response_table(response, group)
    assert isinstance(res, Unavailable)
    assert res.reason.startswith(reason)


def test_response_table_empty_group() -> None:
    """All patients heterogeneous: the homogeneous group and both tests are Unavailable."""
    rt = response_table(["PR", "SD", "PD"], [0, 0, 0])
    assert isinstance(rt, ResponseTable)
    assert rt.homogeneous.orr == Unavailable("No patients in the homogeneous group.")
    assert rt.orr_test == Unavailable("Fisher's test needs evaluable patients in both groups; "
                                      "the homogeneous group has no patients.")
    assert isinstance(rt.overall.orr.ci.low, float)


def test_response_table_group_all_ne() -> None:
    rt = response_table(["PR", "NE", "NE"], [0, 1, 1])
    assert rt.homogeneous.orr == Unavailable(
        "No evaluable patients in the homogeneous group (all 2 NE).")
    assert rt.dcr_test.reason.endswith("the homogeneous group has no evaluable patients.")


def test_response_table_all_responders_or_infinite() -> None:
    """Every homogeneous patient responds: R's estimate is Inf; the p stays (R: 0.0325)."""
    rt = response_table(["CR"] * 3 + ["PR"] * 7 + ["PR"] * 5 + ["PD"] * 5, [1] * 10 + [0] * 10)
    assert rt.orr_test.pvalue == pytest.approx(
        R["hand"]["fisher_2x2"]["zero_b"]["p_value"], rel=RTOL)
    assert rt.orr_test.odds_ratio == Unavailable(
        "Odds ratio not estimable: a cell of the 2×2 table is 0, so the conditional "
        "maximum-likelihood odds ratio is infinite.")


def test_response_table_one_patient() -> None:
    """One evaluable patient: ORR 1/1 with CI (0.025, 1); no comparison possible."""
    rt = response_table(["PR"], ["homogeneous"])
    assert rt.homogeneous.orr.ci.low == pytest.approx(0.025, rel=RTOL)
    assert rt.orr_test.reason.startswith("Fisher's test needs evaluable patients in both")


def test_fisher_exact_2x2_empty_row() -> None:
    res = fisher_exact_2x2([[0, 0], [3, 4]])
    assert res.pvalue == 1.0
    assert res.odds_ratio == Unavailable("Odds ratio not estimable: a row of the 2×2 table is "
                                         "empty.")


EDGE_DEPTH = {
    "empty_group": ([-50.0, -20.0, 10.0], [0, 0, 0], "No values in the homogeneous group."),
    "all_missing": ([np.nan, np.nan], [0, 1], "No values in the heterogeneous group."),
}


@pytest.mark.parametrize("case", list(EDGE_DEPTH), ids=list(EDGE_DEPTH))
def test_depth_of_response_unavailable(case: str) -> None:
    change, group, reason = EDGE_DEPTH[case]
    dor = depth_of_response(change, group)
    unavailable = [q for q in (dor.heterogeneous, dor.homogeneous) if isinstance(q, Unavailable)]
    assert reason in [u.reason for u in unavailable]
    assert dor.test == Unavailable("Mann–Whitney test needs at least one value in each group.")


def test_depth_of_response_group_of_one_matches_r() -> None:
    """A one-patient group is legal: R ``wilcox.test(3.1, c(1.2, 2.5, 4.8, 5.9, 7.7))``."""
    ref = R["hand"]["wilcox"]["exact_unbalanced"]  # x has one value: JSON stores a scalar
    dor = depth_of_response([ref["x"], *ref["y"]], [0] + [1] * len(ref["y"]))
    assert dor.heterogeneous.n == 1 and dor.heterogeneous.q1 == dor.heterogeneous.q3 == 3.1
    assert dor.test.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    assert dor.test.statistic == ref["statistic"]


def test_wilcoxon_rank_sum_all_equal() -> None:
    res = wilcoxon_rank_sum([5.0, 5.0], [5.0, 5.0, 5.0])
    assert res == Unavailable("Mann–Whitney test not computable: every value is the same.")


def test_group_labels_accepted() -> None:
    """Booleans, 0/1 and the classification's labels code the same groups."""
    resp = ["PR", "SD", "CR", "PD"]
    a = response_table(resp, [True, False, True, False])
    b = response_table(resp, pd.Series(["homogeneous", "heterogeneous"] * 2, index=[9, 8, 7, 6]))
    c = response_table(resp, np.array([1.0, 0.0, 1.0, 0.0]))
    assert a == b == c
    with pytest.raises(ValueError, match="homogeneous/heterogeneous or 1/0"):
        response_table(resp, [1, 0, 2, 0])

"""her2dash.survival against R's survival package (golden file), lifelines, scipy and a naive loop.

R's answers come from ``tests/golden/survival.R`` (survival 3.5.3), run on the CSV files in
``tests/golden/cohorts`` as read back from disk; ``Rscript tests/golden/survival.R`` regenerates
``tests/golden/survival_r.json``. NA, NaN and Inf are ``null`` there (``std_err_inf`` marks Inf).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy import stats

from her2dash import survival as sv
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.results import Unavailable

GOLDEN = Path(__file__).resolve().parent / "golden"
R = json.loads((GOLDEN / "survival_r.json").read_text(encoding="utf-8"))
COHORTS = {name: pd.read_csv(GOLDEN / "cohorts" / f"{name}.csv") for name in R["cohorts"]}
ENDPOINTS = ("pfs", "os")

# R writes 15 significant digits and computes in the same double precision; 1e-6 relative is far
# above both and far below anything a user reads (R prints 3–4 digits).
RTOL = 1e-6


def r_array(x: object) -> np.ndarray:
    """A JSON value as a float array (jsonlite unboxes length-1 vectors; null → NaN)."""
    values = x if isinstance(x, list) else [x]
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def r_std_err(r_curve: dict) -> np.ndarray:
    se = r_array(r_curve["std_err"])
    se[np.asarray(r_array(r_curve["std_err_inf"]), dtype=bool)] = np.inf
    return se


def assert_r(actual: object, expected: object, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Equal to R's values within rtol, NaN where R has NA/NaN (null)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float).reshape(-1),
                               np.asarray(expected, dtype=float).reshape(-1),
                               rtol=rtol, atol=atol, equal_nan=True)


def nan_if_none(x: float | None) -> float:
    return np.nan if x is None else x


# ---------------------------------------------------------------------------- what R fitted


def endpoint_data(cohort: str, endpoint: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = COHORTS[cohort]
    return (d[f"{endpoint}_time"].to_numpy(float), d[f"{endpoint}_status"].to_numpy(float),
            d["homo"].to_numpy())


CURVES = []  # (id, kind, cohort or case, endpoint, key)
for _c in R["cohorts"]:
    for _e in ENDPOINTS:
        CURVES.append((f"{_c}-{_e}-overall", "overall", _c, _e, None))
        for _k in R["cohorts"][_c][_e]["by_homo"]:
            CURVES.append((f"{_c}-{_e}-homo={_k}", "by_homo", _c, _e, _k))
        CURVES.append((f"{_c}-{_e}-reverse", "follow_up", _c, _e, None))
for _name in R["cases"]:
    CURVES.append((f"case-{_name}", "case", _name, None, None))


def fit(spec: tuple, conf_type: str) -> tuple[sv.KaplanMeierCurve, dict, np.ndarray]:
    """Our curve, R's values for it and the landmark times R used."""
    _, kind, source, endpoint, key = spec
    if kind == "case":
        case = R["cases"][source]
        t, e = r_array(case["input"]["time"]), r_array(case["input"]["status"])
        return (sv.kaplan_meier(t, e, conf_type=conf_type), case["km"],
                r_array(case["landmark_times"]))
    t, e, homo = endpoint_data(source, endpoint)
    r_end = R["cohorts"][source][endpoint]
    times = r_array(R["landmark_times"])
    if kind == "overall":
        return sv.kaplan_meier(t, e, conf_type=conf_type), r_end["overall"], times
    if kind == "follow_up":
        return sv.kaplan_meier(t, 1 - e, conf_type=conf_type), r_end["follow_up"], times
    curves = sv.kaplan_meier_by_group(t, e, homo, conf_type=conf_type)
    return curves[int(key)], r_end["by_homo"][key], times


def curve_params():
    return [pytest.param(spec, ct, id=f"{spec[0]}-{ct}") for spec in CURVES
            for ct in sv.CONF_TYPES]


@pytest.mark.parametrize(("spec", "conf_type"), curve_params())
def test_curve_matches_r_survfit(spec, conf_type):
    """``survfit(Surv(time, status) ~ 1 | ~ homo, conf.type = conf_type)``: every array.

    Reverse curves are ``Surv(time, 1 - status)``; ``~ homo`` strata are ``fit[i]``.
    """
    curve, r, _ = fit(spec, conf_type)
    assert curve.n == r["n"]
    assert_r(curve.time, r_array(r["time"]))
    np.testing.assert_array_equal(curve.n_risk, r_array(r["n_risk"]))
    np.testing.assert_array_equal(curve.n_event, r_array(r["n_event"]))
    np.testing.assert_array_equal(curve.n_censor, r_array(r["n_censor"]))
    assert_r(curve.survival, r_array(r["surv"]))
    assert_r(curve.std_err, r_std_err(r))
    assert_r(curve.ci_low, r_array(r["conf"][conf_type]["lower"]))
    assert_r(curve.ci_high, r_array(r["conf"][conf_type]["upper"]))


@pytest.mark.parametrize(("spec", "conf_type"), curve_params())
def test_median_matches_r_survfit(spec, conf_type):
    """``summary(fit)$table[c("median", "0.95LCL", "0.95UCL", "events", "records")]``, i.e. what
    ``print.survfit`` shows; NA (not reached) is None."""
    curve, r, _ = fit(spec, conf_type)
    rc = r["conf"][conf_type]
    m = sv.median_survival(curve)
    # Medians are event times or midpoints of two: exact up to R's 15 printed digits.
    assert_r([nan_if_none(m.estimate), nan_if_none(m.ci.low), nan_if_none(m.ci.high)],
             r_array([rc["median"], rc["lcl"], rc["ucl"]]))
    assert (m.n, m.n_events) == (rc["records"], rc["events"])
    assert m.ci.level == 0.95


@pytest.mark.parametrize(("spec", "conf_type"), curve_params())
def test_landmarks_matches_r_survfit(spec, conf_type):
    """``summary(fit, times = c(6, 12, 24), extend = TRUE)`` (cases: c(0, 0.5, 1, 2.5, 3, 10)):
    surv, lower, upper, n.risk."""
    curve, r, times = fit(spec, conf_type)
    lm = r["conf"][conf_type]["landmarks"]
    ours = sv.survival_at(curve, times)
    assert_r([x.time for x in ours], r_array(lm["time"]))
    assert_r([x.survival for x in ours], r_array(lm["surv"]))
    assert_r([nan_if_none(x.ci.low) for x in ours], r_array(lm["lower"]))
    assert_r([nan_if_none(x.ci.high) for x in ours], r_array(lm["upper"]))
    np.testing.assert_array_equal([x.n_risk for x in ours], r_array(lm["n_risk"]))


@pytest.mark.parametrize("case", [pytest.param(n, id=n) for n in R["cases"]])
def test_conf_level_90_matches_r_survfit(case):
    """``survfit(Surv(time, status) ~ 1, conf.int = 0.9)``: band, median and its 90 % CI."""
    c = R["cases"][case]
    curve = sv.kaplan_meier(r_array(c["input"]["time"]), r_array(c["input"]["status"]),
                            conf_level=0.9)
    r = c["conf_90"]
    assert_r(curve.ci_low, r_array(r["lower"]))
    assert_r(curve.ci_high, r_array(r["upper"]))
    m = sv.median_survival(curve)
    assert_r([nan_if_none(m.estimate), nan_if_none(m.ci.low), nan_if_none(m.ci.high)],
             r_array([r["median"], r["lcl"], r["ucl"]]))
    assert m.ci.level == 0.9


@pytest.mark.parametrize("spec", [pytest.param(s, id=s[0]) for s in CURVES])
def test_risk_table_matches_r_survfit(spec):
    """``summary(fit, times = seq(0, max(time), 3), extend = TRUE)``: n.risk, and n.event /
    n.censor cumulated (R reports them per interval). Cases use the landmark times."""
    _, kind, source, endpoint, key = spec
    if kind == "case":
        case = R["cases"][source]
        t, e, r = r_array(case["input"]["time"]), r_array(case["input"]["status"]), case["km"]
    else:
        t, e, homo = endpoint_data(source, endpoint)
        r = R["cohorts"][source][endpoint][kind if kind != "by_homo" else "by_homo"]
        if kind == "by_homo":
            r = r[key]
            keep = homo == int(key)
            t, e = t[keep], e[keep]
        if kind == "follow_up":
            e = 1 - e
    rk = r["risk"]
    table = sv.risk_table(t, e, r_array(rk["time"]))
    np.testing.assert_array_equal(table.time, r_array(rk["time"]))
    np.testing.assert_array_equal(table.n_risk, r_array(rk["n_risk"]))
    np.testing.assert_array_equal(table.cum_events, r_array(rk["cum_events"]))
    np.testing.assert_array_equal(table.cum_censored, r_array(rk["cum_censored"]))


@pytest.mark.parametrize("spec", [pytest.param(s, id=s[0]) for s in CURVES])
def test_risk_table_agrees_with_curve_n_risk(spec):
    """At the curve's own times the risk table is survfit's n.risk and cumulated counts."""
    _, kind, source, endpoint, key = spec
    curve, _, _ = fit(spec, "log")
    if kind == "case":
        t, e = r_array(R["cases"][source]["input"]["time"]), r_array(
            R["cases"][source]["input"]["status"])
    else:
        t, e, homo = endpoint_data(source, endpoint)
        if kind == "by_homo":
            t, e = t[homo == int(key)], e[homo == int(key)]
        if kind == "follow_up":
            e = 1 - e
    table = sv.risk_table(t, e, curve.time)
    np.testing.assert_array_equal(table.n_risk, curve.n_risk)
    np.testing.assert_array_equal(table.cum_events, np.cumsum(curve.n_event))
    np.testing.assert_array_equal(table.cum_censored, np.cumsum(curve.n_censor))


FOLLOW_UP = [pytest.param(c, e, ct, id=f"{c}-{e}-{ct}") for c in R["cohorts"] for e in ENDPOINTS
             for ct in sv.CONF_TYPES]


@pytest.mark.parametrize(("cohort", "endpoint", "conf_type"), FOLLOW_UP)
def test_median_follow_up_matches_r_survfit(cohort, endpoint, conf_type):
    """``summary(survfit(Surv(time, 1 - status) ~ 1, conf.type = conf_type))$table``: the
    reverse Kaplan–Meier median, not the median observed time."""
    t, e, _ = endpoint_data(cohort, endpoint)
    r = R["cohorts"][cohort][endpoint]["follow_up"]["conf"][conf_type]
    m = sv.median_follow_up(t, e, conf_type=conf_type)
    assert_r([nan_if_none(m.estimate), nan_if_none(m.ci.low), nan_if_none(m.ci.high)],
             r_array([r["median"], r["lcl"], r["ucl"]]))
    assert m.n_events == r["events"]  # censored patients: the reverse curve's "events"
    assert m.estimate != pytest.approx(float(np.median(t)))


# ---------------------------------------------------------------------------- survdiff


def check_survdiff(result: sv.LogRank | Unavailable, r: dict) -> None:
    assert isinstance(result, sv.LogRank), result
    # chisq and p: one linear solve on sums of thousands of terms; R's value has 15 digits.
    assert_r(result.statistic, r["chisq"])
    assert_r(result.pvalue, r["pvalue"])
    assert result.df == r["df"]
    np.testing.assert_array_equal(result.n, r_array(r["n"]))
    np.testing.assert_array_equal(result.observed, r_array(r["obs"]))
    assert_r(result.expected, r_array(r["exp"]))
    # The variance matrix's rows sum to zero: R's off-diagonal entries carry that cancellation
    # error (~1e-15 absolute), hence the absolute floor.
    assert_r(np.ravel(result.variance), np.ravel(r["var"]), atol=1e-12)


SURVDIFF = [pytest.param(c, e, d, id=f"{c}-{e}-{d}") for c in R["cohorts"] for e in ENDPOINTS
            for d in ("homo", "homo+strata", "strat_3_groups")]


@pytest.mark.parametrize(("cohort", "endpoint", "design"), SURVDIFF)
def test_logrank_matches_r_survdiff(cohort, endpoint, design):
    """``survdiff(Surv(time, status) ~ homo)``, ``~ homo + strata(strat)`` and ``~ strat``
    (three groups, df = 2): chisq, p, observed, expected, var."""
    t, e, homo = endpoint_data(cohort, endpoint)
    strat = COHORTS[cohort]["strat"].to_numpy()
    r_end = R["cohorts"][cohort][endpoint]
    if design == "homo":
        check_survdiff(sv.logrank(t, e, homo), r_end["survdiff"])
    elif design == "homo+strata":
        result = sv.logrank(t, e, homo, strata=strat)
        check_survdiff(result, r_end["survdiff_strata"])
        assert result.strata == tuple(sorted(set(strat)))
    else:
        result = sv.logrank(t, e, strat)
        check_survdiff(result, r_end["survdiff_strat_groups"])
        assert result.groups == ("a", "b", "c") and result.z is None


@pytest.mark.parametrize("case", [pytest.param(n, id=n) for n, c in R["cases"].items()
                                  if "survdiff" in c])
def test_case_logrank_matches_r_survdiff(case):
    """``survdiff(Surv(time, status) ~ g)`` on the hand-made cases (timefix ties, heavy ties,
    a group without events)."""
    c = R["cases"][case]
    result = sv.logrank(r_array(c["input"]["time"]), r_array(c["input"]["status"]),
                        r_array(c["input"]["group"]))
    check_survdiff(result, c["survdiff"])
    assert result.z == pytest.approx(
        (result.observed[1] - result.expected[1]) / math.sqrt(result.variance[1][1]), rel=1e-12)
    assert result.z**2 == pytest.approx(result.statistic, rel=1e-12)


def test_midpoint_and_timefix_cases_are_what_they_claim():
    """The golden cases exercise the rules they are named after (guards against a silent edit)."""
    assert R["cases"]["midpoint"]["km"]["conf"]["log"]["median"] == 2.5
    assert R["cases"]["midpoint_gap"]["km"]["conf"]["log"]["median"] == 4
    assert R["cases"]["ends_at_half"]["km"]["conf"]["log"]["median"] == 2
    assert R["cases"]["censor_at_zero"]["km"]["conf"]["log-log"]["landmarks"]["lower"][0] is None
    t = r_array(R["cases"]["timefix"]["input"]["time"])
    assert len(set(t.tolist())) == 7 and len(R["cases"]["timefix"]["km"]["time"]) == 6


def test_pvalue_uses_the_survival_function():
    """r-parity 17: a huge chi-square still has p > 0 (1 − cdf would give exactly 0)."""
    t = np.r_[np.arange(1.0, 401.0), np.arange(1001.0, 1401.0)]
    g = np.r_[np.zeros(400), np.ones(400)]
    result = sv.logrank(t, np.ones_like(t), g)
    assert result.statistic > 300
    assert 0 < result.pvalue == stats.chi2.sf(result.statistic, 1)
    assert 1 - stats.chi2.cdf(result.statistic, 1) == 0


# ---------------------------------------------------------------------------- lifelines / scipy


def random_cohort(seed: int, n: int = 120, *, ties: bool = True):
    rng = np.random.default_rng(seed)
    t = rng.exponential(10, n)
    t = np.round(t) if ties else t  # whole months: heavy ties, and some times at 0
    e = (rng.random(n) < 0.7).astype(float)
    g = (rng.random(n) < 0.4).astype(int)
    return t, e, g


SEEDS = [pytest.param(s, id=f"seed{s}") for s in range(6)]


@pytest.mark.parametrize("seed", SEEDS)
def test_survival_and_log_log_band_match_lifelines(seed):
    """lifelines' KaplanMeierFitter (log-log "exponential Greenwood" band) = our "log-log"."""
    t, e, _ = random_cohort(seed)
    curve = sv.kaplan_meier(t, e, conf_type="log-log")
    kmf = KaplanMeierFitter().fit(t, e)
    s_ll = kmf.survival_function_["KM_estimate"].loc[curve.time].to_numpy()
    np.testing.assert_allclose(curve.survival, s_ll, rtol=1e-12)
    band = kmf.confidence_interval_survival_function_.loc[curve.time].to_numpy()
    inside = (curve.survival > 0) & (curve.survival < 1)  # R (and we) have no band at 0 and 1
    np.testing.assert_allclose(curve.ci_low[inside], band[inside, 0], rtol=1e-9)
    np.testing.assert_allclose(curve.ci_high[inside], band[inside, 1], rtol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_median_matches_lifelines_without_the_midpoint_rule(seed):
    """lifelines takes the first time S ≤ 0.5; print.survfit agrees unless S is exactly 0.5."""
    t, e, _ = random_cohort(seed, ties=False)
    curve = sv.kaplan_meier(t, e)
    assert not np.isclose(curve.survival, 0.5, rtol=0, atol=1e-8).any()
    expected = KaplanMeierFitter().fit(t, e).median_survival_time_
    median = sv.median_survival(curve).estimate
    assert (math.inf if median is None else median) == pytest.approx(expected, rel=1e-12)


def test_midpoint_median_differs_from_lifelines():
    """The documented difference: S = 0.5 on [2, 3) → R 2.5, lifelines 2."""
    t, e = np.array([1.0, 2, 3, 4]), np.ones(4)
    assert sv.median_survival(sv.kaplan_meier(t, e)).estimate == 2.5
    assert KaplanMeierFitter().fit(t, e).median_survival_time_ == 2.0


@pytest.mark.parametrize("seed", SEEDS)
def test_logrank_matches_lifelines_and_scipy_without_ties(seed):
    """Without ties the hypergeometric variance is the only one: lifelines' logrank_test
    chi-square and scipy.stats.logrank's z**2 and p."""
    t, e, g = random_cohort(seed, ties=False)
    ours = sv.logrank(t, e, g)
    ll = logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
    assert ours.statistic == pytest.approx(ll.test_statistic, rel=1e-9)
    assert ours.pvalue == pytest.approx(ll.p_value, rel=1e-9)
    x = stats.CensoredData.right_censored(t[g == 0], e[g == 0] == 0)
    y = stats.CensoredData.right_censored(t[g == 1], e[g == 1] == 0)
    sp = stats.logrank(x, y)
    assert ours.statistic == pytest.approx(sp.statistic**2, rel=1e-9)
    assert ours.pvalue == pytest.approx(sp.pvalue, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_logrank_matches_lifelines_with_ties(seed):
    """lifelines also uses survdiff's hypergeometric variance, so ties agree as well."""
    t, e, g = random_cohort(seed)
    ours = sv.logrank(t, e, g)
    ll = logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
    assert ours.statistic == pytest.approx(ll.test_statistic, rel=1e-9)


# ---------------------------------------------------------------------------- naive references


def _kaplan_meier_reference(time, event, z):
    """One distinct time at a time, the textbook way (no timefix: integer times here)."""
    rows, s, var = [], 1.0, 0.0
    for u in sorted(set(time.tolist())):
        n = int((time >= u).sum())
        d = int(((time == u) & (event == 1)).sum())
        c = int(((time == u) & (event == 0)).sum())
        s *= 1 - d / n
        if d:
            var = var + d / (n * (n - d)) if n > d else math.inf
        se = math.sqrt(var)
        low = s * math.exp(-z * se) if s > 0 else math.nan
        high = min(s * math.exp(z * se), 1.0) if s > 0 else math.nan
        rows.append((u, n, d, c, s, se, low, high))
    return np.array(rows, dtype=float).T


def _logrank_reference(time, event, group):
    """survdiff's two-group statistic, one event time at a time."""
    o_minus_e = v = 0.0
    for u in sorted(set(time[event == 1].tolist())):
        at = time >= u
        n, n1 = at.sum(), (at & (group == 1)).sum()
        d = ((time == u) & (event == 1)).sum()
        d1 = ((time == u) & (event == 1) & (group == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            v += d * (n - d) * n1 * (n - n1) / (n * n * (n - 1))
    return o_minus_e**2 / v


@pytest.mark.parametrize("seed", SEEDS)
def test_kaplan_meier_matches_naive_reference(seed):
    t, e, _ = random_cohort(seed)
    curve = sv.kaplan_meier(t, e)
    u, n, d, c, s, se, low, high = _kaplan_meier_reference(t, e, stats.norm.ppf(0.975))
    np.testing.assert_array_equal(curve.time, u)
    np.testing.assert_array_equal(curve.n_risk, n)
    np.testing.assert_array_equal(curve.n_event, d)
    np.testing.assert_array_equal(curve.n_censor, c)
    np.testing.assert_allclose(curve.survival, s, rtol=1e-12)
    np.testing.assert_allclose(curve.std_err, se, rtol=1e-12)
    np.testing.assert_allclose(curve.ci_low, low, rtol=1e-12)
    np.testing.assert_allclose(curve.ci_high, high, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_logrank_and_groups_match_naive_reference(seed):
    t, e, g = random_cohort(seed)
    assert sv.logrank(t, e, g).statistic == pytest.approx(_logrank_reference(t, e, g), rel=1e-9)
    by_group = sv.kaplan_meier_by_group(t, e, g)
    for level in (0, 1):
        ref = _kaplan_meier_reference(t[g == level], e[g == level], stats.norm.ppf(0.975))
        np.testing.assert_allclose(by_group[level].survival, ref[4], rtol=1e-12)


def test_risk_table_counts_time_at_or_after_the_grid_time():
    t = np.array([0.0, 3, 3, 5, 6, 6, 9])
    e = np.array([1.0, 1, 0, 1, 0, 1, 0])
    table = sv.risk_table(t, e, [0, 3, 6, 9, 12])
    np.testing.assert_array_equal(table.n_risk, [7, 6, 3, 1, 0])
    np.testing.assert_array_equal(table.cum_events, [1, 2, 4, 4, 4])
    np.testing.assert_array_equal(table.cum_censored, [0, 1, 2, 3, 3])


# ---------------------------------------------------------------------------- edge cases

EDGE_KM = [
    pytest.param([], [], sv.NO_PATIENTS, id="no_patients"),
    pytest.param([np.nan, 2.0], [1, np.nan], sv.NO_PATIENTS, id="only_missing_values"),
]


@pytest.mark.parametrize(("time", "event", "reason"), EDGE_KM)
def test_kaplan_meier_unavailable(time, event, reason):
    assert sv.kaplan_meier(time, event) == Unavailable(reason)
    assert sv.median_follow_up(time, event) == Unavailable(reason)


EDGE_LOGRANK = [
    pytest.param([], [], [], sv.NO_PATIENTS, id="no_patients"),
    pytest.param([5.0], [1], [0], sv.ONE_GROUP, id="one_patient"),
    pytest.param([1.0, 2, 3], [1, 0, 1], [1, 1, 1], sv.ONE_GROUP, id="everyone_in_one_group"),
    pytest.param([1.0, 2, 3, 4], [0, 0, 0, 0], [0, 1, 0, 1], sv.NO_EVENTS, id="all_censored"),
    # Group 0 is censored before the first event: expected 0, R drops it (df 0, chisq 0).
    pytest.param([1.0, 2, 3, 4], [0, 0, 1, 1], [0, 0, 1, 1], sv.NO_OVERLAP, id="no_overlap"),
    # Everyone dies at month 3: d = n at the only event time, so the variance is 0 (R: solve()
    # fails on a singular matrix).
    pytest.param([3.0, 3, 3, 3], [1, 1, 1, 1], [0, 0, 1, 1], sv.ZERO_VARIANCE,
                 id="heavy_ties_all_at_once"),
]


@pytest.mark.parametrize(("time", "event", "group", "reason"), EDGE_LOGRANK)
def test_logrank_unavailable(time, event, group, reason):
    assert sv.logrank(time, event, group) == Unavailable(reason)


def test_empty_group_curve_is_unavailable():
    curves = sv.kaplan_meier_by_group([1.0, 2, 3], [1, 0, 1], [0, 0, 0], levels=(0, 1))
    assert curves[1] == Unavailable(sv.NO_PATIENTS)
    assert isinstance(curves[0], sv.KaplanMeierCurve) and curves[0].label == "0"
    assert sv.logrank([1.0, 2, 3], [1, 0, 1], [0, 0, 0], levels=(0, 1)) == Unavailable(
        sv.ONE_GROUP)


def test_all_censored_median_not_reached():
    curve = sv.kaplan_meier([1.0, 2, 3, 4], [0, 0, 0, 0])
    m = sv.median_survival(curve)
    assert (m.estimate, m.ci.low, m.ci.high, m.n_events) == (None, None, None, 0)
    (lm,) = sv.survival_at(curve, [2.5])
    assert (lm.survival, lm.ci.low, lm.ci.high, lm.n_risk) == (1.0, 1.0, 1.0, 2)


def test_one_patient():
    curve = sv.kaplan_meier([5.0], [1])
    m = sv.median_survival(curve)
    assert (m.estimate, m.ci.low, m.ci.high) == (5.0, None, None)  # R: 5, NA, NA
    assert np.isinf(curve.std_err[0]) and np.isnan(curve.ci_low[0])


def test_heavy_ties_everyone_at_one_time():
    curve = sv.kaplan_meier([3.0, 3, 3, 3], [1, 1, 0, 1])
    np.testing.assert_array_equal(curve.n_event, [3])
    np.testing.assert_array_equal(curve.n_censor, [1])
    assert curve.survival[0] == 0.25
    assert sv.median_survival(curve).estimate == 3.0


def test_malformed_input_raises():
    """Bad data is the validator's job; reaching here it is a programming error."""
    with pytest.raises(ValueError, match="0/1"):
        sv.kaplan_meier([1.0, 2], [1, 2])
    with pytest.raises(ValueError, match="≥ 0"):
        sv.kaplan_meier([-1.0, 2], [1, 0])
    with pytest.raises(ValueError, match="conf_type"):
        sv.kaplan_meier([1.0], [1], conf_type="arcsin")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- endpoint_survival

ENDPOINT_CASES = [pytest.param(c, e, id=f"{c}-{e}") for c in R["cohorts"] for e in ENDPOINTS]


@pytest.mark.parametrize(("cohort", "endpoint"), ENDPOINT_CASES)
def test_endpoint_survival_is_the_single_functions(cohort, endpoint):
    t, e, homo = endpoint_data(cohort, endpoint)
    homo = homo.astype(bool)
    res = sv.endpoint_survival(t, e, homo, endpoint=endpoint, conf_type="log-log")
    assert isinstance(res, sv.EndpointSurvival)
    assert set(res.curves) == set(res.medians) == set(res.landmarks) == set(res.risk_table) == {
        HETEROGENEOUS, HOMOGENEOUS, "overall"}
    by_group = sv.kaplan_meier_by_group(t, e, homo, conf_type="log-log")
    single = {HETEROGENEOUS: by_group[False], HOMOGENEOUS: by_group[True],
              "overall": sv.kaplan_meier(t, e, conf_type="log-log")}
    grid = 3.0 * np.arange(int(t.max() // 3) + 1)
    masks = {HETEROGENEOUS: ~homo, HOMOGENEOUS: homo, "overall": np.ones_like(homo)}
    for key, curve in res.curves.items():
        ref = single[key]
        for field in ("time", "survival", "ci_low", "ci_high", "n_risk", "n_event", "std_err"):
            np.testing.assert_array_equal(getattr(curve, field), getattr(ref, field))
        assert curve.label == key
        assert res.medians[key] == replace(sv.median_survival(ref), label=key)
        assert res.landmarks[key] == sv.survival_at(ref, (6, 12, 24))
        rt = sv.risk_table(t[masks[key]], e[masks[key]], grid)
        np.testing.assert_array_equal(res.risk_table[key].time, grid)
        np.testing.assert_array_equal(res.risk_table[key].n_risk, rt.n_risk)
        np.testing.assert_array_equal(res.risk_table[key].cum_events, rt.cum_events)
    assert res.follow_up == sv.median_follow_up(t, e, conf_type="log-log")
    lr = sv.logrank(t, e, homo)
    assert res.logrank.groups == (HETEROGENEOUS, HOMOGENEOUS)
    assert (res.logrank.statistic, res.logrank.pvalue, res.logrank.z) == (lr.statistic,
                                                                         lr.pvalue, lr.z)
    assert (res.conf_type, res.conf_level, res.endpoint) == ("log-log", 0.95, endpoint)


@pytest.mark.parametrize(("cohort", "endpoint"), ENDPOINT_CASES)
def test_endpoint_survival_matches_r_survfit(cohort, endpoint):
    """Medians of ``survfit(Surv(time, status) ~ homo)``, the reverse-KM median, the default
    risk grid against ``summary(fit, times = seq(0, max(time), 3))``, and ``survdiff``."""
    t, e, homo = endpoint_data(cohort, endpoint)
    res = sv.endpoint_survival(t, e, homo == 1, endpoint=endpoint)
    r = R["cohorts"][cohort][endpoint]
    for key, r_key in ((HETEROGENEOUS, "0"), (HOMOGENEOUS, "1")):
        rc, m = r["by_homo"][r_key]["conf"]["log"], res.medians[key]
        assert_r([nan_if_none(m.estimate), nan_if_none(m.ci.low), nan_if_none(m.ci.high)],
                 r_array([rc["median"], rc["lcl"], rc["ucl"]]))
        np.testing.assert_array_equal(res.risk_table[key].time,
                                      r_array(r["by_homo"][r_key]["risk"]["time"]))
        np.testing.assert_array_equal(res.risk_table[key].n_risk,
                                      r_array(r["by_homo"][r_key]["risk"]["n_risk"]))
    fu = r["follow_up"]["conf"]["log"]
    assert_r(nan_if_none(res.follow_up.estimate), r_array(fu["median"]))
    assert_r(res.logrank.statistic, r["survdiff"]["chisq"])
    assert_r(res.logrank.expected, r_array(r["survdiff"]["exp"]))


def test_endpoint_survival_paper_size_pfs_numbers():
    """Two R numbers typed out, so a broken golden loader cannot pass silently:
    survdiff(Surv(pfs_time, pfs_status) ~ homo) on paper_size.csv."""
    t, e, homo = endpoint_data("paper_size", "pfs")
    res = sv.endpoint_survival(t, e, homo == 1, endpoint="pfs")
    r = R["cohorts"]["paper_size"]["pfs"]["survdiff"]
    assert res.logrank.statistic == pytest.approx(r["chisq"], rel=RTOL)
    assert res.logrank.n == tuple(r["n"])
    assert res.risk_table["overall"].n_risk[0] == len(t) == 87


def test_endpoint_survival_without_endpoint_data():
    res = sv.endpoint_survival([np.nan, np.nan], [np.nan, 1], [True, False], endpoint="os")
    assert res == Unavailable("no patient has OS data (a time and an event indicator)")
    assert res == Unavailable(sv.no_endpoint_data("os"))


def test_endpoint_survival_with_an_empty_group():
    res = sv.endpoint_survival([1.0, 2, 4, 7], [1, 0, 1, 1], [False] * 4, endpoint="pfs")
    assert res.curves[HOMOGENEOUS] == Unavailable(sv.NO_PATIENTS)
    assert res.medians[HOMOGENEOUS] == res.landmarks[HOMOGENEOUS] == Unavailable(sv.NO_PATIENTS)
    assert res.logrank == Unavailable(sv.ONE_GROUP)
    np.testing.assert_array_equal(res.risk_table[HOMOGENEOUS].time, [0, 3, 6])
    np.testing.assert_array_equal(res.risk_table[HOMOGENEOUS].n_risk, [0, 0, 0])
    np.testing.assert_array_equal(res.risk_table[HETEROGENEOUS].n_risk, [4, 2, 1])
    assert res.medians[HETEROGENEOUS].estimate == res.medians["overall"].estimate == 4.0


def test_endpoint_survival_drops_patients_missing_a_value():
    """na.omit: a patient without a time (or group) is in no curve, table or test."""
    t = np.array([1.0, 2, np.nan, 4, 5, 6])
    e = np.array([1.0, 0, 1, 1, np.nan, 1])
    h = pd.Series([True, False, True, pd.NA, False, True], dtype="boolean")
    res = sv.endpoint_survival(t, e, h, endpoint="pfs", risk_times=[0, 2])
    assert res.curves["overall"].n == 3
    np.testing.assert_array_equal(res.risk_table["overall"].n_risk, [3, 2])
    assert res.logrank.n == (1, 2)


def test_endpoint_survival_risk_grid_reaches_the_longest_time():
    res = sv.endpoint_survival([1.0, 9.0], [1, 0], [True, False], endpoint="pfs")
    np.testing.assert_array_equal(res.risk_table["overall"].time, [0, 3, 6, 9])
    res = sv.endpoint_survival([1.0, 8.9], [1, 0], [True, False], endpoint="pfs",
                               landmark_times=(1.0,))
    np.testing.assert_array_equal(res.risk_table["overall"].time, [0, 3, 6])
    assert [lm.time for lm in res.landmarks["overall"]] == [1.0]

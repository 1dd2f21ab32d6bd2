"""her2dash.maxstat against R's maxstat (tests/golden/maxstat.R → maxstat_r.json).

R calls, per golden cohort × endpoint × cut variable (cea; pct, a tied percentage) and per hand
case::

    maxstat.test(Surv(t, s) ~ x, smethod = "LogRank", pmethod = "Lau92", minprop, maxprop)
    set.seed(seed); maxstat.test(..., pmethod = "condMC", B = 10000)
    exactRankTests::cscores(Surv(t, s), type = "LogRank")
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2dash import maxstat as ms
from her2dash.classify import is_homogeneous
from her2dash.cox import hazard_ratio
from her2dash.maxstat import (
    BootstrapCutpoint,
    MaxStatResult,
    SplitSample,
    bootstrap_cutpoint,
    lau92_pvalue,
    logrank_scores,
    maxstat_test,
    split_sample,
    standardized_statistics,
)
from her2dash.results import Unavailable

GOLDEN = Path(__file__).parent / "golden"
R = json.loads((GOLDEN / "maxstat_r.json").read_text())
# round_trip: the correctly rounded parse, as R's read.csv (exact ties must match R's).
COHORTS = {name: pd.read_csv(GOLDEN / "cohorts" / f"{name}.csv", float_precision="round_trip")
           for name in R["cohorts"]}

# Statistic, per-cut statistics, Lau92 p: closed forms of the same sums, so R's digits.
RTOL = 1e-8
# condMC is Monte Carlo on both sides (R: B = 10000, Mersenne-Twister; ours: B = 10000, PCG64):
# 4 binomial standard errors of the difference.
B_MC = 10000
N_SE = 4.0


def _pct(frame: pd.DataFrame) -> np.ndarray:
    """The R script's tied percentage: pmin(100, 10 * ((age + 7 * n_frag) %% 11))."""
    return np.minimum(100, 10 * ((frame["age"] + 7 * frame["n_frag"]) % 11)).to_numpy(float)


def _golden_cases() -> list:
    cases = []
    for name, by_endpoint in R["cohorts"].items():
        frame = COHORTS[name]
        for endpoint in ("pfs", "os"):
            t = frame[f"{endpoint}_time"].to_numpy(float)
            e = frame[f"{endpoint}_status"].to_numpy(float)
            for xname, x in (("cea", frame["cea"].to_numpy(float)), ("pct", _pct(frame))):
                cases.append(pytest.param(x, t, e, by_endpoint[endpoint][xname],
                                          id=f"{name}-{endpoint}-{xname}"))
    for name, case in R["cases"].items():
        inp = case["input"]
        t = np.array([float.fromhex(h) for h in inp["time_hex"]])
        for variant in ("default", "narrow", "wide"):
            cases.append(pytest.param(np.array(inp["x"], float), t,
                                      np.array(inp["status"], float), case[variant],
                                      id=f"{name}-{variant}"))
    return cases


CASES = _golden_cases()


def test_golden_pct_column_is_reproduced() -> None:
    for name, by_endpoint in R["cohorts"].items():
        np.testing.assert_array_equal(_pct(COHORTS[name]), by_endpoint["pct"])


@pytest.mark.parametrize(("x", "t", "e", "r"), CASES)
def test_logrank_scores_match_r_cscores(x, t, e, r) -> None:
    np.testing.assert_allclose(logrank_scores(t, e), r["scores"], rtol=0, atol=1e-12)


@pytest.mark.parametrize(("x", "t", "e", "r"), CASES)
def test_maxstat_test_matches_r_lau92(x, t, e, r) -> None:
    res = maxstat_test(x, t, e, endpoint="pfs", minprop=r["minprop"], maxprop=r["maxprop"],
                       permutations=0)
    assert isinstance(res, MaxStatResult)
    # Candidate cuts are data values selected by counts: exactly R's.
    np.testing.assert_array_equal(res.maxstat_cuts, r["cuts"])
    assert res.maxstat_estimate == r["estimate"]
    assert res.statistic == pytest.approx(r["statistic"], rel=RTOL)
    np.testing.assert_allclose(res.statistics, r["stats"], rtol=RTOL, atol=1e-14)
    if r["lau92_p"] is None:  # minprop = 0 or maxprop = 1: R's Lau92 is Inf (log of 1/0)
        assert math.isnan(res.lau92_p)
    else:
        assert res.lau92_p == pytest.approx(r["lau92_p"], rel=RTOL)
    assert res.permutation_p is None


@pytest.mark.parametrize(("x", "t", "e", "r"), CASES)
def test_permutation_p_matches_r_condmc_within_monte_carlo_error(x, t, e, r) -> None:
    res = maxstat_test(x, t, e, endpoint="pfs", minprop=r["minprop"], maxprop=r["maxprop"],
                       permutations=B_MC, seed=2024)
    assert isinstance(res, MaxStatResult)
    p_r = r["condmc_p"]
    pooled = (res.permutation_p + p_r) / 2
    # A floor of one count keeps the bound meaningful when both p are ~0.
    se = math.sqrt(max(pooled * (1 - pooled), 1 / B_MC) * (1 / B_MC + 1 / r["condmc_B"]))
    assert abs(res.permutation_p - p_r) <= N_SE * se


def test_timefix_is_not_applied_as_in_cscores() -> None:
    """0.1 + 0.2 and 0.3 are two times for exactRankTests (survfit would tie them)."""
    t = [0.1 + 0.2, 0.3, 1.0]
    scores = logrank_scores(t, [1, 1, 1])
    assert scores[0] != scores[1]
    np.testing.assert_allclose(scores, [1 - 1 / 3 - 1 / 2, 1 - 1 / 3, 1 - 1 / 3 - 1 / 2 - 1])


def test_ties_take_the_maximum_rank() -> None:
    # Times 1, 1, 2: both ties get rank 2, so each contributes d/(3 − 2 + 1) = 1/2.
    np.testing.assert_allclose(logrank_scores([1, 1, 2], [1, 1, 1]), [0.0, 0.0, -1.0])


def _naive_statistic(scores: np.ndarray, member: np.ndarray) -> float:
    """The linear rank statistic of one split from its definition (a reference, not fast)."""
    n = scores.size
    m = member.sum()
    s = scores[member].sum()
    e = m / n * scores.sum()
    v = m * (n - m) / (n**2 * (n - 1)) * (n * np.sum(scores**2) - scores.sum() ** 2)
    return abs(s - e) / math.sqrt(v)


def test_standardized_statistics_matrix_form_matches_the_definition() -> None:
    rng = np.random.default_rng(3)
    t = rng.exponential(10, 40).round(1)
    e = (rng.random(40) < 0.7).astype(float)
    x = rng.integers(0, 10, 40).astype(float)
    scores = logrank_scores(t, e)
    cuts = np.unique(x)[:-1]
    member = x[:, None] <= cuts[None, :]
    got = standardized_statistics(scores, member)
    want = [_naive_statistic(scores, member[:, j]) for j in range(cuts.size)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # B permuted score vectors at once: row b is the statistic of permutation b.
    perms = np.stack([rng.permutation(scores) for _ in range(5)])
    batch = standardized_statistics(perms, member)
    for b in range(5):
        np.testing.assert_allclose(batch[b], standardized_statistics(perms[b], member),
                                   rtol=1e-12)
    # An empty split has no variance.
    assert np.isnan(standardized_statistics(scores, np.zeros((40, 1), bool))[0])


def test_permutation_maxima_match_a_loop_over_permutations() -> None:
    """The cumulative-sum shortcut equals one membership-matrix statistic per permutation."""
    rng = np.random.default_rng(4)
    n = 60
    x = rng.integers(0, 20, n).astype(float)
    t = rng.exponential(10, n).round(1)
    e = (rng.random(n) < 0.6).astype(float)
    found = ms._search(x, t, e, 0.1, 0.9)
    assert not isinstance(found, Unavailable)
    fast = ms._permutation_maxima(found.sorted_scores, found.m, found.expect, found.sd, 30,
                                  np.random.default_rng(9))
    draws = np.random.default_rng(9).random((30, n)).argsort(axis=1)
    member = np.arange(n)[:, None] < found.m[None, :]
    slow = [np.max(standardized_statistics(found.sorted_scores[p], member)) for p in draws]
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


def test_same_seed_same_p_and_block_size_does_not_matter(monkeypatch) -> None:
    frame = COHORTS["paper_size"]
    args = (frame["cea"], frame["pfs_time"], frame["pfs_status"])
    a = maxstat_test(*args, endpoint="pfs", permutations=2000, seed=11)
    b = maxstat_test(*args, endpoint="pfs", permutations=2000, seed=11)
    c = maxstat_test(*args, endpoint="pfs", permutations=2000, seed=12)
    monkeypatch.setattr(ms, "_BLOCK_CELLS", 7 * len(frame))  # blocks of 7 permutations
    d = maxstat_test(*args, endpoint="pfs", permutations=2000, seed=11)
    assert a.permutation_p == b.permutation_p == d.permutation_p
    assert a.permutation_p != c.permutation_p  # (different draws; equal only by chance)
    assert a.seed == 11 and a.permutations == 2000


def test_exceedances_are_strict_as_maxstatpermdist() -> None:
    # maxstat's C loop counts stat > ostat: ties with the observed maximum do not count.
    assert ms.exceedance_p(np.array([1.0, 2.0, 2.0 * (1 + 1e-13), 3.0]), 2.0) == 0.25


def test_lau92_closed_form() -> None:
    assert lau92_pvalue(0.99) == 1.0
    b = 2.5
    phi = math.exp(-b * b / 2) / math.sqrt(2 * math.pi)
    want = 4 * phi / b + phi * (b - 1 / b) * math.log(0.9 * 0.9 / (0.1 * 0.1))
    assert lau92_pvalue(b, 0.1, 0.9) == pytest.approx(want, rel=1e-14)
    assert lau92_pvalue(40.0) == 0.0 or lau92_pvalue(40.0) < 1e-300


def test_orientation_maps_maxstat_cut_to_the_dashboard_cutoff() -> None:
    """r-parity 22: maxstat's cut k (x ≤ k is low) is the dashboard cutoff = next value > k."""
    x = np.array([0, 0, 20, 20, 20, 50, 50, 80, 100, 100], float)
    # The five lowest do badly: R's maxstat.test gives estimate 20, cuts 0 20 50 80.
    t = np.array([1, 2, 3, 4, 5, 30, 32, 24, 26, 28], float)
    e = np.ones(10)
    res = maxstat_test(x, t, e, endpoint="pfs", permutations=0)
    assert isinstance(res, MaxStatResult)
    np.testing.assert_array_equal(res.maxstat_cuts, [0, 20, 50, 80])
    np.testing.assert_array_equal(res.cutoffs, [20, 50, 80, 100])
    assert res.maxstat_estimate == 20.0
    assert res.estimate_cutoff_pct == 50.0
    homo = is_homogeneous(x, res.estimate_cutoff_pct)
    assert int(homo.sum()) == res.n_homogeneous == 5
    assert int((~homo).sum()) == res.n_heterogeneous == 5
    # Every dashboard cutoff in (20, 50] makes the same groups.
    for c in (20.5, 35.0, 50.0):
        np.testing.assert_array_equal(is_homogeneous(x, c), homo)


def test_values_a_few_ulps_apart_are_one_value() -> None:
    """A mean of percentages can land an ulp below 80; the classifier calls it 80, so must the
    search (R would split the two)."""
    near = float(np.nextafter(80.0, 0.0))
    x = np.array([10, 20, 30, near, 80, 80, 90, 95, 100, 100], float)
    t = np.arange(1, 11, dtype=float)
    e = np.ones(10)
    res = maxstat_test(x, t, e, endpoint="pfs", permutations=0)
    assert isinstance(res, MaxStatResult)
    assert near in res.cutoffs and 80.0 not in res.cutoffs
    for c, stat in zip(res.cutoffs, res.statistics, strict=True):
        member = ~is_homogeneous(x, c)
        assert stat == pytest.approx(_naive_statistic(logrank_scores(t, e), member), rel=1e-12)


def test_result_names_its_criterion_and_never_a_bare_naive_p() -> None:
    frame = COHORTS["paper_size"]
    res = maxstat_test(frame["cea"], frame["os_time"], frame["os_status"], endpoint="os",
                       permutations=1000)
    assert isinstance(res, MaxStatResult)
    assert "Lau92" in res.criterion and "1,000 permutations (condMC)" in res.criterion
    assert res.naive_p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(res.statistic / 2**0.5))))
    assert res.naive_p < res.lau92_p
    assert "Altman" in res.warning and "away from 1" in res.warning
    assert res.n == len(frame) and res.n_events == int(frame["os_status"].sum())
    assert not res.cutoffs.flags.writeable
    no_perm = maxstat_test(frame["cea"], frame["os_time"], frame["os_status"], endpoint="os",
                           permutations=0)
    assert "condMC" not in no_perm.criterion


def test_missing_values_are_dropped_as_na_omit() -> None:
    frame = COHORTS["small"]
    x = frame["cea"].to_numpy(float).copy()
    x[3] = np.nan
    res = maxstat_test(x, frame["pfs_time"], frame["pfs_status"], endpoint="pfs",
                       permutations=0)
    keep = ~np.isnan(x)
    ref = maxstat_test(x[keep], frame["pfs_time"][keep], frame["pfs_status"][keep],
                       endpoint="pfs", permutations=0)
    assert res.statistic == ref.statistic and res.n == len(frame) - 1


@pytest.mark.parametrize(("x", "t", "e", "reason"), [
    pytest.param([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [0] * 6, "no events", id="all-censored"),
    pytest.param([5] * 6, [1, 2, 3, 4, 5, 6], [1] * 6, "same value", id="one-distinct-value"),
    pytest.param([1, 2], [1, 2], [1, 1], "too few", id="two-patients"),
    pytest.param([0] + [1] * 19, list(range(1, 21)), [1] * 20, "below it",
                 id="no-cut-within-minprop"),
    pytest.param([1, 2, 3, 4], [2, 2, 2, 2], [1, 1, 1, 1], "do not vary",
                 id="scores-constant"),
])
def test_degenerate_data_is_unavailable_with_a_reason(x, t, e, reason) -> None:
    res = maxstat_test(x, t, e, endpoint="pfs")
    assert isinstance(res, Unavailable)
    assert reason in res.reason
    assert isinstance(bootstrap_cutpoint(x, t, e, endpoint="pfs", n_boot=5), Unavailable)


def test_bootstrap_cutpoint_is_seeded_and_summarised() -> None:
    frame = COHORTS["paper_size"]
    x, t, e = _pct(frame), frame["pfs_time"], frame["pfs_status"]
    a = bootstrap_cutpoint(x, t, e, endpoint="pfs", n_boot=50, seed=3)
    b = bootstrap_cutpoint(x, t, e, endpoint="pfs", n_boot=50, seed=3)
    assert isinstance(a, BootstrapCutpoint)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert a.estimates.size + a.n_failed == 50
    assert set(a.quantiles) == {"2.5%", "25%", "50%", "75%", "97.5%"}
    assert a.quantiles["50%"] == pytest.approx(np.percentile(a.estimates, 50))
    full = maxstat_test(x, t, e, endpoint="pfs", permutations=0)
    assert a.estimate_cutoff_pct == full.estimate_cutoff_pct
    assert a.share_at_estimate == pytest.approx(np.mean(a.estimates == full.estimate_cutoff_pct))
    assert set(a.estimates) <= set(np.unique(x))  # a cutoff is always a value in the data
    # Resample 0 is the search on the first row of draws.
    idx = np.random.default_rng(3).integers(0, len(frame), size=(50, len(frame)))[0]
    first = maxstat_test(x[idx], t.to_numpy()[idx], e.to_numpy()[idx], endpoint="pfs",
                         permutations=0)
    assert a.estimates[0] == first.estimate_cutoff_pct


def test_split_sample_chooses_on_one_half_and_tests_on_the_other() -> None:
    frame = COHORTS["large"]
    x, t, e = frame["cea"].to_numpy(float), frame["os_time"], frame["os_status"]
    res = split_sample(x, t, e, endpoint="os", seed=5)
    assert isinstance(res, SplitSample)
    assert res.training_n + res.validation_n == len(frame)
    assert res.training_n == 300
    idx = np.random.default_rng(5).permutation(len(frame))
    train, valid = np.sort(idx[:300]), np.sort(idx[300:])
    chosen = maxstat_test(x[train], t.to_numpy()[train], e.to_numpy()[train], endpoint="os",
                          permutations=0)
    assert res.cutoff_pct == chosen.estimate_cutoff_pct == res.training.estimate_cutoff_pct
    homo = is_homogeneous(x[valid], res.cutoff_pct)
    want = hazard_ratio(t.to_numpy()[valid], e.to_numpy()[valid], homo)
    assert res.validation_hazard_ratio.estimate == want.estimate
    assert res.validation_n_homogeneous == int(homo.sum())
    assert 0 < res.validation_logrank_p <= 1
    again = split_sample(x, t, e, endpoint="os", seed=5)
    assert again.cutoff_pct == res.cutoff_pct


def test_split_sample_too_small_is_unavailable() -> None:
    res = split_sample([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 1, 1, 1, 1], endpoint="pfs")
    assert isinstance(res, Unavailable) and "too few" in res.reason

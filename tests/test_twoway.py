"""her2dash.twoway: the cutoff × minimum-fragment map and its grid-wide permutation p.

Each cell is checked against the single-analysis engines (maxstat_test on the row's patients,
classify for the group sizes, the sweep and coxph-equivalent hazard_ratio for the HR), and the
vectorised permutation engine against a plain loop over permutations kept here.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from her2dash import twoway
from her2dash.classify import classify, patient_features, rule_values
from her2dash.cohort import Cohort
from her2dash.cox import hazard_ratio
from her2dash.demo import load_demo
from her2dash.maxstat import MaxStatResult, logrank_scores, maxstat_test, standardized_statistics
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.sweep import sweep
from her2dash.twoway import TwoWayMap, two_way_map, two_way_maps

# Every split, the one below the largest value included (R's minprop = 0, maxprop = 1 path
# drops that one, so use proportions just inside).
LOW, HIGH = 1e-9, 1 - 1e-9


@cache
def demo() -> Cohort:
    cohort, _ = load_demo()
    assert cohort is not None
    return cohort


def _row_data(cohort: Cohort, settings: Settings, f: int, endpoint: str):
    s = replace(settings, min_fragments=f)
    feats = patient_features(cohort, s.positivity)
    inc = classify(cohort, s, feats).per_patient["included"].to_numpy()
    pts = cohort.patients[inc]
    return (rule_values(feats, s.rule)[inc], pts[f"{endpoint}_months"].to_numpy(float),
            pts[f"{endpoint}_event"].to_numpy(float))


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
@pytest.mark.parametrize("rule", ["every-fragment", "pooled"])
def test_cells_equal_maxstat_on_the_rows_patients(endpoint: str, rule: str) -> None:
    """maxstat.test(Surv(t, e) ~ x, smethod = "LogRank") within a row gives the cell's number."""
    settings = Settings(rule=rule)
    grid = two_way_map(demo(), settings, endpoint=endpoint, permutations=0)
    assert isinstance(grid, TwoWayMap)
    checked = 0
    for r, f in enumerate(grid.min_fragments):
        x, t, e = _row_data(demo(), settings, int(f), endpoint)
        res = maxstat_test(x, t, e, endpoint=endpoint, minprop=LOW, maxprop=HIGH,
                           permutations=0)
        if isinstance(res, Unavailable):
            continue
        for cut, stat in zip(res.cutoffs, res.statistics, strict=True):
            col = np.flatnonzero(np.isclose(grid.cutoffs, cut))
            if col.size and np.isfinite(grid.statistic[r, col[0]]):
                assert grid.statistic[r, col[0]] == pytest.approx(stat, rel=1e-10)
                checked += 1
    assert checked > 20


def test_group_sizes_hazard_ratios_and_p_match_the_single_cutoff_engines() -> None:
    settings = Settings()
    grid = two_way_map(demo(), settings, endpoint="pfs", permutations=0)
    assert isinstance(grid, TwoWayMap)
    for f, cut in ((1, 56.0), (3, 30.0), (4, 95.0)):
        r = int(np.flatnonzero(grid.min_fragments == f)[0])
        c = int(np.flatnonzero(grid.cutoffs == cut)[0])
        groups = classify(demo(), replace(settings, min_fragments=f, cutoff_pct=cut))
        assert grid.n_homogeneous[r, c] == groups.n_homogeneous
        assert grid.n_heterogeneous[r, c] == groups.n_heterogeneous
        pts = demo().patients.loc[groups.included.index]
        hr = hazard_ratio(pts["pfs_months"], pts["pfs_event"], groups.is_homogeneous.to_numpy())
        assert grid.hazard_ratio[r, c] == pytest.approx(hr.estimate, rel=1e-8)
    # Whole rows: the sweep's HR where the cell is searched, NaN elsewhere.
    for r, f in enumerate(grid.min_fragments):
        swept = sweep(demo(), replace(settings, min_fragments=int(f)), cutoffs=grid.cutoffs)
        want = np.where(np.isfinite(grid.statistic[r]), swept.endpoints["pfs"].hazard_ratio,
                        np.nan)
        np.testing.assert_array_equal(grid.hazard_ratio[r], want)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(grid.logrank_p,
                                   2 * (1 - _norm_cdf(grid.statistic)), rtol=1e-9)


def _norm_cdf(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


def test_small_groups_are_blank_and_not_searched() -> None:
    grid = two_way_map(demo(), Settings(), endpoint="os", min_group=10, permutations=0)
    assert isinstance(grid, TwoWayMap)
    small = (grid.n_homogeneous < 10) | (grid.n_heterogeneous < 10)
    assert small.any()
    assert np.isnan(grid.statistic[small]).all() and np.isnan(grid.hazard_ratio[small]).all()
    assert grid.n_cells == int(np.isfinite(grid.statistic).sum())
    # Group sizes are shown everywhere, also where the cell is blank.
    np.testing.assert_array_equal(grid.n_homogeneous + grid.n_heterogeneous,
                                  np.broadcast_to(grid.n_patients[:, None], small.shape))


def test_best_cell_is_the_grid_maximum_at_the_cutoff_nearest_the_data() -> None:
    grid = two_way_map(demo(), Settings(), endpoint="pfs", permutations=0)
    assert isinstance(grid, TwoWayMap)
    assert grid.max_statistic == np.nanmax(grid.statistic)
    r = int(np.flatnonzero(grid.min_fragments == grid.best_min_fragments)[0])
    c = int(np.flatnonzero(grid.cutoffs == grid.best_cutoff)[0])
    assert grid.statistic[r, c] == grid.max_statistic
    assert r == int(np.nanargmax(grid.statistic) // grid.cutoffs.size)
    # The next grid cutoff changes the groups (it passes a patient's value).
    if c + 1 < grid.cutoffs.size:
        assert grid.n_heterogeneous[r, c + 1] != grid.n_heterogeneous[r, c]
    assert grid.naive_p == pytest.approx(2 * (1 - _norm_cdf(np.array(grid.max_statistic))))


def _naive_grid_maxima(g, permutations: int, seed: int) -> np.ndarray:
    """Reference: per permutation, give each patient an outcome, then every row from scratch."""
    rng = np.random.default_rng(seed)
    n = g.time.size
    order = np.argsort(g.time, kind="stable")
    ts, es = g.time[order], g.event[order]
    by_level = np.argsort(-g.level, kind="stable")
    block = max(1, twoway._BLOCK_CELLS // n)
    draws = []
    for start in range(0, permutations, block):
        draws.extend(rng.random((min(block, permutations - start), n)).argsort(axis=1))
    k = g.n_het.shape[1]
    out = []
    for p in draws:
        t, e = np.empty(n), np.empty(n)
        t[by_level], e[by_level] = ts[p], es[p]
        best = -np.inf
        for r, f in enumerate(g.rows):
            sub = g.level >= f
            if not g.searched[r].any():
                continue
            het = g.bins[sub][:, None] <= np.arange(k)[None, :]
            stats = standardized_statistics(logrank_scores(t[sub], e[sub]), het)
            stats = stats[g.searched[r]]
            if np.isfinite(stats).any():
                best = max(best, float(np.nanmax(stats)))
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_permutation_engine_matches_a_loop(monkeypatch, endpoint: str) -> None:
    captured = {}
    engine = twoway._grid_maxima

    def spy(g, permutations, rng):
        captured["g"] = g
        return engine(g, permutations, rng)

    monkeypatch.setattr(twoway, "_grid_maxima", spy)
    # Blocks of 8 permutations: the block loop and the prefix accumulation are exercised.
    monkeypatch.setattr(twoway, "_BLOCK_CELLS", 8 * demo().n_patients)
    grid = two_way_map(demo(), Settings(rule="pooled"), endpoint=endpoint, permutations=30,
                       seed=4)
    assert isinstance(grid, TwoWayMap)
    g = captured["g"]
    fast = engine(g, 30, np.random.default_rng(4))
    np.testing.assert_allclose(fast, _naive_grid_maxima(g, 30, 4), rtol=1e-10)
    assert grid.adjusted_p == np.count_nonzero(fast > grid.max_statistic * (1 + 1e-9)) / 30


def test_row_subsets_with_ties_and_a_missing_first_row(monkeypatch) -> None:
    """Rows from 2 fragments (the union is not a row) and whole-month times (heavy ties)."""
    cohort = demo()
    pts = cohort.patients.assign(pfs_months=np.ceil(cohort.patients["pfs_months"]))
    tied = Cohort(pts, cohort.fragments)
    captured = {}
    engine = twoway._grid_maxima
    monkeypatch.setattr(twoway, "_grid_maxima",
                        lambda g, b, rng: captured.setdefault("g", g) and engine(g, b, rng))
    grid = two_way_map(tied, Settings(), endpoint="pfs", min_fragments=[2, 4, 5],
                       permutations=20, seed=1)
    assert isinstance(grid, TwoWayMap)
    np.testing.assert_array_equal(grid.min_fragments, [2, 4, 5])
    g = captured["g"]
    np.testing.assert_allclose(engine(g, 20, np.random.default_rng(1)),
                               _naive_grid_maxima(g, 20, 1), rtol=1e-10)


def test_seeded_and_equal_to_per_endpoint_calls() -> None:
    both = two_way_maps(demo(), Settings(), permutations=300, seed=7)
    for endpoint in ("pfs", "os"):
        one = two_way_map(demo(), Settings(), endpoint=endpoint, permutations=300, seed=7)
        assert isinstance(one, TwoWayMap)
        assert one.adjusted_p == both[endpoint].adjusted_p
        np.testing.assert_array_equal(one.statistic, both[endpoint].statistic)
        np.testing.assert_array_equal(one.hazard_ratio, both[endpoint].hazard_ratio)
    assert (two_way_map(demo(), Settings(), permutations=300, seed=8).adjusted_p is not None)
    assert "cutoffs from 0 to 100 %" in both["pfs"].searched
    assert "minimum fragments 1–8" in both["pfs"].searched


def test_no_permutations_gives_no_adjusted_p() -> None:
    grid = two_way_map(demo(), Settings(), permutations=0)
    assert isinstance(grid, TwoWayMap) and grid.adjusted_p is None and grid.permutations == 0


def test_degenerate_cohorts_are_unavailable_with_a_reason() -> None:
    cohort = demo()
    censored = Cohort(cohort.patients.assign(pfs_event=0.0), cohort.fragments)
    res = two_way_map(censored, Settings(), endpoint="pfs")
    assert isinstance(res, Unavailable) and "no PFS events" in res.reason
    res = two_way_map(cohort, Settings(), endpoint="pfs", min_group=60)
    assert isinstance(res, Unavailable) and "at least 60 patients" in res.reason
    no_os = Cohort(cohort.patients.drop(columns=["os_months", "os_event"]), cohort.fragments)
    maps = two_way_maps(no_os, Settings())
    assert isinstance(maps["os"], Unavailable) and "os_months" in maps["os"].reason
    assert isinstance(maps["pfs"], TwoWayMap)
    with pytest.raises(ValueError, match="endpoint"):
        two_way_map(cohort, Settings(), endpoint="ttp")
    with pytest.raises(ValueError, match="min_fragments"):
        two_way_map(cohort, Settings(), min_fragments=[0, 1])


def test_grid_maximum_agrees_with_the_single_search_when_one_row() -> None:
    """With one row and cutoffs at the data's values the map is maxstat over every split."""
    settings = Settings()
    x, t, e = _row_data(demo(), settings, 1, "os")
    res = maxstat_test(x, t, e, endpoint="os", minprop=LOW, maxprop=HIGH, permutations=0)
    assert isinstance(res, MaxStatResult)
    grid = two_way_map(demo(), settings, endpoint="os", cutoffs=res.cutoffs, min_fragments=[1],
                       min_group=1, permutations=0)
    assert isinstance(grid, TwoWayMap)
    assert grid.max_statistic == pytest.approx(res.statistic, rel=1e-12)
    assert grid.best_cutoff == res.estimate_cutoff_pct

"""her2dash.biopsy_count against R ``cor.test(method = "spearman")`` (tests/golden/response_r.json),
a brute-force permutation count and scipy."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from her2dash.biopsy_count import (
    BiopsyCountCorrelation,
    SpearmanTest,
    biopsy_count_correlation,
    prho,
    spearman_test,
)
from her2dash.results import Unavailable

GOLDEN = Path(__file__).parent / "golden"
R = json.loads((GOLDEN / "response_r.json").read_text())
COHORTS = sorted(R["cohorts"])

# R writes 15 significant digits; rho and S are closed forms, the p-values are the same AS 89
# code (exact counts or the Edgeworth series) or the same t tail.
RTOL = 1e-6


@pytest.fixture(scope="module", params=[(c, t) for c in COHORTS for t in ("pfs_time", "os_time")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def cohort_corr(request: pytest.FixtureRequest) -> tuple[str, str, BiopsyCountCorrelation]:
    name, tcol = request.param
    d = pd.read_csv(GOLDEN / "cohorts" / f"{name}.csv")
    return name, tcol, biopsy_count_correlation(d["n_frag"], d[tcol], d["homo"])


def _check(res: SpearmanTest, ref: dict) -> None:
    assert isinstance(res, SpearmanTest)
    assert res.n == ref["n"] and res.ties == ref["ties"]
    assert res.rho == pytest.approx(ref["rho"], rel=RTOL)
    assert res.statistic == pytest.approx(ref["S"], rel=RTOL)
    assert res.pvalue == pytest.approx(ref["p_value"], rel=RTOL)


@pytest.mark.parametrize("group", ["heterogeneous", "homogeneous", "overall"])
def test_biopsy_count_matches_r_cor_test(cohort_corr, group: str) -> None:
    """R: ``cor.test(n_frag, pfs_time, method = "spearman")`` per group and overall: rho, S, p.

    Fragment counts (1–8) always tie, so R uses the t approximation (as scipy's spearmanr).
    """
    name, tcol, res = cohort_corr
    _check(getattr(res, group), R["cohorts"][name]["spearman"][tcol][group])
    assert getattr(res, group).method == "t approximation (ties)"


@pytest.mark.parametrize("name", list(R["hand"]["spearman"]))
def test_spearman_test_matches_r_cor_test(name: str) -> None:
    """R: ``cor.test(x, y, method = "spearman")``: no ties and n ≤ 9 (exact AS 89 counts),
    10 ≤ n ≤ 1290 (Edgeworth series), n = 1291 (t), with ties (t), rho = 1 with ties (p 0)."""
    ref = R["hand"]["spearman"][name]
    res = spearman_test(ref["x"], ref["y"])
    _check(res, ref)
    expected = ("exact (AS 89)" if name.startswith("exact") else
                "Edgeworth series (AS 89)" if name.startswith("edgeworth") else
                "t approximation (n > 1290)" if name.startswith("t_") else
                "t approximation (ties)")
    assert res.method == expected


@pytest.mark.parametrize("name", [k for k in R["hand"]["spearman"] if "ties" in k]
                         + ["t_n1291"])
def test_spearman_test_matches_scipy_spearmanr(name: str) -> None:
    """scipy: ``spearmanr(x, y)``, the same t approximation where R uses it."""
    ref = R["hand"]["spearman"][name]
    res = spearman_test(ref["x"], ref["y"])
    sp = stats.spearmanr(ref["x"], ref["y"])
    assert res.rho == pytest.approx(sp.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(sp.pvalue, rel=RTOL, abs=1e-300)


@pytest.mark.parametrize("name", list(R["hand"]["spearman"]))
def test_spearman_rho_matches_scipy_spearmanr(name: str) -> None:
    """scipy: ``spearmanr(x, y).statistic`` (Pearson correlation of average ranks)."""
    ref = R["hand"]["spearman"][name]
    assert spearman_test(ref["x"], ref["y"]).rho == pytest.approx(
        stats.spearmanr(ref["x"], ref["y"]).statistic, rel=1e-12)


def _prho_reference(n: int, s: float, lower_tail: bool) -> float:
    """Brute force over all n! permutations, as prho.c does: Pr[S ≥ s] (or 1 − that)."""
    sums = [sum((i - p) ** 2 for i, p in enumerate(perm))
            for perm in itertools.permutations(range(n))]
    hits = sum(v >= s for v in sums)
    total = math.factorial(n)
    return (total - hits) / total if lower_tail else hits / total


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7])
def test_prho_exact_matches_brute_force(n: int) -> None:
    """The subset-DP counts equal prho.c's enumeration of every permutation, for every S
    from 0 to past the maximum (n³ − n)/3, both tails."""
    n3 = n * (n * n - 1) // 3
    for s in range(0, n3 + 3):
        for lower in (False, True):
            assert prho(n, s, lower) == pytest.approx(_prho_reference(n, s, lower), abs=1e-15)


# --------------------------------------------------------------------------- edge cases


EDGE = {
    "n2": ([1, 2], [3.0, 4.0], "Spearman's test needs at least 3 patients with both values "
           "(overall: 2)."),
    "n0": ([], [], "Spearman's test needs at least 3 patients with both values (overall: 0)."),
    "missing_pairs": ([1, 2, None, 4], [1.0, np.nan, 3.0, 2.0], "Spearman's test needs at least "
                      "3 patients with both values (overall: 2)."),
    "constant_x": ([4, 4, 4, 4], [1.0, 2.0, 3.0, 5.0], "Spearman's rho is undefined: the "
                   "fragment count is the same for every patient (overall)."),
    "constant_time": ([1, 2, 3], [6.0, 6.0, 6.0], "Spearman's rho is undefined: the time is the "
                      "same for every patient (overall)."),
}


@pytest.mark.parametrize("case", list(EDGE), ids=list(EDGE))
def test_spearman_test_unavailable(case: str) -> None:
    x, y, reason = EDGE[case]
    assert spearman_test(x, y) == Unavailable(reason)


def test_biopsy_count_group_too_small() -> None:
    """Two homogeneous patients: that group is Unavailable, the others are computed."""
    res = biopsy_count_correlation([1, 2, 3, 4, 5, 6], [5.0, 3.0, 8.0, 1.0, 9.0, 2.0],
                                   [0, 0, 0, 0, 1, 1])
    assert res.homogeneous == Unavailable("Spearman's test needs at least 3 patients with both "
                                          "values (homogeneous: 2).")
    assert isinstance(res.heterogeneous, SpearmanTest) and res.heterogeneous.n == 4
    assert isinstance(res.overall, SpearmanTest) and res.overall.n == 6


def test_biopsy_count_counts_missing() -> None:
    res = biopsy_count_correlation([1, None, 3, 4, 5], [5.0, 3.0, np.nan, 1.0, 9.0],
                                   [0, 1, 0, 1, 0])
    assert res.n_missing == 2
    assert res.overall.n == 3

"""Does the number of tumour-containing biopsy fragments go with survival time?

Spearman's rank correlation of the fragment count with a time (PFS or OS, months) per HER2 group
and overall, with R ``cor.test(method = "spearman")``'s p. The paper (ESM 5) found no correlation.
Times are taken as observed; censoring is ignored, as in the paper's scatter plots.

R's p is not scipy's: without ties and for n ≤ 1290, R uses algorithm AS 89 (exact enumeration
for n ≤ 9, an Edgeworth series above), implemented here from R's ``prho.c``; with ties (the usual
case for fragment counts) it uses the t approximation, as ``scipy.stats.spearmanr`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.response import OVERALL, as_is_homogeneous
from her2dash.results import Unavailable

# prho.c: exact enumeration up to this n ("n_small"); R calls prho only for n ≤ 1290.
_PRHO_EXACT_MAX_N = 9
_PRHO_MAX_N = 1290
# AS 89 Edgeworth coefficients c1..c12, as in R's prho.c.
_C = (0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932, 0.0879, 0.0151, 0.0072, 0.0831, 0.0131,
      4.6e-4)


@dataclass(frozen=True, slots=True)
class SpearmanTest:
    """Spearman's rho with R ``cor.test(x, y, method = "spearman")``'s S statistic and p.

    ``statistic`` is R's S = (n³ − n)(1 − rho)/6; ``method`` says which p R computes: "exact
    (AS 89)" for n ≤ 9 without ties, "Edgeworth series (AS 89)" for 10 ≤ n ≤ 1290 without
    ties, else "t approximation".
    """

    group: str
    n: int
    rho: float
    statistic: float
    pvalue: float
    method: str
    ties: bool


@dataclass(frozen=True, slots=True)
class BiopsyCountCorrelation:
    """Spearman's test of fragment count vs time per group (reference first) and overall."""

    heterogeneous: SpearmanTest | Unavailable
    homogeneous: SpearmanTest | Unavailable
    overall: SpearmanTest | Unavailable
    n_missing: int


@lru_cache(maxsize=16)
def _sum_sq_displacement_counts(n: int) -> np.ndarray:
    """counts[s] = number of permutations π of 0..n−1 with Σ (i − π(i))² = s.

    Built position by position over the set of values already used (2ⁿ states), which is what
    prho.c's loop over all n! permutations counts, without visiting them one by one.
    """
    max_s = n * (n * n - 1) // 3
    table = {0: np.zeros(max_s + 1, dtype=np.int64)}
    table[0][0] = 1
    for mask in range(1 << n):
        counts = table.pop(mask, None)
        if counts is None:
            continue
        i = bin(mask).count("1")
        if i == n:
            return counts
        for v in range(n):
            if mask & (1 << v):
                continue
            d2 = (i - v) ** 2
            nxt = table.setdefault(mask | (1 << v), np.zeros(max_s + 1, dtype=np.int64))
            nxt[d2:] += counts[: max_s + 1 - d2]
    raise AssertionError("unreachable")  # pragma: no cover


def prho(n: int, is_: float, lower_tail: bool) -> float:
    """R's ``prho``: Pr[S ≥ is] (or Pr[S < is] for the lower tail) under independence.

    A line-by-line port of R's ``src/library/stats/src/prho.c`` (AS 89, Best & Roberts 1975):
    exact counts for n ≤ 9, otherwise the Edgeworth series with ``pnorm``.
    """
    pv = 0.0 if lower_tail else 1.0
    if n <= 1 or is_ <= 0:
        return pv
    n3 = float(n) * (float(n) * n - 1.0) / 3.0  # (n³ − n)/3, the largest S
    if is_ > n3:
        return 1.0 - pv
    if n <= _PRHO_EXACT_MAX_N:
        nfac = math.factorial(n)
        if is_ == n3:  # prho.c: only the one reversed permutation reaches the maximum
            ifr = 1
        else:
            counts = _sum_sq_displacement_counts(n)
            first = max(0, math.ceil(is_))
            ifr = int(counts[first:].sum())
        return (nfac - ifr) / nfac if lower_tail else ifr / nfac
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _C
    y = float(n)
    b = 1.0 / y
    x = (6.0 * (is_ - 1) * b / (y * y - 1) - 1) * math.sqrt(y - 1)
    y = x * x
    u = x * b * (c1 + b * (c2 + c3 * b)
                 + y * (-c4 + b * (c5 + c6 * b)
                        - y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))))
    y = u / math.exp(y / 2.0)
    tail = special.ndtr(x) if lower_tail else special.ndtr(-x)
    pv = (-y if lower_tail else y) + float(tail)
    return min(max(pv, 0.0), 1.0)


def spearman_test(x: object, y: object, *, group: str = OVERALL) -> SpearmanTest | Unavailable:
    """Spearman's rank correlation test as R ``cor.test(x, y, method = "spearman")``.

    Pairs with a missing value are dropped (R's ``complete.cases``). rho is the Pearson
    correlation of average ranks. Two-sided p: without ties and n ≤ 1290, R's AS 89 ``prho``
    (exact = NULL means TRUE); otherwise the t approximation on n − 2 df.

    Returns Unavailable for fewer than 3 complete pairs or when x or y is constant (rho is
    undefined; R returns NA).

    References
    ----------
    R ``stats:::cor.test.default(method = "spearman")`` and ``prho.c``.
    """
    xv = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    yv = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if len(xv) != len(yv):
        raise ValueError("x and y must have the same length")
    ok = ~np.isnan(xv) & ~np.isnan(yv)
    xv, yv = xv[ok], yv[ok]
    n = len(xv)
    if n < 3:
        return Unavailable(f"Spearman's test needs at least 3 patients with both values "
                           f"({group}: {n}).")
    if np.all(xv == xv[0]) or np.all(yv == yv[0]):
        which = "fragment count" if np.all(xv == xv[0]) else "time"
        return Unavailable(f"Spearman's rho is undefined: the {which} is the same for every "
                           f"patient ({group}).")
    rx, ry = stats.rankdata(xv), stats.rankdata(yv)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    ties = min(len(np.unique(xv)), len(np.unique(yv))) < n
    nn = float(n)
    q = (nn**3 - nn) * (1 - rho) / 6  # R's S
    exact = not ties and n <= _PRHO_MAX_N

    def pspearman(lower_tail: bool) -> float:
        if exact:
            return prho(n, round(q) + 2 * lower_tail, lower_tail)
        r = 1 - q / (nn * (nn**2 - 1) / 6)
        # rho = ±1 with ties: t is infinite and the p 0, as in R.
        t = r / math.sqrt((1 - r * r) / (n - 2)) if abs(r) < 1 else math.copysign(math.inf, r)
        # stdtr is the t CDF scipy.stats.t wraps; called directly it costs µs, not ~0.2 ms.
        return float(special.stdtr(n - 2, -t) if lower_tail else special.stdtr(n - 2, t))

    p = pspearman(False) if q > (nn**3 - nn) / 6 else pspearman(True)
    if exact:
        method = ("exact (AS 89)" if n <= _PRHO_EXACT_MAX_N else "Edgeworth series (AS 89)")
    else:
        method = "t approximation (ties)" if ties else "t approximation (n > 1290)"
    return SpearmanTest(group, n, rho, q, min(2 * p, 1.0), method, ties)


def biopsy_count_correlation(n_fragments: object, time: object, group: object
                             ) -> BiopsyCountCorrelation:
    """Spearman's rho of tumour-containing fragment count vs time, per group and overall.

    Parameters
    ----------
    n_fragments
        Tumour-containing biopsy fragments per patient.
    time
        PFS or OS in months (censoring ignored).
    group
        Per patient, homogeneous (True / 1 / ``"homogeneous"``) or heterogeneous.

    References
    ----------
    R ``cor.test(n_frag, pfs_time, method = "spearman")`` on each group's patients.
    """
    xv = pd.to_numeric(pd.Series(n_fragments), errors="coerce").to_numpy(dtype=float,
                                                                          na_value=np.nan)
    yv = pd.to_numeric(pd.Series(time), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    homo = as_is_homogeneous(group)
    if not len(xv) == len(yv) == len(homo):
        raise ValueError("n_fragments, time and group must have the same length")
    return BiopsyCountCorrelation(
        heterogeneous=spearman_test(xv[~homo], yv[~homo], group=HETEROGENEOUS),
        homogeneous=spearman_test(xv[homo], yv[homo], group=HOMOGENEOUS),
        overall=spearman_test(xv, yv, group=OVERALL),
        n_missing=int((np.isnan(xv) | np.isnan(yv)).sum()),
    )

"""Best overall response by HER2 group: ORR/DCR, Fisher's exact test, depth of response.

Everything here reproduces R's ``stats`` functions, which EZR (and so the seed paper) calls:
``binom.test`` (Clopper–Pearson intervals), ``fisher.test`` on a 2×2 table (p with R's relative
tolerance, conditional maximum-likelihood odds ratio and its exact interval), ``wilcox.test``
(R's choice between the exact and the normal-approximation p) and ``quantile(type = 7)``.
The group coding is the classification's: heterogeneous is the reference and comes first;
the odds ratio is homogeneous versus heterogeneous, as in the paper's Table 3.

The small engines (:func:`fisher_exact_2x2`, :func:`wilcoxon_rank_sum`, :func:`quartiles`) are
shared with :mod:`her2dash.baseline` and :mod:`her2dash.biopsy_count`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.results import ConfidenceInterval, Unavailable

RESPONSE_CATEGORIES = ("CR", "PR", "SD", "PD", "NE")
OBJECTIVE = ("CR", "PR")
DISEASE_CONTROL = ("CR", "PR", "SD")
OVERALL = "overall"

# R's fisher.test (2×2): tables whose probability is within this relative distance of the
# observed table's count as "as extreme" (protects ties against floating-point noise).
_R_FISHER_REL_ERR = 1 + 1e-7
# wilcox.test's default: exact p only when both samples are smaller than this and nothing ties.
_R_WILCOX_EXACT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Proportion:
    """``successes`` of ``n`` with its estimate and (Clopper–Pearson) interval."""

    successes: int
    n: int
    estimate: float
    ci: ConfidenceInterval


@dataclass(frozen=True, slots=True)
class OddsRatio:
    """Odds ratio of a 2×2 table, first row versus second row.

    ``estimate`` and ``ci`` are ``fisher.test``'s conditional maximum-likelihood estimate and exact
    conditional interval (what the paper prints); ``sample_estimate`` is ad/bc. All cells are
    positive here: with an empty cell R reports an estimate of 0 or Inf, and her2dash reports the
    odds ratio as Unavailable.
    """

    estimate: float
    ci: ConfidenceInterval
    sample_estimate: float


@dataclass(frozen=True, slots=True)
class FisherExact:
    """Fisher's exact test of a 2×2 table ``((a, b), (c, d))``.

    Rows: homogeneous, heterogeneous.
    """

    table: tuple[tuple[int, int], tuple[int, int]]
    pvalue: float
    odds_ratio: OddsRatio | Unavailable
    method: str = "Fisher's exact test"


@dataclass(frozen=True, slots=True)
class GroupResponse:
    """Response counts of one group (or ``"overall"``).

    ``counts`` has every category of :data:`RESPONSE_CATEGORIES` (blank responses count as NE, as
    the data contract says). ``n_evaluable`` = n − NE is the ORR and DCR denominator.
    """

    group: str
    n: int
    n_evaluable: int
    counts: dict[str, int]
    orr: Proportion | Unavailable
    dcr: Proportion | Unavailable


@dataclass(frozen=True, slots=True)
class ResponseTable:
    """Table 3 of the paper: best overall response per group and overall, with the tests."""

    heterogeneous: GroupResponse
    homogeneous: GroupResponse
    overall: GroupResponse
    orr_test: FisherExact | Unavailable
    dcr_test: FisherExact | Unavailable
    conf_level: float

    @property
    def groups(self) -> tuple[GroupResponse, GroupResponse]:
        """Both groups, the reference (heterogeneous) first."""
        return (self.heterogeneous, self.homogeneous)


@dataclass(frozen=True, slots=True)
class GroupQuantiles:
    """n, median and quartiles (R ``quantile(type = 7)``), minimum and maximum of one group."""

    group: str
    n: int
    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class MannWhitney:
    """Wilcoxon rank-sum (Mann–Whitney) test as R ``wilcox.test(x, y)`` reports it.

    ``statistic`` is R's W for the first sample (the heterogeneous group: the first factor level of
    ``wilcox.test(value ~ homo)``); it equals scipy's U for the first sample. ``method`` is R's
    method string, so it says whether the p is exact.
    """

    statistic: float
    pvalue: float
    method: str
    exact: bool
    n_x: int
    n_y: int


@dataclass(frozen=True, slots=True)
class DepthOfResponse:
    """Best % change of the target lesions per group and their Mann–Whitney comparison."""

    heterogeneous: GroupQuantiles | Unavailable
    homogeneous: GroupQuantiles | Unavailable
    test: MannWhitney | Unavailable
    n_missing: int


# --------------------------------------------------------------------------- group coding


def as_is_homogeneous(group: object) -> np.ndarray:
    """The grouping variable as a boolean array (True = homogeneous).

    Accepts booleans, 0/1 numbers (1 = homogeneous, as in the golden cohorts' ``homo``) or the
    classification's labels ``"homogeneous"`` / ``"heterogeneous"``. A missing or unknown value is
    a caller's error (excluded patients must be dropped before any analysis), so it raises.
    """
    s = group.reset_index(drop=True) if isinstance(group, pd.Series) else pd.Series(group)
    if s.isna().any():
        raise ValueError("group has missing values; analyse included patients only")
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool)
    # Label the distinct values only, then map back: a per-patient Python loop took ~50 ms per
    # call on 100,000 patients, and every front door calls this.
    codes, uniques = pd.factorize(s)
    labels = np.array([str(v).strip().lower() for v in uniques], dtype=object)
    homo_u = np.isin(labels, [HOMOGENEOUS, "1", "1.0", "true"])
    hetero_u = np.isin(labels, [HETEROGENEOUS, "0", "0.0", "false"])
    if not (homo_u | hetero_u).all():
        bad = sorted({str(v) for v, ok in zip(uniques, homo_u | hetero_u, strict=True) if not ok})
        raise ValueError(f"group values must be homogeneous/heterogeneous or 1/0; found {bad[:5]}")
    return homo_u[codes] if len(codes) else np.zeros(0, dtype=bool)


# --------------------------------------------------------------------------- engines


def binomial_proportion(successes: int, n: int, *, conf_level: float = 0.95
                        ) -> Proportion | Unavailable:
    """Proportion with the Clopper–Pearson interval of R ``binom.test(successes, n)``."""
    if n == 0:
        return Unavailable("No evaluable patients (the denominator is 0).")
    x, n = int(successes), int(n)
    alpha = (1.0 - conf_level) / 2.0
    # R's binom.test: the beta quantiles qbeta(α/2, x, n − x + 1) and qbeta(1 − α/2, x + 1, n − x)
    # in closed form (scipy's binomtest finds the same bounds by root finding, ~50× slower).
    low = 0.0 if x == 0 else float(special.betaincinv(x, n - x + 1, alpha))
    high = 1.0 if x == n else float(special.betaincinv(x + 1, n - x, 1.0 - alpha))
    return Proportion(x, n, x / n, ConfidenceInterval(low, high, conf_level,
                                                      "Clopper–Pearson (exact)"))


class _ConditionalHypergeometric:
    """Fisher's noncentral hypergeometric distribution of cell (1, 1) given the margins.

    ``logdc`` is the central (odds ratio 1) log-density over ``support``; odds ratio ψ = e^θ
    tilts it to ``logdc + θ·support`` (R ``fisher.test``'s ``dnhyper``). Everything is done in
    log space over the whole support with numpy, so one evaluation costs a few vector operations
    even for 100,000 patients; scipy's ``odds_ratio(kind="conditional")`` evaluates the same
    distribution point by point (0.9 s for one CI at 74,000 patients).
    """

    __slots__ = ("logdc", "support")

    def __init__(self, support: np.ndarray, logdc: np.ndarray) -> None:
        self.support = support.astype(float)
        self.logdc = logdc

    def _log_weights(self, theta: float) -> np.ndarray:
        return self.logdc + theta * self.support

    def mean(self, theta: float) -> float:
        lw = self._log_weights(theta)
        w = np.exp(lw - lw.max())
        return float((w * self.support).sum() / w.sum())

    def log_tail(self, theta: float, x: int, upper: bool) -> float:
        """log P(X ≥ x) (``upper``) or log P(X ≤ x) at odds ratio e^θ."""
        lw = self._log_weights(theta)
        i = int(x - self.support[0])
        part = lw[i:] if upper else lw[: i + 1]
        return _logsumexp(part) - _logsumexp(lw)


def _logsumexp(v: np.ndarray) -> float:
    # scipy.special.logsumexp handles weights, axes and signs; this runs ~40 times per CI.
    top = v.max()
    return float(top + np.log(np.exp(v - top).sum()))


def _increasing_root(f: Callable[[float], float], start: float) -> float:
    """Root of an increasing function of θ = log odds ratio, bracketed by doubling steps.

    Solved to ~1e-13 in θ (relative 1e-13 in the odds ratio), so the estimate and CI are exact to
    far below the 1e-6 the tests ask of scipy's exact solution; R's ``uniroot`` stops at ~1e-4.
    """
    lo = hi = start
    f_start = f(start)
    if f_start == 0:
        return start
    step = 1.0
    if f_start < 0:
        while f(hi) < 0:
            lo, hi = hi, hi + step
            step *= 2
    else:
        while f(lo) > 0:
            lo, hi = lo - step, lo
            step *= 2
    return float(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps))


def _fisher_2x2_core(t: np.ndarray) -> tuple[float, _ConditionalHypergeometric, int]:
    """R ``fisher.test``'s 2×2 p, with the conditional distribution it was computed from."""
    a, b, c, _ = (int(v) for v in t.ravel())
    m, n_, k, x = a + c, int(t[:, 1].sum()), a + b, a  # R: column sums m, n; row sum k; cell x
    lo, hi = max(0, k - n_), min(k, m)
    support = np.arange(lo, hi + 1)
    logdc = stats.hypergeom.logpmf(support, m + n_, m, k)
    dens = np.exp(logdc - logdc.max())
    dens /= dens.sum()
    pvalue = float(min(1.0, dens[dens <= dens[x - lo] * _R_FISHER_REL_ERR].sum()))
    return pvalue, _ConditionalHypergeometric(support, logdc), x


def fisher_2x2_pvalue(table: Sequence[Sequence[int]] | np.ndarray) -> float:
    """Only the two-sided p of :func:`fisher_exact_2x2` (no odds ratio: the baseline table)."""
    return _fisher_2x2_core(_check_2x2(table))[0]


def _check_2x2(table: Sequence[Sequence[int]] | np.ndarray) -> np.ndarray:
    t = np.asarray(table, dtype=np.int64)
    if t.shape != (2, 2) or (t < 0).any():
        raise ValueError("table must be 2×2 with non-negative counts")
    return t


def fisher_exact_2x2(table: Sequence[Sequence[int]] | np.ndarray, *, conf_level: float = 0.95
                     ) -> FisherExact:
    """Fisher's exact test of a 2×2 table as R ``fisher.test`` computes it.

    The two-sided p sums the probabilities of the tables (fixed margins) that are at most the
    observed table's probability times ``1 + 1e-7``; ``scipy.stats.fisher_exact`` uses a relative
    tolerance of 1e-14 instead, which differs when two tables are equally likely up to rounding.
    The odds ratio (first row vs second row, first column = "success") is the conditional MLE with
    its exact interval: the same equations as R (mean of the conditional distribution = the
    observed cell; each tail probability = (1 − conf_level)/2), solved to ~1e-13 rather than
    with R's ``uniroot`` (accurate to ~1e-4 only); it agrees with
    ``scipy.stats.contingency.odds_ratio(kind="conditional")``, which is exact but slow.

    A table with an empty cell has a conditional MLE of 0 or infinity (R prints 0 or Inf, and
    one end of the CI is 0 or Inf): the odds ratio is then Unavailable; the p is still given.

    References
    ----------
    R ``stats::fisher.test(x)`` for a 2×2 matrix ``x``, ``alternative = "two.sided"``.
    """
    t = _check_2x2(table)
    a, b, c, d = (int(v) for v in t.ravel())
    pvalue, dist, x = _fisher_2x2_core(t)
    tup = ((a, b), (c, d))
    if 0 in (a + b, c + d, a + c, b + d):
        # R returns estimate 0 and the interval (0, Inf) here: the odds ratio is not defined.
        empty = "row" if 0 in (a + b, c + d) else "column"
        return FisherExact(tup, pvalue, Unavailable(
            f"Odds ratio not estimable: a {empty} of the 2×2 table is empty."))
    if 0 in (a, b, c, d):
        # x at an end of the support: the MLE is 0 (a = 0 or d = 0) or infinite (b = 0 or c = 0).
        which = "infinite" if 0 in (b, c) else "0"
        return FisherExact(tup, pvalue, Unavailable(
            f"Odds ratio not estimable: a cell of the 2×2 table is 0, so the conditional "
            f"maximum-likelihood odds ratio is {which}."))
    alpha = (1 - conf_level) / 2
    start = math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))  # near the MLE
    theta_hat = _increasing_root(lambda th: dist.mean(th) - x, start)
    log_alpha = math.log(alpha)
    # Lower limit: P(X ≥ x) = alpha (increasing in θ); upper: P(X ≤ x) = alpha (decreasing in θ).
    theta_lo = _increasing_root(lambda th: dist.log_tail(th, x, True) - log_alpha, theta_hat)
    theta_hi = _increasing_root(lambda th: log_alpha - dist.log_tail(th, x, False), theta_hat)
    orr = OddsRatio(math.exp(theta_hat),
                    ConfidenceInterval(math.exp(theta_lo), math.exp(theta_hi), conf_level,
                                       "exact conditional (fisher.test)"),
                    a * d / (b * c))
    return FisherExact(tup, pvalue, orr)


@lru_cache(maxsize=256)
def _wilcox_counts(m: int, n: int) -> tuple[int, ...]:
    """Number of rank arrangements giving each W = 0..m·n (exact integers).

    The counts are the coefficients of the Gaussian binomial [m+n choose m]_q =
    Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i); both steps only look back, so truncating at degree m·n
    keeps every coefficient exact. R's ``cwilcox`` counts the same numbers recursively.
    """
    size = m * n + 1
    c = [0] * size
    c[0] = 1
    for i in range(1, m + 1):
        a = n + i
        for w in range(size - 1, a - 1, -1):
            c[w] -= c[w - a]
        for w in range(i, size):
            c[w] += c[w - i]
    return tuple(c)


def _pwilcox(q: float, m: int, n: int, *, lower_tail: bool = True) -> float:
    """R ``pwilcox(q, m, n, lower.tail)``: P(W ≤ q), or P(W > q) for the upper tail."""
    counts = _wilcox_counts(m, n)
    total = math.comb(m + n, m)
    q = math.floor(q + 1e-7)  # R: q = floor(q + 1e-7)
    if q < 0:
        return 0.0 if lower_tail else 1.0
    if q >= m * n:
        return 1.0 if lower_tail else 0.0
    below = sum(counts[: q + 1])
    # Python integers: exact counts, one correctly rounded division.
    return below / total if lower_tail else (total - below) / total


def wilcoxon_rank_sum(x: np.ndarray | Sequence[float], y: np.ndarray | Sequence[float]
                      ) -> MannWhitney | Unavailable:
    """Two-sided Wilcoxon rank-sum test with R ``wilcox.test(x, y)``'s defaults.

    Exact p when both samples have fewer than 50 values and no value ties (over both samples);
    otherwise the normal approximation with the tie-corrected variance and continuity correction.
    ``scipy.stats.mannwhitneyu(method="auto")`` switches at a different size and ignores ties when
    choosing, so the choice is made here. Missing values (NaN) are dropped, as R does.

    References
    ----------
    R ``stats::wilcox.test(x, y)`` (``exact = NULL, correct = TRUE``), equivalently
    ``wilcox.test(value ~ g)`` with ``x`` the first factor level.
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    xv, yv = xv[~np.isnan(xv)], yv[~np.isnan(yv)]
    nx, ny = len(xv), len(yv)
    if nx == 0 or ny == 0:
        return Unavailable("Mann–Whitney test needs at least one value in each group.")
    r = stats.rankdata(np.concatenate([xv, yv]))  # average ranks, as R's rank()
    w = float(r[:nx].sum() - nx * (nx + 1) / 2)
    _, tie_sizes = np.unique(r, return_counts=True)
    ties = len(tie_sizes) != len(r)
    if nx < _R_WILCOX_EXACT_LIMIT and ny < _R_WILCOX_EXACT_LIMIT and not ties:
        p = _pwilcox(w - 1, nx, ny, lower_tail=False) if w > nx * ny / 2 else _pwilcox(w, nx, ny)
        return MannWhitney(w, min(2 * p, 1.0), "Wilcoxon rank sum exact test", True, nx, ny)
    nt = tie_sizes.astype(float)
    n_all = nx + ny
    sigma2 = (nx * ny / 12) * ((n_all + 1) - (nt**3 - nt).sum() / (n_all * (n_all - 1)))
    if sigma2 <= 0:
        return Unavailable("Mann–Whitney test not computable: every value is the same.")
    z = w - nx * ny / 2
    z = (z - math.copysign(0.5, z) * (z != 0)) / math.sqrt(sigma2)
    p = 2 * float(special.ndtr(-abs(z)))  # sf, not 1 − cdf: keeps tiny p (r-parity 17)
    return MannWhitney(w, min(p, 1.0), "Wilcoxon rank sum test with continuity correction",
                       False, nx, ny)


def quartiles(values: np.ndarray | Sequence[float], group: str) -> GroupQuantiles | Unavailable:
    """Median (R ``median``), quartiles (R ``quantile(type = 7)``, numpy ``"linear"``), range."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return Unavailable(f"No values in the {group} group.")
    q1, q3 = np.quantile(v, [0.25, 0.75], method="linear")
    return GroupQuantiles(group, len(v), float(np.median(v)), float(q1), float(q3),
                          float(v.min()), float(v.max()))


# --------------------------------------------------------------------------- front doors


def response_codes(response: object) -> np.ndarray:
    s = response.reset_index(drop=True) if isinstance(response, pd.Series) else pd.Series(
        response, dtype=object)
    # Clean the distinct values only (a handful), then map back by code: string methods over
    # 100,000 patients cost more than the statistics.
    codes, uniques = pd.factorize(s)  # missing values get code -1
    clean = np.array([str(v).strip().upper() for v in uniques] + ["NE"], dtype=object)
    clean[clean == ""] = "NE"  # blank is NE (not evaluable), as the data contract says
    bad = sorted(set(clean) - set(RESPONSE_CATEGORIES))
    if bad:
        raise ValueError(f"response values must be one of {RESPONSE_CATEGORIES}; found {bad[:5]}")
    return clean[codes]  # code -1 picks the trailing "NE"


def _group_response(codes: np.ndarray, label: str, conf_level: float) -> GroupResponse:
    counts = {cat: int((codes == cat).sum()) for cat in RESPONSE_CATEGORIES}
    n_eval = len(codes) - counts["NE"]
    orr = binomial_proportion(sum(counts[c] for c in OBJECTIVE), n_eval, conf_level=conf_level)
    dcr = binomial_proportion(sum(counts[c] for c in DISEASE_CONTROL), n_eval,
                              conf_level=conf_level)
    if len(codes) == 0:
        orr = dcr = Unavailable(f"No patients in the {label} group.")
    elif n_eval == 0:
        why = Unavailable(f"No evaluable patients in the {label} group (all {len(codes)} NE).")
        orr = dcr = why
    return GroupResponse(label, len(codes), n_eval, counts, orr, dcr)


def _homo_vs_hetero(homo: GroupResponse, het: GroupResponse, success: tuple[str, ...],
                    conf_level: float) -> FisherExact | Unavailable:
    for g in (het, homo):
        if g.n_evaluable == 0:
            what = "patients" if g.n == 0 else "evaluable patients"
            return Unavailable(f"Fisher's test needs evaluable patients in both groups; the "
                               f"{g.group} group has no {what}.")
    hs = sum(homo.counts[c] for c in success)
    es = sum(het.counts[c] for c in success)
    # Rows homogeneous then heterogeneous, first column = success: the odds ratio is
    # homogeneous vs heterogeneous (the paper's 4.06 for ORR).
    table = ((hs, homo.n_evaluable - hs), (es, het.n_evaluable - es))
    return fisher_exact_2x2(table, conf_level=conf_level)


def response_table(response: object, group: object, *, conf_level: float = 0.95
                   ) -> ResponseTable | Unavailable:
    """Best overall response per group (heterogeneous = reference first) and overall.

    Parameters
    ----------
    response
        RECIST best response per patient: CR, PR, SD, PD or NE; blank counts as NE.
    group
        Per patient, homogeneous (True / 1 / ``"homogeneous"``) or heterogeneous.
    conf_level
        Level of the Clopper–Pearson and odds-ratio intervals.

    Returns
    -------
    ResponseTable, or Unavailable when there are no patients or none is evaluable.
    ORR = (CR + PR) / evaluable and DCR = (CR + PR + SD) / evaluable; NE is left out of both
    denominators. A group without evaluable patients gets Unavailable ORR/DCR and tests.

    References
    ----------
    R ``binom.test(x, n)$conf.int``; ``fisher.test(matrix(c(a, c, b, d), 2))`` for p, estimate and
    conf.int.
    """
    codes = response_codes(response)
    homo = as_is_homogeneous(group)
    if len(codes) != len(homo):
        raise ValueError("response and group must have the same length")
    if len(codes) == 0:
        return Unavailable("No patients.")
    if (codes == "NE").all():
        return Unavailable(f"No evaluable response: all {len(codes)} patients are NE (not "
                           "evaluable), so ORR and DCR have no denominator.")
    het = _group_response(codes[~homo], HETEROGENEOUS, conf_level)
    hom = _group_response(codes[homo], HOMOGENEOUS, conf_level)
    overall = _group_response(codes, OVERALL, conf_level)
    return ResponseTable(
        heterogeneous=het, homogeneous=hom, overall=overall,
        orr_test=_homo_vs_hetero(hom, het, OBJECTIVE, conf_level),
        dcr_test=_homo_vs_hetero(hom, het, DISEASE_CONTROL, conf_level),
        conf_level=conf_level,
    )


def depth_of_response(pct_change: object, group: object) -> DepthOfResponse:
    """Best % change of target lesions per group, compared by Mann–Whitney.

    Blank changes (NE patients) are left out and counted in ``n_missing``. The test's W is R's
    statistic for the heterogeneous group, the first level of ``wilcox.test(pct_change ~ homo)``
    with ``homo`` coded 0/1.

    References
    ----------
    R ``wilcox.test(pct_change ~ homo)``; ``quantile(x, type = 7)``; ``median(x)``.
    """
    change = pd.to_numeric(pd.Series(pct_change), errors="coerce").to_numpy(dtype=float)
    homo = as_is_homogeneous(group)
    if len(change) != len(homo):
        raise ValueError("pct_change and group must have the same length")
    missing = np.isnan(change)
    x, y = change[~homo & ~missing], change[homo & ~missing]
    return DepthOfResponse(
        heterogeneous=quartiles(x, HETEROGENEOUS),
        homogeneous=quartiles(y, HOMOGENEOUS),
        test=wilcoxon_rank_sum(x, y),
        n_missing=int(missing.sum()),
    )

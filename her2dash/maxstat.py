"""The optimal cutoff, honestly: maximally selected log-rank statistics as R's ``maxstat``.

A cutoff chosen because it gives the smallest p-value needs a p-value that pays for the search.
:func:`maxstat_test` reproduces ``maxstat::maxstat.test(Surv(time, event) ~ x, smethod =
"LogRank")`` (maxstat 0.7.25, exactRankTests 0.8.35; ``shared/r-parity.md`` items 18–22):

* scores: exactRankTests' log-rank scores ``a_i = d_i − Σ_{j: t_j ≤ t_i} d_j / (N − R_j + 1)``
  with ``R_j`` the rank of ``t_j`` and ties given the maximum rank (:func:`logrank_scores`);
* for each candidate cut, the standardized linear rank statistic ``|S − E| / √V`` of the
  patients with ``x ≤ cut``, with the permutation mean and variance
  (:func:`standardized_statistics`); the statistic is the maximum over cuts;
* candidate cuts: the distinct sorted ``x`` with ``max(1, ⌊N·minprop⌋) ≤ m ≤ ⌊N·maxprop⌋``
  patients at or below them; the estimate is the first cut attaining the maximum;
* ``pmethod = "Lau92"``: the Lausen–Schumacher (1992) approximation (:func:`lau92_pvalue`);
* ``pmethod = "condMC"``: a permutation p, the share of permuted maxima strictly above the
  observed one (maxstat's C routine ``maxstatpermdist`` counts ``stat > ostat``, over ``B``).

``tests/golden/maxstat.R`` writes R's answers and ``tests/test_maxstat.py`` checks them.

Orientation (r-parity 22). maxstat splits ``x ≤ cut`` against ``x > cut``; the dashboard calls a
patient homogeneous when the rule value is ≥ the cutoff. maxstat's cut ``k`` is the largest value
of the low (heterogeneous) group, so every dashboard cutoff in ``(k, next distinct value]`` makes
the same two groups. We report the upper end, the next distinct value: the smallest rule value in
the homogeneous group, a value that occurs in the data, so ``Settings(cutoff_pct=estimate)``
reproduces the split exactly. ``maxstat_cuts``/``maxstat_estimate`` keep R's numbers.

Permutations are matrix operations: the score vector, sorted by ``x``, is permuted ``B`` times
(one seeded ``numpy.random.Generator`` argsort of a ``B × N`` uniform matrix); because the low
groups of successive cuts are nested prefixes in ``x`` order, the product with the membership
matrix is a cumulative sum read at the cut positions, ``O(B·N)`` rather than ``O(B·N·k)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from her2dash.classify import AT_CUTOFF_TOLERANCE, is_homogeneous
from her2dash.cox import HazardRatio, hazard_ratio
from her2dash.results import Unavailable
from her2dash.survival import logrank

ALTMAN_WARNING = (
    "A cutoff chosen because it separates the groups best overstates the difference: its hazard "
    "ratio is biased away from 1 and its unadjusted p-value is far too small (Altman et al., "
    "J Natl Cancer Inst 1994;86:829–835). Judge it by the adjusted p-values, look at how much "
    "the optimal cutoff moves between bootstrap samples, and confirm it in independent data."
)

# Permuted maxima within this relative distance of the observed one are ties, not exceedances:
# maxstat's C loop counts ``stat > ostat`` on a running sum, so a permutation that puts the same
# patients below the best cut equals the observed statistic only up to summation order.
_TIE_RTOL = 1e-9
# Permutations are drawn in blocks of at most this many matrix cells (B_block × N), so a
# 100,000-patient cohort does not allocate B × N at once. Blocks consume the generator in the
# same order as one draw would, so the p does not depend on the block size.
_BLOCK_CELLS = 2_000_000
_QUANTILES = (2.5, 25.0, 50.0, 75.0, 97.5)


# ---------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True, eq=False)
class MaxStatResult:
    """``maxstat.test(Surv(time, event) ~ x, smethod = "LogRank")`` for one endpoint.

    ``statistic`` is R's ``M``; ``cutoffs``/``statistics`` hold every candidate cut in the
    dashboard's orientation (homogeneous when value ≥ cutoff) with its standardized statistic,
    and ``maxstat_cuts`` the same cuts as R prints them (``x ≤ cut`` is the low group).
    ``estimate_cutoff_pct`` is the dashboard cutoff of the first cut attaining the maximum,
    ``maxstat_estimate`` R's ``estimate``. ``lau92_p`` is ``pmethod = "Lau92"`` (NaN when
    minprop = 0 or maxprop = 1, where the approximation is undefined; R returns Inf),
    ``permutation_p`` ``pmethod = "condMC"`` with ``permutations`` draws from ``seed`` (``None``
    when no permutations were asked for; 0 when no permuted maximum exceeded the observed one,
    which means p < 1/permutations). ``naive_p`` = 2·Φ(−M), the unadjusted p of the selected
    cut (Altman's "minimum p-value"): show it only beside the adjusted ones.
    """

    endpoint: str
    statistic: float
    estimate_cutoff_pct: float
    lau92_p: float
    permutation_p: float | None
    permutations: int
    seed: int | None
    cutoffs: np.ndarray
    statistics: np.ndarray
    minprop: float
    maxprop: float
    criterion: str
    naive_p: float
    warning: str
    maxstat_cuts: np.ndarray
    maxstat_estimate: float
    n: int
    n_events: int
    n_homogeneous: int  # at the estimate
    n_heterogeneous: int


@dataclass(frozen=True, slots=True, eq=False)
class BootstrapCutpoint:
    """The optimal cutoff re-estimated on ``n_boot`` bootstrap resamples of the patients.

    ``estimates`` holds the cutoff (dashboard orientation) of each resample where one could be
    estimated (``n_failed`` could not: e.g. no events drawn); ``quantiles`` are R's default type
    7 quantiles at 2.5/25/50/75/97.5 % (keys ``"2.5%"`` … ``"97.5%"``); ``share_at_estimate`` is
    the share of resamples choosing the full data's cutoff.
    """

    endpoint: str
    estimates: np.ndarray
    n_boot: int
    seed: int
    quantiles: dict[str, float]
    share_at_estimate: float
    estimate_cutoff_pct: float
    n_failed: int


@dataclass(frozen=True, slots=True, eq=False)
class SplitSample:
    """Cutoff chosen on a random half (``training``), tested on the other half.

    On the validation half the cutoff is a pre-specified one, so its hazard ratio and log-rank
    p (``survdiff``) are honest; ``validation_logrank_p`` is ``None`` when the test is not
    available there (e.g. one group empty), with the reason in ``validation_note``.
    """

    endpoint: str
    seed: int
    cutoff_pct: float
    training_n: int
    validation_n: int
    validation_hazard_ratio: HazardRatio | Unavailable
    validation_logrank_p: float | None
    training: MaxStatResult
    validation_n_homogeneous: int
    validation_n_heterogeneous: int
    validation_note: str = ""


# ---------------------------------------------------------------------------- building blocks


def logrank_scores(time: object, event: object) -> np.ndarray:
    """exactRankTests' log-rank scores, ties given the maximum rank.

    ``a_i = d_i − Σ_{j: t_j ≤ t_i} d_j / (N − R_j + 1)``; ``R_j`` is the number of times ≤ t_j.
    Times are compared exactly: unlike ``survfit``/``survdiff``, ``cscores`` applies no
    ``timefix``, so 0.1 + 0.2 and 0.3 are two times here.

    References
    ----------
    ``exactRankTests::cscores(Surv(time, event), type = "LogRank")`` (what ``maxstat.test``
    with ``smethod = "LogRank"`` uses).
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    if t.ndim != 1 or d.shape != t.shape:
        raise ValueError(f"time and event must be 1-D of equal length, got {t.shape}, {d.shape}")
    n = t.size
    order = np.argsort(t, kind="stable")  # R's order(): stable, so the cumulative sums agree
    sorted_t = t[order]
    max_rank = np.searchsorted(sorted_t, t, side="right")
    fact = d / (n - max_rank + 1.0)
    cum = np.cumsum(fact[order])
    return d - cum[max_rank - 1] if n else np.zeros(0)


def _moments(scores: np.ndarray, m: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Permutation mean and standard deviation of the sum of ``m`` of the ``n`` scores.

    ``scores`` may carry permutations in leading axes (the moments are taken over the last).
    """
    ss = scores.sum(axis=-1, keepdims=True)
    ss2 = (scores * scores).sum(axis=-1, keepdims=True)
    expect = m / n * ss
    variance = m * (n - m) / (n * n * (n - 1.0)) * (n * ss2 - ss * ss)
    with np.errstate(invalid="ignore"):
        return expect, np.sqrt(variance)


def standardized_statistics(scores: object, membership: np.ndarray) -> np.ndarray:
    """``|S − E| / √V`` for each column of ``membership``.

    Parameters
    ----------
    scores
        ``(n,)`` scores, or ``(B, n)`` for ``B`` permuted score vectors at once.
    membership
        ``(n, k)`` bool: ``True`` for the patients summed, maxstat's ``x ≤ cut`` side (in the
        dashboard: heterogeneous, value < cutoff). The statistic is symmetric, so the other
        side gives the same numbers.

    Returns
    -------
    ``(k,)`` or ``(B, k)``; NaN where the variance is 0 (an empty or full column, constant
    scores).

    References
    ----------
    ``maxstat:::cmaxstat``: ``E = m/N·Σa``, ``V = m(N − m)/(N²(N − 1))·(NΣa² − (Σa)²)``, the
    permutation moments of a linear rank statistic (not ``sqrt(survdiff chisq)``).
    """
    a = np.asarray(scores, dtype=float)
    member = np.asarray(membership, dtype=bool)
    if member.ndim != 2 or member.shape[0] != a.shape[-1]:
        raise ValueError(f"membership must be (n, k) with n = {a.shape[-1]}, got {member.shape}")
    n = a.shape[-1]
    m = member.sum(axis=0).astype(float)
    total = a @ member.astype(float)
    expect, sd = _moments(a, m, n)
    if a.ndim == 1:
        expect, sd = expect.ravel(), sd.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.abs(total - expect) / sd
    return np.where(sd > 0, out, np.nan)


def lau92_pvalue(b: float, minprop: float = 0.1, maxprop: float = 0.9) -> float:
    """Lausen & Schumacher (1992) approximation to the p of a maximally selected statistic.

    ``4φ(b)/b + φ(b)(b − 1/b)·log(maxprop(1 − minprop)/((1 − maxprop)·minprop))``, 1 when
    ``b < 1``, floored at 0 — as R; like R it is not capped at 1 (it stays below 1 for the
    default 0.1/0.9). Conservative: the permutation p is the honest small-sample answer.

    References
    ----------
    ``maxstat:::pLausen92(b, minprop, maxprop)``.
    """
    if not (0.0 < minprop < maxprop < 1.0):
        raise ValueError(f"need 0 < minprop < maxprop < 1, got {minprop}, {maxprop}")
    if b < 1:
        return 1.0
    db = math.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
    p = 4.0 * db / b + db * (b - 1.0 / b) * math.log(
        (maxprop * (1.0 - minprop)) / ((1.0 - maxprop) * minprop))
    return max(p, 0.0)


def merge_near_ties(values: np.ndarray) -> np.ndarray:
    """Rule values within the classifier's tolerance (1e-9) of a smaller one, set equal to it.

    :func:`her2dash.classify.is_homogeneous` counts a value a few ulps below the cutoff as at
    it ((70 + 80 + 90)/3 is 79.99999999999999), so such values cannot be split from each other;
    R's maxstat compares exactly and would. Runs of near-equal values take their smallest
    member, so the reported cutoff (that member) puts the whole run in the homogeneous group.
    """
    uniq, inverse = np.unique(values, return_inverse=True)
    if uniq.size < 2:
        return values
    tied = np.diff(uniq) <= AT_CUTOFF_TOLERANCE
    if not tied.any():
        return values
    starts = np.r_[True, ~tied]
    return uniq[starts][(np.cumsum(starts) - 1)[inverse]]


def candidate_splits(n: int, sorted_x: np.ndarray, minprop: float,
                     maxprop: float) -> np.ndarray | Unavailable:
    """maxstat's low-group sizes ``m`` (patients with ``x ≤`` cut) for sorted ``x``.

    References
    ----------
    ``maxstat:::cmaxstat``: ``m <- which(!duplicated(x)) - 1``, then
    ``max(1, floor(N·minprop)) ≤ m ≤ floor(N·maxprop)``. With minprop = 0 and maxprop = 1 R
    drops the first and the last entry instead, so the split below the largest value is never
    tried on that path; reproduced (proportions just inside 0 and 1 try it).
    """
    first = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    m = first  # R: which(!ties) - 1, 1-based, so the 0-based first positions themselves
    if minprop == 0 and maxprop == 1:
        m = m[1:-1]
    else:
        low, high = math.floor(n * minprop), math.floor(n * maxprop)
        if (m < low).all():
            return Unavailable(f"no cutoff leaves at least {minprop:.0%} of the {n} patients "
                               "below it (too many share the highest value)")
        if (m > high).all():
            return Unavailable(f"no cutoff leaves at least {1 - maxprop:.0%} of the {n} "
                               "patients above it")
        m = m[(m >= max(1, low)) & (m <= high)]
    if m.size < 1:
        return Unavailable(f"no cutoff puts between {minprop:.0%} and {maxprop:.0%} of the "
                           f"{n} patients below it")
    return m


def _permutation_maxima(sorted_scores: np.ndarray, m: np.ndarray, expect: np.ndarray,
                        sd: np.ndarray, permutations: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Maximum standardized statistic of each of ``permutations`` shuffles of the scores."""
    n = sorted_scores.size
    block = max(1, _BLOCK_CELLS // max(n, 1))
    out = np.empty(permutations)
    for start in range(0, permutations, block):
        rows = min(block, permutations - start)
        # argsort of uniforms is a uniform random permutation per row, and numpy does it faster
        # than Generator.permuted along an axis.
        perm = rng.random((rows, n)).argsort(axis=1)
        cum = np.cumsum(sorted_scores[perm], axis=1)
        stat = np.abs(cum[:, m - 1] - expect) / sd
        out[start:start + rows] = stat.max(axis=1)
    return out


def exceedance_p(maxima: np.ndarray, observed: float) -> float:
    """condMC's p: the share of permuted maxima strictly above the observed maximum."""
    return float(np.count_nonzero(maxima > observed * (1.0 + _TIE_RTOL)) / maxima.size)


def _clean(values: object, time: object, event: object) -> tuple[np.ndarray, ...]:
    x = np.asarray(values, dtype=float)
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if x.ndim != 1 or t.shape != x.shape or e.shape != x.shape:
        raise ValueError(f"values, time and event must be 1-D of equal length, got {x.shape}, "
                         f"{t.shape}, {e.shape}")
    keep = ~(np.isnan(x) | np.isnan(t) | np.isnan(e))  # R's na.omit in model.frame
    x, t, e = x[keep], t[keep], e[keep]
    if (t < 0).any() or np.isinf(t).any():
        raise ValueError("survival times must be finite and ≥ 0")
    if not np.isin(e, (0.0, 1.0)).all():
        raise ValueError("event must be 0/1 (1 = event, 0 = censored)")
    return x, t, e


@dataclass(frozen=True, slots=True, eq=False)
class _Search:
    """The observed part of the test: sorted data, cuts and their statistics."""

    sorted_x: np.ndarray
    sorted_scores: np.ndarray
    m: np.ndarray
    expect: np.ndarray
    sd: np.ndarray
    stats: np.ndarray
    best: int


def _search(x: np.ndarray, t: np.ndarray, e: np.ndarray, minprop: float,
            maxprop: float) -> _Search | Unavailable:
    n = x.size
    if n < 3:
        return Unavailable(f"{n} patient(s) with a value and follow-up: too few to choose a "
                           "cutoff")
    if not e.any():
        return Unavailable("no events: every patient is censored, so no cutoff separates "
                           "outcomes")
    x = merge_near_ties(x)
    if np.unique(x).size < 2:
        return Unavailable("every patient has the same value: there is no cutoff to choose")
    order = np.argsort(x, kind="stable")  # R: y[order(x)]; x <- sort(x)
    sorted_x = x[order]
    m = candidate_splits(n, sorted_x, minprop, maxprop)
    if isinstance(m, Unavailable):
        return m
    sorted_scores = logrank_scores(t, e)[order]
    expect, sd = _moments(sorted_scores, m.astype(float), n)
    expect, sd = expect.ravel(), sd.ravel()
    if not (sd > 0).all():
        return Unavailable("the log-rank scores do not vary (all events at one time and no "
                           "censoring after it), so no cutoff separates outcomes")
    # R: abs((cumsum(y)[m] - E) / sqrt(V)) — the same cumulative sum, so the same rounding.
    stats = np.abs(np.cumsum(sorted_scores)[m - 1] - expect) / sd
    best = int(np.argmax(stats))  # the first maximum, as R's min(which(Test == STATISTIC))
    return _Search(sorted_x, sorted_scores, m, expect, sd, stats, best)


def _criterion(permutations: int) -> str:
    text = ("maximally selected log-rank statistic (maxstat, smethod = LogRank), p adjusted by "
            "Lausen–Schumacher (Lau92)")
    if permutations:
        text += f" and by {permutations:,} permutations (condMC)"
    return text


# ---------------------------------------------------------------------------- front doors


def maxstat_test(values: object, time: object, event: object, *, endpoint: str,
                 minprop: float = 0.1, maxprop: float = 0.9, permutations: int = 1000,
                 seed: int | None = 0) -> MaxStatResult | Unavailable:
    """The optimal cutoff of ``values`` for survival, with multiplicity-adjusted p-values.

    Parameters
    ----------
    values
        The rule value per included patient (e.g. minimum % positive); NaN drops the patient.
    permutations
        Number of permutations for the condMC p (0: none, ``permutation_p`` is ``None``).
    seed
        Seed of the ``numpy.random.Generator`` drawing the permutations; the same seed gives the
        same p (not R's: R's Mersenne-Twister stream is not reproduced, so condMC agrees with
        R within Monte Carlo error only).

    Returns
    -------
    MaxStatResult, or Unavailable with the reason (fewer than 3 patients, no events, one
    distinct value, no cut between minprop and maxprop, scores without variation).

    References
    ----------
    ``maxstat.test(Surv(time, event) ~ x, smethod = "LogRank", pmethod = "Lau92" | "condMC",
    minprop = 0.1, maxprop = 0.9, B = permutations)``; Lausen & Schumacher, Biometrics
    1992;48:73–85; Hothorn & Lausen, Comput Stat Data Anal 2003;43:121–137.
    """
    if not (0.0 <= minprop < maxprop <= 1.0):
        raise ValueError(f"need 0 ≤ minprop < maxprop ≤ 1, got {minprop}, {maxprop}")
    if permutations < 0:
        raise ValueError(f"permutations must be ≥ 0, got {permutations}")
    x, t, e = _clean(values, time, event)
    found = _search(x, t, e, minprop, maxprop)
    if isinstance(found, Unavailable):
        return found
    statistic = float(found.stats[found.best])
    perm_p = None
    if permutations:
        maxima = _permutation_maxima(found.sorted_scores, found.m, found.expect, found.sd,
                                     permutations, np.random.default_rng(seed))
        perm_p = exceedance_p(maxima, statistic)
    # The low group of cut m is sorted_x[:m]; the dashboard cutoff is the first value above it.
    cutoffs = found.sorted_x[found.m]
    maxstat_cuts = found.sorted_x[found.m - 1]
    m_best = int(found.m[found.best])
    lau = (lau92_pvalue(statistic, minprop, maxprop) if 0 < minprop < maxprop < 1
           else float("nan"))
    return MaxStatResult(
        endpoint=endpoint, statistic=statistic,
        estimate_cutoff_pct=float(cutoffs[found.best]), lau92_p=lau, permutation_p=perm_p,
        permutations=int(permutations), seed=seed, cutoffs=_readonly(cutoffs),
        statistics=_readonly(found.stats), minprop=minprop, maxprop=maxprop,
        criterion=_criterion(permutations),
        naive_p=float(special.ndtr(-statistic) * 2.0), warning=ALTMAN_WARNING,
        maxstat_cuts=_readonly(maxstat_cuts), maxstat_estimate=float(maxstat_cuts[found.best]),
        n=int(x.size), n_events=int(e.sum()), n_homogeneous=x.size - m_best,
        n_heterogeneous=m_best,
    )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def bootstrap_cutpoint(values: object, time: object, event: object, *, endpoint: str,
                       n_boot: int = 200, seed: int = 0, minprop: float = 0.1,
                       maxprop: float = 0.9) -> BootstrapCutpoint | Unavailable:
    """How stable is the optimal cutoff? Re-estimate it on bootstrap resamples of the patients.

    Each resample draws the patients with replacement (seeded) and runs the same search as
    :func:`maxstat_test` (no p-values). A wide spread, or a small share of resamples at the full
    data's cutoff, says the "optimal" cutoff is mostly noise.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be ≥ 1, got {n_boot}")
    x, t, e = _clean(values, time, event)
    full = _search(x, t, e, minprop, maxprop)
    if isinstance(full, Unavailable):
        return full
    estimate = float(full.sorted_x[full.m[full.best]])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, x.size, size=(n_boot, x.size))
    estimates = []
    # One search per resample: each needs its own sort and scores; 200 × O(n log n) is cheap.
    for idx in draws:
        found = _search(x[idx], t[idx], e[idx], minprop, maxprop)
        if not isinstance(found, Unavailable):
            estimates.append(found.sorted_x[found.m[found.best]])
    if not estimates:
        return Unavailable("no bootstrap resample allowed a cutoff to be estimated")
    est = np.array(estimates, dtype=float)
    qs = np.percentile(est, _QUANTILES)  # numpy "linear" = R's default quantile type 7
    share = float(np.mean(np.abs(est - estimate) <= AT_CUTOFF_TOLERANCE))
    return BootstrapCutpoint(
        endpoint=endpoint, estimates=_readonly(est), n_boot=n_boot, seed=seed,
        quantiles={f"{q:g}%": float(v) for q, v in zip(_QUANTILES, qs, strict=True)},
        share_at_estimate=share, estimate_cutoff_pct=estimate, n_failed=n_boot - est.size,
    )


def split_sample(values: object, time: object, event: object, *, endpoint: str, seed: int = 0,
                 minprop: float = 0.1, maxprop: float = 0.9,
                 conf_level: float = 0.95) -> SplitSample | Unavailable:
    """Choose the cutoff on a random half of the patients and test it on the other half.

    The training half (the larger when n is odd) is drawn by a seeded permutation. On the
    validation half the cutoff was fixed in advance, so the Cox hazard ratio
    (:func:`her2dash.cox.hazard_ratio`) and the log-rank p (``survdiff``) need no adjustment —
    at the price of half the patients for each step.
    """
    x, t, e = _clean(values, time, event)
    n = x.size
    if n < 6:
        return Unavailable(f"{n} patient(s): too few to split into a training and a validation "
                           "half")
    idx = np.random.default_rng(seed).permutation(n)
    n_train = n - n // 2
    train, valid = np.sort(idx[:n_train]), np.sort(idx[n_train:])
    chosen = maxstat_test(x[train], t[train], e[train], endpoint=endpoint, minprop=minprop,
                          maxprop=maxprop, permutations=0, seed=None)
    if isinstance(chosen, Unavailable):
        return Unavailable(f"on the training half: {chosen.reason}")
    cutoff = chosen.estimate_cutoff_pct
    homo = is_homogeneous(x[valid], cutoff)
    hr = hazard_ratio(t[valid], e[valid], homo, conf_level=conf_level)
    test = logrank(t[valid], e[valid], homo, levels=[False, True])
    note = "" if not isinstance(test, Unavailable) else f"log-rank on the validation half: " \
                                                        f"{test.reason}"
    return SplitSample(
        endpoint=endpoint, seed=seed, cutoff_pct=cutoff, training_n=int(n_train),
        validation_n=int(n - n_train), validation_hazard_ratio=hr,
        validation_logrank_p=None if isinstance(test, Unavailable) else float(test.pvalue),
        training=chosen, validation_n_homogeneous=int(homo.sum()),
        validation_n_heterogeneous=int((~homo).sum()), validation_note=note,
    )

"""The cutoff sweep: every statistic of the two-group comparison at every cutoff, at once.

For the chosen rule, positivity threshold and biopsy-count / cohort filters, :func:`sweep` moves
the cutoff over a grid (0–100 % in ``step`` steps by default) and reports, per cutoff, the group
sizes, the hazard ratio of homogeneous vs heterogeneous with its CI and Wald / likelihood-ratio
p, the log-rank chi-square, p and standardized statistic, median PFS/OS per group (PFS and OS),
and ORR per group with Fisher's p. The numbers at each cutoff are those of the single-cutoff
engines (:func:`her2dash.survival.logrank`, :func:`her2dash.cox.hazard_ratio`,
:func:`her2dash.survival.median_survival` of :func:`her2dash.survival.kaplan_meier_by_group`,
:func:`her2dash.response.response_table`); ``tests/test_sweep.py`` checks every cutoff to 1e-8.

How it is vectorised (no fitter objects in a loop, no per-cutoff Python loop):

* The rule value is computed once per patient (:func:`her2dash.classify.rule_values`). Groups
  are nested (homogeneous at cutoff c ⇔ value ≥ c − tolerance), so a patient is described by
  one integer, the number of sorted cutoffs at which it is homogeneous, and cutoffs with the
  same homogeneous count have the same groups: the work is done once per distinct grouping
  (at most the number of distinct rule values + 1) and spread back over the cutoffs.
* Per endpoint the times are sorted once (R's timefix, as ``survdiff``/``coxph``). A 2-D
  histogram of (distinct time, membership level) and two cumulative sums give, for every
  (event time, grouping), the homogeneous patients at risk and dying: memory
  O(n + distinct times × groupings), never a patients × cutoffs matrix.
* Log-rank (``survdiff``, hypergeometric variance) and the Kaplan–Meier medians
  (``print.survfit``'s rule, a cumulative product per group) are column operations on those
  counts.
* Cox (one binary covariate, Efron ties) is R's ``coxfit6`` Newton–Raphson run on all
  groupings as one batch: same centring and scaling, start 0, step halving, stop at a relative
  log-likelihood change ≤ 1e-9 (max 20 iterations); a grouping leaves the batch when it
  converges. Efron's sums over the d tied events of a time, Σₖ g(S₀ − (k/d)·D₀), are closed
  forms in the digamma, trigamma and log-gamma functions (den_k = (D₀/d)(a − k) with
  a = d·S₀/D₀), so an iteration costs O(event times × groupings), not O(events × groupings).

References
----------
R ``survival`` 3.5.3: ``survdiff(Surv(t, e) ~ homo)``, ``coxph(Surv(t, e) ~ homo)`` (Efron),
``print(survfit(Surv(t, e) ~ homo))``; ``stats::fisher.test`` on the ORR table — one call of each
per cutoff, which ``benchmarks/sweep_loop.R`` times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from her2dash.classify import (
    AT_CUTOFF_TOLERANCE,
    HETEROGENEOUS,
    HOMOGENEOUS,
    classify,
    patient_features,
    rule_values,
)
from her2dash.cohort import Cohort
from her2dash.response import OBJECTIVE, response_codes
from her2dash.results import Unavailable
from her2dash.rules import PERCENT, CutoffScale, rule_spec
from her2dash.settings import ENDPOINTS, Settings
from her2dash.survival import (
    NO_EVENTS,
    NO_OVERLAP,
    NO_PATIENTS,
    ONE_GROUP,
    R_TOLERANCE,
    ZERO_VARIANCE,
    distinct_times,
    no_endpoint_data,
)

SIGNIFICANCE = 0.05
DEFAULT_MIN_GROUP = 5

# coxph.control() defaults, as her2dash.cox.
_EPS = 1e-9
_TOLER_INF = float(np.sqrt(_EPS))
_ITER_MAX = 20
# Below this argument the trigamma function is shifted up by its recurrence before the
# asymptotic series is used; from 20 on the series' first omitted term is < 1e-17.
_TRIGAMMA_SHIFT = 20.0
# Elements per block of the Efron sums: a few arrays of this size fit in L2 cache.
_BLOCK_ELEMENTS = 16_384

_POSITIVITY_WORDS = {"2+": "2+/3+ positivity", "3+": "3+ positivity"}


@dataclass(frozen=True, slots=True, eq=False)
class EndpointSweep:
    """One endpoint (PFS or OS) at every cutoff; arrays are aligned with ``SweepResult.cutoffs``.

    Hazard ratios are homogeneous vs heterogeneous (reference), unadjusted, Efron ties; NaN
    where not estimable. ``logrank_z`` is (O − E)/√V of the homogeneous group (negative =
    homogeneous does better) and ``logrank_z**2 == logrank_chisq``. Medians are in months, NaN
    where not reached or the group is empty. ``reasons[i]`` says why the hazard ratio (and, if
    also unavailable for another reason, the log-rank test) is missing at cutoff i, else None.
    ``n_significant`` counts eligible cutoffs with ``logrank_p < 0.05``.
    """

    endpoint: str
    hazard_ratio: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    coef: np.ndarray
    se: np.ndarray
    wald_p: np.ndarray
    lr_p: np.ndarray
    logrank_chisq: np.ndarray
    logrank_p: np.ndarray
    logrank_z: np.ndarray
    median_homogeneous: np.ndarray
    median_heterogeneous: np.ndarray
    events_homogeneous: np.ndarray
    events_heterogeneous: np.ndarray
    reasons: tuple[str | None, ...]
    n_significant: int


@dataclass(frozen=True, slots=True, eq=False)
class SweepResult:
    """The sweep under the base ``settings`` (its ``cutoff_pct`` is ignored; ``cutoffs`` vary).

    Group sizes count included patients (biopsy-count and cohort filters applied). A cutoff is
    ``eligible`` when both groups have at least ``min_group`` patients; only eligible cutoffs
    are searched (``n_tried``, and each endpoint's ``n_significant``). ORR is
    (CR + PR) / evaluable per group with Fisher's two-sided p; NaN where undefined.
    ``searched`` says in one sentence what was searched.
    """

    settings: Settings
    cutoffs: np.ndarray
    n_homogeneous: np.ndarray
    n_heterogeneous: np.ndarray
    min_group: int
    eligible: np.ndarray
    endpoints: dict[str, EndpointSweep | Unavailable]
    orr_homogeneous: np.ndarray
    orr_heterogeneous: np.ndarray
    orr_fisher_p: np.ndarray
    n_tried: int
    searched: str


# ---------------------------------------------------------------------------- cutoffs, groups


def default_cutoffs(step: float = 1.0, scale: CutoffScale = PERCENT) -> np.ndarray:
    """low, low + step, … up to the scale's high end (0–100 % unless the rule says otherwise,
    e.g. H-score 0–300), rounded to 10 decimals (0.1·3 prints as 0.3)."""
    span = scale.high - scale.low
    if not np.isfinite(step) or not 0.0 < step <= span:
        raise ValueError(f"step must be in (0, {span:g}] {scale.quantity}, got {step!r}")
    return scale.grid(step)


def rule_scale(settings: Settings) -> CutoffScale:
    """The rule's cutoff scale; a rule without a cutoff cannot be swept (ValueError)."""
    scale = rule_spec(settings.rule).cutoff
    if scale is None:
        raise ValueError(f"the {settings.rule} rule has no cutoff to sweep")
    return scale


def _check_cutoffs(cutoffs: object, scale: CutoffScale = PERCENT) -> np.ndarray:
    c = np.asarray(cutoffs, dtype=float)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"cutoffs must be a non-empty 1-D array of {scale.quantity} values")
    if not np.isfinite(c).all() or (c < scale.low).any() or (c > scale.high).any():
        raise ValueError(f"cutoffs must be finite, between {scale.low:g} and {scale.high:g}")
    return c


def _levels(values: np.ndarray, sorted_cutoffs: np.ndarray) -> np.ndarray:
    """Per patient, how many of the sorted cutoffs it is homogeneous at.

    Homogeneous at cutoff c iff value ≥ c − tolerance (:func:`her2dash.classify.is_homogeneous`,
    the same floating-point comparison), and the cutoffs where that holds are a prefix of the
    sorted ones. A missing value (NaN) is homogeneous nowhere, as ``NaN >= c`` is False.
    """
    level = np.searchsorted(sorted_cutoffs - AT_CUTOFF_TOLERANCE, values, side="right")
    return np.where(np.isnan(values), 0, level)


@dataclass(frozen=True, slots=True, eq=False)
class _Groupings:
    """The included patients' membership, collapsed to distinct groupings."""

    positions: np.ndarray  # included patients: positions in cohort.patients
    level: np.ndarray  # per included patient: homogeneous in groupings 0..level-1
    column: np.ndarray  # per cutoff (caller's order): its grouping
    n_columns: int


def _groupings(values: np.ndarray, positions: np.ndarray, cutoffs: np.ndarray) -> _Groupings:
    order = np.argsort(cutoffs, kind="stable")
    level = _levels(values, cutoffs[order])
    k = cutoffs.size
    # Nested groups: equal homogeneous counts mean equal groups.
    n_homo = level.size - np.cumsum(np.bincount(level, minlength=k + 1))[:k]
    first = np.r_[True, n_homo[1:] != n_homo[:-1]]
    rep = np.flatnonzero(first)  # sorted cutoff index representing each grouping
    column = np.empty(k, dtype=np.int64)
    column[order] = np.cumsum(first) - 1
    return _Groupings(positions, np.searchsorted(rep, level, side="left"), column, rep.size)


def _included(cohort: Cohort, settings: Settings,
              features: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    if features is None:
        features = patient_features(cohort, settings)
    per_patient = classify(cohort, settings, features).per_patient
    positions = np.flatnonzero(per_patient["included"].to_numpy())
    values = rule_values(features, settings.rule)[positions]
    return positions, values, per_patient


def cutoff_groups(cohort: Cohort, settings: Settings, cutoffs: object,
                  features: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Membership of the included patients at each cutoff.

    Returns
    -------
    positions
        Included patients (biopsy-count and cohort filters of ``settings``) as positions in
        ``cohort.patients`` (ids: ``cohort.patients.index[positions]``).
    homogeneous
        Bool matrix, included patients × cutoffs: True = homogeneous at that cutoff (the rule of
        :func:`her2dash.classify.is_homogeneous`). Memory n × cutoffs; :func:`sweep` itself never
        builds it.
    """
    c = _check_cutoffs(cutoffs, rule_scale(settings))
    positions, values, _ = _included(cohort, settings, features)
    order = np.argsort(c, kind="stable")
    level = _levels(values, c[order])
    homo = np.empty((positions.size, c.size), dtype=bool)
    homo[:, order] = np.arange(c.size)[None, :] < level[:, None]
    return positions, homo


# ---------------------------------------------------------------------------- special functions


def _trigamma(x: np.ndarray) -> np.ndarray:
    """ψ′(x) for x > 0: recurrence ψ′(x) = ψ′(x + 1) + 1/x² up to 20, then the asymptotic series.

    ``scipy.special.polygamma(1, x)`` goes through the Hurwitz zeta function and is ~20× slower
    than digamma; the Efron sums need it at every (event time, grouping) in every iteration.
    """
    shape = np.shape(x)
    x = np.array(x, dtype=float).ravel()  # a copy: shifted in place below
    out = np.zeros_like(x)
    small = np.flatnonzero(x < _TRIGAMMA_SHIFT)
    while small.size:
        xs = x[small]
        out[small] += 1.0 / (xs * xs)
        x[small] = xs + 1.0
        small = small[xs + 1.0 < _TRIGAMMA_SHIFT]
    t = 1.0 / x
    t2 = t * t
    # 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹) (Bernoulli numbers)
    series = t + t2 * (0.5 + t * (1.0 / 6.0 - t2 * (1.0 / 30.0 - t2 * (
        1.0 / 42.0 - t2 * (1.0 / 30.0 - t2 * 5.0 / 66.0)))))
    return (out + series).reshape(shape)


# ---------------------------------------------------------------------------- per endpoint


@dataclass(frozen=True, slots=True, eq=False)
class GroupCounts:
    """Per event time (rows) and grouping (columns): homogeneous at risk / dying; totals."""

    time: np.ndarray  # event times
    n: np.ndarray  # at risk, all patients
    d: np.ndarray  # events, all patients
    r1: np.ndarray  # (rows, groupings): homogeneous at risk
    d1: np.ndarray  # (rows, groupings): homogeneous events
    n1: np.ndarray  # (groupings,): homogeneous patients
    n_total: int
    events_total: int


def group_counts(time: np.ndarray, event: np.ndarray, level: np.ndarray,
                 n_cols: int) -> GroupCounts:
    uniq, inverse = distinct_times(time)  # R's timefix, once for the endpoint
    m, w = uniq.size, n_cols + 1
    cell = inverse * w + level
    by_level = np.bincount(cell, minlength=m * w).reshape(m, w)
    dead_level = np.bincount(cell, weights=event, minlength=m * w).reshape(m, w)
    n_at = by_level.sum(axis=1)
    d_at = dead_level.sum(axis=1)
    ev = d_at > 0
    # Homogeneous in grouping j ⇔ level > j: a reverse cumulative sum over levels, then over
    # time (at risk = time ≥ t). Only event rows are kept.
    homo_at = np.cumsum(by_level[:, :0:-1], axis=1)[:, ::-1]
    r1 = np.cumsum(homo_at[::-1], axis=0)[::-1][ev].astype(float)
    d1 = np.cumsum(dead_level[ev][:, :0:-1], axis=1)[:, ::-1]
    n_risk = (time.size - np.cumsum(n_at) + n_at)[ev].astype(float)
    n1 = homo_at.sum(axis=0)
    return GroupCounts(uniq[ev], n_risk, d_at[ev], r1, d1, n1, int(time.size),
                   int(np.rint(d_at.sum())))


def batched_logrank(c: GroupCounts) -> dict[str, np.ndarray | list[str | None]]:
    """``survdiff`` for every grouping; mirrors :func:`her2dash.survival.logrank`."""
    k = c.n1.size
    n, d, r1 = c.n, c.d, c.r1
    frac = (d / n)[:, None]
    expected1 = (frac * r1).sum(axis=0)
    expected0 = (frac * (n[:, None] - r1)).sum(axis=0)
    observed1 = c.d1.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kt = np.where(n > 1, d * (n - d) / (n * (n - 1.0)), 0.0)
    weighted = kt[:, None] * r1
    variance = weighted.sum(axis=0) - (weighted / n[:, None] * r1).sum(axis=0)
    reasons: list[str | None] = [None] * k
    n0 = c.n_total - c.n1
    for j in range(k):
        if c.n_total == 0:
            reasons[j] = NO_PATIENTS
        elif c.n1[j] == 0 or n0[j] == 0:
            reasons[j] = ONE_GROUP
        elif c.events_total == 0:
            reasons[j] = NO_EVENTS
        elif not (expected0[j] > 0 and expected1[j] > 0):
            reasons[j] = NO_OVERLAP
        elif not variance[j] > 0:
            reasons[j] = ZERO_VARIANCE
    ok = np.array([r is None for r in reasons], dtype=bool)
    diff = observed1 - expected1
    with np.errstate(divide="ignore", invalid="ignore"):
        chisq = np.where(ok, diff * diff / variance, np.nan)
        z = np.where(ok, diff / np.sqrt(variance), np.nan)
    return {"chisq": chisq, "p": special.chdtrc(1, chisq), "z": z, "reasons": reasons}


def _cox_reason_before_fit(c: GroupCounts, j: int, events1: np.ndarray) -> str | None:
    """What :func:`her2dash.cox.hazard_ratio` returns before fitting, in its order and words."""
    if c.n_total and c.events_total:
        sizes = (c.n1[j], c.n_total - c.n1[j])
        dead = (events1[j], c.events_total - events1[j])
        for value, label, size, died in ((True, HOMOGENEOUS, sizes[0], dead[0]),
                                         (False, HETEROGENEOUS, sizes[1], dead[1])):
            if size == 0:
                return f"no {label} patients: the hazard ratio needs both groups"
            if died == 0:
                return (f"not estimable: no events in the {label} group (monotone "
                        f"likelihood: the hazard ratio is {'0' if value else '∞'}; "
                        f"R's coxph warns that the coefficient may be infinite)")
    if c.n_total == 0:
        return NO_PATIENTS
    if c.events_total == 0:
        return NO_EVENTS
    return None


class _Efron:
    """Efron log-likelihood, score and information of ``coxph(~ homo)`` for a batch of
    groupings, on the covariate centred and scaled as ``coxfit6`` does it.

    The covariate is binary, so at scaled coefficient β only the odds ρ = e^(−β·s) of a
    heterogeneous patient's weight to a homogeneous one's matter (s = 1/(2p(1 − p)) is the
    scale, the difference between the two scaled values). Per event time with d events: π, the
    homogeneous share of the risk set's weight, δ, that of the dying patients' weight, and
    a = d·S₀/D₀, so that the event of tie rank k has Efron denominator S₀ − (k/d)·D₀ =
    (D₀/d)(a − k). With H₁ = Σₖ 1/(a − k) = ψ(a + 1) − ψ(a − d + 1) and
    H₂ = Σₖ 1/(a − k)² = ψ′(a − d + 1) − ψ′(a + 1) the sums :class:`her2dash.cox._Engine`
    takes over the tied events are closed forms:

    * Σ log den = d·log(D₀/d) + lnΓ(a + 1) − lnΓ(a − d + 1),
    * Σ x̄ₖ = d·x₀ + s·(aH₁(π − δ) + dδ),
    * Σ var_k(x) = s²·(dδ(1 − δ) + aH₁(π − δ)(1 − 2δ) − a²H₂(π − δ)²),

    (d = 1: π and s²π(1 − π)), so an iteration costs O(event times × groupings) whatever the
    ties. The variance is summed as a variance, not as E[x²] − x̄², so it loses nothing to
    cancellation; the digamma and log-gamma differences lose ~eps·a relative to one time's own
    term, far below 1e-8 of the totals.
    """

    def __init__(self, c: GroupCounts, cols: np.ndarray) -> None:
        single = c.d == 1
        rows = (np.flatnonzero(single), np.flatnonzero(~single))
        self.r1 = [c.r1[r][:, cols] for r in rows]
        self.r0 = [c.n[r][:, None] - a for r, a in zip(rows, self.r1, strict=True)]
        self.d1 = c.d1[rows[1]][:, cols]
        self.d = c.d[rows[1]][:, None]
        self.d0 = self.d - self.d1
        p = c.n1[cols] / c.n_total
        # coxfit6's scale is 1 / mean |x − x̄|, i.e. 1/(2p(1 − p)) for a 0/1 covariate.
        spread = (c.n1[cols] * (1.0 - p) + (c.n_total - c.n1[cols]) * p) / c.n_total
        self.scale = 1.0 / spread
        self.events0 = c.events_total - c.d1[:, cols].sum(axis=0)
        self.events1 = c.events_total - self.events0

    def subset(self, keep: np.ndarray) -> _Efron:
        """The same object for a subset of its groupings (those still iterating)."""
        out = object.__new__(_Efron)
        out.r1 = [a[:, keep] for a in self.r1]
        out.r0 = [a[:, keep] for a in self.r0]
        out.d1, out.d0, out.d = self.d1[:, keep], self.d0[:, keep], self.d
        out.scale, out.events0 = self.scale[keep], self.events0[keep]
        out.events1 = self.events1[keep]
        return out

    def pieces(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log-likelihood, score, information) per grouping at scaled coefficients ``beta``."""
        s = self.scale
        rho = np.exp(-beta * s)
        # Weights relative to a homogeneous patient's: log den = β·x₁ + log(relative den), and
        # Σ_events β·x − Σ_events β·x₁ = −β·s·(heterogeneous events).
        s0 = self.r1[0] + self.r0[0] * rho
        pi = self.r1[0] / s0
        log_den = np.log(s0).sum(axis=0)
        mean = pi.sum(axis=0)
        var = (pi * (1.0 - pi)).sum(axis=0)
        # Tied times in row blocks that stay in cache: ~25 array operations per block.
        rows = self.d.shape[0]
        step = max(1, _BLOCK_ELEMENTS // max(1, rho.size))
        for i in range(0, rows, step):
            block = slice(i, i + step)
            lb, mb, vb = _tied_sums(self.r1[1][block], self.r0[1][block], self.d1[block],
                                    self.d0[block], self.d[block], rho)
            log_den, mean, var = log_den + lb, mean + mb, var + vb
        loglik = -beta * s * self.events0 - log_den
        return loglik, s * (self.events1 - mean), s * s * var


def _tied_sums(r1: np.ndarray, r0: np.ndarray, d1: np.ndarray, d0: np.ndarray, d: np.ndarray,
               rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Σ log den, Σ x̄ₖ (less d·x₀, over s) and Σ var_k(x) (over s²) of tied event times."""
    s0 = r1 + r0 * rho
    e0 = d1 + d0 * rho
    pi = r1 / s0
    delta = d1 / e0
    a = d * s0 / e0
    low = a - d + 1.0
    h1 = a * (special.digamma(a + 1.0) - special.digamma(low))  # a·H₁
    h2 = a * a * (_trigamma(low) - _trigamma(a + 1.0))  # a²·H₂
    gap = pi - delta
    d_delta = d * delta
    mean = (h1 * gap + d_delta).sum(axis=0)
    var = (d_delta * (1.0 - delta) + gap * (h1 * (1.0 - 2.0 * delta) - h2 * gap)).sum(axis=0)
    log_den = (d * np.log(e0 / d) + special.gammaln(a + 1.0) - special.gammaln(low)).sum(axis=0)
    return log_den, mean, var


def batched_cox(c: GroupCounts, conf_level: float) -> dict[str, np.ndarray | list[str | None]]:
    """``coxph(Surv(t, e) ~ homo)`` for every grouping; mirrors :func:`her2dash.cox._newton`
    and the checks of :func:`her2dash.cox._fit`, one batch for all groupings."""
    k = c.n1.size
    events1 = c.d1.sum(axis=0).round()
    reasons: list[str | None] = [_cox_reason_before_fit(c, j, events1) for j in range(k)]
    # Separation: the likelihood is monotone (β̂ = ±∞) iff no homogeneous event happens while a
    # heterogeneous patient is at risk, or vice versa; an exact test on the counts. The
    # single-cutoff engine finds these cases through the Newton iterates instead (R: the
    # warning "Loglik converged before variable 1"), which depends on rounding.
    r0 = c.n[:, None] - c.r1
    d0 = c.d[:, None] - c.d1
    informative1 = (c.d1 * (r0 > 0)).sum(axis=0) > 0
    informative0 = (d0 * (c.r1 > 0)).sum(axis=0) > 0
    for j in range(k):
        if reasons[j] is None and not (informative1[j] and informative0[j]):
            first, then, hr = ((HOMOGENEOUS, HETEROGENEOUS, "0") if not informative1[j]
                               else (HETEROGENEOUS, HOMOGENEOUS, "∞"))
            reasons[j] = (f"not estimable: no {first} event happens while a {then} patient is "
                          f"at risk (monotone likelihood: the hazard ratio is {hr}; R's coxph "
                          f"warns \"Loglik converged before variable 1; coefficient may be "
                          f"infinite\")")
    out = {name: np.full(k, np.nan) for name in ("coef", "se", "lr", "loglik0")}
    fit_cols = np.flatnonzero([r is None for r in reasons])
    if fit_cols.size:
        _newton_batch(c, fit_cols, reasons, out)
    zq = float(special.ndtri(1.0 - (1.0 - conf_level) / 2.0))
    coef, se = out["coef"], out["se"]
    with np.errstate(invalid="ignore", over="ignore"):
        wald_p = 2.0 * special.ndtr(-np.abs(coef / se))
        lr_p = special.chdtrc(1, out["lr"])
        ci_low, ci_high = np.exp(coef - zq * se), np.exp(coef + zq * se)
    return {"coef": coef, "se": se, "hazard_ratio": np.exp(coef), "ci_low": ci_low,
            "ci_high": ci_high, "wald_p": wald_p, "lr_p": lr_p, "reasons": reasons}


def _newton_batch(c: GroupCounts, cols: np.ndarray, reasons: list[str | None],
                  out: dict[str, np.ndarray]) -> None:
    engine = _Efron(c, cols)
    m = cols.size
    beta = np.zeros(m)
    loglik0, u, imat = engine.pieces(beta)
    # _cholesky2 of a 1×1 matrix: a pivot that is not finite and positive is "singular".
    good = np.isfinite(imat) & (imat > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(good, u / imat, 0.0)
    for j in cols[~good]:
        reasons[j] = ("not estimable: 'homogeneous' is collinear with the other covariates (a "
                      "linear combination of them among the patients at risk); R's coxph gives "
                      "it an NA coefficient")
    best = loglik0.copy()
    new_beta = beta + step
    halving = np.zeros(m)
    final_u, final_i = np.full(m, np.nan), np.full(m, np.nan)
    converged = np.zeros(m, dtype=bool)
    active = np.flatnonzero(good)
    eng = engine.subset(active)
    for _ in range(_ITER_MAX):
        if active.size == 0:
            break
        ll, uu, ii = eng.pieces(new_beta[active])
        finite = np.isfinite(ll) & np.isfinite(uu) & np.isfinite(ii)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(ll != 0, np.abs(1.0 - best[active] / ll), np.inf)
        done = finite & (change <= _EPS)
        worse = ~done & (~finite | (ll < best[active]))
        better = ~done & ~worse
        # Converged: keep β and the score/information there.
        idx = active[done]
        beta[idx], best[idx] = new_beta[idx], ll[done]
        final_u[idx], final_i[idx] = uu[done], ii[done]
        converged[idx] = True
        # Log-likelihood fell (or overflowed): halve back towards the last good β.
        idx = active[worse]
        halving[idx] += 1.0
        new_beta[idx] = (new_beta[idx] + halving[idx] * beta[idx]) / (halving[idx] + 1.0)
        # Improved: a full Newton step from here.
        idx = active[better]
        ib, ub = ii[better], uu[better]
        ok = np.isfinite(ib) & (ib > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            stp = np.where(ok, ub / ib, 0.0)
        halving[idx] = 0.0
        best[idx] = ll[better]
        beta[idx] = new_beta[idx]
        new_beta[idx] = new_beta[idx] + stp
        if done.any():
            keep = ~done
            active = active[keep]
            eng = eng.subset(keep)
    for j in np.flatnonzero(good & ~converged):
        reasons[cols[j]] = (f"not estimable: coxph did not converge in {_ITER_MAX} iterations "
                            f"(R warns \"Ran out of iterations and did not converge\")")
    ok = converged.copy()
    singular = ok & ~(np.isfinite(final_i) & (final_i > 0))
    for j in np.flatnonzero(singular):
        reasons[cols[j]] = ("not estimable: the information for 'homogeneous' vanished while "
                            "fitting (monotone likelihood: its coefficient diverges)")
    ok &= ~singular
    scale = engine.scale
    with np.errstate(divide="ignore", invalid="ignore"):
        var = scale * scale / final_i
        coef = beta * scale
        infs = np.abs(var * (final_u / scale))
    infinite = ok & (infs > _EPS) & (infs > _TOLER_INF * np.abs(coef))
    for j in np.flatnonzero(infinite):
        reasons[cols[j]] = ("not estimable: the likelihood is monotone in 'homogeneous' (its "
                            "coefficient runs off to infinity); R's coxph warns \"Loglik "
                            "converged before variable 1; coefficient may be infinite\"")
    ok &= ~infinite
    target = cols[ok]
    out["coef"][target] = coef[ok]
    out["se"][target] = np.sqrt(var[ok])
    out["lr"][target] = 2.0 * (best[ok] - loglik0[ok])
    out["loglik0"][target] = loglik0[ok]


def _medians(c: GroupCounts) -> tuple[np.ndarray, np.ndarray]:
    """``print.survfit`` medians of each group for every grouping (NaN = not reached / empty).

    The curve of a group only moves at its own event times, so reading it at every event time
    of the endpoint finds the same first time below 0.5 as the group's own curve; the factors
    1 − d/n are those of :func:`her2dash.survival.kaplan_meier` (1 where the group has none).
    """
    if c.time.size == 0:  # no events: no curve drops
        return np.full(c.n1.size, np.nan), np.full(c.n1.size, np.nan)
    out = []
    n_col = c.n[:, None]
    d_col = c.d[:, None]
    for at_risk, dead, size in ((c.r1, c.d1, c.n1), (n_col - c.r1, d_col - c.d1,
                                                      c.n_total - c.n1)):
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(dead > 0, 1.0 - dead / at_risk, 1.0)
        surv = np.cumprod(factor, axis=0)
        below = surv < 0.5 + R_TOLERANCE
        has = below.any(axis=0) & (size > 0)
        first = np.argmax(below, axis=0)
        cols = np.arange(surv.shape[1])
        s_first = surv[first, cols]
        median = np.where(has, c.time[first], np.nan)
        # Exactly at 0.5 and lower later: the midpoint of the two times (print.survfit).
        for j in np.flatnonzero(has & (np.abs(s_first - 0.5) < R_TOLERANCE)):
            lower = np.flatnonzero(surv[first[j]:, j] < s_first[j])
            if lower.size:
                median[j] = (c.time[first[j]] + c.time[first[j] + lower[0]]) / 2.0
        out.append(median)
    return out[0], out[1]


def _endpoint(cohort: Cohort, endpoint: str, positions: np.ndarray, g: _Groupings,
              conf_level: float) -> dict[str, object] | Unavailable:
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    missing = [col for col in (time_col, event_col) if not cohort.has(col)]
    if missing:
        return Unavailable(f"the cohort has no {' / '.join(missing)} column")
    patients = cohort.patients
    t = patients[time_col].to_numpy(dtype=float)[positions]
    e = patients[event_col].to_numpy(dtype=float)[positions]
    keep = ~(np.isnan(t) | np.isnan(e))  # R's na.omit
    if not keep.any():
        return Unavailable(no_endpoint_data(endpoint))
    t, e = t[keep], e[keep]
    if np.isinf(t).any() or (t < 0).any() or not np.isin(e, (0.0, 1.0)).all():
        raise ValueError(f"{endpoint}: times must be finite and ≥ 0, events 0/1")
    counts = group_counts(t, e, g.level[keep], g.n_columns)
    lr = batched_logrank(counts)
    cox = batched_cox(counts, conf_level)
    med1, med0 = _medians(counts)
    events1 = counts.d1.sum(axis=0).round().astype(np.int64)
    reasons: list[str | None] = []
    for hr_why, lr_why in zip(cox["reasons"], lr["reasons"], strict=True):
        if hr_why is None or lr_why is None or lr_why == hr_why:
            reasons.append(hr_why or lr_why)
        else:
            reasons.append(f"{hr_why}; log-rank: {lr_why}")
    return {"cox": cox, "logrank": lr, "median1": med1, "median0": med0, "events1": events1,
            "events0": counts.events_total - events1, "reasons": reasons}


# ---------------------------------------------------------------------------- response

# R's fisher.test: tables at most this much more likely than the observed one count as "as
# extreme" (her2dash.response uses the same 1 + 1e-7).
_FISHER_REL_ERR = 1.0 + 1e-7
# Terms more than e^50 below both the observed table and the mode are left out: by
# log-concavity of the hypergeometric law, everything beyond them is smaller still, and the
# whole remainder is < 1e-16 of the p-value.
_FISHER_LOG_CUT = 50.0


def _fisher_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p of ``fisher.test(matrix(c(a, c, b, d), 2))``, as
    :func:`her2dash.response.fisher_2x2_pvalue` but summed over a window around the mode and
    the observed table only: at 100,000 patients the full support has ~50,000 tables and the
    ~100 distinct ORR tables of a sweep took 0.3 s.
    """
    m, n, k = a + c, b + d, a + b
    total = m + n
    if total == 0:
        return 1.0
    lo, hi = max(0, k - n), min(k, m)
    mode = min(max((k + 1) * (m + 1) // (total + 2), lo), hi)
    sd = np.sqrt(k * (m / total) * (n / total) * (total - k) / max(total - 1, 1))
    width = int(10 * sd) + 20
    while True:
        start, stop = max(lo, min(mode, a) - width), min(hi, max(mode, a) + width)
        i = np.arange(start, stop + 1, dtype=float)
        logf = -(special.gammaln(i + 1) + special.gammaln(m - i + 1)
                 + special.gammaln(k - i + 1) + special.gammaln(n - k + i + 1))
        cut = min(logf[a - start], logf.max()) - _FISHER_LOG_CUT
        if (start == lo or logf[0] < cut) and (stop == hi or logf[-1] < cut):
            break
        width *= 2
    dens = np.exp(logf - logf.max())
    return float(min(1.0, dens[dens <= dens[a - start] * _FISHER_REL_ERR].sum() / dens.sum()))


def _orr(cohort: Cohort, positions: np.ndarray, g: _Groupings
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ORR per group and Fisher's p per grouping, as :func:`her2dash.response.response_table`."""
    k = g.n_columns
    nan = np.full(k, np.nan)
    if "best_response" not in cohort.patients.columns or positions.size == 0:
        return nan, nan.copy(), nan.copy()
    codes = response_codes(cohort.patients["best_response"].astype(object).to_numpy()[positions])
    evaluable = codes != "NE"
    success = np.isin(codes, OBJECTIVE)

    def homo_counts(weights: np.ndarray) -> np.ndarray:
        by_level = np.bincount(g.level, weights=weights, minlength=k + 1)
        return np.cumsum(by_level[:0:-1])[::-1].round().astype(np.int64)

    eval1, succ1 = homo_counts(evaluable), homo_counts(success)
    eval0, succ0 = int(evaluable.sum()) - eval1, int(success.sum()) - succ1
    with np.errstate(divide="ignore", invalid="ignore"):
        orr1 = np.where(eval1 > 0, succ1 / eval1, np.nan)
        orr0 = np.where(eval0 > 0, succ0 / eval0, np.nan)
    pvalue = nan.copy()
    cache: dict[tuple[int, int, int, int], float] = {}
    for j in np.flatnonzero((eval1 > 0) & (eval0 > 0)):
        table = (int(succ1[j]), int(eval1[j] - succ1[j]), int(succ0[j]), int(eval0[j] - succ0[j]))
        if table not in cache:
            cache[table] = _fisher_p(*table)
        pvalue[j] = cache[table]
    return orr1, orr0, pvalue


# ---------------------------------------------------------------------------- front door


def _searched(settings: Settings, cutoffs: np.ndarray, step: float | None, min_group: int,
              n_fragments: np.ndarray, n_patients: int, scale: CutoffScale = PERCENT) -> str:
    unit = f" {scale.unit}" if scale.unit else ""
    if step is not None:
        grid = (f"cutoffs {scale.low:g}–{scale.high:g}{unit} in {step:g}{unit} steps"
                if unit else f"{scale.quantity} cutoffs {scale.low:g}–{scale.high:g} in steps "
                             f"of {step:g}")
    elif cutoffs.size == 1:
        grid = f"cutoff {cutoffs[0]:g}{unit}"
    else:
        grid = f"{cutoffs.size} cutoffs from {cutoffs.min():g} to {cutoffs.max():g}{unit}"
    high = settings.max_fragments
    if high is None:
        high = int(n_fragments.max()) if n_fragments.size else settings.min_fragments
    window = (f"{settings.min_fragments}–{high}" if high != settings.min_fragments
              else f"{high}")
    filters = "".join(f", {column} = {' / '.join(values)}" for column, values in settings.filters)
    positivity = (f"{_POSITIVITY_WORDS[settings.positivity]}, "
                  if rule_spec(settings.rule).uses_positivity else "")
    return (f"{grid} (both groups ≥ {min_group} patients), {settings.rule} rule, "
            f"{positivity}{window} fragments{filters}; "
            f"{n_patients} patients")


def _spread(a: np.ndarray, column: np.ndarray) -> np.ndarray:
    out = a[column]
    out.setflags(write=False)
    return out


def sweep(cohort: Cohort, settings: Settings, *, step: float = 1.0,
          cutoffs: np.ndarray | None = None, min_group: int = DEFAULT_MIN_GROUP,
          features: pd.DataFrame | None = None) -> SweepResult:
    """Every two-group statistic at every cutoff, for PFS, OS and ORR.

    Parameters
    ----------
    settings
        Rule, positivity, biopsy-count and cohort filters and CI level; ``cutoff_pct`` is not
        used (the cutoffs vary).
    step
        Grid spacing in percent (0, step, …, 100) when ``cutoffs`` is not given.
    cutoffs
        Explicit cutoffs in percent, any order; results follow that order.
    min_group
        Smallest group size (both groups) for a cutoff to be searched.
    features
        :func:`her2dash.classify.patient_features` for ``settings.positivity``, if at hand.

    Returns
    -------
    SweepResult. An endpoint the cohort does not have (or no included patient has) is
    Unavailable; a cutoff where a statistic cannot be computed holds NaN there and a reason.

    References
    ----------
    Per cutoff c, with ``homo <- value >= c`` among the included patients: R
    ``survdiff(Surv(t, e) ~ homo)``, ``summary(coxph(Surv(t, e) ~ homo))`` (Efron),
    ``print(survfit(Surv(t, e) ~ homo))`` medians, and ``fisher.test`` of the ORR 2×2 table.
    """
    if not isinstance(min_group, int | np.integer) or min_group < 0:
        raise ValueError(f"min_group must be an integer ≥ 0, got {min_group!r}")
    scale = rule_scale(settings)
    grid_step: float | None = None
    if cutoffs is None:
        grid_step = float(step)
        c = default_cutoffs(grid_step, scale)
    else:
        c = _check_cutoffs(cutoffs, scale).copy()
    c.setflags(write=False)
    positions, values, per_patient = _included(cohort, settings, features)
    g = _groupings(values, positions, c)
    n_homo_cols = positions.size - np.cumsum(np.bincount(g.level, minlength=g.n_columns + 1))[
        :g.n_columns]
    n_homo = _spread(n_homo_cols.astype(np.int64), g.column)
    n_hetero = positions.size - n_homo
    n_hetero.setflags(write=False)
    eligible = (n_homo >= min_group) & (n_hetero >= min_group)
    eligible.setflags(write=False)

    endpoints: dict[str, EndpointSweep | Unavailable] = {}
    for endpoint in ENDPOINTS:
        res = _endpoint(cohort, endpoint, positions, g, settings.conf_level)
        if isinstance(res, Unavailable):
            endpoints[endpoint] = res
            continue
        cox, lr = res["cox"], res["logrank"]
        logrank_p = _spread(lr["p"], g.column)
        significant = eligible & (logrank_p < SIGNIFICANCE)
        reasons = res["reasons"]
        endpoints[endpoint] = EndpointSweep(
            endpoint=endpoint,
            hazard_ratio=_spread(cox["hazard_ratio"], g.column),
            ci_low=_spread(cox["ci_low"], g.column), ci_high=_spread(cox["ci_high"], g.column),
            coef=_spread(cox["coef"], g.column), se=_spread(cox["se"], g.column),
            wald_p=_spread(cox["wald_p"], g.column), lr_p=_spread(cox["lr_p"], g.column),
            logrank_chisq=_spread(lr["chisq"], g.column), logrank_p=logrank_p,
            logrank_z=_spread(lr["z"], g.column),
            median_homogeneous=_spread(res["median1"], g.column),
            median_heterogeneous=_spread(res["median0"], g.column),
            events_homogeneous=_spread(res["events1"], g.column),
            events_heterogeneous=_spread(res["events0"], g.column),
            reasons=tuple(reasons[j] for j in g.column),
            n_significant=int(significant.sum()),
        )
    orr1, orr0, orr_p = _orr(cohort, positions, g)
    n_fragments = per_patient["n_fragments"].to_numpy()[positions]
    return SweepResult(
        settings=settings, cutoffs=c, n_homogeneous=n_homo, n_heterogeneous=n_hetero,
        min_group=int(min_group), eligible=eligible, endpoints=endpoints,
        orr_homogeneous=_spread(orr1, g.column), orr_heterogeneous=_spread(orr0, g.column),
        orr_fisher_p=_spread(orr_p, g.column), n_tried=int(eligible.sum()),
        searched=_searched(settings, c, grid_step, int(min_group), n_fragments, positions.size,
                           scale),
    )

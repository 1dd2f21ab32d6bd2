"""Cox proportional hazards regression and its PH test, as R's ``coxph`` and ``cox.zph``.

Every number here is meant to equal R's ``survival`` package (3.5.3): ``coxph`` with Efron
(default) or Breslow ties, fitted by the same Newton–Raphson as its C routine ``coxfit6``
(start at 0, covariates centred and scaled, step halving when the log-likelihood drops,
convergence when the relative change is ≤ 1e-9, at most 20 iterations); ``summary.coxph``'s
coefficient table with CI ``exp(coef ± z·se)`` and its likelihood-ratio, Wald and score tests;
and ``cox.zph``'s score test (survival ≥ 3.0, ``transform = "km"``) with the scaled Schoenfeld
residuals. See ``shared/r-parity.md`` items 6–11. ``tests/golden/cox.R`` writes R's answers and
``tests/test_cox.py`` checks them.

Vectorised: one sort by (stratum, time), then per iteration one exponential and reverse
cumulative sums of ``exp(η)·[1, x, x xᵀ]`` read off at the start of each tied-time group. Efron's
correction for ``d`` tied events subtracts ``k/d`` of the tied events' sums for the event of tie
rank ``k``, so it is one array operation over events, not a loop over event times. A univariable
fit on 100,000 patients takes a few tens of milliseconds.

Where R would print a number that means nothing, the functions return
:class:`~her2dash.results.Unavailable` with the reason: no patients, no events, a constant or
collinear covariate (R: an NA coefficient), a level without events or any other monotone
likelihood (R: the warning "Loglik converged before variable …; coefficient may be infinite" and
a huge estimate), or no convergence in 20 iterations.

Missing values (time, event, covariate or stratum) drop the patient, as R's ``na.omit``; the
model's ``notes`` say how many. Times go through R's ``timefix`` (``aeqSurv``) as in ``coxph``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from her2dash.results import ConfidenceInterval, Unavailable
from her2dash.survival import distinct_times

Ties = Literal["efron", "breslow"]

# coxph.control() defaults.
_EPS = 1e-9
_TOLER_CHOL = float(np.finfo(float).eps ** 0.75)
_TOLER_INF = float(np.sqrt(_EPS))
_ITER_MAX = 20
# Per-stratum cumulative sums up to this many strata; beyond it one global sum (see _tail_sums).
_MAX_STRATUM_LOOP = 64

NO_PATIENTS = "no patients"
NO_EVENTS = "no events"
WALD_CI = "Wald, exp(coef ± z·se)"


# ---------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class TestStat:
    """A chi-square test: ``statistic`` on ``df`` degrees of freedom, ``pvalue`` = chi2.sf."""

    __test__ = False  # not a pytest test class, despite the name

    statistic: float
    df: int
    pvalue: float
    method: str


@dataclass(frozen=True, slots=True)
class CoxTerm:
    """One coefficient: a row of ``summary.coxph``'s table.

    ``name`` is the design column (``"homo"``, or ``"ecog=1"`` for a factor level); ``covariate``
    the source column. ``level`` is the factor level (``None`` for numeric and binary columns),
    ``reference`` the reference level of a factor or the 0/False value of a binary column
    (``None`` for continuous ones). ``n`` counts patients at this level (the 1/True value of a
    binary column; ``None`` for continuous). ``z`` and ``pvalue`` are the Wald test of the term.
    """

    name: str
    covariate: str
    level: str | None
    reference: str | None
    coef: float
    se: float
    hazard_ratio: float
    ci: ConfidenceInterval
    z: float
    pvalue: float
    n: int | None


@dataclass(frozen=True, slots=True)
class CoxModel:
    """A converged ``coxph`` fit.

    ``loglik_null``/``loglik`` are R's ``fit$loglik`` (β = 0 and β̂). ``lr``, ``wald`` and
    ``score`` are ``summary.coxph``'s global tests (the Wald statistic unrounded). ``iterations``
    is R's ``fit$iter``. ``strata`` names the stratification columns. ``notes`` say what was
    assumed or left out (patients with missing values, unused factor levels).
    """

    terms: tuple[CoxTerm, ...]
    n: int
    n_events: int
    loglik_null: float
    loglik: float
    lr: TestStat
    wald: TestStat
    score: TestStat
    iterations: int
    converged: bool
    ties: str
    strata: tuple[str, ...]
    conf_level: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HazardRatio:
    """Hazard ratio of homogeneous vs heterogeneous (the reference): the paper's HR 0.47.

    ``wald_p``, ``lr_p`` and ``score_p`` are the three tests of ``summary.coxph``; without ties
    and strata the score test is the log-rank test.
    """

    estimate: float
    ci: ConfidenceInterval
    coef: float
    se: float
    wald_p: float
    lr_p: float
    score_p: float
    n: int
    n_events: int
    ties: str
    reference: str = "heterogeneous"
    strata: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class PHTest:
    """``cox.zph``: score test of proportional hazards per term and globally.

    One entry per source covariate (a factor's levels are tested together, df = levels − 1).
    The residual arrays are for a plot of β(t): one row per event, sorted by stratum then time;
    ``transformed_time`` is ``cox.zph``'s ``x`` (the KM transform 1 − S(t−)), ``time`` its
    ``time``, ``stratum`` the stratum label of each row (``None`` unstratified), and
    ``scaled_residuals[j]`` its ``y[, j]`` (NaN where R has NA: a term constant in that stratum).
    """

    terms: tuple[str, ...]
    chisq: tuple[float, ...]
    df: tuple[int, ...]
    pvalue: tuple[float, ...]
    global_chisq: float
    global_df: int
    global_pvalue: float
    transform: str
    transformed_time: np.ndarray
    time: np.ndarray
    scaled_residuals: tuple[np.ndarray, ...]
    stratum: tuple[str, ...] | None = None


# ---------------------------------------------------------------------------- design


@dataclass(frozen=True, slots=True)
class _Covariate:
    """One source column and how it became design columns."""

    name: str
    kind: str  # "continuous" | "binary" | "factor"
    columns: tuple[int, ...]  # indices into the design matrix
    codes: np.ndarray | None  # level of each patient (binary and factor), 0 = reference
    where: tuple[str, ...]  # each level in words, for "no events in …"


@dataclass(frozen=True, slots=True, eq=False)
class _Prepared:
    time: np.ndarray
    event: np.ndarray
    x: np.ndarray  # (n, p), original scale
    stratum: np.ndarray  # codes 0..k-1 in sorted-label order
    stratum_labels: tuple[str, ...]
    terms: tuple[tuple[str, str, str | None, str | None, int | None], ...]
    covariates: tuple[_Covariate, ...]
    strata_names: tuple[str, ...]
    notes: tuple[str, ...]


def _as_frame(obj: pd.DataFrame | pd.Series | None, default: str) -> pd.DataFrame | None:
    if obj is None:
        return None
    if isinstance(obj, pd.Series):
        return obj.to_frame(name=obj.name if obj.name is not None else default)
    if isinstance(obj, pd.DataFrame):
        return obj
    return pd.DataFrame({default: np.asarray(obj)})


def _is_bool_column(col: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(col.dtype):
        return True
    if col.dtype == object:
        values = col.dropna()
        return len(values) > 0 and all(isinstance(v, bool | np.bool_) for v in values)
    return False


def _label(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _factor_levels(col: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Codes and levels: a Categorical's own order, else sorted (numbers numerically)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = np.asarray(col.cat.codes, dtype=np.int64)
        categories = list(col.cat.categories)
        used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
        if used.all():  # the usual case; remove_unused_categories costs ~0.2 ms a call
            return codes, categories
        remap = np.cumsum(used) - 1
        return (np.where(codes >= 0, remap[np.maximum(codes, 0)], -1),
                [c for c, u in zip(categories, used, strict=True) if u])
    try:
        codes, levels = pd.factorize(col, sort=True)
    except TypeError:  # mixed types: sort by their text
        codes, levels = pd.factorize(col.map(str), sort=True)
    return np.asarray(codes, dtype=np.int64), list(levels)


def _prepare(time: object, event: object, design: pd.DataFrame | pd.Series, strata: object,
             reference_labels: Mapping[str, str] | None) -> _Prepared | Unavailable:
    """Validate, drop missing rows (na.omit), expand factors; Unavailable for degenerate data."""
    frame = _as_frame(design, "x")
    if frame is None:
        raise ValueError("design is required")
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.ndim != 1 or e.shape != t.shape:
        raise ValueError(f"time and event must be 1-D of equal length, got {t.shape}, {e.shape}")
    if len(frame) != t.size:
        raise ValueError(f"design has {len(frame)} rows but time has {t.size}")
    if frame.shape[1] == 0:
        raise ValueError("design has no columns")
    if len(set(map(str, frame.columns))) != frame.shape[1]:
        raise ValueError("design column names must be distinct")
    sframe = _as_frame(strata, "strata")
    if sframe is not None and len(sframe) != t.size:
        raise ValueError(f"strata has {len(sframe)} rows but time has {t.size}")

    missing = {"time": np.isnan(t), "event": np.isnan(e)}
    for c in frame.columns:
        missing[str(c)] = np.asarray(frame[c].isna(), dtype=bool)
    if sframe is not None:
        for c in sframe.columns:
            missing[f"stratum {c}"] = np.asarray(sframe[c].isna(), dtype=bool)
    drop = np.logical_or.reduce(list(missing.values()))
    notes: list[str] = []
    if drop.any():
        counts = ", ".join(f"{k} ({int(v.sum())})" for k, v in missing.items() if v.any())
        notes.append(f"{int(drop.sum())} of {t.size} patients left out for a missing value "
                     f"(R's na.omit): {counts}")
    keep = ~drop
    t, e = t[keep], e[keep]
    if t.size == 0:
        return Unavailable(NO_PATIENTS)
    if np.isinf(t).any() or (t < 0).any():
        raise ValueError("survival times must be finite and ≥ 0")
    if not np.isin(e, (0.0, 1.0)).all():
        raise ValueError("event must be 0/1 (1 = event, 0 = censored)")
    if not e.any():
        return Unavailable(NO_EVENTS)
    if drop.any():  # positional: the design's own index may not be unique or sorted
        frame = frame.iloc[np.flatnonzero(keep)]
    refs = dict(reference_labels or {})

    columns: list[np.ndarray] = []
    terms: list[tuple[str, str, str | None, str | None, int | None]] = []
    covariates: list[_Covariate] = []
    for c in frame.columns:
        name = str(c)
        col = frame[c]
        if _is_bool_column(col) or pd.api.types.is_numeric_dtype(col.dtype):
            x = np.asarray(col, dtype=float)
            if np.isinf(x).any():
                raise ValueError(f"column {name!r} has infinite values")
            values = np.unique(x)
            if values.size == 1:
                return Unavailable(f"{name!r} is constant (every patient has "
                                   f"{_label(values[0])}), so it has no hazard ratio")
            if np.isin(values, (0.0, 1.0)).all():
                zero, one = ("False", "True") if _is_bool_column(col) else ("0", "1")
                ref = refs.get(name, zero)
                where = (f"{name} = {zero}" + (f" ({ref})" if name in refs else ""),
                         f"{name} = {one}")
                covariates.append(_Covariate(name, "binary", (len(columns),),
                                             x.astype(np.int64), where))
                terms.append((name, name, None, ref, int(x.sum())))
            else:
                covariates.append(_Covariate(name, "continuous", (len(columns),), None, ()))
                terms.append((name, name, None, None, None))
            columns.append(x)
            continue
        codes, levels = _factor_levels(col)
        if len(levels) == 1:
            return Unavailable(f"{name!r} is constant (every patient has "
                               f"{_label(levels[0])}), so it has no hazard ratio")
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = set(levels)
            unused = [_label(v) for v in col.cat.categories if v not in present]
            if unused:
                notes.append(f"{name}: level(s) without patients dropped: {', '.join(unused)}")
        labels = [_label(v) for v in levels]
        first = len(columns)
        for j in range(1, len(levels)):
            columns.append((codes == j).astype(float))
            terms.append((f"{name}={labels[j]}", name, labels[j], labels[0],
                          int((codes == j).sum())))
        where = tuple(f"{name} = {lab}" + (" (the reference level)" if j == 0 else "")
                      for j, lab in enumerate(labels))
        covariates.append(_Covariate(name, "factor", tuple(range(first, len(columns))),
                                     codes, where))

    strata_names: tuple[str, ...] = ()
    s_code = np.zeros(t.size, dtype=np.int64)
    s_labels: tuple[str, ...] = ("",)
    if sframe is not None:
        if drop.any():
            sframe = sframe.iloc[np.flatnonzero(keep)]
        strata_names = tuple(str(c) for c in sframe.columns)
        # R's strata(a, b): levels sorted by a, then b (the first variable varies slowest).
        codes = [_factor_levels(sframe[c]) for c in sframe.columns]
        key = np.zeros(t.size, dtype=np.int64)
        for code, levels in codes:
            key = key * len(levels) + code
        s_code, uniq = pd.factorize(key, sort=True)
        s_code = np.asarray(s_code, dtype=np.int64)
        # R's labels: "a" for one character/factor column (shortlabel), else "s1=a, s2=b"
        # with the later variables' "name=level" padded to a common width (format()).
        short = all(not (pd.api.types.is_numeric_dtype(sframe[c].dtype)
                         or _is_bool_column(sframe[c])) for c in sframe.columns)
        texts = []
        for i, ((_, levels), cname) in enumerate(zip(codes, strata_names, strict=True)):
            labs = [_label(v) if short else f"{cname}={_label(v)}" for v in levels]
            if i > 0 and not short:
                width = max(len(x) for x in labs)
                labs = [x.ljust(width) for x in labs]
            texts.append(labs)
        labels = []
        for k in np.asarray(uniq):
            parts = []
            for labs in reversed(texts):
                parts.append(labs[k % len(labs)])
                k //= len(labs)
            labels.append(", ".join(reversed(parts)))
        s_labels = tuple(labels)
    return _Prepared(
        time=t, event=e.astype(bool), x=np.column_stack(columns), stratum=s_code,
        stratum_labels=s_labels, terms=tuple(terms), covariates=tuple(covariates),
        strata_names=strata_names, notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- risk sets


@dataclass(frozen=True, slots=True, eq=False)
class _RiskSets:
    """Patients sorted by (stratum, time), grouped into cells of equal (stratum, time).

    The risk set of an event is everyone in its stratum with time ≥ its time: its cell and the
    cells after it up to the end of the stratum. ``frac`` is Efron's k/d for the event of tie
    rank k among the d events of its cell (0 for Breslow).
    """

    order: np.ndarray  # sorted position -> original row
    times: np.ndarray  # distinct times after timefix; ``time_index`` points into it
    time_index: np.ndarray  # per sorted patient
    cell_start: np.ndarray  # first sorted position of each cell
    cell_stratum_start: np.ndarray  # first cell of each stratum
    cell_stratum_end: np.ndarray  # one past the last cell of each stratum
    cell_end: np.ndarray  # per cell: one past the last cell of its stratum
    event_sorted: np.ndarray  # per sorted patient: 1.0 for an event
    events: np.ndarray  # sorted positions of events, ascending
    event_cell: np.ndarray  # per tied-event group: its cell
    group_first_event: np.ndarray  # per tied-event group: index into ``events`` of its first
    group_size: np.ndarray  # per tied-event group: d
    event_group: np.ndarray  # per event: its group
    frac: np.ndarray  # per event

    @property
    def n(self) -> int:
        return self.order.size


def _risk_sets(time: np.ndarray, event: np.ndarray, stratum: np.ndarray,
               ties: str) -> _RiskSets:
    uniq, tix = distinct_times(time)  # R's timefix (aeqSurv), as in coxph
    key = stratum * uniq.size + tix
    order = np.argsort(key, kind="stable")
    key_s = key[order]
    ev_s = event[order]
    cell_start = np.flatnonzero(np.r_[True, key_s[1:] != key_s[:-1]])
    cell_of = np.cumsum(np.r_[True, key_s[1:] != key_s[:-1]]) - 1  # per sorted patient
    s_cell = stratum[order][cell_start]
    stratum_first = np.flatnonzero(np.r_[True, s_cell[1:] != s_cell[:-1]])
    stratum_end = np.r_[stratum_first[1:], cell_start.size]
    cell_end = np.repeat(stratum_end, np.diff(np.r_[stratum_first, cell_start.size]))
    events = np.flatnonzero(ev_s)
    ev_cell = cell_of[events]
    first = np.r_[True, ev_cell[1:] != ev_cell[:-1]]
    group_first_event = np.flatnonzero(first)
    event_group = np.cumsum(first) - 1
    d = np.diff(np.r_[group_first_event, events.size])
    if ties == "efron":
        frac = (np.arange(events.size) - group_first_event[event_group]) / d[event_group]
    else:
        frac = np.zeros(events.size)
    return _RiskSets(
        order=order, times=uniq, time_index=tix[order], cell_start=cell_start,
        cell_stratum_start=stratum_first, cell_stratum_end=stratum_end, cell_end=cell_end,
        event_sorted=ev_s.astype(float), events=events, event_cell=ev_cell[group_first_event],
        group_first_event=group_first_event, group_size=d, event_group=event_group, frac=frac,
    )


def _tail_sums(cells: np.ndarray, rs: _RiskSets) -> np.ndarray:
    """Σ over each cell and the later cells of its stratum: reverse cumulative sums, (q, cells).

    With few strata, one cumulative sum per stratum. With many (e.g. thousands of one-patient
    strata) one global sum differenced at each stratum's end, whose rounding error is eps
    times the whole cohort's sum: harmless next to the stratum's own.
    """
    if rs.cell_stratum_start.size == 1:
        return np.cumsum(cells[:, ::-1], axis=1)[:, ::-1]
    if rs.cell_stratum_start.size <= _MAX_STRATUM_LOOP:
        out = np.empty_like(cells)
        for a, b in zip(rs.cell_stratum_start, rs.cell_stratum_end, strict=True):
            out[:, a:b] = np.cumsum(cells[:, a:b][:, ::-1], axis=1)[:, ::-1]
        return out
    c = np.hstack([np.cumsum(cells[:, ::-1], axis=1)[:, ::-1], np.zeros((cells.shape[0], 1))])
    return c[:, :-1] - c[:, rs.cell_end]


@dataclass(frozen=True, slots=True, eq=False)
class _Pieces:
    """What ``coxfit6_iter`` (and ``zph1``) accumulate at one β, plus per-group detail."""

    loglik: float
    u: np.ndarray  # (p,)
    imat: np.ndarray  # (p, p)
    group_mean: np.ndarray  # (groups, p): Σ over the group's Efron terms of the x̄ of each
    group_v: np.ndarray  # (groups, p, p): the group's contribution to the information


class _Engine:
    """Log-likelihood, score and information of the Cox partial likelihood at β.

    For a cell with d tied events, risk-set sums S and the events' own sums D, the event of tie
    rank k contributes through the Efron denominator S₀ − (k/d)·D₀ (Breslow: k/d = 0). Sums over
    a group's events of 1/den, f/den, 1/den², f/den², f²/den² (f = k/d) are scalars per event,
    so the score and information need per-event arithmetic on scalars only:
    Σ x̄ = S₁·A − D₁·B, Σ x̄x̄ᵀ = S₁S₁ᵀ·A₂ − (S₁D₁ᵀ + D₁S₁ᵀ)·B₂ + D₁D₁ᵀ·C₂.
    """

    def __init__(self, x: np.ndarray, rs: _RiskSets) -> None:
        self.rs = rs
        self.x = x[rs.order]  # sorted, (n, p)
        p = x.shape[1]
        self.p = p
        self.iu = np.triu_indices(p)
        # Rows 1, x (p), x xᵀ upper triangle: one contiguous row per quantity for fast sums.
        xt = np.ascontiguousarray(self.x.T)
        self.zt = np.empty((1 + p + self.iu[0].size, xt.shape[1]))
        self.zt[0] = 1.0
        self.zt[1:1 + p] = xt
        np.multiply(xt[self.iu[0]], xt[self.iu[1]], out=self.zt[1 + p:])
        self.x_events = self.x[rs.events]
        self.x_group = np.add.reduceat(self.x_events, rs.group_first_event, axis=0)

    def pieces(self, beta: np.ndarray, *, detail: bool = False) -> _Pieces:
        rs, p, iu = self.rs, self.p, self.iu
        eta = self.x @ beta
        w = np.exp(eta) * self.zt  # (q, n)
        at_risk = _tail_sums(np.add.reduceat(w, rs.cell_start, axis=1), rs)[:, rs.event_cell]
        dead = np.add.reduceat(w * rs.event_sorted, rs.cell_start, axis=1)[:, rs.event_cell]
        g, f = rs.event_group, rs.frac
        denom = at_risk[0, g] - f * dead[0, g]
        inv = 1.0 / denom
        first = rs.group_first_event

        def per_group(v: np.ndarray) -> np.ndarray:
            return np.add.reduceat(v, first)

        a1, b1 = per_group(inv), per_group(f * inv)
        inv2 = inv * inv
        a2, b2, c2 = per_group(inv2), per_group(f * inv2), per_group(f * f * inv2)
        s1, d1 = at_risk[1:1 + p], dead[1:1 + p]  # (p, groups)
        s2, d2 = at_risk[1 + p:], dead[1 + p:]  # (tri, groups)
        mean = s1 * a1 - d1 * b1  # (p, groups)
        i, j = iu
        v = (s2 * a1 - d2 * b1
             - (s1[i] * s1[j] * a2 - (s1[i] * d1[j] + d1[i] * s1[j]) * b2 + d1[i] * d1[j] * c2))
        loglik = float(eta[rs.events].sum() - np.log(denom).sum())
        u = self.x_group.sum(axis=0) - mean.sum(axis=1)
        imat = _symmetric(v.sum(axis=1), iu, p)
        group_v = np.empty((0, p, p))
        if detail:
            group_v = np.zeros((v.shape[1], p, p))
            group_v[:, i, j] = v.T
            group_v[:, j, i] = v.T
        return _Pieces(loglik=loglik, u=u, imat=imat, group_mean=mean.T, group_v=group_v)


def _symmetric(tri: np.ndarray, iu: tuple[np.ndarray, np.ndarray], p: int) -> np.ndarray:
    m = np.zeros((p, p))
    m[iu] = tri
    return m + np.triu(m, 1).T


# ---------------------------------------------------------------------------- linear algebra


def _cholesky2(m: np.ndarray, toler: float = _TOLER_CHOL) -> tuple[np.ndarray, np.ndarray]:
    """R's ``cholesky2``: m = F D Fᵀ; a pivot below toler·max(diag) is set to 0 (a redundant
    column). Returns (F unit lower triangular, D)."""
    n = m.shape[0]
    a = m.astype(float).copy()
    diag = np.diag(a)
    big = diag[np.isfinite(diag)].max(initial=0.0)
    f = np.eye(n)
    d = np.zeros(n)
    if big <= 0:
        return f, d
    eps = big * toler
    for i in range(n):
        pivot = a[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            continue
        d[i] = pivot
        col = a[i + 1:, i].copy()
        a[i + 1:, i + 1:] -= np.outer(col, col) / pivot
        f[i + 1:, i] = col / pivot
    return f, d


def _chsolve2(f: np.ndarray, d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """R's ``chsolve2``: solve (F D Fᵀ) b = y, with b = 0 for redundant columns."""
    n = d.size
    b = y.astype(float).copy()
    for i in range(n):
        b[i] -= f[i, :i] @ b[:i]
    for i in range(n - 1, -1, -1):
        b[i] = 0.0 if d[i] == 0 else b[i] / d[i] - f[i + 1:, i] @ b[i + 1:]
    return b


# ---------------------------------------------------------------------------- Newton–Raphson


@dataclass(frozen=True, slots=True, eq=False)
class _Fit:
    coef: np.ndarray  # original scale
    var: np.ndarray
    u: np.ndarray  # score at coef, original scale
    loglik0: float
    loglik: float
    score_test: float
    iterations: int
    converged: bool
    singular: np.ndarray  # columns with a zero pivot at the final β


def _newton(x: np.ndarray, rs: _RiskSets, max_iter: int) -> tuple[_Fit, np.ndarray]:
    """``coxfit6``: centred and scaled covariates, Newton–Raphson with step halving.

    Returns the fit and the zero-pivot columns of the information at β = 0 (collinearity).
    """
    mean = x.mean(axis=0)
    xc = x - mean
    spread = np.abs(xc).mean(axis=0)
    scale = np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1.0), 1.0)
    engine = _Engine(xc * scale, rs)
    p = x.shape[1]

    beta = np.zeros(p)
    pc = engine.pieces(beta)
    loglik0 = pc.loglik
    f, d = _cholesky2(pc.imat)
    singular0 = d == 0
    step = _chsolve2(f, d, pc.u)
    score_test = float(pc.u @ step)
    if singular0.any():
        fit = _Fit(beta, np.zeros((p, p)), pc.u, loglik0, loglik0, score_test, 0, False,
                   singular0)
        return fit, singular0

    best = loglik0
    new_beta = beta + step
    halving = 0
    converged = False
    iterations = max_iter + 1  # R's counter when the loop runs out
    for it in range(1, max_iter + 1):
        pc = engine.pieces(new_beta)
        f, d = _cholesky2(pc.imat)
        finite = (np.isfinite(pc.loglik) and np.isfinite(pc.u).all()
                  and np.isfinite(pc.imat).all())
        # R: fabs(1 - loglik/newlk) <= eps; a log-likelihood of exactly 0 never converges.
        change = abs(1.0 - best / pc.loglik) if pc.loglik != 0 else np.inf
        if finite and change <= _EPS:
            best = pc.loglik
            beta = new_beta
            converged = True
            iterations = it
            break
        if not finite or pc.loglik < best:
            halving += 1
            new_beta = (new_beta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = pc.loglik
            step = _chsolve2(f, d, pc.u)
            beta = new_beta
            new_beta = new_beta + step
    else:
        pc = engine.pieces(beta)
        best = pc.loglik
        f, d = _cholesky2(pc.imat)

    singular = d == 0
    var_scaled = np.zeros((p, p))
    ok = ~singular
    if ok.any():
        var_scaled[np.ix_(ok, ok)] = np.linalg.inv(pc.imat[np.ix_(ok, ok)])
    fit = _Fit(
        coef=beta * scale, var=var_scaled * np.outer(scale, scale), u=pc.u / scale,
        loglik0=loglik0, loglik=best, score_test=score_test, iterations=iterations,
        converged=converged, singular=singular,
    )
    return fit, singular0


def _events_per_level(prep: _Prepared) -> str | None:
    """A binary or factor level with patients but no events: its coefficient is infinite."""
    for cov in prep.covariates:
        if cov.codes is None:
            continue
        k = len(cov.where)
        size = np.bincount(cov.codes, minlength=k)
        dead = np.bincount(cov.codes, weights=prep.event, minlength=k)
        empty = np.flatnonzero((size > 0) & (dead == 0))
        if empty.size:
            j = int(empty[0])
            # A factor level: its own column. The reference (or a binary column): all of them.
            cols = (cov.columns[j - 1],) if cov.kind == "factor" and j > 0 else cov.columns
            names = ", ".join(repr(prep.terms[c][0]) for c in cols)
            number = ",".join(str(c + 1) for c in cols)
            return (f"not estimable: no events in {cov.where[j]} (monotone likelihood: the "
                    f"coefficient of {names} is infinite; R's coxph warns \"Loglik converged "
                    f"before variable {number}; coefficient may be infinite\" and prints a "
                    f"huge estimate)")
    return None


def _uninformative(prep: _Prepared) -> int | None:
    """The first column that varies in no risk set at an event time, or None.

    A stratum's largest risk set is the one at its first event time, and the later ones are
    subsets of it, so a column carries information iff it varies among the patients of some
    stratum whose time is ≥ that stratum's first event time. Exact, unlike a tolerance on a
    computed information that is 0 up to rounding.
    """
    k = len(prep.stratum_labels)
    first_event = np.full(k, np.inf)
    np.minimum.at(first_event, prep.stratum[prep.event], prep.time[prep.event])
    rows = prep.time >= first_event[prep.stratum]
    x = prep.x[rows]
    if k == 1:
        varies = x.max(axis=0) > x.min(axis=0)
    else:
        by = pd.DataFrame(x).groupby(prep.stratum[rows])
        varies = (by.max().to_numpy() > by.min().to_numpy()).any(axis=0)
    return None if varies.all() else int(np.flatnonzero(~varies)[0])


@dataclass(frozen=True, slots=True, eq=False)
class _Fitted:
    prep: _Prepared
    rs: _RiskSets
    fit: _Fit


def _fit(time: object, event: object, design: pd.DataFrame | pd.Series, strata: object,
         ties: str, reference_labels: Mapping[str, str] | None,
         max_iter: int, shared: _RiskSets | None = None) -> _Fitted | Unavailable:
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    prep = _prepare(time, event, design, strata, reference_labels)
    if isinstance(prep, Unavailable):
        return prep
    flat = _uninformative(prep)
    if flat is not None:
        within = " within a stratum" if prep.strata_names else ""
        return Unavailable(f"not estimable: {prep.terms[flat][0]!r} does not vary among the "
                           f"patients at risk at any event time{within}, so it carries no "
                           f"information (R's coxph gives an NA coefficient)")
    reason = _events_per_level(prep)
    if reason is not None:
        return Unavailable(reason)
    # ``shared`` holds the risk sets of the unstratified, complete (time, event): valid when no
    # row was dropped, and the sort is the single largest cost of a fit on a big cohort.
    unchanged = shared is not None and not prep.strata_names and prep.time.size == shared.n
    rs = shared if unchanged else _risk_sets(prep.time, prep.event, prep.stratum, ties)
    fit, singular0 = _newton(prep.x, rs, max_iter)
    if singular0.any():
        name = prep.terms[int(np.flatnonzero(singular0)[0])][0]
        within = " within strata" if prep.strata_names else ""
        return Unavailable(f"not estimable: {name!r} is collinear with the other covariates (a "
                           f"linear combination of them among the patients at risk{within}); "
                           f"R's coxph gives it an NA coefficient")
    if not fit.converged:
        return Unavailable(f"not estimable: coxph did not converge in {max_iter} iterations "
                           f"(R warns \"Ran out of iterations and did not converge\")")
    if fit.singular.any():
        j = int(np.flatnonzero(fit.singular)[0])
        return Unavailable(f"not estimable: the information for {prep.terms[j][0]!r} vanished "
                           f"while fitting (monotone likelihood: its coefficient diverges)")
    # R's check after convergence: the next Newton step is still large for a coefficient that
    # runs off to ±infinity.
    infs = np.abs(fit.var @ fit.u)
    infinite = (infs > _EPS) & (infs > _TOLER_INF * np.abs(fit.coef))
    if infinite.any():
        cols = np.flatnonzero(infinite)
        names = ", ".join(repr(prep.terms[c][0]) for c in cols)
        number = ",".join(str(c + 1) for c in cols)
        return Unavailable(f"not estimable: the likelihood is monotone in {names} (its "
                           f"coefficient runs off to infinity); R's coxph warns \"Loglik "
                           f"converged before variable {number}; coefficient may be infinite\"")
    return _Fitted(prep, rs, fit)


def _z(conf_level: float) -> float:
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be in (0, 1), got {conf_level}")
    return float(special.ndtri(1.0 - (1.0 - conf_level) / 2.0))


def _model(fitted: _Fitted, ties: str, conf_level: float) -> CoxModel:
    prep, fit = fitted.prep, fitted.fit
    zq = _z(conf_level)
    se = np.sqrt(np.diag(fit.var))
    z = fit.coef / se
    pvals = 2.0 * special.ndtr(-np.abs(z))
    terms = tuple(
        CoxTerm(
            name=name, covariate=cov, level=level, reference=ref, coef=float(b), se=float(s),
            hazard_ratio=float(np.exp(b)),
            ci=ConfidenceInterval(float(np.exp(b - zq * s)), float(np.exp(b + zq * s)),
                                  conf_level, WALD_CI),
            z=float(zz), pvalue=float(pv), n=n,
        )
        for (name, cov, level, ref, n), b, s, zz, pv in zip(prep.terms, fit.coef, se, z, pvals,
                                                            strict=True)
    )
    p = fit.coef.size
    lr = 2.0 * (fit.loglik - fit.loglik0)
    wald = float(fit.coef @ np.linalg.solve(fit.var, fit.coef))
    return CoxModel(
        terms=terms, n=int(prep.time.size), n_events=int(prep.event.sum()),
        loglik_null=float(fit.loglik0), loglik=float(fit.loglik),
        lr=TestStat(float(lr), p, float(special.chdtrc(p, lr)), "likelihood ratio"),
        wald=TestStat(wald, p, float(special.chdtrc(p, wald)), "Wald"),
        score=TestStat(fit.score_test, p, float(special.chdtrc(p, fit.score_test)),
                       "score (log-rank)"),
        iterations=int(fit.iterations), converged=fit.converged, ties=ties,
        strata=prep.strata_names, conf_level=float(conf_level), notes=prep.notes,
    )


# ---------------------------------------------------------------------------- public API


def fit_cox(time: object, event: object, design: pd.DataFrame | pd.Series, *,
            strata: pd.DataFrame | pd.Series | None = None, ties: Ties = "efron",
            conf_level: float = 0.95, reference_labels: Mapping[str, str] | None = None,
            max_iter: int = _ITER_MAX) -> CoxModel | Unavailable:
    """Fit a Cox proportional hazards model, as ``coxph``.

    Parameters
    ----------
    time, event
        Follow-up (≥ 0) and 1 = event / 0 = censored, one per patient.
    design
        One column per covariate. Bool and numeric columns enter as they are (a 0/1 or bool
        column is "binary": its term reports the reference and the patients at 1/True).
        Other columns (str, object, category) become treatment contrasts against their first
        level: a pandas Categorical's first category, else the first in sorted order (numbers
        numerically), as R's ``factor()``; levels are named ``"col=level"``.
    strata
        Optional stratification column(s): shared coefficients, a baseline hazard per stratum
        (several columns: one stratum per combination). A one-patient stratum is legal.
    ties
        ``"efron"`` (R's default) or ``"breslow"``.
    reference_labels
        What the 0/False value of a binary column is called, e.g.
        ``{"homogeneous": "heterogeneous"}``; default ``"0"``/``"False"``.
    max_iter
        ``coxph.control(iter.max)``.

    Returns
    -------
    CoxModel, or Unavailable when there are no patients or no events, a covariate is constant
    or collinear, a level has no events (or the likelihood is otherwise monotone), or the fit
    does not converge.

    Notes
    -----
    Rows with any missing value are dropped (R's ``na.omit``) and counted in ``notes``.
    Character levels sort by code point; R sorts them in the locale's collation, which can
    differ for mixed-case labels.

    References
    ----------
    ``survival::coxph(Surv(time, event) ~ x1 + factor(x2) (+ strata(s)), ties = ties)`` and
    ``summary.coxph`` (conf.int = conf_level); ``coxph.control()`` defaults (eps = 1e-9,
    toler.chol = eps^0.75, toler.inf = sqrt(eps)).
    """
    _z(conf_level)
    fitted = _fit(time, event, design, strata, ties, reference_labels, max_iter)
    if isinstance(fitted, Unavailable):
        return fitted
    return _model(fitted, ties, conf_level)


def hazard_ratio(time: object, event: object, is_homogeneous: object, *,
                 strata: pd.DataFrame | pd.Series | None = None, conf_level: float = 0.95,
                 ties: Ties = "efron") -> HazardRatio | Unavailable:
    """Hazard ratio of homogeneous vs heterogeneous patients (reference: heterogeneous).

    Returns
    -------
    HazardRatio, or Unavailable when there are no patients or events, one group is empty, or
    one group has no events ("not estimable: no events in the … group").

    References
    ----------
    ``coxph(Surv(time, event) ~ homogeneous (+ strata(s)), ties = ties)``; the estimate, CI and
    Wald p of ``summary.coxph``, and its likelihood-ratio and score tests.
    """
    _z(conf_level)
    flag = pd.Series(is_homogeneous).reset_index(drop=True)
    homo_all = np.asarray(flag.astype(float) if flag.dtype == object else flag, dtype=float)
    if not np.isin(homo_all[~np.isnan(homo_all)], (0.0, 1.0)).all():
        raise ValueError("is_homogeneous must be True/False (or 1/0)")
    design = pd.DataFrame({"homogeneous": homo_all})
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.shape != homo_all.shape or e.shape != t.shape:
        raise ValueError("time, event and is_homogeneous must have equal length")
    usable = ~(np.isnan(t) | np.isnan(e) | np.isnan(homo_all))
    sframe = _as_frame(strata, "strata")
    if sframe is not None:
        usable &= ~sframe.reset_index(drop=True).isna().any(axis=1).to_numpy()
    homo = homo_all[usable] == 1.0
    if usable.any() and np.nansum(e[usable]) > 0:
        for value, label in ((True, "homogeneous"), (False, "heterogeneous")):
            members = homo == value
            if not members.any():
                return Unavailable(f"no {label} patients: the hazard ratio needs both groups")
            if not e[usable][members].any():
                return Unavailable(f"not estimable: no events in the {label} group (monotone "
                                   f"likelihood: the hazard ratio is {'0' if value else '∞'}; "
                                   f"R's coxph warns that the coefficient may be infinite)")
    model = fit_cox(t, e, design, strata=strata, ties=ties, conf_level=conf_level,
                    reference_labels={"homogeneous": "heterogeneous"})
    if isinstance(model, Unavailable):
        return model
    term = model.terms[0]
    return HazardRatio(
        estimate=term.hazard_ratio, ci=term.ci, coef=term.coef, se=term.se,
        wald_p=term.pvalue, lr_p=model.lr.pvalue, score_p=model.score.pvalue, n=model.n,
        n_events=model.n_events, ties=ties, strata=model.strata,
    )


def univariable_cox(time: object, event: object, covariates: pd.DataFrame, *,
                    conf_level: float = 0.95,
                    ties: Ties = "efron") -> dict[str, CoxModel | Unavailable]:
    """One Cox model per covariate column (the seed paper's ESM 4), keyed by column name.

    Each model drops only the patients missing that covariate, as separate ``coxph`` calls do.
    """
    _z(conf_level)
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    shared = None
    # Without events there is nothing to share, and each fit says "no events" on its own.
    complete = t.ndim == 1 and e.shape == t.shape and t.size > 0
    if complete and not (np.isnan(t) | np.isnan(e)).any() and (e == 1).any():
        shared = _risk_sets(t, e.astype(bool), np.zeros(t.size, dtype=np.int64), ties)
    out: dict[str, CoxModel | Unavailable] = {}
    for c in covariates.columns:
        fitted = _fit(t, e, covariates[c], None, ties, None, _ITER_MAX, shared)
        out[str(c)] = fitted if isinstance(fitted, Unavailable) else _model(fitted, ties,
                                                                            conf_level)
    return out


def proportional_hazards_test(time: object, event: object, design: pd.DataFrame | pd.Series, *,
                              strata: pd.DataFrame | pd.Series | None = None,
                              ties: Ties = "efron") -> PHTest | Unavailable:
    """Test proportional hazards of a Cox model, as ``cox.zph(fit)`` (survival ≥ 3.0).

    The score test of adding β·g(t)·x for each term, with g the KM transform 1 − S(t−) of the
    whole cohort, centred at its mean over events; per term (a factor's levels jointly) and
    GLOBAL. Also the scaled Schoenfeld residuals + β̂, ``cox.zph``'s ``y``.

    Returns
    -------
    PHTest, or the Unavailable of the model fit.

    References
    ----------
    ``survival::cox.zph(coxph(...), transform = "km", terms = TRUE, global = TRUE)`` (C routine
    ``zph1``); not the pre-3.0 correlation test.
    """
    fitted = _fit(time, event, design, strata, ties, None, _ITER_MAX)
    if isinstance(fitted, Unavailable):
        return fitted
    return _zph(fitted)


def fit_cox_with_ph_test(time: object, event: object, design: pd.DataFrame | pd.Series, *,
                         strata: pd.DataFrame | pd.Series | None = None, ties: Ties = "efron",
                         conf_level: float = 0.95
                         ) -> tuple[CoxModel | Unavailable, PHTest | Unavailable]:
    """:func:`fit_cox` and :func:`proportional_hazards_test` of the same model from one fit
    (``fit <- coxph(...); cox.zph(fit)``), as the Cox page shows both."""
    _z(conf_level)
    fitted = _fit(time, event, design, strata, ties, None, _ITER_MAX)
    if isinstance(fitted, Unavailable):
        return fitted, fitted
    return _model(fitted, ties, conf_level), _zph(fitted)


# ---------------------------------------------------------------------------- cox.zph


def _zph(fitted: _Fitted) -> PHTest | Unavailable:
    prep, rs, fit = fitted.prep, fitted.rs, fitted.fit
    p = prep.x.shape[1]
    x = prep.x - prep.x.mean(axis=0)  # zph1 recentres; the risk scores use the fit's β
    engine = _Engine(x, rs)
    pc = engine.pieces(fit.coef, detail=True)

    # KM transform over the whole cohort, strata ignored: 1 − S(t−) at each distinct time.
    tix = rs.time_index
    m = int(tix.max()) + 1
    n_at = np.bincount(tix, minlength=m)
    dead = np.bincount(tix, weights=prep.event[rs.order], minlength=m)
    n_risk = tix.size - np.cumsum(n_at) + n_at
    surv = np.cumprod(1.0 - dead / n_risk)
    ttimes = 1.0 - np.r_[1.0, surv[:-1]][tix]  # per sorted patient
    g_all = ttimes[rs.events]
    g = g_all - g_all.mean()
    if not g.any():
        return Unavailable("the proportional hazards test needs events at more than one time")

    # u = (0, Σ g·(x − x̄)), information in 2p × 2p blocks, as zph1. g is constant within a
    # tied-event group (same stratum and time).
    g_group = g[rs.group_first_event]
    u2 = g_group @ (engine.x_group - pc.group_mean)
    i11 = pc.group_v.sum(axis=0)
    i12 = np.einsum("g,gij->ij", g_group, pc.group_v)
    i22 = np.einsum("g,gij->ij", g_group * g_group, pc.group_v)
    imat = np.block([[i11, i12], [i12.T, i22]])
    u = np.r_[np.zeros(p), u2]

    covs = prep.covariates
    chisq, dfs = [], []
    try:
        for cov in covs:
            kk = np.r_[np.arange(p), p + np.array(cov.columns)]
            uu = u[kk]
            chisq.append(float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu)))
            dfs.append(len(cov.columns))
        global_chisq = float(u @ np.linalg.solve(imat, u))
    except np.linalg.LinAlgError:
        # R's solve() stops with "system is computationally singular".
        return Unavailable("the proportional hazards test is not defined: its information "
                           "matrix is singular (a covariate's effect cannot be separated from "
                           "its effect × time)")

    # Schoenfeld residuals: x minus the average over the event's tie group of its Efron means.
    schoen = engine.x_events - (pc.group_mean / rs.group_size[:, None])[rs.event_group]

    # used[s, j]: events in stratum s if column j varies there, else 0 (zph1).
    stratum_sorted = prep.stratum[rs.order]
    n_strata = len(prep.stratum_labels)
    xs = prep.x[rs.order]
    lo = np.full((n_strata, p), np.inf)
    hi = np.full((n_strata, p), -np.inf)
    np.minimum.at(lo, stratum_sorted, xs)
    np.maximum.at(hi, stratum_sorted, xs)
    ev_stratum = stratum_sorted[rs.events]
    events_in = np.bincount(ev_stratum, minlength=n_strata)
    used = np.where(hi > lo, events_in[:, None], 0)
    wtmat = np.zeros((p, p))
    for row in used[events_in > 0]:
        wtmat += np.minimum.outer(row, row)
    vmean = i11 / np.where(wtmat == 0, 1.0, wtmat)

    # Collapse multi-column terms into their linear predictor, as cox.zph(terms = TRUE).
    nterm = len(covs)
    collapse = np.zeros((p, nterm))
    for i, cov in enumerate(covs):
        cols = list(cov.columns)
        collapse[cols, i] = 1.0 if len(cols) == 1 else fit.coef[cols]
    sresid = schoen @ collapse
    vmean = collapse.T @ vmean @ collapse
    used_t = used[:, [cov.columns[0] for cov in covs]] > 0

    scaled = np.full_like(sresid, np.nan)
    patterns, which = np.unique(used_t, axis=0, return_inverse=True)
    row_pattern = which.reshape(-1)[ev_stratum]
    for k_idx, pattern in enumerate(patterns):
        k = np.flatnonzero(pattern)
        rows = row_pattern == k_idx
        if k.size == 0 or not rows.any():
            continue
        scaled[np.ix_(rows, k)] = np.linalg.solve(vmean[np.ix_(k, k)], sresid[rows][:, k].T).T
    for i, cov in enumerate(covs):
        scaled[:, i] += fit.coef[cov.columns[0]] if len(cov.columns) == 1 else 1.0

    arrays = [g_all.copy(), rs.times[rs.time_index[rs.events]]]
    for a in arrays:
        a.setflags(write=False)
    residuals = []
    for i in range(nterm):
        col = scaled[:, i].copy()
        col.setflags(write=False)
        residuals.append(col)
    stratum = (tuple(prep.stratum_labels[s] for s in ev_stratum) if prep.strata_names
               else None)
    df_global = p
    return PHTest(
        terms=tuple(cov.name for cov in covs), chisq=tuple(chisq), df=tuple(dfs),
        pvalue=tuple(float(special.chdtrc(d, c)) for c, d in zip(chisq, dfs, strict=True)),
        global_chisq=global_chisq, global_df=df_global,
        global_pvalue=float(special.chdtrc(df_global, global_chisq)), transform="km",
        transformed_time=arrays[0], time=arrays[1], scaled_residuals=tuple(residuals),
        stratum=stratum,
    )

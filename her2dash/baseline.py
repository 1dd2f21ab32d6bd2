"""Patient characteristics by HER2 group (the paper's Table 1), for any column.

Categorical columns: counts and % per group, Fisher's exact test as R ``fisher.test`` (2×2 and
2×k; scipy has no exact r×c test, so the 2×k test is ours). Continuous columns: median,
quartiles and range per group, Mann–Whitney p as R ``wilcox.test``'s default. Blank cells are
counted per group as missing and left out of the percentages and the test, as R's
``complete.cases`` does.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy.special import gammaln

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.response import (
    GroupQuantiles,
    as_is_homogeneous,
    fisher_2x2_pvalue,
    quartiles,
    wilcoxon_rank_sum,
)
from her2dash.results import Unavailable

# FEXACT (R's r×c Fisher test) counts a table as "as extreme" when its log-probability is at most
# the observed one plus this (F2XACT's TOL, "the square root of the smallest relative spacing").
_FEXACT_TOL = 3.45254e-7
# Half-tables enumerated per side before the 2×k test gives up (R's FEXACT fails with a workspace
# error on such tables too). A 600-patient 2×5 response table needs ~3e5 (0.04 s); at this bound
# one row takes ~0.1 s. Past it the baseline table falls back to Pearson's chi-square test,
# labelled as such. (Was 20,000,000: seconds and gigabytes of half-tables before answering.)
_MAX_HALF_TABLES = 1_000_000
# Numeric columns with more distinct values than this are continuous when not told otherwise.
_MAX_CATEGORICAL_LEVELS = 5

MISSING_NOTE = "Blank values are counted as missing and left out of percentages and tests."


@dataclass(frozen=True, slots=True)
class TableTest:
    """The test of a 2×k table that the baseline table reports.

    ``method`` is "Fisher's exact test (2×k)" or, when the exact enumeration is infeasible,
    "Pearson's chi-squared test (exact test infeasible for n = …)"; ``statistic`` and ``df`` are
    the chi-square's (``None`` for Fisher's test).
    """

    method: str
    pvalue: float | Unavailable
    statistic: float | None = None
    df: int | None = None


@dataclass(frozen=True, slots=True)
class CategoricalRow:
    """One categorical characteristic: counts per level and group, and the Fisher p.

    ``pct_*`` are percentages of the group's patients with a known value (the numbers the test
    sees); ``missing_*`` counts blanks. ``test`` names the test, e.g. "Fisher's exact test (2×3)".
    """

    column: str
    levels: tuple[str, ...]
    counts_heterogeneous: tuple[int, ...]
    counts_homogeneous: tuple[int, ...]
    pct_heterogeneous: tuple[float, ...]
    pct_homogeneous: tuple[float, ...]
    missing_heterogeneous: int
    missing_homogeneous: int
    test: str
    pvalue: float | Unavailable
    kind: str = "categorical"


@dataclass(frozen=True, slots=True)
class ContinuousRow:
    """One continuous characteristic: per-group median/quartiles/range and the Mann–Whitney p.

    ``statistic`` is R's W for the heterogeneous group (``None`` when the test is unavailable);
    ``test`` is R's method string (exact or normal approximation).
    """

    column: str
    heterogeneous: GroupQuantiles | Unavailable
    homogeneous: GroupQuantiles | Unavailable
    missing_heterogeneous: int
    missing_homogeneous: int
    test: str
    statistic: float | None
    pvalue: float | Unavailable
    kind: str = "continuous"


@dataclass(frozen=True, slots=True)
class BaselineTable:
    """Rows in the order the columns were asked for; ``notes`` say how blanks were treated."""

    rows: tuple[CategoricalRow | ContinuousRow, ...]
    n_heterogeneous: int
    n_homogeneous: int
    notes: tuple[str, ...] = (MISSING_NOTE,)


# --------------------------------------------------------------------------- Fisher 2×k


def _log_choose(n: int, k: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def _half_tables(cols: Sequence[int], cap: int) -> tuple[np.ndarray, np.ndarray]:
    """First-row cells over ``cols``: their sum and Σ log C(c_j, x_j), for every x with x_j ≤ c_j
    and sum ≤ ``cap``."""
    s = np.zeros(1, dtype=np.int64)
    w = np.zeros(1)
    for c in cols:
        x = np.arange(c + 1)
        s = (s[:, None] + x).ravel()
        w = (w[:, None] + _log_choose(c, x)).ravel()
        keep = s <= cap
        s, w = s[keep], w[keep]
    return s, w


def _split_columns(cols: Sequence[int]) -> tuple[list[int], list[int]]:
    """Two halves with about equal numbers of half-tables (largest columns first, greedily)."""
    a: list[int] = []
    b: list[int] = []
    size_a = size_b = 1.0
    for c in sorted(cols, reverse=True):
        if size_a <= size_b:
            a.append(c)
            size_a *= c + 1
        else:
            b.append(c)
            size_b *= c + 1
    return a, b


def fisher_exact_2xk(table: Sequence[Sequence[int]] | np.ndarray) -> float | Unavailable:
    """Two-sided Fisher's exact p of a 2×k table, as R ``fisher.test``.

    For k = 2 this is R's 2×2 computation (:func:`her2dash.response.fisher_exact_2x2`). For k > 2
    R runs FEXACT (network algorithm); here every table with the observed margins is enumerated
    exactly: with two rows a table is its first row x, with probability Π_j C(c_j, x_j) / C(N, r₁).
    The columns are split in two halves; the half-tables of one half are sorted by probability so
    each half-table of the other half finds its "as extreme or more" partners by binary search
    (a meet-in-the-middle sum, ~3·10⁵ half-tables for a 600-patient 2×5 table). A table counts when
    its log-probability is at most the observed one plus FEXACT's tolerance 3.45254e-7.

    Empty columns are dropped first (they change no probability). Fewer than two non-empty
    columns, or an empty row, leave nothing to test and give Unavailable; so does a table with
    more than :data:`_MAX_HALF_TABLES` half-tables per side (:func:`table_test_2xk`, which the
    baseline table uses, then falls back to a labelled chi-square test).

    References
    ----------
    R ``stats::fisher.test(x)`` for a 2×k matrix (``workspace`` large enough; R's default 200000
    fails on large 2×5 tables with "FEXACT error 7").
    """
    t = np.asarray(table, dtype=np.int64)
    if t.ndim != 2 or t.shape[0] != 2 or (t < 0).any():
        raise ValueError("table must be 2×k with non-negative counts")
    t = t[:, t.sum(axis=0) > 0]
    if t.shape[1] < 2:
        return Unavailable("Only one level is observed; nothing to compare.")
    if (t.sum(axis=1) == 0).any():
        return Unavailable("One group has no patients with a known value.")
    if t.shape[1] == 2:
        # Only the p is used: skip the odds ratio and its interval (root finding).
        return fisher_2x2_pvalue(t)
    if t[0].sum() > t[1].sum():
        # Enumerate over the smaller row: the same tables (and p), far fewer half-tables.
        t = t[::-1]
    cols = [int(c) for c in t.sum(axis=0)]
    r1 = int(t[0].sum())
    n_total = sum(cols)
    if not _exact_feasible(cols, r1):
        return Unavailable(f"Fisher's exact test is infeasible for this 2×{len(cols)} table "
                           f"(n = {n_total}): too many tables to enumerate.")
    half_a, half_b = _split_columns(cols)
    # Observed log-weight with the columns in their original order (same terms as the halves).
    w_obs = float(sum(_log_choose(c, np.array(x)) for c, x in zip(cols, t[0], strict=True)))
    threshold = w_obs + _FEXACT_TOL
    log_norm = float(_log_choose(n_total, np.array(r1)))

    sa, wa = _half_tables(half_a, r1)
    sb, wb = _half_tables(half_b, r1)
    order = np.lexsort((wb, sb))
    sb, wb = sb[order], wb[order]
    starts = np.searchsorted(sb, np.arange(r1 + 2))
    # Group half A by its row sum once (sorting), instead of a boolean mask over all of A per
    # distinct sum, which was quadratic (seconds for a few hundred patients).
    order_a = np.argsort(sa, kind="stable")
    sa, wa = sa[order_a], wa[order_a]
    sums, first = np.unique(sa, return_index=True)
    bounds = np.append(first, len(sa))
    pvalue = 0.0
    for j, s in enumerate(sums):
        lo, hi = starts[r1 - s], starts[r1 - s + 1]
        if lo == hi:
            continue
        vb = wb[lo:hi]
        top = vb[-1]
        # Partial sums of exp(w_B − max) in increasing w_B: each term ≤ 1, so no overflow; terms
        # that underflow are < e^-745 of a probability ≤ 1 and cannot matter.
        cum = np.concatenate([[0.0], np.cumsum(np.exp(vb - top))])
        w_a = wa[bounds[j]:bounds[j + 1]]
        idx = np.searchsorted(vb, threshold - w_a, side="right")
        pvalue += float(np.sum(np.exp(w_a + top - log_norm) * cum[idx]))
    return float(min(1.0, pvalue))


def _exact_feasible(cols: Sequence[int], r1: int) -> bool:
    """Whether the meet-in-the-middle enumeration stays within :data:`_MAX_HALF_TABLES`.

    A half over h columns has at most Π (c_j + 1) half-tables, and at most C(r1 + h, h) with
    first-row sum ≤ r1; a 2×2 table is always feasible (its support is one-dimensional).
    """
    if len(cols) <= 2:
        return True

    def bound(half: list[int]) -> int:
        return min(math.prod(c + 1 for c in half), math.comb(r1 + len(half), len(half)))

    half_a, half_b = _split_columns(cols)
    return max(bound(half_a), bound(half_b)) <= _MAX_HALF_TABLES


def table_test_2xk(table: Sequence[Sequence[int]] | np.ndarray) -> TableTest:
    """Fisher's exact test of a 2×k table, or Pearson's chi-square when that is infeasible.

    The exact test (:func:`fisher_exact_2xk`) enumerates every table with the observed margins;
    for thousands of patients spread over three or more levels there are too many (R's FEXACT
    stops with "FEXACT error 7" / a workspace error). Rather than hang or fail, the baseline
    table then reports Pearson's chi-square test of independence on (k − 1) df, without
    continuity correction (R ``chisq.test(x, correct = FALSE)``; a 2×k table with k > 2 gets no
    correction in R anyway), and says so in ``method``. At such sizes the two p-values agree
    closely.

    References
    ----------
    R ``fisher.test(x)``; R ``chisq.test(x)`` for the fallback.
    """
    t = np.asarray(table, dtype=np.int64)
    observed = t[:, t.sum(axis=0) > 0] if t.ndim == 2 else t
    k = observed.shape[1] if observed.ndim == 2 else 0
    fisher = f"Fisher's exact test (2×{k})" if k >= 2 else "Fisher's exact test"
    p = fisher_exact_2xk(t)
    if not isinstance(p, Unavailable) or k < 2 or (observed.sum(axis=1) == 0).any():
        return TableTest(fisher, p)
    n_total = int(observed.sum())
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n_total
    chisq = float(((observed - expected) ** 2 / expected).sum())
    df = k - 1
    return TableTest(f"Pearson's chi-squared test (exact test infeasible for n = {n_total})",
                     float(special.chdtrc(df, chisq)), chisq, df)  # sf, not 1 − cdf


# --------------------------------------------------------------------------- table rows


def _level_label(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _level_codes(s: pd.Series) -> tuple[list[object], np.ndarray]:
    """Levels in a stable order and, per patient, the index of its level (−1 = blank).

    Order: a Categorical's own categories (unobserved ones included); yes before no for
    booleans; else sorted (by text when the types are mixed). Text is stripped, and blank text
    counts as missing. Only the distinct values are cleaned (strings are stripped once per
    value, not once per patient: that was ~0.4 s of a 100,000-patient baseline table).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories), s.cat.codes.to_numpy(dtype=np.int64)
    raw_codes, uniques = pd.factorize(s)  # NaN / None / NA get −1
    textual = s.dtype == object or pd.api.types.is_string_dtype(s.dtype)

    def clean(v: object) -> object:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        return str(v).strip() if textual else v

    cleaned = [clean(v) for v in uniques]
    present = list(dict.fromkeys(v for v in cleaned if v != ""))
    if present and all(isinstance(v, bool) for v in present):
        levels: list[object] = [v for v in (True, False) if v in present]
    else:
        try:
            levels = sorted(present)
        except TypeError:  # mixed types: sort by their text
            levels = sorted(present, key=str)
    index = {v: i for i, v in enumerate(levels)}
    map_u = np.array([index.get(v, -1) if v != "" else -1 for v in cleaned] + [-1],
                     dtype=np.int64)
    return levels, map_u[raw_codes]  # raw code −1 picks the trailing −1


def _categorical_row(column: str, s: pd.Series, homo: np.ndarray) -> CategoricalRow:
    levels, code = _level_codes(s)
    blank = code < 0
    known = ~blank
    # A bincount over (group, level) codes; comparing the object array with each level per group
    # cost ~10 ms a column on 100,000 patients.
    counts = np.bincount(code[known] + len(levels) * homo[known].astype(np.int64),
                         minlength=2 * len(levels)).astype(np.int64).reshape(2, len(levels))
    totals = counts.sum(axis=1)
    pct = [tuple(float(v) for v in 100.0 * counts[i] / totals[i]) if totals[i]
           else (0.0,) * len(levels)
           for i in range(2)]
    # Fisher's exact test, or a labelled chi-square when the exact test is infeasible.
    result = table_test_2xk(counts)
    test, pvalue = result.method, result.pvalue
    return CategoricalRow(
        column=column, levels=tuple(_level_label(v) for v in levels),
        counts_heterogeneous=tuple(int(v) for v in counts[0]),
        counts_homogeneous=tuple(int(v) for v in counts[1]),
        pct_heterogeneous=pct[0], pct_homogeneous=pct[1],
        missing_heterogeneous=int((blank & ~homo).sum()),
        missing_homogeneous=int((blank & homo).sum()),
        test=test, pvalue=pvalue,
    )


def _continuous_row(column: str, s: pd.Series, homo: np.ndarray) -> ContinuousRow:
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("Float64")
    # Text that is not a number counts as missing, like a blank (validation flags it upstream).
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(v)
    x, y = v[~homo & ~missing], v[homo & ~missing]
    mw = wilcoxon_rank_sum(x, y)
    if isinstance(mw, Unavailable):
        test, stat, p = "Wilcoxon rank sum test", None, mw
    else:
        test, stat, p = mw.method, mw.statistic, mw.pvalue
    return ContinuousRow(
        column=column,
        heterogeneous=quartiles(x, HETEROGENEOUS), homogeneous=quartiles(y, HOMOGENEOUS),
        missing_heterogeneous=int((missing & ~homo).sum()),
        missing_homogeneous=int((missing & homo).sum()),
        test=test, statistic=stat, pvalue=p,
    )


def _looks_continuous(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    if not pd.api.types.is_numeric_dtype(s.dtype):
        return False
    return s.nunique(dropna=True) > _MAX_CATEGORICAL_LEVELS


def baseline_table(frame: pd.DataFrame, group: str | object, columns: Sequence[str], *,
                   continuous: Collection[str] | None = None) -> BaselineTable:
    """Characteristics by HER2 group, one row per column in ``columns``.

    Parameters
    ----------
    frame
        One row per patient; any columns (contract columns and user covariates alike).
    group
        The name of the group column in ``frame``, or per-row values aligned with it
        (True / 1 / ``"homogeneous"`` = homogeneous).
    columns
        Columns to summarise, in display order.
    continuous
        Columns to treat as continuous (median, Mann–Whitney); all others are categorical
        (counts, Fisher). ``None`` decides per column: numeric with more than 5 distinct
        values is continuous.

    References
    ----------
    R ``fisher.test(table(homo, x))`` (2×2 and 2×k), ``wilcox.test(x ~ homo)``,
    ``quantile(x, type = 7)``.
    """
    g = frame[group] if isinstance(group, str) else group
    homo = as_is_homogeneous(g)
    if len(homo) != len(frame):
        raise ValueError("group must have one value per row of frame")
    missing_cols = [c for c in columns if c not in frame.columns]
    if missing_cols:
        raise KeyError(f"columns not in frame: {missing_cols}")
    rows: list[CategoricalRow | ContinuousRow] = []
    for col in columns:
        s = frame[col].reset_index(drop=True)
        is_cont = _looks_continuous(s) if continuous is None else col in continuous
        rows.append(_continuous_row(col, s, homo) if is_cont else _categorical_row(col, s, homo))
    return BaselineTable(tuple(rows), int((~homo).sum()), int(homo.sum()))

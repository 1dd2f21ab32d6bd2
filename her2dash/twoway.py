"""The two-way map (in the spirit of X-tile): cutoff × minimum number of tumour fragments.

Each cell of the grid is one analysis: the patients with at least ``f`` tumour-containing
fragments (row), split at cutoff ``c`` (column: homogeneous when the rule value ≥ c). A cell
holds the standardized log-rank statistic of :mod:`her2dash.maxstat` (exactRankTests' scores
computed within the row's patients, permutation variance; ``maxstat.test`` on that row's
patients gives the same number at the same split), its unadjusted normal p, the Cox hazard
ratio (from :func:`her2dash.sweep.sweep`, Efron ties) and the group sizes. Cells where a group
has fewer than ``min_group`` patients are NaN and are not searched.

Searching a whole grid for its best cell multiplies the chances of a false "optimum" far beyond
one cutoff search, so the map carries one permutation p adjusted over everything searched:

* the ``(time, event)`` pairs are permuted across all patients of the map (the union of the
  rows, i.e. the first row's patients); each patient keeps its rule value and fragment count;
* within each row the log-rank scores are recomputed on the row's patients with their permuted
  outcomes (the rows are different patient sets, so their scores differ);
* the statistic of every searched cell is recomputed and the grid maximum taken;
* ``adjusted_p`` = share of permutations whose grid maximum is strictly above the observed one
  (maxstat's condMC rule).

As matrix operations per block of permutations: one argsort of uniforms gives, per permutation,
which patient receives each time-sorted outcome; a row's outcomes are a boolean compression of
the previous row's (rows are nested: ≥ f + 1 fragments ⊂ ≥ f), so they stay time-sorted; the
at-risk counts and event counts per distinct time, and the score sums below every cutoff, are
``bincount``s over ``permutation × bin`` codes followed by cumulative sums. Work is
O(B · Σ_rows n_row), memory O(block × n).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from her2dash.classify import (
    AT_CUTOFF_TOLERANCE,
    classify,
    is_homogeneous,
    patient_features,
    rule_values,
)
from her2dash.cohort import Cohort
from her2dash.maxstat import exceedance_p, logrank_scores, standardized_statistics
from her2dash.results import Unavailable
from her2dash.rules import PERCENT, CutoffScale, rule_spec
from her2dash.settings import ENDPOINTS, Settings
from her2dash.sweep import default_cutoffs, rule_scale, sweep

# Cells of one block of permutations (block × patients); see maxstat._BLOCK_CELLS. Small
# blocks keep the working arrays in cache, which is most of the speed here.
_BLOCK_CELLS = 100_000
_POSITIVITY_WORDS = {"2+": "2+/3+ positivity", "3+": "3+ positivity"}


@dataclass(frozen=True, slots=True, eq=False)
class TwoWayMap:
    """One endpoint's grid; 2-D arrays are ``(len(min_fragments), len(cutoffs))``.

    ``statistic`` is the standardized log-rank statistic (maxstat's), ``logrank_p`` its
    unadjusted normal p 2·Φ(−statistic), ``hazard_ratio`` the Cox HR of homogeneous vs
    heterogeneous (:func:`her2dash.sweep.sweep`); all three NaN where a group has fewer than
    ``min_group`` patients (and the HR also where not estimable). ``n_homogeneous`` /
    ``n_heterogeneous`` are given for every cell. ``best_*`` locate the largest statistic: the
    first row on ties, and within the row the largest cutoff giving the same two groups (the
    one nearest the smallest homogeneous value, as :func:`her2dash.maxstat.maxstat_test`
    reports its estimate). ``adjusted_p`` is the permutation p over the whole searched grid
    (``permutations`` draws from ``seed``; ``None`` without permutations); ``n_cells`` cells
    were searched; ``n_patients`` per row. ``naive_p`` = 2·Φ(−max_statistic), only ever shown
    beside ``adjusted_p``.
    """

    endpoint: str
    rule: str
    cutoffs: np.ndarray
    min_fragments: np.ndarray
    statistic: np.ndarray
    logrank_p: np.ndarray
    hazard_ratio: np.ndarray
    n_homogeneous: np.ndarray
    n_heterogeneous: np.ndarray
    max_statistic: float
    best_cutoff: float
    best_min_fragments: int
    adjusted_p: float | None
    permutations: int
    seed: int
    searched: str
    n_cells: int
    n_patients: np.ndarray
    min_group: int
    naive_p: float


@dataclass(frozen=True, slots=True, eq=False)
class _Grid:
    """What the permutations need: the patients (union), their bins and the searched cells."""

    time: np.ndarray
    event: np.ndarray
    level: np.ndarray  # tumour-containing fragments per patient
    bins: np.ndarray  # heterogeneous at sorted cutoff q ⇔ bins ≤ q
    rows: np.ndarray  # minimum fragments per row, ascending
    n_rows: np.ndarray  # patients per row
    n_het: np.ndarray  # (rows, k)
    searched: np.ndarray  # (rows, k) bool


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def _row_statistics(g: _Grid, cutoffs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Observed statistic per cell: maxstat's building blocks applied row by row."""
    stats = np.full(g.searched.shape, np.nan)
    for r, f in enumerate(g.rows):
        if not g.searched[r].any():
            continue
        sub = g.level >= f
        membership = ~is_homogeneous(values[sub][:, None], cutoffs[None, :])
        row = standardized_statistics(logrank_scores(g.time[sub], g.event[sub]), membership)
        stats[r] = np.where(g.searched[r], row, np.nan)
    return stats


def _grid_maxima(g: _Grid, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """The grid maximum of the standardized statistic for each of ``permutations`` shuffles.

    Blocks of permutations draw their uniforms one after the other from ``rng``, so the result
    does not depend on the block size.
    """
    n = g.time.size
    k = g.n_het.shape[1]
    order = np.argsort(g.time, kind="stable")
    ts, es = g.time[order], g.event[order]
    # Distinct times, compared exactly as exactRankTests' cscores does (no timefix).
    gid = np.r_[0, np.cumsum(ts[1:] != ts[:-1])].astype(np.int64)
    n_times = int(gid[-1]) + 1
    union_scores = logrank_scores(ts, es)  # a row holding every patient keeps these
    # Patients by fragment count, most first: every row is then a prefix of this order.
    by_level = np.argsort(-g.level, kind="stable")
    bins = g.bins[by_level]
    m_rows = g.n_rows.astype(np.int64)
    rows_by_size = np.argsort(m_rows, kind="stable")
    cells = [np.flatnonzero(g.searched[r]) for r in range(m_rows.size)]

    def one_block(uniforms: np.ndarray) -> np.ndarray:
        cols_b = uniforms.shape[0]
        # Patient-major (patients × permutations), so a row's patients are a contiguous prefix.
        # perm[i, b]: the time-sorted outcome that patient i (in by_level order) receives.
        perm = uniforms.argsort(axis=1).T
        time_code = np.ascontiguousarray(gid[perm]) + np.arange(cols_b) * n_times
        event = np.ascontiguousarray(es[perm])
        bin_code = bins[:, None] + np.arange(cols_b) * (k + 1)
        size = cols_b * n_times
        count = np.zeros(size)
        deaths = np.zeros(size)
        top = np.full(cols_b, -np.inf)
        done = 0
        # Smallest row first: each row adds the patients with exactly its fragment count.
        for r in rows_by_size:
            m = int(m_rows[r])
            if m > done:
                slab = time_code[done:m].ravel()
                count += np.bincount(slab, minlength=size)
                deaths += np.bincount(slab, weights=event[done:m].ravel(), minlength=size)
                done = m
            if cells[r].size == 0:
                continue
            if m == n:
                scores = union_scores[perm]
            else:
                # exactRankTests' scores within the row, ties at the maximum rank: at risk at a
                # time = m − (row patients with time ≤ it) + 1; hazard = cumulative Σ d / at risk.
                at_risk = (m + 1.0) - np.cumsum(count.reshape(cols_b, n_times), axis=1)
                hazard = np.cumsum(deaths.reshape(cols_b, n_times) / at_risk, axis=1).ravel()
                scores = event[:m] - hazard[time_code[:m]]
            s1 = scores.sum(axis=0)[:, None]
            s2 = np.einsum("ij,ij->j", scores, scores)[:, None]
            below = np.bincount(bin_code[:m].ravel(), weights=scores.ravel(),
                                minlength=cols_b * (k + 1))
            below = np.cumsum(below.reshape(cols_b, k + 1), axis=1)[:, cells[r]]
            het = g.n_het[r, cells[r]].astype(float)[None, :]
            var = het * (m - het) / (m * m * (m - 1.0)) * (m * s2 - s1 * s1)
            with np.errstate(invalid="ignore", divide="ignore"):
                stat = np.abs(below - het / m * s1) / np.sqrt(var)
            # No variation among the row's permuted outcomes: the cell has no statistic.
            stat[~(var > 0)] = -np.inf
            np.maximum(top, stat.max(axis=1), out=top)
        return top

    block = max(1, _BLOCK_CELLS // n)
    out = np.empty(permutations)
    for start in range(0, permutations, block):
        top = one_block(rng.random((min(block, permutations - start), n)))
        out[start:start + top.size] = top
    return out


def _searched_text(settings: Settings, cutoffs: np.ndarray, rows: np.ndarray, n_cells: int,
                   min_group: int, n_patients: int) -> str:
    filters = "".join(f", {column} = {' / '.join(values)}" for column, values in settings.filters)
    upper = f", at most {settings.max_fragments} fragments" if settings.max_fragments else ""
    return (f"{cutoffs.size} cutoffs from {cutoffs.min():g} to {cutoffs.max():g} % × minimum "
            f"fragments {rows.min()}–{rows.max()}: {n_cells} cells with both groups ≥ "
            f"{min_group} patients; {settings.rule} rule, "
            f"{_POSITIVITY_WORDS[settings.positivity]}{upper}{filters}; {n_patients} patients")


def _hazard_ratios(cohort: Cohort, settings: Settings, endpoints: tuple[str, ...],
                   cutoffs: np.ndarray, rows: np.ndarray, min_group: int,
                   features: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cox HR per cell and endpoint from one sweep per row (Efron, as ``coxph``); NaN where
    the sweep has none. One sweep gives every endpoint, so maps share it."""
    out = {ep: np.full((rows.size, cutoffs.size), np.nan) for ep in endpoints}
    for r, f in enumerate(rows):
        if settings.max_fragments is not None and f > settings.max_fragments:
            continue  # an empty row: Settings would reject min_fragments > max_fragments
        result = sweep(cohort, replace(settings, min_fragments=int(f)), cutoffs=cutoffs,
                       min_group=min_group, features=features)
        for ep in endpoints:
            swept = result.endpoints.get(ep)
            if swept is not None and not isinstance(swept, Unavailable):
                out[ep][r] = swept.hazard_ratio
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Observed:
    """One endpoint's grid before permutations."""

    grid: _Grid
    stats: np.ndarray
    n_homo: np.ndarray
    n_patients: int


def _observed(cohort: Cohort, settings: Settings, features: pd.DataFrame, endpoint: str,
              c: np.ndarray, rows: np.ndarray, min_group: int) -> _Observed | Unavailable:
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    missing = [col for col in (time_col, event_col) if not cohort.has(col)]
    if missing:
        return Unavailable(f"the cohort has no {' / '.join(missing)} column")
    # Rows differ only in the lower fragment limit, so their union is the lowest limit, 1.
    included = classify(cohort, replace(settings, min_fragments=1),
                        features).per_patient["included"].to_numpy()
    values = rule_values(features, settings.rule)[included]
    level = features["n_fragments"].to_numpy()[included]
    time = cohort.patients[time_col].to_numpy(dtype=float)[included]
    event = cohort.patients[event_col].to_numpy(dtype=float)[included]
    known = ~(np.isnan(values) | np.isnan(time) | np.isnan(event))  # R's na.omit
    values, level, time, event = values[known], level[known], time[known], event[known]
    label = endpoint.upper()
    if values.size == 0:
        return Unavailable(f"no included patient has {label} data")
    if not event.any():
        return Unavailable(f"no {label} events among the included patients: every patient is "
                           "censored")
    homo = is_homogeneous(values[:, None], c[None, :])  # n × k
    in_row = level[None, :] >= rows[:, None]  # rows × n
    n_rows = in_row.sum(axis=1)
    n_homo = in_row.astype(np.int64) @ homo.astype(np.int64)
    n_het = n_rows[:, None] - n_homo
    floor = max(min_group, 1)
    # Two patients at least, for the permutation variance.
    searched = (n_homo >= floor) & (n_het >= floor) & (n_rows >= 2)[:, None]
    # Homogeneous at a prefix of the sorted cutoffs (is_homogeneous' comparison), so the length
    # of that prefix is the first cutoff index at which the patient is heterogeneous.
    bins = np.searchsorted(c - AT_CUTOFF_TOLERANCE, values, side="right")
    grid = _Grid(time, event, level, bins, rows, n_rows, n_het, searched)
    stats = _row_statistics(grid, c, values)
    searched = searched & np.isfinite(stats)  # a row without events has no statistic
    if not searched.any():
        return Unavailable(f"no cell of the grid has both groups with at least {floor} "
                           f"patients and {label} events to compare")
    return _Observed(replace(grid, searched=searched), stats, n_homo, int(values.size))


def _axes(cutoffs: object, step: float, min_fragments: object,
          scale: CutoffScale = PERCENT) -> tuple[np.ndarray, np.ndarray]:
    c = (default_cutoffs(step, scale) if cutoffs is None
         else np.unique(np.asarray(cutoffs, dtype=float)))
    if c.size == 0 or not np.isfinite(c).all() or (c < scale.low).any() or (c > scale.high).any():
        raise ValueError(f"cutoffs must be finite, between {scale.low:g} and {scale.high:g}")
    rows = np.unique(np.asarray(list(min_fragments), dtype=np.int64))
    if rows.size == 0 or rows.min() < 1:
        raise ValueError("min_fragments must be integers ≥ 1")
    return c, rows


def two_way_maps(cohort: Cohort, settings: Settings, *, endpoints: tuple[str, ...] = ENDPOINTS,
                 cutoffs: object = None, step: float = 1.0, min_fragments: object = range(1, 9),
                 min_group: int = 5, permutations: int = 1000,
                 seed: int = 0) -> dict[str, TwoWayMap | Unavailable]:
    """:func:`two_way_map` for several endpoints; equal to calling it once per endpoint, but
    the hazard-ratio sweeps (which cover every endpoint at once) are run once."""
    for ep in endpoints:
        if ep not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}, got {ep!r}")
    if permutations < 0:
        raise ValueError(f"permutations must be ≥ 0, got {permutations}")
    if not isinstance(min_group, int | np.integer) or min_group < 0:
        raise ValueError(f"min_group must be an integer ≥ 0, got {min_group!r}")
    if rule_spec(settings.rule).cutoff is None:
        reason = Unavailable(f"the {settings.rule} rule has no cutoff to map")
        return dict.fromkeys(endpoints, reason)
    c, rows = _axes(cutoffs, step, min_fragments, rule_scale(settings))
    features = patient_features(cohort, settings)
    observed = {ep: _observed(cohort, settings, features, ep, c, rows, min_group)
                for ep in endpoints}
    wanted = tuple(ep for ep, o in observed.items() if not isinstance(o, Unavailable))
    hrs = (_hazard_ratios(cohort, replace(settings, min_fragments=1), wanted, c, rows,
                          min_group, features) if wanted else {})
    out: dict[str, TwoWayMap | Unavailable] = {}
    for ep, obs in observed.items():
        if isinstance(obs, Unavailable):
            out[ep] = obs
            continue
        out[ep] = _finish(ep, obs, hrs[ep], settings, c, rows, min_group, permutations, seed)
    return out


def _finish(endpoint: str, obs: _Observed, hr: np.ndarray, settings: Settings, c: np.ndarray,
            rows: np.ndarray, min_group: int, permutations: int, seed: int) -> TwoWayMap:
    grid, stats = obs.grid, obs.stats
    searched = grid.searched
    shown = np.where(searched, stats, np.nan)
    flat = int(np.nanargmax(shown))  # the first maximum in row-major order
    r_best, c_best = divmod(flat, c.size)
    # Cutoffs up to the next rule value give the same split; report the last of them (the grid
    # cutoff nearest the smallest homogeneous value), as maxstat_test reports its estimate.
    same = grid.n_het[r_best, c_best:] == grid.n_het[r_best, c_best]
    c_best += int(np.argmin(same)) - 1 if not same.all() else same.size - 1
    max_stat = float(shown[r_best, c_best])
    adjusted = None
    if permutations:
        maxima = _grid_maxima(grid, permutations, np.random.default_rng(seed))
        adjusted = exceedance_p(maxima, max_stat)
    return TwoWayMap(
        endpoint=endpoint, rule=settings.rule, cutoffs=_readonly(c),
        min_fragments=_readonly(rows), statistic=_readonly(shown),
        logrank_p=_readonly(special.ndtr(-shown) * 2.0),
        hazard_ratio=_readonly(np.where(searched, hr, np.nan)),
        n_homogeneous=_readonly(obs.n_homo), n_heterogeneous=_readonly(grid.n_het),
        max_statistic=max_stat, best_cutoff=float(c[c_best]),
        best_min_fragments=int(rows[r_best]), adjusted_p=adjusted,
        permutations=int(permutations), seed=seed,
        searched=_searched_text(settings, c, rows, int(searched.sum()), min_group,
                                obs.n_patients),
        n_cells=int(searched.sum()), n_patients=_readonly(grid.n_rows),
        min_group=int(min_group), naive_p=float(special.ndtr(-max_stat) * 2.0),
    )


def two_way_map(cohort: Cohort, settings: Settings, *, endpoint: str = "pfs",
                cutoffs: object = None, step: float = 1.0, min_fragments: object = range(1, 9),
                min_group: int = 5, permutations: int = 1000,
                seed: int = 0) -> TwoWayMap | Unavailable:
    """Cutoff × minimum-fragment grid for one endpoint, with one permutation p for the grid.

    Parameters
    ----------
    settings
        Rule, positivity, upper fragment limit and cohort filters; ``cutoff_pct`` and
        ``min_fragments`` are ignored (they are the axes).
    cutoffs
        Cutoffs in percent (sorted, duplicates dropped); default 0–100 in ``step`` steps.
    min_fragments
        Row values (each ≥ 1; sorted, duplicates dropped).
    min_group
        Smallest group size for a cell to be shown and searched.
    permutations, seed
        The adjusted p's permutations (0: none, ``adjusted_p`` is ``None``) and the seed of its
        ``numpy.random.Generator``.

    Returns
    -------
    TwoWayMap, or Unavailable when the endpoint is missing, no patient has it, there are no
    events, or no cell has both groups of at least ``min_group``.

    References
    ----------
    Camp, Dolled-Filhart & Rimm, Clin Cancer Res 2004;10:7252–7259 (X-tile); per cell,
    ``maxstat.test(Surv(t, e) ~ x, smethod = "LogRank")``'s statistic at that split within the
    row's patients; the adjusted p follows maxstat's condMC (count of maxima > observed, / B).
    """
    return two_way_maps(cohort, settings, endpoints=(endpoint,), cutoffs=cutoffs, step=step,
                        min_fragments=min_fragments, min_group=min_group,
                        permutations=permutations, seed=seed)[endpoint]

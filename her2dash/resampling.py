"""How many biopsies are enough: re-take fewer fragments and see whether the call and the
hazard ratio hold.

For k = 1 … the largest number of scored (tumour-containing) fragments of an included patient,
:func:`resample` draws k of each patient's scored fragments without replacement (``n_draws``
times, from a seeded :class:`numpy.random.Generator`), reclassifies every patient under the
current rule, and reports per k

* the share of patients whose group differs from their full-sample group (mean over draws, or
  the exact expectation by enumerating every k-subset when that is small, and a percentile
  interval over draws),
* per endpoint, the distribution over draws of the hazard ratio of homogeneous vs
  heterogeneous (median, percentile interval), the share of draws whose CI excludes 1, whose
  log-rank p < 0.05, and whose conclusion is the full sample's.

:func:`leave_one_out` is the exact, non-random companion for one fragment fewer: per patient,
the share of its scored fragments whose removal changes the call, each fragment being equally
likely to be the one not taken.

How it stays rule-agnostic and fast
-----------------------------------
Nothing here knows a rule. Fragment subsets (every column carried along) form ONE
pseudo-cohort whose "patients" are the subsets, classified by one call of
:func:`her2dash.classify.classify` with the filters switched off; so a rule added to
:mod:`her2dash.rules` works here unchanged. While every patient's subsets number at most
:data:`EXACT_SUBSET_LIMIT` in all (~3,900 on the demo), every subset is classified once (which
also gives the exact change rates) and each draw is a bit-mask lookup; beyond that, the
(k, draw, patient) triples themselves are the pseudo-patients. The draws' groupings are the
columns of a patients × draws matrix, and the hazard ratios, CIs and log-rank p of all draws of
all k come from one batched call of the cutoff sweep's engines
(:func:`her2dash.sweep.batched_logrank`, the Efron Newton–Raphson of
:func:`her2dash.sweep.batched_cox`), not from a Cox fit per draw.

Choices, stated
---------------
* A patient with at most k scored fragments keeps all of them at that k (it cannot give up
  fragments it does not have). Excluding them instead would change the patients from one k to
  the next, so a change in the HR would mix "fewer fragments" with "other patients"; kept, every
  k compares the same patients with the same outcomes, and the last k is the full sample.
  ``n_subsampled`` counts, per k, the patients actually resampled.
* Draws are coupled across k: each draw gives every fragment one uniform random key and takes a
  patient's k lowest-key fragments, so the k-subset lies inside the (k + 1)-subset. Each k's
  subsets are still uniformly distributed (every k-subset equally likely), and the curves over
  k are smoother than with independent draws.
* The biopsy-count and cohort filters choose the patients (as on every page) and stay fixed;
  they are not re-applied to the drawn fragments.
* A drawn subset the rule cannot score (e.g. no fragment with an ISH result for the genetic
  rule) counts as a changed call; that draw's hazard ratio leaves the patient out
  (``pct_unscorable`` says how often).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from her2dash.classify import HOMOGENEOUS, classify, scored_mask
from her2dash.cohort import Cohort
from her2dash.cox import HazardRatio, hazard_ratio
from her2dash.results import Unavailable
from her2dash.settings import ENDPOINTS, Settings
from her2dash.survival import LogRank, distinct_times, logrank, no_endpoint_data
from her2dash.sweep import SIGNIFICANCE, GroupCounts, batched_cox, batched_logrank

DEFAULT_DRAWS = 200
# Every subset of every patient's fragments is classified once (the exact expected share of
# changed calls, and each draw's group by lookup) while there are at most this many: ~3,900 on
# the demo cohort, ~220,000 on 5,000 synthetic patients (0.2 s to classify, where classifying
# 50 draws as drawn takes 2 s); one patient with 20 fragments alone has a million. Beyond it
# the draws are classified as drawn and the share is their mean.
EXACT_SUBSET_LIMIT = 400_000
_MAX_TABLE_FRAGMENTS = 40  # bit masks stay far inside int64
# Patients × draws × k cells computed at once (the grouping matrix and the Efron sums scale
# with it): 87 × 200 × 8 ≈ 140,000 on the demo; above this the result says which B fits.
MAX_CELLS = 4_000_000
MAX_DRAWN_FRAGMENTS = 5_000_000

LOWER, HIGHER, NO_DIFFERENCE, NOT_ESTIMABLE = "lower", "higher", "no difference", "not estimable"
CONCLUSIONS = (LOWER, HIGHER, NO_DIFFERENCE, NOT_ESTIMABLE)


@dataclass(frozen=True, slots=True, eq=False)
class EndpointResampling:
    """One endpoint over k; 1-D arrays align with :attr:`ResamplingResult.ks`, 2-D ones are
    ``(len(ks), n_draws)``.

    Hazard ratios are homogeneous vs heterogeneous (reference), unadjusted, Efron ties, with
    the CI at the settings' level; NaN in a draw where not estimable (``reasons`` gives, per k,
    the most frequent reason, or None). ``hr_median`` / ``hr_low`` / ``hr_high`` are the
    median and the percentile interval (``ResamplingResult.interval_level``) over the
    estimable draws. ``pct_*`` are over all draws: CI excludes 1, log-rank p < 0.05, and the
    same conclusion as the full sample (``full_conclusion``: "lower" = HR's CI below 1,
    "higher" = above, "no difference" = CI includes 1). ``full`` is the full-sample fit of
    :func:`her2dash.cox.hazard_ratio` (the Survival page's number), ``full_logrank`` its
    ``survdiff``.
    """

    endpoint: str
    n_patients: int
    full: HazardRatio | Unavailable
    full_logrank: LogRank | Unavailable
    full_conclusion: str
    hazard_ratio: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    logrank_p: np.ndarray
    hr_median: np.ndarray
    hr_low: np.ndarray
    hr_high: np.ndarray
    n_estimable: np.ndarray
    pct_ci_excludes_1: np.ndarray
    pct_logrank_significant: np.ndarray
    pct_same_conclusion: np.ndarray
    reasons: tuple[str | None, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ResamplingResult:
    """"Would fewer biopsies have changed the conclusion?" for k = 1 … max fragments.

    ``ks`` are the numbers of fragments drawn; ``n_subsampled[i]`` patients had more than
    ``ks[i]`` scored fragments and were resampled (the others keep all theirs).
    ``pct_changed`` is the expected % of the ``n_patients`` included patients whose group
    differs from the full sample: exact (every k-subset enumerated) when ``exact``, else the
    mean over the ``n_draws`` draws in ``pct_changed_draws``; ``pct_changed_low`` / ``_high``
    the percentile interval over draws at ``interval_level``. ``pct_changed_among_subsampled``
    is the same expectation among the resampled patients only (NaN where nobody is).
    ``pct_unscorable``: % of patient-draws whose drawn fragments the rule could not score
    (counted as changed). ``per_patient`` (index patient_id): ``n_fragments``, ``group`` and,
    per k, the probability (%) that the patient's group changes (``change_pct_k<k>``; exact
    when ``exact``, else the share of draws). ``leave_one_out``: the exact one-fragment-fewer
    companion (:func:`leave_one_out`).
    """

    settings: Settings
    ks: np.ndarray
    n_draws: int
    seed: int
    n_patients: int
    n_subsampled: np.ndarray
    pct_changed: np.ndarray
    pct_changed_low: np.ndarray
    pct_changed_high: np.ndarray
    pct_changed_draws: np.ndarray
    pct_changed_among_subsampled: np.ndarray
    pct_unscorable: np.ndarray
    exact: bool
    interval_level: float
    per_patient: pd.DataFrame
    endpoints: dict[str, EndpointResampling | Unavailable]
    leave_one_out: LeaveOneOut
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class LeaveOneOut:
    """One fragment fewer, exactly: every scored fragment of every included patient left out
    in turn.

    ``per_fragment``: patient_id, fragment_id, ``group`` (with every fragment),
    ``group_without`` (the group without this
    fragment; blank when the rest cannot be scored or nothing is left) and ``flips``.
    ``per_patient`` (index patient_id): n_fragments, group, n_flipping, ``flip_pct`` (the
    probability that the group changes if one fragment fewer had been taken, each fragment
    equally likely to be the one not taken; NaN with a single fragment, which cannot be
    spared) and ``flipping_fragments`` (ids, comma-separated). ``mean_flip_pct`` averages
    ``flip_pct`` over the ``n_patients_multi`` patients with at least two fragments.
    """

    per_fragment: pd.DataFrame
    per_patient: pd.DataFrame
    n_patients_multi: int
    mean_flip_pct: float | Unavailable


# ---------------------------------------------------------------------------- preparation


@dataclass(frozen=True, slots=True, eq=False)
class _Prepared:
    """Included patients and their scored fragments, grouped by patient (contiguous blocks)."""

    ids: pd.Index  # included patient ids, cohort order
    positions: np.ndarray  # their positions in cohort.patients
    group: np.ndarray  # full-sample group per included patient
    fragments: pd.DataFrame  # scored fragments, sorted by patient (stable: file order within)
    codes: np.ndarray  # per fragment: its patient's index in ids
    n: np.ndarray  # per patient: scored fragments
    starts: np.ndarray  # per patient: first row in fragments


def resampling_settings(settings: Settings) -> Settings:
    """``settings`` without what the resampling does not read (endpoint, Kaplan–Meier band,
    Cox covariates): the cache key, so switching the endpoint does not redraw."""
    d = Settings()
    return replace(settings, endpoint=d.endpoint, conf_type=d.conf_type,
                   cox_covariates=d.cox_covariates)


def _rule_only(settings: Settings) -> Settings:
    """The settings' rule, cutoff, positivity and fragment selection, without any filter: the
    filters chose the patients once, at the full sample."""
    return replace(settings, min_fragments=1, max_fragments=None, filters=(),
                   adequate_only=False)


def _prepare(cohort: Cohort, settings: Settings) -> _Prepared:
    per_patient = classify(cohort, settings).per_patient
    included = per_patient["included"].to_numpy(dtype=bool)
    positions = np.flatnonzero(included)
    ids = pd.Index(cohort.patients.index[positions])
    frags = cohort.fragments[scored_mask(cohort.fragments, settings.timepoint,
                                         settings.specimen)]
    codes = ids.get_indexer(frags["patient_id"])
    keep = codes >= 0
    frags, codes = frags[keep], codes[keep]
    order = np.argsort(codes, kind="stable")
    frags, codes = frags.iloc[order].reset_index(drop=True), codes[order]
    n = np.bincount(codes, minlength=ids.size)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]]) if ids.size else np.zeros(0, np.int64)
    group = per_patient["group"].to_numpy(dtype=object)[positions]
    return _Prepared(ids, positions, group, frags, codes, n, starts.astype(np.int64))


def groups_of_subsets(fragments: pd.DataFrame, rows: np.ndarray, owners: np.ndarray,
                       n_owners: int, settings: Settings) -> np.ndarray:
    """The group of each of ``n_owners`` fragment subsets (subset ``owners[j]`` holds fragment
    ``rows[j]``): "homogeneous", "heterogeneous", or "" where the rule cannot score it.

    One pseudo-cohort, one :func:`~her2dash.classify.classify` call: the same code path as the
    cohort's own classification, for every rule.
    """
    if n_owners == 0:
        return np.zeros(0, dtype=object)
    patients = pd.DataFrame(index=pd.RangeIndex(n_owners, name="patient_id"))
    pseudo = Cohort(patients, fragments.iloc[rows].assign(patient_id=owners))
    return classify(pseudo, _rule_only(settings)).per_patient["group"].to_numpy(dtype=object)


def _percentile_q(level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    return tail, 1.0 - tail


# ---------------------------------------------------------------------------- leave one out


def leave_one_out(cohort: Cohort, settings: Settings,
                  prepared: _Prepared | None = None) -> LeaveOneOut:
    """Leave each scored fragment of each included patient out in turn and reclassify.

    Exact (no randomness): a patient with n fragments has n "one fewer" sets. Assumes each
    fragment was equally likely to be the one not taken.
    """
    p = _prepare(cohort, settings) if prepared is None else prepared
    multi = np.flatnonzero(p.n >= 2)
    # Pseudo-patient j of a patient drops its j-th fragment: rows are the block minus one.
    sizes = p.n[multi]
    n_sets = int(sizes.sum())
    owner_patient = np.repeat(multi, sizes)
    dropped = np.arange(n_sets) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # j within block
    kept = np.repeat(sizes, sizes) - 1  # fragments in each set
    set_of_row = np.repeat(np.arange(n_sets), kept)
    r = np.arange(set_of_row.size) - np.repeat(np.cumsum(kept) - kept, kept)
    within = r + (r >= dropped[set_of_row])  # 0 … m − 1 without the dropped one
    rows = p.starts[owner_patient][set_of_row] + within
    groups = groups_of_subsets(p.fragments, rows, set_of_row, n_sets, settings)
    full = p.group[owner_patient]
    flips = groups != full
    frag_rows = p.starts[owner_patient] + dropped
    per_fragment = pd.DataFrame({
        "patient_id": p.ids[owner_patient].to_numpy(dtype=object),
        "fragment_id": p.fragments["fragment_id"].to_numpy(dtype=object)[frag_rows],
        "group": full, "group_without": groups, "flips": flips,
    })
    n_flip = np.bincount(owner_patient, weights=flips, minlength=p.ids.size).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(p.n >= 2, 100.0 * n_flip / p.n, np.nan)
    flipping = per_fragment[per_fragment["flips"]].groupby("patient_id", sort=False)[
        "fragment_id"].agg(lambda s: ", ".join(map(str, s)))
    per_patient = pd.DataFrame({
        "n_fragments": p.n.astype(np.int64), "group": p.group, "n_flipping": n_flip,
        "flip_pct": pct,
    }, index=p.ids)
    per_patient["flipping_fragments"] = flipping.reindex(p.ids).fillna("").to_numpy(dtype=object)
    mean: float | Unavailable = (float(np.mean(pct[multi])) if multi.size else Unavailable(
        "no included patient has two or more tumour-containing fragments, so none can be "
        "spared"))
    return LeaveOneOut(per_fragment, per_patient, int(multi.size), mean)


# ---------------------------------------------------------------------------- every subset


@dataclass(frozen=True, slots=True, eq=False)
class _SubsetTable:
    """The group of every non-empty subset of every patient's scored fragments.

    A subset of patient i is a bit mask over its fragments (bit w = its w-th fragment in file
    order); its group is ``groups[offsets[i] + mask]`` (entry 0 of a block, the empty set, is
    unused). Classified once, it answers the exact enumeration and every random draw by lookup.
    """

    offsets: np.ndarray
    groups: np.ndarray


def _n_subsets(n: np.ndarray) -> int:
    return int(sum(2 ** int(m) - 1 for m in n))


def _subset_table(p: _Prepared, settings: Settings) -> _SubsetTable:
    sizes = 2 ** p.n.astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    groups = np.full(int(sizes.sum()), "", dtype=object)
    rows_parts, owner_parts, slot_parts = [], [], []
    next_owner = 0
    for m in np.unique(p.n):
        patients = np.flatnonzero(p.n == m)
        masks = np.arange(1, 2 ** int(m), dtype=np.int64)
        mask_i, pos = np.nonzero((masks[:, None] >> np.arange(int(m))) & 1)
        rows_parts.append((p.starts[patients][:, None] + pos[None, :]).ravel())
        owner_parts.append((next_owner + np.arange(patients.size)[:, None] * masks.size
                            + mask_i[None, :]).ravel())
        slot_parts.append((offsets[patients][:, None] + masks[None, :]).ravel())
        next_owner += patients.size * masks.size
    classified = groups_of_subsets(p.fragments, np.concatenate(rows_parts),
                                    np.concatenate(owner_parts), next_owner, settings)
    groups[np.concatenate(slot_parts)] = classified
    return _SubsetTable(offsets, groups)


def _popcount(masks: np.ndarray) -> np.ndarray:
    count = np.zeros(masks.shape, dtype=np.int64)
    x = masks.copy()
    while x.any():
        count += x & 1
        x >>= 1
    return count


def _exact_change(p: _Prepared, ks: np.ndarray, table: _SubsetTable) -> np.ndarray:
    """(patients, len(ks)): the exact probability that a patient's group differs from the full
    sample when k of its fragments are taken at random, every k-subset equally likely."""
    out = np.zeros((p.ids.size, ks.size))
    for m in np.unique(p.n):
        patients = np.flatnonzero(p.n == m)
        masks = np.arange(1, 2 ** int(m), dtype=np.int64)
        size = _popcount(masks)
        g = table.groups[table.offsets[patients][:, None] + masks[None, :]]
        changed = g != p.group[patients][:, None]
        for ki, k in enumerate(ks):
            if k < m:
                out[patients, ki] = changed[:, size == k].mean(axis=1)
    return out


# ---------------------------------------------------------------------------- Monte Carlo draws


def draw_groups(cohort: Cohort, settings: Settings, *, n_draws: int = DEFAULT_DRAWS,
                seed: int = 0, prepared: _Prepared | None = None,
                table: _SubsetTable | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The drawn groups: ``(ks, groups)`` with ``groups[i, b, j]`` the group of included patient
    j (cohort order) in draw b when ``ks[i]`` fragments are taken ("" = the rule could not score
    the drawn fragments). Seeded: the same arguments give the same draws.

    With a subset ``table`` the drawn subsets' groups are looked up; without, the drawn
    fragments are classified as one pseudo-cohort (same groups, for cohorts whose subsets are
    too many to tabulate).
    """
    p = _prepare(cohort, settings) if prepared is None else prepared
    ks = np.arange(1, int(p.n.max()) + 1) if p.ids.size else np.zeros(0, np.int64)
    groups = np.broadcast_to(p.group, (ks.size, n_draws, p.ids.size)).copy()
    rng = np.random.default_rng(seed)
    # One uniform key per (draw, fragment); a patient's k lowest keys are its k-subset. Patient
    # codes are added so one argsort per draw keeps every patient's block in place.
    keys = rng.random((n_draws, p.codes.size))
    order = np.argsort(p.codes[None, :] + keys, axis=1)
    within = np.arange(p.codes.size) - p.starts[p.codes]
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(within, order.shape), axis=1)
    if table is not None:
        bit = np.left_shift(1, within).astype(np.int64)
        for ki, k in enumerate(ks):
            masks = np.add.reduceat(np.where(rank < k, bit, 0), p.starts, axis=1)
            groups[ki] = table.groups[table.offsets[None, :] + masks]
        return ks, groups
    rows_parts, owner_parts, meta = [], [], []
    next_owner = 0
    for ki, k in enumerate(ks):
        sub = p.n > k
        if not sub.any():
            continue
        local = np.cumsum(sub) - 1  # patient -> index among the resampled
        m = int(sub.sum())
        b_idx, f_idx = np.nonzero((rank < k) & sub[p.codes][None, :])
        rows_parts.append(f_idx)
        owner_parts.append(next_owner + b_idx * m + local[p.codes[f_idx]])
        meta.append((ki, sub, m, next_owner))
        next_owner += n_draws * m
    if meta:
        drawn = groups_of_subsets(p.fragments, np.concatenate(rows_parts),
                                   np.concatenate(owner_parts), next_owner, settings)
        for ki, sub, m, start in meta:
            groups[ki][:, sub] = drawn[start:start + n_draws * m].reshape(n_draws, m)
    return ks, groups


# ---------------------------------------------------------------------------- hazard ratios


def _counts_matrix(time: np.ndarray, event: np.ndarray, homo: np.ndarray) -> GroupCounts:
    """The sweep's per-(event time, grouping) counts for any patients × groupings matrix
    ``homo`` (the sweep's own builder takes nested groupings, which draws are not)."""
    uniq, inverse = distinct_times(time)  # R's timefix, as survdiff / coxph
    order = np.argsort(inverse, kind="stable")
    inv = inverse[order]
    starts = np.flatnonzero(np.r_[True, inv[1:] != inv[:-1]])
    h = homo[order].astype(float)
    homo_at = np.add.reduceat(h, starts, axis=0)
    dead_at = np.add.reduceat(h * event[order][:, None], starts, axis=0)
    n_at = np.bincount(inverse, minlength=uniq.size)
    d_at = np.bincount(inverse, weights=event, minlength=uniq.size)
    ev = d_at > 0
    r1 = np.cumsum(homo_at[::-1], axis=0)[::-1][ev]
    n_risk = (time.size - np.cumsum(n_at) + n_at)[ev].astype(float)
    return GroupCounts(uniq[ev], n_risk, d_at[ev], r1, dead_at[ev],
                   homo.sum(axis=0).astype(np.int64), int(time.size), int(np.rint(d_at.sum())))


def _conclusion(ci_low: np.ndarray, ci_high: np.ndarray) -> np.ndarray:
    out = np.full(ci_low.shape, NOT_ESTIMABLE, dtype=object)
    ok = np.isfinite(ci_low) & np.isfinite(ci_high)
    out[ok] = NO_DIFFERENCE
    out[ok & (ci_high < 1.0)] = LOWER
    out[ok & (ci_low > 1.0)] = HIGHER
    return out


def _single_fit(t: np.ndarray, e: np.ndarray, groups: np.ndarray, conf_level: float
                ) -> tuple[float, float, float, float, str | None]:
    """HR, CI and log-rank p of one draw whose unscorable patients are left out (rare: only
    rules that can fail on a subset, e.g. the genetic rule without ISH in the drawn ones)."""
    use = groups != ""
    homo = groups[use] == HOMOGENEOUS
    hr = hazard_ratio(t[use], e[use], homo, conf_level=conf_level)
    lr = logrank(t[use], e[use], homo)
    p = float("nan") if isinstance(lr, Unavailable) else lr.pvalue
    if isinstance(hr, Unavailable):
        return float("nan"), float("nan"), float("nan"), p, hr.reason
    return hr.estimate, float(hr.ci.low), float(hr.ci.high), p, None


def _endpoint(cohort: Cohort, endpoint: str, p: _Prepared, groups: np.ndarray,
              level: float) -> EndpointResampling | Unavailable:
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    missing = [col for col in (time_col, event_col) if not cohort.has(col)]
    if missing:
        return Unavailable(f"the cohort has no {' / '.join(missing)} column")
    t = cohort.patients[time_col].to_numpy(dtype=float)[p.positions]
    e = cohort.patients[event_col].to_numpy(dtype=float)[p.positions]
    keep = ~(np.isnan(t) | np.isnan(e))  # R's na.omit
    if not keep.any():
        return Unavailable(no_endpoint_data(endpoint))
    t, e = t[keep], e[keep]
    if e.sum() == 0:
        return Unavailable(f"no {endpoint.upper()} events among the included patients")
    n_k, n_b = groups.shape[:2]
    g = groups[:, :, keep]
    full_homo = p.group[keep] == HOMOGENEOUS
    full = hazard_ratio(t, e, full_homo, conf_level=level)
    full_lr = logrank(t, e, full_homo)
    # Column 0: the full sample; then draw b of k index i at 1 + i·B + b.
    homo = np.concatenate([full_homo[:, None], (g == HOMOGENEOUS).reshape(n_k * n_b, -1).T],
                          axis=1)
    counts = _counts_matrix(t, e, homo)
    cox = batched_cox(counts, level)
    lr = batched_logrank(counts)
    hr, low, high = (np.asarray(cox[name], dtype=float)[1:].copy()
                     for name in ("hazard_ratio", "ci_low", "ci_high"))
    pval = np.asarray(lr["p"], dtype=float)[1:].copy()
    reasons = list(cox["reasons"])[1:]
    ok = np.array([r is None for r in reasons])
    hr[~ok], low[~ok], high[~ok] = np.nan, np.nan, np.nan
    unscorable = (g == "").any(axis=2).reshape(-1)
    for j in np.flatnonzero(unscorable):
        hr[j], low[j], high[j], pval[j], reasons[j] = _single_fit(
            t, e, g.reshape(n_k * n_b, -1)[j], level)
    shape = (n_k, n_b)
    hr, low, high, pval = (a.reshape(shape) for a in (hr, low, high, pval))
    conclusion = _conclusion(low, high)
    if isinstance(full, Unavailable):
        full_conclusion = NOT_ESTIMABLE
    else:
        full_conclusion = str(_conclusion(np.array([full.ci.low]), np.array([full.ci.high]))[0])
    q_low, q_high = _percentile_q(level)
    estimable = np.isfinite(hr)
    n_est = estimable.sum(axis=1)
    med, lo, hi = (np.full(n_k, np.nan) for _ in range(3))
    for i in np.flatnonzero(n_est > 0):
        x = hr[i][estimable[i]]
        med[i], lo[i], hi[i] = np.median(x), *np.quantile(x, (q_low, q_high))
    why: list[str | None] = []
    for i in range(n_k):
        missing_reasons = [r for r in reasons[i * n_b:(i + 1) * n_b] if r is not None]
        why.append(Counter(missing_reasons).most_common(1)[0][0] if missing_reasons else None)
    for a in (hr, low, high, pval):
        a.setflags(write=False)
    return EndpointResampling(
        endpoint=endpoint, n_patients=int(keep.sum()), full=full, full_logrank=full_lr,
        full_conclusion=full_conclusion, hazard_ratio=hr, ci_low=low, ci_high=high,
        logrank_p=pval, hr_median=med, hr_low=lo, hr_high=hi, n_estimable=n_est,
        pct_ci_excludes_1=100.0 * np.isin(conclusion, (LOWER, HIGHER)).mean(axis=1),
        pct_logrank_significant=100.0 * (np.nan_to_num(pval, nan=1.0) < SIGNIFICANCE).mean(
            axis=1),
        pct_same_conclusion=100.0 * (conclusion == full_conclusion).mean(axis=1),
        reasons=tuple(why),
    )


# ---------------------------------------------------------------------------- front door


def resample(cohort: Cohort, settings: Settings, *, n_draws: int = DEFAULT_DRAWS,
             seed: int = 0, exact: bool | None = None) -> ResamplingResult | Unavailable:
    """Would fewer biopsies have changed the groups and the hazard ratio?

    Parameters
    ----------
    settings
        Rule, cutoff, positivity, fragment selection, filters (which patients) and CI level.
    n_draws
        Draws per k (B).
    seed
        Seed of :func:`numpy.random.default_rng`.
    exact
        Enumerate every k-subset of every patient for the expected share of changed calls:
        ``True`` always, ``False`` never (the Monte Carlo mean), ``None`` when there are at
        most :data:`EXACT_SUBSET_LIMIT` subsets.

    Returns
    -------
    ResamplingResult, or Unavailable when no patient is included, nobody has two or more
    scored fragments, or the draws would not fit in memory (the reason says which B does).

    References
    ----------
    Per draw, R's ``coxph(Surv(t, e) ~ homo)`` (Efron) and ``survdiff(Surv(t, e) ~ homo)``
    on the drawn groups; ``tests/test_resampling.py`` checks draws against
    :func:`her2dash.cox.hazard_ratio`, which is checked against R.
    """
    if not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise ValueError(f"n_draws must be an integer ≥ 1, got {n_draws!r}")
    p = _prepare(cohort, settings)
    if p.ids.size == 0:
        return Unavailable("no patient is included under the current settings")
    k_max = int(p.n.max())
    if k_max < 2:
        return Unavailable("every included patient has a single tumour-containing fragment, so "
                           "there are no fewer biopsies to simulate")
    cells = p.ids.size * k_max * int(n_draws)
    drawn = int(n_draws) * sum(int(k) * int((p.n > k).sum()) for k in range(1, k_max))
    if cells > MAX_CELLS or drawn > MAX_DRAWN_FRAGMENTS:
        per_draw = max(p.ids.size * k_max, drawn // int(n_draws), 1)
        fits = max(1, min(MAX_CELLS // max(p.ids.size * k_max, 1),
                          MAX_DRAWN_FRAGMENTS // per_draw))
        return Unavailable(f"{int(n_draws):,} draws of {p.ids.size:,} patients with up to "
                           f"{k_max} fragments are more than is computed at once; use at most "
                           f"{fits:,} draws")
    tabulate = k_max <= _MAX_TABLE_FRAGMENTS and _n_subsets(p.n) <= EXACT_SUBSET_LIMIT
    if exact and not tabulate:
        return Unavailable(f"exact enumeration needs every subset of up to {k_max} fragments "
                           f"per patient, more than the {EXACT_SUBSET_LIMIT:,} computed at once; "
                           "use the mean over draws instead")
    use_exact = tabulate if exact is None else bool(exact)
    table = _subset_table(p, settings) if tabulate else None
    ks, groups = draw_groups(cohort, settings, n_draws=int(n_draws), seed=int(seed), prepared=p,
                             table=table)
    changed = groups != p.group[None, None, :]
    draws_pct = 100.0 * changed.mean(axis=2)
    n_sub = np.array([(p.n > k).sum() for k in ks], dtype=np.int64)
    per_patient_prob = (_exact_change(p, ks, table) if use_exact and table is not None
                        else changed.mean(axis=1).T.astype(float))
    expected = 100.0 * per_patient_prob.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        among = np.where(n_sub > 0, expected * p.ids.size / n_sub, np.nan)
    level = float(settings.conf_level)
    q_low, q_high = _percentile_q(level)
    low, high = np.quantile(draws_pct, (q_low, q_high), axis=1)
    per_patient = pd.DataFrame({"n_fragments": p.n.astype(np.int64), "group": p.group},
                               index=p.ids)
    for i, k in enumerate(ks):
        per_patient[f"change_pct_k{k}"] = 100.0 * per_patient_prob[:, i]
    endpoints: dict[str, EndpointResampling | Unavailable] = {
        e: _endpoint(cohort, e, p, groups, level) for e in ENDPOINTS}
    notes = (f"At each k a patient with at most k tumour-containing fragments keeps all of "
             f"them, so every k compares the same {p.ids.size} patients and k = {k_max} is the "
             f"full sample.",
             "Fragments are drawn without replacement, each k-subset equally likely; draws are "
             "nested across k (the k fragments drawn are among the k + 1).")
    for a in (ks, n_sub, expected, low, high, draws_pct, among):
        a.setflags(write=False)
    return ResamplingResult(
        settings=settings, ks=ks, n_draws=int(n_draws), seed=int(seed), n_patients=p.ids.size,
        n_subsampled=n_sub, pct_changed=expected, pct_changed_low=low, pct_changed_high=high,
        pct_changed_draws=draws_pct, pct_changed_among_subsampled=among,
        pct_unscorable=100.0 * (groups == "").mean(axis=(1, 2)), exact=use_exact,
        interval_level=level, per_patient=per_patient, endpoints=endpoints,
        leave_one_out=leave_one_out(cohort, settings, p), notes=notes)

"""Display tables and sentences of the cutoff explorer (her2dash/sweep.py, maxstat.py,
flips.py, twoway.py): the sweep as one row per cutoff, what was searched, and the optimal cutpoint
always with its multiplicity-adjusted p beside the naive one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS
from her2dash.flips import Flips
from her2dash.maxstat import BootstrapCutpoint, MaxStatResult, SplitSample
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.sweep import EndpointSweep, SweepResult
from her2dash.tables import DASH, format_number, format_p
from her2dash.tables.survival import ENDPOINT_SHORT, hazard_ratio_text
from her2dash.twoway import TwoWayMap

PAPER_CUTOFF_PCT = 100.0


def _num(x: float, digits: int = 2) -> float | None:
    """A float for a CSV cell: rounded, and None (empty) where the statistic is undefined."""
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def sweep_table(result: SweepResult) -> pd.DataFrame:
    """One row per cutoff: group sizes, and per endpoint HR (CI), Wald/LR and log-rank p, z,
    medians; ORR per group with Fisher's p. Numbers stay numbers (a CSV to re-plot)."""
    out: dict[str, object] = {
        "cutoff_pct": result.cutoffs,
        "eligible": result.eligible,
        "n_homogeneous": result.n_homogeneous,
        "n_heterogeneous": result.n_heterogeneous,
    }
    for endpoint, e in result.endpoints.items():
        if isinstance(e, Unavailable):
            continue
        short = endpoint
        out |= {
            f"{short}_hr": [_num(v, 4) for v in e.hazard_ratio],
            f"{short}_hr_low": [_num(v, 4) for v in e.ci_low],
            f"{short}_hr_high": [_num(v, 4) for v in e.ci_high],
            f"{short}_wald_p": [_num(v, 6) for v in e.wald_p],
            f"{short}_lr_p": [_num(v, 6) for v in e.lr_p],
            f"{short}_logrank_chisq": [_num(v, 4) for v in e.logrank_chisq],
            f"{short}_logrank_p": [_num(v, 6) for v in e.logrank_p],
            f"{short}_logrank_z": [_num(v, 4) for v in e.logrank_z],
            f"{short}_median_homogeneous": [_num(v, 2) for v in e.median_homogeneous],
            f"{short}_median_heterogeneous": [_num(v, 2) for v in e.median_heterogeneous],
            f"{short}_note": [r or "" for r in e.reasons],
        }
    out |= {
        "orr_homogeneous": [_num(v, 4) for v in result.orr_homogeneous],
        "orr_heterogeneous": [_num(v, 4) for v in result.orr_heterogeneous],
        "orr_fisher_p": [_num(v, 6) for v in result.orr_fisher_p],
    }
    return pd.DataFrame(out)


def search_header(result: SweepResult, endpoint: str) -> str:
    """"Searched: …; 23 of 81 eligible cutoffs reach log-rank p < 0.05 (PFS)"."""
    e = result.endpoints.get(endpoint)
    if e is None or isinstance(e, Unavailable):
        return f"Searched: {result.searched}."
    return (f"Searched: {result.searched}. {e.n_significant} of {result.n_tried} eligible "
            f"cutoffs (both groups ≥ {result.min_group} patients) reach log-rank p < 0.05 for "
            f"{ENDPOINT_SHORT[endpoint]}; a cutoff picked for its p must be judged by the "
            "adjusted p of the optimal-cutpoint test below.")


def at_cutoff(result: SweepResult, endpoint: str, cutoff: float) -> str:
    """The sweep's row nearest ``cutoff`` in words (the sidebar's current cutoff)."""
    i = int(np.argmin(np.abs(result.cutoffs - cutoff)))
    e = result.endpoints.get(endpoint)
    scale = rule_spec(result.settings.rule).cutoff
    unit = f" {scale.unit}" if scale is not None and scale.unit else ""
    sizes = (f"{GROUP_LABELS[HOMOGENEOUS]} {int(result.n_homogeneous[i])}, "
             f"{GROUP_LABELS[HETEROGENEOUS]} {int(result.n_heterogeneous[i])}")
    if e is None or isinstance(e, Unavailable) or e.reasons[i]:
        why = e.reasons[i] if isinstance(e, EndpointSweep) and e.reasons[i] else "not available"
        return f"At {format_number(result.cutoffs[i], 0)}{unit}: {sizes}; {why}."
    return (f"At {format_number(result.cutoffs[i], 0)}{unit}: {sizes}; "
            f"HR {format_number(e.hazard_ratio[i], 2)} "
            f"({format_number(e.ci_low[i], 2)}–{format_number(e.ci_high[i], 2)}), "
            f"log-rank p {format_p(e.logrank_p[i])}.")


def maxstat_frame(tests: dict[str, MaxStatResult | Unavailable], unit: str = "%"
                  ) -> pd.DataFrame:
    """Optimal cutpoint per endpoint: the naive p never without the adjusted ones. ``unit``:
    the rule's cutoff unit ("%", or "" for H-score points)."""
    suffix = f" {unit}" if unit else ""
    rows = []
    for endpoint, m in tests.items():
        if isinstance(m, Unavailable):
            rows.append({"Endpoint": ENDPOINT_SHORT[endpoint], "Optimal cutoff": DASH,
                         "Max statistic": DASH, "Naive p": DASH, "Adjusted p (Lau92)": DASH,
                         "Adjusted p (permutation)": DASH, "Note": m.reason})
            continue
        perm = (f"{format_p(m.permutation_p)} ({m.permutations:,} permutations)"
                if m.permutation_p is not None else DASH)
        rows.append({"Endpoint": ENDPOINT_SHORT[endpoint],
                     "Optimal cutoff": f"{format_number(m.estimate_cutoff_pct, 1)}{suffix}",
                     "Max statistic": format_number(m.statistic, 3),
                     "Naive p": format_p(m.naive_p),
                     "Adjusted p (Lau92)": format_p(m.lau92_p),
                     "Adjusted p (permutation)": perm, "Note": ""})
    return pd.DataFrame(rows)


def bootstrap_text(boot: BootstrapCutpoint | Unavailable) -> str:
    if isinstance(boot, Unavailable):
        return f"Bootstrap not available: {boot.reason}."
    q = boot.quantiles
    return (f"Over {boot.n_boot} bootstrap resamples (seed {boot.seed}) the optimal cutoff "
            f"ranged {format_number(q.get('2.5%', math.nan), 0)}–"
            f"{format_number(q.get('97.5%', math.nan), 0)} % (median "
            f"{format_number(q.get('50%', math.nan), 0)} %); "
            f"{100 * boot.share_at_estimate:.0f} % of resamples chose the full data's cutoff.")


def split_sample_text(split: SplitSample | Unavailable) -> str:
    if isinstance(split, Unavailable):
        return f"Split-sample validation not available: {split.reason}."
    hr = hazard_ratio_text(split.validation_hazard_ratio)
    return (f"Chosen on a random half ({split.training_n} patients, seed {split.seed}): "
            f"{format_number(split.cutoff_pct, 1)} %. On the other half "
            f"({split.validation_n} patients): {hr}, log-rank p "
            f"{format_p(split.validation_logrank_p)}.")


def flips_frame(f: Flips) -> pd.DataFrame:
    """The patients who change group between two cutoffs."""
    frame = f.patients.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: format_number(v, 1))
    return frame


def flips_text(f: Flips, endpoint: str, unit: str = "%") -> str:
    """Who moves between the two cutoffs, in words (``unit``: the rule's cutoff unit)."""
    before = f.hazard_ratio_from.get(endpoint)
    after = f.hazard_ratio_to.get(endpoint)
    moved = len(f.to_homogeneous) + len(f.to_heterogeneous)
    u = f" {unit}" if unit else ""
    if moved == 0:
        return (f"No patient changes group between {format_number(f.cutoff_from, 0)}{u} and "
                f"{format_number(f.cutoff_to, 0)}{u}.")
    return (f"From {format_number(f.cutoff_from, 0)}{u} to {format_number(f.cutoff_to, 0)}{u}: "
            f"{len(f.to_homogeneous)} patient(s) become {GROUP_LABELS[HOMOGENEOUS]} and "
            f"{len(f.to_heterogeneous)} become {GROUP_LABELS[HETEROGENEOUS]}; "
            f"{ENDPOINT_SHORT[endpoint]} {hazard_ratio_text(before)} → "
            f"{hazard_ratio_text(after)}.")


ALTMAN_WARNING = (
    "A cutoff chosen because its p is smallest is biased: its hazard ratio is further from 1, "
    "and its p smaller, than the same cutoff would give in new patients (Altman et al., JNCI "
    "1994). Judge it by the adjusted p, the bootstrap spread and the split-sample check, not by "
    "its naive p.")


def criterion_caption(optimal: dict[str, MaxStatResult | Unavailable]) -> str | None:
    """What was maximised and how the p was adjusted, from the first available test."""
    for m in optimal.values():
        if not isinstance(m, Unavailable):
            return f"Criterion: {m.criterion}."
    return None


def two_way_text(grid: TwoWayMap) -> str:
    return (f"Searched: {grid.searched}. The largest standardized log-rank statistic, "
            f"{format_number(grid.max_statistic, 2)}, is at {format_number(grid.best_cutoff, 0)} "
            f"% with ≥ {grid.best_min_fragments} fragment(s); adjusted over the whole grid by "
            f"{grid.permutations:,} permutations (seed {grid.seed}): p "
            f"{format_p(grid.adjusted_p)}.")

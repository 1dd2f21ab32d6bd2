"""The cutoff explorer: the sweep over cutoffs and the honest optimal cutpoint, bundled for the
page (pages/cutoff.py) and ``python -m her2dash sweep``.

The sweep itself is :mod:`her2dash.sweep`; the maximally selected log-rank statistic with its
adjusted p-values, the bootstrap of the cutpoint and the split-sample check are
:mod:`her2dash.maxstat`; the two-way map is :mod:`her2dash.twoway`. This module only picks the
patients and their values and arranges the calls, so the page and the command line agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from her2dash.classify import classify, patient_features, rule_values
from her2dash.cohort import Cohort
from her2dash.maxstat import (
    BootstrapCutpoint,
    MaxStatResult,
    SplitSample,
    bootstrap_cutpoint,
    maxstat_test,
    split_sample,
)
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import ENDPOINTS, PAPER_CUTOFF_PCT, Settings
from her2dash.sweep import SweepResult, sweep


@dataclass(frozen=True, slots=True, eq=False)
class CutoffExploration:
    """Sweep, optimal cutpoint per endpoint, and (when asked) its bootstrap and split-sample
    check. ``settings`` is the base: its cutoff is irrelevant here (every cutoff is tried)."""

    settings: Settings
    sweep: SweepResult
    optimal: dict[str, MaxStatResult | Unavailable]
    bootstrap: dict[str, BootstrapCutpoint | Unavailable]
    split_sample: dict[str, SplitSample | Unavailable]


def sweep_settings(settings: Settings) -> Settings:
    """The settings a sweep depends on: everything but the cutoff (fixed at the paper's), so
    moving the sidebar cutoff does not recompute, or re-cache, the sweep."""
    return replace(settings, cutoff_pct=PAPER_CUTOFF_PCT)


def included_values(cohort: Cohort, settings: Settings, endpoint: str
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | Unavailable:
    """Rule value, time and event of the patients the settings include (filters applied) and
    who have the endpoint: what the optimal-cutpoint test splits."""
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    if not cohort.has(time_col) or not cohort.has(event_col):
        return Unavailable(f"the cohort has no {time_col} / {event_col} column")
    features = patient_features(cohort, settings)
    result = classify(cohort, settings, features)
    mask = result.per_patient["included"].to_numpy()
    values = rule_values(features, settings.rule)[mask]
    pts = cohort.patients.loc[result.per_patient.index[mask]]
    time = pts[time_col].to_numpy(dtype=float)
    event = pts[event_col].to_numpy(dtype=float)
    known = ~(np.isnan(time) | np.isnan(event) | np.isnan(values))
    return values[known], time[known], event[known]


def explore(cohort: Cohort, settings: Settings, *, step: float = 1.0, min_group: int = 5,
            permutations: int = 1000, seed: int = 0, n_boot: int = 0,
            split: bool = False) -> CutoffExploration | Unavailable:
    """Everything the cutoff page shows, for ``settings`` with every cutoff tried.

    Unavailable for a rule without a cutoff (genetic, score-mix): there is nothing to move.
    """
    if rule_spec(settings.rule).cutoff is None:
        return Unavailable(f"the {settings.rule} rule has no cutoff, so there is no cutoff to "
                           "explore; choose a rule with a cutoff")
    base = sweep_settings(settings)
    result = sweep(cohort, base, step=step, min_group=min_group)
    optimal: dict[str, MaxStatResult | Unavailable] = {}
    boot: dict[str, BootstrapCutpoint | Unavailable] = {}
    halves: dict[str, SplitSample | Unavailable] = {}
    for endpoint in ENDPOINTS:
        data = included_values(cohort, base, endpoint)
        if isinstance(data, Unavailable):
            optimal[endpoint] = boot[endpoint] = halves[endpoint] = data
            continue
        values, time, event = data
        optimal[endpoint] = maxstat_test(values, time, event, endpoint=endpoint,
                                         permutations=permutations, seed=seed)
        if n_boot:
            boot[endpoint] = bootstrap_cutpoint(values, time, event, endpoint=endpoint,
                                                n_boot=n_boot, seed=seed)
        if split:
            halves[endpoint] = split_sample(values, time, event, endpoint=endpoint, seed=seed)
    return CutoffExploration(base, result, optimal, boot, halves)

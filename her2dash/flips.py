"""Who flips: the patients who change group between two cutoffs, and what that does to the HR.

Moving the cutoff from ``cutoff_from`` to ``cutoff_to`` (default: the paper's 100 %) moves the
patients whose rule value lies between the two from one group to the other; nobody moves the
other way, since the groups are nested. :func:`flips` lists them with their tumour-containing
fragments and gives the hazard ratio (PFS and OS) at both cutoffs, from the same engine as the
survival and Cox pages (:func:`her2dash.cox.hazard_ratio`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, patient_features, rule_values
from her2dash.cohort import Cohort
from her2dash.cox import HazardRatio, hazard_ratio
from her2dash.results import Unavailable
from her2dash.settings import ENDPOINTS, PAPER_CUTOFF_PCT, Settings
from her2dash.survival import no_endpoint_data
from her2dash.sweep import cutoff_groups

TO_HOMOGENEOUS = f"to {HOMOGENEOUS}"
TO_HETEROGENEOUS = f"to {HETEROGENEOUS}"
PATIENT_COLUMNS = ("patient_id", "direction", "value", "n_fragments", "min_pct", "mean_pct")
FRAGMENT_COLUMNS = ("patient_id", "fragment_id", "ihc_score", "pct_positive")


@dataclass(frozen=True, slots=True, eq=False)
class Flips:
    """Patients whose group differs between ``cutoff_from`` and ``cutoff_to``.

    ``patients``: one row per flipping patient (:data:`PATIENT_COLUMNS`: ``direction`` is
    "to homogeneous" / "to heterogeneous" going from ``cutoff_from`` to ``cutoff_to``,
    ``value`` the rule's value, and the patient's number of tumour-containing fragments and
    minimum / mean effective % positive), sorted by value, as are the id tuples.
    ``fragments``: their tumour-containing fragments (:data:`FRAGMENT_COLUMNS`).
    ``hazard_ratio_from`` / ``hazard_ratio_to``: per endpoint, homogeneous vs heterogeneous at
    each cutoff.
    """

    cutoff_from: float
    cutoff_to: float
    to_homogeneous: tuple[str, ...]
    to_heterogeneous: tuple[str, ...]
    patients: pd.DataFrame
    fragments: pd.DataFrame
    hazard_ratio_from: dict[str, HazardRatio | Unavailable]
    hazard_ratio_to: dict[str, HazardRatio | Unavailable]


def _hazard_ratios(cohort: Cohort, positions: np.ndarray, homo: np.ndarray,
                   conf_level: float) -> dict[str, HazardRatio | Unavailable]:
    out: dict[str, HazardRatio | Unavailable] = {}
    for endpoint in ENDPOINTS:
        time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
        missing = [c for c in (time_col, event_col) if not cohort.has(c)]
        if missing:
            out[endpoint] = Unavailable(f"the cohort has no {' / '.join(missing)} column")
            continue
        t = cohort.patients[time_col].to_numpy(dtype=float)[positions]
        e = cohort.patients[event_col].to_numpy(dtype=float)[positions]
        if (np.isnan(t) | np.isnan(e)).all():
            out[endpoint] = Unavailable(no_endpoint_data(endpoint))
            continue
        out[endpoint] = hazard_ratio(t, e, homo, conf_level=conf_level)
    return out


def flips(cohort: Cohort, settings: Settings, cutoff_from: float,
          cutoff_to: float = PAPER_CUTOFF_PCT) -> Flips:
    """The patients who change group when the cutoff moves from ``cutoff_from`` to ``cutoff_to``.

    Groups follow ``settings`` (rule, positivity, biopsy-count and cohort filters; its
    ``cutoff_pct`` is not used); excluded patients are in neither group and never flip.

    References
    ----------
    The hazard ratios are ``coxph(Surv(t, e) ~ homo)`` at each cutoff (Efron), as
    :func:`her2dash.cox.hazard_ratio`.
    """
    features = patient_features(cohort, settings)
    cuts = np.array([cutoff_from, cutoff_to], dtype=float)
    positions, homo = cutoff_groups(cohort, settings, cuts, features)
    before, after = homo[:, 0], homo[:, 1]
    moved = before != after
    rows = positions[moved]
    ids = cohort.patients.index[rows].astype(str)
    values = rule_values(features, settings.rule)[rows]
    feats = features.iloc[rows]
    patients = pd.DataFrame({
        "patient_id": ids,
        "direction": np.where(after[moved], TO_HOMOGENEOUS, TO_HETEROGENEOUS),
        "value": values,
        "n_fragments": feats["n_fragments"].to_numpy(),
        "min_pct": feats["min_pct"].to_numpy(dtype=float),
        "mean_pct": feats["mean_pct"].to_numpy(dtype=float),
    }).sort_values(["value", "patient_id"], kind="stable").reset_index(drop=True)
    frags = cohort.fragments
    keep = frags["tumor_present"].to_numpy(dtype=bool) & frags["patient_id"].isin(ids).to_numpy()
    fragments = frags.loc[keep, list(FRAGMENT_COLUMNS)].reset_index(drop=True)
    level = settings.conf_level
    return Flips(
        cutoff_from=float(cutoff_from), cutoff_to=float(cutoff_to),
        to_homogeneous=tuple(patients.loc[patients["direction"] == TO_HOMOGENEOUS,
                                          "patient_id"]),
        to_heterogeneous=tuple(patients.loc[patients["direction"] == TO_HETEROGENEOUS,
                                            "patient_id"]),
        patients=patients, fragments=fragments,
        hazard_ratio_from=_hazard_ratios(cohort, positions, before, level),
        hazard_ratio_to=_hazard_ratios(cohort, positions, after, level),
    )

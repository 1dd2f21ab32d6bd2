"""Median PFS and OS per HER2 group within each specimen type: the paper's Table 4.

The seed paper (Yagi et al. 2019, Table 4) sets its biopsy cohort beside the group's earlier
cohort of surgical specimens. With a ``specimen_type`` column holding both "biopsy" and
"surgical", the dashboard shows the same layout: for each specimen type, the median PFS and OS of
the heterogeneous and homogeneous groups with their CIs, by ``print.survfit``'s rule (via
:mod:`her2dash.survival`). Nothing is tested between the columns: the paper compares two cohorts,
not two specimens of the same patients, and a test would suggest otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.results import Unavailable
from her2dash.survival import MedianSurvival, kaplan_meier_by_group, median_survival

SPECIMEN_TYPES: tuple[str, ...] = ("biopsy", "surgical")
ENDPOINTS: tuple[str, ...] = ("pfs", "os")
GROUPS: tuple[str, ...] = (HETEROGENEOUS, HOMOGENEOUS)  # reference first, as in the paper

NOTE = ("Side by side, not tested: the paper's Table 4 compares its biopsy cohort with an earlier "
        "cohort of surgical specimens, i.e. different patients, not paired specimens of the same "
        "patients; a difference between the columns mixes the specimen type with everything else "
        "that differs between the patients.")


@dataclass(frozen=True, slots=True)
class SpecimenComparison:
    """Medians per (endpoint, specimen type, group), and patients per (specimen type, group).

    ``medians`` keys: endpoint ``"pfs"``/``"os"``, a :data:`SPECIMEN_TYPES` entry, a group
    (``"heterogeneous"``/``"homogeneous"``). An endpoint the cohort lacks, or a group without
    patients with that endpoint, is Unavailable. ``n`` counts patients whatever their endpoint
    data; patients without a specimen type are in neither column (``note`` says how many).
    """

    specimen_types: tuple[str, ...]
    medians: dict[tuple[str, str, str], MedianSurvival | Unavailable]
    n: dict[tuple[str, str], int]
    note: str


def specimen_comparison(patients: pd.DataFrame, is_homogeneous: pd.Series, *,
                        conf_level: float = 0.95) -> SpecimenComparison | Unavailable:
    """Median PFS and OS with CI per HER2 group and specimen type (Table 4 of the paper).

    Parameters
    ----------
    patients
        Indexed by patient_id, with ``specimen_type`` and any of ``pfs_months``, ``pfs_event``,
        ``os_months``, ``os_event``.
    is_homogeneous
        Bool per included patient; aligned to ``patients`` by index, so patients it does not
        list (excluded ones) are left out.

    Returns
    -------
    SpecimenComparison, or Unavailable when the cohort does not hold both specimen types.

    References
    ----------
    Within each specimen type, ``summary(survfit(Surv(time, status) ~ homo,
    conf.int = conf_level))$table[, c("median", "LCL", "UCL")]`` (print.survfit's rule; R's
    timefix on that specimen type's patients).
    """
    homo = is_homogeneous.reindex(patients.index)
    if "specimen_type" in patients.columns:
        spec = patients["specimen_type"].astype("string").str.strip().str.lower()
    else:
        spec = pd.Series(pd.NA, index=patients.index, dtype="string")
    spec = spec.where(homo.notna())
    present = [s for s in SPECIMEN_TYPES if (spec == s).any()]
    if len(present) < len(SPECIMEN_TYPES):
        if not present:
            found = "no patient has a specimen type recorded"
        else:
            found = f"this cohort has only {present[0]} specimens"
        return Unavailable(f"needs both biopsy and surgical specimens; {found}")

    homo_values = homo.to_numpy(dtype=object)
    n: dict[tuple[str, str], int] = {}
    masks = {}
    for s in SPECIMEN_TYPES:
        masks[s] = spec.eq(s).fillna(False).to_numpy(dtype=bool)  # NA: no type recorded
        is_h = homo_values[masks[s]].astype(bool)
        n[(s, HETEROGENEOUS)] = int((~is_h).sum())
        n[(s, HOMOGENEOUS)] = int(is_h.sum())

    medians: dict[tuple[str, str, str], MedianSurvival | Unavailable] = {}
    for endpoint in ENDPOINTS:
        time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
        if time_col not in patients.columns or event_col not in patients.columns:
            lacking = Unavailable(f"the cohort has no {endpoint.upper()} data")
            medians.update({(endpoint, s, g): lacking for s in SPECIMEN_TYPES for g in GROUPS})
            continue
        time = patients[time_col].to_numpy(dtype=float)
        event = patients[event_col].to_numpy(dtype=float)
        for s in SPECIMEN_TYPES:
            m = masks[s]
            curves = kaplan_meier_by_group(time[m], event[m], homo_values[m],
                                           levels=(False, True), conf_level=conf_level)
            for flag, group in ((False, HETEROGENEOUS), (True, HOMOGENEOUS)):
                curve = curves[flag]
                medians[(endpoint, s, group)] = (
                    Unavailable(f"no {group} patient with a {s} specimen has "
                                f"{endpoint.upper()} data")
                    if isinstance(curve, Unavailable)
                    else replace(median_survival(curve), label=f"{group}, {s}"))

    untyped = int(np.count_nonzero(homo.notna().to_numpy() & spec.isna().to_numpy()))
    note = NOTE if not untyped else (
        f"{NOTE} {untyped} patient{'s' if untyped != 1 else ''} without a specimen type "
        f"{'are' if untyped != 1 else 'is'} left out.")
    return SpecimenComparison(specimen_types=SPECIMEN_TYPES, medians=medians, n=n, note=note)

"""What the Cohort page reports about the groups: the heterogeneity rate and fragment counts.

The seed paper's Results open with these numbers: 53 of 87 patients (60.9 %) hetero-HER2, a
median of 4 (range 1–8) tumour-containing fragments per patient, 3 HER2-positive (2+/3+) and 2
HER2 3+ fragments (ESM 2). They are computed here for the patients the current settings include,
so the rate follows the rule, cutoff and filters exactly as the group counts do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, Classification
from her2dash.response import OVERALL, GroupQuantiles, Proportion, binomial_proportion, quartiles
from her2dash.results import Unavailable

SUMMARY_GROUPS = (HETEROGENEOUS, HOMOGENEOUS, OVERALL)  # reference group first, as the paper


@dataclass(frozen=True, slots=True, eq=False)
class FragmentDistribution:
    """Patients per number of tumour-containing fragments, per group.

    ``n_fragments`` runs from 1 to the largest count among included patients (every count in
    between is listed, with zeros, so bars line up); ``patients[group][i]`` is the number of
    patients of ``group`` with ``n_fragments[i]`` fragments.
    """

    n_fragments: tuple[int, ...]
    patients: dict[str, tuple[int, ...]]


@dataclass(frozen=True, slots=True, eq=False)
class CohortSummary:
    """Heterogeneity rate and fragment counts of the included patients.

    ``heterogeneity_rate`` is hetero-HER2 / included with R ``binom.test``'s Clopper–Pearson
    interval. ``fragments``, ``positive_fragments`` and ``three_plus_fragments`` hold, per group
    (heterogeneous, homogeneous, overall), the median, quartiles and range of the per-patient
    counts; "positive" follows the settings' positivity threshold (2+/3+ or 3+ only).
    """

    n_included: int
    n_heterogeneous: int
    heterogeneity_rate: Proportion | Unavailable
    fragments: dict[str, GroupQuantiles | Unavailable]
    positive_fragments: dict[str, GroupQuantiles | Unavailable]
    three_plus_fragments: dict[str, GroupQuantiles | Unavailable]
    distribution: FragmentDistribution
    positivity: str


def cohort_summary(classification: Classification) -> CohortSummary:
    """Summarise ``classification``'s included patients.

    References
    ----------
    R ``binom.test(n_hetero, n_included)$conf.int`` (conf.level from the settings);
    ``median()``, ``quantile(type = 7)`` and ``range()`` of the per-patient counts.
    """
    included = classification.included
    groups = included["group"].to_numpy(dtype=object)
    masks = {HETEROGENEOUS: groups == HETEROGENEOUS, HOMOGENEOUS: groups == HOMOGENEOUS,
             OVERALL: np.ones(len(groups), dtype=bool)}
    n_inc = classification.n_included
    n_het = classification.n_heterogeneous
    rate: Proportion | Unavailable = (
        Unavailable("no patients are included under these settings") if n_inc == 0
        else binomial_proportion(n_het, n_inc, conf_level=classification.settings.conf_level))

    def per_group(column: str) -> dict[str, GroupQuantiles | Unavailable]:
        values = included[column].to_numpy(dtype=float)
        return {g: quartiles(values[m], g) for g, m in masks.items()}

    counts = included["n_fragments"].to_numpy(dtype=np.int64)
    top = int(counts.max()) if counts.size else 0
    distribution = FragmentDistribution(
        n_fragments=tuple(range(1, top + 1)),
        # bincount index 0 is "no fragments", which validation rules out; drop it.
        patients={g: tuple(int(v) for v in np.bincount(counts[m], minlength=top + 1)[1:])
                  for g, m in masks.items()},
    )
    return CohortSummary(
        n_included=n_inc, n_heterogeneous=n_het, heterogeneity_rate=rate,
        fragments=per_group("n_fragments"), positive_fragments=per_group("n_positive"),
        three_plus_fragments=per_group("n_3plus"), distribution=distribution,
        positivity=classification.settings.positivity,
    )

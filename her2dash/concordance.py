"""Paired concordance: the same patients' HER2 group in two materials (baseline vs
post-progression biopsies, biopsy vs resection), each scored by the current rule on its own.

Fragments of different materials are never pooled (a resection is not one more biopsy); each
material gives its own call, and the calls are compared patient by patient: a 2×2 table,
overall agreement with its exact CI (R ``binom.test``), Cohen's kappa, and the exact McNemar
test of a shift in one direction (R ``binom.test(b, b + c)``, e.g. HER2 homogeneity lost after
trastuzumab); kappa from statsmodels. Only patients with tumour-containing fragments in both
materials, and included by the other filters, are paired.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, classify
from her2dash.cohort import Cohort
from her2dash.response import Proportion, binomial_proportion
from her2dash.results import Unavailable
from her2dash.settings import Settings

Material = tuple[str, str]  # (timepoint, specimen)


def material_label(material: Material) -> str:
    timepoint, specimen = material
    return f"{timepoint} {specimen}"


def materials(cohort: Cohort) -> tuple[Material, ...]:
    """The (timepoint, specimen) combinations the cohort's tumour-containing fragments hold."""
    frags = cohort.fragments[cohort.fragments["tumor_present"].to_numpy(dtype=bool)]
    timepoint = (frags["timepoint"].fillna("baseline") if "timepoint" in frags.columns
                 else pd.Series("baseline", index=frags.index))
    specimen = (frags["specimen_type"].fillna("biopsy") if "specimen_type" in frags.columns
                else pd.Series("biopsy", index=frags.index))
    pairs = set(zip(timepoint.astype(str), specimen.astype(str), strict=True))
    order = {("baseline", "biopsy"): 0, ("post-progression", "biopsy"): 1,
             ("baseline", "resection"): 2, ("post-progression", "resection"): 3}
    return tuple(sorted(pairs, key=lambda p: order.get(p, 9)))


@dataclass(frozen=True, slots=True, eq=False)
class Concordance:
    """Calls in ``first`` (the settings' own material) against ``second``.

    ``counts[(g1, g2)]``: patients homogeneous/heterogeneous in the first and the second.
    ``mcnemar_p`` is the exact two-sided test that the discordant pairs split evenly.
    """

    first: Material
    second: Material
    counts: dict[tuple[str, str], int]
    n_pairs: int
    agreement: Proportion
    kappa: float | Unavailable
    mcnemar_p: float | Unavailable
    per_patient: pd.DataFrame

    @property
    def lost(self) -> int:
        """Homogeneous in the first material, heterogeneous in the second."""
        return self.counts[(HOMOGENEOUS, HETEROGENEOUS)]

    @property
    def gained(self) -> int:
        return self.counts[(HETEROGENEOUS, HOMOGENEOUS)]


def cohen_kappa(table: np.ndarray) -> float | Unavailable:
    """Cohen's kappa of a square agreement table (statsmodels), or why it is undefined."""
    n = table.sum()
    p_e = float((table.sum(axis=0) * table.sum(axis=1)).sum()) / n**2
    if p_e >= 1.0:  # statsmodels would divide by zero
        return Unavailable("every patient is in one group in both materials: kappa is "
                           "undefined (chance agreement is 100 %)")
    return float(cohens_kappa(table).kappa)


def paired_concordance(cohort: Cohort, settings: Settings,
                       second: Material) -> Concordance | Unavailable:
    """The settings' material against ``second``, same rule, cutoff and filters."""
    first = (settings.timepoint, settings.specimen)
    if second == first:
        raise ValueError("the two materials must differ")
    a = classify(cohort, settings).per_patient
    b = classify(cohort, replace(settings, timepoint=second[0], specimen=second[1])).per_patient
    both = a["included"].to_numpy() & b["included"].to_numpy()
    if not both.any():
        return Unavailable(f"no included patient has tumour-containing fragments in both "
                           f"{material_label(first)} and {material_label(second)} material")
    g1, g2 = a["group"].to_numpy()[both], b["group"].to_numpy()[both]
    groups = (HOMOGENEOUS, HETEROGENEOUS)
    table = np.array([[int(((g1 == r) & (g2 == c)).sum()) for c in groups] for r in groups])
    n = int(table.sum())
    discordant = int(table[0, 1] + table[1, 0])
    mcnemar: float | Unavailable = (
        float(stats.binomtest(int(table[0, 1]), discordant, 0.5).pvalue) if discordant
        else Unavailable("no discordant pair: nothing to test"))
    per_patient = pd.DataFrame({
        "patient_id": a.index[both].astype(str),
        material_label(first): g1, material_label(second): g2,
        "n_fragments_first": a["n_fragments"].to_numpy()[both],
        "n_fragments_second": b["n_fragments"].to_numpy()[both],
    })
    return Concordance(
        first=first, second=second,
        counts={(r, c): int(table[i, j]) for i, r in enumerate(groups)
                for j, c in enumerate(groups)},
        n_pairs=n, agreement=binomial_proportion(int(np.trace(table)), n,
                                                 conf_level=settings.conf_level),
        kappa=cohen_kappa(table), mcnemar_p=mcnemar, per_patient=per_patient)

"""Sampling adequacy: do the headline results hold among adequately sampled patients?

A patient with fewer tumour-containing fragments than ``Settings.adequate_fragments`` (default
4) is flagged "limited sampling": published series show the HER2-positive call stabilising at
4–5 biopsy fragments (Ahn S et al., Mod Pathol 2015; Gullo I et al., Gastric Cancer 2015), so
a homogeneous call from one or two fragments is weaker evidence. The comparison reruns the
whole analysis with only adequately sampled patients kept (the same engine, the same
settings otherwise), so every number in it is one the other pages would show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from her2dash.analysis import Analysis, analyze
from her2dash.classify import Classification, classify
from her2dash.cohort import Cohort
from her2dash.results import Unavailable
from her2dash.settings import Settings

ADEQUACY_CITATION = ("Ahn S et al. Mod Pathol 2015; Gullo I et al. Gastric Cancer 2015: the "
                     "HER2 call stabilises at 4–5 biopsy fragments")


@dataclass(frozen=True, slots=True, eq=False)
class AdequacyComparison:
    """The analysis of every included patient beside that of the adequately sampled ones.

    ``n_limited`` counts included patients with fewer than ``threshold`` fragments.
    ``adequate`` is Unavailable when nobody (or everybody) would be dropped.
    """

    threshold: int
    n_included: int
    n_limited: int
    all_patients: Analysis
    adequate: Analysis | Unavailable


def adequacy_comparison(cohort: Cohort, settings: Settings,
                        classification: Classification | None = None,
                        analysis: Analysis | None = None) -> AdequacyComparison:
    """Headline results with and without the limited-sampling patients (``settings`` as given,
    ``adequate_only`` switched off for the first and on for the second)."""
    everyone = replace(settings, adequate_only=False)
    if classification is None or classification.settings != everyone:
        classification = classify(cohort, everyone)
    if analysis is None or analysis.settings != everyone:
        analysis = analyze(cohort, everyone, classification)
    pp = classification.per_patient
    limited = int((pp["included"] & pp["limited_sampling"]).sum())
    n_inc = classification.n_included
    threshold = settings.adequate_fragments
    adequate: Analysis | Unavailable
    if n_inc == 0:
        adequate = Unavailable("no patient is included under the current settings")
    elif limited == 0:
        adequate = Unavailable(f"every included patient has ≥ {threshold} tumour-containing "
                               "fragments: nobody would be dropped")
    elif limited == n_inc:
        adequate = Unavailable(f"every included patient has fewer than {threshold} "
                               "tumour-containing fragments: nobody would be kept")
    else:
        adequate = analyze(cohort, replace(everyone, adequate_only=True))
    return AdequacyComparison(threshold, n_inc, limited, analysis, adequate)

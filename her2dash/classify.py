"""Heterogeneity classification: per-patient fragment features, rules, and filters.

A patient's tumour-containing fragments are summarised once per positivity threshold
(:func:`patient_features`); a rule turns the summary into one number per patient
(:func:`rule_values`), and the cutoff splits it (homogeneous when the value is ≥ cutoff). So a
cutoff change, and a whole cutoff sweep, costs one comparison per patient. No per-patient Python
loop anywhere: 100,000 patients classify in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2dash.cohort import Cohort
from her2dash.rules import (
    AT_CUTOFF_TOLERANCE,
    HETEROGENEOUS,
    HOMOGENEOUS,
    ScoredFragments,
    effective_pct,
    her2_low_composition,
    rule_availability,
    rule_spec,
    scored_fragments,
)
from her2dash.settings import Positivity, Rule, Settings

__all__ = ["AT_CUTOFF_TOLERANCE", "HETEROGENEOUS", "HOMOGENEOUS", "effective_pct"]

GROUPS = (HETEROGENEOUS, HOMOGENEOUS)  # reference group first, as in the paper
OVERALL = "overall"
# The paper's names for the groups, for legends, table headers and exports.
GROUP_LABELS = {HOMOGENEOUS: "Homo-HER2", HETEROGENEOUS: "Hetero-HER2", OVERALL: "All patients"}

FEATURE_COLUMNS = ("n_fragments", "n_positive", "n_3plus", "min_pct", "mean_pct",
                   "share_positive_pct")


@dataclass(frozen=True, eq=False)
class Classification:
    """Groups under one :class:`~her2dash.settings.Settings`.

    ``per_patient`` (index ``patient_id``, every cohort patient): the fragment features, the
    rule's ``value``, ``group`` (homogeneous / heterogeneous, blank when excluded),
    ``included`` and ``exclusion_reason`` in words.
    """

    settings: Settings
    fingerprint: str
    per_patient: pd.DataFrame
    n_homogeneous: int
    n_heterogeneous: int
    n_excluded: int
    notes: tuple[str, ...] = ()

    @property
    def n_included(self) -> int:
        return self.n_homogeneous + self.n_heterogeneous

    @property
    def included(self) -> pd.DataFrame:
        return self.per_patient[self.per_patient["included"]]

    @property
    def is_homogeneous(self) -> pd.Series:
        """Boolean per included patient: the grouping variable of every analysis."""
        inc = self.included
        return inc["group"] == HOMOGENEOUS



def scored_mask(fragments: pd.DataFrame, timepoint: str = "baseline",
                specimen: str = "biopsy") -> np.ndarray:
    """Fragments a classification scores: tumour-containing, of the chosen timepoint and
    specimen type (fragments without those columns, or blank in them, are baseline biopsies)."""
    keep = fragments["tumor_present"].to_numpy(dtype=bool).copy()
    for column, wanted, default in (("timepoint", timepoint, "baseline"),
                                    ("specimen_type", specimen, "biopsy")):
        if column in fragments.columns:
            values = fragments[column].astype(object).where(fragments[column].notna(), default)
            keep &= values.to_numpy(dtype=object) == wanted
        elif wanted != default:
            keep[:] = False
    return keep


def scored_selection(settings: Settings | Positivity) -> tuple[Positivity, str, str]:
    if isinstance(settings, Settings):
        return settings.positivity, settings.timepoint, settings.specimen
    return settings, "baseline", "biopsy"


def scored(cohort: Cohort, settings: Settings | Positivity = "2+",
           codes: np.ndarray | None = None) -> ScoredFragments:
    """The cohort's scored fragments under ``settings`` as the rules' vectorised view
    (``codes``: every fragment's patient position, if already looked up)."""
    positivity, timepoint, specimen = scored_selection(settings)
    mask = scored_mask(cohort.fragments, timepoint, specimen)
    return scored_fragments(cohort.fragments[mask], pd.Index(cohort.patients.index), positivity,
                            None if codes is None else codes[mask])


def patient_features(cohort: Cohort, settings: Settings | Positivity = "2+") -> pd.DataFrame:
    """Per patient, over the scored fragments (:func:`scored_mask`): number, number positive,
    number 3+, minimum and mean effective % positive, the share (%) of positive fragments, the
    HER2-low composition, the number of other fragments with tumour left out by the timepoint /
    specimen choice, and ``value:<rule>`` for every rule the data support.

    ``settings`` may be a :class:`Settings` (positivity, timepoint and specimen) or just a
    positivity threshold (baseline biopsies).
    """
    codes = pd.Index(cohort.patients.index).get_indexer(cohort.fragments["patient_id"])
    f = scored(cohort, settings, codes)
    n = f.count()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pct = f.total(f.pct) / n
        share = 100.0 * f.count(f.score >= f.threshold) / n
    out = {
        "n_fragments": n.astype(np.int64),
        "n_positive": f.count(f.score >= f.threshold).astype(np.int64),
        "n_3plus": f.count(f.score >= 3).astype(np.int64),
        "min_pct": f.minimum(f.pct),
        "mean_pct": mean_pct,
        "share_positive_pct": share,
        **her2_low_composition(f),
    }
    tumour = cohort.fragments["tumor_present"].to_numpy(dtype=bool)
    out["n_other_tumour"] = (np.bincount(codes[tumour], minlength=f.n_patients) - n
                             ).astype(np.int64)
    for name, missing in rule_availability(cohort.fragments.columns).items():
        if missing is None:
            out[f"value:{name}"] = rule_spec(name).value(f)
    return pd.DataFrame(out, index=cohort.patients.index)


def rule_values(features: pd.DataFrame, rule: Rule) -> np.ndarray:
    """The number each rule compares with the cutoff (homogeneous when ≥ cutoff; 1/0 for rules
    without a cutoff; NaN where the rule cannot score the patient or the data lack its
    columns)."""
    column = f"value:{rule}"
    if column not in features.columns:
        rule_spec(rule)  # an unknown name raises; a known one lacks columns
        return np.full(len(features), np.nan)
    return features[column].to_numpy(dtype=float)


def is_homogeneous(values: np.ndarray, cutoff_pct: float) -> np.ndarray:
    return values >= cutoff_pct - AT_CUTOFF_TOLERANCE


def classify(cohort: Cohort, settings: Settings,
             features: pd.DataFrame | None = None) -> Classification:
    """Group every patient under ``settings`` and apply the biopsy-count and cohort filters.

    ``features`` may be passed when already computed by :func:`patient_features` for these
    settings (the cutoff sweep does), to skip the aggregation. A patient the rule cannot score
    (no fragments of the chosen timepoint/specimen, a column the rule needs is blank) is left
    out with the reason, as are those outside the filters.
    """
    if features is None:
        features = patient_features(cohort, settings)
    spec = rule_spec(settings.rule)
    values = rule_values(features, settings.rule)
    homo = spec.homogeneous(values, settings.cutoff_pct)
    reason = np.full(len(features), "", dtype=object)
    notes: list[str] = []

    n_frag = features["n_fragments"].to_numpy()
    other = features["n_other_tumour"].to_numpy()
    selection = f"{settings.timepoint} {settings.specimen}"
    none_scored = n_frag == 0
    if none_scored.any():
        reason[none_scored] = np.where(
            other[none_scored] > 0,
            f"no tumour-containing {selection} fragment (only other timepoints/specimens)",
            f"no tumour-containing {selection} fragment")
    missing = rule_availability(cohort.fragments.columns)[settings.rule]
    if missing is not None:
        notes.append(f"rule {settings.rule} {missing}, which this cohort lacks")
        reason[reason == ""] = f"rule {settings.rule} {missing}"
    unscored = np.isnan(values) & (reason == "")
    reason[unscored] = f"rule {settings.rule} cannot score the patient: {spec.missing_reason}"

    limited = n_frag < settings.adequate_fragments
    low, high = settings.min_fragments, settings.max_fragments
    outside = ((n_frag < low) | ((n_frag > high) if high is not None else False)) & (reason == "")
    if outside.any():
        window = f"{low}–{high}" if high is not None else f"≥ {low}"
        counts = pd.Series(n_frag[outside]).astype(str).to_numpy(dtype=object)
        reason[outside] = (counts + f" tumour-containing fragment(s), outside the biopsy-count "
                           f"filter {window}")
    if settings.adequate_only:
        thin = limited & (reason == "")
        counts = pd.Series(n_frag[thin]).astype(str).to_numpy(dtype=object)
        reason[thin] = ("limited sampling: " + counts
                        + f" tumour-containing fragment(s), fewer than "
                          f"{settings.adequate_fragments}")
    for column, allowed in settings.filters:
        if column not in cohort.patients.columns:
            notes.append(f"filter on {column!r} ignored: the cohort has no such column")
            continue
        labels = filter_labels(cohort.patients[column])
        fails = ~labels.isin(allowed).to_numpy() & (reason == "")
        shown = labels.where(labels != "", "blank").to_numpy(dtype=object)
        reason[fails] = (f"{column} is " + shown[fails].astype(str)
                         + f", filter keeps {' / '.join(allowed)}")
    included = reason == ""
    group = np.where(~included, "", np.where(homo, HOMOGENEOUS, HETEROGENEOUS))
    per_patient = features.assign(value=values, group=group, included=included,
                                  exclusion_reason=reason, limited_sampling=limited)
    n_homo = int((included & homo).sum())
    n_inc = int(included.sum())
    return Classification(settings, cohort.fingerprint, per_patient, n_homo, n_inc - n_homo,
                          len(features) - n_inc, tuple(notes))


def filter_labels(column: pd.Series) -> pd.Series:
    """A patient column as the labels a cohort filter selects on (yes/no for booleans)."""
    if isinstance(column.dtype, pd.BooleanDtype) or column.dtype == bool:
        return column.map({True: "yes", False: "no"}).fillna("").astype(str)
    return column.astype(object).where(column.notna(), "").astype(str)


# Columns offered as cohort filters: categorical, with a handful of values (a free-text or
# numeric column would offer hundreds of check boxes).
_MAX_FILTER_LEVELS = 8
_NOT_FILTERS = frozenset({"best_response"})


def filter_options(cohort: Cohort) -> dict[str, tuple[str, ...]]:
    """Patient columns a cohort filter can select on, with their labels (yes/no for booleans)."""
    out: dict[str, tuple[str, ...]] = {}
    for column in cohort.patients.columns:
        s = cohort.patients[column]
        if column in _NOT_FILTERS or (pd.api.types.is_numeric_dtype(s.dtype)
                                      and not pd.api.types.is_bool_dtype(s.dtype)):
            continue
        labels = sorted(set(filter_labels(s)) - {""})
        if 2 <= len(labels) <= _MAX_FILTER_LEVELS:
            out[str(column)] = tuple(labels)
    return out

"""How sure are we about *this* patient's group? Three answers a tumour board can read aloud.

* **Cutoff interval**: the cutoffs (on the rule's own scale) at which the patient stays in the
  same group. Homogeneous means rule value ≥ cutoff, so a homogeneous patient stays so for every
  cutoff from the scale's bottom up to its value, and a heterogeneous one for every cutoff above
  its value. Rules without a cutoff have no interval.
* **One fragment fewer**: each tumour-containing fragment left out in turn and the rest
  reclassified (:func:`her2dash.resampling.groups_of_subsets`, the cohort classification's
  code). Assuming each fragment was equally likely to be the one not taken, the probability
  that the group changes is the share of fragments whose removal flips the call.
* **Sampling adequacy**: fewer tumour-containing fragments than ``settings.adequate_fragments``
  (default 4) is limited sampling: published series find the HER2-positive call stabilising at
  4–5 biopsy fragments (Ahn et al. 2015; Gullo et al. 2015).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2dash.classify import (
    GROUP_LABELS,
    HETEROGENEOUS,
    HOMOGENEOUS,
    patient_features,
    rule_values,
    scored_mask,
)
from her2dash.cohort import Cohort
from her2dash.patient import normalise_fragments
from her2dash.resampling import groups_of_subsets
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import Settings

SAMPLING_REFERENCES = "Ahn 2015, Gullo 2015"
LOO_COLUMNS = ("fragment_id", "ihc_score", "pct_positive", "group_without", "flips")


@dataclass(frozen=True, slots=True)
class CutoffInterval:
    """Cutoffs ``low`` … ``high`` (rule units) at which the group is unchanged; a bound with
    ``*_inclusive`` False is not itself in the interval (a heterogeneous patient with value 60
    turns homogeneous at a 60 % cutoff)."""

    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool


@dataclass(frozen=True, slots=True, eq=False)
class PatientRobustness:
    """One patient's call and how robust it is (see the module docstring).

    ``cutoff`` and ``interval`` are ``None`` for a rule without a cutoff. ``leave_one_out``:
    one row per tumour-containing fragment (:data:`LOO_COLUMNS`; ``group_without`` is blank
    when the remaining fragments cannot be scored or none remain). ``flip_pct`` is ``None``
    with a single fragment (none can be spared). ``sentences``: the cutoff, one-fewer and
    sampling sentences; :attr:`paragraph` joins them.
    """

    name: str
    group: str
    rule: str
    cutoff: float | None
    value: float
    interval: CutoffInterval | None
    n_fragments: int
    leave_one_out: pd.DataFrame
    n_flipping: int
    flip_pct: float | None
    flipping_fragments: tuple[str, ...]
    adequate: bool
    adequate_fragments: int
    sentences: tuple[str, ...]

    @property
    def paragraph(self) -> str:
        return " ".join(self.sentences)


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _fragments_word(n: int) -> str:
    return f"{n} tumour-containing fragment{'s' if n != 1 else ''}"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _interval(homo: bool, value: float, low: float, high: float) -> CutoffInterval:
    if homo:
        return CutoffInterval(low, min(max(value, low), high), True, True)
    return CutoffInterval(max(value, low), high, value < low, True)


def _cutoff_sentence(name: str, group: str, rule: str, settings: Settings, value: float,
                     interval: CutoffInterval | None) -> str:
    label = GROUP_LABELS[group]
    spec = rule_spec(rule)
    scale = spec.cutoff
    if scale is None or interval is None:
        return f"{name} is {label} under the {rule} rule, which has no cutoff."
    fmt = scale.format
    head = (f"{name} is {label} under the {rule} rule at the {fmt(settings.cutoff_pct)} cutoff "
            f"(rule value {fmt(value)})")
    other = GROUP_LABELS[HETEROGENEOUS if group == HOMOGENEOUS else HOMOGENEOUS]
    if group == HOMOGENEOUS:
        text = (f"{head} and stays {label} for any cutoff from {fmt(interval.low)} to "
                f"{fmt(interval.high)}")
        if interval.high < scale.high:
            text += f"; above {fmt(interval.high)} it would be {other}"
        return text + "."
    text = (f"{head} and stays {label} for any cutoff above {fmt(interval.low)} up to "
            f"{fmt(interval.high)}")
    if interval.low <= scale.low:
        return f"{text}; only a cutoff of {fmt(scale.low)} would make it {other}."
    return f"{text}; at {fmt(interval.low)} or below it would be {other}."


def _loo_sentence(group: str, loo: pd.DataFrame) -> str:
    n = len(loo)
    if n == 1:
        return ("With a single tumour-containing fragment, none can be spared: one fewer would "
                "leave nothing to classify.")
    flips = loo[loo["flips"]]
    k = len(flips)
    head = f"If one of the {n} fragments had not been taken"
    if k == 0:
        return (f"{head}, the group would stay {GROUP_LABELS[group]} whichever it was "
                f"(0 of {n} cases, 0 %).")
    parts = []
    for target, rows in flips.groupby("group_without", sort=True):
        ids = _or_list([f"fragment {f}" for f in rows["fragment_id"].astype(str)])
        if target == "":
            parts.append(f"dropping {ids} would leave fragments the rule cannot score")
        else:
            parts.append(f"dropping {ids} would make it {GROUP_LABELS[str(target)]}")
    return (f"{head}, the group would change in {k} of {n} cases ({_num(100.0 * k / n)} %, "
            f"each fragment equally likely to be the one not taken): {'; '.join(parts)}.")


def _sampling_sentence(n: int, adequate: bool, threshold: int) -> str:
    if adequate:
        return (f"Sampling: {_fragments_word(n)}, adequate (≥ {threshold}; "
                f"{SAMPLING_REFERENCES}).")
    return (f"Sampling: {_fragments_word(n)}, limited sampling (fewer than {threshold}; "
            f"published series find the call stabilising at 4–5 fragments: "
            f"{SAMPLING_REFERENCES}).")


def patient_robustness(fragments: pd.DataFrame, settings: Settings, *,
                       patient_id: str | None = None) -> PatientRobustness | Unavailable:
    """The cutoff interval, the one-fragment-fewer probability and the sampling flag of one
    patient, with the paragraph.

    Parameters
    ----------
    fragments
        One patient's fragments as the patient view takes them (fragment_id, tumor_present,
        ihc_score, pct_positive; see :func:`her2dash.patient.normalise_fragments`).
    patient_id
        Named in the paragraph ("Patient P017 is …"); ``None`` says "This patient".

    Returns
    -------
    PatientRobustness, or Unavailable when the fragments cannot be read, none contains tumour,
    or the rule cannot score them.
    """
    frags = normalise_fragments(fragments)
    if isinstance(frags, Unavailable):
        return frags
    scored = frags[scored_mask(frags, settings.timepoint, settings.specimen)].reset_index(
        drop=True)
    n = len(scored)
    if n == 0:
        return Unavailable(f"no tumour-containing {settings.timepoint} {settings.specimen} "
                           "fragment to classify")
    # Owner 0: every fragment (the call); owner 1 + j: all but fragment j.
    rows = [np.arange(n)] + [np.delete(np.arange(n), j) for j in range(n)]
    owners = np.concatenate([np.full(r.size, i) for i, r in enumerate(rows)])
    groups = groups_of_subsets(scored, np.concatenate(rows), owners, n + 1, settings)
    group = str(groups[0])
    if group == "":
        return Unavailable(f"the {settings.rule} rule cannot score this patient: "
                           f"{rule_spec(settings.rule).missing_reason or 'no value'}")
    without = groups[1:] if n > 1 else np.array([""], dtype=object)
    loo = pd.DataFrame({
        "fragment_id": scored["fragment_id"].astype(str).to_numpy(dtype=object),
        "ihc_score": scored["ihc_score"].to_numpy(),
        "pct_positive": scored["pct_positive"].to_numpy(dtype=float),
        "group_without": without,
        "flips": (without != group) if n > 1 else np.array([False]),
    })
    value = _rule_value(scored, settings)
    spec = rule_spec(settings.rule)
    interval = None
    if spec.cutoff is not None:
        interval = _interval(group == HOMOGENEOUS, value, spec.cutoff.low, spec.cutoff.high)
    n_flip = int(loo["flips"].sum())
    flip_pct = None if n == 1 else 100.0 * n_flip / n
    threshold = int(settings.adequate_fragments)
    adequate = n >= threshold
    name = "This patient" if patient_id is None else f"Patient {patient_id}"
    sentences = (_cutoff_sentence(name, group, settings.rule, settings, value, interval),
                 _loo_sentence(group, loo), _sampling_sentence(n, adequate, threshold))
    return PatientRobustness(
        name=name, group=group, rule=settings.rule,
        cutoff=None if spec.cutoff is None else float(settings.cutoff_pct), value=value,
        interval=interval, n_fragments=n, leave_one_out=loo, n_flipping=n_flip,
        flip_pct=flip_pct, flipping_fragments=tuple(loo.loc[loo["flips"], "fragment_id"]),
        adequate=adequate, adequate_fragments=threshold, sentences=sentences)


def _rule_value(scored: pd.DataFrame, settings: Settings) -> float:
    """The rule's value for all of the patient's scored fragments, via the cohort code."""
    patients = pd.DataFrame(index=pd.RangeIndex(1, name="patient_id"))
    cohort = Cohort(patients, scored.assign(patient_id=0))
    return float(rule_values(patient_features(cohort, settings), settings.rule)[0])

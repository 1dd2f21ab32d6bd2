"""One patient under the current rule: the call, the reason in words, and where it would flip.

The patient view classifies a single patient, from the cohort or typed in by hand, with the
*same* functions the cohort classification uses (:func:`her2dash.classify.patient_features`,
:func:`~her2dash.classify.rule_values`, :func:`~her2dash.classify.is_homogeneous` on a
one-patient :class:`~her2dash.cohort.Cohort`), so the patient view and the cohort page cannot
disagree. Biopsy-count and cohort filters are not applied: they choose which patients a cohort
analysis includes, not which group a patient belongs to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2dash.classify import (
    HETEROGENEOUS,
    HOMOGENEOUS,
    patient_features,
    rule_values,
    scored,
    scored_mask,
)
from her2dash.cohort import SCORE_LABELS, Cohort
from her2dash.results import Unavailable
from her2dash.rules import RULE_COLUMNS, PatientFragments, RuleSpec, rule_availability, rule_spec
from her2dash.settings import Positivity, Rule, Settings

PATIENT_FIELDS = ("fragment_id", "tumor_present", "ihc_score", "pct_positive")
OPTIONAL_COLUMNS = (*RULE_COLUMNS, "timepoint", "specimen_type")
_SCORE_CODES = {label: code for code, label in enumerate(SCORE_LABELS)}
_YES = {"true", "yes", "y", "1", "x"}
_NO = {"false", "no", "n", "0", ""}
_TYPED_ID = "typed patient"


@dataclass(frozen=True, slots=True)
class PatientCall:
    """One patient's group under ``rule`` at ``cutoff_pct`` with ``positivity``.

    ``value`` is the rule's number (homogeneous when ≥ the cutoff), ``n_fragments`` the
    tumour-containing fragments, ``reasons`` the call in words (the deciding sentence first,
    then notes on positivity and fragments without tumour). ``deciding_fragment`` is the
    fragment whose % positive is the every-fragment value (the lowest; ``None`` for the pooled
    and fragment-share rules, which no single fragment decides). The patient is homogeneous for
    every cutoff ≤ ``flip_cutoff_pct`` (= ``value``) and heterogeneous above it; ``None`` when
    homogeneous at every cutoff 0–100.
    """

    group: str
    value: float
    rule: Rule
    cutoff_pct: float
    positivity: Positivity
    n_fragments: int
    reasons: tuple[str, ...]
    deciding_fragment: str | None
    flip_cutoff_pct: float | None


def _pct(x: float) -> str:
    """A percentage in a sentence: 60, 72.5, 33.3 (one decimal at most, no trailing zero)."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or (
        isinstance(v, str) and not v.strip())


def _tumour(v: object) -> bool | None:
    if _blank(v):
        return False  # an unticked check box
    if isinstance(v, bool | np.bool_):
        return bool(v)
    text = str(v).strip().lower()
    if text in _YES or text == "1.0":
        return True
    if text in _NO or text == "0.0":
        return False
    return None


def _score(v: object) -> int | None:
    if _blank(v):
        return None
    if isinstance(v, int | np.integer | float | np.floating) and float(v) in (0, 1, 2, 3):
        return int(v)
    return _SCORE_CODES.get(str(v).strip().replace(" ", ""))


def normalise_fragments(fragments: pd.DataFrame) -> pd.DataFrame | Unavailable:
    """One patient's fragments in the cohort's types, or why they cannot be classified.

    Accepts ``ihc_score`` as 0–3 or "0"/"1+"/"2+"/"3+", ``tumor_present`` as bool or yes/no,
    and a blank or missing ``pct_positive`` (taken as 100 for 2+/3+ and 0 for 0/1+, as the data
    contract says). Fully blank rows (an editor's unfilled new row) are dropped; a blank
    fragment id becomes "row N". Returns columns fragment_id, tumor_present, ihc_score (−1 when
    blank on a fragment without tumour), pct_positive, pct_defaulted.
    """
    missing = [c for c in ("tumor_present", "ihc_score") if c not in fragments.columns]
    if missing:
        return Unavailable(f"the fragments have no {' / '.join(missing)} column")
    rows = []
    kept: list[int] = []
    for i, row in enumerate(fragments.to_dict("records"), start=1):
        raw_pct = row.get("pct_positive")
        if _tumour(row.get("tumor_present")) is False and all(
                _blank(row.get(c)) for c in ("fragment_id", "ihc_score", "pct_positive")):
            continue
        fid = f"row {i}" if _blank(row.get("fragment_id")) else str(row["fragment_id"]).strip()
        tumour = _tumour(row.get("tumor_present"))
        if tumour is None:
            return Unavailable(f"fragment {fid}: tumour present must be yes or no, got "
                               f"{row.get('tumor_present')!r}")
        score = _score(row.get("ihc_score"))
        if score is None and not _blank(row.get("ihc_score")):
            return Unavailable(f"fragment {fid}: IHC score must be 0, 1+, 2+ or 3+, got "
                               f"{row.get('ihc_score')!r}")
        if score is None and tumour:
            return Unavailable(f"fragment {fid} contains tumour but has no IHC score")
        defaulted = _blank(raw_pct)
        if defaulted:
            pct = 100.0 if tumour and score is not None and score >= 2 else 0.0
        else:
            try:
                pct = float(raw_pct)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return Unavailable(f"fragment {fid}: % positive must be a number, got {raw_pct!r}")
            if not 0.0 <= pct <= 100.0:
                return Unavailable(f"fragment {fid}: % positive must be 0–100, got {_pct(pct)}")
        rows.append((fid, tumour, -1 if score is None else score, pct, defaulted and tumour))
        kept.append(i - 1)
    frame = pd.DataFrame(rows, columns=["fragment_id", "tumor_present", "ihc_score",
                                        "pct_positive", "pct_defaulted"])
    frame = frame.astype({"tumor_present": bool, "ihc_score": np.int8, "pct_positive": float,
                          "pct_defaulted": bool})
    # Optional columns a rule reads (intensities, size, ISH) and the specimen choice ride along
    # unchanged: the cohort's values were validated at upload.
    for column in OPTIONAL_COLUMNS:
        if column in fragments.columns:
            frame[column] = fragments[column].iloc[kept].to_numpy()
    if not frame["tumor_present"].any():
        return Unavailable("no fragment contains tumour, so there is nothing to classify")
    return frame


def patient_ids(cohort: Cohort) -> tuple[str, ...]:
    return tuple(str(p) for p in cohort.patients.index)


def patient_fragments(cohort: Cohort, patient_id: str) -> pd.DataFrame:
    """The cohort's fragments of ``patient_id`` (file order), in :data:`PATIENT_FIELDS`."""
    frags = cohort.fragments[cohort.fragments["patient_id"].astype(str) == str(patient_id)]
    columns = [*PATIENT_FIELDS, *(c for c in OPTIONAL_COLUMNS if c in frags.columns)]
    return frags.loc[:, columns].reset_index(drop=True)


def _one_patient(frags: pd.DataFrame, settings: Settings
                 ) -> tuple[float, pd.Series, Cohort]:
    """The rule's value and the fragment features, through the cohort classification's code."""
    patients = pd.DataFrame(index=pd.Index([_TYPED_ID], name="patient_id"))
    cohort = Cohort(patients, frags.assign(patient_id=_TYPED_ID))
    features = patient_features(cohort, settings)
    return float(rule_values(features, settings.rule)[0]), features.iloc[0], cohort


def _positivity_note(p: PatientFragments, spec: RuleSpec) -> str | None:
    """Said only when 3+-only positivity changes the count: a 2+ fragment that would be positive
    (share rules) or whose recorded % is above the 0 % it counts (% rules)."""
    f = p.scored
    if f.positivity != "3+" or not spec.uses_positivity:
        return None
    if spec.per_fragment is None:  # rules on scores: fragment-share, score-mix
        changed = [f"{i} (2+)" for i, s in zip(p.ids, f.score, strict=True) if s == 2]
        return (f"positivity 3+ only: fragment(s) {', '.join(changed)} count as negative"
                if changed else None)
    changed = [f"{i} ({SCORE_LABELS[s]})" for i, s, c, r
               in zip(p.ids, f.score, f.pct, f.pct_positive, strict=True) if c != r]
    return (f"positivity 3+ only: fragment(s) {', '.join(changed)} are below 3+ and count 0 % "
            "positive" if changed else None)


def classify_patient(fragments: pd.DataFrame, settings: Settings) -> PatientCall | Unavailable:
    """Classify one patient's fragments under ``settings`` (rule, cutoff, positivity).

    Parameters
    ----------
    fragments
        One patient's fragments: fragment_id, tumor_present, ihc_score (0–3 or "0"–"3+"),
        pct_positive (optional; blank = 100 for 2+/3+, 0 for 0/1+).

    Returns
    -------
    The call with its reasons, or :class:`Unavailable` when the fragments cannot be read or
    none contains tumour.
    """
    frags = normalise_fragments(fragments)
    if isinstance(frags, Unavailable):
        return frags
    value, features, one = _one_patient(frags, settings)
    spec = rule_spec(settings.rule)
    missing = rule_availability(frags.columns)[settings.rule]
    if missing is not None:
        return Unavailable(f"the {settings.rule} rule {missing}, which these fragments lack")
    n = int(features["n_fragments"])
    if n == 0:
        return Unavailable(f"no tumour-containing {settings.timepoint} {settings.specimen} "
                           "fragment to classify")
    if math.isnan(value):
        return Unavailable(f"the {settings.rule} rule cannot score this patient: "
                           f"{spec.missing_reason}")
    homo = bool(spec.homogeneous(np.array([value]), settings.cutoff_pct)[0])
    selected = scored_mask(frags, settings.timepoint, settings.specimen)
    tumour = frags[selected]
    view = PatientFragments(tumour["fragment_id"].astype(str).to_numpy(dtype=object), tumour,
                            scored(one, settings))
    explanation = spec.explain(view, value, settings.cutoff_pct, homo)
    reasons = list(explanation.reasons)
    note = _positivity_note(view, spec)
    if note:
        reasons.append(note)
    other = frags.loc[frags["tumor_present"].to_numpy() & ~selected, "fragment_id"].astype(str)
    if len(other):
        reasons.append(f"not scored (not {settings.timepoint} {settings.specimen}): "
                       f"fragment{'s' if len(other) > 1 else ''} {', '.join(other)}")
    ignored = frags.loc[~frags["tumor_present"].to_numpy(), "fragment_id"].astype(str).tolist()
    if ignored:
        reasons.append(f"ignored (no tumour): fragment{'s' if len(ignored) > 1 else ''} "
                       f"{', '.join(ignored)}")
    defaulted = tumour.loc[tumour["pct_defaulted"].to_numpy(), "fragment_id"].astype(str)
    if len(defaulted):
        reasons.append(f"% positive blank, taken from the score (100 % for 2+/3+, 0 % for "
                       f"0/1+): fragment{'s' if len(defaulted) > 1 else ''} "
                       f"{', '.join(defaulted)}")
    top = spec.cutoff.high if spec.cutoff is not None else None
    flip = None if top is None or spec.homogeneous(np.array([value]), top)[0] else value
    return PatientCall(
        group=HOMOGENEOUS if homo else HETEROGENEOUS, value=value, rule=settings.rule,
        cutoff_pct=float(settings.cutoff_pct), positivity=settings.positivity, n_fragments=n,
        reasons=tuple(reasons), deciding_fragment=explanation.deciding_fragment,
        flip_cutoff_pct=flip)


def classification_strip(fragments: pd.DataFrame, settings: Settings,
                         cutoffs: np.ndarray | None = None) -> pd.DataFrame | Unavailable:
    """The patient's group at every cutoff of the rule's scale (columns ``cutoff``,
    ``group``), rule and positivity from ``settings``: where would this patient flip?"""
    spec = rule_spec(settings.rule)
    if spec.cutoff is None:
        return Unavailable(f"the {settings.rule} rule has no cutoff, so the call cannot flip "
                           "with one")
    call = classify_patient(fragments, settings)
    if isinstance(call, Unavailable):
        return call
    cut = spec.cutoff.grid() if cutoffs is None else np.asarray(cutoffs, dtype=float)
    homo = spec.homogeneous(np.full(cut.shape, call.value), cut)
    return pd.DataFrame({"cutoff": cut, "group": np.where(homo, HOMOGENEOUS, HETEROGENEOUS)})

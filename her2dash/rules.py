"""Heterogeneity rules as data: what each rule needs, how it scores a patient, how it says why.

A rule is a :class:`RuleSpec` in :data:`RULES`: its name, a plain-language definition, the
fragment columns it needs, its cutoff scale (or none), a vectorised ``value`` function over all
patients' scored fragments at once, and an ``explain`` function that puts one patient's call in
words. Classification (:mod:`her2dash.classify`), the cutoff sweep, the optimal cutpoint, the
patient view, the CLI and the reports all go through this table, so adding a rule here makes it
work everywhere with no page-specific code.

Convention: a rule's value is *homogeneous when ≥ the cutoff*. Rules without a cutoff
(``genetic``, ``score-mix``) give 1 for homogeneous and 0 for heterogeneous; a value of NaN
means the rule cannot score the patient (``missing_reason`` says why) and the patient is left
out with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HOMOGENEOUS = "homogeneous"
HETEROGENEOUS = "heterogeneous"

# Rule values are means of percentages, so a patient exactly at the cutoff can land a few ulps
# below it ((70 + 80 + 90) / 3 is 79.99999999999999 in floating point); they count as at it.
AT_CUTOFF_TOLERANCE = 1e-9
# HER2/CEP17 ratio at and above which a fragment counts as amplified (ASCO/CAP gastric).
ISH_AMPLIFIED_RATIO = 2.0
# ASCO/CAP genetic heterogeneity: more than 5 % and less than 50 % of tumour cells amplified.
GENETIC_LOW_PCT, GENETIC_HIGH_PCT = 5.0, 50.0
SIZE_COLUMNS = ("tumor_cells", "tumor_area_mm2")
INTENSITY_COLUMNS = ("pct_1plus", "pct_2plus", "pct_3plus")
ISH_COLUMNS = ("ish_pct_amplified", "ish_ratio", "ish_status")
# Optional fragment columns a rule may read, carried into :class:`ScoredFragments` as floats.
RULE_COLUMNS = (*INTENSITY_COLUMNS, *SIZE_COLUMNS, *ISH_COLUMNS)


@dataclass(frozen=True, slots=True)
class CutoffScale:
    """The cutoff a rule compares its value with: range, unit and the slider's default."""

    low: float
    high: float
    unit: str  # "%" or "" (H-score points)
    quantity: str  # what the value is, for axis titles: "% positive", "H-score"
    default: float
    step: float = 1.0

    def format(self, x: float) -> str:
        text = str(int(x)) if float(x).is_integer() else f"{x:.1f}"
        return f"{text} %" if self.unit == "%" else text

    def grid(self, step: float | None = None) -> np.ndarray:
        """low, low + step, …, high (the sweep's default cutoffs)."""
        s = self.step if step is None else float(step)
        count = int(np.floor((self.high - self.low) / s + 1e-9))
        return np.round(self.low + s * np.arange(count + 1), 10)


PERCENT = CutoffScale(0.0, 100.0, "%", "% positive", 100.0)


@dataclass(frozen=True, eq=False)
class ScoredFragments:
    """The fragments a classification scores (tumour-containing, chosen timepoint and specimen),
    in cohort order, with each fragment's patient position ``codes`` (0 … n_patients − 1).

    ``pct`` is the % of tumour cells counted positive under the positivity threshold
    (:func:`effective_pct`); ``columns`` holds the optional rule columns the cohort has, as
    floats (``ish_status``: 1 amplified, 0 not, NaN not done).
    """

    codes: np.ndarray
    n_patients: int
    score: np.ndarray
    pct_positive: np.ndarray
    pct: np.ndarray
    positivity: str
    columns: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def threshold(self) -> int:
        return 3 if self.positivity == "3+" else 2

    def total(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=x, minlength=self.n_patients)

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        if mask is None:
            return np.bincount(self.codes, minlength=self.n_patients)
        return np.bincount(self.codes, weights=mask, minlength=self.n_patients)

    def minimum(self, x: np.ndarray) -> np.ndarray:
        """Per-patient minimum; NaN for patients without fragments or with any NaN value."""
        out = np.full(self.n_patients, np.inf)
        np.minimum.at(out, self.codes, x)  # NaN propagates through np.minimum
        return np.where(self.count() > 0, out, np.nan)

    def any_missing(self, x: np.ndarray) -> np.ndarray:
        return self.count(np.isnan(x)) > 0

    def size(self) -> np.ndarray | None:
        """Fragment size used as weight: tumour cells if given, else tumour area."""
        for name in SIZE_COLUMNS:
            if name in self.columns:
                return self.columns[name]
        return None


def effective_pct(fragments: pd.DataFrame, positivity: str) -> np.ndarray:
    """% of tumour cells counted positive in each fragment under ``positivity``.

    With 2+/3+ positivity this is ``pct_positive``. With 3+ only, fragments scored below 3+ count
    0 % (none of their cells reaches 3+); a 3+ fragment keeps its ``pct_positive``, which may
    include 2+ cells: the contract records one percentage for 2+ and 3+ together (the
    ``*-3plus`` rules use ``pct_3plus`` when the data have it).
    """
    pct = fragments["pct_positive"].to_numpy(dtype=float)
    if positivity == "3+":
        return np.where(fragments["ihc_score"].to_numpy() >= 3, pct, 0.0)
    return pct


def scored_fragments(fragments: pd.DataFrame, patient_index: pd.Index, positivity: str,
                     codes: np.ndarray | None = None) -> ScoredFragments:
    """Vectorised view of ``fragments`` (already selected for scoring) by patient position
    (``codes``, when the caller has them: the index lookup is the costly step)."""
    if codes is None:
        codes = patient_index.get_indexer(fragments["patient_id"])
    columns: dict[str, np.ndarray] = {}
    for name in RULE_COLUMNS:
        if name in fragments.columns:
            col = fragments[name]
            if name == "ish_status":
                columns[name] = col.astype("boolean").astype("Float64").to_numpy(
                    dtype=float, na_value=np.nan)
            else:
                columns[name] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    return ScoredFragments(codes, len(patient_index), fragments["ihc_score"].to_numpy(),
                           fragments["pct_positive"].to_numpy(dtype=float),
                           effective_pct(fragments, positivity), positivity, columns)


# --- per-patient values (vectorised over all patients) -------------------------------------

def _mean(f: ScoredFragments, x: np.ndarray) -> np.ndarray:
    n = f.count()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, f.total(x) / n, np.nan)


def _weighted_mean(f: ScoredFragments, x: np.ndarray) -> np.ndarray:
    w = f.size()
    if w is None:
        return np.full(f.n_patients, np.nan)
    bad = f.any_missing(w) | f.any_missing(x) | (f.count(w < 0) > 0)
    w0 = np.nan_to_num(w)
    weight = f.total(w0)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = f.total(w0 * np.nan_to_num(x)) / weight
    return np.where(bad | ~(weight > 0), np.nan, value)


def _h_score(f: ScoredFragments) -> np.ndarray:
    c = f.columns
    return c["pct_1plus"] + 2.0 * c["pct_2plus"] + 3.0 * c["pct_3plus"]


def _amplified(f: ScoredFragments) -> np.ndarray:
    """Per fragment: 1 amplified, 0 not, NaN not tested. The ratio decides when given."""
    c = f.columns
    status = c.get("ish_status", np.full(f.codes.size, np.nan))
    if "ish_ratio" in c:
        ratio = c["ish_ratio"]
        return np.where(np.isnan(ratio), status, (ratio >= ISH_AMPLIFIED_RATIO).astype(float))
    return status


def _genetic(f: ScoredFragments) -> np.ndarray:
    amp = _amplified(f)
    tested = ~np.isnan(amp)
    pct_amp = f.columns.get("ish_pct_amplified", np.full(f.codes.size, np.nan))
    tested_any = f.count(tested | ~np.isnan(pct_amp)) > 0
    n_amp = f.count(tested & (amp == 1.0))
    n_not = f.count(tested & (amp == 0.0))
    mixed_cells = f.count((pct_amp > GENETIC_LOW_PCT) & (pct_amp < GENETIC_HIGH_PCT)) > 0
    hetero = mixed_cells | ((n_amp > 0) & (n_not > 0))
    return np.where(tested_any, np.where(hetero, 0.0, 1.0), np.nan)


def _score_mix(f: ScoredFragments) -> np.ndarray:
    n = f.count()
    n_pos = f.count(f.score >= f.threshold)
    both_sides = (n_pos > 0) & (n_pos < n)
    return np.where(n > 0, np.where(both_sides, 0.0, 1.0), np.nan)


# --- one patient's call in words --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PatientFragments:
    """One patient's scored fragments for an explanation (as in :class:`ScoredFragments`)."""

    ids: np.ndarray
    frame: pd.DataFrame  # the fragments with every column the cohort has
    scored: ScoredFragments


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[str, ...]
    deciding_fragment: str | None = None


def _pct(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def arrow(homo: bool, value_text: str, cutoff: float, scale: CutoffScale | None) -> str:
    if scale is None:
        return f"{value_text} → {HOMOGENEOUS if homo else HETEROGENEOUS}"
    where = "≥" if homo else "below"
    return (f"{value_text}, {where} the {scale.format(cutoff)} cutoff → "
            f"{HOMOGENEOUS if homo else HETEROGENEOUS}")


def _below_list(ids: np.ndarray, x: np.ndarray, cutoff: float, deciding: str) -> list[str]:
    below = [str(i) for i, v in zip(ids, x, strict=True)
             if v < cutoff - AT_CUTOFF_TOLERANCE and str(i) != deciding]
    if not below:
        return []
    return [f"also below the cutoff: fragment{'s' if len(below) > 1 else ''} {', '.join(below)}"]


def _explain_minimum(x: np.ndarray, what: Callable[[int], str], noun: str, scale: CutoffScale):
    def explain(p: PatientFragments, value: float, cutoff: float, homo: bool) -> Explanation:
        n = len(p.ids)
        if np.isnan(value):
            return Explanation(())
        low = int(np.nanargmin(x(p)))  # the first lowest, in file order
        deciding = str(p.ids[low])
        if homo and n > 1:
            has = f"have {noun} " if noun else ""
            return Explanation((f"all {n} tumour-containing fragments {has}≥ "
                                f"{scale.format(cutoff)} (lowest: fragment {deciding}, "
                                f"{what_short(x(p)[low], scale)}) → {HOMOGENEOUS}",), deciding)
        reasons = [arrow(homo, f"fragment {deciding}: {what(low)(p)}", cutoff, scale)]
        reasons += _below_list(p.ids, x(p), cutoff, deciding)
        return Explanation(tuple(reasons), deciding)
    return explain


def what_short(v: float, scale: CutoffScale) -> str:
    return scale.format(v) if scale.unit == "%" else f"H-score {_pct(v)}"


def _every_fragment_what(low: int) -> Callable[[PatientFragments], str]:
    def text(p: PatientFragments) -> str:
        f = p.scored
        if f.positivity == "3+" and f.pct[low] != f.pct_positive[low]:
            labels = ("0", "1+", "2+", "3+")
            return (f"scored {labels[int(f.score[low])]}, counted 0 % of tumour cells positive "
                    f"with 3+ only ({_pct(f.pct_positive[low])} % recorded as 2+/3+)")
        return f"{_pct(f.pct[low])} % of tumour cells positive"
    return text


def _explain_pooled(p: PatientFragments, value: float, cutoff: float, homo: bool) -> Explanation:
    n = len(p.ids)
    return Explanation((arrow(homo, f"mean {_pct(value)} % of tumour cells positive over "
                                    f"{_plural(n, 'tumour-containing fragment')}", cutoff,
                              PERCENT),))


def _explain_share(p: PatientFragments, value: float, cutoff: float, homo: bool) -> Explanation:
    f = p.scored
    n_pos = int((f.score >= f.threshold).sum())
    positive = "3+" if f.positivity == "3+" else "2+/3+"
    return Explanation((arrow(homo, f"{n_pos} of {len(p.ids)} tumour-containing fragments scored "
                                    f"{positive} ({_pct(value)} %)", cutoff, PERCENT),))


def _explain_weighted(label: str, scale: CutoffScale, per_fragment: Callable):
    def explain(p: PatientFragments, value: float, cutoff: float, homo: bool) -> Explanation:
        w = p.scored.size()
        if np.isnan(value) or w is None:
            return Explanation(())
        size = "tumour cells" if "tumor_cells" in p.scored.columns else "mm² of tumour"
        x = per_fragment(p)
        parts = ", ".join(f"{i}: {what_short(v, scale)} × {_pct(s)}" for i, v, s
                          in zip(p.ids, x, w, strict=True))
        return Explanation((arrow(homo, f"{label} {what_short(value, scale)} weighted by "
                                        f"{size} ({parts})", cutoff, scale),))
    return explain


def _explain_genetic(p: PatientFragments, value: float, cutoff: float,
                     homo: bool) -> Explanation:
    f = p.scored
    amp = _amplified(f)
    pct_amp = f.columns.get("ish_pct_amplified", np.full(f.codes.size, np.nan))
    if np.isnan(value):
        return Explanation(())
    reasons = []
    mixed = [f"{i} ({_pct(v)} % of cells amplified)" for i, v in zip(p.ids, pct_amp, strict=True)
             if GENETIC_LOW_PCT < v < GENETIC_HIGH_PCT]
    if mixed:
        reasons.append(f"fragment{'s' if len(mixed) > 1 else ''} {', '.join(mixed)}: between "
                       f"{_pct(GENETIC_LOW_PCT)} % and {_pct(GENETIC_HIGH_PCT)} % of cells "
                       f"amplified → {HETEROGENEOUS}")
    on = [str(i) for i, a in zip(p.ids, amp, strict=True) if a == 1.0]
    off = [str(i) for i, a in zip(p.ids, amp, strict=True) if a == 0.0]
    if on and off:
        reasons.append(f"fragments disagree on amplification (HER2/CEP17 ≥ "
                       f"{ISH_AMPLIFIED_RATIO} or amplified: {', '.join(on)}; not: "
                       f"{', '.join(off)}) → {HETEROGENEOUS}")
    if not reasons:
        state = "amplified" if on else "not amplified"
        tested = len(on) + len(off)
        reasons.append(f"all {_plural(tested, 'fragment')} with ISH {state}, none with 5–50 % of "
                       f"cells amplified → {HOMOGENEOUS}")
    return Explanation(tuple(reasons))


def _explain_mix(p: PatientFragments, value: float, cutoff: float, homo: bool) -> Explanation:
    f = p.scored
    labels = ("0", "1+", "2+", "3+")
    pos = [f"{i} ({labels[int(s)]})" for i, s in zip(p.ids, f.score, strict=True)
           if s >= f.threshold]
    neg = [f"{i} ({labels[int(s)]})" for i, s in zip(p.ids, f.score, strict=True)
           if s < f.threshold]
    limit = f"{labels[f.threshold]}" + ("" if f.threshold == 3 else "/3+")
    if pos and neg:
        return Explanation((f"fragments on both sides of {limit}: positive {', '.join(pos)}; "
                            f"negative {', '.join(neg)} → {HETEROGENEOUS}",))
    side = "positive" if pos else "negative"
    return Explanation((f"all {_plural(len(p.ids), 'fragment')} {side} ({limit} threshold) → "
                        f"{HOMOGENEOUS}",))


# --- the registry ------------------------------------------------------------------------------

Value = Callable[[ScoredFragments], np.ndarray]
Explain = Callable[[PatientFragments, float, float, bool], Explanation]


@dataclass(frozen=True, eq=False)
class RuleSpec:
    """One heterogeneity rule.

    ``needs`` lists column groups, each satisfied by any one of its columns (the weighted
    rules need ``tumor_cells`` *or* ``tumor_area_mm2``). ``cutoff`` is ``None`` for rules that
    split without one. ``uses_positivity``: whether the 2+/3+ vs 3+ threshold changes the call.
    """

    name: str
    title: str
    definition: str
    value: Value
    explain: Explain
    needs: tuple[tuple[str, ...], ...] = ()
    cutoff: CutoffScale | None = PERCENT
    uses_positivity: bool = True
    missing_reason: str = ""
    paper_cutoff: float | None = None
    per_fragment: Callable[[PatientFragments], np.ndarray] | None = None

    @property
    def has_cutoff(self) -> bool:
        return self.cutoff is not None

    def missing_columns(self, columns: object) -> list[str]:
        """The column groups ``columns`` lacks, in words ("tumor_cells or tumor_area_mm2")."""
        have = set(columns)  # type: ignore[arg-type]
        return [" or ".join(g) for g in self.needs if not have.intersection(g)]

    def homogeneous(self, values: np.ndarray, cutoff: float | np.ndarray) -> np.ndarray:
        if self.cutoff is None:
            return np.asarray(values) >= 0.5
        return np.asarray(values) >= np.asarray(cutoff) - AT_CUTOFF_TOLERANCE


def _col(name: str) -> Callable[[PatientFragments], np.ndarray]:
    return lambda p: p.scored.columns[name]


def _h(p: PatientFragments) -> np.ndarray:
    return _h_score(p.scored)


H_SCORE = CutoffScale(0.0, 300.0, "", "H-score", 200.0, 5.0)
_SIZE = ("tumor_cells", "tumor_area_mm2")
_SIZE_MISSING = ("a fragment has no size (tumor_cells or tumor_area_mm2), so the fragments "
                 "cannot be weighted")

_RULES = (
    RuleSpec(
        "every-fragment", "Every fragment ≥ cutoff",
        "homogeneous when every tumour-containing fragment has % positive ≥ cutoff (the seed "
        "paper's definition at 100 %)",
        lambda f: f.minimum(f.pct),
        _explain_minimum(lambda p: p.scored.pct, _every_fragment_what, "", PERCENT),
        paper_cutoff=100.0, per_fragment=lambda p: p.scored.pct),
    RuleSpec(
        "pooled", "Pooled mean ≥ cutoff",
        "homogeneous when the mean % positive over tumour-containing fragments is ≥ cutoff",
        lambda f: _mean(f, f.pct), _explain_pooled, per_fragment=lambda p: p.scored.pct),
    RuleSpec(
        "fragment-share", "Share of positive fragments ≥ cutoff",
        "homogeneous when the share of tumour-containing fragments scored positive is ≥ cutoff",
        lambda f: _mean(f, 100.0 * (f.score >= f.threshold)), _explain_share),
    RuleSpec(
        "weighted-pooled", "Size-weighted pooled ≥ cutoff",
        "homogeneous when the % positive pooled over tumour-containing fragments, each weighted "
        "by its tumour cells (or tumour area), is ≥ cutoff: the proportion of all tumour cells "
        "in the diagnostic specimens that are positive (79 % in a 2026 trastuzumab-deruxtecan "
        "study, Gastric Cancer, doi:10.1007/s10120-026-01736-9)",
        lambda f: _weighted_mean(f, f.pct),
        _explain_weighted("pooled", PERCENT, lambda p: p.scored.pct),
        needs=(_SIZE,), missing_reason=_SIZE_MISSING, per_fragment=lambda p: p.scored.pct),
    RuleSpec(
        "every-fragment-3plus", "Every fragment's 3+ share ≥ cutoff",
        "homogeneous when every tumour-containing fragment has ≥ cutoff % of tumour cells at "
        "IHC 3+ (pct_3plus)",
        lambda f: f.minimum(f.columns["pct_3plus"]),
        _explain_minimum(_col("pct_3plus"),
                         lambda low: lambda p: (f"{_pct(p.scored.columns['pct_3plus'][low])} % "
                                                "of tumour cells at 3+"),
                         "% at 3+", PERCENT),
        needs=(("pct_3plus",),), uses_positivity=False,
        missing_reason="a fragment has no pct_3plus", per_fragment=_col("pct_3plus")),
    RuleSpec(
        "pooled-3plus", "Pooled 3+ share ≥ cutoff",
        "homogeneous when the mean % of tumour cells at IHC 3+ over tumour-containing "
        "fragments is ≥ cutoff",
        lambda f: _mean(f, f.columns["pct_3plus"]),
        lambda p, v, c, h: Explanation((arrow(
            h, f"mean {_pct(v)} % of tumour cells at 3+ over "
               f"{_plural(len(p.ids), 'tumour-containing fragment')}", c, PERCENT),)),
        needs=(("pct_3plus",),), uses_positivity=False,
        missing_reason="a fragment has no pct_3plus", per_fragment=_col("pct_3plus")),
    RuleSpec(
        "h-score-min", "Lowest fragment H-score ≥ cutoff",
        "homogeneous when every tumour-containing fragment's H-score (1·%1+ + 2·%2+ + 3·%3+, "
        "0–300) is ≥ cutoff",
        lambda f: f.minimum(_h_score(f)),
        _explain_minimum(_h, lambda low: lambda p: f"H-score {_pct(_h(p)[low])}", "H-score",
                         H_SCORE),
        needs=(("pct_1plus",), ("pct_2plus",), ("pct_3plus",)), cutoff=H_SCORE,
        uses_positivity=False, missing_reason="a fragment lacks pct_1plus, pct_2plus or "
                                              "pct_3plus, so its H-score is unknown",
        per_fragment=_h),
    RuleSpec(
        "h-score-weighted", "Size-weighted H-score ≥ cutoff",
        "homogeneous when the H-score averaged over tumour-containing fragments, weighted by "
        "tumour cells (or area), is ≥ cutoff",
        lambda f: _weighted_mean(f, _h_score(f)), _explain_weighted("H-score", H_SCORE, _h),
        needs=(("pct_1plus",), ("pct_2plus",), ("pct_3plus",), _SIZE), cutoff=H_SCORE,
        uses_positivity=False,
        missing_reason="a fragment lacks its size or intensity percentages", per_fragment=_h),
    RuleSpec(
        "genetic", "Genetic (ISH) heterogeneity",
        "heterogeneous when any fragment has more than 5 % and less than 50 % of tumour cells "
        "amplified (ASCO/CAP genetic heterogeneity), or fragments disagree on amplification "
        f"(HER2/CEP17 ≥ {ISH_AMPLIFIED_RATIO} in some, below in others); fragments without ISH "
        "are not counted",
        _genetic, _explain_genetic, needs=(ISH_COLUMNS,), cutoff=None, uses_positivity=False,
        missing_reason="no fragment has an ISH result"),
    RuleSpec(
        "score-mix", "Scores on both sides of positivity",
        "heterogeneous when the patient has tumour-containing fragments on both sides of the "
        "positivity threshold (some positive, some not); all positive or all negative is "
        "homogeneous",
        _score_mix, _explain_mix, cutoff=None),
)

RULES: dict[str, RuleSpec] = {r.name: r for r in _RULES}
RULE_NAMES: tuple[str, ...] = tuple(RULES)
RULE_DEFINITIONS: dict[str, str] = {r.name: r.definition for r in _RULES}


def rule_spec(name: str) -> RuleSpec:
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown rule {name!r}; rules: {', '.join(RULE_NAMES)}") from None


def rule_availability(fragment_columns: object) -> dict[str, str | None]:
    """Per rule: ``None`` when the data support it, else which columns would unlock it."""
    cols = list(fragment_columns)  # type: ignore[call-overload]
    out: dict[str, str | None] = {}
    for r in _RULES:
        missing = r.missing_columns(cols)
        out[r.name] = None if not missing else "needs " + ", ".join(missing)
    return out


@dataclass(frozen=True, slots=True)
class Her2LowComposition:
    """Column names of the per-patient HER2-low composition (share of scored fragments)."""

    zero: str = "share_her2_zero_pct"
    low: str = "share_her2_low_pct"
    equivocal: str = "share_her2_2plus_untested_pct"
    positive: str = "share_her2_positive_pct"


HER2_LOW = Her2LowComposition()


def her2_low_composition(f: ScoredFragments) -> dict[str, np.ndarray]:
    """Share (%) of each patient's scored fragments that are HER2-zero (IHC 0), HER2-low (1+, or
    2+ without amplification), HER2-positive (3+, or 2+ amplified), or 2+ without ISH.

    Descriptive only (the DESTINY-Gastric HER2-low categories); no rule uses it.
    """
    amp = _amplified(f) if any(c in f.columns for c in ("ish_ratio", "ish_status")) \
        else np.full(f.codes.size, np.nan)
    n = f.count()
    two = f.score == 2
    parts = {
        HER2_LOW.zero: f.score == 0,
        HER2_LOW.low: (f.score == 1) | (two & (amp == 0.0)),
        HER2_LOW.equivocal: two & np.isnan(amp),
        HER2_LOW.positive: (f.score == 3) | (two & (amp == 1.0)),
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        return {k: np.where(n > 0, 100.0 * f.count(m) / n, np.nan) for k, m in parts.items()}

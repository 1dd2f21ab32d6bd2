"""Display frames and sentences of the "How many biopsies" page and of the patient view's
robustness panel: the only place their numbers are rounded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2dash.classify import GROUP_LABELS
from her2dash.cohort import SCORE_LABELS
from her2dash.resampling import (
    HIGHER,
    LOWER,
    NO_DIFFERENCE,
    EndpointResampling,
    LeaveOneOut,
    ResamplingResult,
)
from her2dash.results import Unavailable
from her2dash.robustness import PatientRobustness
from her2dash.rules import rule_spec
from her2dash.tables import DASH, format_number
from her2dash.tables.survival import ENDPOINT_SHORT, level_text

# "Holds" on the page's headline: the full-sample conclusion in at least this share of draws.
HOLDS_PCT = 95.0
_CONCLUSION_WORDS = {
    LOWER: "HR below 1 (CI excludes 1)",
    HIGHER: "HR above 1 (CI excludes 1)",
    NO_DIFFERENCE: "no significant difference (CI includes 1)",
}


def _pct(x: float, digits: int = 0) -> str:
    return f"{format_number(x, digits)} %"


def _fragments(k: int) -> str:
    return f"{k} fragment{'s' if k != 1 else ''}"


def _hr(x: float) -> str:
    return format_number(x, 2)


def _endpoints(result: ResamplingResult) -> list[tuple[str, EndpointResampling]]:
    return [(name, e) for name, e in result.endpoints.items()
            if not isinstance(e, Unavailable)]


def resampling_table(result: ResamplingResult) -> pd.DataFrame:
    """One row per k: patients resampled, % in the other group [central interval of draws],
    and per endpoint the median HR [interval] and the % of draws whose CI excludes 1 / whose
    log-rank p < 0.05. Short headers: the page's caption says what the brackets are."""
    level = level_text(result.interval_level)
    cols: dict[str, list[str]] = {
        "k": [str(k) for k in result.ks],
        "Resampled": [f"{n} of {result.n_patients}" for n in result.n_subsampled],
        f"Other group, % [{level}]": [
            f"{format_number(m)} [{format_number(lo)}–{format_number(hi)}]"
            for m, lo, hi in zip(result.pct_changed, result.pct_changed_low,
                                 result.pct_changed_high, strict=True)],
    }
    for name, e in _endpoints(result):
        short = ENDPOINT_SHORT[name]
        cols[f"{short} HR [{level}]"] = [
            DASH if np.isnan(m) else f"{_hr(m)} [{_hr(lo)}–{_hr(hi)}]"
            for m, lo, hi in zip(e.hr_median, e.hr_low, e.hr_high, strict=True)]
        cols[f"{short}: CI excl. 1 / p < 0.05"] = [
            f"{_pct(a)} / {_pct(b)}"
            for a, b in zip(e.pct_ci_excludes_1, e.pct_logrank_significant, strict=True)]
    return pd.DataFrame(cols)


def table_caption(result: ResamplingResult) -> str:
    """What the table's brackets and shares are, and the simulation's stated choices."""
    level = level_text(result.interval_level)
    mean_word = "exact expectation (every k-subset enumerated)" if result.exact else \
        "mean over draws"
    return (f"k: fragments drawn per patient; resampled: patients with more than k. "
            f"{result.n_draws} draws per k, seed {result.seed}. Other group: {mean_word}. "
            f"HR: median over draws; [{level}]: the central {level} of the draws. CI excl. 1 / "
            f"p < 0.05: % of draws whose HR {level} CI excludes 1 / whose log-rank p < 0.05. "
            + " ".join(result.notes))


def full_sample_text(e: EndpointResampling) -> str:
    """"all fragments: HR 0.47, 95 % CI 0.29–0.77"."""
    if isinstance(e.full, Unavailable):
        return f"all fragments: HR not estimable ({e.full.reason})"
    ci = e.full.ci
    return (f"all fragments: HR {_hr(e.full.estimate)}, {level_text(ci.level)} CI "
            f"{_hr(float(ci.low))}–{_hr(float(ci.high))}")


def k_summary(result: ResamplingResult, k: int) -> str:
    """The page's plain-language sentences at k fragments per patient."""
    i = int(np.flatnonzero(result.ks == k)[0])
    level = level_text(result.interval_level)
    if result.n_subsampled[i] == 0:
        return (f"With {_fragments(k)} per patient nobody gives up a fragment: this is the "
                "full sample.")
    text = (f"With {_fragments(k)} per patient, {_pct(result.pct_changed[i], 1)} of patients "
            f"would be in the other group (central {level} of draws: "
            f"{format_number(result.pct_changed_low[i])}–"
            f"{_pct(result.pct_changed_high[i], 1)}; {result.n_subsampled[i]} of "
            f"{result.n_patients} patients had more than {_fragments(k)} and were resampled).")
    parts = []
    for name, e in _endpoints(result):
        short = ENDPOINT_SHORT[name]
        if np.isnan(e.hr_median[i]):
            parts.append(f"the {short} HR is not estimable in any draw ({e.reasons[i]})")
            continue
        ci_level = (level_text(e.full.ci.level) if not isinstance(e.full, Unavailable)
                    else level)
        parts.append(f"the {short} HR's {ci_level} CI excludes 1 in "
                     f"{_pct(e.pct_ci_excludes_1[i])} of draws (median HR "
                     f"{_hr(e.hr_median[i])}; {full_sample_text(e)})")
    if not parts:
        return text
    body = "; ".join(parts)
    return f"{text} {body[0].upper()}{body[1:]}."


def headline(result: ResamplingResult) -> str:
    """The answer to "would fewer biopsies have changed the conclusion?", per endpoint."""
    sentences = [f"{ENDPOINT_SHORT.get(name, name)}: no hazard ratio ({e.reason})."
                 for name, e in result.endpoints.items() if isinstance(e, Unavailable)]
    for name, e in _endpoints(result):
        short = ENDPOINT_SHORT[name]
        words = _CONCLUSION_WORDS.get(e.full_conclusion)
        if words is None:
            sentences.append(f"{short}: the full-sample HR is not estimable, so there is no "
                             "conclusion to hold.")
            continue
        holds = e.pct_same_conclusion >= HOLDS_PCT
        # The smallest k from which the conclusion holds at every larger k as well.
        from_i = int(np.flatnonzero(~holds)[-1]) + 1 if (~holds).any() else 0
        if from_i == 0:
            sentences.append(f"{short}: the full-sample conclusion, {words}, holds in at least "
                             f"{_pct(HOLDS_PCT)} of draws even with a single fragment per "
                             f"patient.")
            continue
        k_from, k_before = int(result.ks[from_i]), int(result.ks[from_i - 1])
        sentences.append(f"{short}: the full-sample conclusion, {words}, holds in at least "
                         f"{_pct(HOLDS_PCT)} of draws from {_fragments(k_from)} per patient on; "
                         f"with {_fragments(k_before)} in "
                         f"{_pct(e.pct_same_conclusion[from_i - 1])}.")
    return " ".join(sentences)


def per_patient_table(result: ResamplingResult) -> pd.DataFrame:
    """Per patient: fragments, full-sample group and the % chance of another group at each k
    (for download; exact when the result is)."""
    frame = result.per_patient
    out = pd.DataFrame({
        "Patient": frame.index.astype(str),
        "Tumour-containing fragments": frame["n_fragments"].to_numpy(),
        "Group (all fragments)": [GROUP_LABELS.get(g, DASH) for g in frame["group"]],
    })
    for k in result.ks:
        out[f"Other group with {_fragments(int(k))}, %"] = [
            format_number(x) for x in frame[f"change_pct_k{k}"]]
    return out


def leave_one_out_text(loo: LeaveOneOut) -> str:
    """The cohort's one-fragment-fewer sentence."""
    if isinstance(loo.mean_flip_pct, Unavailable):
        return f"One fragment fewer: {loo.mean_flip_pct.reason}."
    flipping = int((loo.per_patient["n_flipping"] > 0).sum())
    return (f"One fragment fewer (each fragment equally likely to be the one not taken): on "
            f"average {_pct(loo.mean_flip_pct, 1)} of the calls of the {loo.n_patients_multi} "
            f"patients with two or more tumour-containing fragments would change; {flipping} "
            f"patient{'s have' if flipping != 1 else ' has'} a fragment whose loss flips the "
            "call.")


def leave_one_out_table(loo: LeaveOneOut) -> pd.DataFrame:
    """The patients whose call one fragment fewer could change, most fragile first."""
    pp = loo.per_patient[loo.per_patient["n_flipping"] > 0].sort_values(
        ["flip_pct", "n_fragments"], ascending=[False, True], kind="stable")
    return pd.DataFrame({
        "Patient": pp.index.astype(str),
        "Group": [GROUP_LABELS[g] for g in pp["group"]],
        "Tumour-containing fragments": pp["n_fragments"].to_numpy(),
        "Call changes if one fewer, %": [format_number(x) for x in pp["flip_pct"]],
        "Fragments whose loss flips it": pp["flipping_fragments"].to_numpy(dtype=object),
    })


# ---------------------------------------------------------------------------- one patient


def interval_text(rob: PatientRobustness) -> str:
    """"Homo-HER2 for cutoffs 0–100 %" / "Hetero-HER2 for cutoffs above 60 % up to 100 %"."""
    scale = rule_spec(rob.rule).cutoff
    label = GROUP_LABELS[rob.group]
    if scale is None or rob.interval is None:
        return f"{label}: the {rob.rule} rule has no cutoff"
    iv = rob.interval
    if iv.low_inclusive:
        return f"{label} for cutoffs {scale.format(iv.low)} to {scale.format(iv.high)}"
    return f"{label} for cutoffs above {scale.format(iv.low)} up to {scale.format(iv.high)}"


def robustness_facts(rob: PatientRobustness) -> list[tuple[str, str]]:
    """(label, value) pairs for the panel's metrics."""
    one_fewer = (DASH if rob.flip_pct is None
                 else f"{format_number(rob.flip_pct, 0)} % ({rob.n_flipping} of "
                      f"{rob.n_fragments})")
    sampling = (f"adequate (≥ {rob.adequate_fragments})" if rob.adequate
                else f"limited (< {rob.adequate_fragments})")
    return [("Same group for", interval_text(rob)), ("Changes if one fragment fewer", one_fewer),
            ("Sampling", f"{rob.n_fragments} fragments, {sampling}")]


def leave_one_out_frame(rob: PatientRobustness) -> pd.DataFrame:
    """One row per tumour-containing fragment: the group without it and whether that flips."""
    loo = rob.leave_one_out
    without = [DASH if g == "" else GROUP_LABELS[str(g)] for g in loo["group_without"]]
    if rob.n_fragments == 1:
        without = ["nothing left to classify"]
    return pd.DataFrame({
        "Fragment left out": loo["fragment_id"].to_numpy(dtype=object),
        "IHC score": [SCORE_LABELS[int(s)] for s in loo["ihc_score"]],
        "% positive": [format_number(x, 0) for x in loo["pct_positive"]],
        "Group without it": without,
        "Call changes": ["yes" if f else "no" for f in loo["flips"]],
    })

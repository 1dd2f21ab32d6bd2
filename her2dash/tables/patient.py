"""Patient view text and frames: the call's headline, where it flips, the example patient for the
editor, the fragment map's cells and the patient's group outcomes (median PFS/OS, ORR)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2dash.analysis import Analysis
from her2dash.classify import (
    GROUP_LABELS,
    HETEROGENEOUS,
    HOMOGENEOUS,
    Classification,
    effective_pct,
)
from her2dash.cohort import SCORE_LABELS
from her2dash.patient import PatientCall, normalise_fragments
from her2dash.response import Proportion
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import Positivity
from her2dash.tables import DASH, format_ci, format_number
from her2dash.tables.cohort import format_cutoff
from her2dash.tables.survival import ENDPOINT_SHORT, level_text, median_text

EDITOR_COLUMNS = ("fragment_id", "tumor_present", "ihc_score", "pct_positive")
# The editor's first content: the paper's typical Hetero-HER2 biopsy, one fragment short of
# homogeneous (F3 at 60 %), so the reason and the strip show something to read.
_EXAMPLE = (("F1", True, "3+", 100.0), ("F2", True, "3+", 100.0), ("F3", True, "2+", 60.0),
            ("F4", True, "2+", 90.0))
POSITIVITY_WORDS = {"2+": "2+/3+", "3+": "3+ only"}


def _pct(x: float) -> str:
    """60, 72.5, 86.7: one decimal at most, as the reasons print percentages."""
    text = format_number(x)
    return text[:-2] if text.endswith(".0") else text


# Values for the optional columns a rule may need, one per example fragment (consistent with
# the scores: pct_2plus + pct_3plus = pct_positive, ratio ≥ 2 = amplified).
_EXAMPLE_EXTRA = {
    "pct_1plus": (0.0, 0.0, 20.0, 10.0), "pct_2plus": (20.0, 10.0, 40.0, 50.0),
    "pct_3plus": (80.0, 90.0, 20.0, 40.0), "tumor_cells": (800.0, 600.0, 300.0, 500.0),
    "ish_ratio": (4.2, 5.0, 2.3, 1.8), "ish_pct_amplified": (90.0, 95.0, 45.0, 20.0),
}


def editor_extra_columns(rule: str) -> tuple[str, ...]:
    """Optional fragment columns the patient editor adds so the rule can score a typed patient
    (one column per alternative group: size as tumour cells, ISH as ratio + % amplified)."""
    out: list[str] = []
    for group in rule_spec(rule).needs:
        if "ish_ratio" in group:
            out += ["ish_ratio", "ish_pct_amplified"]
        else:
            out.append(group[0])
    return tuple(out)


def example_fragments(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Four example fragments for the patient editor (columns :data:`EDITOR_COLUMNS` and any
    ``extra`` optional columns from :func:`editor_extra_columns`)."""
    frame = pd.DataFrame(list(_EXAMPLE), columns=list(EDITOR_COLUMNS))
    for column in extra:
        frame[column] = _EXAMPLE_EXTRA[column]
    return frame


def call_headline(call: PatientCall) -> str:
    """"**Hetero-HER2** under the every-fragment rule at 100 %, positivity 2+/3+ (value 60 %)"."""
    spec = rule_spec(call.rule)
    plural = "s" if call.n_fragments != 1 else ""
    fragments = f"{call.n_fragments} tumour-containing fragment{plural}"
    positivity = (f", positivity {POSITIVITY_WORDS[call.positivity]}" if spec.uses_positivity
                  else "")
    if spec.cutoff is None:
        return (f"**{GROUP_LABELS[call.group]}** under the {call.rule} rule{positivity} "
                f"({fragments})")
    unit = f" {spec.cutoff.unit}" if spec.cutoff.unit else ""
    return (f"**{GROUP_LABELS[call.group]}** under the {call.rule} rule at "
            f"{format_cutoff(call.cutoff_pct)}{unit}{positivity} (rule value "
            f"{_pct(call.value)}{unit}, {fragments})")


def flip_text(call: PatientCall) -> str:
    """Where this patient's call changes as the cutoff moves (homogeneous iff value ≥ cutoff)."""
    homo, hetero = GROUP_LABELS[HOMOGENEOUS], GROUP_LABELS[HETEROGENEOUS]
    scale = rule_spec(call.rule).cutoff
    if scale is None:
        return "This rule has no cutoff: the call does not move with one."
    unit = f" {scale.unit}" if scale.unit else ""
    if call.flip_cutoff_pct is None:
        return (f"{homo} at every cutoff from {scale.low:g} to {scale.high:g}{unit}: this "
                "patient never flips.")
    at = _pct(call.flip_cutoff_pct)
    if call.flip_cutoff_pct <= scale.low:
        return (f"{homo} only at a {scale.low:g}{unit} cutoff; {hetero} at every cutoff above "
                "it.")
    return (f"{homo} at every cutoff up to {at}{unit}, {hetero} above it: a cutoff just over "
            f"{at}{unit} flips this patient.")


def exclusion_note(classification: Classification, patient_id: str) -> str | None:
    """Why the cohort analyses leave this patient out (the sidebar's filters), if they do."""
    row = classification.per_patient.loc[patient_id]
    if bool(row["included"]):
        return None
    return (f"{patient_id} is excluded from the cohort analyses under the sidebar's filters "
            f"({row['exclusion_reason']}); the call below ignores the filters.")


def patient_map_frame(fragments: pd.DataFrame, positivity: Positivity
                      ) -> pd.DataFrame | Unavailable:
    """One row per fragment, file order: ``slot``, ``fragment_id``, ``tumor_present``,
    ``pct_counted`` (% counted positive under ``positivity``; NaN without tumour), ``label``
    (the cell's text) and ``hover``."""
    frags = normalise_fragments(fragments)
    if isinstance(frags, Unavailable):
        return frags
    tumour = frags["tumor_present"].to_numpy()
    counted = effective_pct(frags, positivity)
    labels, hovers = [], []
    for fid, t, s, r, c in zip(frags["fragment_id"], tumour, frags["ihc_score"],
                               frags["pct_positive"], counted, strict=True):
        if not t:
            labels.append(f"{fid}<br>no tumour")
            hovers.append(f"{fid}: no tumour (ignored)")
            continue
        score = SCORE_LABELS[int(s)]
        labels.append(f"{fid}<br>{score} · {format_number(c, 0)} %")
        extra = (f"<br>counted {format_number(c, 0)} % (3+ only)"
                 if positivity == "3+" and c != r else "")
        hovers.append(f"{fid}: IHC {score}, {format_number(r, 0)} % positive{extra}")
    return pd.DataFrame({
        "slot": range(1, len(frags) + 1),
        "fragment_id": frags["fragment_id"].to_numpy(dtype=object),
        "tumor_present": tumour,
        "pct_counted": np.where(tumour, counted, np.nan),
        "label": labels,
        "hover": hovers,
    })


def _rate(p: Proportion | Unavailable) -> str:
    if isinstance(p, Unavailable):
        return DASH
    return (f"{p.successes}/{p.n} ({format_number(100 * p.estimate)} %) "
            f"[{format_ci(p.ci, scale=100.0)}]")


def group_outcome_table(analysis: Analysis, group: str) -> pd.DataFrame:
    """Median PFS and OS (months, CI) and ORR (CI) of the patient's group, then of the other
    group for comparison, from the cohort analysis under the same settings."""
    other = HETEROGENEOUS if group == HOMOGENEOUS else HOMOGENEOUS
    level = level_text(analysis.settings.conf_level)
    rows = []
    for endpoint in ("pfs", "os"):
        result = analysis.endpoints[endpoint]
        survival = result if isinstance(result, Unavailable) else result.survival
        cells = [DASH, DASH] if isinstance(survival, Unavailable) else [
            median_text(survival.medians.get(g, Unavailable(""))) for g in (group, other)]
        rows.append([f"Median {ENDPOINT_SHORT[endpoint]}, months ({level} CI)", *cells])
    response = analysis.response
    if isinstance(response, Unavailable):
        rows.append([f"ORR, responders/evaluable (%) [{level} CI]", DASH, DASH])
    else:
        by_group = {g.group: g for g in response.groups}
        rows.append([f"ORR, responders/evaluable (%) [{level} CI]",
                     *(_rate(by_group[g].orr) for g in (group, other))])
    return pd.DataFrame(rows, columns=["Measure", f"{GROUP_LABELS[group]} (this patient's group)",
                                       GROUP_LABELS[other]])

"""Cohort page tables: heterogeneity rate, fragment counts, the per-patient classification and
the per-fragment frame the fragment map draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2dash.adequacy import ADEQUACY_CITATION, AdequacyComparison
from her2dash.analysis import Analysis
from her2dash.classify import (
    GROUP_LABELS,
    HETEROGENEOUS,
    HOMOGENEOUS,
    Classification,
    effective_pct,
)
from her2dash.cohort import SCORE_LABELS, Cohort
from her2dash.cohort_summary import SUMMARY_GROUPS, CohortSummary
from her2dash.response import GroupQuantiles, Proportion
from her2dash.results import Unavailable
from her2dash.rules import HER2_LOW, rule_spec
from her2dash.settings import RULE_DEFINITIONS, Settings
from her2dash.tables import DASH, format_ci, format_number, format_percent
from her2dash.tables.survival import hazard_ratio_text

# Homogeneous first: the fragment map reads top-down from "every fragment positive".
MAP_GROUP_ORDER = (HOMOGENEOUS, HETEROGENEOUS)
PAPER_RATE = "the paper: 53 of 87 = 60.9 %"


def settings_caption(settings: Settings, cohort: Cohort) -> str:
    """The grouping in one sentence, with the data's size and fingerprint."""
    spec = rule_spec(settings.rule)
    at = (f" at **{spec.cutoff.format(settings.cutoff_pct)}**" if spec.cutoff is not None
          else "")
    positivity = f", positivity {settings.positivity}" if spec.uses_positivity else ""
    scored = ("" if (settings.timepoint, settings.specimen) == ("baseline", "biopsy")
              else f" Scored: {settings.timepoint} {settings.specimen} fragments.")
    return (f"Rule **{settings.rule}**{at}{positivity}: {RULE_DEFINITIONS[settings.rule]}."
            f"{scored} {cohort.n_patients} patients, {cohort.n_fragments} fragments; data "
            f"fingerprint `{cohort.fingerprint}`.")


def adequacy_frame(comparison: AdequacyComparison) -> pd.DataFrame:
    """Headline numbers for every included patient and for the adequately sampled only."""
    analyses = {"All included": comparison.all_patients,
                f"Adequately sampled (≥ {comparison.threshold} fragments)": comparison.adequate}
    rows: list[dict[str, str]] = []

    def cells(pick) -> dict[str, str]:
        return {name: (DASH if isinstance(a, Unavailable) else pick(a))
                for name, a in analyses.items()}

    rows.append({"": "Homo-HER2 / Hetero-HER2",
                 **cells(lambda a: f"{a.n_homogeneous} / {a.n_heterogeneous}")})
    for endpoint, title in (("pfs", "PFS"), ("os", "OS")):
        def hr(a: Analysis, endpoint: str = endpoint) -> str:
            ep = a.endpoints.get(endpoint)
            if ep is None or isinstance(ep, Unavailable):
                return DASH
            return hazard_ratio_text(ep.hazard_ratio).removeprefix("HR ")
        rows.append({"": f"{title} hazard ratio, Homo vs Hetero (95 % CI)", **cells(hr)})
    for group, label in ((HOMOGENEOUS, "Homo-HER2"), (HETEROGENEOUS, "Hetero-HER2")):
        def orr(a: Analysis, group: str = group) -> str:
            if isinstance(a.response, Unavailable):
                return DASH
            g = a.response.homogeneous if group == HOMOGENEOUS else a.response.heterogeneous
            if isinstance(g.orr, Unavailable):
                return DASH
            return (f"{g.orr.successes}/{g.orr.n} ({format_number(100 * g.orr.estimate)} %) "
                    f"[{format_ci(g.orr.ci, scale=100.0)}]")
        rows.append({"": f"ORR {label} (exact CI)", **cells(orr)})
    return pd.DataFrame(rows)


def adequacy_text(comparison: AdequacyComparison) -> str:
    n, lim, k = comparison.n_included, comparison.n_limited, comparison.threshold
    text = (f"{lim} of {n} included patients have fewer than {k} tumour-containing fragments "
            f"(limited sampling; {ADEQUACY_CITATION}).")
    if isinstance(comparison.adequate, Unavailable):
        return f"{text} No comparison: {comparison.adequate.reason}."
    return f"{text} Kept only the {n - lim} adequately sampled patients:"


def format_cutoff(cutoff_pct: float) -> str:
    """A cutoff as the sidebar shows it: 100, 52.5 (no trailing zeros)."""
    return f"{cutoff_pct:g}"


def heterogeneity_rate_text(rate: Proportion) -> tuple[str, str]:
    """("Heterogeneity rate 60.9 %", "53 of 87 included patients … 95 % CI …") for the page."""
    level = format_number(100 * rate.ci.level, 0)
    return (f"Heterogeneity rate {format_percent(rate.estimate)}",
            f"{rate.successes} of {rate.n} included patients are Hetero-HER2; {level} % CI "
            f"{format_ci(rate.ci, scale=100)} % ({rate.ci.method}, as R binom.test). "
            f"For comparison, {PAPER_RATE}.")


def _median_range(q: GroupQuantiles | Unavailable) -> str:
    if isinstance(q, Unavailable):
        return DASH
    return (f"{format_number(q.median, 1 if q.median % 1 else 0)} "
            f"({format_number(q.minimum, 0)}–{format_number(q.maximum, 0)})")


def fragment_count_table(summary: CohortSummary) -> pd.DataFrame:
    """Median (range) per patient of tumour-containing, HER2-positive and 3+ fragments."""
    positive = "HER2 2+/3+" if summary.positivity == "2+" else "HER2 3+ (positive)"
    rows = [("Tumour", summary.fragments, "4 (1–8)"),
            (positive, summary.positive_fragments, "3"),
            ("HER2 3+", summary.three_plus_fragments, "2")]
    return pd.DataFrame(
        [{"Fragments": label, **{GROUP_LABELS[g]: _median_range(counts[g]) for g in SUMMARY_GROUPS},
          "Paper": paper}
         for label, counts, paper in rows])


def classification_table(classification: Classification) -> pd.DataFrame:
    """Every cohort patient: fragment features, rule value, group, and why excluded."""
    pp = classification.per_patient
    pct = lambda col: [format_number(v, 1) for v in pp[col].to_numpy(dtype=float)]  # noqa: E731
    return pd.DataFrame({
        "Patient": pp.index.astype(str),
        "Group": [GROUP_LABELS.get(g, "excluded") for g in pp["group"]],
        "Tumour fragments": pp["n_fragments"].astype(int).astype(str).to_numpy(),
        "Positive fragments": pp["n_positive"].astype(int).astype(str).to_numpy(),
        "3+ fragments": pp["n_3plus"].astype(int).astype(str).to_numpy(),
        "Min % positive": pct("min_pct"),
        "Mean % positive": pct("mean_pct"),
        "% fragments positive": pct("share_positive_pct"),
        f"Rule value ({classification.settings.rule})": pct("value"),
        "Limited sampling": np.where(pp["limited_sampling"].to_numpy(dtype=bool), "yes", ""),
        "% HER2-zero": pct(HER2_LOW.zero),
        "% HER2-low": pct(HER2_LOW.low),
        "% 2+ without ISH": pct(HER2_LOW.equivocal),
        "% HER2-positive": pct(HER2_LOW.positive),
        "Excluded because": pp["exclusion_reason"].astype(str).to_numpy(),
    })


def her2_low_frame(classification: Classification) -> pd.DataFrame:
    """Mean share of fragments per HER2 category, per group (descriptive: no rule uses it)."""
    inc = classification.included
    names = {HER2_LOW.zero: "HER2-zero (IHC 0)", HER2_LOW.low: "HER2-low (1+, or 2+ ISH−)",
             HER2_LOW.equivocal: "2+ without ISH", HER2_LOW.positive: "HER2-positive (3+, or "
                                                                     "2+ ISH+)"}
    out = []
    for column, label in names.items():
        row = {"Fragments": label}
        for group in (HETEROGENEOUS, HOMOGENEOUS):
            values = inc.loc[inc["group"] == group, column].to_numpy(dtype=float)
            row[GROUP_LABELS[group]] = (f"{format_number(float(np.mean(values)))} %"
                                        if values.size else DASH)
        values = inc[column].to_numpy(dtype=float)
        row[GROUP_LABELS["overall"]] = (f"{format_number(float(np.mean(values)))} %"
                                        if values.size else DASH)
        out.append(row)
    return pd.DataFrame(out)


# A map taller than this is no longer read cell by cell, and a plotly heatmap of 100,000 patients
# takes seconds to serialise: larger cohorts show this many, evenly spaced in the sorted order.
MAX_MAP_PATIENTS = 300


def _evenly_spaced(order: pd.DataFrame, limit: int) -> pd.DataFrame:
    """``limit`` rows of the sorted ``order``, each group keeping its share (at least one row)
    and its spread: every k-th patient of the group's sorted block, first and last included."""
    if len(order) <= limit:
        return order
    parts = []
    for _, block in order.groupby("_block", sort=True):
        k = max(1, round(limit * len(block) / len(order)))
        parts.append(block.iloc[np.unique(np.linspace(0, len(block) - 1, k).round().astype(int))])
    return pd.concat(parts)


def fragment_map_note(frame: pd.DataFrame, classification: Classification) -> str | None:
    """Says so when the map shows a subset of the included patients."""
    shown, total = frame["patient_id"].nunique(), classification.n_included
    if shown >= total:
        return None
    return (f"Showing {shown:,} of {total:,} patients, evenly spaced through each group's sorted "
            "order (each group keeps its share); the per-patient table below lists everyone.")


def fragment_map_frame(cohort: Cohort, classification: Classification, *,
                       max_patients: int = MAX_MAP_PATIENTS) -> pd.DataFrame:
    """One row per tumour-containing fragment of an included patient, placed for the map.

    Columns: ``patient_id``, ``fragment_id``, ``group`` (homogeneous / heterogeneous),
    ``group_label``, ``row`` (0 = top; homogeneous block first, then heterogeneous, each sorted
    by the rule's value, highest first; ties, common under the every-fragment rule where most
    hetero-HER2 patients have a 0 % fragment, by mean % positive, then patient id), ``slot``
    (1-based position of the fragment within its patient, file order), ``ihc_score`` (0–3),
    ``score_label``, ``pct_positive`` as recorded, ``pct_counted`` (% counted positive under the
    settings' positivity: a fragment below 3+ counts 0 % with "3+ only"), and ``hover``.
    """
    inc = classification.included
    order = inc.assign(
        _block=inc["group"].map({g: i for i, g in enumerate(MAP_GROUP_ORDER)}),
        _id=inc.index.astype(str),
    ).sort_values(["_block", "value", "mean_pct", "_id"], ascending=[True, False, False, True],
                  kind="stable")
    order = _evenly_spaced(order, max_patients)
    frags = cohort.fragments[cohort.fragments["tumor_present"].to_numpy()]
    frags = frags[frags["patient_id"].isin(order.index)]
    row_of = pd.Series(range(len(order)), index=order.index)
    score = frags["ihc_score"].to_numpy(dtype=int)
    recorded = frags["pct_positive"].to_numpy(dtype=float)
    counted = effective_pct(frags, classification.settings.positivity)
    groups = inc.loc[frags["patient_id"], "group"].to_numpy(dtype=object)
    labels = [SCORE_LABELS[s] for s in score]
    three_only = classification.settings.positivity == "3+"
    hover = [
        f"{p} · {f}<br>{GROUP_LABELS[g]}<br>IHC {lab}, {format_number(r, 0)} % positive"
        + (f"<br>counted {format_number(c, 0)} % (3+ only)" if three_only and c != r else "")
        for p, f, g, lab, r, c in zip(frags["patient_id"], frags["fragment_id"], groups, labels,
                                      recorded, counted, strict=True)
    ]
    out = pd.DataFrame({
        "patient_id": frags["patient_id"].astype(str).to_numpy(),
        "fragment_id": frags["fragment_id"].astype(str).to_numpy(),
        "group": groups,
        "group_label": [GROUP_LABELS[g] for g in groups],
        "row": row_of.loc[frags["patient_id"]].to_numpy(),
        "slot": frags.groupby("patient_id", sort=False).cumcount().to_numpy() + 1,
        "ihc_score": score,
        "score_label": labels,
        "pct_positive": recorded,
        "pct_counted": counted,
        "hover": hover,
    })
    return out.sort_values(["row", "slot"], kind="stable").reset_index(drop=True)

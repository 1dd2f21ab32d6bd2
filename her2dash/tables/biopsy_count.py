"""Biopsy count vs survival (the paper's ESM 5) as display frames: the Spearman table, the
legend text, and the per-patient points the scatter plot draws.

:func:`biopsy_count_points` is the one place the scatter's points are taken from the cohort: the
same included patients, fragment counts and times that
:func:`her2dash.biopsy_count.biopsy_count_correlation` tests in :func:`her2dash.analysis.analyze`,
so the dots and the rho beside them cannot disagree.
"""

from __future__ import annotations

import pandas as pd

from her2dash.biopsy_count import BiopsyCountCorrelation, SpearmanTest
from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS, Classification
from her2dash.cohort import Cohort
from her2dash.results import Unavailable
from her2dash.survival import OVERALL
from her2dash.tables import DASH, format_number, format_p
from her2dash.tables.survival import p_text

POINT_COLUMNS = ("n_fragments", "months", "event", "group")
ROW_ORDER = (HOMOGENEOUS, HETEROGENEOUS, OVERALL)
CENSORING_NOTE = ("Times are plotted and ranked as observed: censoring is ignored, as in the "
                  "paper's ESM 5, so a censored time counts as if the event had happened then.")


def biopsy_count_points(cohort: Cohort, classification: Classification,
                        endpoint: str) -> pd.DataFrame:
    """One row per included patient with a time for ``endpoint`` ("pfs" or "os").

    Columns: ``n_fragments`` (tumour-containing fragments, int), ``months`` (float),
    ``event`` (bool; False = censored, or unknown), ``group`` ("homogeneous" /
    "heterogeneous"), indexed by ``patient_id``. Empty (with those columns) when the cohort has
    no such time.
    """
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    included = classification.included
    if time_col not in cohort.patients.columns:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(POINT_COLUMNS, ("int64", "float64", "bool", "object"),
                                 strict=True)})
    patients = cohort.patients.loc[included.index]
    event = (patients[event_col] if event_col in patients.columns
             else pd.Series(float("nan"), index=patients.index))
    points = pd.DataFrame({
        "n_fragments": included["n_fragments"].astype("int64"),
        "months": patients[time_col].astype("float64"),
        "event": event.astype("float64").eq(1.0),
        "group": included["group"].astype(str),
    }, index=included.index)
    return points[points["months"].notna()]


def spearman_text(test: SpearmanTest | Unavailable) -> str:
    """"ρ = −0.27, p = 0.129" (or why it is missing), for a legend entry."""
    if isinstance(test, Unavailable):
        return "ρ not available"
    return f"ρ = {format_number(test.rho, 2)}, {p_text(test.pvalue)}"


def spearman_table(correlation: BiopsyCountCorrelation) -> pd.DataFrame:
    """Group, patients, Spearman's rho, p and R's p method, one row per group and overall."""
    rows = []
    for group in ROW_ORDER:
        test: SpearmanTest | Unavailable = getattr(correlation, group)
        if isinstance(test, Unavailable):
            rows.append({"Group": GROUP_LABELS[group], "Patients": DASH, "Spearman's ρ": DASH,
                         "p": DASH, "Method": test.reason})
            continue
        rows.append({"Group": GROUP_LABELS[group], "Patients": str(test.n),
                     "Spearman's ρ": format_number(test.rho, 2), "p": format_p(test.pvalue),
                     "Method": test.method})
    return pd.DataFrame(rows)


def spearman_caption(correlation: BiopsyCountCorrelation) -> str:
    """Which p R's cor.test reports, and any patients left out for a missing count or time."""
    text = ('p as R\'s cor.test(method = "spearman"): the t approximation when counts or times '
            "are tied, AS 89 (exact or Edgeworth) without ties.")
    n = correlation.n_missing
    if n:
        text += f" {n} patient{'s' if n != 1 else ''} without a time or fragment count left out."
    return text

"""Median PFS and OS per group and specimen type in the layout of the paper's Table 4.

Rows: patients, then mPFS and mOS, each Homo-HER2 and Hetero-HER2; columns: biopsy and surgical
specimens; cells "10.8 (6.9–19.4)" or "NR", as the paper prints them.
"""

from __future__ import annotations

import pandas as pd

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS
from her2dash.concordance import Concordance, material_label
from her2dash.results import Unavailable
from her2dash.specimens import SpecimenComparison
from her2dash.tables import DASH, format_ci, format_number, format_p
from her2dash.tables.survival import level_text, median_text

ROW_GROUPS = (HOMOGENEOUS, HETEROGENEOUS)  # the paper's Table 4 lists Homo-HER2 first
MEASURES = (("pfs", "mPFS"), ("os", "mOS"))


def _column(specimen_type: str) -> str:
    return f"{specimen_type.capitalize()} specimens"


def specimen_table(comparison: SpecimenComparison) -> pd.DataFrame:
    """Table 4: "Measure", "Group", then one "<Type> specimens" column per specimen type.

    A median the data cannot give (no patients of that group and type with the endpoint) is a
    dash; the medians' CI level is the analysis's (the paper's 95 %).
    """
    level = next((m.ci.level for m in comparison.medians.values()
                  if not isinstance(m, Unavailable)), 0.95)
    rows = []
    for group in ROW_GROUPS:
        row = {"Measure": "Patients, n", "Group": GROUP_LABELS[group]}
        for spec in comparison.specimen_types:
            row[_column(spec)] = str(comparison.n.get((spec, group), 0))
        rows.append(row)
    for endpoint, measure in MEASURES:
        for group in ROW_GROUPS:
            row = {"Measure": f"{measure}, months ({level_text(level)} CI)",
                   "Group": GROUP_LABELS[group]}
            for spec in comparison.specimen_types:
                median = comparison.medians.get((endpoint, spec, group))
                row[_column(spec)] = DASH if median is None else median_text(median)
            rows.append(row)
    return pd.DataFrame(rows)


def concordance_frame(c: Concordance) -> pd.DataFrame:
    """The 2×2 table of calls: rows the first material, columns the second, with totals."""
    first, second = material_label(c.first), material_label(c.second)
    rows = []
    for r in ROW_GROUPS:
        row = {first: GROUP_LABELS[r]}
        for col in ROW_GROUPS:
            row[f"{GROUP_LABELS[col]} in {second}"] = str(c.counts[(r, col)])
        row["Total"] = str(sum(c.counts[(r, col)] for col in ROW_GROUPS))
        rows.append(row)
    return pd.DataFrame(rows)


def concordance_text(c: Concordance) -> str:
    """Agreement, kappa and the exact McNemar test in one paragraph."""
    first, second = material_label(c.first), material_label(c.second)
    agree = c.agreement
    kappa = (f"Cohen's κ {format_number(c.kappa, 2)}" if not isinstance(c.kappa, Unavailable)
             else f"κ not available ({c.kappa.reason})")
    test = (f"exact McNemar p = {format_p(c.mcnemar_p)}" if not isinstance(c.mcnemar_p,
                                                                         Unavailable)
            else f"McNemar not available ({c.mcnemar_p.reason})")
    return (f"{c.n_pairs} patients have both {first} and {second} material. The call agrees in "
            f"{agree.successes} ({format_number(100 * agree.estimate)} %, "
            f"{format_ci(agree.ci, scale=100.0)} %); {kappa}. {c.lost} went from Homo-HER2 to "
            f"Hetero-HER2 and {c.gained} the other way ({test}).")

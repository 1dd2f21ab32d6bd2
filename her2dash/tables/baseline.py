"""Baseline results → display table: the paper's Table 1 (characteristics by HER2 group).

A categorical characteristic is a heading row (its label, the p-value and the test) followed by
one indented row per level, "n (%)" per group; a continuous one is a single row,
"median [IQR]". Percentages are of the patients with a known value, as the test sees them; blanks
get their own "missing" row when there are any.
"""

from __future__ import annotations

import pandas as pd

from her2dash.baseline import BaselineTable, CategoricalRow, ContinuousRow
from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS
from her2dash.covariates import Covariate
from her2dash.response import GroupQuantiles
from her2dash.results import Unavailable
from her2dash.tables import DASH, format_number, format_p

CHARACTERISTIC = "Characteristic"
P_VALUE = "p value"
TEST = "Test"
# An em space: Streamlit's grid and spreadsheets keep it, where leading ASCII spaces vanish.
INDENT = "\u2003"
MISSING = "missing"


def group_headers(table: BaselineTable) -> tuple[str, str]:
    """"Hetero-HER2 n = 53", "Homo-HER2 n = 34": the group columns, reference first."""
    return (f"{GROUP_LABELS[HETEROGENEOUS]} n = {table.n_heterogeneous}",
            f"{GROUP_LABELS[HOMOGENEOUS]} n = {table.n_homogeneous}")


def _count(n: int, pct: float, known: int) -> str:
    return f"{n} ({format_number(pct)} %)" if known else str(n)


def _median_iqr(q: GroupQuantiles | Unavailable) -> str:
    if isinstance(q, Unavailable):
        return DASH
    sep = " to " if min(q.q1, q.q3) < 0 else DASH
    return (f"{format_number(q.median)} "
            f"[{format_number(q.q1)}{sep}{format_number(q.q3)}]")


def _categorical(row: CategoricalRow, label: str) -> list[tuple[str, str, str, str, str]]:
    known_het = sum(row.counts_heterogeneous)
    known_hom = sum(row.counts_homogeneous)
    out = [(label, "", "", format_p(row.pvalue), row.test)]
    for i, level in enumerate(row.levels):
        out.append((INDENT + level,
                    _count(row.counts_heterogeneous[i], row.pct_heterogeneous[i], known_het),
                    _count(row.counts_homogeneous[i], row.pct_homogeneous[i], known_hom),
                    "", ""))
    if row.missing_heterogeneous or row.missing_homogeneous:
        out.append((INDENT + MISSING, str(row.missing_heterogeneous),
                    str(row.missing_homogeneous), "", ""))
    return out


def _continuous(row: ContinuousRow, label: str) -> list[tuple[str, str, str, str, str]]:
    out = [(f"{label}, median [IQR]", _median_iqr(row.heterogeneous),
            _median_iqr(row.homogeneous), format_p(row.pvalue), row.test)]
    if row.missing_heterogeneous or row.missing_homogeneous:
        out.append((INDENT + MISSING, str(row.missing_heterogeneous),
                    str(row.missing_homogeneous), "", ""))
    return out


def baseline_frame(table: BaselineTable, covariates: tuple[Covariate, ...]) -> pd.DataFrame:
    """Table 1 in the paper's layout, rows in the table's (covariate) order.

    ``covariates`` supply the labels (``Covariate.label``, matched on ``name``); a row without a
    matching covariate is labelled by its column name. The p-value and the test name sit on the
    characteristic's first row only.
    """
    labels = {c.name: c.label for c in covariates}
    lines: list[tuple[str, str, str, str, str]] = []
    for row in table.rows:
        label = labels.get(row.column, row.column)
        lines.extend(_continuous(row, label) if isinstance(row, ContinuousRow)
                     else _categorical(row, label))
    het, hom = group_headers(table)
    return pd.DataFrame(lines, columns=[CHARACTERISTIC, het, hom, P_VALUE, TEST])

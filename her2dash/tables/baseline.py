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
from her2dash.suppress import NO_SUPPRESSION, SHOWN, Suppression, cell_text, protect
from her2dash.tables import DASH, format_number, format_p

CHARACTERISTIC = "Characteristic"
P_VALUE = "p value"
TEST = "Test"
# An em space: Streamlit's grid and spreadsheets keep it, where leading ASCII spaces vanish.
INDENT = "\u2003"
MISSING = "missing"


def group_headers(table: BaselineTable, suppression: Suppression = NO_SUPPRESSION,
                  status: dict | None = None) -> tuple[str, str]:
    """"Hetero-HER2 n = 53", "Homo-HER2 n = 34": the group columns, reference first."""
    status = status or {}
    sizes = ((HETEROGENEOUS, table.n_heterogeneous), (HOMOGENEOUS, table.n_homogeneous))
    return tuple(f"{GROUP_LABELS[g]} n = "  # type: ignore[return-value]
                 f"{cell_text(status.get(('n', g), SHOWN), str(n), suppression)}"
                 for g, n in sizes)


def _count(n: int, pct: float, known: int, status: str = SHOWN,
           suppression: Suppression = NO_SUPPRESSION, with_pct: bool = True) -> str:
    if status != SHOWN:
        return cell_text(status, str(n), suppression)
    return f"{n} ({format_number(pct)} %)" if known and with_pct else str(n)


def _median_iqr(q: GroupQuantiles | Unavailable) -> str:
    if isinstance(q, Unavailable):
        return DASH
    sep = " to " if min(q.q1, q.q3) < 0 else DASH
    return (f"{format_number(q.median)} "
            f"[{format_number(q.q1)}{sep}{format_number(q.q3)}]")


def _cells(table: BaselineTable) -> tuple[dict, list[dict]]:
    """Every count Table 1 prints, keyed (row index, level or "missing", group), the group sizes
    ("n", group), and the sums a reader can form: per characteristic and group, its levels and
    missing add up to the group size in the header."""
    values: dict[tuple, int] = {("n", HETEROGENEOUS): table.n_heterogeneous,
                                ("n", HOMOGENEOUS): table.n_homogeneous}
    relations: list[dict] = []
    for i, row in enumerate(table.rows):
        for g, missing in ((HETEROGENEOUS, row.missing_heterogeneous),
                           (HOMOGENEOUS, row.missing_homogeneous)):
            values[(i, "missing", g)] = missing
            if isinstance(row, CategoricalRow):
                counts = row.counts_heterogeneous if g == HETEROGENEOUS else \
                    row.counts_homogeneous
                for level, n in zip(row.levels, counts, strict=True):
                    values[(i, level, g)] = n
                relations.append({**{(i, lv, g): 1 for lv in row.levels},
                                  (i, "missing", g): 1, ("n", g): -1})
    return values, relations


def baseline_status(table: BaselineTable, suppression: Suppression) -> dict:
    """Status ("shown", "primary", "complementary") of every count Table 1 prints, keyed
    (row index, level or "missing", group) and ("n", group) for the group sizes."""
    values, relations = _cells(table)
    # The group sizes are printed in other tables too: never hidden as a complement here.
    return protect(values, relations, suppression,
                   fixed={("n", HETEROGENEOUS), ("n", HOMOGENEOUS)})


def _categorical(i: int, row: CategoricalRow, label: str, status: dict,
                 suppression: Suppression) -> list[tuple[str, str, str, str, str]]:
    known_het = sum(row.counts_heterogeneous)
    known_hom = sum(row.counts_homogeneous)
    # A percentage is of the known values, group size minus missing: next to a masked missing
    # count (or group size) it would give the masked count away, so it goes.
    pct_ok = {g: all(status.get(k, SHOWN) == SHOWN for k in ((i, "missing", g), ("n", g)))
              for g in (HETEROGENEOUS, HOMOGENEOUS)}
    out = [(label, "", "", format_p(row.pvalue), row.test)]
    for j, level in enumerate(row.levels):
        out.append((INDENT + level,
                    _count(row.counts_heterogeneous[j], row.pct_heterogeneous[j], known_het,
                           status.get((i, level, HETEROGENEOUS), SHOWN), suppression,
                           pct_ok[HETEROGENEOUS]),
                    _count(row.counts_homogeneous[j], row.pct_homogeneous[j], known_hom,
                           status.get((i, level, HOMOGENEOUS), SHOWN), suppression,
                           pct_ok[HOMOGENEOUS]),
                    "", ""))
    if row.missing_heterogeneous or row.missing_homogeneous:
        out.append(_missing_row(i, row, status, suppression))
    return out


def _missing_row(i: int, row: CategoricalRow | ContinuousRow, status: dict,
                 suppression: Suppression) -> tuple[str, str, str, str, str]:
    return (INDENT + MISSING,
            cell_text(status.get((i, "missing", HETEROGENEOUS), SHOWN),
                      str(row.missing_heterogeneous), suppression),
            cell_text(status.get((i, "missing", HOMOGENEOUS), SHOWN),
                      str(row.missing_homogeneous), suppression), "", "")


def _continuous(i: int, row: ContinuousRow, label: str, status: dict,
                suppression: Suppression) -> list[tuple[str, str, str, str, str]]:
    out = [(f"{label}, median [IQR]", _median_iqr(row.heterogeneous),
            _median_iqr(row.homogeneous), format_p(row.pvalue), row.test)]
    if row.missing_heterogeneous or row.missing_homogeneous:
        out.append(_missing_row(i, row, status, suppression))
    return out


def baseline_frame(table: BaselineTable, covariates: tuple[Covariate, ...],
                   suppression: Suppression = NO_SUPPRESSION) -> pd.DataFrame:
    """Table 1 in the paper's layout, rows in the table's (covariate) order.

    ``covariates`` supply the labels (``Covariate.label``, matched on ``name``); a row without a
    matching covariate is labelled by its column name. The p-value and the test name sit on the
    characteristic's first row only.

    With ``suppression``, counts below its threshold (levels, missing, the group sizes in the
    headers) are masked, and complementary cells where a characteristic's levels and missing
    would add back up to the group size (:func:`her2dash.suppress.protect`). Medians, IQRs and
    p-values are shown as computed.
    """
    labels = {c.name: c.label for c in covariates}
    status = baseline_status(table, suppression)
    lines: list[tuple[str, str, str, str, str]] = []
    for i, row in enumerate(table.rows):
        label = labels.get(row.column, row.column)
        lines.extend(_continuous(i, row, label, status, suppression)
                     if isinstance(row, ContinuousRow)
                     else _categorical(i, row, label, status, suppression))
    het, hom = group_headers(table, suppression, status)
    return pd.DataFrame(lines, columns=[CHARACTERISTIC, het, hom, P_VALUE, TEST])

"""Response results → display tables: Table 3 (best overall response, ORR, DCR), the Fisher
tests and odds ratios, the depth of response (Fig. 3b), and the waterfall's points (Fig. 3a).

Every string is built with the formatters of :mod:`her2dash.tables`, so an interval or a p-value
reads the same here as on every other page and export.
"""

from __future__ import annotations

import pandas as pd

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS, Classification
from her2dash.cohort import Cohort
from her2dash.response import (
    RESPONSE_CATEGORIES,
    DepthOfResponse,
    FisherExact,
    GroupQuantiles,
    GroupResponse,
    MannWhitney,
    Proportion,
    ResponseTable,
)
from her2dash.results import Unavailable
from her2dash.suppress import NO_SUPPRESSION, SHOWN, Suppression, cell_text, protect
from her2dash.tables import DASH, format_ci, format_estimate, format_number, format_p

ALL = "All"
RESPONSE_ROW = "Best response"
ORR, DCR = "ORR", "DCR"
# Columns of Table 3 (the reference group first, as the paper prints it).
GROUP_COLUMNS = (f"{GROUP_LABELS[HETEROGENEOUS]} n (%)", f"{GROUP_LABELS[HOMOGENEOUS]} n (%)", ALL)
WATERFALL_COLUMNS = ("patient_id", "pct_change", "group", "best_response")

# RECIST 1.1 thresholds on the sum of target-lesion diameters: −30 % is a partial response,
# +20 % progression. The waterfall draws them; kept here so the figure holds no clinical numbers.
RECIST_PR_PCT = -30.0
RECIST_PD_PCT = 20.0


def level_label(conf_level: float) -> str:
    """"95 % CI" for a confidence level of 0.95."""
    return f"{100 * conf_level:g} % CI"


def _span(low: float, high: float, digits: int = 1) -> str:
    """"61.0–72.0", or "−55.3 to −1.8" when a bound is negative (a dash next to a minus sign
    reads as a double negative)."""
    sep = " to " if min(low, high) < 0 else DASH
    return f"{format_number(low, digits)}{sep}{format_number(high, digits)}"


def _pct(count: int, n: int) -> str:
    return f"{count} ({format_number(100 * count / n)} %)" if n else str(count)


def _rate(p: Proportion | Unavailable) -> str:
    """"25/43 (58.1 %) [42.1–73.0]": successes of evaluable, the rate and its exact CI."""
    if isinstance(p, Unavailable):
        return DASH
    return f"{p.successes}/{p.n} ({format_number(100 * p.estimate)} %) " \
           f"[{format_ci(p.ci, scale=100.0)}]"


def _group_column(g: GroupResponse, status: dict | None = None,
                  suppression: Suppression = NO_SUPPRESSION) -> list[str]:
    # CR–PD as % of the evaluable patients (the paper's denominator: 43 and 27); NE is counted
    # against all patients of the group, since it is what is left out of that denominator.
    if status is None or all(v == SHOWN for v in status.values()):
        cells = [_pct(g.counts[c], g.n_evaluable) for c in RESPONSE_CATEGORIES if c != "NE"]
        cells.append(f"{g.counts['NE']} of {g.n}")
        return [*cells, _rate(g.orr), _rate(g.dcr)]
    value = _response_cells(g)

    def text(name: str) -> str:
        return cell_text(status[name], str(value[name]), suppression)

    # A percentage or a rate with its CI gives its numerator and denominator away: shown only
    # when both are.
    cells = [(_pct(g.counts[c], g.n_evaluable) if status[c] == status["E"] == SHOWN
              else text(c)) for c in RESPONSE_CATEGORIES if c != "NE"]
    cells.append(f"{text('NE')} of {text('N')}")
    for name, rate in (("ORR", g.orr), ("DCR", g.dcr)):
        if isinstance(rate, Unavailable) or status[name] == status["E"] == SHOWN:
            cells.append(_rate(rate))
        else:
            cells.append(f"{text(name)}/{text('E')}")
    return cells


def _response_cells(g: GroupResponse) -> dict[str, int]:
    """The counts one column of Table 3 prints: CR…NE, the group size N, the evaluable E, and
    the ORR and DCR numerators."""
    out = {c: int(g.counts[c]) for c in RESPONSE_CATEGORIES}
    out.update(N=int(g.n), E=int(g.n_evaluable), ORR=int(g.counts["CR"] + g.counts["PR"]),
               DCR=int(g.counts["CR"] + g.counts["PR"] + g.counts["SD"]))
    return out


def response_status(table: ResponseTable, suppression: Suppression
                    ) -> tuple[dict[str, str], ...]:
    """Primary and complementary suppression of Table 3's counts, one status dict per column
    (heterogeneous, homogeneous, all). The sums a reader can form: in a column, CR + PR + SD + PD
    = evaluable, evaluable + NE = N, CR + PR = ORR's numerator, ORR + SD = DCR's; across
    columns, the two groups add up to All."""
    columns = (table.heterogeneous, table.homogeneous, table.overall)
    values = {(j, name): v for j, g in enumerate(columns)
              for name, v in _response_cells(g).items()}
    relations: list[dict] = []
    for j in range(3):
        relations += [{(j, "CR"): 1, (j, "PR"): 1, (j, "SD"): 1, (j, "PD"): 1, (j, "E"): -1},
                      {(j, "E"): 1, (j, "NE"): 1, (j, "N"): -1},
                      {(j, "CR"): 1, (j, "PR"): 1, (j, "ORR"): -1},
                      {(j, "ORR"): 1, (j, "SD"): 1, (j, "DCR"): -1}]
    relations += [{(0, name): 1, (1, name): 1, (2, name): -1}
                  for name in _response_cells(table.overall)]
    # Group sizes are printed in Table 1 and the median table too: hiding them here is no use.
    status = protect(values, relations, suppression, fixed={(j, "N") for j in range(3)})
    return tuple({name: status[(j, name)] for name in _response_cells(g)}
                 for j, g in enumerate(columns))


def response_table_frame(table: ResponseTable,
                         suppression: Suppression = NO_SUPPRESSION) -> pd.DataFrame:
    """Table 3: rows CR, PR, SD, PD, NE, ORR, DCR; columns per group and all patients.

    CR to PD read "n (% of evaluable)"; NE reads "n of N"; ORR and DCR read
    "successes/evaluable (rate) [exact CI]" at the table's confidence level. With
    ``suppression`` small counts are masked (and complementary ones, see
    :func:`response_status`); a masked count loses its percentage, a masked rate its CI.
    """
    rows = [*RESPONSE_CATEGORIES, ORR, DCR]
    columns = {RESPONSE_ROW: rows}
    statuses = (response_status(table, suppression) if suppression.enabled
                else (None, None, None))
    for name, group, status in zip(GROUP_COLUMNS, (*table.groups, table.overall), statuses,
                                   strict=True):
        columns[name] = _group_column(group, status, suppression)
    return pd.DataFrame(columns)


def _test_row(name: str, test: FisherExact | Unavailable) -> dict[str, str]:
    if isinstance(test, Unavailable):
        return {"p": DASH, "or": DASH, "sample": DASH, "note": test.reason}
    if isinstance(test.odds_ratio, Unavailable):
        return {"p": format_p(test.pvalue), "or": DASH, "sample": DASH,
                "note": test.odds_ratio.reason}
    odds = test.odds_ratio
    return {"p": format_p(test.pvalue), "or": format_estimate(odds.estimate, odds.ci, 2),
            "sample": format_number(odds.sample_estimate, 2), "note": ""}


def response_tests_frame(table: ResponseTable) -> pd.DataFrame:
    """ORR and DCR compared by Fisher's exact test, Homo-HER2 versus Hetero-HER2 (reference).

    The odds ratio is ``fisher.test``'s conditional maximum-likelihood estimate with its exact
    interval (what the paper prints, 4.06 for ORR); the sample odds ratio ad/bc is shown beside
    it because it is what most readers compute by hand, and the two differ.
    """
    ci = level_label(table.conf_level)
    rows = {ORR: _test_row(ORR, table.orr_test), DCR: _test_row(DCR, table.dcr_test)}
    return pd.DataFrame({
        "Rate": list(rows),
        "Fisher p": [r["p"] for r in rows.values()],
        f"Odds ratio, conditional MLE ({ci})": [r["or"] for r in rows.values()],
        "Odds ratio, sample (ad/bc)": [r["sample"] for r in rows.values()],
        "Note": [r["note"] for r in rows.values()],
    })


def mann_whitney_text(depth: DepthOfResponse) -> str:
    """"Mann–Whitney p = 0.046": the annotation of the depth-of-response figure."""
    test = depth.test
    if isinstance(test, Unavailable):
        return "Mann–Whitney test not available"
    p = format_p(test.pvalue)
    return f"Mann–Whitney p {p}" if p.startswith("<") else f"Mann–Whitney p = {p}"


def _quantile_cells(q: GroupQuantiles | Unavailable) -> tuple[str, str, str, str]:
    if isinstance(q, Unavailable):
        return (DASH, DASH, DASH, "0")
    return (format_number(q.median), _span(q.q1, q.q3), _span(q.minimum, q.maximum), str(q.n))


def depth_frame(depth: DepthOfResponse) -> pd.DataFrame:
    """Best % change per group: median, IQR (R ``quantile`` type 7), range and n, with the
    Mann–Whitney p and R's method name on the first row (as Table 1 prints a p once)."""
    test: MannWhitney | Unavailable = depth.test
    p = format_p(test.pvalue) if not isinstance(test, Unavailable) else DASH
    method = test.method if not isinstance(test, Unavailable) else test.reason
    groups = ((HETEROGENEOUS, depth.heterogeneous), (HOMOGENEOUS, depth.homogeneous))
    cells = [_quantile_cells(q) for _, q in groups]
    return pd.DataFrame({
        "Group": [GROUP_LABELS[g] for g, _ in groups],
        "n": [c[3] for c in cells],
        "Median (%)": [c[0] for c in cells],
        "IQR (%)": [c[1] for c in cells],
        "Range (%)": [c[2] for c in cells],
        "Mann–Whitney p": [p, ""],
        "Test": [method, ""],
    })


def waterfall_points(cohort: Cohort, classification: Classification) -> pd.DataFrame:
    """One row per included patient with a best % change, in waterfall order.

    Columns ``patient_id``, ``pct_change`` (float), ``group`` (``"homogeneous"`` /
    ``"heterogeneous"``) and ``best_response`` (CR/PR/SD/PD/NE; blank counts as NE, as in the
    response table), sorted by change, largest increase first (ties by patient id, so the bar
    order is stable between runs).
    """
    if not cohort.has("best_pct_change"):
        return pd.DataFrame({c: pd.Series(dtype=float if c == "pct_change" else object)
                             for c in WATERFALL_COLUMNS})
    included = classification.included
    patients = cohort.patients.loc[included.index]
    change = pd.to_numeric(patients["best_pct_change"], errors="coerce").astype(float)
    if "best_response" in patients.columns:
        response = patients["best_response"].astype(object).where(
            patients["best_response"].notna(), "NE")
    else:
        response = pd.Series("NE", index=patients.index, dtype=object)
    points = pd.DataFrame({
        "patient_id": patients.index.astype(str),
        "pct_change": change.to_numpy(),
        "group": included["group"].astype(object).to_numpy(),
        "best_response": response.astype(str).to_numpy(),
    })
    points = points[points["pct_change"].notna()]
    points = points.sort_values(["pct_change", "patient_id"], ascending=[False, True],
                                kind="stable")
    return points.reset_index(drop=True)

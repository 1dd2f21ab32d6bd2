"""Survival results (:class:`~her2dash.survival.EndpointSurvival`, HR, log-rank) as display text.

Everything here is a string or a frame of strings built with the formatters of
:mod:`her2dash.tables`, so the survival page, the KM figure's annotation and the exports print a
median, an interval or a p the same way: "10.8 (6.9–19.4)", "HR 0.47 (0.29–0.77)",
"log-rank p = 0.003", as the paper does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS
from her2dash.cox import HazardRatio
from her2dash.results import ConfidenceInterval, Unavailable
from her2dash.suppress import NO_SUPPRESSION, Suppression, cell_text, protect
from her2dash.survival import OVERALL, EndpointSurvival, LogRank, MedianSurvival, RiskTable
from her2dash.tables import DASH, NOT_REACHED, format_estimate, format_number, format_p

# Rows in the order the paper reads them: the homogeneous group first, then its comparator.
ROW_ORDER: tuple[str, ...] = (HOMOGENEOUS, HETEROGENEOUS, OVERALL)
ENDPOINT_TITLES = {"pfs": "Progression-free survival", "os": "Overall survival"}
ENDPOINT_SHORT = {"pfs": "PFS", "os": "OS"}
# The extended risk table's rows (KMunicate, Morris et al., BMJ Open 2019;9:e030215): per arm,
# at risk, then censored and events so far. Names in exports say "cumulative" outright.
AT_RISK, CUM_CENSORED, CUM_EVENTS = "At risk", "Censored (cumulative)", "Events (cumulative)"
RISK_ROW = "Count"


def level_text(level: float) -> str:
    """"95 %" for a confidence level of 0.95 (a header's "95 % CI")."""
    return f"{format_number(100 * level, 0)} %"


def median_text(median: MedianSurvival | Unavailable) -> str:
    """"10.8 (6.9–19.4)"; "NR" alone when neither the median nor its lower bound is reached
    (the paper's Table 4 prints a bare NR), "29.3 (20.5–NR)" when only the upper one is not."""
    if isinstance(median, Unavailable):
        return DASH
    if median.estimate is None and median.ci.low is None:
        return NOT_REACHED
    return format_estimate(median.estimate, median.ci)


def p_text(p: float | None, name: str = "p") -> str:
    """"p = 0.003" or "p < 0.001": format_p's "< 0.001" takes no equals sign."""
    text = format_p(p)
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def hazard_ratio_text(hr: HazardRatio | Unavailable) -> str:
    """"HR 0.47 (0.29–0.77)": homogeneous vs heterogeneous (the reference), two decimals."""
    if isinstance(hr, Unavailable):
        return f"HR not available ({hr.reason})"
    return f"HR {format_estimate(hr.estimate, hr.ci, 2)}"


def logrank_text(lr: LogRank | Unavailable) -> str:
    """"log-rank p = 0.003"."""
    if isinstance(lr, Unavailable):
        return f"log-rank test not available ({lr.reason})"
    return p_text(lr.pvalue, "log-rank p")


def stratified_hazard_ratio_text(hr: HazardRatio | Unavailable,
                                 covariate_labels: Mapping[str, str] | None = None) -> str:
    """The stratified HR with its strata (by ``covariate_labels`` when given) and Wald p, as
    one caption sentence."""
    if isinstance(hr, Unavailable):
        return f"Stratified hazard ratio not available: {hr.reason}."
    labels = covariate_labels or {}
    strata = ", ".join(labels.get(s, s) for s in hr.strata) if hr.strata else "no strata"
    return (f"Stratified by {strata} (a baseline hazard per stratum): "
            f"{hazard_ratio_text(hr)}, {p_text(hr.wald_p, 'Wald p')}; {hr.n} patients, "
            f"{hr.n_events} events.")


def follow_up_text(follow_up: MedianSurvival | Unavailable) -> str:
    """Median follow-up by reverse Kaplan–Meier, with what "not reached" means there."""
    if isinstance(follow_up, Unavailable):
        return f"Median follow-up not available: {follow_up.reason}."
    if follow_up.estimate is None:
        # The reverse curve only falls at censorings, so with few censored patients it never
        # reaches 0.5: say why rather than print a bare NR.
        return (f"Median follow-up not reached (reverse Kaplan–Meier): only "
                f"{follow_up.n_events} of {follow_up.n} patients are censored.")
    return (f"Median follow-up {median_text(follow_up)} months (reverse Kaplan–Meier, "
            f"{level_text(follow_up.ci.level)} CI).")


def survival_percent_text(survival: float, ci: ConfidenceInterval) -> str:
    """"73.4 (59.9–89.9)" in %; a band R leaves undefined (NA at S = 0, or log-log at S = 1)
    prints as a dash, not as "NR", which would claim a bound not reached."""
    if ci.low is None and ci.high is None:
        return f"{format_number(100 * survival)} ({DASH})"
    return format_estimate(survival, ci, scale=100.0)


def _groups(survival: EndpointSurvival) -> list[str]:
    return [g for g in ROW_ORDER if g in survival.curves]


def median_table(survival: EndpointSurvival,
                 suppression: Suppression = NO_SUPPRESSION) -> pd.DataFrame:
    """Group, patients, events and median (CI) in months, one row per group and overall.

    With ``suppression`` the patient and event counts below its threshold are masked, and one
    more count per column when the overall row would give a masked one away (overall = the
    two groups' sum).
    """
    header = median_header(survival)
    groups = _groups(survival)
    counts: dict[tuple[str, str], int] = {}
    for group in groups:
        median = survival.medians[group]
        available = not isinstance(median, Unavailable)
        counts[(group, "Patients")] = median.n if available else 0  # type: ignore[union-attr]
        counts[(group, "Events")] = median.n_events if available else 0  # type: ignore[union-attr]
    relations = [{(HETEROGENEOUS, c): 1, (HOMOGENEOUS, c): 1, (OVERALL, c): -1}
                 for c in ("Patients", "Events") if set(ROW_ORDER) <= set(groups)]
    status = protect(counts, relations, suppression,
                     keep={(g, "Patients") for g in groups})
    rows = []
    for group in groups:
        rows.append({
            "Group": GROUP_LABELS[group],
            **{c: cell_text(status[(group, c)], str(counts[(group, c)]), suppression)
               for c in ("Patients", "Events")},
            header: median_text(survival.medians[group]),
        })
    return pd.DataFrame(rows)


def landmark_table(survival: EndpointSurvival) -> pd.DataFrame:
    """Survival % (CI) at each landmark time (6, 12, 24 months), one row per group."""
    level = level_text(survival.conf_level)
    rows = []
    for group in _groups(survival):
        row = {"Group": GROUP_LABELS[group]}
        marks = survival.landmarks[group]
        if isinstance(marks, Unavailable):
            rows.append(row)
            continue
        for mark in marks:
            header = f"{format_number(mark.time, 0)} months, % ({level} CI)"
            row[header] = survival_percent_text(mark.survival, mark.ci)
        rows.append(row)
    return pd.DataFrame(rows).fillna(DASH)


def at_risk_labels(risk: RiskTable, suppression: Suppression = NO_SUPPRESSION) -> list[str]:
    """The numbers at risk as printed under a KM plot (integers, no padding; small ones masked
    under ``suppression``)."""
    return [suppression.count(int(n)) for n in risk.n_risk]


def risk_rows(survival: EndpointSurvival, groups: Sequence[str], *, cumulative: bool = False,
              suppression: Suppression = NO_SUPPRESSION,
              ) -> list[tuple[str, str, list[str]]]:
    """(group, row name, texts at each grid time) of the risk table under a KM plot: per group
    "At risk", and with ``cumulative`` the censored and events up to and including each time.

    Masking as :func:`risk_status`.
    """
    kinds = [AT_RISK, *((CUM_CENSORED, CUM_EVENTS) if cumulative else ())]
    values = _risk_values(survival, groups, kinds)
    status = risk_status(survival, groups, cumulative=cumulative, suppression=suppression)
    out = []
    for group in groups:
        n_times = survival.risk_table[group].time.size
        for name in kinds:
            out.append((group, name, [cell_text(status[(group, name, j)],
                                                str(values[(group, name, j)]), suppression)
                                      for j in range(n_times)]))
    return out


_RISK_FIELDS = {AT_RISK: "n_risk", CUM_CENSORED: "cum_censored", CUM_EVENTS: "cum_events"}


def _risk_values(survival: EndpointSurvival, groups: Sequence[str],
                 kinds: Sequence[str]) -> dict[tuple[str, str, int], int]:
    return {(group, name, j): int(v) for group in groups for name in kinds
            for j, v in enumerate(getattr(survival.risk_table[group], _RISK_FIELDS[name]))}


def risk_status(survival: EndpointSurvival, groups: Sequence[str], *, cumulative: bool = False,
                suppression: Suppression = NO_SUPPRESSION) -> dict[tuple[str, str, int], str]:
    """Status of each risk-table count, keyed (group, row name, grid index).

    At risk counts time ≥ t and the cumulative rows time ≤ t (R's ``summary(fit, times = t)``
    n.risk and the running sums of n.censor and n.event), so a patient whose event falls
    exactly on a grid time is in both, and the three rows can add up to more than the arm.

    Under ``suppression`` the table is protected as a whole: the arm's size (at risk at 0)
    minus its censored and events gives the number at risk, and the all-patients row is the
    sum of the two arms, so complementary cells are masked where those sums would reveal one.
    """
    kinds = [AT_RISK, *((CUM_CENSORED, CUM_EVENTS) if cumulative else ())]
    values = _risk_values(survival, groups, kinds)
    relations: list[dict[tuple[str, str, int], int]] = []
    if suppression.enabled:
        for group in groups:
            risk = survival.risk_table[group]
            if cumulative and risk.time.size and risk.time[0] <= 0:
                relations += [{(group, AT_RISK, j): 1, (group, CUM_CENSORED, j): 1,
                               (group, CUM_EVENTS, j): 1, (group, AT_RISK, 0): -1}
                              for j in range(1, risk.time.size)]
        if {HOMOGENEOUS, HETEROGENEOUS, OVERALL} <= set(groups):
            n_times = survival.risk_table[OVERALL].time.size
            relations += [{(HETEROGENEOUS, name, j): 1, (HOMOGENEOUS, name, j): 1,
                           (OVERALL, name, j): -1} for name in kinds for j in range(n_times)]
    # At risk at 0 is the arm's size, printed in the median table too: never hidden as a
    # complement (it is in every column's sum; hiding it would spread the masking).
    return protect(values, relations, suppression, fixed={(g, AT_RISK, 0) for g in groups})


def risk_table_frame(survival: EndpointSurvival, *, cumulative: bool = False,
                     suppression: Suppression = NO_SUPPRESSION) -> pd.DataFrame:
    """Number at risk per group (rows) at each risk-table time in months (columns).

    With ``cumulative`` each group has three rows, as the extended risk table under the KM
    plot: at risk, cumulative censored, cumulative events (column ``Count`` names the row).
    """
    rows = []
    for group, name, texts in risk_rows(survival, _groups(survival), cumulative=cumulative,
                                        suppression=suppression):
        times = [format_number(float(t), 0) for t in survival.risk_table[group].time]
        row = {"Group": GROUP_LABELS[group]}
        if cumulative:
            row[RISK_ROW] = name
        row.update(zip(times, texts, strict=True))
        rows.append(row)
    return pd.DataFrame(rows)


def km_summary_lines(survival: EndpointSurvival, hazard_ratio: HazardRatio | Unavailable, *,
                     groups: tuple[str, ...] = (HOMOGENEOUS, HETEROGENEOUS),
                     ) -> list[tuple[str, str]]:
    """(group or "", text) lines for the KM figure's annotation: each group's median (CI),
    then the HR and the log-rank p. Unavailable groups are left out."""
    lines = [(g, f"{GROUP_LABELS[g]}: {median_text(survival.medians[g])}")
             for g in groups if not isinstance(survival.medians.get(g, Unavailable("")),
                                               Unavailable)]
    if not isinstance(hazard_ratio, Unavailable):
        lines.append(("", hazard_ratio_text(hazard_ratio)))
    if not isinstance(survival.logrank, Unavailable):
        lines.append(("", logrank_text(survival.logrank)))
    return lines


def median_header(survival: EndpointSurvival) -> str:
    """The annotation's first line: "Median, months (95 % CI)"."""
    return f"Median, months ({level_text(survival.conf_level)} CI)"


def comparison_text(hazard_ratio: HazardRatio | Unavailable, lr: LogRank | Unavailable) -> str:
    """The page's one-line comparison: HR of Homo-HER2 vs Hetero-HER2 (reference), its Cox
    model, and the log-rank p (the paper's Fig. 2 p)."""
    if isinstance(hazard_ratio, Unavailable):
        return f"{hazard_ratio_text(hazard_ratio)} · {logrank_text(lr)}"
    return (f"**{hazard_ratio_text(hazard_ratio)}**, Homo-HER2 vs Hetero-HER2 (reference; Cox, "
            f"{hazard_ratio.ties.capitalize()} ties, {p_text(hazard_ratio.wald_p, 'Wald p')}) · "
            f"**{logrank_text(lr)}**")

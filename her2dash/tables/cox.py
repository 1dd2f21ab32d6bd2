"""Cox page tables: the group hazard ratios, Table 2 (multivariable), ESM 4 (univariable), the
``cox.zph`` check, and the row labels the forest plot uses.

Hazard ratios print with 2 decimals and p-values as :func:`her2dash.tables.format_p`, as the
paper's Table 2 does ("0.43 (0.25–0.74)", "< 0.001").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from her2dash.analysis import GROUP_TERM, EndpointAnalysis
from her2dash.classify import GROUP_LABELS
from her2dash.covariates import Covariate
from her2dash.cox import CoxModel, CoxTerm, HazardRatio, PHTest, TestStat
from her2dash.results import Unavailable
from her2dash.tables import DASH, format_estimate, format_number, format_p

HR_DIGITS = 2
REFERENCE = "1 (reference)"
ENDPOINT_NAMES = {"pfs": "Progression-free survival", "os": "Overall survival"}
PH_ALPHA = 0.05  # the conventional threshold cox.zph users read the p-values against
GROUP_COVARIATE_LABEL = "HER2 group"

COVARIATE = "Covariate"
LEVEL = "Level (n)"
HR_CI = "HR (95 % CI)"
P = "p"


def covariate_labels(covariates: Iterable[Covariate]) -> dict[str, str]:
    """Covariate name → its label ("age_group" → "Age group"), plus the HER2 group term."""
    return {GROUP_TERM: GROUP_COVARIATE_LABEL, **{c.name: c.label for c in covariates}}


def _level_name(covariate: str, level: str | None) -> str:
    if covariate == GROUP_TERM and level in GROUP_LABELS:
        return GROUP_LABELS[level]
    return "" if level is None else level


def _hr_header(conf_level: float) -> str:
    return HR_CI.replace("95", format_number(100 * conf_level, 0))


def term_label(term: CoxTerm, labels: Mapping[str, str]) -> str:
    """"Age group: < 67 vs ≥ 67", "Age (years), per unit": one forest-plot row."""
    name = labels.get(term.covariate, term.covariate)
    if term.reference is None:
        return f"{name}, per unit"
    level = _level_name(term.covariate, term.level) or _binary_level(term)
    return f"{name}: {level} vs {_level_name(term.covariate, term.reference)}"


def _binary_level(term: CoxTerm) -> str:
    # A 0/1 column has no level name; its term is "1 (or True) versus the reference".
    return "True" if term.reference == "False" else "1"


def hazard_ratio_table(analysis: EndpointAnalysis, labels: Mapping[str, str]) -> pd.DataFrame:
    """Homo-HER2 vs Hetero-HER2 (reference): unadjusted and stratified by the covariates."""
    rows = []
    for name, hr in (("Unadjusted", analysis.hazard_ratio),
                     ("Stratified", analysis.stratified_hazard_ratio)):
        if isinstance(hr, HazardRatio) and hr.strata:
            name += " by " + ", ".join(labels.get(s, s).lower() for s in hr.strata)
        rows.append(_hazard_ratio_row(name, hr))
    return pd.DataFrame(rows)


def _hazard_ratio_row(model: str, hr: HazardRatio | Unavailable) -> dict[str, str]:
    if isinstance(hr, Unavailable):
        return {"Model": model, HR_CI: DASH, "Wald p": DASH, "LR p": DASH,
                "Score p": DASH, "Patients (events)": DASH, "Note": hr.reason}
    return {"Model": model, HR_CI: format_estimate(hr.estimate, hr.ci, HR_DIGITS),
            "Wald p": format_p(hr.wald_p), "LR p": format_p(hr.lr_p),
            "Score p": format_p(hr.score_p), "Patients (events)": f"{hr.n} ({hr.n_events})",
            "Note": ""}


def _covariate_blocks(terms: Sequence[CoxTerm]) -> list[tuple[str, list[CoxTerm]]]:
    blocks: list[tuple[str, list[CoxTerm]]] = []
    for term in terms:
        if blocks and blocks[-1][0] == term.covariate:
            blocks[-1][1].append(term)
        else:
            blocks.append((term.covariate, [term]))
    return blocks


def _model_rows(model: CoxModel, labels: Mapping[str, str]) -> list[dict[str, str]]:
    """Table 2 rows: per covariate its reference level "1 (reference)", then each level."""
    rows = []
    for covariate, terms in _covariate_blocks(model.terms):
        name = labels.get(covariate, covariate)
        first = terms[0]
        if first.reference is None:  # continuous: one row, per unit
            rows.append({COVARIATE: name, LEVEL: "per unit",
                         HR_CI: format_estimate(first.hazard_ratio, first.ci, HR_DIGITS),
                         P: format_p(first.pvalue)})
            continue
        # Patients at the reference level: the model's patients (after na.omit) minus the rest.
        n_ref = model.n - sum(t.n or 0 for t in terms)
        rows.append({COVARIATE: name,
                     LEVEL: f"{_level_name(covariate, first.reference)} ({n_ref})",
                     HR_CI: REFERENCE, P: ""})
        for t in terms:
            level = _level_name(covariate, t.level) or _binary_level(t)
            rows.append({COVARIATE: "", LEVEL: f"{level} ({t.n})",
                         HR_CI: format_estimate(t.hazard_ratio, t.ci, HR_DIGITS),
                         P: format_p(t.pvalue)})
    return rows


def multivariable_table(model: CoxModel, labels: Mapping[str, str]) -> pd.DataFrame:
    """The paper's Table 2: covariate, level (n), HR (95 % CI), Wald p."""
    frame = pd.DataFrame(_model_rows(model, labels), columns=[COVARIATE, LEVEL, HR_CI, P])
    return frame.rename(columns={HR_CI: _hr_header(model.conf_level)})


def univariable_table(models: Mapping[str, CoxModel | Unavailable],
                      labels: Mapping[str, str]) -> pd.DataFrame:
    """ESM 4: one Cox model per covariate, one row per term; an Unavailable model is one row
    with its reason."""
    rows = []
    for covariate, model in models.items():
        name = labels.get(covariate, covariate)
        if isinstance(model, Unavailable):
            rows.append({COVARIATE: name, "Level vs reference": DASH, "n": DASH, HR_CI: DASH,
                         "Wald p": DASH, "Patients (events)": DASH, "Note": model.reason})
            continue
        for t in model.terms:
            if t.reference is None:
                level = "per unit"
            else:
                level = (f"{_level_name(covariate, t.level) or _binary_level(t)} vs "
                         f"{_level_name(covariate, t.reference)}")
            rows.append({COVARIATE: name, "Level vs reference": level,
                         "n": DASH if t.n is None else str(t.n),
                         HR_CI: format_estimate(t.hazard_ratio, t.ci, HR_DIGITS),
                         "Wald p": format_p(t.pvalue),
                         "Patients (events)": f"{model.n} ({model.n_events})",
                         "Note": "; ".join(model.notes)})
    return pd.DataFrame(rows, columns=[COVARIATE, "Level vs reference", "n", HR_CI, "Wald p",
                                       "Patients (events)", "Note"])


def _test(stat: TestStat) -> str:
    return (f"{stat.method} χ² = {format_number(stat.statistic, 2)} on {stat.df} df, "
            f"p {_p_phrase(stat.pvalue)}")


def _p_phrase(p: float) -> str:
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def global_tests_caption(model: CoxModel) -> str:
    """The model's global tests and size, as summary.coxph's footer."""
    tests = "; ".join(_test(s) for s in (model.lr, model.wald, model.score))
    strata = f", strata: {', '.join(model.strata)}" if model.strata else ""
    return (f"Global tests: {tests}. n = {model.n}, {model.n_events} events, "
            f"{model.ties} ties{strata}.")


def ph_table(ph: PHTest, labels: Mapping[str, str]) -> pd.DataFrame:
    """``print(cox.zph(fit))``: chi-square, df and p per term, then GLOBAL."""
    rows = [{"Term": labels.get(t, t), "χ²": format_number(c, 2), "df": str(d),
             "p": format_p(p)} for t, c, d, p in zip(ph.terms, ph.chisq, ph.df, ph.pvalue,
                                                      strict=True)]
    rows.append({"Term": "GLOBAL", "χ²": format_number(ph.global_chisq, 2),
                 "df": str(ph.global_df), "p": format_p(ph.global_pvalue)})
    return pd.DataFrame(rows)


def ph_sentence(ph: PHTest, labels: Mapping[str, str]) -> str:
    """Whether any term (or the global test) has p < 0.05, in words."""
    low = [labels.get(t, t) for t, p in zip(ph.terms, ph.pvalue, strict=True) if p < PH_ALPHA]
    alpha = format_number(PH_ALPHA, 2)
    if low or ph.global_pvalue < PH_ALPHA:
        which = ", ".join(low) if low else "no single term"
        return (f"Proportional hazards is in doubt: p < {alpha} for {which} (global p "
                f"{_p_phrase(ph.global_pvalue)}). Look at the residual plot before trusting "
                "a single hazard ratio over the whole follow-up.")
    return (f"No term has p < {alpha} (global p {_p_phrase(ph.global_pvalue)}): no evidence "
            "against proportional hazards.")


def ph_terms(ph: PHTest, labels: Mapping[str, str]) -> dict[str, str]:
    """Term name → label, for choosing a residual plot."""
    return {t: labels.get(t, t) for t in ph.terms}


def endpoint_name(endpoint: str) -> str:
    return ENDPOINT_NAMES.get(endpoint, endpoint)


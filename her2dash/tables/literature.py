"""The literature comparison (her2dash/literature.py) as display text: one row per published
value with the cohort's estimate beside it, the source, and whether the definitions match; the
definitions side by side; the citations in full.

Published numbers print with the decimals the source prints (0.469, 1.110–18.961); the
cohort's with the dashboard's usual ones (two for ratios, one otherwise).
"""

from __future__ import annotations

import pandas as pd

from her2dash.analysis import Analysis
from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS, OVERALL
from her2dash.literature import (
    BETWEEN,
    UNITS,
    Citation,
    CohortValue,
    ComparisonRow,
    Definition,
    Difference,
    Interval,
    LiteratureComparison,
    PublishedValue,
    compare,
)
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import Settings
from her2dash.tables import DASH, NOT_REACHED, format_number

QUANTITY_LABELS = {
    "heterogeneity_rate": "Heterogeneity rate",
    "median_pfs": "Median PFS",
    "median_os": "Median OS",
    "hr_pfs": "HR for PFS",
    "hr_os": "HR for OS",
    "hr_pfs_adjusted": "HR for PFS, adjusted",
    "hr_os_adjusted": "HR for OS, adjusted",
    "orr": "ORR",
    "dcr": "DCR",
    "orr_odds_ratio": "Odds ratio of response",
    "depth_of_response": "Depth of response, median best change",
}
RATIO_QUANTITIES = frozenset({"hr_pfs", "hr_os", "hr_pfs_adjusted", "hr_os_adjusted",
                              "orr_odds_ratio"})
PAPER = "paper"  # how the seed paper is named on the published side of a definitions sentence
YOUR_COHORT = "your cohort"
NOT_LIKE_FOR_LIKE = "not comparable like for like"
POSITIVITY_WORDS = {"2+": "2+/3+", "3+": "3+ only"}


def quantity_label(quantity: str, group: str) -> str:
    """"ORR, Homo-HER2 (%)", "HR for PFS, Homo-HER2 vs Hetero-HER2", "Median OS, all patients
    (months)"."""
    name = QUANTITY_LABELS[quantity]
    if group == BETWEEN:
        who = f"{GROUP_LABELS[HOMOGENEOUS]} vs {GROUP_LABELS[HETEROGENEOUS]}"
    elif quantity == "heterogeneity_rate":
        who = ""
    else:
        who = GROUP_LABELS[group] if group != OVERALL else "all patients"
    unit = UNITS[quantity]
    return f"{name}{', ' + who if who else ''}{f' ({unit})' if unit else ''}"


def _span(interval: Interval, digits: int) -> str:
    """"6.9–19.4", "20.5–NR", or "−76.0 to −32.5" (a dash beside a minus reads as a double
    negative)."""
    low = format_number(interval.low, digits)
    high = format_number(interval.high, digits)
    negative = any(b is not None and b < 0 for b in (interval.low, interval.high))
    return f"{low} to {high}" if negative else f"{low}–{high}"


def _value_text(estimate: float | None, interval: Interval | None, n: int | None,
                successes: int | None, digits: int, interval_digits: int) -> str:
    if estimate is None and interval is not None and interval.kind == "range":
        text = f"{_span(interval, interval_digits)} (range over studies)"
    elif estimate is None and (interval is None or interval.low is None):
        text = NOT_REACHED
    else:
        text = format_number(estimate, digits)
        if interval is not None:
            prefix = "IQR " if interval.kind == "iqr" else ""
            text += f" ({prefix}{_span(interval, interval_digits)})"
    if successes is not None and n is not None:
        text += f" · {successes}/{n}"
    elif n is not None:
        text += f" · n = {n}"
    return text


def _cohort_digits(quantity: str) -> int:
    return 2 if quantity in RATIO_QUANTITIES else 1


def cohort_text(row: ComparisonRow, *, counts: bool = True) -> str:
    """The cohort's estimate with its interval and (``counts``) denominator, or why there is
    none."""
    value: CohortValue | Unavailable = row.cohort
    if isinstance(value, Unavailable):
        return f"not available: {value.reason}"
    digits = _cohort_digits(row.published.quantity)
    n, successes = (value.n, value.successes) if counts else (None, None)
    return _value_text(value.estimate, value.interval, n, successes, digits, digits)


def published_text(p: PublishedValue, *, counts: bool = True) -> str:
    """The published value as printed, with its interval, and (``counts``) its denominator and
    p where given."""
    interval_digits = p.digits if p.interval_digits is None else p.interval_digits
    n, successes = (p.n, p.successes) if counts else (None, None)
    text = _value_text(p.estimate, p.interval, n, successes, p.digits, interval_digits)
    if not counts:
        return text
    return f"{text}; p {p.p_text}" if p.p_text and p.p_text.startswith("<") else (
        f"{text}; p = {p.p_text}" if p.p_text else text)


def source_label(p: PublishedValue) -> str:
    """Short citation for figure labels: "Yagi 2019", "Yagi 2019, surgical (Table 4)",
    "Ahn 2015 (via Yagi 2019)", "refs 19–23 of Yagi 2019 (range)"."""
    if p.interval is not None and p.interval.kind == "range":
        refs = p.where.split("citing its ")[-1]
        return f"{refs} of {p.citation.short} (range)"
    label = p.citation.short
    if p.definition.specimen == "surgical":
        label += ", surgical (Table 4)"
    if p.reported_in is not None:
        label += f" (via {p.reported_in.short})"
    return label


def source_text(p: PublishedValue) -> str:
    """"Yagi 2019 · Results, Survival"; a number taken from another paper's text says so."""
    if p.reported_in is not None:
        return f"{p.citation.short}, as reported in {p.reported_in.short} · {p.where}"
    return f"{p.citation.short} · {p.where}"


def _rule_and_cutoff(rule: str | None, cutoff: str | None) -> str:
    if rule is None and cutoff is None:
        return "rule and cutoff not stated"
    if cutoff is None:
        return f"{rule}, cutoff not stated"
    return f"{rule or 'rule not stated'} {cutoff}"


def _side(diffs: dict[str, Difference], settings: Settings, d: Definition, *, yours: bool
          ) -> str:
    """One side of the definitions sentence: the aspects that differ, in words."""
    parts = []
    if "rule" in diffs or "cutoff" in diffs:
        if yours:
            cut = diffs["cutoff"].yours if "cutoff" in diffs else f"{settings.cutoff_pct:g} %"
            parts.append(settings.rule if cut == "none" else f"{settings.rule} ≥ {cut}")
        else:
            parts.append(_rule_and_cutoff(
                d.rule, None if d.cutoff_pct is None else f"{d.cutoff_pct:g} %"))
    for aspect, diff in diffs.items():
        value = diff.yours if yours else diff.theirs
        if aspect in ("rule", "cutoff"):
            continue
        if value == "not stated":
            parts.append(f"{aspect} not stated")
        elif aspect == "positivity":
            parts.append(value)
        elif aspect == "specimen":
            parts.append(f"{value} specimens")
        elif aspect == "timepoint":
            parts.append(f"{value} fragments")
        elif aspect == "adjusted for":
            parts.append(f"adjusted for {value}")
        elif aspect == "CI level":
            parts.append(f"{value} CI")
        elif aspect == "definition":
            parts.append("one cohort" if yours else "definitions vary across studies")
        else:
            parts.append(value)
    return ", ".join(parts)


def your_definition(settings: Settings) -> str:
    """"every-fragment ≥ 100 %, 2+/3+ positive" (without the parts the rule does not use)."""
    spec = rule_spec(settings.rule)
    text = f"{settings.rule} ≥ {settings.cutoff_pct:g} %" if spec.has_cutoff else settings.rule
    if spec.uses_positivity:
        text += f", {POSITIVITY_WORDS[settings.positivity]} positive"
    return text


def definitions_text(row: ComparisonRow, settings: Settings) -> str:
    """"same definition (…)", or "your settings: pooled ≥ 50 %; paper: every-fragment 100 % —
    not comparable like for like"."""
    p = row.published
    grouped = p.group != OVERALL or p.quantity == "heterogeneity_rate"
    if row.like_for_like:
        if not grouped:
            return "like for like: an all-patient value, the grouping does not enter"
        return f"same definition ({your_definition(settings)}, {p.definition.specimen})"
    diffs = {d.aspect: d for d in row.differences}
    theirs_name = "studies" if p.definition.varies else (
        p.citation.short if p.citation.key != "yagi2019"
        else "paper's surgical cohort" if p.definition.specimen == "surgical" else PAPER)
    return (f"your settings: {_side(diffs, settings, p.definition, yours=True)}; "
            f"{theirs_name}: {_side(diffs, settings, p.definition, yours=False)} — "
            f"{NOT_LIKE_FOR_LIKE}")


def comparison_frame(comparison: LiteratureComparison) -> pd.DataFrame:
    """One row per published value: quantity, your cohort, published, whether the definitions
    match (before the source: it is what decides how to read the row), source, note."""
    level = f"{100 * comparison.settings.conf_level:g} % CI"
    rows = []
    for row in comparison.rows:
        p = row.published
        rows.append({
            "Quantity": quantity_label(p.quantity, p.group),
            f"Your cohort ({level})": cohort_text(row),
            "Published (as printed)": published_text(p),
            "Definitions": definitions_text(row, comparison.settings),
            "Source": source_text(p),
            "Note": p.note,
        })
    return pd.DataFrame(rows)


def literature_comparison(analysis: Analysis, settings: Settings | None = None) -> pd.DataFrame:
    """The comparison table for ``analysis`` (under ``settings``, by default its own)."""
    return comparison_frame(compare(analysis, settings))


def _definition_row(source: str, d: Definition) -> dict[str, str]:
    return {
        "Source": source,
        "Specimens": d.specimen or "mixed or not stated",
        "Rule": "varies" if d.varies else (d.rule or "not stated"),
        "Cutoff": "varies" if d.varies else (DASH if d.cutoff_pct is None
                                             else f"{d.cutoff_pct:g} %"),
        "Positivity": "varies" if d.varies else POSITIVITY_WORDS.get(d.positivity or "",
                                                                     "not stated"),
        "Setting": d.setting,
        "Definition": d.text,
    }


def definitions_frame(comparison: LiteratureComparison) -> pd.DataFrame:
    """The user's settings, then each source's definition, in the dashboard's terms."""
    s = comparison.settings
    specimen = getattr(s, "specimen", None)
    yours = Definition(
        specimen={"resection": "surgical"}.get(specimen, specimen) if specimen else None,
        setting="your cohort", rule=s.rule, cutoff_pct=float(s.cutoff_pct),
        positivity=s.positivity, text=f"the dashboard's rule: {your_definition(s)}")
    rows = [_definition_row("Your settings", yours)]
    for entry in comparison.definitions:
        source = entry.citation.short
        if entry.key == "refs19-23":
            source = f"refs 19–23 of {entry.citation.short}"
        rows.append(_definition_row(f"{source} · {entry.where}", entry.definition))
    return pd.DataFrame(rows)


def citation_text(c: Citation) -> str:
    """Vancouver-style: "Authors. Title. Journal. Year;Volume(Issue):Pages. doi:…"."""
    parts = []
    if c.authors:
        parts.append(c.authors.rstrip(".") + ".")
    if c.title:
        parts.append(c.title.rstrip(".") + ".")
    where = f"{c.journal}. {c.year}"
    if c.volume:
        where += f";{c.volume}" + (f"({c.issue})" if c.issue else "")
        if c.pages:
            where += f":{c.pages}"
    parts.append(where + ".")
    if c.doi:
        parts.append(f"doi:{c.doi}")
    if not c.authors or not c.title:
        parts.append("(Authors and title not confirmed here.)")
    return " ".join(parts)


def citations_list(comparison: LiteratureComparison) -> list[str]:
    """Every cited paper in full, in order of first use."""
    return [citation_text(c) for c in comparison.citations]

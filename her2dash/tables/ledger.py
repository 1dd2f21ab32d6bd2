"""The exploration ledger (her2dash/ledger.py) as display text: each explored setting in words,
the ledger table, the family-wise adjusted p in a sentence, and the pre-specified /
exploratory label that every page, report and deck carries."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS
from her2dash.ledger import (
    DISPLAY_ONLY_FIELDS,
    PRESPECIFIED,
    AdjustedP,
    ExplorationStatus,
    LedgerRow,
    analysis_key,
)
from her2dash.results import Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import RULES, Settings
from her2dash.tables import DASH, format_estimate, format_number, format_p
from her2dash.tables.survival import ENDPOINT_SHORT, p_text

_POSITIVITY = {"2+": "2+/3+ positive", "3+": "3+ positive"}
# Fields the words below spell out; any other analysis field is listed as "name = value".
_SPELLED = frozenset({"rule", "cutoff_pct", "positivity", "min_fragments", "max_fragments",
                      "filters", "endpoint"})


def setting_text(settings: Settings, *, endpoint: bool = True, compact: bool = False) -> str:
    """"every-fragment, cutoff 100 %, 2+/3+ positive, fragments ≥ 1, PFS"; ``compact`` leaves
    out the positivity and fragment window when they are the paper's (a table's column)."""
    s = analysis_key(settings)
    default = Settings()
    if s.max_fragments is None:
        window = f"fragments ≥ {s.min_fragments}"
    elif s.max_fragments == s.min_fragments:
        window = f"fragments = {s.min_fragments}"
    else:
        window = f"fragments {s.min_fragments}–{s.max_fragments}"
    scale = rule_spec(s.rule).cutoff if s.rule in RULES else None
    parts = [s.rule]
    if scale is not None:  # rules without a cutoff (genetic, score-mix) ignore it
        parts.append(f"cutoff {scale.format(float(s.cutoff_pct))}")
    if not compact or s.positivity != default.positivity:
        parts.append(_POSITIVITY.get(s.positivity, s.positivity))
    if not compact or (s.min_fragments, s.max_fragments) != (default.min_fragments,
                                                             default.max_fragments):
        parts.append(window)
    parts += [f"{column}: {' / '.join(values)}" for column, values in s.filters]
    for f in fields(s):  # fields added to Settings later still show when they differ
        if f.name in _SPELLED or f.name in DISPLAY_ONLY_FIELDS:
            continue
        value = getattr(s, f.name)
        if value != getattr(default, f.name):
            parts.append(f"{f.name} = {value}")
    if endpoint:
        parts.append(ENDPOINT_SHORT.get(s.endpoint, s.endpoint))
    return ", ".join(parts)


def ledger_frame(rows: tuple[LedgerRow, ...], adjusted: AdjustedP | Unavailable, *,
                 current: Settings | None = None,
                 prespecified: Settings | None = None) -> pd.DataFrame:
    """One row per explored setting, in the order looked at: groups, HR (95 % CI), log-rank
    chi-square, its naive p, its own permutation p and the p adjusted for all explored."""
    now = None if current is None else analysis_key(current)
    locked = None if prespecified is None else analysis_key(prespecified)
    out = []
    for j, row in enumerate(rows):
        lr, hr = row.logrank, row.hazard_ratio
        tested = isinstance(adjusted, AdjustedP) and adjusted.reasons[j] is None
        notes = []
        if isinstance(lr, Unavailable):
            notes.append(f"no log-rank test ({lr.reason}): left out of the adjusted p")
        elif isinstance(adjusted, AdjustedP) and adjusted.reasons[j] is not None:
            notes.append(f"left out of the adjusted p: {adjusted.reasons[j]}")
        if isinstance(hr, Unavailable) and not (isinstance(lr, Unavailable)
                                                and lr.reason == hr.reason):
            notes.append(f"HR: {hr.reason}")
        # The columns a reader needs first (what, HR, naive vs adjusted p), then the rest.
        out.append({
            "#": j + 1,
            # Two narrow mark columns, not one of words: the grid keeps a column's first width.
            "Current": "✓" if row.settings == now else "",
            "Pre-specified": "✓" if row.settings == locked else "",
            "Setting": setting_text(row.settings, endpoint=False, compact=True),
            "Endpoint": ENDPOINT_SHORT.get(row.settings.endpoint, row.settings.endpoint),
            GROUP_LABELS[HOMOGENEOUS]: row.n_homogeneous,
            GROUP_LABELS[HETEROGENEOUS]: row.n_heterogeneous,
            "HR (95 % CI)": (DASH if isinstance(hr, Unavailable)
                             else format_estimate(hr.estimate, hr.ci, 2)),
            "Naive p": DASH if isinstance(lr, Unavailable) else format_p(lr.pvalue),
            "Adjusted p": format_p(float(adjusted.adjusted_p[j])) if tested else DASH,
            "Permutation p": format_p(float(adjusted.permutation_p[j])) if tested else DASH,
            "Log-rank χ²": DASH if isinstance(lr, Unavailable) else format_number(lr.statistic,
                                                                                  2),
            "Note": "; ".join(notes),
        })
    return pd.DataFrame(out)


def adjusted_text(adjusted: AdjustedP | Unavailable) -> str:
    """The family-wise result in one paragraph, with how it was computed."""
    if isinstance(adjusted, Unavailable):
        return f"The adjusted p is not available: {adjusted.reason}."
    b, big_b = adjusted.exceedances, adjusted.permutations
    best = adjusted.entries[adjusted.best]
    left_out = len(adjusted.entries) - adjusted.n_tested
    floor = (" (no permuted maximum reached it: the smallest p this many permutations can "
             "give)" if b == 0 else "")
    splits = ("" if adjusted.n_distinct == adjusted.n_tested else
              f" ({adjusted.n_distinct} distinct split(s) of the patients: settings giving the "
              "same groups are one test)")
    text = (f"Over the {adjusted.n_tested} explored setting(s) with a log-rank test{splits}, the "
            f"largest chi-square is {format_number(adjusted.max_statistic, 2)} (#"
            f"{adjusted.best + 1}: {setting_text(best)}; naive p "
            f"{format_p(float(adjusted.naive_p[adjusted.best]))}). Adjusted for having looked "
            f"at all of them: **p {_p_value(adjusted.family_p)}**{floor}. "
            f"{big_b:,} permutations of the outcomes (seed {adjusted.seed}); p = (b + 1)/(B + 1) "
            f"with b = {b} of B = {big_b:,} permuted maxima at least as large.")
    if left_out:
        text += (f" {left_out} setting(s) without a log-rank test are left out of the maximum "
                 "(see Note).")
    return text


def _p_value(p: float) -> str:
    shown = format_p(p)
    return shown if shown.startswith("<") else f"= {shown}"


def explanation(n_explored: int, n_distinct: int | None = None) -> str:
    """Why looking at many settings inflates false positives, for this many settings
    (``n_distinct``: how many of them split the patients differently, when known)."""
    tests = n_explored if n_distinct is None else n_distinct
    chance = 1.0 - 0.95 ** max(tests, 1)
    looked = (f"the {n_explored} setting(s) explored so far" if n_distinct is None
              or n_distinct == n_explored else
              f"the {n_distinct} different splits of the patients among the {n_explored} "
              "settings explored so far")
    return (
        "Every setting you look at is another chance for luck alone to produce a small p. If "
        f"{looked} were independent tests of a HER2 group "
        f"with no real effect, the chance that at least one reaches p < 0.05 would be "
        f"{100 * chance:.0f} %. Settings that share patients are correlated, so the real "
        "inflation is smaller, and the permutation test measures it: it shuffles the outcomes "
        "among the patients (which breaks any real link with HER2), reruns every explored "
        "setting, and counts how often the best of them looks at least as strong as the best "
        "one you saw. Report that adjusted p with the best setting, or lock a pre-specified "
        "analysis before exploring.")


def status_caption(status: ExplorationStatus) -> str:
    """The one-line label of every page: "Exploratory · 3 settings explored"."""
    n = f"{status.n_explored} setting{'s' if status.n_explored != 1 else ''} explored"
    if status.label == PRESPECIFIED:
        return f"Pre-specified analysis · {n}"
    if status.prespecified is not None:
        return f"Exploratory (not the locked pre-specified analysis) · {n}"
    return f"Exploratory · {n}"


def status_detail(status: ExplorationStatus) -> str:
    """The label in a sentence for the report's title page and the JSON readers."""
    n = status.n_explored
    explored = (f"{n} distinct analysis setting{'s' if n != 1 else ''} explored in this "
                "session")
    if status.prespecified is None:
        return f"Exploratory analysis: {explored}; no pre-specified analysis was locked."
    locked = setting_text(status.prespecified)
    if status.label == PRESPECIFIED:
        return f"Pre-specified analysis ({locked}); {explored}."
    return f"Exploratory analysis: {explored}; the pre-specified analysis was {locked}."


def prespecified_text(rows: tuple[LedgerRow, ...], prespecified: Settings | None) -> str:
    """What is locked, and its own p: the one p that needs no adjustment, if the setting was
    fixed before the data were looked at."""
    if prespecified is None:
        return ("Nothing is locked. If an analysis was planned before looking at the data, "
                "set it in the sidebar and lock it: the lock goes into the link and every "
                "export, and results at it are labelled pre-specified.")
    locked = analysis_key(prespecified)
    text = (f"Locked: **{setting_text(locked)}**. Results at this setting are labelled "
            "pre-specified, all others exploratory.")
    row = next((r for r in rows if r.settings == locked), None)
    if row is not None and not isinstance(row.logrank, Unavailable):
        text += (f" Its own log-rank p ({p_text(row.logrank.pvalue)}) stands without "
                 "adjustment only if the setting truly was fixed before the data were seen.")
    return text


def exploration_frame(status: ExplorationStatus, settings: Settings) -> pd.DataFrame:
    """The label as a small sheet beside a downloaded table (its XLSX "exploration" sheet)."""
    locked = "none" if status.prespecified is None else setting_text(status.prespecified)
    return pd.DataFrame({"item": ["analysis", "settings of this table",
                                  "settings explored in the session", "pre-specified analysis"],
                         "value": [status.label, setting_text(settings),
                                   str(status.n_explored), locked]})

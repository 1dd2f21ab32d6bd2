"""Consistency checks between a fragment's optional columns (intensity shares, size, ISH).

Each check is a mask over the fragment rows with its severity and the reason in words;
:mod:`her2dash.validate` reports every flagged row with its patient and fragment ids and the
values as written. An **error** is a contradiction inside one fragment's record that the rules
would otherwise resolve by picking one of the two values (so the result would depend on which is
wrong); it blocks loading, as other errors do. A **warning** is a combination that the scoring
criteria make unlikely but a pathologist may still have meant; the rows are kept as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

INTENSITIES = ("pct_1plus", "pct_2plus", "pct_3plus")
ROUNDING_PCT = 0.5  # shares rounded to whole percent can sum to 100.5 (three halves rounded up)
AGREEMENT_PCT = 1.0  # pct_2plus + pct_3plus may differ from pct_positive by rounding only
ISH_CUTOFF = 2.0  # HER2/CEP17 ratio ≥ 2.0 is amplified (ToGA; Hofmann et al. 2008)
STRONG_SHARE_PCT = 10.0  # Hofmann: ≥ 10 % strongly stained cells make a resection 3+


@dataclass(frozen=True, slots=True, eq=False)
class FragmentCheck:
    """Rows failing one check: ``columns`` are the contract columns whose values are quoted."""

    severity: str  # "error" | "warning"
    mask: np.ndarray
    columns: tuple[str, ...]
    message: str
    expected: str


def check_fragments(
    values: Mapping[str, np.ndarray],
    *,
    score: np.ndarray,
    tumour: np.ndarray,
    tumour_flag: np.ndarray,
    content: np.ndarray,
) -> list[FragmentCheck]:
    """Every check whose columns are present; only failing checks are returned.

    Parameters
    ----------
    values
        Parsed optional columns by contract name (floats with NaN for blank or unreadable
        cells; ``ish_status`` an object array of True/False/None; ``specimen_type`` text), plus
        ``pct_positive`` when it was given (NaN where blank).
    score
        IHC score codes 0–3 (−1 blank); ``tumour`` whether the fragment counts as tumour-containing
        (blank ``tumor_present`` is 1); ``tumour_flag`` the flag as given (1.0, 0.0, NaN blank);
        ``content`` the rows that are not empty.
    """
    out: list[FragmentCheck] = []
    n = len(score)

    def get(name: str) -> np.ndarray | None:
        v = values.get(name)
        return None if v is None else np.asarray(v, dtype=float)

    def add(severity: str, mask: np.ndarray, columns: tuple[str, ...], message: str,
            expected: str) -> None:
        mask = mask & content
        if mask.any():
            out.append(FragmentCheck(severity, mask, columns, message, expected))

    given = {c: get(c) for c in INTENSITIES if c in values}
    used = tumour & content  # values of fragments without tumour are not used by any rule
    if len(given) >= 2:
        stacked = np.vstack([v for v in given.values()])
        several = (~np.isnan(stacked)).sum(axis=0) >= 2
        total = np.nansum(stacked, axis=0)
        # Shares of one fragment's tumour cells: more than 100 % means one of them is wrong.
        add("error", several & (total > 100 + ROUNDING_PCT), tuple(given),
            "the intensity shares add up to more than 100 % of the fragment's tumour cells",
            "pct_1plus + pct_2plus + pct_3plus ≤ 100")
    p2, p3, pos = get("pct_2plus"), get("pct_3plus"), get("pct_positive")
    if pos is not None and (p2 is not None or p3 is not None):
        have2 = p2 if p2 is not None else np.full(n, np.nan)
        have3 = p3 if p3 is not None else np.full(n, np.nan)
        both = ~np.isnan(have2) & ~np.isnan(have3) & ~np.isnan(pos)
        # pct_positive is what the rules classify by; if the shares it is made of say
        # otherwise, the group a patient lands in depends on which value is wrong.
        add("error", used & both & (np.abs(have2 + have3 - np.where(both, pos, 0))
                                    > AGREEMENT_PCT),
            ("pct_2plus", "pct_3plus", "pct_positive"),
            "pct_2plus + pct_3plus disagrees with pct_positive (the % of 2+/3+ cells)",
            f"pct_2plus + pct_3plus = pct_positive (± {AGREEMENT_PCT:g})")
        for one, other, name in ((have2, have3, "pct_2plus"), (have3, have2, "pct_3plus")):
            alone = ~np.isnan(one) & np.isnan(other) & ~np.isnan(pos)
            add("error", used & alone & (np.nan_to_num(one) > np.nan_to_num(pos)
                                         + AGREEMENT_PCT), (name, "pct_positive"),
                f"{name} is larger than pct_positive, which includes it",
                f"{name} ≤ pct_positive")
    for name, v in (("pct_2plus", p2), ("pct_3plus", p3)):
        if v is not None:
            add("error", used & (score >= 0) & (score <= 1) & (np.nan_to_num(v) > 0),
                (name, "ihc_score"),
                f"{name} is above 0 on a fragment scored 0 or 1+, whose cells by definition do "
                "not stain 2+/3+", f"{name} = 0 for a 0/1+ fragment")
    if p3 is not None:
        add("error", used & (score == 3) & (p3 == 0), ("pct_3plus", "ihc_score"),
            "pct_3plus is 0 on a fragment scored 3+, which needs strongly stained cells",
            "pct_3plus > 0 for a 3+ fragment")
        # Hofmann/ToGA: ≥ 10 % strong staining makes a resection 3+, and in a biopsy a cluster of
        # ≥ 5 such cells already does; the pathologist's overall score may still stand.
        add("warning", used & (score == 2) & (p3 >= STRONG_SHARE_PCT),
            ("pct_3plus", "ihc_score"),
            f"pct_3plus is {STRONG_SHARE_PCT:g} % or more on a fragment scored 2+: by the "
            "Hofmann/ToGA criteria such a fragment scores 3+; it is kept as scored",
            f"pct_3plus < {STRONG_SHARE_PCT:g} for a 2+ fragment")
        specimen = values.get("specimen_type")
        if specimen is not None:
            resection = np.asarray(specimen, dtype=object) == "resection"
            add("warning", used & resection & (score == 3) & (p3 > 0)
                & (p3 < STRONG_SHARE_PCT), ("pct_3plus", "ihc_score", "specimen_type"),
                f"a resection fragment scored 3+ with under {STRONG_SHARE_PCT:g} % 3+ cells: "
                "the Hofmann/ToGA resection criterion for 3+ is ≥ 10 %; it is kept as scored",
                f"pct_3plus ≥ {STRONG_SHARE_PCT:g} for a 3+ resection")
    if p2 is not None and p3 is not None:
        add("error", used & (score == 2) & (p2 == 0) & (p3 == 0),
            ("pct_2plus", "pct_3plus", "ihc_score"),
            "a fragment scored 2+ has no 2+ or 3+ cells", "pct_2plus + pct_3plus > 0 for 2+")
    ratio = get("ish_ratio")
    if ratio is not None:
        # A ratio of signal counts; 0 would mean no HER2 signal was counted (a failed assay).
        add("error", ratio <= 0, ("ish_ratio",), "the ISH ratio is not above 0",
            "HER2/CEP17 ratio > 0")
        status = values.get("ish_status")
        if status is not None:
            st = np.asarray(status, dtype=object)
            known = (st == True) | (st == False)  # noqa: E712
            # ToGA reads ratio ≥ 2.0 as amplified, but a laboratory may follow ASCO/CAP, which
            # also weighs the HER2 copy number: a disagreement is a warning, not an error.
            amplified = st == True  # noqa: E712
            add("warning", known & ~np.isnan(ratio) & (ratio > 0)
                & (amplified != (ratio >= ISH_CUTOFF)), ("ish_status", "ish_ratio"),
                f"ish_status disagrees with the ISH ratio (amplified means ratio ≥ "
                f"{ISH_CUTOFF:g} by the ToGA criteria); both are kept as given",
                f"amplified when the ratio is ≥ {ISH_CUTOFF:g}")
    for name in ("tumor_cells", "tumor_area_mm2"):
        size = get(name)
        if size is None:
            continue
        # A fragment said to hold no tumour but measured with some (or the other way round)
        # would be used or dropped by the rules depending on which column is believed.
        add("error", (tumour_flag == 0) & (size > 0), (name, "tumor_present"),
            f"{name} is above 0 on a fragment marked as holding no tumour",
            f"{name} = 0 or blank when tumor_present = 0")
        add("error", tumour & (size == 0), (name, "tumor_present"),
            f"{name} is 0 on a fragment counted as tumour-containing",
            "tumor_present = 0 for a fragment without tumour cells")
    return out

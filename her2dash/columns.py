"""The cohort contract's columns, the synonym table, and the column mapping.

Hospital exports name columns every way (``PFS (months)``, ``pfs_time``, ``HER2 IHC score``,
``% positive``, full-width Japanese headers). Names are normalised (Unicode NFKC, case, spaces,
punctuation, a unit in brackets) and looked up in :data:`SYNONYMS`; whatever is not matched can be
mapped by hand through :meth:`ColumnMapping.with_column`, which the upload page drives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Table = Literal["patients", "fragments"]
Kind = Literal["id", "number", "event", "response", "yesno", "category", "score", "pct", "date"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of the contract: what it holds and what a valid value looks like."""

    name: str
    table: Table
    kind: Kind
    required: bool
    expected: str
    meaning: str


YES_NO = "yes/no (also 1/0, true/false, Y/N)"

PATIENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "patients", "id", True, "text, unique", "patient identifier"),
    ColumnSpec("pfs_months", "patients", "number", False, "number ≥ 0", "PFS time (months)"),
    ColumnSpec("pfs_event", "patients", "event", False, "0 or 1", "1 = progression or death"),
    ColumnSpec("os_months", "patients", "number", False, "number ≥ 0", "OS time (months)"),
    ColumnSpec("os_event", "patients", "event", False, "0 or 1", "1 = death"),
    ColumnSpec(
        "best_response", "patients", "response", False, "CR, PR, SD, PD, NE or blank",
        "RECIST 1.1 best overall response",
    ),
    ColumnSpec(
        "best_pct_change", "patients", "number", False, "number ≥ -100",
        "best % change in the sum of target lesions",
    ),
    ColumnSpec("specimen_type", "patients", "category", False, "biopsy or surgical",
               "specimen the HER2 assessment was made on"),
    ColumnSpec("age", "patients", "number", False, "number ≥ 0", "age (years)"),
    ColumnSpec("sex", "patients", "category", False, "M or F", "sex"),
    ColumnSpec("ecog", "patients", "category", False, "0, 1, 2, 3 or 4", "ECOG performance status"),
    ColumnSpec("primary_site", "patients", "category", False, "EGJ or stomach", "primary site"),
    ColumnSpec("histology", "patients", "category", False, "differentiated or undifferentiated",
               "histological type"),
    ColumnSpec("visceral_metastasis", "patients", "yesno", False, YES_NO, "visceral metastasis"),
    ColumnSpec("previous_gastrectomy", "patients", "yesno", False, YES_NO, "previous gastrectomy"),
    ColumnSpec("platinum", "patients", "yesno", False, YES_NO, "platinum-based chemotherapy"),
    ColumnSpec("conversion_surgery", "patients", "yesno", False, YES_NO, "conversion surgery"),
    ColumnSpec("second_line", "patients", "yesno", False, YES_NO, "second-line chemotherapy"),
    ColumnSpec("beyond_her2", "patients", "yesno", False, YES_NO,
               "HER2-targeted therapy beyond progression"),
    ColumnSpec("her2_status", "patients", "category", False, "IHC3+ or IHC2+FISH+",
               "patient-level HER2 status"),
    ColumnSpec("cea", "patients", "number", False, "number ≥ 0", "CEA (ng/ml)"),
    ColumnSpec("ca199", "patients", "number", False, "number ≥ 0", "CA19-9 (U/ml)"),
    # Dates, from which times are derived when the times themselves are not given.
    ColumnSpec("therapy_start", "patients", "date", False, "a date (YYYY-MM-DD)",
               "start of first-line trastuzumab-based therapy"),
    ColumnSpec("progression_date", "patients", "date", False, "a date (YYYY-MM-DD) or blank",
               "first documented progression"),
    ColumnSpec("death_date", "patients", "date", False, "a date (YYYY-MM-DD) or blank",
               "death from any cause"),
    ColumnSpec("last_contact_date", "patients", "date", False, "a date (YYYY-MM-DD)",
               "last contact (censoring date for patients alive)"),
    ColumnSpec("surgery_date", "patients", "date", False, "a date (YYYY-MM-DD) or blank",
               "conversion surgery (PFS may be censored here)"),
)

FRAGMENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "fragments", "id", True, "an id present in the patients table",
               "patient the fragment belongs to"),
    ColumnSpec("fragment_id", "fragments", "id", True, "text, unique within a patient",
               "fragment identifier"),
    ColumnSpec("tumor_present", "fragments", "yesno", False, "1/0 (yes/no); blank = 1",
               "whether the fragment contains tumour cells"),
    ColumnSpec("ihc_score", "fragments", "score", True, "0, 1+, 2+ or 3+", "HER2 IHC score"),
    ColumnSpec("pct_positive", "fragments", "pct", False, "number 0–100; blank = 100 for 2+/3+, "
               "0 for 0/1+", "% of tumour cells staining 2+ or 3+"),
)

SPECS: dict[Table, dict[str, ColumnSpec]] = {
    "patients": {c.name: c for c in PATIENT_COLUMNS},
    "fragments": {c.name: c for c in FRAGMENT_COLUMNS},
}

DATE_COLUMNS: tuple[str, ...] = tuple(c.name for c in PATIENT_COLUMNS if c.kind == "date")

# Normalised header -> canonical name. Keys are what :func:`normalise_name` returns. A synonym
# that could invert meaning (``pfs_censor``: 1 = censored) is deliberately absent: guessing it
# would silently swap events and censorings, so such a column must be mapped by hand.
_SYNONYM_LISTS: dict[Table, dict[str, tuple[str, ...]]] = {
    "patients": {
        "patient_id": ("patient", "pt_id", "id", "subject_id", "subject", "case_id", "case",
                       "patient_no", "patient_number", "study_id", "患者id", "症例番号", "症例id"),
        "pfs_months": ("pfs", "pfs_time", "pfs_month", "pfs_mo", "pfs_m", "pfs_mos",
                       "progression_free_survival", "progression_free_survival_months"),
        "pfs_event": ("pfs_status", "pfs_evt", "pfs_events", "progression_event", "pfs_flag"),
        "os_months": ("os", "os_time", "os_month", "os_mo", "os_m", "os_mos", "overall_survival",
                      "overall_survival_months"),
        "os_event": ("os_status", "os_evt", "os_events", "death", "dead", "death_event",
                     "os_flag"),
        "best_response": ("response", "bor", "best_overall_response", "recist",
                          "recist_response", "best_response_recist", "奏効", "最良総合効果"),
        "best_pct_change": ("best_change", "pct_change", "best_percent_change",
                            "best_change_pct", "depth_of_response", "best_pct_change_from_baseline",
                            "change_from_baseline", "tumor_change", "tumour_change"),
        "specimen_type": ("specimen", "sample_type", "specimen_kind", "sample"),
        "age": ("age_years", "age_at_diagnosis", "age_at_start", "年齢"),
        "sex": ("gender", "性別"),
        "ecog": ("ecog_ps", "ps", "performance_status", "ecog_performance_status"),
        "primary_site": ("site", "tumor_site", "tumour_site", "primary_tumor_site",
                         "primary_tumour_site", "location", "primary_location"),
        "histology": ("histological_type", "histologic_type", "histotype", "histology_type",
                      "組織型"),
        "visceral_metastasis": ("visceral_metastases", "visceral_mets", "visceral"),
        "previous_gastrectomy": ("prior_gastrectomy", "gastrectomy", "previous_surgery"),
        "platinum": ("platinum_based", "platinum_based_chemotherapy", "platinum_chemo",
                     "platinum_doublet", "platina"),
        "conversion_surgery": ("conversion",),
        "second_line": ("second_line_chemotherapy", "second_line_therapy", "2nd_line",
                        "second_line_treatment", "2l"),
        "beyond_her2": ("beyond_her2_targeted_therapy", "her2_beyond", "beyond_her2_therapy",
                        "tbp"),
        "her2_status": ("her2", "her2_positivity", "her2_diagnosis", "her2_result"),
        "cea": ("cea_ng_ml", "cea_level", "serum_cea"),
        "ca199": ("ca19_9", "ca_19_9", "ca19_9_u_ml", "ca199_u_ml", "ca_199", "ca19"),
        "therapy_start": ("start_date", "treatment_start", "treatment_start_date",
                          "chemotherapy_start", "chemo_start", "date_of_initial_chemotherapy",
                          "first_line_start", "therapy_start_date", "date_start"),
        "progression_date": ("pd_date", "date_of_progression", "date_progression",
                             "progression_dt"),
        "death_date": ("date_of_death", "dod", "date_death", "death_dt"),
        "last_contact_date": ("last_contact", "last_follow_up", "last_followup",
                              "last_follow_up_date", "last_followup_date", "date_last_contact",
                              "date_of_last_contact", "last_visit", "last_visit_date"),
        "surgery_date": ("conversion_surgery_date", "date_of_surgery", "operation_date"),
    },
    "fragments": {
        "patient_id": ("patient", "pt_id", "subject_id", "subject", "case_id", "case",
                       "patient_no", "patient_number", "study_id", "患者id", "症例番号"),
        "fragment_id": ("fragment", "fragment_no", "fragment_number", "biopsy_id", "biopsy",
                        "biopsy_no", "biopsy_number", "specimen_id", "block_id", "piece",
                        "piece_no", "検体番号"),
        "tumor_present": ("tumour_present", "tumor", "tumour", "contains_tumor",
                          "contains_tumour", "tumor_cells_present", "has_tumor", "has_tumour",
                          "tumor_containing", "tumour_containing"),
        "ihc_score": ("ihc", "her2_ihc", "her2_ihc_score", "her2_score", "ihc_her2", "her2",
                      "score", "ihc_result"),
        "pct_positive": ("percent_positive", "positive_pct", "pct_pos", "positive_percent",
                         "pct_her2_positive", "her2_positive_pct", "proportion_positive",
                         "positive", "pct_2_3", "pct_positive_cells", "positive_cells_pct",
                         "pct_of_tumor_cells_positive", "pct_of_tumour_cells_positive"),
    },
}


def _build_synonyms() -> dict[Table, dict[str, str]]:
    table: dict[Table, dict[str, str]] = {}
    for role, lists in _SYNONYM_LISTS.items():
        lookup = {name: name for name in SPECS[role]}
        for canonical, synonyms in lists.items():
            for s in synonyms:
                lookup.setdefault(normalise_name(s), canonical)
        table[role] = lookup
    return table


_BRACKETS = re.compile(r"[\(\[（【].*?[\)\]）】]")
_NON_WORD = re.compile(r"[^0-9a-z\u3040-\u30ff\u3400-\u9fff]+")


def normalise_name(name: object) -> str:
    """Fold a header to the lookup key: NFKC, lower case, ``%`` → ``pct``, ``#`` → ``no``, runs
    of other characters → ``_``. ``"PFS (months)"`` → ``"pfs_months"``, ``"% positive"`` →
    ``"pct_positive"``, ``"Patient #"`` → ``"patient_no"``.
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = text.replace("%", " pct ").replace("#", " no ").replace("tumour", "tumor")
    return _NON_WORD.sub("_", text).strip("_")


def _candidate_keys(name: object) -> list[str]:
    # The full name first ("pfs_months" from "PFS (months)"), then without a bracketed unit
    # ("ca19_9" from "CA19-9 (U/ml)").
    full = normalise_name(name)
    bare = normalise_name(_BRACKETS.sub(" ", unicodedata.normalize("NFKC", str(name))))
    return [k for k in dict.fromkeys((full, bare)) if k]


SYNONYMS: dict[Table, dict[str, str]] = {}  # filled below, after normalise_name exists


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which source column feeds each contract column, per table.

    ``patients`` and ``fragments`` are sorted ``(canonical, source)`` pairs, so the mapping is
    hashable and can be part of a cache key. For a long table both refer to its columns.
    """

    patients: tuple[tuple[str, str], ...] = ()
    fragments: tuple[tuple[str, str], ...] = ()

    def as_dict(self, table: Table) -> dict[str, str]:
        return dict(getattr(self, table))

    def source_for(self, table: Table, canonical: str) -> str | None:
        return self.as_dict(table).get(canonical)

    def with_column(self, table: Table, canonical: str, source: str | None) -> ColumnMapping:
        """Map ``canonical`` to ``source`` (``None`` unmaps it); a source feeds one column only."""
        if canonical not in SPECS[table]:
            known = ", ".join(SPECS[table])
            raise ValueError(f"{canonical!r} is not a {table} column; known: {known}")
        current = {c: s for c, s in getattr(self, table) if c != canonical and s != source}
        if source is not None:
            current[canonical] = source
        return replace(self, **{table: tuple(sorted(current.items()))})


def match_table(columns: Sequence[object], table: Table) -> dict[str, str]:
    """Auto-match source headers to ``table``'s contract columns: ``{canonical: source}``.

    An exact canonical name wins over a synonym; among synonyms the first column wins, and the
    others stay unmatched (they become covariates or can be mapped by hand).
    """
    lookup = SYNONYMS[table]
    found: dict[str, tuple[int, str]] = {}
    for col in columns:
        for rank, key in enumerate(_candidate_keys(col)):
            canonical = lookup.get(key)
            if canonical is None:
                continue
            priority = 0 if key == canonical else 1 + rank
            if canonical not in found or priority < found[canonical][0]:
                found[canonical] = (priority, str(col))
            break
    return {c: src for c, (_, src) in found.items()}


def match_columns(
    patient_columns: Sequence[object] | None,
    fragment_columns: Sequence[object] | None,
) -> ColumnMapping:
    """Auto-match both tables (pass the same columns twice for a long table)."""
    pats = match_table(patient_columns, "patients") if patient_columns is not None else {}
    frags = match_table(fragment_columns, "fragments") if fragment_columns is not None else {}
    if patient_columns is not None and patient_columns is fragment_columns:
        # Long table: a column used for a fragment field is not also a patient field
        # (``her2`` could match both her2_status and ihc_score; the fragment reading wins).
        used = set(frags.values()) - {frags.get("patient_id")}
        pats = {c: s for c, s in pats.items() if s not in used}
    return ColumnMapping(tuple(sorted(pats.items())), tuple(sorted(frags.items())))


def unmatched(columns: Iterable[object], mapping: ColumnMapping, table: Table) -> list[str]:
    """Source columns ``mapping`` does not use for ``table`` (kept as user covariates)."""
    used = set(mapping.as_dict(table).values())
    return [str(c) for c in columns if str(c) not in used]


SYNONYMS.update(_build_synonyms())

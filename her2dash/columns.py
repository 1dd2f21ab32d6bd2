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
Kind = Literal["id", "number", "event", "response", "yesno", "category", "score", "pct", "date",
               "status", "description"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of the contract: what it holds and what a valid value looks like.

    ``vocabulary`` names the label table (:data:`her2dash.values.CATEGORY_VALUES`) of a
    category column when it is not the column's name: the patients' and the fragments'
    ``specimen_type`` share a name but not their labels (surgical vs resection).
    """

    name: str
    table: Table
    kind: Kind
    required: bool
    expected: str
    meaning: str
    vocabulary: str = ""


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
    # Fragments written as free text in a patient's row, when there is no fragments table.
    ColumnSpec("fragment_description", "patients", "description", False,
               "text such as '#1 3+ 80%, #2 1+' (or '1) 2+ 30% 2) 0', '#3 no tumour')",
               "the patient's fragments and their HER2 scores, as free text"),
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
               "0 for 0/1+ (or pct_2plus + pct_3plus when those are given)",
               "% of tumour cells staining 2+ or 3+"),
    # Optional detail of a fragment (issue 10): kept on the cohort only when given.
    ColumnSpec("pct_1plus", "fragments", "pct", False, "number 0–100",
               "% of tumour cells staining 1+"),
    ColumnSpec("pct_2plus", "fragments", "pct", False, "number 0–100",
               "% of tumour cells staining 2+"),
    ColumnSpec("pct_3plus", "fragments", "pct", False, "number 0–100",
               "% of tumour cells staining 3+"),
    ColumnSpec("tumor_cells", "fragments", "number", False, "number ≥ 0",
               "tumour cells in the fragment (count)"),
    ColumnSpec("tumor_area_mm2", "fragments", "number", False, "number ≥ 0",
               "tumour area of the fragment (mm²)"),
    ColumnSpec("ish_ratio", "fragments", "number", False, "number > 0", "ISH HER2/CEP17 ratio"),
    ColumnSpec("ish_pct_amplified", "fragments", "pct", False, "number 0–100",
               "% of tumour cells with HER2 amplification (ISH)"),
    ColumnSpec("her2_copy_number", "fragments", "number", False, "number ≥ 0",
               "mean HER2 signals per tumour cell (ISH)"),
    ColumnSpec("ish_status", "fragments", "status", False,
               "amplified or not amplified; blank = not done", "ISH (FISH/DISH/SISH) result"),
    ColumnSpec("specimen_type", "fragments", "category", False, "biopsy or resection",
               "the fragment's specimen", vocabulary="fragment_specimen_type"),
    ColumnSpec("timepoint", "fragments", "category", False, "baseline or post-progression",
               "when the specimen was taken"),
    ColumnSpec("specimen_date", "fragments", "date", False, "a date (YYYY-MM-DD)",
               "date the specimen was taken (gives the timepoint from therapy_start)"),
)

SPECS: dict[Table, dict[str, ColumnSpec]] = {
    "patients": {c.name: c for c in PATIENT_COLUMNS},
    "fragments": {c.name: c for c in FRAGMENT_COLUMNS},
}

DATE_COLUMNS: tuple[str, ...] = tuple(c.name for c in PATIENT_COLUMNS if c.kind == "date")
# Contract columns of both tables: in a long table one source column could feed either, and
# its values decide (see :func:`her2dash.validate.auto_mapping`).
SHARED_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in FRAGMENT_COLUMNS if c.name in {p.name for p in PATIENT_COLUMNS}
    and c.name != "patient_id"
)

# Normalised header -> canonical name. Keys are what :func:`normalise_name` returns. A synonym
# that could invert meaning (``pfs_censor``: 1 = censored) is deliberately absent: guessing it
# would silently swap events and censorings, so such a column must be mapped by hand.
_SYNONYM_LISTS: dict[Table, dict[str, tuple[str, ...]]] = {
    "patients": {
        "patient_id": ("patient", "pt_id", "id", "subject_id", "subject", "case_id", "case",
                       "patient_no", "patient_number", "study_id", "患者id", "患者番号",
                       "症例番号", "症例id", "症例no", "登録番号"),
        "pfs_months": ("pfs", "pfs_time", "pfs_month", "pfs_mo", "pfs_m", "pfs_mos",
                       "progression_free_survival", "progression_free_survival_months",
                       "無増悪生存期間", "無増悪生存期間_月", "pfs_月", "無増悪生存"),
        "pfs_event": ("pfs_status", "pfs_evt", "pfs_events", "progression_event", "pfs_flag",
                      "pfsイベント", "pfs_イベント", "無増悪生存イベント", "増悪イベント",
                      "増悪の有無", "増悪有無"),
        "os_months": ("os", "os_time", "os_month", "os_mo", "os_m", "os_mos", "overall_survival",
                      "overall_survival_months", "全生存期間", "全生存期間_月", "os_月",
                      "全生存"),
        "os_event": ("os_status", "os_evt", "os_events", "death", "dead", "death_event",
                     "os_flag", "osイベント", "os_イベント", "全生存イベント", "死亡イベント",
                     "死亡の有無", "死亡有無"),
        "best_response": ("response", "bor", "best_overall_response", "recist",
                          "recist_response", "best_response_recist", "奏効", "最良総合効果",
                          "最良効果", "総合効果", "治療効果", "効果判定", "最良総合効果_recist"),
        "best_pct_change": ("best_change", "pct_change", "best_percent_change",
                            "best_change_pct", "depth_of_response", "best_pct_change_from_baseline",
                            "change_from_baseline", "tumor_change", "tumour_change",
                            "腫瘍径変化率", "最大変化率"),
        "specimen_type": ("specimen", "sample_type", "specimen_kind", "sample", "検体種別",
                          "検体の種類", "検体種類"),
        "age": ("age_years", "age_at_diagnosis", "age_at_start", "年齢", "年齢_歳"),
        "sex": ("gender", "性別", "性"),
        "ecog": ("ecog_ps", "ps", "performance_status", "ecog_performance_status"),
        "primary_site": ("site", "tumor_site", "tumour_site", "primary_tumor_site",
                         "primary_tumour_site", "location", "primary_location", "原発部位",
                         "占居部位", "部位"),
        "histology": ("histological_type", "histologic_type", "histotype", "histology_type",
                      "組織型"),
        "visceral_metastasis": ("visceral_metastases", "visceral_mets", "visceral", "臓器転移",
                                "内臓転移"),
        "previous_gastrectomy": ("prior_gastrectomy", "gastrectomy", "previous_surgery",
                                 "胃切除歴", "胃切除既往"),
        "platinum": ("platinum_based", "platinum_based_chemotherapy", "platinum_chemo",
                     "platinum_doublet", "platina", "プラチナ", "プラチナ製剤", "白金製剤"),
        "conversion_surgery": ("conversion", "コンバージョン手術", "conversion手術"),
        "second_line": ("second_line_chemotherapy", "second_line_therapy", "2nd_line",
                        "second_line_treatment", "2l", "二次治療", "2次治療"),
        "beyond_her2": ("beyond_her2_targeted_therapy", "her2_beyond", "beyond_her2_therapy",
                        "tbp"),
        "her2_status": ("her2", "her2_positivity", "her2_diagnosis", "her2_result",
                        "her2判定", "her2ステータス"),
        "cea": ("cea_ng_ml", "cea_level", "serum_cea"),
        "ca199": ("ca19_9", "ca_19_9", "ca19_9_u_ml", "ca199_u_ml", "ca_199", "ca19"),
        "therapy_start": ("start_date", "treatment_start", "treatment_start_date",
                          "chemotherapy_start", "chemo_start", "date_of_initial_chemotherapy",
                          "first_line_start", "therapy_start_date", "date_start", "治療開始日",
                          "投与開始日", "化学療法開始日", "初回投与日", "一次治療開始日"),
        "progression_date": ("pd_date", "date_of_progression", "date_progression",
                             "progression_dt", "増悪日", "pd日", "増悪確認日", "病勢進行日",
                             "進行日"),
        "death_date": ("date_of_death", "dod", "date_death", "death_dt", "死亡日"),
        "last_contact_date": ("last_contact", "last_follow_up", "last_followup",
                              "last_follow_up_date", "last_followup_date", "date_last_contact",
                              "date_of_last_contact", "last_visit", "last_visit_date",
                              "最終確認日", "最終生存確認日", "最終来院日", "最終受診日",
                              "最終観察日"),
        "surgery_date": ("conversion_surgery_date", "date_of_surgery", "operation_date",
                         "手術日", "コンバージョン手術日"),
        "fragment_description": ("her2_biopsy", "biopsy_her2", "her2_findings",
                                 "her2_description", "ihc_findings", "biopsy_findings",
                                 "her2所見", "her2_所見", "生検所見", "her2生検",
                                 "生検her2"),
    },
    "fragments": {
        "patient_id": ("patient", "pt_id", "subject_id", "subject", "case_id", "case",
                       "patient_no", "patient_number", "study_id", "患者id", "患者番号",
                       "症例番号", "症例id"),
        "fragment_id": ("fragment", "fragment_no", "fragment_number", "biopsy_id", "biopsy",
                        "biopsy_no", "biopsy_number", "specimen_id", "block_id", "piece",
                        "piece_no", "検体番号", "ブロック番号", "標本番号", "生検番号",
                        "切片番号", "検体no"),
        "tumor_present": ("tumour_present", "tumor", "tumour", "contains_tumor",
                          "contains_tumour", "tumor_cells_present", "has_tumor", "has_tumour",
                          "tumor_containing", "tumour_containing", "腫瘍有無", "腫瘍の有無",
                          "腫瘍細胞有無", "腫瘍細胞の有無", "癌の有無"),
        "ihc_score": ("ihc", "her2_ihc", "her2_ihc_score", "her2_score", "ihc_her2", "her2",
                      "score", "ihc_result", "スコア", "her2スコア", "ihcスコア", "her2_スコア",
                      "ihc_スコア"),
        "pct_positive": ("percent_positive", "positive_pct", "pct_pos", "positive_percent",
                         "pct_her2_positive", "her2_positive_pct", "proportion_positive",
                         "positive", "pct_2_3", "pct_positive_cells", "positive_cells_pct",
                         "pct_of_tumor_cells_positive", "pct_of_tumour_cells_positive",
                         "陽性率", "陽性細胞率", "陽性細胞割合", "陽性割合", "陽性細胞の割合"),
        "pct_1plus": ("pct_1", "1plus_pct", "pct_1_plus", "1_plus_pct", "percent_1plus",
                      "pct_ihc1", "pct_weak", "weak_pct", "1_pct", "1_陽性率", "1_割合"),
        "pct_2plus": ("pct_2", "2plus_pct", "pct_2_plus", "2_plus_pct", "percent_2plus",
                      "pct_ihc2", "pct_moderate", "moderate_pct", "2_pct", "2_陽性率",
                      "2_割合"),
        "pct_3plus": ("pct_3", "3plus_pct", "pct_3_plus", "3_plus_pct", "percent_3plus",
                      "pct_ihc3", "pct_strong", "strong_pct", "3_pct", "3_陽性率", "3_割合"),
        "tumor_cells": ("tumour_cells", "tumor_cell_count", "n_tumor_cells", "tumor_cell_number",
                        "number_of_tumor_cells", "腫瘍細胞数"),
        "tumor_area_mm2": ("tumor_area", "tumour_area", "tumor_area_mm", "area_mm2",
                           "腫瘍面積"),
        "ish_ratio": ("her2_cep17", "her2_cep17_ratio", "fish_ratio", "ish_her2_cep17",
                      "cish_ratio", "dish_ratio", "sish_ratio", "her2_cep17比", "ish比"),
        "ish_pct_amplified": ("pct_amplified", "amplified_pct", "pct_amplified_cells",
                              "pct_cells_amplified", "ish_amplified_pct", "増幅細胞率",
                              "増幅細胞割合"),
        "her2_copy_number": ("copy_number", "her2_copies", "her2_copy", "mean_her2_copy_number",
                             "her2_signals", "her2_signals_per_cell", "average_her2_copy_number",
                             "her2_gene_copy_number", "her2コピー数", "コピー数"),
        "ish_status": ("fish", "fish_status", "fish_result", "ish", "ish_result",
                       "amplification", "her2_amplification", "dish", "dish_result", "sish",
                       "増幅", "fish判定", "ish判定", "fish結果", "ish結果"),
        "specimen_type": ("specimen", "sample_type", "specimen_kind", "検体種別", "検体の種類",
                          "検体種類"),
        "timepoint": ("time_point", "timing", "sampling_time", "biopsy_timing",
                      "specimen_timepoint", "採取時期", "生検時期", "時期"),
        "specimen_date": ("biopsy_date", "sampling_date", "collection_date", "date_of_biopsy",
                          "specimen_collection_date", "date_sampled", "採取日", "生検日",
                          "検体採取日"),
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

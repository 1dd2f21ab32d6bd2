"""Column matching: normalised names, the synonym table, and the explicit mapping API."""

from __future__ import annotations

import pytest
from conftest import assert_cohort_equals, canonical_fragments, canonical_patients, csv_pair

from her2dash.columns import (
    SPECS,
    SYNONYMS,
    ColumnMapping,
    match_columns,
    match_table,
    normalise_name,
    unmatched,
)
from her2dash.ingest import InputFile, read_files
from her2dash.validate import auto_mapping, load_cohort


def _messages(issues) -> str:
    return "\n".join(i.describe() for i in issues)


@pytest.mark.parametrize(
    ("header", "key"),
    [("PFS (months)", "pfs_months"), ("  Patient ID ", "patient_id"), ("PATIENT_ID", "patient_id"),
     ("% positive", "pct_positive"), ("ＰＦＳ", "pfs"), ("CA19-9 (U/ml)", "ca19_9_u_ml"),
     ("Tumour present", "tumor_present"), ("Patient #", "patient_no"), ("年齢", "年齢"),
     ("best-response", "best_response")],
)
def test_normalise_name_folds_case_spaces_width_and_punctuation(header, key):
    assert normalise_name(header) == key


@pytest.mark.parametrize(
    ("table", "header", "canonical"),
    [
        ("patients", "PFS (months)", "pfs_months"),
        ("patients", "pfs_time", "pfs_months"),
        ("patients", "ＰＦＳ", "pfs_months"),
        ("patients", "ＰＦＳ（月）", "pfs_months"),
        ("patients", "PFS", "pfs_months"),
        ("patients", "OS (mo)", "os_months"),
        ("patients", "CA19-9 (U/ml)", "ca199"),
        ("patients", "CEA (ng/ml)", "cea"),
        ("patients", "Patient ID", "patient_id"),
        ("patients", " patient_id ", "patient_id"),
        ("patients", "Patient #", "patient_id"),
        ("patients", "患者ID", "patient_id"),
        ("patients", "年齢", "age"),
        ("patients", "性別", "sex"),
        ("patients", "Gender", "sex"),
        ("patients", "ECOG PS", "ecog"),
        ("patients", "BOR", "best_response"),
        ("patients", "Date of death", "death_date"),
        ("patients", "Best % change", "best_pct_change"),
        ("fragments", "IHC", "ihc_score"),
        ("fragments", "HER2 IHC score", "ihc_score"),
        ("fragments", "HER2", "ihc_score"),
        ("fragments", "% positive", "pct_positive"),
        ("fragments", "% Positive", "pct_positive"),
        ("fragments", "Tumour present", "tumor_present"),
        ("fragments", "Biopsy No", "fragment_id"),
        ("fragments", "Fragment #", "fragment_id"),
        ("fragments", "検体番号", "fragment_id"),
    ],
)
def test_synonyms_are_matched(table, header, canonical):
    assert match_table([header, "something else"], table) == {canonical: header}


@pytest.mark.parametrize("header", ["Progression-free (mo)", "pfs censor", "PFS_censored",
                                    "comment", ""])
def test_unknown_or_meaning_inverting_names_are_not_guessed(header):
    assert "pfs_months" not in match_table([header], "patients")
    assert "pfs_event" not in match_table([header], "patients")


def test_exact_canonical_name_wins_over_a_synonym_and_the_loser_is_a_covariate():
    assert match_table(["pfs_time", "PFS (months)", "pfs"], "patients") == {
        "pfs_months": "PFS (months)"}
    assert match_table(["pfs_time", "pfs"], "patients") == {"pfs_months": "pfs_time"}
    pats = canonical_patients().rename(columns={"age": "Age (years)"})
    pats["age"] = pats["Age (years)"] + 100
    cohort, report = load_cohort(csv_pair(pats, canonical_fragments()))
    assert report.ok, _messages(report.errors)
    assert cohort.patients.loc["P01", "age"] == 165
    assert "Age (years)" in cohort.covariates


def test_every_synonym_points_at_a_contract_column():
    for table, lookup in SYNONYMS.items():
        assert set(lookup.values()) <= set(SPECS[table])
        for canonical in SPECS[table]:
            assert lookup[canonical] == canonical


def test_files_with_hospital_headers_load_through_synonyms():
    pats, frags = canonical_patients(), canonical_fragments()
    renamed_p = pats.rename(columns={
        "patient_id": "Patient ID", "pfs_months": "PFS (months)", "pfs_event": "PFS status",
        "os_months": "ＯＳ", "os_event": "Death", "best_response": "BOR", "age": "年齢",
        "sex": "Gender", "visceral_metastasis": "Visceral mets", "platinum": "Platinum-based"})
    renamed_p["CA19-9 (U/ml)"] = [10.0, 37.5, 120.0, 8.0, 55.0, 2000.0]
    renamed_f = frags.rename(columns={
        "patient_id": "Case", "fragment_id": "Biopsy #", "tumor_present": "Tumour",
        "ihc_score": "HER2 IHC score", "pct_positive": "% positive"})
    cohort, report = load_cohort(csv_pair(renamed_p, renamed_f))
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats.assign(ca199=renamed_p["CA19-9 (U/ml)"]), frags)
    assert set(cohort.covariates) == {"smoking", "bmi"}
    assert report.mapping.source_for("patients", "os_months") == "ＯＳ"
    assert report.mapping.source_for("fragments", "fragment_id") == "Biopsy #"


# -- the explicit mapping API ----------------------------------------------------------------


def test_an_unmatched_column_mapped_by_hand_then_loads():
    pats, frags = canonical_patients(), canonical_fragments()
    renamed = pats.rename(columns={"pfs_months": "Progression-free (mo)"})
    files = csv_pair(renamed, frags)
    cohort, report = load_cohort(files)
    assert cohort is None
    (err,) = report.errors
    assert "'pfs_event' is given but 'pfs_months' is missing" in err.message
    assert err.column == "pfs_months"
    mapping = report.mapping.with_column("patients", "pfs_months", "Progression-free (mo)")
    assert mapping.source_for("patients", "pfs_months") == "Progression-free (mo)"
    cohort, report = load_cohort(files, mapping=mapping)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert "Progression-free (mo)" not in cohort.covariates
    assert report.mapping == mapping


def test_mapping_a_source_to_a_second_canonical_moves_it():
    m = ColumnMapping().with_column("patients", "pfs_months", "time")
    m = m.with_column("patients", "pfs_event", "status")
    moved = m.with_column("patients", "os_months", "time")
    assert moved.as_dict("patients") == {"os_months": "time", "pfs_event": "status"}
    assert moved.source_for("patients", "pfs_months") is None
    # Re-mapping a canonical replaces its source.
    again = moved.with_column("patients", "os_months", "other")
    assert again.as_dict("patients") == {"os_months": "other", "pfs_event": "status"}
    # The two tables are independent.
    both = again.with_column("fragments", "patient_id", "status")
    assert both.source_for("patients", "pfs_event") == "status"
    assert both.source_for("fragments", "patient_id") == "status"


def test_moving_a_mapped_column_loads_it_under_the_new_name():
    pats, frags = canonical_patients(), canonical_fragments()
    files = csv_pair(pats.drop(columns=["os_months", "os_event"]), frags)
    raw, _ = read_files(files)
    # "bmi" is a covariate; map it to age: the real age column is then a covariate.
    mapping = auto_mapping(raw).with_column("patients", "age", "bmi")
    cohort, report = load_cohort(files, mapping=mapping)
    assert report.ok, _messages(report.errors)
    assert cohort.patients["age"].tolist() == pats["bmi"].tolist()
    assert "bmi" not in cohort.patients.columns
    assert cohort.covariates == ("smoking",)
    info = next(i for i in report.infos if i.column == "age")
    assert "not mapped to it" in info.message


def test_mapping_is_hashable_and_sorted_and_unmapping_works():
    a = ColumnMapping().with_column("fragments", "ihc_score", "IHC").with_column(
        "fragments", "fragment_id", "Block")
    b = ColumnMapping().with_column("fragments", "fragment_id", "Block").with_column(
        "fragments", "ihc_score", "IHC")
    assert a == b and hash(a) == hash(b)
    assert a.fragments == (("fragment_id", "Block"), ("ihc_score", "IHC"))
    assert a.with_column("fragments", "ihc_score", None).as_dict("fragments") == {
        "fragment_id": "Block"}


def test_unknown_canonical_name_is_a_value_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="'pfs' is not a patients column; known: patient_id"):
        ColumnMapping().with_column("patients", "pfs", "x")
    with pytest.raises(ValueError, match="not a fragments column"):
        ColumnMapping().with_column("fragments", "pfs_months", "x")


def test_unmapping_a_required_column_is_reported():
    files = csv_pair(canonical_patients(), canonical_fragments())
    raw, _ = read_files(files)
    mapping = auto_mapping(raw).with_column("fragments", "ihc_score", None)
    cohort, report = load_cohort(files, mapping=mapping)
    assert cohort is None
    (err,) = report.errors
    assert "required column 'ihc_score' is missing" in err.message
    assert err.file == "fragments.csv"


def test_a_mapped_column_that_is_not_in_the_file_is_an_error():
    files = csv_pair(canonical_patients(), canonical_fragments())
    raw, _ = read_files(files)
    mapping = auto_mapping(raw).with_column("patients", "cea", "CEA (ng/ml)")
    cohort, report = load_cohort(files, mapping=mapping)
    assert cohort is None
    (err,) = report.errors
    assert err.message == "mapped column 'CEA (ng/ml)' is not in the file"
    assert len(report.accounting) == 21


def test_long_table_mapping_by_hand():
    pats, frags = canonical_patients(), canonical_fragments()
    long = frags.merge(pats, on="patient_id").rename(columns={"ihc_score": "Färbung",
                                                             "pfs_months": "Zeit"})
    files = [InputFile("long.csv", long.to_csv(index=False).encode())]
    cohort, report = load_cohort(files)
    assert cohort is None
    assert {e.column for e in report.errors} == {"ihc_score", "pfs_months"}, _messages(
        report.errors)
    mapping = (report.mapping.with_column("fragments", "ihc_score", "Färbung")
               .with_column("patients", "pfs_months", "Zeit"))
    cohort, report = load_cohort(files, mapping=mapping)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert set(cohort.covariates) == {"smoking", "bmi"}


def test_match_columns_for_a_long_table_gives_her2_to_the_fragments():
    cols = ["patient_id", "fragment_id", "HER2", "pfs_months", "pfs_event"]
    m = match_columns(cols, cols)
    assert m.source_for("fragments", "ihc_score") == "HER2"
    assert m.source_for("patients", "her2_status") is None
    assert m.source_for("patients", "patient_id") == "patient_id"
    # Two separate tables: HER2 in the patients table is the patient-level status.
    m = match_columns(["patient_id", "HER2"], ["patient_id", "fragment_id", "IHC"])
    assert m.source_for("patients", "her2_status") == "HER2"


def test_unmatched_lists_the_covariate_columns():
    cols = ["patient_id", "PFS (months)", "smoking", "bmi"]
    m = match_columns(cols, None)
    assert unmatched(cols, m, "patients") == ["smoking", "bmi"]
    assert m.fragments == ()

"""Optional per-fragment columns (issue 10 §1): intensity shares, size, ISH, specimen type,
timepoint and specimen date. Each is typed on ``Cohort.fragments`` only when given; every
consistency check is an Issue naming the row, the patient / fragment and the values as written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2dash.cohort import OPTIONAL_FRAGMENT_FIELDS
from her2dash.columns import SPECS, match_columns
from her2dash.ingest import InputFile
from her2dash.validate import load_cohort
from tests.conftest import canonical_fragments, canonical_patients, csv_pair


def _load(fragments: pd.DataFrame, patients: pd.DataFrame | None = None):
    return load_cohort(csv_pair(canonical_patients() if patients is None else patients,
                                fragments))


def _find(issues, *, text: str, severity: str | None = None):
    found = [i for i in issues if text in i.message and (severity is None
                                                         or i.severity == severity)]
    assert found, f"no issue containing {text!r}: {[i.message for i in issues]}"
    return found[0]


def _with(**columns: list) -> pd.DataFrame:
    """The canonical fragments with extra columns (one value per fragment row, 15 rows)."""
    frags = canonical_fragments()
    for name, values in columns.items():
        frags[name] = values
    return frags


BLANK = [""] * 15


# -- the interface ----------------------------------------------------------------------------


def test_optional_fields_are_fragment_columns_of_the_contract():
    assert OPTIONAL_FRAGMENT_FIELDS == (
        "pct_1plus", "pct_2plus", "pct_3plus", "tumor_cells", "tumor_area_mm2", "ish_ratio",
        "ish_pct_amplified", "her2_copy_number", "ish_status", "specimen_type", "timepoint",
        "specimen_date")
    for name in OPTIONAL_FRAGMENT_FIELDS:
        assert name in SPECS["fragments"] and not SPECS["fragments"][name].required


def test_without_optional_columns_the_fragments_table_is_as_before():
    cohort, report = _load(canonical_fragments())
    assert report.ok
    assert list(cohort.fragments.columns) == ["patient_id", "fragment_id", "tumor_present",
                                              "ihc_score", "pct_positive", "pct_defaulted"]


def test_every_optional_column_is_typed_on_the_cohort():
    frags = canonical_fragments().head(3)  # P01: 3+ 100, 2+ 80, 3+ 100
    frags = frags.assign(
        pct_1plus=[0, 10, ""], pct_2plus=[40, 50, 30], pct_3plus=[60, 30, 70],
        tumor_cells=[1200, 80, ""], tumor_area_mm2=[1.5, "", 0.25], ish_ratio=[4.2, 1.4, ""],
        ish_pct_amplified=[85, 5, ""], her2_copy_number=[9.1, 2.9, ""],
        ish_status=["amplified", "not amplified", ""], specimen_type=["biopsy"] * 3,
        timepoint=["baseline", "baseline", "post-progression"],
        specimen_date=["2015-01-10", "2015-01-10", "2016-02-01"])
    cohort, report = _load(frags, canonical_patients().head(1))
    assert report.ok, [i.describe() for i in report.errors]
    f = cohort.fragments
    assert [c for c in OPTIONAL_FRAGMENT_FIELDS if c in f.columns] == list(
        OPTIONAL_FRAGMENT_FIELDS)
    np.testing.assert_array_equal(f["pct_2plus"], [40.0, 50.0, 30.0])
    assert np.isnan(f["pct_1plus"].iloc[2]) and np.isnan(f["tumor_cells"].iloc[2])
    assert f["tumor_area_mm2"].tolist()[::2] == [1.5, 0.25]
    assert str(f["ish_status"].dtype) == "boolean"
    assert f["ish_status"].tolist()[:2] == [True, False] and f["ish_status"].isna().iloc[2]
    assert f["specimen_type"].tolist() == ["biopsy"] * 3
    assert f["timepoint"].tolist() == ["baseline", "baseline", "post-progression"]
    assert f["specimen_date"].dtype == "datetime64[ns]"
    assert f["specimen_date"].iloc[2] == pd.Timestamp("2016-02-01")


def test_synonym_headers_reach_the_optional_columns():
    cols = ["patient_id", "fragment_id", "IHC score", "% 1+", "%2+", "3+ (%)",
            "Tumour cell count", "Tumor area (mm²)", "HER2/CEP17 ratio", "% amplified",
            "HER2 copy number", "FISH result", "検体種別", "採取時期", "Biopsy date"]
    got = dict(match_columns(None, cols).fragments)
    assert got == {"patient_id": "patient_id", "fragment_id": "fragment_id",
                   "ihc_score": "IHC score", "pct_1plus": "% 1+", "pct_2plus": "%2+",
                   "pct_3plus": "3+ (%)", "tumor_cells": "Tumour cell count",
                   "tumor_area_mm2": "Tumor area (mm²)", "ish_ratio": "HER2/CEP17 ratio",
                   "ish_pct_amplified": "% amplified", "her2_copy_number": "HER2 copy number",
                   "ish_status": "FISH result", "specimen_type": "検体種別",
                   "timepoint": "採取時期", "specimen_date": "Biopsy date"}


# -- values and their coercions ---------------------------------------------------------------


@pytest.mark.parametrize(("written", "read"), [
    ("surgical", "resection"), ("Surgery", "resection"), ("resected", "resection"),
    ("切除", "resection"), ("手術", "resection"), ("生検", "biopsy"), ("Bx", "biopsy"),
])
def test_fragment_specimen_type_synonyms_are_listed_as_coercions(written, read):
    frags = _with(specimen_type=[written] + ["biopsy"] * 14)
    cohort, report = _load(frags)
    assert report.ok and cohort.fragments["specimen_type"].iloc[0] == read
    info = _find(report.infos, text=f"{written!r} read as {read}")
    assert info.row == 2 and info.column == "specimen_type" and "1 cell " in info.message


def test_patients_specimen_type_keeps_its_own_vocabulary():
    """The patients' specimen_type is biopsy/surgical (the Specimens page), the fragments'
    biopsy/resection: the same word reads differently in the two tables."""
    pats = canonical_patients().assign(specimen_type=["resection"] + ["biopsy"] * 5)
    frags = _with(specimen_type=["surgical"] + ["biopsy"] * 14)
    cohort, report = _load(frags, pats)
    assert report.ok
    assert cohort.patients.loc["P01", "specimen_type"] == "surgical"
    assert cohort.fragments["specimen_type"].iloc[0] == "resection"


@pytest.mark.parametrize(("written", "read"), [
    ("pre-treatment", "baseline"), ("治療前", "baseline"), ("at diagnosis", "baseline"),
    ("progression", "post-progression"), ("rebiopsy", "post-progression"),
    ("再生検", "post-progression"), ("増悪時", "post-progression"),
])
def test_timepoint_synonyms_are_listed(written, read):
    cohort, report = _load(_with(timepoint=[written] + ["baseline"] * 14))
    assert report.ok and cohort.fragments["timepoint"].iloc[0] == read
    _find(report.infos, text=f"{written!r} read as {read}")


def test_an_unknown_timepoint_is_an_error_saying_what_is_expected():
    _, report = _load(_with(timepoint=["week 6"] + ["baseline"] * 14))
    err = _find(report.errors, text="unknown value")
    assert (err.row, err.column, err.value) == (2, "timepoint", "week 6")
    assert err.expected == "baseline or post-progression"


@pytest.mark.parametrize(("written", "read"), [
    ("positive", True), ("陽性", True), ("増幅あり", True), ("negative", False),
    ("non-amplified", False), ("陰性", False),
])
def test_ish_status_spellings_are_listed(written, read):
    cohort, report = _load(_with(ish_status=[written] + [""] * 14))
    assert report.ok and cohort.fragments["ish_status"].iloc[0] is np.bool_(read)
    _find(report.infos, text=f"{written!r} read as {'amplified' if read else 'not amplified'}")


def test_ish_not_done_is_blank_and_listed_and_equivocal_is_an_error():
    cohort, report = _load(_with(ish_status=["not done", "未施行"] + [""] * 13))
    assert report.ok and cohort.fragments["ish_status"].isna().all()
    _find(report.infos, text="'not done' read as blank (not done)")
    _find(report.infos, text="'未施行' read as blank (not done)")
    _, report = _load(_with(ish_status=["equivocal"] + [""] * 14))
    err = _find(report.errors, text="equivocal is not a result here")
    assert err.value == "equivocal" and err.row == 2


@pytest.mark.parametrize(("column", "value", "message"), [
    ("pct_3plus", "120", "outside 0–100"),
    ("ish_pct_amplified", "-5", "outside 0–100"),
    ("tumor_cells", "-3", "below 0"),
    ("tumor_area_mm2", "-0.5", "below 0"),
    ("her2_copy_number", "-1", "below 0"),
    ("ish_ratio", "high", "not a number"),
])
def test_out_of_range_values_are_errors(column, value, message):
    frags = _with(**{column: [value] + [""] * 14})
    cohort, report = _load(frags)
    assert cohort is None
    err = _find(report.errors, text=message)
    assert (err.row, err.column, err.value) == (2, column, value)


# -- derived values ---------------------------------------------------------------------------


def test_pct_positive_is_derived_from_2plus_and_3plus_and_listed():
    frags = canonical_fragments().drop(columns=["pct_positive"]).head(2)
    frags = frags.assign(pct_2plus=[30, 80], pct_3plus=[60, 0])  # P01 F1 3+, F2 2+
    cohort, report = _load(frags, canonical_patients().head(1))
    assert report.ok
    assert cohort.fragments["pct_positive"].tolist() == [90.0, 80.0]
    assert not cohort.fragments["pct_defaulted"].any()
    info = _find(report.infos, text="% positive derived as pct_2plus + pct_3plus on 2 "
                 "fragment(s) where it is not given (rows 2, 3)")
    assert info.file == "fragments.csv"


def test_a_blank_pct_positive_is_derived_only_where_both_shares_are_given():
    frags = canonical_fragments().head(3).assign(
        pct_positive=["", "", "100"], pct_2plus=[20, "", 0], pct_3plus=[70, 40, 100])
    cohort, report = _load(frags, canonical_patients().head(1))
    assert report.ok
    # Row 2 derived (90); row 3 has no pct_2plus, so the contract's default (100 for 3+ / 2+).
    assert cohort.fragments["pct_positive"].tolist() == [90.0, 100.0, 100.0]
    assert cohort.fragments["pct_defaulted"].tolist() == [False, True, False]
    _find(report.infos, text="derived as pct_2plus + pct_3plus on 1 fragment(s) where it is "
          "blank (rows 2)")
    _find(report.infos, text="% positive is blank on 1 tumour-containing fragment(s)")


def _dated(dates: list[str], starts: list[str], timepoints: list[str] | None = None):
    pats = canonical_patients().drop(columns=["pfs_months", "pfs_event", "os_months",
                                              "os_event"]).head(2)
    pats = pats.assign(therapy_start=starts, last_contact_date=["2017-01-01"] * 2)
    frags = canonical_fragments().head(6).assign(specimen_date=dates)
    if timepoints is not None:
        frags["timepoint"] = timepoints
    return _load(frags, pats)


def test_timepoint_is_derived_from_specimen_date_and_therapy_start():
    cohort, report = _dated(
        ["2015-01-10", "2015-02-01", "2015-06-30", "2014-12-01", "", "2016-01-01"],
        ["2015-02-01", "2015-01-01"])
    assert report.ok, [i.describe() for i in report.errors]
    # P01 starts 2015-02-01: on or before is baseline, after is post-progression.
    assert cohort.fragments["timepoint"].tolist() == [
        "baseline", "baseline", "post-progression", "baseline", None, "post-progression"]
    assert cohort.fragments["specimen_date"].iloc[0] == pd.Timestamp("2015-01-10")
    info = _find(report.infos, text="timepoint derived from specimen_date")
    assert "on 5 fragment(s): 3 baseline (taken on or before the start of therapy), 2 "\
           "post-progression (taken after it)" in info.message


def test_a_given_timepoint_the_dates_contradict_is_kept_with_a_warning():
    cohort, report = _dated(["2015-06-30"] + ["2015-01-01"] * 5, ["2015-02-01", "2015-01-01"],
                            ["baseline"] * 6)
    assert cohort is not None and cohort.fragments["timepoint"].iloc[0] == "baseline"
    warn = _find(report.warnings, text="fragment P01 / F1 is given as baseline but was taken "
                 "on 2015-06-30, after the start of therapy")
    assert warn.row == 2


def test_specimen_dates_without_therapy_start_give_no_timepoint():
    frags = canonical_fragments().assign(specimen_date=["2015-01-10"] * 15)
    cohort, report = _load(frags)
    assert report.ok and "timepoint" not in cohort.fragments.columns
    _find(report.infos, text="specimen_date is given but therapy_start is not")


# -- consistency checks -----------------------------------------------------------------------
# Rows of the canonical fragments: row 2 = P01 F1 3+ 100, row 3 = P01 F2 2+ 80,
# row 5 = P02 F1 2+ 50, row 6 = P02 F2 0 (0 %), row 11 = P04 F2 2+ 30.


def _row(values: dict[int, object], default: object = "") -> list[object]:
    return [values.get(r, default) for r in range(2, 17)]


@pytest.mark.parametrize(("columns", "severity", "text", "row", "value"), [
    pytest.param({"pct_1plus": _row({3: 30}), "pct_2plus": _row({3: 50}),
                  "pct_3plus": _row({3: 30})}, "error",
                 "the intensity shares add up to more than 100 % of the fragment's tumour cells "
                 "(fragment P01 / F2)", 3, "pct_1plus = 30, pct_2plus = 50, pct_3plus = 30",
                 id="shares-over-100"),
    pytest.param({"pct_2plus": _row({5: 20}), "pct_3plus": _row({5: 10})}, "error",
                 "pct_2plus + pct_3plus disagrees with pct_positive", 5,
                 "pct_2plus = 20, pct_3plus = 10, pct_positive = 50.0", id="sum-vs-positive"),
    pytest.param({"pct_3plus": _row({11: 40})}, "error",
                 "pct_3plus is larger than pct_positive, which includes it", 11,
                 "pct_3plus = 40, pct_positive = 30.0", id="one-share-over-positive"),
    pytest.param({"pct_2plus": _row({6: 5})}, "error",
                 "pct_2plus is above 0 on a fragment scored 0 or 1+", 6,
                 "pct_2plus = 5, ihc_score = 0", id="positive-cells-on-0"),
    pytest.param({"pct_3plus": _row({2: 0})}, "error",
                 "pct_3plus is 0 on a fragment scored 3+", 2, "pct_3plus = 0, ihc_score = 3+",
                 id="3plus-without-3plus-cells"),
    pytest.param({"pct_2plus": _row({3: 0}), "pct_3plus": _row({3: 0})}, "error",
                 "a fragment scored 2+ has no 2+ or 3+ cells", 3,
                 "pct_2plus = 0, pct_3plus = 0, ihc_score = 2+", id="2plus-without-cells"),
    pytest.param({"pct_3plus": _row({3: 40})}, "warning",
                 "pct_3plus is 10 % or more on a fragment scored 2+", 3,
                 "pct_3plus = 40, ihc_score = 2+", id="2plus-with-many-3plus"),
    pytest.param({"pct_3plus": _row({2: 5}), "specimen_type": _row({2: "resection"},
                                                                   "biopsy")},
                 "warning", "a resection fragment scored 3+ with under 10 % 3+ cells", 2,
                 "pct_3plus = 5, ihc_score = 3+, specimen_type = resection",
                 id="resection-3plus-few"),
    pytest.param({"ish_ratio": _row({5: 0})}, "error", "the ISH ratio is not above 0", 5,
                 "ish_ratio = 0", id="ratio-zero"),
    pytest.param({"ish_ratio": _row({5: 1.4}), "ish_status": _row({5: "amplified"})},
                 "warning", "ish_status disagrees with the ISH ratio", 5,
                 "ish_status = amplified, ish_ratio = 1.4", id="status-vs-ratio"),
    pytest.param({"tumor_cells": _row({7: 150})}, "error",
                 "tumor_cells is above 0 on a fragment marked as holding no tumour", 7,
                 "tumor_cells = 150, tumor_present = 0", id="cells-without-tumour"),
    pytest.param({"tumor_area_mm2": _row({2: 0})}, "error",
                 "tumor_area_mm2 is 0 on a fragment counted as tumour-containing", 2,
                 "tumor_area_mm2 = 0, tumor_present = 1", id="no-area-with-tumour"),
])
def test_each_consistency_check(columns, severity, text, row, value):
    cohort, report = _load(_with(**columns))
    issue = _find(report.issues, text=text, severity=severity)
    assert issue.row == row and issue.file == "fragments.csv"
    assert issue.value == value
    if severity == "error":
        assert cohort is None  # a contradiction blocks loading, as other errors do
        status = report.accounting.query("file == 'fragments.csv' and row == @row")
        assert status["status"].item() == "error"
    else:
        assert cohort is not None  # kept as given


def test_shares_within_rounding_of_100_and_of_pct_positive_pass():
    # Row 2 (3+, 100 %): 0.5 + 30 + 70 = 100.5, whole-percent rounding; row 5 (2+, 50 %):
    # 50.5 + 0 against pct_positive 50, within the 1-point agreement.
    frags = _with(pct_1plus=_row({2: 0.5}), pct_2plus=_row({2: 30, 5: 50.5}),
                  pct_3plus=_row({2: 70, 5: 0}))
    _, report = _load(frags)
    assert report.ok, [i.describe() for i in report.errors]
    assert not report.warnings
    frags.loc[0, "pct_1plus"] = 0.6  # 100.6: over the rounding allowance
    _, report = _load(frags)
    assert _find(report.errors, text="add up to more than 100 %").row == 2


def test_fifty_one_failing_rows_are_fifty_issues_and_a_count():
    frags = pd.DataFrame({"patient_id": ["P01"] * 51, "fragment_id": [f"F{i}" for i in range(51)],
                          "ihc_score": ["3+"] * 51, "pct_3plus": [0] * 51})
    _, report = _load(frags, canonical_patients().head(1))
    hits = [i for i in report.errors if "pct_3plus is 0" in i.message]
    assert len(hits) == 51
    assert hits[-1].message.startswith("pct_3plus is 0 on a fragment scored 3+, which needs "
                                       "strongly stained cells: 1 more rows like this (rows 52")


# -- long tables: which table a shared column belongs to -----------------------------------------


def _long(specimen: list[str]) -> list[InputFile]:
    frags = canonical_fragments().assign(specimen_type=specimen)
    long = frags.merge(canonical_patients(), on="patient_id")
    return [InputFile("cohort.csv", long.to_csv(index=False).encode())]


def test_long_table_specimen_type_constant_per_patient_is_the_patients():
    per_patient = {"P01": "biopsy", "P02": "surgical", "P03": "biopsy", "P04": "biopsy",
                   "P05": "surgical", "P06": "biopsy"}
    specimen = canonical_fragments()["patient_id"].map(per_patient).tolist()
    cohort, report = load_cohort(_long(specimen))
    assert report.ok, [i.describe() for i in report.errors]
    assert report.mapping.source_for("patients", "specimen_type") == "specimen_type"
    assert report.mapping.source_for("fragments", "specimen_type") is None
    assert cohort.patients["specimen_type"].to_dict() == per_patient
    assert "specimen_type" not in cohort.fragments.columns


def test_long_table_specimen_type_varying_within_a_patient_is_the_fragments():
    specimen = ["biopsy"] * 15
    specimen[1] = "resection"  # P01 F2
    cohort, report = load_cohort(_long(specimen))
    assert report.ok, [i.describe() for i in report.errors]
    assert report.mapping.source_for("fragments", "specimen_type") == "specimen_type"
    assert report.mapping.source_for("patients", "specimen_type") is None
    assert cohort.fragments["specimen_type"].tolist()[:3] == ["biopsy", "resection", "biopsy"]
    assert "specimen_type" not in cohort.patients.columns

"""Validation: every problem reported at once and located, every row accounted for, dates
turned into times, blank % positive defaulted, and no traceback on any input."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import os

import numpy as np
import pandas as pd
import pytest
from conftest import (
    assert_cohort_equals,
    canonical_fragments,
    canonical_patients,
    csv_pair,
    xlsx_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2dash.dates import DAYS_PER_MONTH, DateOptions
from her2dash.ingest import InputFile, read_files
from her2dash.validate import (
    ERROR,
    KEPT,
    LEFT_OUT,
    UNUSED,
    ValidationReport,
    build_cohort,
    load_cohort,
)

FATES = {KEPT, UNUSED, LEFT_OUT, ERROR}


def _messages(issues) -> str:
    return "\n".join(i.describe() for i in issues)


def _load_frames(patients: pd.DataFrame, fragments: pd.DataFrame, **kwargs):
    """Load the two tables as CSV, checking that the accounting has exactly one line per
    data row of each (spreadsheet rows 2 .. n+1), whatever else the report says."""
    cohort, report = load_cohort(csv_pair(patients, fragments), **kwargs)
    acc = report.accounting
    for file, frame in (("patients.csv", patients), ("fragments.csv", fragments)):
        assert acc.loc[acc["file"] == file, "row"].tolist() == list(range(2, len(frame) + 2))
    assert len(acc) == len(patients) + len(fragments)
    assert set(acc["status"]) <= FATES
    assert ((acc["status"] == KEPT) == (acc["reason"] == "")).all()
    return cohort, report


def _status(report: ValidationReport, file: str) -> dict[int, tuple[str, str]]:
    acc = report.accounting[report.accounting["file"] == file]
    return {int(r): (s, why) for r, s, why in zip(acc["row"], acc["status"], acc["reason"],
                                                   strict=True)}


def _find(issues, *, row=None, column=None, text=""):
    hits = [i for i in issues if text in i.message and (row is None or i.row == row)
            and (column is None or i.column == column)]
    assert hits, f"no issue with {text!r} at row {row}, column {column!r} in:\n" + _messages(
        issues)
    return hits[0]


# -- the clean cohort ------------------------------------------------------------------------


def test_clean_cohort_accounts_for_every_row_as_kept_or_unused(canonical_csv):
    cohort, report = load_cohort(canonical_csv)
    assert report.ok and not report.warnings, _messages(report.issues)
    assert_cohort_equals(cohort, canonical_patients(), canonical_fragments())
    assert len(report.accounting) == 6 + 15
    frag = _status(report, "fragments.csv")
    assert frag.pop(7) == (UNUSED, "no tumour cells in this fragment")  # P02 F3
    assert set(frag.values()) == {(KEPT, "")}
    assert set(_status(report, "patients.csv").values()) == {(KEPT, "")}
    summary = report.row_summary()
    assert summary.to_dict("records") == [
        {"file": "patients.csv", "status": KEPT, "rows": 6},
        {"file": "fragments.csv", "status": KEPT, "rows": 14},
        {"file": "fragments.csv", "status": UNUSED, "rows": 1},
    ]


def test_same_fragment_id_under_two_patients_is_fine(canonical_csv):
    # Every canonical patient has a fragment "F1".
    cohort, report = load_cohort(canonical_csv)
    assert report.ok
    assert (cohort.fragments["fragment_id"] == "F1").sum() == 6


# -- every problem at once -------------------------------------------------------------------


def test_one_file_with_many_problems_reports_all_of_them_located():
    pats = canonical_patients().astype(object)
    frags = canonical_fragments().astype(object)
    pats.loc[0, "pfs_months"] = "abc"        # row 2
    pats.loc[1, "os_months"] = -3            # row 3
    pats.loc[2, "pfs_event"] = 2             # row 4
    pats.loc[3, "best_response"] = "MR"      # row 5
    pats.loc[3, "os_event"] = "yes"          # row 5, a second problem on the same row
    pats.loc[4, "pfs_months"] = "1e309"      # row 6
    pats.loc[5, "os_months"] = "inf"         # row 7
    pats.loc[5, "patient_id"] = "P01"        # row 7 repeats row 2's id
    frags.loc[0, "pct_positive"] = 150       # row 2
    frags.loc[1, "ihc_score"] = "4+"         # row 3
    frags.loc[3, "pct_positive"] = -1        # row 5
    frags.loc[4, "pct_positive"] = 20        # row 6: P02 F2 is scored 0
    frags.loc[8, "pct_positive"] = 5         # row 10: P04 F1 is scored 1+
    frags.loc[7, "fragment_id"] = "F1"       # rows 8, 9: P03 has F1 twice
    frags.loc[9, "patient_id"] = "P99"       # row 11: unknown patient
    cohort, report = _load_frames(pats, frags)
    assert cohort is None
    e = report.errors
    expected = [  # (file, row, column, message part, value, expected part)
        ("patients.csv", 2, "pfs_months", "not a number", "abc", "number ≥ 0"),
        ("patients.csv", 3, "os_months", "below 0", "-3", "number ≥ 0"),
        ("patients.csv", 4, "pfs_event", "event must be 0 or 1", "2", "0 or 1"),
        ("patients.csv", 5, "best_response", "unknown response label", "MR", "CR, PR, SD"),
        ("patients.csv", 5, "os_event", "event must be 0 or 1", "yes", "0 or 1"),
        ("patients.csv", 6, "pfs_months", "not a number", "1e309", "number ≥ 0"),
        ("patients.csv", 7, "os_months", "not a number", "inf", "number ≥ 0"),
        ("patients.csv", 7, "patient_id", "the same patient_id appears on more than one row "
         "(rows 2, 7)", "P01", "each id once"),
        ("fragments.csv", 2, "pct_positive", "% positive outside 0–100", "150", "0–100"),
        ("fragments.csv", 3, "ihc_score", "not a HER2 IHC score", "4+", "0, 1+, 2+ or 3+"),
        ("fragments.csv", 5, "pct_positive", "% positive outside 0–100", "-1", "0–100"),
        ("fragments.csv", 6, "pct_positive", "% positive is above 0 on a fragment scored 0 or 1+",
         "20", "0 for a 0/1+ fragment"),
        ("fragments.csv", 10, "pct_positive", "% positive is above 0 on a fragment scored 0 or "
         "1+", "5", "0 for a 0/1+ fragment"),
        ("fragments.csv", 9, "fragment_id", "the same fragment_id appears twice for one patient "
         "(rows 8, 9)", "P03 / F1", "each id once"),
    ]
    for file, row, column, text, value, want in expected:
        hit = _find([i for i in e if i.file == file], row=row, column=column, text=text)
        assert hit.value == value, hit.describe()
        assert want in hit.expected, hit.describe()
        assert f"row {row}" in hit.describe() and repr(column) in hit.describe()
    assert len(e) == len(expected), _messages(e)
    unknown = _find(report.warnings, text="not in the patients table")
    # P06's id was overwritten by the duplicate, so its fragments (rows 15, 16) are orphans too.
    assert "left out: P99, P06 (rows 11, 15, 16)" in unknown.message
    # The accounting agrees with the issues, row by row.
    pat = _status(report, "patients.csv")
    assert {r for r, (s, _) in pat.items() if s == ERROR} == {2, 3, 4, 5, 6, 7}
    frag = _status(report, "fragments.csv")
    assert {r for r, (s, _) in frag.items() if s == ERROR} == {2, 3, 5, 6, 8, 9, 10}
    assert frag[11] == (LEFT_OUT, "its patient_id is not in the patients table")
    assert frag[7] == (UNUSED, "no tumour cells in this fragment")
    assert frag[4][0] == KEPT
    assert frag[15][0] == frag[16][0] == LEFT_OUT
    assert len(report.accounting) == 6 + 15


def test_missing_required_columns_in_both_tables_are_all_reported():
    pats = canonical_patients().drop(columns=["patient_id"])
    frags = canonical_fragments().drop(columns=["fragment_id", "ihc_score"])
    cohort, report = _load_frames(pats, frags)
    assert cohort is None
    missing = {(i.file, i.column) for i in report.errors
               if "required column" in i.message and "is missing" in i.message}
    assert missing == {("patients.csv", "patient_id"), ("fragments.csv", "fragment_id"),
                       ("fragments.csv", "ihc_score")}
    assert len(report.errors) == 3
    assert len(report.accounting) == 6 + 15
    assert set(report.accounting["reason"]) == {"the table lacks a required column"}


def test_cell_problems_are_reported_even_when_a_required_column_is_missing():
    pats = canonical_patients().drop(columns=["patient_id", "os_event"]).astype(object)
    pats.loc[1, "pfs_months"] = "-2"
    frags = canonical_fragments().drop(columns=["ihc_score"]).astype(object)
    frags.loc[2, "pct_positive"] = "101"
    frags.loc[3, "fragment_id"] = ""
    cohort, report = _load_frames(pats, frags)
    assert cohort is None
    _find(report.errors, column="patient_id", text="required column 'patient_id' is missing")
    _find(report.errors, column="ihc_score", text="required column 'ihc_score' is missing")
    _find(report.errors, column="os_event", text="'os_months' is given but 'os_event' is missing")
    _find(report.errors, row=3, column="pfs_months", text="below 0")
    _find(report.errors, row=4, column="pct_positive", text="outside 0–100")
    _find(report.errors, row=5, column="fragment_id", text="the id is blank on a row with data")
    assert len(report.errors) == 6, _messages(report.errors)
    frag = _status(report, "fragments.csv")
    assert frag[4] == (ERROR, "pct_positive: % positive outside 0–100")
    assert frag[2] == (ERROR, "the table lacks a required column")


def test_a_time_without_its_event_column_is_an_error_and_empty_rows_stay_left_out():
    pats = canonical_patients().drop(columns=["os_event"]).astype(object)
    pats.loc[len(pats)] = [""] * pats.shape[1]  # row 8 (trailing blank rows are not rows)
    pats.loc[len(pats)] = canonical_patients().drop(columns=["os_event"]).iloc[0]
    pats.loc[len(pats) - 1, "patient_id"] = "P07"
    cohort, report = _load_frames(pats, canonical_fragments())
    assert cohort is None
    err = _find(report.errors, column="os_event", text="'os_months' is given but 'os_event' is "
                "missing")
    assert err.expected == "0 or 1"
    status = _status(report, "patients.csv")
    assert status[8] == (LEFT_OUT, "empty row")
    assert status[2] == (ERROR, "os_event missing")


@pytest.mark.parametrize(
    ("cell", "message"),
    [("1e309", "not a number"), ("inf", "not a number"), ("-inf", "not a number"),
     ("Infinity", "not a number"), ("twelve", "not a number"), ("-0.5", "below 0"),
     ("NaN", "only one of pfs_months and pfs_event is given")],
)
def test_unusable_text_in_a_time_column_is_an_error_at_its_cell(cell, message):
    pats = canonical_patients().astype(object)
    pats.loc[2, "pfs_months"] = cell  # row 4, with pfs_event 1
    cohort, report = _load_frames(pats, canonical_fragments())
    assert cohort is None
    (err,) = report.errors
    assert message in err.message
    assert err.row == 4 and err.file == "patients.csv"
    # NaN is a missing-value token: blank time with an event given, so the pair is named.
    assert err.column == ("pfs_months / pfs_event" if cell == "NaN" else "pfs_months")
    assert err.value == ("" if cell == "NaN" else cell)
    assert _status(report, "patients.csv")[4][0] == ERROR


def test_nan_in_both_time_and_event_leaves_the_patient_out_of_pfs_only():
    pats = canonical_patients().astype(object)
    pats.loc[2, ["pfs_months", "pfs_event"]] = ["NaN", "NaN"]
    cohort, report = _load_frames(pats, canonical_fragments())
    assert report.ok, _messages(report.errors)
    warn = _find(report.warnings, text="have no PFS time and are left out of PFS analyses only")
    assert "P03" in warn.message
    assert np.isnan(cohort.patients.loc["P03", "pfs_months"])
    assert cohort.patients.loc["P03", "os_months"] == 6.25


def test_events_other_than_0_1_are_errors_but_1_0_and_booleans_are_fine():
    pats = canonical_patients().astype(object)
    pats["os_event"] = ["1.0", "0", "TRUE", "1", "0.5", "-1"]
    cohort, report = _load_frames(pats, canonical_fragments())
    assert cohort is None
    bad = {(i.row, i.value) for i in report.errors}
    assert bad == {(4, "TRUE"), (6, "0.5"), (7, "-1")}, _messages(report.errors)


def test_response_labels_are_folded_and_unknown_ones_are_errors():
    pats = canonical_patients().astype(object)
    pats["best_response"] = ["partial response", "cr", "", "Stable disease", "MR", "iCR"]
    cohort, report = _load_frames(pats, canonical_fragments())
    assert [(i.row, i.value) for i in report.errors] == [(6, "MR"), (7, "iCR")]
    pats["best_response"] = ["partial response", "cr", "", "Stable disease", "NE", "PD"]
    cohort, report = _load_frames(pats, canonical_fragments())
    assert report.ok
    assert cohort.patients["best_response"].astype(str).tolist() == ["PR", "CR", "NE", "SD",
                                                                     "NE", "PD"]


def test_ihc_scores_other_than_0_1_2_3_plus_are_errors():
    frags = canonical_fragments().astype(object)
    frags["ihc_score"] = ["IHC 3+", "2", "3.0", "HER2 2+", "0", "0", "4+", "3++", "-1",
                          "2+", "positive", "3+", "2+", "2+", ""]
    cohort, report = _load_frames(canonical_patients(), frags)
    assert cohort is None
    errs = {(i.row, i.value): i.message for i in report.errors}
    assert set(errs) == {(8, "4+"), (9, "3++"), (10, "-1"), (12, "positive"), (16, "")}
    assert errs[(8, "4+")] == "not a HER2 IHC score"
    assert errs[(16, "")] == "the IHC score is blank on a tumour-containing fragment"


def test_duplicate_patient_ids_name_every_row():
    pats = canonical_patients()
    pats.loc[3, "patient_id"] = "P01"
    pats.loc[5, "patient_id"] = "P01"
    cohort, report = _load_frames(pats, canonical_fragments())
    assert cohort is None
    (err,) = report.errors
    assert err.message == "the same patient_id appears on more than one row (rows 2, 5, 7)"
    assert (err.column, err.value, err.expected) == ("patient_id", "P01", "each id once")
    assert err.row is not None
    status = _status(report, "patients.csv")
    assert [r for r, (s, _) in status.items() if s == ERROR] == [2, 5, 7]


def test_unknown_patients_fragments_are_a_warning_and_left_out():
    frags = canonical_fragments()
    extra = pd.DataFrame([("P77", "F1", 1, "3+", 100.0), ("P77", "F2", 1, "2+", 40.0),
                          ("P78", "F1", 1, "0", 0.0)], columns=frags.columns)
    frags = pd.concat([frags, extra], ignore_index=True)
    cohort, report = _load_frames(canonical_patients(), frags)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, canonical_patients(), canonical_fragments())
    (warn,) = report.warnings
    assert warn.message == ("3 fragment row(s) of 2 patient id(s) not in the patients table "
                            "were left out: P77, P78 (rows 17, 18, 19)")
    status = _status(report, "fragments.csv")
    assert len(status) == 18
    for row in (17, 18, 19):
        assert status[row][0] == LEFT_OUT
        assert "patients table" in status[row][1]


def test_patients_without_tumour_fragments_are_a_warning_and_left_out():
    pats = canonical_patients()
    pats = pd.concat([pats, pats.iloc[[0]].assign(patient_id="P07")], ignore_index=True)
    frags = canonical_fragments()
    frags.loc[frags["patient_id"] == "P06", "tumor_present"] = 0  # rows 15, 16
    cohort, report = _load_frames(pats, frags)
    assert report.ok, _messages(report.errors)
    (warn,) = report.warnings
    assert warn.message == ("2 patient(s) left out of every analysis, with no "
                            "tumour-containing fragment: P06, P07")
    assert list(cohort.patients.index) == ["P01", "P02", "P03", "P04", "P05"]
    assert set(cohort.fragments["patient_id"]) == {"P01", "P02", "P03", "P04", "P05"}
    pat = _status(report, "patients.csv")
    assert pat[7] == pat[8] == (LEFT_OUT, "no tumour-containing fragment: the patient cannot "
                                "be classified")
    frag = _status(report, "fragments.csv")
    assert frag[15] == frag[16] == (LEFT_OUT, "its patient has no tumour-containing fragment")
    assert frag[7] == (UNUSED, "no tumour cells in this fragment")
    assert len(report.accounting) == 7 + 15


def test_empty_rows_are_left_out_with_a_warning_and_keep_row_numbers_right():
    pats = canonical_patients().astype(object)
    blank = pd.DataFrame([[""] * pats.shape[1]], columns=pats.columns)
    pats = pd.concat([pats.iloc[:2], blank, pats.iloc[2:]], ignore_index=True)
    pats.loc[5, "pfs_event"] = 9  # P05, now on row 7
    text = pats.to_csv(index=False) + "\n\n"  # trailing blank lines are not rows
    files = [InputFile("patients.csv", text.encode()), csv_pair(pats, canonical_fragments())[1]]
    cohort, report = load_cohort(files)
    assert cohort is None
    err = _find(report.errors, row=7, column="pfs_event", text="event must be 0 or 1")
    assert err.value == "9"
    warn = _find(report.warnings, text="1 empty row(s) left out (rows 4)")
    assert warn.file == "patients.csv"
    status = _status(report, "patients.csv")
    assert len(status) == 7
    assert status[4] == (LEFT_OUT, "empty row")
    assert status[7] == (ERROR, "pfs_event: event must be 0 or 1")


def test_warnings_do_not_block_and_errors_do(canonical_csv):
    frags = canonical_fragments()
    frags.loc[14, "patient_id"] = "P99"
    cohort, report = _load_frames(canonical_patients(), frags)
    assert cohort is not None and report.ok and report.warnings
    frags.loc[13, "ihc_score"] = "5+"
    cohort, report = _load_frames(canonical_patients(), frags)
    assert cohort is None and not report.ok and report.warnings


def test_more_bad_cells_than_listed_are_counted_in_one_issue():
    n = 60
    pats = pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)], "pfs_months": ["x"] * n,
                         "pfs_event": [1] * n})
    frags = pd.DataFrame({"patient_id": pats["patient_id"], "fragment_id": "F1",
                          "ihc_score": "3+"})
    cohort, report = _load_frames(pats, frags)
    assert cohort is None
    assert len(report.errors) == 51
    assert "not a number: 10 more rows like this (rows 52, 53" in report.errors[-1].message
    assert (report.accounting["status"] == ERROR).sum() == n


# -- file-level problems --------------------------------------------------------------------

_GOOD_FRAGMENTS = canonical_fragments().to_csv(index=False).encode()


def _xlsx_cohort() -> bytes:
    return xlsx_bytes(patients=canonical_patients(), fragments=canonical_fragments())


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("patients.csv", b"", "the file is empty"),
        ("patients.csv", b"  \r\n\n ", "the file is empty"),
        ("patients.csv", b"patient_id,pfs_months,pfs_event\n", "the table has a header but no "
         "data rows"),
        ("patients.csv", b"patient_id,pfs_months,pfs_event\n,,\n\n", "the table has a header "
         "but no data rows"),
        ("patients.csv", b"patient_id,pfs\x00_months\nP01,3\n", "this looks like a binary file"),
        ("patients.csv", bytes(range(256)) * 4, "this looks like a binary file"),
        ("patients.csv", b"\xff\xfe" + "patient_id\x00\n".encode("utf-16-le"),
         "contains NUL characters"),
        ("patients.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
         "old Excel .xls file, which is not supported: save it as .xlsx or CSV"),
        ("patients.xlsx", _xlsx_cohort()[:1500], "damaged or truncated ZIP/XLSX archive"),
        ("patients.xlsx", b"PK\x03\x04" + os.urandom(64), "damaged or truncated ZIP/XLSX"),
        ("patients.parquet", b"PAR1" + b"\x01" * 50, "could not be read as a cohort table"),
        ("patients.sav", b"$FL2" + b"\x01" * 50, "could not be read as a cohort table"),
        ("patients.dta", b"<stata_dta><header>", "could not be read as a cohort table"),
        ("patients.csv", b"patient_id,pfs_months,pfs_event\nP01,3,1\nP02,4,1,extra\nP03,1,1\n",
         "the file is not a regular table: Expected 3 fields in line 3, saw 4"),
        ("patients.csv", b"\n\n\n", "the file is empty"),
    ],
    ids=["empty", "whitespace", "header-only", "header-and-blank-rows", "nul-byte",
         "random-bytes", "utf16-nul", "xls", "truncated-xlsx", "zip-garbage", "bad-parquet",
         "bad-sav", "bad-dta", "ragged", "blank-lines"],
)
def test_file_level_problems_are_one_clear_error_each(name, data, message):
    cohort, report = load_cohort([InputFile(name, data), InputFile("fragments.csv",
                                                                    _GOOD_FRAGMENTS)])
    assert cohort is None
    assert any(message in e.message for e in report.errors), _messages(report.issues)
    assert all(e.file in (name, "") for e in report.errors)
    assert isinstance(report.accounting, pd.DataFrame)


def test_random_bytes_are_refused_whatever_they_are():
    rng = np.random.default_rng(7)
    for _ in range(20):
        data = rng.integers(0, 256, size=int(rng.integers(1, 3000)), dtype=np.uint8).tobytes()
        cohort, report = load_cohort([InputFile("upload.csv", data)])
        assert cohort is None and report.errors


def test_a_file_over_max_bytes_is_refused_and_the_message_names_the_limit(canonical_csv):
    cohort, report = load_cohort(canonical_csv, max_bytes=200)
    assert cohort is None
    assert len(report.errors) == 2
    size = len(canonical_csv[0].data)
    assert f"the file is {size:,} bytes, over the limit of 200 bytes" in report.errors[0].message
    big = InputFile("patients.csv", b"x" * (3 * 1024 * 1024))
    _, report = load_cohort([big], max_bytes=2 * 1024 * 1024)
    assert "the file is 3 MB, over the limit of 2 MB" in report.errors[0].message
    _, report = load_cohort([InputFile("patients.csv", b"x" * 5000)], max_bytes=2048)
    assert "over the limit of 2 KB" in report.errors[0].message


def test_default_upload_limit_is_named_as_200_mb():
    from her2dash.ingest import DEFAULT_MAX_BYTES
    _, report = load_cohort([InputFile("p.csv", b"x" * (DEFAULT_MAX_BYTES + 1))])
    assert "over the limit of 200 MB" in report.errors[0].message


def test_file_errors_in_both_files_are_all_reported():
    cohort, report = load_cohort([InputFile("patients.csv", b""),
                                  InputFile("fragments.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 60)])
    assert cohort is None
    assert {e.file for e in report.errors} == {"patients.csv", "fragments.xls"}


# -- dates instead of times -------------------------------------------------------------------


def _months(later: str, earlier: str) -> float:
    return (dt.date.fromisoformat(later) - dt.date.fromisoformat(earlier)).days / DAYS_PER_MONTH


_DATED = pd.DataFrame({
    "patient_id": ["A", "B", "C", "D", "E"],
    "therapy_start": ["2016-01-10", "2016-02-01", "2016-03-01", "2016-04-01", "2016-05-01"],
    "progression_date": ["2016-06-10", "", "", "2016-09-01", ""],
    "death_date": ["2017-01-10", "", "2016-12-01", "", ""],
    "last_contact_date": ["2017-01-10", "2017-05-01", "2016-12-01", "2017-02-01", "2018-01-01"],
    "surgery_date": ["", "", "2016-06-01", "2016-07-01", ""],
})
_DATED_FRAGMENTS = pd.DataFrame({"patient_id": list("ABCDE"), "fragment_id": "1",
                                 "ihc_score": ["3+", "2+", "0", "3+", "1+"]})


def _expected_times(censor_at_surgery: bool, cutoff: str | None):
    """Hand-computed (pfs, pfs_event, os, os_event) per patient."""
    m = _months
    if cutoff is None:
        return {
            "A": (m("2016-06-10", "2016-01-10"), 1, m("2017-01-10", "2016-01-10"), 1),
            "B": (m("2017-05-01", "2016-02-01"), 0, m("2017-05-01", "2016-02-01"), 0),
            "C": ((m("2016-06-01", "2016-03-01"), 0) if censor_at_surgery
                  else (m("2016-12-01", "2016-03-01"), 1)) + (m("2016-12-01", "2016-03-01"), 1),
            "D": ((m("2016-07-01", "2016-04-01"), 0) if censor_at_surgery
                  else (m("2016-09-01", "2016-04-01"), 1)) + (m("2017-02-01", "2016-04-01"), 0),
            "E": (m("2018-01-01", "2016-05-01"), 0, m("2018-01-01", "2016-05-01"), 0),
        }
    assert cutoff == "2016-12-31" and not censor_at_surgery
    return {
        "A": (m("2016-06-10", "2016-01-10"), 1, m(cutoff, "2016-01-10"), 0),  # died after
        "B": (m(cutoff, "2016-02-01"), 0, m(cutoff, "2016-02-01"), 0),
        "C": (m("2016-12-01", "2016-03-01"), 1, m("2016-12-01", "2016-03-01"), 1),
        "D": (m("2016-09-01", "2016-04-01"), 1, m(cutoff, "2016-04-01"), 0),
        "E": (m(cutoff, "2016-05-01"), 0, m(cutoff, "2016-05-01"), 0),
    }


def _assert_times(cohort, expected) -> None:
    got = cohort.patients
    for pid, (pfs, pfs_e, os_, os_e) in expected.items():
        assert got.loc[pid, "pfs_months"] == pytest.approx(pfs), pid
        assert got.loc[pid, "pfs_event"] == pfs_e, pid
        assert got.loc[pid, "os_months"] == pytest.approx(os_), pid
        assert got.loc[pid, "os_event"] == os_e, pid


@pytest.mark.parametrize("censor", [True, False])
def test_times_are_derived_from_iso_dates_with_optional_censoring_at_surgery(censor):
    cohort, report = _load_frames(_DATED, _DATED_FRAGMENTS,
                                  dates=DateOptions(censor_pfs_at_surgery=censor))
    assert report.ok, _messages(report.errors)
    _assert_times(cohort, _expected_times(censor, None))
    info = _find(report.infos, text="PFS and OS were derived from dates")
    assert ("PFS censored at conversion surgery" if censor
            else "PFS not censored at conversion surgery") in info.message
    assert not any(c.endswith("_date") or c == "therapy_start" for c in cohort.patients.columns)


def test_data_cutoff_censors_later_events_and_follow_up():
    opts = DateOptions(data_cutoff=dt.date(2016, 12, 31), censor_pfs_at_surgery=False)
    cohort, report = _load_frames(_DATED, _DATED_FRAGMENTS, dates=opts)
    assert report.ok, _messages(report.errors)
    _assert_times(cohort, _expected_times(False, "2016-12-31"))
    assert "data cut-off 2016-12-31" in _find(report.infos, text="derived from dates").message


def test_a_patient_starting_after_the_cutoff_is_an_error_not_a_negative_time():
    pats = _DATED.copy()
    pats.loc[4, "therapy_start"] = "2017-03-01"
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS,
                                  dates=DateOptions(data_cutoff=dt.date(2016, 12, 31)))
    assert cohort is None
    err = _find(report.errors, row=6, text="cannot derive")
    assert "patient 'E'" in err.message and "after the data cut-off" in err.message


@pytest.mark.parametrize(
    "fmt", ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d", "%Y年%m月%d日"])
def test_date_text_formats_give_the_same_times(fmt):
    pats = _DATED.copy()
    for c in pats.columns.drop("patient_id"):
        d = pd.to_datetime(pats[c], format="%Y-%m-%d")
        pats[c] = d.dt.strftime(fmt).fillna("")
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS)
    assert report.ok, _messages(report.errors)
    _assert_times(cohort, _expected_times(True, None))


def test_xlsx_date_cells_give_the_same_times():
    pats = _DATED.copy()
    for c in pats.columns.drop("patient_id"):
        pats[c] = pd.to_datetime(pats[c], format="%Y-%m-%d")
    pats.loc[0, "death_date"] += pd.Timedelta(hours=13, minutes=30)  # a time of day is dropped
    data = xlsx_bytes(patients=pats, fragments=_DATED_FRAGMENTS)
    cohort, report = load_cohort([InputFile("cohort.xlsx", data)])
    assert report.ok, _messages(report.errors)
    _assert_times(cohort, _expected_times(True, None))
    # Typed date columns (Parquet) as well.
    files = [InputFile("patients.parquet", pats.to_parquet()),
             InputFile("fragments.parquet", _DATED_FRAGMENTS.to_parquet())]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    _assert_times(cohort, _expected_times(True, None))


def test_typed_dates_keep_their_local_day_and_out_of_range_years_are_refused():
    pats = pd.DataFrame({
        "patient_id": ["A", "B"],
        # 00:30 in Tokyo is the previous day in UTC: the local day is the one meant.
        "therapy_start": pd.to_datetime(["2016-01-10 00:30", "2016-02-01 00:00"])
        .tz_localize("Asia/Tokyo"),
        "last_contact_date": np.array(["2016-06-01", "3000-01-01"], dtype="datetime64[us]"),
    })
    frags = _DATED_FRAGMENTS.iloc[:2]
    files = [InputFile("patients.parquet", pats.to_parquet()),
             InputFile("fragments.parquet", frags.to_parquet())]
    cohort, report = load_cohort(files)
    assert cohort is None
    (err,) = report.errors  # year 3000 does not wrap around into 1830
    assert (err.row, err.column) == (2, "last_contact_date")
    assert err.message == "not a date in a known format" and err.value.startswith("3000-01-01")
    files = [InputFile("patients.parquet", pats.iloc[:1].to_parquet()),
             InputFile("fragments.parquet", frags.iloc[:1].to_parquet())]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert cohort.patients.loc["A", "os_months"] == pytest.approx(_months("2016-06-01",
                                                                          "2016-01-10"))


def test_date_cells_mixing_time_zones_and_text_in_one_column_are_read():
    from her2dash.values import parse_date

    cells = pd.Series([pd.Timestamp("2016-01-01 23:30", tz="Asia/Tokyo"),
                       dt.datetime(2016, 1, 2, 5), dt.date(2016, 1, 3), "2016-01-04",
                       dt.datetime(9999, 12, 31), pd.Period("2016-01"), None], dtype=object)
    p = parse_date(cells)
    assert [str(v)[:10] for v in p.values[:4]] == ["2016-01-01", "2016-01-02", "2016-01-03",
                                                   "2016-01-04"]
    assert p.bad.tolist() == [False] * 4 + [True, True, False]
    assert p.blank.tolist() == [False] * 6 + [True]


def test_ambiguous_slash_dates_are_refused():
    pats = _DATED.copy()
    pats.loc[0, "therapy_start"] = "03/04/2016"
    pats.loc[2, "death_date"] = "12/1/2016"
    pats.loc[3, "last_contact_date"] = "2017-02-30"
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS)
    assert cohort is None
    amb = _find(report.errors, row=2, column="therapy_start", text="ambiguous")
    assert amb.value == "03/04/2016" and "YYYY-MM-DD" in amb.expected
    assert "day" in amb.message and "month" in amb.message
    _find(report.errors, row=4, column="death_date", text="ambiguous")
    bad = _find(report.errors, row=5, column="last_contact_date", text="not a date")
    assert bad.value == "2017-02-30"
    assert len(report.errors) == 3


def test_event_dates_before_therapy_start_and_a_missing_start_are_errors():
    pats = _DATED.copy()
    pats.loc[1, "progression_date"] = "2015-12-31"
    pats.loc[3, "therapy_start"] = ""
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS)
    assert cohort is None
    err = _find(report.errors, row=3, text="cannot derive PFS for patient 'B'")
    assert "progression_date is before therapy_start" in err.message
    _find(report.errors, row=5, text="therapy_start is missing")
    status = _status(report, "patients.csv")
    assert status[3][0] == status[5][0] == ERROR and status[2][0] == KEPT


def test_given_times_win_over_dates():
    pats = _DATED.copy()
    pats["pfs_months"] = [1.0, 2.0, 3.0, 4.0, 5.0]
    pats["pfs_event"] = [1, 1, 0, 0, 1]
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS)
    assert report.ok, _messages(report.errors)
    assert cohort.patients["pfs_months"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert cohort.patients.loc["A", "os_months"] == pytest.approx(_months("2017-01-10",
                                                                          "2016-01-10"))
    _find(report.infos, text="PFS times were given, so they are used")


def test_dates_without_therapy_start_are_a_warning_and_unused():
    pats = _DATED.drop(columns=["therapy_start"])
    cohort, report = _load_frames(pats, _DATED_FRAGMENTS)
    assert report.ok
    _find(report.warnings, text="were given without therapy_start")
    assert "pfs_months" not in cohort.patients.columns


def test_very_long_cells_in_header_and_body_are_read():
    pats = canonical_patients().astype(object)
    pats.loc[0, "smoking"] = "y" * 300_000
    pats["x" * 200_000] = 1  # over the csv module's field size limit
    cohort, report = _load_frames(pats, canonical_fragments())
    assert report.ok, _messages(report.errors)
    assert len(cohort.patients.loc["P01", "smoking"]) == 300_000
    assert "read as text, utf-8, comma-separated" in report.infos[0].message


# -- % positive defaults ---------------------------------------------------------------------


def test_blank_pct_positive_defaults_to_100_for_2_3_plus_and_0_for_0_1_plus():
    frags = canonical_fragments().astype(object)
    blank = [0, 3, 4, 8, 13]  # 3+, 2+, 0, 1+, 2+
    frags.loc[blank, "pct_positive"] = ""
    cohort, report = _load_frames(canonical_patients(), frags)
    assert report.ok, _messages(report.errors)
    f = cohort.fragments
    assert f.loc[blank, "pct_positive"].tolist() == [100.0, 100.0, 0.0, 0.0, 100.0]
    assert f["pct_defaulted"].tolist() == [i in blank for i in range(15)]
    assert f.loc[1, "pct_positive"] == 80.0  # given values untouched
    info = _find(report.infos, column="pct_positive", text="% positive is blank on 5 "
                 "tumour-containing fragment(s): taken as 100 for 2+/3+ and 0 for 0/1+")
    assert info.file == "fragments.csv"


def test_missing_pct_positive_column_defaults_the_same_way():
    frags = canonical_fragments().drop(columns=["pct_positive"])
    cohort, report = _load_frames(canonical_patients(), frags)
    assert report.ok, _messages(report.errors)
    want = [100.0 if s in ("2+", "3+") else 0.0 for s in frags["ihc_score"]]
    want[5] = 0.0  # P02 F3 has no tumour
    assert cohort.fragments["pct_positive"].tolist() == want
    _find(report.infos, text="% positive column is absent on 14 tumour-containing fragment(s)")


def test_pct_positive_accepts_a_percent_sign_and_decimals():
    frags = canonical_fragments().astype(object)
    frags.loc[1, "pct_positive"] = "80 %"
    frags.loc[3, "pct_positive"] = "50.5%"
    cohort, report = _load_frames(canonical_patients(), frags)
    assert report.ok, _messages(report.errors)
    assert cohort.fragments.loc[[1, 3], "pct_positive"].tolist() == [80.0, 50.5]


# -- long table accounting -------------------------------------------------------------------


def test_long_table_accounting_has_one_line_per_fragment_row():
    pats, frags = canonical_patients(), canonical_fragments()
    long = frags.merge(pats, on="patient_id").astype(object)
    long.loc[long["patient_id"] == "P06", "tumor_present"] = 0  # rows 15, 16
    long.loc[len(long)] = [""] * long.shape[1]                   # row 17: empty
    long.loc[len(long)] = long.loc[0].tolist()                   # row 18: a copy of row 2
    long.loc[16, "fragment_id"] = "F9"                           # ... as a new fragment
    long.loc[len(long)] = long.loc[0].tolist()                   # row 19: a duplicate fragment
    long.loc[len(long)] = long.loc[0].tolist()                   # row 20
    long.loc[18, ["fragment_id", "ihc_score"]] = ["F10", "5+"]
    cohort, report = load_cohort([InputFile("long.csv", long.to_csv(index=False).encode())])
    assert cohort is None
    status = _status(report, "long.csv")
    assert len(status) == len(long) == 19
    assert status[17] == (LEFT_OUT, "empty row")
    assert status[7] == (UNUSED, "no tumour cells in this fragment")
    assert status[15][0] == status[16][0] == LEFT_OUT
    assert status[2][0] == status[19][0] == ERROR  # duplicate fragment P01 / F1
    assert status[20] == (ERROR, "ihc_score: not a HER2 IHC score")
    assert status[18] == (KEPT, "")
    _find(report.errors, row=20, column="ihc_score", text="not a HER2 IHC score")
    _find(report.errors, column="fragment_id", text="the same fragment_id appears twice")


# -- build_cohort and the report -------------------------------------------------------------


def test_build_cohort_reports_the_mapping_it_used(canonical_csv):
    raw, _ = read_files(canonical_csv)
    cohort, report = build_cohort(raw)
    assert report.ok and cohort is not None
    assert report.mapping.source_for("patients", "pfs_months") == "pfs_months"
    assert cohort.source == "patients.csv"


def test_row_summary_counts_rows_per_file_and_status():
    frags = canonical_fragments()
    frags.loc[14, "patient_id"] = "P99"
    _, report = _load_frames(canonical_patients(), frags)
    summary = report.row_summary().set_index(["file", "status"])["rows"].to_dict()
    assert summary == {("patients.csv", KEPT): 6, ("fragments.csv", KEPT): 13,
                       ("fragments.csv", UNUSED): 1, ("fragments.csv", LEFT_OUT): 1}
    assert ValidationReport(()).row_summary().empty


# -- no traceback, ever ---------------------------------------------------------------------

_HEADERS = ["patient_id", "fragment_id", "ihc_score", "pct_positive", "tumor_present",
            "pfs_months", "pfs_event", "os_months", "os_event", "best_response", "age", "sex",
            "therapy_start", "death_date", "last_contact_date", "HER2", "Patient", "note",
            " patient_id", "ihc_score ", "Unnamed: 2", "age.1"]
_CELLS = ["", " ", "P1", "P2", "F1", "0", "1", "1+", "2+", "3+", "100", "-5", "1e309", "inf",
          "NaN", "7,5", "yes", "no", "CR", "MR", "2016-01-01", "03/04/2016", '"', '""', "'",
          ",", ";", "\t", "|", "\n", "\r", "\x00", "x" * 5000, "年齢", "男性", "Müller",
          "\ufeff", "=1+1"]

_cell = st.one_of(st.sampled_from(_CELLS), st.text(max_size=8))
_row = st.lists(_cell, min_size=1, max_size=6)


@st.composite
def _csvish(draw) -> bytes:
    header = draw(st.lists(st.one_of(st.sampled_from(_HEADERS), _cell), min_size=1, max_size=6))
    rows = draw(st.lists(_row, max_size=8))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = "\n".join(delim.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932", "latin-1"]))
    return text.encode(encoding, errors="replace")


def _check_never_raises(files: list[InputFile]) -> None:
    cohort, report = load_cohort(files)  # must not raise
    assert isinstance(report, ValidationReport)
    for i in report.issues:
        assert i.severity in ("error", "warning", "info") and i.message
        i.describe()
    acc = report.accounting
    assert set(acc["status"]) <= FATES
    assert ((acc["status"] == KEPT) == (acc["reason"] == "")).all()  # a reason for every fate
    if report.ok:
        assert cohort is not None
        raw, _ = read_files(files)
        want = sorted((t.label, int(r)) for t in raw.tables for r in t.row_numbers)
        got = sorted(zip(report.accounting["file"], report.accounting["row"].astype(int),
                         strict=True))
        assert got == want
    else:
        assert cohort is None


_FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _valid_files() -> list[bytes]:
    """A patients table in every binary format, for damaging."""
    pats = canonical_patients()
    out = [xlsx_bytes(patients=pats, fragments=canonical_fragments()), pats.to_parquet()]
    for write in (lambda f: pats.astype({"visceral_metastasis": int, "platinum": int})
                  .to_stata(f, write_index=False),
                  lambda f: pats.astype({"visceral_metastasis": int, "platinum": int})
                  .to_stata(f, write_index=False, version=118)):
        buf = io.BytesIO()
        write(buf)
        out.append(buf.getvalue())
    return out


_MAGIC = [b"", b"PK\x03\x04", b"PAR1", b"$FL2", b"<stata_dta>", b"\x72\x02", b"\xd0\xcf\x11\xe0",
          codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"patient_id,fragment_id,ihc_score\n"]


@st.composite
def _damaged(draw) -> bytes:
    """A valid XLSX/Parquet/Stata file, truncated and with some bytes overwritten."""
    data = bytearray(draw(st.sampled_from(_VALID_FILES)))
    cut = draw(st.integers(0, len(data)))
    data = data[:cut] if draw(st.booleans()) else data
    for pos, byte in draw(st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)),
                                   max_size=4)):
        if data:
            data[pos % len(data)] = byte
    return bytes(data)


_VALID_FILES = _valid_files()
_bytes = st.one_of(st.binary(max_size=3000),
                   st.builds(bytes.__add__, st.sampled_from(_MAGIC), st.binary(max_size=500)),
                   _damaged())


@_FUZZ
@given(data=_bytes, name=st.sampled_from(["up.csv", "up.xlsx", "up.tsv", "up.parquet",
                                          "patients.csv"]))
def test_arbitrary_bytes_never_raise(data, name):
    _check_never_raises([InputFile(name, data)])
    _check_never_raises([InputFile("fragments.csv", _GOOD_FRAGMENTS), InputFile(name, data)])


@_FUZZ
@given(patients=_csvish(), fragments=_csvish(), single=st.booleans())
def test_arbitrary_csvish_text_never_raises(patients, fragments, single):
    if single:
        _check_never_raises([InputFile("cohort.csv", patients)])
    else:
        _check_never_raises([InputFile("patients.csv", patients),
                             InputFile("fragments.csv", fragments)])


@_FUZZ
@given(cells=st.lists(st.tuples(st.sampled_from(["patients", "fragments"]),
                                st.integers(0, 14), st.integers(0, 13), _cell), max_size=6),
       long=st.booleans())
def test_canonical_cohort_with_random_cells_never_raises_and_accounts_for_rows(cells, long):
    pats = canonical_patients().astype(object)
    frags = canonical_fragments().astype(object)
    for table, row, col, value in cells:
        frame = pats if table == "patients" else frags
        frame.iat[row % len(frame), col % frame.shape[1]] = value
    if long:
        table = frags.merge(pats, on="patient_id", how="left")
        _check_never_raises([InputFile("long.csv", table.to_csv(index=False).encode())])
    else:
        _check_never_raises(csv_pair(pats, frags))

"""Ingestion: every supported file format, encoding and delimiter round-trips the cohort."""

from __future__ import annotations

import codecs
import io

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import (
    assert_cohort_equals,
    canonical_fragments,
    canonical_patients,
    csv_pair,
    xlsx_bytes,
)

from her2dash.ingest import InputFile, decode_text, read_files, sniff_format
from her2dash.validate import load_cohort


def _infos(report) -> list[str]:
    return [i.message for i in report.infos]


def _messages(issues) -> str:
    return "\n".join(i.describe() for i in issues)


def _long_table(patients: pd.DataFrame, fragments: pd.DataFrame) -> pd.DataFrame:
    return fragments.merge(patients, on="patient_id", how="left")


def _ints_for_bools(frame: pd.DataFrame) -> pd.DataFrame:
    """SPSS and Stata have no boolean type: exports hold 1/0."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].astype(int)
    return out


# -- two CSV tables ---------------------------------------------------------------------------


def test_two_utf8_csv_files_round_trip_every_value_and_keep_user_covariates(canonical_csv):
    cohort, report = load_cohort(canonical_csv)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, canonical_patients(), canonical_fragments())
    assert set(cohort.covariates) == {"smoking", "bmi"}
    assert cohort.patients["bmi"].dtype == float
    assert str(cohort.patients["visceral_metastasis"].dtype) == "boolean"
    assert "read as text, utf-8, comma-separated" in _infos(report)


def test_file_order_does_not_matter_roles_come_from_names_and_columns(patients_df, fragments_df):
    pats, frags = csv_pair(patients_df, fragments_df)
    cohort, report = load_cohort([frags, pats])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, patients_df, fragments_df)
    # Unhelpful names: the table with an IHC score column is the fragments table.
    anon = [InputFile("export_a.csv", frags.data), InputFile("export_b.csv", pats.data)]
    cohort, report = load_cohort(anon)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, patients_df, fragments_df)


def _latin1_patients() -> pd.DataFrame:
    pats = canonical_patients()
    pats["surgeon"] = ["Müller", "Léa Dupré", "Müller", "Ångström", "Núñez", "Café"]
    return pats


def _japanese_patients() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(as written, as expected back): a 年齢 age header, 男性/女性 sex and a Japanese covariate."""
    pats = canonical_patients()
    pats["施設"] = ["東京大学病院", "大阪", "京都", "東京大学病院", "名古屋", "福岡"]
    written = pats.rename(columns={"age": "年齢"}).assign(
        sex=pats["sex"].map({"M": "男性", "F": "女性"}))
    return written, pats


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
     ("cp932", "cp932"), ("shift_jis", "cp932"), ("latin-1", "latin-1")],
)
def test_csv_encodings_are_detected_and_round_trip(encoding, detected):
    frags = canonical_fragments()
    if encoding in ("cp932", "shift_jis", "utf-8", "utf-8-sig", "utf-16"):
        written, expected = _japanese_patients()
        if encoding in ("utf-8", "utf-8-sig", "utf-16"):  # these carry Latin text as well
            written["surgeon"] = expected["surgeon"] = _latin1_patients()["surgeon"]
    else:
        written = expected = _latin1_patients()
    files = csv_pair(written, frags, encoding=encoding)
    if encoding == "utf-16":
        assert files[0].data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, expected, frags)
    assert f"read as text, {detected}, comma-separated" in _infos(report)
    info = next(i for i in report.infos if i.file == "patients.csv")
    assert detected in info.describe()


def test_decode_text_tells_latin1_from_cp932():
    assert decode_text("name\nMüller\nJosé\n".encode("latin-1"))[1] == "latin-1"
    assert decode_text("性別\n男性\n女性\n".encode("cp932"))[1] == "cp932"
    assert decode_text(codecs.BOM_UTF8 + b"a,b\n")[1] == "utf-8-sig"
    assert decode_text(b"a,b\n", "latin-1") == ("a,b\n", "latin-1")


def test_a_forced_wrong_encoding_is_an_error_not_a_traceback(canonical_csv):
    jp, _ = _japanese_patients()
    files = csv_pair(jp, canonical_fragments(), encoding="cp932")
    cohort, report = load_cohort(files, encoding="ascii")
    assert cohort is None
    assert any("cannot be decoded as ascii" in e.message for e in report.errors)
    cohort, report = load_cohort(canonical_csv, encoding="no-such-codec")
    assert cohort is None
    assert any("no-such-codec" in e.message for e in report.errors)


@pytest.mark.parametrize(
    ("sep", "suffix", "name"),
    [(",", ".csv", "comma"), (";", ".csv", "semicolon"), ("\t", ".csv", "tab"),
     ("\t", ".tsv", "tab"), ("|", ".csv", "pipe"), ("|", ".txt", "pipe")],
)
def test_delimiters_are_detected_and_round_trip(sep, suffix, name):
    pats, frags = canonical_patients(), canonical_fragments()
    files = csv_pair(pats, frags, suffix=suffix, sep=sep)
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert f"read as text, utf-8, {name}-separated" in _infos(report)


def test_tsv_suffix_forces_tab_even_when_cells_hold_commas():
    pats, frags = canonical_patients(), canonical_fragments()
    pats["comment"] = ["a, b, c", "x", "y, z", "", "q", "r, s, t, u"]
    files = csv_pair(pats, frags, suffix=".tsv", sep="\t")
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert cohort.patients.loc["P06", "comment"] == "r, s, t, u"
    assert cohort.patients.loc["P04", "comment"] is None


def test_decimal_comma_in_a_semicolon_file_reads_7_5_as_seven_and_a_half():
    pats, frags = canonical_patients(), canonical_fragments()
    pats.loc[0, "pfs_months"] = 7.5
    frags.loc[1, "pct_positive"] = 62.5
    files = csv_pair(pats, frags, sep=";", decimal=",")
    assert b"7,5;" in files[0].data and b";62,5" in files[1].data
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert cohort.patients.loc["P01", "pfs_months"] == 7.5
    assert cohort.patients.loc["P03", "bmi"] == 27.25  # a user covariate too
    assert "read as text, utf-8, semicolon-separated, decimal comma" in _infos(report)


def test_comma_file_never_reads_decimal_commas():
    text = b'patient_id,pfs_months,pfs_event\nP01,"7,5",1\n'
    frags = canonical_fragments().query("patient_id == 'P01'").to_csv(index=False).encode()
    cohort, report = load_cohort([InputFile("patients.csv", text),
                                  InputFile("fragments.csv", frags)])
    assert cohort is None
    (err,) = report.errors
    assert err.message == "not a number" and err.value == "7,5" and err.row == 2


@pytest.mark.parametrize(
    ("yes", "no"),
    [("yes", "no"), ("1", "0"), ("true", "false"), ("Y", "N"), ("TRUE", "FALSE"),
     ("Yes", "No"), ("y", "n"), ("T", "F")],
)
def test_yes_no_spellings_become_booleans(yes, no):
    pats, frags = canonical_patients(), canonical_fragments()
    written_p = pats.copy()
    written_f = frags.copy()
    for col in ("visceral_metastasis", "platinum"):
        written_p[col] = np.where(pats[col], yes, no)
    written_f["tumor_present"] = np.where(frags["tumor_present"] == 1, yes, no)
    cohort, report = load_cohort(csv_pair(written_p, written_f))
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_missing_value_tokens_are_blank_not_values():
    pats, frags = canonical_patients(), canonical_fragments()
    written = pats.astype(object)
    written.loc[5, "best_pct_change"] = "NA"
    written.loc[0, "bmi"] = "#N/A"
    written.loc[1, "smoking"] = "null"
    cohort, report = load_cohort(csv_pair(written, frags))
    assert report.ok, _messages(report.errors)
    assert np.isnan(cohort.patients.loc["P06", "best_pct_change"])
    assert np.isnan(cohort.patients.loc["P01", "bmi"])
    assert cohort.patients.loc["P02", "smoking"] is None


# -- typed formats ---------------------------------------------------------------------------


def _excel_fragments(frags: pd.DataFrame) -> pd.DataFrame:
    """Excel users type 0 as a number and 3+ as text: one column, mixed cell types."""
    out = frags.copy().astype({"ihc_score": object})
    out["ihc_score"] = [0 if s == "0" else s for s in frags["ihc_score"]]
    return out


def test_xlsx_workbook_with_patients_and_fragments_sheets_round_trips():
    pats, frags = canonical_patients(), canonical_fragments()
    data = xlsx_bytes(patients=pats, fragments=_excel_fragments(frags))
    assert sniff_format(InputFile("cohort.xlsx", data)) == "xlsx"
    cohort, report = load_cohort([InputFile("cohort.xlsx", data)])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert set(cohort.covariates) == {"smoking", "bmi"}
    # Sheet rows are numbered as Excel shows them: header row 1, data from row 2.
    acc = report.accounting
    assert acc["file"].unique().tolist() == ["cohort.xlsx › patients", "cohort.xlsx › fragments"]
    assert acc.loc[acc["file"] == "cohort.xlsx › fragments", "row"].tolist() == list(range(2, 17))


def test_xlsx_sheet_order_and_an_extra_notes_sheet_do_not_matter():
    pats, frags = canonical_patients(), canonical_fragments()
    notes = pd.DataFrame({"note": ["exported 2024-01-01"]})
    data = xlsx_bytes(readme=notes, fragments=frags, patients=pats)
    cohort, report = load_cohort([InputFile("cohort.xlsx", data)])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert any("readme" in m and "was ignored" in m for m in _infos(report))


def test_xlsx_one_sheet_per_file_round_trips():
    pats, frags = canonical_patients(), canonical_fragments()
    files = [InputFile("clinical.xlsx", xlsx_bytes(Sheet1=pats)),
             InputFile("ihc.xlsx", xlsx_bytes(Sheet1=_excel_fragments(frags)))]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_parquet_round_trips():
    pats, frags = canonical_patients(), canonical_fragments()
    files = [InputFile("patients.parquet", pats.to_parquet(index=False)),
             InputFile("fragments.parquet", frags.to_parquet(index=False))]
    assert sniff_format(files[0]) == "parquet"
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_parquet_with_numeric_ids_and_nullable_types_round_trips():
    pats, frags = canonical_patients(), canonical_fragments()
    ids = {f"P0{i}": i for i in range(1, 7)}
    pats["patient_id"] = pats["patient_id"].map(ids)
    frags["patient_id"] = frags["patient_id"].map(ids).astype(float)  # 1.0 matches 1
    pats["platinum"] = pd.array([True, None, False, True, True, False], dtype="boolean")
    pats["pfs_event"] = pd.array([1, 0, 1, 1, 0, 1], dtype="Int64")
    files = [InputFile("patients.parquet", pats.to_parquet(index=False)),
             InputFile("fragments.parquet", frags.to_parquet(index=False))]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert list(cohort.patients.index) == ["1", "2", "3", "4", "5", "6"]
    assert cohort.fragments["patient_id"].tolist()[:3] == ["1", "1", "1"]
    assert cohort.patients["platinum"].isna().tolist() == [False, True, False, False, False,
                                                            False]
    assert cohort.patients["pfs_event"].tolist() == [1, 0, 1, 1, 0, 1]


def test_spss_sav_round_trips(tmp_path):
    pats, frags = canonical_patients(), canonical_fragments()
    for name, frame in (("patients", pats), ("fragments", frags)):
        pyreadstat.write_sav(_ints_for_bools(frame), str(tmp_path / f"{name}.sav"))
    files = [InputFile.from_path(tmp_path / "patients.sav"),
             InputFile.from_path(tmp_path / "fragments.sav")]
    assert sniff_format(files[0]) == "sav"
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_spss_value_labels_are_applied(tmp_path):
    pats, frags = canonical_patients(), canonical_fragments()
    coded = _ints_for_bools(pats)
    coded["sex"] = coded["sex"].map({"M": 1, "F": 2})
    path = tmp_path / "patients.sav"
    pyreadstat.write_sav(coded, str(path), variable_value_labels={"sex": {1: "male", 2: "female"}})
    pyreadstat.write_sav(frags, str(tmp_path / "fragments.sav"))
    files = [InputFile.from_path(path), InputFile.from_path(tmp_path / "fragments.sav")]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_stata_dta_round_trips(tmp_path):
    pats, frags = canonical_patients(), canonical_fragments()
    for name, frame in (("patients", pats), ("fragments", frags)):
        _ints_for_bools(frame).to_stata(tmp_path / f"{name}.dta", write_index=False)
    files = [InputFile.from_path(tmp_path / "patients.dta"),
             InputFile.from_path(tmp_path / "fragments.dta")]
    assert sniff_format(files[0]) == "dta"
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_stata_117_format_and_labelled_values_round_trip(tmp_path):
    pats, frags = canonical_patients(), canonical_fragments()
    path = tmp_path / "patients.dta"
    coded = _ints_for_bools(pats)
    coded["sex"] = pd.Categorical(pats["sex"].map({"M": "male", "F": "female"}))
    coded.to_stata(path, write_index=False, version=117)
    frags.to_stata(tmp_path / "fragments.dta", write_index=False, version=117)
    files = [InputFile.from_path(path), InputFile.from_path(tmp_path / "fragments.dta")]
    assert sniff_format(files[0]) == "dta"
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_mixed_formats_patients_xlsx_fragments_csv():
    pats, frags = canonical_patients(), canonical_fragments()
    files = [InputFile("patients.xlsx", xlsx_bytes(patients=pats)),
             InputFile("fragments.csv", frags.to_csv(index=False, sep=";").encode("cp932"))]
    cohort, report = load_cohort(files)
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)


def test_columns_that_collide_once_trimmed_are_kept_apart():
    pats, frags = canonical_patients(), canonical_fragments()
    pats["age "] = 99.0  # "age" and "age " are one name once trimmed
    frags[" ihc_score"] = "0"
    for files in (csv_pair(pats, frags),
                  [InputFile("c.xlsx", xlsx_bytes(patients=pats, fragments=frags))]):
        cohort, report = load_cohort(files)
        assert report.ok, _messages(report.errors)
        assert_cohort_equals(cohort, pats.drop(columns=["age "]),
                             frags.drop(columns=[" ihc_score"]))
        assert cohort.patients["age.1"].tolist() == [99.0] * 6


def test_xlsx_empty_named_column_is_blank_cells_and_empty_unnamed_columns_are_dropped():
    pats, frags = canonical_patients(), canonical_fragments()
    pats["pfs_event"] = np.nan  # header present, every cell blank
    pats.insert(3, "", np.nan)  # an unnamed, empty column between the data
    data = xlsx_bytes(patients=pats, fragments=frags)
    assert "Unnamed: 3" in pd.read_excel(io.BytesIO(data), sheet_name="patients").columns
    raw, _ = read_files([InputFile("c.xlsx", data)])
    assert "pfs_event" in raw.patients.frame.columns
    assert not [c for c in raw.patients.frame.columns if c.startswith("Unnamed")]
    cohort, report = load_cohort([InputFile("c.xlsx", data)])
    # The same errors as the CSV: each row has a time without its event.
    assert cohort is None
    assert [e.row for e in report.errors] == [2, 3, 4, 5, 6, 7]
    assert {e.message for e in report.errors} == {"only one of pfs_months and pfs_event is given"}


# -- one long table --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_long_table_is_split_into_patients_and_fragments(fmt):
    pats, frags = canonical_patients(), canonical_fragments()
    long = _long_table(pats, frags)
    data = {"csv": lambda: long.to_csv(index=False).encode(),
            "xlsx": lambda: xlsx_bytes(Sheet1=long),
            "parquet": lambda: long.to_parquet(index=False)}[fmt]()
    cohort, report = load_cohort([InputFile(f"cohort.{fmt}", data)])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert set(cohort.covariates) == {"smoking", "bmi"}
    assert any(m.startswith("one long table") for m in _infos(report))
    assert len(report.accounting) == len(long)


def test_long_table_blank_patient_cells_on_later_rows_are_not_a_disagreement():
    pats, frags = canonical_patients(), canonical_fragments()
    long = _long_table(pats, frags).astype(object)
    later = long["patient_id"].duplicated().to_numpy()
    patient_cols = [c for c in pats.columns if c != "patient_id"]
    long.loc[later, patient_cols] = ""
    cohort, report = load_cohort([InputFile("cohort.csv", long.to_csv(index=False).encode())])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert not [m for m in _infos(report) if "differs between rows" in m]


def test_long_table_disagreeing_patient_columns_are_errors_naming_patient_rows_values():
    pats, frags = canonical_patients(), canonical_fragments()
    long = _long_table(pats, frags).astype(object)
    # P03 is on file rows 8 and 9 (header = row 1); P05 on rows 12-14.
    long.loc[long["patient_id"] == "P03", "age"] = [58, 59]
    long.loc[long["patient_id"] == "P05", "sex"] = ["F", "F", "M"]
    long.loc[long["patient_id"] == "P05", "visceral_metastasis"] = ["no", "No", "FALSE"]
    cohort, report = load_cohort([InputFile("cohort.csv", long.to_csv(index=False).encode())])
    assert cohort is None
    errors = {e.column: e for e in report.errors}
    assert set(errors) == {"age", "sex"}, _messages(report.errors)  # no vs No vs FALSE agree
    age = errors["age"]
    assert "patient 'P03'" in age.message and "(rows 8, 9)" in age.message
    assert "58" in age.value and "59" in age.value
    assert age.expected == "one value per patient"
    sex = errors["sex"]
    assert "patient 'P05'" in sex.message and "(rows 12, 13, 14)" in sex.message
    assert sex.value == "F vs M"
    acc = report.accounting
    assert acc.loc[acc["row"].isin([8, 9, 12, 13, 14]), "status"].eq("error").all()
    assert acc.loc[~acc["row"].isin([8, 9, 12, 13, 14]), "status"].ne("error").all()


def test_long_table_user_column_varying_within_a_patient_is_info_not_covariate():
    pats, frags = canonical_patients(), canonical_fragments()
    long = _long_table(pats, frags)
    long["stain_batch"] = [f"B{i % 4}" for i in range(len(long))]
    long["site_code"] = long["patient_id"].str.lower()  # constant within patient: kept
    cohort, report = load_cohort([InputFile("cohort.csv", long.to_csv(index=False).encode())])
    assert report.ok, _messages(report.errors)
    (info,) = [i for i in report.infos if "differs between rows" in i.message]
    assert info.column == "stain_batch"
    assert "not used as a covariate" in info.message
    assert "stain_batch" not in cohort.covariates
    assert "stain_batch" not in cohort.patients.columns
    assert "site_code" in cohort.covariates
    assert cohort.patients.loc["P04", "site_code"] == "p04"


def test_long_table_with_unusual_headers_and_her2_column_reads_as_ihc_score():
    pats, frags = canonical_patients(), canonical_fragments()
    long = _long_table(pats, frags).rename(columns={
        "patient_id": "Patient ID", "fragment_id": "Biopsy No", "ihc_score": "HER2",
        "pct_positive": "% positive", "pfs_months": "PFS (months)"})
    cohort, report = load_cohort([InputFile("cohort.csv", long.to_csv(index=False).encode())])
    assert report.ok, _messages(report.errors)
    assert_cohort_equals(cohort, pats, frags)
    assert report.mapping.source_for("fragments", "ihc_score") == "HER2"
    assert report.mapping.source_for("patients", "her2_status") is None


# -- read_files directly ----------------------------------------------------------------------


def test_read_files_returns_raw_tables_with_spreadsheet_row_numbers(canonical_csv):
    raw, issues = read_files(canonical_csv)
    assert raw is not None and raw.long is None
    assert raw.patients.label == "patients.csv" and raw.fragments.label == "fragments.csv"
    assert raw.patients.row_numbers.tolist() == [2, 3, 4, 5, 6, 7]
    assert raw.fragments.frame.shape == (15, 5)
    assert [i.severity for i in issues] == ["info", "info"]


def test_three_files_are_refused_with_a_message():
    files = csv_pair(canonical_patients(), canonical_fragments())
    files.append(InputFile("more.csv", files[1].data))
    raw, issues = read_files(files)
    assert raw is None
    assert any("found 3 tables" in i.message for i in issues)


def test_two_patients_tables_are_refused_as_ambiguous_roles():
    pats = canonical_patients().to_csv(index=False).encode()
    raw, issues = read_files([InputFile("a.csv", pats), InputFile("b.csv", pats)])
    assert raw is None
    assert any("could not tell which" in i.message for i in issues)


def test_a_patients_table_alone_asks_for_fragments():
    pats = canonical_patients().to_csv(index=False).encode()
    cohort, report = load_cohort([InputFile("patients.csv", pats)])
    assert cohort is None
    assert "only a patients table was found; a fragments table is needed" in (
        report.errors[0].message)
    assert len(report.accounting) == 0


def test_no_files_is_an_error():
    cohort, report = load_cohort([])
    assert cohort is None
    assert "No file was given" in report.errors[0].message

"""her2dash/privacy.py and the upload page's privacy controls: identifying-looking columns are
found by header and by value, dropped columns never reach the cohort or the analysis, the URL
holds settings only, and "Clear data" forgets the upload."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from her2dash.analysis import analyze
from her2dash.ingest import InputFile, read_files
from her2dash.privacy import drop_columns, header_kind, identifying_columns
from her2dash.results import to_jsonable
from her2dash.settings import Settings
from her2dash.validate import auto_mapping, build_cohort
from tests.conftest import canonical_fragments, canonical_patients, csv_pair

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NAMES = ["Taro Yamada", "Alice Smith", "John Doe", "Maria Garcia", "Ken Watanabe", "Anna Berg"]


def _raw(patients: pd.DataFrame):
    raw, issues = read_files(csv_pair(patients, canonical_fragments()))
    assert raw is not None, issues
    return raw


def _found(patients: pd.DataFrame) -> dict[str, str]:
    raw = _raw(patients)
    return {c.column: c.kind for c in identifying_columns(raw, auto_mapping(raw))}


@pytest.mark.parametrize("header, kind", [
    ("Patient name", "name"), ("first_name", "name"), ("Last Name", "name"), ("氏名", "name"),
    ("患者名", "name"), ("MRN", "record number"), ("Medical record no.", "record number"),
    ("Hospital number", "record number"), ("カルテ番号", "record number"),
    ("NHS number", "record number"), ("Date of birth", "birth date"), ("DOB", "birth date"),
    ("birth_date", "birth date"), ("生年月日", "birth date"), ("Phone", "contact"),
    ("Address", "contact"), ("e-mail", "contact"),
])
def test_identifying_headers(header, kind):
    assert header_kind(header) == kind


@pytest.mark.parametrize("header", ["smoking", "drug name", "age", "bmi", "primary_site"])
def test_harmless_headers(header):
    assert header_kind(header) is None


def test_a_column_of_names_is_found_by_its_values():
    patients = canonical_patients().assign(col_x=NAMES)
    assert _found(patients) == {"col_x": "name"}


def test_japanese_names_are_found_by_their_values():
    patients = canonical_patients().assign(
        col_x=["山田 太郎", "佐藤 花子", "鈴木 一郎", "田中 美咲", "高橋 健", "伊藤 愛"])
    assert _found(patients) == {"col_x": "name"}


@pytest.mark.parametrize("dates", [
    ["1950-03-12", "1948-11-02", "1962-07-30", "1939-01-15", "1971-12-01", "1955-05-05"],
    ["12/03/1950", "02/11/1948", "30/07/1962", "15/01/1939", "01/12/1971", "05/05/1955"],
    ["1950年3月12日", "1948年11月2日", "1962年7月30日", "1939年1月15日", "1971年12月1日",
     "1955年5月5日"],
], ids=["iso", "day-first", "japanese"])
def test_birth_dates_are_found_in_any_column(dates):
    assert _found(canonical_patients().assign(v1=dates)) == {"v1": "birth date"}


def test_record_numbers_unique_per_patient_are_found():
    patients = canonical_patients().assign(
        ref=["00123456", "00987654", "00555123", "00444987", "00333111", "00222000"])
    assert _found(patients) == {"ref": "record number"}


def test_a_repeated_number_is_not_a_record_number():
    patients = canonical_patients().assign(batch=["20240101"] * 3 + ["20240202"] * 3)
    assert _found(patients) == {}


def test_the_canonical_cohort_with_smoking_is_not_flagged():
    assert _found(canonical_patients()) == {}


def test_an_identifying_patient_id_is_reported_but_not_droppable():
    patients = canonical_patients()
    patients["patient_id"] = ["1234567", "2345678", "3456789", "4567890", "5678901", "6789012"]
    fragments = canonical_fragments()
    fragments["patient_id"] = fragments["patient_id"].map(
        dict(zip(canonical_patients()["patient_id"], patients["patient_id"], strict=True)))
    raw, _ = read_files(csv_pair(patients, fragments))
    found = identifying_columns(raw, auto_mapping(raw))
    assert {(c.table, c.column, c.droppable) for c in found} == {
        ("patients", "patient_id", False), ("fragments", "patient_id", False)}
    assert all("pseudonym" in c.reason for c in found)


def test_dropped_columns_never_reach_the_cohort_or_the_analysis():
    patients = canonical_patients().assign(**{"Patient name": NAMES, "DOB": [
        "1950-03-12", "1948-11-02", "1962-07-30", "1939-01-15", "1971-12-01", "1955-05-05"]})
    raw = _raw(patients)
    found = identifying_columns(raw, auto_mapping(raw))
    assert {(c.table, c.column) for c in found} == {("patients", "Patient name"),
                                                     ("patients", "DOB")}
    kept = drop_columns(raw, [(c.table, c.column) for c in found])
    assert "DOB" in raw.patients.frame.columns  # the input is left as it was
    cohort, report = build_cohort(kept, auto_mapping(kept))
    assert cohort is not None, report
    assert "Patient name" not in cohort.covariates and "DOB" not in cohort.covariates
    assert "smoking" in cohort.covariates
    clean, _ = build_cohort(_raw(canonical_patients()))
    assert cohort.fingerprint == clean.fingerprint
    text = json.dumps(to_jsonable(analyze(cohort, Settings())), ensure_ascii=False)
    assert "Patient name" not in text and "DOB" not in text and "Yamada" not in text


def test_drop_columns_on_a_long_table():
    long = canonical_fragments().merge(canonical_patients(), on="patient_id")
    long["name"] = long["patient_id"].map(dict(zip(canonical_patients()["patient_id"], NAMES,
                                                   strict=True)))
    raw, _ = read_files([InputFile("cohort.csv", long.to_csv(index=False).encode())])
    assert raw is not None and raw.long is not None
    found = identifying_columns(raw, auto_mapping(raw))
    assert [(c.table, c.column) for c in found] == [("long", "name")]
    assert "name" not in drop_columns(raw, [("long", "name")]).long.frame.columns


# -- the upload page (AppTest) -------------------------------------------------------------
def _upload_with_identifiers() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    patients = canonical_patients().assign(**{"Patient name": NAMES, "DOB": [
        "12.03.1950", "02.11.1948", "30.07.1962", "15.01.1939", "01.12.1971", "05.05.1955"]})
    files = csv_pair(patients, canonical_fragments())
    at.file_uploader(key="upload.files").set_value(
        [(f.name, f.data, "text/csv") for f in files]).run()
    assert not at.exception
    return at


def test_the_page_warns_and_drops_identifying_columns_before_analysis():
    at = _upload_with_identifiers()
    warning = next(w.value for w in at.warning if "identify patients" in w.value)
    assert "Patient name" in warning and "DOB" in warning
    assert set(at.multiselect(key="upload.drop").value) == {("patients", "Patient name"),
                                                            ("patients", "DOB")}
    at.button(key="upload.use").click().run()
    assert not at.exception
    cohort = at.session_state["cohort"]
    assert cohort.synthetic is False
    assert {"Patient name", "DOB"}.isdisjoint(cohort.patients.columns)
    assert {"Patient name", "DOB"}.isdisjoint(cohort.covariates)
    # The URL holds the settings only: no patient ids, names or dates.
    params = dict(at.query_params)
    url = json.dumps(params, ensure_ascii=False)
    assert set(params) <= set(Settings().to_query_params())
    for value in [*NAMES, "P01", "1950", cohort.fingerprint]:
        assert value not in url


def test_clear_data_returns_to_the_demo_and_forgets_the_upload():
    at = _upload_with_identifiers()
    at.button(key="upload.use").click().run()
    uploaded = at.session_state["cohort"]
    assert uploaded.synthetic is False
    at.button(key="upload.clear").click().run()
    assert not at.exception
    assert at.session_state["cohort"].synthetic is True
    assert "Synthetic demo cohort" in at.info[0].value
    state = at.session_state.to_dict()
    assert not any(v for k, v in state.items()  # only the new, empty uploader is left
                   if str(k).startswith("upload.") and k != "upload.clear")
    assert all(v is not uploaded for v in state.values())
    assert not at.file_uploader[0].value  # a fresh, empty uploader
    assert not at.main.multiselect  # no leftover column warning

"""Hospital exports as they really come (issue 10 §4): full-width text, Japanese headers and
labels, era dates, Excel serial dates, UTF-16 files, score and percent text, and free-text
fragment descriptions. Every coercion is listed with its original; an ambiguous value is an
error that says what was expected."""

from __future__ import annotations

import codecs
import io
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from her2dash.dates import DAYS_PER_MONTH, era_to_date, excel_serial_to_date
from her2dash.ingest import InputFile, utf16_without_bom
from her2dash.validate import load_cohort
from her2dash.values import (
    ParseOptions,
    parse_date,
    parse_description,
    parse_id,
    parse_number,
    parse_score,
)
from tests.conftest import (
    assert_cohort_equals,
    canonical_fragments,
    canonical_patients,
    csv_pair,
)

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _find(issues, text: str):
    found = [i for i in issues if text in i.message]
    assert found, f"no issue containing {text!r}: {[i.message for i in issues]}"
    return found[0]


def _one(values: list[object], parse=parse_score, **kwargs):
    return parse(pd.Series(values, dtype=object), **kwargs)


# -- full-width text ----------------------------------------------------------------------------


def test_full_width_cells_are_read_and_each_coercion_names_its_original():
    frags = canonical_fragments().astype({"pct_positive": object})
    frags.loc[0, "ihc_score"] = "３＋"
    frags.loc[1, "pct_positive"] = "８０％"
    frags.loc[1, "patient_id"] = "Ｐ０１"
    cohort, report = load_cohort(csv_pair(canonical_patients(), frags))
    assert report.ok, [i.describe() for i in report.errors]
    assert_cohort_equals(cohort, canonical_patients(), canonical_fragments())
    score = _find(report.infos, "'３＋' read as 3+ (full-width characters normalised)")
    assert (score.file, score.row, score.column) == ("fragments.csv", 2, "ihc_score")
    _find(report.infos, "'８０％' read as 80 (full-width characters normalised, % sign dropped)"
                        ": 1 cell (rows 3)")
    _find(report.infos, "'Ｐ０１' read as P01 (full-width characters normalised)")


def test_ten_thousand_identical_coercions_are_one_line():
    n = 2000
    pats = pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)]})
    frags = pd.DataFrame({"patient_id": np.repeat(pats["patient_id"], 5).to_numpy(),
                          "fragment_id": [f"F{k}" for k in range(5)] * n,
                          "ihc_score": ["３＋"] * (5 * n), "pct_positive": ["80%"] * (5 * n)})
    cohort, report = load_cohort(csv_pair(pats, frags))
    assert cohort is not None and cohort.n_fragments == 10_000
    lines = [i for i in report.infos if " read as " in i.message]
    assert [i.message.split(": ")[0] for i in lines] == [
        "'３＋' read as 3+ (full-width characters normalised)", "'80%' read as 80 (% sign dropped)"]
    assert lines[0].message.startswith("'３＋' read as 3+ (full-width characters normalised): "
                                       "10,000 cells (rows 2, 3, 4,")


def test_full_width_headers_are_matched():
    pats = canonical_patients().rename(columns={"patient_id": "患者ＩＤ", "age": "年齢（歳）",
                                                "pfs_months": "ＰＦＳ（月）"})
    frags = canonical_fragments().rename(columns={"patient_id": "患者ＩＤ"})
    cohort, report = load_cohort(csv_pair(pats, frags))
    assert report.ok
    assert report.mapping.source_for("patients", "pfs_months") == "ＰＦＳ（月）"
    assert cohort.patients["age"].tolist() == canonical_patients()["age"].tolist()


FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))} | {" ": "\u3000"}


def _widen(text: str) -> str:
    return "".join(FULL_WIDTH.get(c, c) for c in text)


SAMPLES = {
    "score": (parse_score, {}, ["0", "1+", "2+", "3+", "IHC 3+", "3+ (focal)", "2+~3+", "x"]),
    "pct": (parse_number, {"percent": True}, ["80%", "0", "100", "12.5", "90-100", "<5", "na"]),
    "pct-midpoint": (parse_number, {"percent": True, "ranges": "midpoint"},
                     ["90-100", ">90", "<=10", "55 %"]),
    "number": (parse_number, {}, ["7", "-3.25", "1e3", "abc", ""]),
    "date": (parse_date, {}, ["2016-03-31", "2016/3/1", "20160331", "H30.4.1", "42461",
                              "03/04/2016"]),
    "id": (parse_id, {}, ["P01", "12.0", "A-7"]),
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_parsing_full_width_text_equals_parsing_the_ascii_text(kind, data):
    """NFKC turns full-width ASCII back into ASCII: the parse must not see the difference
    (values, blanks, bad cells and the reason a cell is bad)."""
    parse, kwargs, tokens = SAMPLES[kind]
    ascii_text = data.draw(st.one_of(st.sampled_from(tokens),
                                     st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                                             max_size=8)))
    plain = parse(pd.Series([ascii_text], dtype=object), **kwargs)
    wide = parse(pd.Series([_widen(ascii_text)], dtype=object), **kwargs)
    assert plain.blank.tolist() == wide.blank.tolist()
    assert plain.bad.tolist() == wide.bad.tolist()
    assert pd.Series(plain.values).equals(pd.Series(wide.values))
    if plain.bad[0]:
        reason = (None if plain.detail is None else plain.detail[0],
                  None if wide.detail is None else wide.detail[0])
        assert reason[0] == reason[1]


# -- Japanese headers and labels, end to end ----------------------------------------------------


def _japanese_export() -> list[InputFile]:
    patients = pd.DataFrame({
        "患者番号": ["J1", "J2", "J3"],
        "年齢": [64, 71, 58],
        "性別": ["男", "女", "男性"],
        "治療開始日": ["H28.4.1", "平成28年10月3日", "2017-01-10"],
        "増悪日": ["H28.10.1", "", "令和元年5月7日"],
        "死亡日": ["", "", "R1.12.1"],
        "最終生存確認日": ["H30.3.1", "2018-02-01", ""],
        "最良総合効果": ["部分奏効", "安定", "進行"],
    })
    fragments = pd.DataFrame({
        "患者番号": ["J1", "J1", "J2", "J2", "J3"],
        "検体番号": ["1", "2", "1", "2", "1"],
        "腫瘍有無": ["あり", "あり", "あり", "なし", "あり"],
        "HER2スコア": ["３＋", "2+", "3+ (focal)", "0", "２＋"],
        "陽性率(%)": ["１００％", "60", "100", "", "80%"],
    })
    return [InputFile("患者.csv", patients.to_csv(index=False).encode("cp932")),
            InputFile("検体.csv", fragments.to_csv(index=False).encode("cp932"))]


def test_a_japanese_export_loads_end_to_end():
    cohort, report = load_cohort(_japanese_export())
    assert report.ok, [i.describe() for i in report.errors]
    m = report.mapping
    assert m.source_for("patients", "patient_id") == "患者番号"
    assert m.source_for("patients", "therapy_start") == "治療開始日"
    assert m.source_for("patients", "last_contact_date") == "最終生存確認日"
    assert m.source_for("fragments", "ihc_score") == "HER2スコア"
    assert m.source_for("fragments", "pct_positive") == "陽性率(%)"
    assert m.source_for("fragments", "tumor_present") == "腫瘍有無"
    p = cohort.patients
    assert p["sex"].tolist() == ["M", "F", "M"]
    assert p["best_response"].tolist() == ["PR", "SD", "PD"]
    # J1: 2016-04-01 to progression 2016-10-01 (183 days); OS censored 2018-03-01 (699 days).
    # J3: 2017-01-10 to progression 2019-05-07 (847 days), death 2019-12-01 (1055 days).
    np.testing.assert_allclose(p["pfs_months"], [183 / DAYS_PER_MONTH, 486 / DAYS_PER_MONTH,
                                                 847 / DAYS_PER_MONTH])
    np.testing.assert_allclose(p["os_months"], [699 / DAYS_PER_MONTH, 486 / DAYS_PER_MONTH,
                                                1055 / DAYS_PER_MONTH])
    assert p["os_event"].tolist() == [0.0, 0.0, 1.0]
    f = cohort.fragments
    assert f["ihc_score"].tolist() == [3, 2, 3, 0, 2]
    assert f["pct_positive"].tolist() == [100.0, 60.0, 100.0, 0.0, 80.0]
    assert f["tumor_present"].tolist() == [True, True, True, False, True]
    for text in ("'H28.4.1' read as 2016-04-01 (Japanese era date)",
                 "'平成28年10月3日' read as 2016-10-03 (Japanese era date)",
                 "'令和元年5月7日' read as 2019-05-07 (Japanese era date)",
                 "'男' read as M", "'部分奏効' read as PR", "'あり' read as yes",
                 "'3+ (focal)' read as 3+ (qualifier '(focal)' dropped)",
                 "'１００％' read as 100 (full-width characters normalised, % sign dropped)"):
        _find(report.infos, text)


def test_the_japanese_export_through_the_upload_page():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    files = [(f.name, f.data, "text/csv") for f in _japanese_export()]
    at.file_uploader(key="upload.files").set_value(files).run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Valid: 3 patients, 5 fragments")
    notes = next(e for e in at.expander if e.label.endswith("note(s)"))
    shown = " ".join(m.value for m in notes.markdown)
    assert "H28.4.1" in shown and "read as 2016-04-01 (Japanese era date)" in shown


@pytest.mark.parametrize(("header", "canonical"), [
    ("患者ID", "patient_id"), ("患者番号", "patient_id"), ("ID", "patient_id"),
    ("年齢", "age"), ("性別", "sex"), ("治療開始日", "therapy_start"),
    ("増悪日", "progression_date"), ("PD日", "progression_date"), ("死亡日", "death_date"),
    ("最終確認日", "last_contact_date"), ("最終生存確認日", "last_contact_date"),
    ("PFS", "pfs_months"), ("無増悪生存期間(月)", "pfs_months"), ("OS", "os_months"),
    ("全生存期間（月）", "os_months"), ("PFSイベント", "pfs_event"), ("OSイベント", "os_event"),
    ("最良総合効果", "best_response"), ("HER2 所見", "fragment_description"),
])
def test_japanese_patient_headers(header, canonical):
    from her2dash.columns import match_table

    assert match_table([header], "patients") == {canonical: header}


@pytest.mark.parametrize(("header", "canonical"), [
    ("スコア", "ihc_score"), ("HER2スコア", "ihc_score"), ("陽性率", "pct_positive"),
    ("陽性細胞率(%)", "pct_positive"), ("腫瘍有無", "tumor_present"),
    ("検体番号", "fragment_id"), ("ブロック番号", "fragment_id"), ("患者ID", "patient_id"),
])
def test_japanese_fragment_headers(header, canonical):
    from her2dash.columns import match_table

    assert match_table([header], "fragments") == {canonical: header}


@pytest.mark.parametrize(("written", "code"), [
    ("完全奏効", "CR"), ("部分奏効", "PR"), ("安定", "SD"), ("進行", "PD"), ("評価不能", "NE"),
    ("ＰＲ", "PR"), ("partial response", "PR"),
])
def test_japanese_response_labels(written, code):
    pats = canonical_patients().assign(best_response=[written] + ["PR"] * 5)
    cohort, report = load_cohort(csv_pair(pats, canonical_fragments()))
    assert report.ok and cohort.patients["best_response"].iloc[0] == code
    _find(report.infos, f"{written!r} read as {code}")


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "iso"), [
    ("平成30年4月1日", "2018-04-01"), ("H30.4.1", "2018-04-01"), ("h30/4/1", "2018-04-01"),
    ("H30-04-01", "2018-04-01"), ("Ｈ３０．４．１", "2018-04-01"), ("平成元年1月8日", "1989-01-08"),
    ("令和元年5月1日", "2019-05-01"), ("R1.5.1", "2019-05-01"), ("R6.2.29", "2024-02-29"),
    ("昭和64年1月7日", "1989-01-07"), ("S60.12.31", "1985-12-31"),
])
def test_japanese_era_dates(text, iso):
    p = _one([text], parse_date)
    assert not p.bad[0] and str(p.values[0])[:10] == iso
    assert p.detail[0] == f"{iso} (Japanese era date)"


@pytest.mark.parametrize(("text", "reason"), [
    ("H31.5.1", "outside the 平成 era (1989-01-08 to 2019-04-30)"),
    ("S64.1.8", "outside the 昭和 era (1926-12-25 to 1989-01-07)"),
    ("R1.4.30", "outside the 令和 era (2019-05-01 to today)"),
    ("H30.2.30", "that is not a calendar date"),
])
def test_era_dates_outside_their_era_are_errors_with_the_reason(text, reason):
    pats = canonical_patients().drop(columns=["pfs_months", "pfs_event", "os_months",
                                              "os_event"])
    pats = pats.assign(therapy_start=[text] + ["2016-01-01"] * 5,
                       last_contact_date=["2018-01-01"] * 6)
    cohort, report = load_cohort(csv_pair(pats, canonical_fragments()))
    assert cohort is None
    err = _find(report.errors, f"a Japanese era date {reason}: a real date is expected")
    assert (err.row, err.column, err.value) == (2, "therapy_start", text)
    assert "H30.4.1" in err.expected


def test_era_to_date_directly():
    assert era_to_date("平成", 1, 1, 8) == date(1989, 1, 8)
    assert era_to_date("h", 31, 4, 30) == date(2019, 4, 30)
    assert era_to_date("平成", 1, 1, 7) == "outside the 平成 era (1989-01-08 to 2019-04-30)"
    assert era_to_date("大正", 1, 1, 1) == "unknown era '大正'"


@pytest.mark.parametrize(("serial", "expected"), [
    (1, date(1900, 1, 1)), (59, date(1900, 2, 28)), (60, None), (61, date(1900, 3, 1)),
    (42461, date(2016, 4, 1)), (43101, date(2018, 1, 1)), (0, None),
])
def test_excel_serials_count_the_1900_leap_day_that_never_was(serial, expected):
    assert excel_serial_to_date(serial) == expected


def _xlsx_with_serial_dates(start_cells: list[object]) -> bytes:
    """A workbook whose therapy_start column holds raw numbers (a date cell that lost its
    format) next to real date cells, written with openpyxl as Excel stores them."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "patients"
    ws.append(["patient_id", "therapy_start", "last_contact_date"])
    for k, cell in enumerate(start_cells):
        ws.append([f"P0{k + 1}", cell, datetime(2018, 1, 1)])
    frags = book.create_sheet("fragments")
    frags.append(["patient_id", "fragment_id", "ihc_score"])
    for k in range(len(start_cells)):
        frags.append([f"P0{k + 1}", "F1", "3+"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_xlsx_excel_serial_dates_are_read_and_listed():
    data = _xlsx_with_serial_dates([42461, 42461.75, datetime(2016, 4, 1)])
    cohort, report = load_cohort([InputFile("cohort.xlsx", data)])
    assert report.ok, [i.describe() for i in report.errors]
    days = (date(2018, 1, 1) - date(2016, 4, 1)).days
    np.testing.assert_allclose(cohort.patients["os_months"], [days / DAYS_PER_MONTH] * 3)
    info = _find(report.infos, "'42461' read as 2016-04-01 (Excel date serial, 1900 date "
                               "system): 1 cell (rows 2)")
    assert info.column == "therapy_start" and info.file == "cohort.xlsx › patients"
    _find(report.infos, "'42461.75' read as 2016-04-01 (Excel date serial, 1900 date system, "
                        "time of day dropped)")


@pytest.mark.parametrize(("cell", "reason"), [
    (2016, "read as an Excel date serial it falls outside 1950–2099"),
    (99999, "read as an Excel date serial it falls outside 1950–2099"),
    (60, "Excel date serial 60 is 1900-02-29, a day that does not exist"),
])
def test_implausible_excel_serials_are_errors(cell, reason):
    cohort, report = load_cohort([InputFile("cohort.xlsx", _xlsx_with_serial_dates([cell]))])
    assert cohort is None
    err = _find(report.errors, reason)
    assert (err.row, err.column, err.value) == (2, "therapy_start", str(cell))


# -- UTF-16 files -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
@pytest.mark.parametrize(("encoding", "bom", "detected"), [
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"), ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ("utf-16-le", b"", "utf-16-le"), ("utf-16-be", b"", "utf-16-be"),
])
def test_utf16_files_with_and_without_bom(tmp_path, suffix, encoding, bom, detected):
    pats = canonical_patients().assign(sex=["男性", "女性", "男性", "男性", "女性", "女性"])
    sep = "\t" if suffix == ".tsv" else ","
    paths = []
    for name, frame in (("patients", pats), ("fragments", canonical_fragments())):
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(bom + frame.to_csv(index=False, sep=sep).encode(encoding))
        paths.append(path)
    cohort, report = load_cohort([InputFile.from_path(p) for p in paths])
    assert report.ok, [i.describe() for i in report.errors]
    assert_cohort_equals(cohort, canonical_patients(), canonical_fragments())
    delimiter = "tab" if suffix == ".tsv" else "comma"
    _find(report.infos, f"read as text, {detected}, {delimiter}-separated")


def test_binary_data_is_not_mistaken_for_utf16():
    assert utf16_without_bom(bytes(range(256)) * 40) is None
    assert utf16_without_bom("a,b\n1,2\n".encode("utf-16-le")) == "utf-16-le"
    assert utf16_without_bom("a,b\n1,2\n".encode("utf-16-le")[:-1]) is None  # odd length


# -- score text ---------------------------------------------------------------------------------


def _scores(*cells: str):
    frags = canonical_fragments()
    for k, cell in enumerate(cells):
        frags.loc[k, "ihc_score"] = cell
    return load_cohort(csv_pair(canonical_patients(), frags))


@pytest.mark.parametrize(("cell", "qualifier"), [
    ("3+ (focal)", "(focal)"), ("3+(focal)", "(focal)"), ("3+ focal", "focal"),
    ("IHC 3+ (heterogeneous)", "(heterogeneous)"), ("3+（一部）", "(一部)"),
])
def test_a_qualified_score_is_read_with_the_qualifier_listed(cell, qualifier):
    cohort, report = _scores(cell)
    assert report.ok and cohort.fragments["ihc_score"].iloc[0] == 3
    info = _find(report.infos, f"{cell!r} read as 3+ (qualifier {qualifier!r} dropped)")
    assert info.row == 2


@pytest.mark.parametrize("cell", ["2+~3+", "2+-3+", "2+/3+", "2+～3+", "1+ to 2+", "2–3+"])
def test_a_range_of_scores_is_an_error_saying_one_score_is_expected(cell):
    cohort, report = _scores(cell)
    assert cohort is None
    err = _find(report.errors, "a range of scores: one score per fragment is expected (its "
                               "score by the Hofmann/ToGA gastric criteria)")
    assert (err.row, err.value, err.expected) == (2, cell, "0, 1+, 2+ or 3+")


@pytest.mark.parametrize("cell", ["陽性", "陰性", "positive", "Negative"])
def test_a_result_word_is_not_a_score(cell):
    cohort, report = _scores(cell)
    assert cohort is None
    err = _find(report.errors, "a HER2 result, not an IHC score")
    assert err.value == cell


# -- percent text -------------------------------------------------------------------------------


def _pcts(cells: dict[int, str], ranges: str | None = None):
    frags = canonical_fragments().astype({"pct_positive": object})
    for row, cell in cells.items():
        frags.loc[row - 2, "pct_positive"] = cell
    parsing = None if ranges is None else ParseOptions(ranges)
    return load_cohort(csv_pair(canonical_patients(), frags), parsing=parsing)


@pytest.mark.parametrize("cell", ["90-100", "90–100", "90〜100", "90%-100%", "<5", ">90", "≤10",
                                  "≧90", "10%未満", "90%以上"])
def test_a_percent_range_or_bound_is_an_error_by_default(cell):
    cohort, report = _pcts({3: cell})  # row 3: P01 F2, 2+
    assert cohort is None
    err = _find(report.errors, "a range or a bound, not one value: one % is expected (or "
                               "choose how ranges are read when loading")
    assert (err.row, err.column, err.value) == (3, "pct_positive", cell)


@pytest.mark.parametrize(("policy", "values"), [
    ("lower", [90.0, 0.0, 90.0]), ("midpoint", [95.0, 2.5, 95.0]), ("upper", [100.0, 5.0, 100.0]),
])
def test_a_range_policy_reads_ranges_and_lists_each_with_its_original(policy, values):
    # Rows 3, 5, 11 are 2+ fragments; row 6 is a 0 fragment where "<5" stays an error under
    # "lower" only if it reads above 0, so it is placed on 2+ row 5.
    cohort, report = _pcts({3: "90-100", 5: "<5", 11: ">90"}, policy)
    assert report.ok, [i.describe() for i in report.errors]
    got = cohort.fragments["pct_positive"].to_numpy()[[1, 3, 9]].tolist()
    assert got == values
    info = _find(report.infos, f"'90-100' read as {values[0]:g} (the {policy} of 90–100, as "
                               "chosen when loading)")
    assert info.row == 3
    _find(report.infos, f"'<5' read as {values[1]:g} (the {policy} of 0–5")
    _find(report.infos, f"'>90' read as {values[2]:g} (the {policy} of 90–100")


def test_reversed_range_is_an_error_even_with_a_policy():
    cohort, report = _pcts({3: "100-90"}, "midpoint")
    assert cohort is None
    _find(report.errors, "a range whose ends are the wrong way round")


def test_the_upload_page_offers_the_range_policy():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    frags = canonical_fragments().astype({"pct_positive": object})
    frags.loc[1, "pct_positive"] = "90-100"
    files = [(f.name, f.data, "text/csv") for f in csv_pair(canonical_patients(), frags)]
    at.file_uploader(key="upload.files").set_value(files).run()
    assert any("a range or a bound, not one value" in e.value for e in at.error)
    at.selectbox(key="upload.ranges").set_value("midpoint").run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Valid: 6 patients")


# -- free-text fragment descriptions ------------------------------------------------------------


@pytest.mark.parametrize(("text", "fragments"), [
    ("#1 3+ 80%, #2 1+", [("1", True, "3+", "80"), ("2", True, "1+", "")]),
    ("1) 2+ 30% 2) 0", [("1", True, "2+", "30"), ("2", True, "0", "")]),
    ("#1:3+(90%) #2:2+(10%) #3: no tumour",
     [("1", True, "3+", "90"), ("2", True, "2+", "10"), ("3", False, "", "")]),
    ("①3+ 80% ②腫瘍なし", [("1", True, "3+", "80"), ("2", False, "", "")]),
    ("＃１　３＋　８０％", [("1", True, "3+", "80")]),
    ("3+ 100%, 2+ 40%", [("1", True, "3+", "100"), ("2", True, "2+", "40")]),
    ("(1) IHC 2+ (2) 3+", [("1", True, "2+", ""), ("2", True, "3+", "")]),
])
def test_descriptions_are_parsed_into_fragments(text, fragments):
    got, why = parse_description(text)
    assert why == ""
    assert [(f.fragment_id, f.tumor_present, f.ihc_score, f.pct_positive) for f in got] == \
        fragments


@pytest.mark.parametrize(("text", "reason"), [
    ("#1 3+ 80%, #2 weak", "cannot read fragment 2: 'weak'"),
    ("#1 2+~3+", "fragment 1: '2+~3+' is a range of scores"),
    ("biopsy: #1 3+", "cannot read 'biopsy' before the first fragment number"),
    ("#1 4+", "cannot read fragment 1: '4+'"),
])
def test_an_unreadable_piece_is_quoted(text, reason):
    got, why = parse_description(text)
    assert got == () and why.startswith(reason)


def _described(descriptions: list[str]) -> pd.DataFrame:
    pats = canonical_patients().head(len(descriptions))
    return pats.assign(**{"HER2 biopsy": descriptions})


def test_a_patients_table_with_descriptions_needs_no_fragments_table():
    pats = _described(["#1 3+ 100%, #2 2+ 80%, #3 3+", "1) 2+ 50% 2) 0 3) no tumour"])
    cohort, report = load_cohort([InputFile("patients.csv", pats.to_csv(index=False).encode())])
    assert report.ok, [i.describe() for i in report.errors]
    f = cohort.fragments
    assert f["patient_id"].tolist() == ["P01"] * 3 + ["P02"] * 3
    assert f["fragment_id"].tolist() == ["1", "2", "3", "1", "2", "3"]
    assert f["ihc_score"].tolist() == [3, 2, 3, 2, 0, -1]  # -1: no score, no tumour
    assert f["pct_positive"].tolist() == [100.0, 80.0, 100.0, 50.0, 0.0, 0.0]
    assert f["tumor_present"].tolist() == [True, True, True, True, True, False]
    assert "HER2 biopsy" not in cohort.patients.columns  # not a covariate
    info = _find(report.infos, "'#1 3+ 100%, #2 2+ 80%, #3 3+' read as fragments 1: 3+ 100 %; "
                               "2: 2+ 80 %; 3: 3+ (patient P01)")
    assert (info.row, info.column) == (2, "HER2 biopsy")
    summary = report.row_summary()
    assert "patients.csv › HER2 biopsy" in set(summary["file"])


def test_an_unreadable_description_is_an_error_quoting_the_piece():
    pats = _described(["#1 3+ 100%", "#1 2+, #2 weakly positive"])
    cohort, report = load_cohort([InputFile("patients.csv", pats.to_csv(index=False).encode())])
    assert cohort is None
    err = _find(report.errors, "the fragment description of patient 'P02' cannot be read: "
                               "cannot read fragment 2: 'weakly positive'")
    assert (err.row, err.column, err.value) == (3, "HER2 biopsy", "#1 2+, #2 weakly positive")
    assert "#1 3+ 80%" in err.expected


def test_descriptions_fill_patients_the_fragments_table_lacks_and_clash_where_both_give():
    frags = canonical_fragments()
    only_p01 = frags[frags["patient_id"] != "P02"]
    pats = canonical_patients().assign(**{"HER2 biopsy": ["", "#1 2+ 50% #2 0", "", "", "", ""]})
    cohort, report = load_cohort(csv_pair(pats, only_p01))
    assert report.ok, [i.describe() for i in report.errors]
    p02 = cohort.fragments[cohort.fragments["patient_id"] == "P02"]
    assert p02["ihc_score"].tolist() == [2, 0] and p02["pct_positive"].tolist() == [50.0, 0.0]
    cohort, report = load_cohort(csv_pair(pats, frags))
    assert cohort is None
    err = _find(report.errors, "patient 'P02' has fragments both as fragment rows and in its "
                               "fragment description (HER2 biopsy): give them once")
    assert err.row == 3


def test_a_lone_patients_table_without_descriptions_still_says_what_is_missing():
    pats = canonical_patients()
    cohort, report = load_cohort([InputFile("patients.csv", pats.to_csv(index=False).encode())])
    assert cohort is None
    _find(report.errors, "or a patients table with a fragment description column")


def test_a_patients_table_with_descriptions_through_the_upload_page():
    pats = _described(["#1 3+ 100%, #2 2+ 80%", "1) 2+ 50% 2) 0"])
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload.files").set_value(
        [("patients.csv", pats.to_csv(index=False).encode(), "text/csv")]).run()
    assert not at.exception and not at.error
    assert any("No fragments table" in c.value for c in at.caption)
    assert at.success[0].value.startswith("Valid: 2 patients, 4 fragments")


def test_cli_range_policy_reads_a_range_only_when_asked(tmp_path, capsys):
    from her2dash.cli import main

    (tmp_path / "patients.csv").write_text("patient_id,pfs_months,pfs_event\nP1,5,1\n",
                                           encoding="utf-8")
    (tmp_path / "fragments.csv").write_text(
        "patient_id,fragment_id,ihc_score,pct_positive\nP1,F1,3+,90-100\nP1,F2,3+,100\n",
        encoding="utf-8")
    files = [str(tmp_path / "patients.csv"), str(tmp_path / "fragments.csv")]
    assert main(["validate", *files]) == 1
    assert "90-100" in capsys.readouterr().out
    assert main(["classify", *files, "--range-policy", "lower", "--json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert (data["n_homogeneous"], data["n_heterogeneous"]) == (0, 1)  # read as 90 %
    assert main(["classify", *files, "--range-policy", "upper", "--json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert (data["n_homogeneous"], data["n_heterogeneous"]) == (1, 0)  # read as 100 %

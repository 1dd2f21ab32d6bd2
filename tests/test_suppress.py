"""Small-count suppression: the rules (her2dash/suppress.py), the table hooks, and every export
format (CSV, XLSX, HTML, PDF, PPTX, JSON): no count 1–4 survives where it is masked, the
statement is on the output, and an unsuppressed output is unchanged."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest

from her2dash import suppress as sp
from her2dash.analysis import analyze
from her2dash.demo import load_demo
from her2dash.export.images import browser_path
from her2dash.export.spreadsheet import to_csv_bytes, to_xlsx_bytes
from her2dash.settings import Settings
from her2dash.suppress import (
    COMPLEMENTARY,
    NO_SUPPRESSION,
    PRIMARY,
    SHOWN,
    Suppression,
    protect,
    recoverable,
)
from her2dash.tables.baseline import baseline_frame
from her2dash.tables.response import response_table_frame
from her2dash.tables.survival import median_table, risk_table_frame

S5 = Suppression(threshold=5)
SMALL = {"1", "2", "3", "4"}
STATEMENT = "Counts below 5 are suppressed"


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    return cohort, analyze(cohort, Settings())


# ---------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(("n", "hidden"), [(0, False), (1, True), (4, True), (5, False),
                                           (87, False)], ids=lambda x: str(x))
def test_counts_one_to_threshold_minus_one_are_masked_zero_is_not(n, hidden):
    assert S5.hides(n) is hidden
    assert S5.count(n) == ("<5" if hidden else str(n))


def test_off_masks_nothing_and_a_threshold_below_two_is_refused():
    assert not NO_SUPPRESSION.hides(1)
    with pytest.raises(ValueError, match="at least 2"):
        Suppression(threshold=1)
    with pytest.raises(ValueError, match="whole number"):
        Suppression(threshold=2.5)  # type: ignore[arg-type]
    assert sp.from_threshold(0) is NO_SUPPRESSION and sp.from_threshold(11).threshold == 11


@pytest.mark.parametrize(("raw", "threshold", "problem"), [
    pytest.param(None, None, False, id="unset"), pytest.param("", None, False, id="empty"),
    pytest.param("0", None, False, id="zero-off"), pytest.param("11", 11, False, id="eleven"),
    pytest.param("five", 5, True, id="garbage-fails-closed"),
    pytest.param("1", 5, True, id="one-fails-closed"),
])
def test_deployment_default_is_read_from_the_environment(raw, threshold, problem):
    env = {} if raw is None else {sp.ENV_VAR: raw}
    got, why = sp.read_deployment_default(env)
    assert (got.threshold if got.enabled else None) == threshold
    assert (why is not None) == problem
    if problem:
        assert sp.ENV_VAR in why


def test_a_total_with_one_masked_cell_gets_a_complementary_one():
    # het 1 + homo 10 = all 11: without a second mask, het = 11 − 10.
    status = protect({"het": 1, "homo": 10, "all": 11}, [{"het": 1, "homo": 1, "all": -1}], S5)
    assert status["het"] == PRIMARY
    assert status["homo"] == COMPLEMENTARY  # the smaller of the two shown cells
    assert status["all"] == SHOWN


def test_two_masked_cells_of_one_total_need_nothing_more():
    status = protect({"het": 1, "homo": 4, "all": 5}, [{"het": 1, "homo": 1, "all": -1}], S5)
    assert status == {"het": PRIMARY, "homo": PRIMARY, "all": SHOWN}


def test_recovery_through_a_combination_of_sums_is_found():
    # a + b = t1, b + c = t2, a + c = t3 (all shown): a, b, c are each determined, even
    # though every relation has two masked cells.
    values = {"a": 1, "b": 2, "c": 3, "t1": 3, "t2": 5, "t3": 4}
    relations = [{"a": 1, "b": 1, "t1": -1}, {"b": 1, "c": 1, "t2": -1},
                 {"a": 1, "c": 1, "t3": -1}]
    assert sorted(recoverable(values, relations, {"a", "b", "c"})) == ["a", "b", "c"]
    status = protect(values, relations, S5)
    masked = {k for k, v in status.items() if v != SHOWN}
    assert recoverable(values, relations, masked) == []


def _null_space_check(values, relations, masked) -> list:
    """Naive reference: a masked cell is determined iff no null-space vector of the masked
    columns moves it (scipy's null_space, an SVD, against the code's elimination)."""
    from scipy.linalg import null_space

    order = [k for k in values if k in masked]
    a = np.array([[rel.get(k, 0) for k in order] for rel in relations], dtype=float)
    basis = null_space(a)
    return [k for j, k in enumerate(order) if basis.size == 0 or np.abs(basis[j]).max() < 1e-9]


@pytest.mark.parametrize("seed", range(12))
def test_protect_leaves_no_masked_cell_recoverable_on_random_tables(seed):
    """Random 2×k tables with row, column and grand totals: after protection no masked cell
    is determined (checked by an SVD null space, independently of the code's elimination)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    grid = rng.integers(0, 9, size=(2, k))
    values = {("c", i, j): int(grid[i, j]) for i in range(2) for j in range(k)}
    values.update({("row", i): int(grid[i].sum()) for i in range(2)})
    values.update({("col", j): int(grid[:, j].sum()) for j in range(k)})
    values["all"] = int(grid.sum())
    relations = [{**{("c", i, j): 1 for j in range(k)}, ("row", i): -1} for i in range(2)]
    relations += [{("c", 0, j): 1, ("c", 1, j): 1, ("col", j): -1} for j in range(k)]
    relations.append({("row", 0): 1, ("row", 1): 1, "all": -1})
    status = protect(values, relations, S5)
    masked = {key for key, s in status.items() if s != SHOWN}
    assert _null_space_check(values, relations, masked) == []
    # Every count 1–4 is masked, nothing else is masked as primary.
    for key, v in values.items():
        assert (status[key] == PRIMARY) == (1 <= v < 5)


def test_counts_in_prose_are_masked_and_other_numbers_stay():
    text = "87 patients; 3 Homo-HER2, 84 Hetero-HER2, 2 excluded; 12 months, 4 %"
    assert sp.mask_counts_in_text(text, S5) == (
        "87 patients; <5 Homo-HER2, 84 Hetero-HER2, <5 excluded; 12 months, 4 %")
    assert sp.mask_counts_in_text(text, NO_SUPPRESSION) == text


# ---------------------------------------------------------------------------- the table hooks


def _cells(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in frame.to_numpy().ravel()] + [str(c) for c in frame.columns]


def _counts_in(cell: str) -> list[str]:
    """The count tokens of a display cell: a bare integer, or the n of "n (x %)", "n of N",
    "s/E (…) […]"."""
    if re.fullmatch(r"\d+", cell):
        return [cell]
    m = re.fullmatch(r"(\d+) \([\d.]+ %\)", cell)
    if m:
        return [m.group(1)]
    m = re.fullmatch(r"(\S+) of (\S+)", cell)
    if m:
        return [m.group(1), m.group(2)]
    m = re.match(r"(\d+)/(\d+)( |$)", cell)
    if m:
        return [m.group(1), m.group(2)]
    return []


def test_response_table_masks_cr_and_what_would_give_it_away(demo):
    """Demo Table 3: CR 1 and 4 (of ORR 25/43 and 23/27) are masked, and since CR = ORR − PR,
    a complementary cell goes in each column; the masked counts lose their percentages."""
    table = response_table_frame(demo[1].response, S5)
    cells = _cells(table)
    assert not [c for c in cells for n in _counts_in(c) if n in SMALL]
    het = table.iloc[:, 1].tolist()
    assert het[0] == "<5"  # CR 1 (2.3 %)
    assert "*" in " ".join(het)
    plain = response_table_frame(demo[1].response)
    assert plain.iloc[0, 1] == "1 (2.3 %)" and plain.iloc[0, 2] == "4 (14.8 %)"
    # Unsuppressed is the default and unchanged.
    pd.testing.assert_frame_equal(plain, response_table_frame(demo[1].response, NO_SUPPRESSION))


def test_response_table_protection_is_sound(demo):
    from her2dash.tables.response import _response_cells, response_status

    t = demo[1].response
    statuses = response_status(t, S5)
    columns = (t.heterogeneous, t.homogeneous, t.overall)
    values = {(j, k): v for j, g in enumerate(columns) for k, v in _response_cells(g).items()}
    masked = {(j, k) for j, st in enumerate(statuses) for k, s in st.items() if s != SHOWN}
    relations = []
    for j in range(3):
        relations += [{(j, "CR"): 1, (j, "PR"): 1, (j, "SD"): 1, (j, "PD"): 1, (j, "E"): -1},
                      {(j, "E"): 1, (j, "NE"): 1, (j, "N"): -1},
                      {(j, "CR"): 1, (j, "PR"): 1, (j, "ORR"): -1},
                      {(j, "ORR"): 1, (j, "SD"): 1, (j, "DCR"): -1}]
    relations += [{(0, k): 1, (1, k): 1, (2, k): -1} for k in _response_cells(t.overall)]
    assert _null_space_check(values, relations, masked) == []


def test_table1_masks_small_levels_and_their_complement(demo):
    """Conversion surgery: Hetero-HER2 yes 4 of 53 → "<5", and "no" (49) → "*", else 53 − 49."""
    analysis = demo[1]
    frame = baseline_frame(analysis.baseline, analysis.covariates, S5)
    rows = frame.set_index(frame.columns[0])
    at = list(frame.iloc[:, 0]).index("Conversion surgery")
    assert frame.iloc[at + 1, 1] == "*" and frame.iloc[at + 2, 1] == "<5"
    assert frame.iloc[at + 2, 2] == "5 (14.7 %)"  # 5 is not below 5
    assert not [c for c in _cells(frame) for n in _counts_in(c) if n in SMALL]
    assert rows.shape[0] == len(baseline_frame(analysis.baseline, analysis.covariates))
    pd.testing.assert_frame_equal(baseline_frame(analysis.baseline, analysis.covariates),
                                  baseline_frame(analysis.baseline, analysis.covariates,
                                                 NO_SUPPRESSION))


def test_table1_group_size_below_threshold_masks_its_header_and_column(demo):
    analysis = demo[1]
    small = dataclasses.replace(analysis.baseline, n_homogeneous=3)
    frame = baseline_frame(small, analysis.covariates, S5)
    assert frame.columns[2] == "Homo-HER2 n = <5"


def test_risk_table_masks_small_numbers_at_risk(demo):
    survival = demo[1].endpoints["pfs"].survival
    plain = risk_table_frame(survival).set_index("Group")
    masked = risk_table_frame(survival, suppression=S5).set_index("Group")
    assert plain.loc["Homo-HER2", "27"] == "1" and masked.loc["Homo-HER2", "27"] == "<5"
    assert masked.loc["Homo-HER2", "0"] == "34"
    # All patients = the two arms: Hetero-HER2 4 at 15 months → Homo-HER2's 8 is hidden too.
    assert masked.loc["Hetero-HER2", "15"] == "<5" and masked.loc["Homo-HER2", "15"] == "*"
    full = risk_table_frame(survival, cumulative=True, suppression=S5)
    assert not [c for c in full.iloc[:, 2:].to_numpy().ravel() if c in SMALL]  # not the times


def test_median_table_counts(demo):
    survival = demo[1].endpoints["pfs"].survival
    three = dataclasses.replace(survival.medians["homogeneous"], n=3, n_events=2)
    small = dataclasses.replace(survival, medians={**survival.medians, "homogeneous": three})
    frame = median_table(small, S5).set_index("Group")
    assert frame.loc["Homo-HER2", "Patients"] == "<5"
    assert frame.loc["Hetero-HER2", "Patients"] == "*"  # else 87 − 53 = 34 … of the sum
    pd.testing.assert_frame_equal(median_table(survival), median_table(survival,
                                                                      NO_SUPPRESSION))


# ---------------------------------------------------------------------------- every export


@pytest.fixture(scope="module")
def reports(demo):
    from her2dash.export.report import build_report

    cohort, _ = demo
    return (build_report(cohort, Settings(), permutations=50),
            build_report(cohort, Settings(), permutations=50, suppression=S5))


def _small_count_tokens(text: str) -> list[str]:
    """Counts 1–4 in the count cells of a report: "n (x %)", "n of N", "s/E", a bare cell."""
    patterns = (r"(?<![\d.,])([1-4]) \(\d+\.\d %\)", r"(?<![\d.])([1-4]) of \d+",
                r"(?<!\d)of ([1-4])(?![\d.])", r"(?<![\d.])([1-4])/\d+ \(",
                r"\(([1-4])\)</td>")
    return [m.group(0) for p in patterns for m in re.finditer(p, text)]


def test_csv_and_xlsx_carry_the_statement_first(demo):
    frame = response_table_frame(demo[1].response, S5)
    text = to_csv_bytes(frame, suppression=S5).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0].startswith(STATEMENT)
    assert not _small_count_tokens(text)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, suppression=S5))).active
    assert str(sheet["A1"].value).startswith(STATEMENT)
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not _small_count_tokens(" | ".join(values))
    # Unsuppressed: byte for byte what it was, and the small counts are there.
    plain = response_table_frame(demo[1].response)
    assert to_csv_bytes(plain) == to_csv_bytes(plain, suppression=NO_SUPPRESSION)
    assert "1 (2.3 %)" in to_csv_bytes(plain).decode("utf-8-sig")


def test_html_report_suppressed(reports):
    from her2dash.export.report import to_html

    plain, masked = reports
    # The text outside scripts (plotly.js's own source says "of 3 or 4 numbers"); the figures'
    # numbers at risk are checked on the figure below.
    no_script = re.compile(r"<script\b.*?</script>", re.S)
    html_plain, html_masked = (no_script.sub("", to_html(r)) for r in (plain, masked))
    assert STATEMENT in html_masked and STATEMENT not in html_plain
    assert _small_count_tokens(html_plain)  # the test can fail: the counts are there unmasked
    assert not _small_count_tokens(html_masked)
    # The waterfall (one bar per patient) is left out, with a note.
    assert "waterfall" in html_plain.lower()
    assert "patient-level plot" in html_masked
    assert to_html(masked).count("Plotly.newPlot") == to_html(plain).count("Plotly.newPlot") - 1


def test_html_report_unsuppressed_is_unchanged(demo, reports):
    from her2dash.export.report import build_report, to_html

    again = build_report(demo[0], Settings(), permutations=50, suppression=NO_SUPPRESSION)
    strip = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert strip.sub("", to_html(again)) == strip.sub("", to_html(reports[0]))


def test_km_figure_in_the_suppressed_report_masks_the_risk_table(reports):
    km = next(s.figure for s in reports[1].sections if s.figure is not None
              and "Kaplan" in s.title)
    risk = [t for t in km.data if (t.meta or {}).get("role") == "at_risk"]
    assert risk and not [x for t in risk for x in t.text if x in SMALL]
    assert any("<5" in t.text for t in risk)
    assert any(STATEMENT in (a.text or "") for a in km.layout.annotations)


def test_pptx_deck_suppressed(reports):
    from pptx import Presentation

    from her2dash.export.deck import to_pptx

    deck = Presentation(io.BytesIO(to_pptx(reports[1], render_figures=False)))
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [c.text for row in shape.table.rows for c in row.cells]
        texts.append(slide.notes_slide.notes_text_frame.text)
    joined = "\n".join(texts)
    assert STATEMENT in deck.slides[0].shapes[1].text_frame.text
    assert sum(STATEMENT in t for t in texts) >= len(deck.slides) - 1
    assert not _small_count_tokens(joined)
    plain = Presentation(io.BytesIO(to_pptx(reports[0], render_figures=False)))
    plain_text = "\n".join(c.text for s in plain.slides for sh in s.shapes if sh.has_table
                           for row in sh.table.rows for c in row.cells)
    assert _small_count_tokens(plain_text) and STATEMENT not in plain_text


@pytest.mark.skipif(browser_path() is None or shutil.which("pdftotext") is None,
                    reason="needs Chromium and poppler-utils")
def test_pdf_report_suppressed(reports, tmp_path):
    from her2dash.export.report import to_pdf

    pdf = to_pdf(reports[1])
    assert isinstance(pdf, bytes)
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert STATEMENT in text
    assert not _small_count_tokens(text)


def _json_counts(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_counts(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_counts(v, f"{path}[{i}]")
    else:
        yield path, obj


def test_analyze_json_suppressed(demo):
    from her2dash.export.jsonout import analyze_json

    cohort, _ = demo
    plain = analyze_json(cohort, Settings())
    masked = analyze_json(cohort, Settings(), suppression=S5)
    assert masked["suppression"]["statement"] == STATEMENT and "suppression" not in plain
    count_keys = sp.JSON_COUNT_KEYS
    small_plain = [p for p, v in _json_counts(plain) if p.rsplit(".", 1)[-1].split("[")[0]
                   in count_keys and isinstance(v, int) and 1 <= v < 5]
    assert small_plain  # there are small counts to mask
    small_masked = [p for p, v in _json_counts(masked) if p.rsplit(".", 1)[-1].split("[")[0]
                    in count_keys and isinstance(v, int) and not isinstance(v, bool)
                    and 1 <= v < 5]
    assert small_masked == []
    # Curves are patient-level (one step per patient's time): not in a suppressed JSON.
    curves = masked["analysis"]["endpoints"]["pfs"]["survival"]["curves"]
    assert set(curves) == {"suppressed"}
    assert json.dumps(plain, allow_nan=False)  # the unsuppressed JSON is what it was
    assert plain["analysis"]["endpoints"]["pfs"]["survival"]["curves"]["homogeneous"]["n"] == 34


# ---------------------------------------------------------------------------- the UI (AppTest)


def _app():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                             default_timeout=120)


def test_present_page_suppression_masks_the_slides_and_says_so():
    at = _app().run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    at.checkbox(key="present.suppress").check().run()
    assert not at.exception
    assert any(STATEMENT in c.value for c in at.caption)
    # Step to the Table 3 slide: its table is the masked one.
    for _ in range(40):
        if "Best overall response" in at.title[0].value:
            break
        at.button(key="present.next").click().run()
    assert "Best overall response" in at.title[0].value
    table = at.main.dataframe[0].value
    assert table.iloc[0, 1] == "<5"  # Hetero-HER2 CR, 1 in the data


def test_patient_level_downloads_are_not_offered_under_suppression():
    at = _app().run()
    at.session_state["export.suppress"] = True
    at.session_state["export.suppress_below"] = 5
    at.switch_page("pages/response.py").run()
    assert not at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    assert buttons["response.waterfall.png"].proto.disabled  # one bar per patient
    assert not buttons["response.table3.csv"].proto.disabled
    assert any("Patient-level plot" in c.value for c in at.caption)


# ---------------------------------------------------------------------------- the CLI


def test_cli_suppress_below_on_analyze_report_and_sweep(tmp_path, capsys):
    from her2dash.cli import main

    out = tmp_path / "a.json"
    assert main(["analyze", "--demo", "--suppress-below", "5", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["suppression"]["statement"] == STATEMENT
    assert doc["analysis"]["response"]["heterogeneous"]["counts"]["CR"] == "<5"
    # verify recomputes it with the same suppression, recorded in the JSON.
    assert main(["verify", str(out), "--demo", "--mismatches-only"]) == 0
    html = tmp_path / "r.html"
    assert main(["report", "--demo", "--permutations", "20", "--suppress-below", "5",
                 "--out", str(html)]) == 0
    assert STATEMENT in html.read_text()
    sweep = tmp_path / "s.csv"
    assert main(["sweep", "--demo", "--permutations", "0", "--format", "csv",
                 "--suppress-below", "5", "--out", str(sweep)]) == 0
    assert sweep.read_text(encoding="utf-8").startswith(f'"{STATEMENT}')
    capsys.readouterr()


def test_cli_deployment_default_and_bad_thresholds(tmp_path, monkeypatch, capsys):
    from her2dash.cli import main

    monkeypatch.setenv(sp.ENV_VAR, "5")
    out = tmp_path / "a.json"
    assert main(["analyze", "--demo", "--out", str(out)]) == 0
    assert "suppression" in json.loads(out.read_text())
    assert main(["analyze", "--demo", "--suppress-below", "0", "--out", str(out)]) == 0
    assert "suppression" not in json.loads(out.read_text())  # 0 = off, over the default
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--demo", "--suppress-below", "1"])
    assert exc.value.code == 2
    assert "must be 0 (off) or at least 2" in capsys.readouterr().err


def test_suppressed_report_figures_carry_no_small_counts(reports):
    """The KM curves' hover numbers at risk and the sweep's group-size bars are counts: left out
    of the suppressed report's figures (the unsuppressed ones have them)."""
    plain, masked = reports

    def figure(report, title):
        return next(s.figure for s in report.sections if s.figure is not None and title in s.title)

    km_plain, km_masked = (figure(r, "Kaplan") for r in (plain, masked))
    curves = [t for t in km_masked.data if (t.meta or {}).get("role") == "curve"]
    assert curves and all(t.customdata is None for t in curves)
    assert any(t.customdata is not None for t in km_plain.data
               if (t.meta or {}).get("role") == "curve")
    sweep_plain, sweep_masked = (figure(r, "across cutoffs") for r in (plain, masked))
    assert [t for t in sweep_plain.data if t.type == "bar"]
    assert not [t for t in sweep_masked.data if t.type == "bar"]


@pytest.mark.parametrize("name", ["small", "paper_size", "heavy_ties", "large"])
def test_risk_table_protection_is_sound_and_local(name):
    """The extended risk table of the golden cohorts: no masked count can be worked out from
    the arm sizes (at risk + censored + events) or the all-patients row (sum of the arms),
    checked by an SVD null space; and a time column without a small count is left alone."""
    from pathlib import Path

    from her2dash import survival as sv
    from her2dash.survival import CURVE_KEYS
    from her2dash.tables.survival import AT_RISK, CUM_CENSORED, CUM_EVENTS, risk_status

    d = pd.read_csv(Path(__file__).resolve().parent / "golden" / "cohorts" / f"{name}.csv")
    res = sv.endpoint_survival(d.os_time, d.os_status, d.homo, endpoint="os")
    status = risk_status(res, CURVE_KEYS, cumulative=True, suppression=S5)
    fields = {AT_RISK: "n_risk", CUM_CENSORED: "cum_censored", CUM_EVENTS: "cum_events"}
    values = {k: int(getattr(res.risk_table[k[0]], fields[k[1]])[k[2]]) for k in status}
    n_times = res.risk_table["overall"].time.size
    relations = [{(g, AT_RISK, j): 1, (g, CUM_CENSORED, j): 1, (g, CUM_EVENTS, j): 1,
                  (g, AT_RISK, 0): -1} for g in CURVE_KEYS for j in range(1, n_times)]
    relations += [{("heterogeneous", r, j): 1, ("homogeneous", r, j): 1, ("overall", r, j): -1}
                  for r in fields for j in range(n_times)]
    masked = {k for k, s in status.items() if s != SHOWN}
    assert _null_space_check(values, relations, masked) == []
    for j in range(1, n_times):
        column = [k for k in status if k[2] == j]
        if not any(status[k] == PRIMARY for k in column):
            assert all(status[k] == SHOWN for k in column), j

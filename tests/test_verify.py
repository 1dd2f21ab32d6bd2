"""``python -m her2dash verify``: an untouched output passes, the same output with one number
altered fails naming that number, and other data are refused (her2dash/verify.py)."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest

from her2dash.cli import main
from her2dash.demo import load_demo
from her2dash.export.images import browser_path
from her2dash.export.report import build_report, provenance_text, to_html
from her2dash.ledger import ExplorationStatus
from her2dash.settings import Settings
from her2dash.suppress import Suppression
from her2dash.verify import verify

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
needs_pdf = pytest.mark.skipif(browser_path() is None or shutil.which("pdftotext") is None,
                               reason="needs Chromium and poppler-utils")


@pytest.fixture(scope="module")
def cohort():
    return load_demo()[0]


@pytest.fixture(scope="module")
def report(cohort):
    return build_report(cohort, Settings(cutoff_pct=90.0), permutations=50, seed=3)


def _files(tmp_path: Path) -> list[str]:
    return ["--patients", str(DEMO / "patients.csv"), "--fragments", str(DEMO / "fragments.csv")]


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


# ---------------------------------------------------------------------------- JSON


def test_untouched_analyze_json_passes_and_an_altered_number_fails(tmp_path, capsys):
    out = tmp_path / "analysis.json"
    assert _run(capsys, "analyze", *_files(tmp_path), "--cutoff", "90", "--out", str(out))[0] == 0
    code, text = _run(capsys, "verify", str(out), *_files(tmp_path))
    assert code == 0, text[-2000:]
    assert "every number matches" in text and "\nok        " in text
    assert "SKIPPED   the exploration label" in text  # D1's block: session history

    doc = json.loads(out.read_text())
    hr = doc["analysis"]["endpoints"]["pfs"]["hazard_ratio"]
    hr["estimate"] = round(hr["estimate"], 2) + 0.01
    bad = tmp_path / "altered.json"
    bad.write_text(json.dumps(doc))
    code, text = _run(capsys, "verify", str(bad), *_files(tmp_path), "--mismatches-only")
    assert code == 1
    mismatches = [line for line in text.splitlines() if line.startswith("MISMATCH")]
    assert mismatches == [f"MISMATCH  expected {doc and _expected_hr(out)} found "
                          f"{hr['estimate']!r} at analysis.endpoints.pfs.hazard_ratio.estimate"]
    assert "1 mismatched" in text


def _expected_hr(path: Path) -> str:
    return repr(json.loads(path.read_text())["analysis"]["endpoints"]["pfs"]["hazard_ratio"]
                ["estimate"])


def test_the_exploration_block_is_not_compared(tmp_path, capsys):
    out = tmp_path / "a.json"
    _run(capsys, "analyze", "--demo", "--out", str(out))
    doc = json.loads(out.read_text())
    doc["exploration"]["n_explored"] = 12  # another session explored more settings
    out.write_text(json.dumps(doc))
    assert _run(capsys, "verify", str(out), "--demo", "--mismatches-only")[0] == 0


def test_sweep_json_records_its_parameters_and_verifies(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    assert _run(capsys, "sweep", "--demo", "--permutations", "30", "--seed", "7", "--step", "5",
                "--out", str(out))[0] == 0
    doc = json.loads(out.read_text())
    assert doc["parameters"] == {"step": 5.0, "min_group": 5, "permutations": 30, "seed": 7,
                                 "bootstrap": 0, "split_sample": False}
    assert _run(capsys, "verify", str(out), "--demo", "--mismatches-only")[0] == 0
    doc["sweep"]["sweep"]["n_homogeneous"][3] += 1
    out.write_text(json.dumps(doc))
    code, text = _run(capsys, "verify", str(out), "--demo", "--mismatches-only")
    assert code == 1 and "at sweep.sweep.n_homogeneous[3]" in text


def test_other_data_are_refused(tmp_path, capsys):
    out = tmp_path / "a.json"
    _run(capsys, "analyze", *_files(tmp_path), "--out", str(out))
    patients = (DEMO / "patients.csv").read_text().splitlines()
    cells = patients[1].split(",")
    cells[1] = str(float(cells[1]) + 1.0)  # one patient's PFS one month longer
    changed = tmp_path / "patients.csv"
    changed.write_text("\n".join([patients[0], ",".join(cells), *patients[2:]]) + "\n")
    code, text = _run(capsys, "verify", str(out), "--patients", str(changed), "--fragments",
                      str(DEMO / "fragments.csv"))
    assert code == 2
    assert "these are not the data the report was made from" in text


def test_an_output_without_provenance_cannot_be_verified(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<html><body><table><tr><td>12</td></tr></table></body></html>")
    code, text = _run(capsys, "verify", str(page), "--demo")
    assert code == 2 and "no her2dash provenance record" in text


# ---------------------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def html_report(report) -> str:
    return to_html(report)


def test_untouched_html_report_passes(tmp_path, cohort, html_report):
    path = tmp_path / "report.html"
    path.write_text(html_report, encoding="utf-8")
    result = verify(path, cohort)
    assert result.exit_code == 0, [c.describe() for c in result.mismatches][:5]
    assert len(result.checks) > 1000
    # Table cells, text lines and figure data are all among the checks.
    wheres = " ".join(c.where for c in result.checks)
    assert "› table 1 › row" in wheres and "› paragraph" in wheres and "› figure 1 ›" in wheres


def _first_median_cell(page: str) -> tuple[str, str, str]:
    """The first "<td>m.m (" of the report (PFS medians, Homo-HER2), and it plus one."""
    import re

    first = re.search(r"<td>(\d+\.\d) \(", page)
    assert first is not None
    value = first.group(1)
    return first.group(0), f"<td>{float(value) + 1:.1f} (", value


@pytest.mark.parametrize("case", ["table-cell", "summary-line"])
def test_html_report_with_one_number_altered_fails_naming_it(tmp_path, cohort, html_report,
                                                             case):
    if case == "table-cell":
        old, new, _ = _first_median_cell(html_report)
        where = "medians › table 1 › row 1 (Homo-HER2)"
    else:
        old, new, where = "<li>87 patients;", "<li>88 patients;", "list item 1"
    assert html_report.count(old) == 1
    path = tmp_path / "altered.html"
    path.write_text(html_report.replace(old, new, 1), encoding="utf-8")
    result = verify(path, cohort)
    assert result.exit_code == 1
    (bad,) = result.mismatches
    assert where in bad.where
    assert bad.describe().startswith("MISMATCH  expected ")


def test_html_figure_numbers_are_checked(tmp_path, cohort, html_report):
    """The at-risk numbers drawn in the KM figure are plotly JSON in the page: altering one is
    caught there, and located in the figure's trace."""
    import re

    at = html_report.index('"role":"at_risk"')
    m = re.compile(r'"text":\["(\d+)"').search(html_report, at)
    assert m is not None
    n = m.group(1)
    page = html_report[:m.start(1)] + str(int(n) + 1) + html_report[m.end(1):]
    path = tmp_path / "figure.html"
    path.write_text(page, encoding="utf-8")
    result = verify(path, cohort)
    (bad,) = result.mismatches
    assert (bad.expected, bad.found) == (n, str(int(n) + 1))
    assert "figure" in bad.where and "at risk" in bad.where


def test_another_exploration_label_is_skipped(tmp_path, cohort, report):
    other = dataclasses.replace(report, exploration=ExplorationStatus("exploratory", 9, None))
    path = tmp_path / "r.html"
    path.write_text(to_html(other), encoding="utf-8")
    result = verify(path, cohort)
    assert result.exit_code == 0
    assert any("exploration label" in s for s in result.skipped)


def test_suppressed_html_report_verifies_and_an_unmasked_count_is_caught(tmp_path, cohort):
    masked = build_report(cohort, Settings(), permutations=20, suppression=Suppression())
    page = to_html(masked)
    path = tmp_path / "masked.html"
    path.write_text(page, encoding="utf-8")
    assert verify(path, cohort).exit_code == 0
    assert "<td>&lt;5</td>" in page
    path.write_text(page.replace("<td>&lt;5</td>", "<td>4</td>", 1), encoding="utf-8")
    result = verify(path, cohort)
    assert result.exit_code == 1
    assert [(c.expected, c.found) for c in result.mismatches] == [("5", "4")]


# ---------------------------------------------------------------------------- PPTX


def _deck(report) -> bytes:
    from her2dash.export.deck import to_pptx

    return to_pptx(report, render_figures=False)


def test_untouched_pptx_passes_and_altered_cells_and_notes_fail(tmp_path, cohort, report):
    from pptx import Presentation

    path = tmp_path / "deck.pptx"
    path.write_bytes(_deck(report))
    ok = verify(path, cohort)
    assert ok.exit_code == 0 and len(ok.checks) > 300
    deck = Presentation(io.BytesIO(path.read_bytes()))
    slide = next(s for s in deck.slides if any(sh.has_table for sh in s.shapes)
                 and "medians" in s.shapes[0].text_frame.text)
    table = next(sh for sh in slide.shapes if sh.has_table).table
    cell = table.cell(1, 1)  # Homo-HER2, patients
    before = cell.text
    cell.text = str(int(before) + 1)
    notes = slide.notes_slide.notes_text_frame
    notes.text = notes.text.replace("HR ", "HR 9", 1)
    buffer = io.BytesIO()
    deck.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = verify(path, cohort)
    assert result.exit_code == 1
    found = {(c.expected, c.found) for c in result.mismatches}
    assert (before, str(int(before) + 1)) in found
    assert any("table row 1 (Homo-HER2) › Patients" in c.where for c in result.mismatches)
    assert any("notes line" in c.where for c in result.mismatches)


def test_pptx_with_pictures_verifies_like_without(tmp_path, cohort, report):
    """A deck whose figures could not be rendered says so in a text box: not a number."""
    deck = _deck(report)
    path = tmp_path / "deck.pptx"
    path.write_bytes(deck)
    assert verify(path, cohort).exit_code == 0


# ---------------------------------------------------------------------------- PDF


@needs_pdf
def test_untouched_pdf_passes_and_one_altered_number_fails(tmp_path, cohort, report,
                                                          html_report):
    from her2dash.export.report import html_to_pdf, to_pdf

    pdf = to_pdf(report)
    assert isinstance(pdf, bytes)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    ok = verify(path, cohort)
    assert ok.exit_code == 0, [c.describe() for c in ok.mismatches][:5]
    assert len(ok.checks) > 300
    # A PDF of the same report with one table cell altered (what editing the PDF would show).
    old, new, value = _first_median_cell(html_report)
    bad = html_to_pdf(html_report.replace(old, new, 1), provenance_text(report))
    assert isinstance(bad, bytes)
    path.write_bytes(bad)
    result = verify(path, cohort)
    assert result.exit_code == 1
    (mismatch,) = result.mismatches
    assert (mismatch.expected, mismatch.found) == (value, f"{float(value) + 1:.1f}")
    assert mismatch.where.startswith("page ")

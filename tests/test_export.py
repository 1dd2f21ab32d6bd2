"""Exports: formula-safe CSV/XLSX, kaleido PNG/SVG, the HTML/PDF report and the PPTX deck."""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
import subprocess

import openpyxl
import pandas as pd
import pytest

from her2dash.analysis import analyze
from her2dash.demo import load_demo
from her2dash.export.images import browser_path, to_png, to_svg
from her2dash.export.report import build_report, to_html, to_pdf
from her2dash.export.spreadsheet import to_csv_bytes, to_xlsx_bytes
from her2dash.figures.km import km_figure
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.tables.survival import median_table

needs_browser = pytest.mark.skipif(browser_path() is None, reason="no Chromium")

DANGEROUS = ["=SUM(A1)", "+1", "-cmd", "@x", "\tTAB", "\rCR"]


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    return cohort, build_report(cohort, Settings())


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"text": [*DANGEROUS, "−0.5", "ok"],
                         "number": [-1.5, 2, 3, 4, 5, 6, -7, 8]})


def test_csv_neutralises_formula_cells_and_keeps_numbers():
    text = to_csv_bytes(_frame()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert [r[0] for r in rows[:6]] == ["'" + v for v in DANGEROUS]
    assert rows[6][0] == "−0.5"  # the display tables' Unicode minus is not a formula
    assert (rows[0][1], rows[6][1]) == ("-1.5", "-7.0")  # numbers are not prefixed
    assert '\n-1.5' not in text and ',-1.5' in text  # and not quoted


def test_xlsx_neutralises_formula_cells_and_keeps_numbers_numeric():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(_frame()))).active
    cells = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in cells[:6]] == ["'" + v for v in DANGEROUS]
    assert all(r[0].data_type == "s" for r in cells)  # no formula cell anywhere
    assert cells[0][1].value == -1.5 and cells[0][1].data_type == "n"
    assert cells[6][1].value == -7


@pytest.fixture(scope="module")
def km(demo):
    cohort, _ = demo
    result = analyze(cohort, Settings()).endpoints["pfs"]
    return km_figure(result.survival, result.hazard_ratio)


@needs_browser
def test_png_and_svg_of_the_km_figure(km):
    png, svg = to_png(km), to_svg(km)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (2 * 1200, 2 * 640)  # presentation size at scale 2
    assert b"<svg" in svg[:200]


def test_image_export_without_a_browser_is_unavailable(km, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    result = to_png(km)
    assert isinstance(result, Unavailable) and "Chromium" in result.reason


def test_html_report_is_self_contained_and_complete(demo):
    cohort, report = demo
    page = to_html(report)
    assert '<script src="http' not in page
    assert not re.search(r'<(script|img|iframe|link)\b[^>]*(src|href)="https?:', page)
    assert page.count("Plotly.newPlot") >= 5
    assert cohort.fingerprint in page and "every-fragment" in page and "cutoff_pct" in page
    assert "Baseline characteristics (Table 1)" in page
    table1 = report.sections[1].table
    for p in table1["p value"][table1["p value"] != ""]:
        assert f"<td>{p}</td>" in page.replace("&lt;", "<")
    medians = median_table(analyze(cohort, Settings()).endpoints["pfs"].survival)
    assert medians.iloc[0, 3] in page  # "10.9 (7.8–15.4)"
    for chapter in ("Survival", "Response", "Cox", "Cutoff sweep", "Software"):
        assert f">{chapter}</h" in page


@needs_browser
def test_html_report_renders_the_km_figure_offline(demo, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    path.write_text(to_html(demo[1]), encoding="utf-8")
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        blocked.append(r.request.url)
        return r.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path(), args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.route("**/*", route)
            page.goto(path.as_uri())
            km = page.locator("section:has(h3:text('Progression-free survival: Kaplan–Meier'))"
                              " .js-plotly-plot")
            km.wait_for(timeout=10_000)
            assert km.locator(".scatterlayer .trace").count() >= 2
            assert "Homo-HER2" in km.inner_text()
        finally:
            browser.close()
    assert blocked == []


@needs_browser
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="no poppler-utils")
def test_pdf_report_has_its_pages(demo, tmp_path):
    pdf = to_pdf(demo[1])
    assert not isinstance(pdf, Unavailable), pdf
    assert pdf[:5] == b"%PDF-"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    assert pages >= 8
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"],
                           capture_output=True, text=True).stdout
    assert demo[0].fingerprint in first and "Settings" in first
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@needs_browser
def test_pptx_deck_has_a_slide_per_section_and_the_numbers(demo):
    pptx = pytest.importorskip("pptx")
    from her2dash.export.deck import to_pptx

    cohort, report = demo
    deck = pptx.Presentation(io.BytesIO(to_pptx(report)))
    slides = list(deck.slides)
    assert len(slides) == 1 + len(report.sections)
    title = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert cohort.fingerprint in title and "rule = every-fragment" in title
    km = next(s for s in slides if any(
        sh.has_text_frame and "Progression-free survival: Kaplan–Meier" in sh.text_frame.text
        for sh in s.shapes))
    assert any(sh.shape_type == 13 for sh in km.shapes)  # a picture
    notes = km.notes_slide.notes_text_frame.text
    assert "10.9 (7.8–15.4)" in notes and "6.0 (3.6–7.8)" in notes
    assert sum(any(sh.has_table for sh in s.shapes) for s in slides) == sum(
        sec.table is not None for sec in report.sections)


@pytest.mark.parametrize("fmt,magic", [("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF-"),
                                       ("pptx", b"PK")])
def test_cli_report_writes_each_format(fmt, magic, tmp_path, capsys):
    if fmt != "html" and browser_path() is None:
        pytest.skip("no Chromium")
    from her2dash.cli import main

    out = tmp_path / f"report.{fmt}"
    code = main(["report", "--demo", "--format", fmt, "--permutations", "0", "--out", str(out),
                 "--cutoff", "80"])
    assert code == 0 and f"wrote {out}" in capsys.readouterr().out
    assert out.read_bytes().startswith(magic)

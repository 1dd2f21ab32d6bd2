"""The analysis as a PPTX slide deck (python-pptx): a title slide with the settings and the data
fingerprint, then one slide per figure or table of :func:`~her2dash.export.report.build_report`,
each with the numbers in its speaker notes. Figures are kaleido PNGs (:mod:`.images`); when no
browser is available the slide says why instead of showing the picture.
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd
from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from her2dash.export.images import figure_size, image_session, to_png
from her2dash.export.report import PROVENANCE_ID, Report, Section, provenance_text, settings_rows
from her2dash.results import Unavailable
from her2dash.tables.ledger import status_caption, status_detail

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
_MAX_TABLE_ROWS = 24  # beyond this a slide table is unreadable; the rest go to the notes


def _text_box(slide, text: str, top: Emu, height: Emu, size: int = 14, bold: bool = False):
    box = slide.shapes.add_textbox(Inches(0.5), top, SLIDE_W - Inches(1.0), height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.font.size = Pt(size)
        para.font.bold = bold
    return box


def _title_slide(prs: Presentation, report: Report) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(slide, "HER2 heterogeneity report", Inches(0.4), Inches(0.8), 32, bold=True)
    lines = [f"Data fingerprint: {report.fingerprint}"
             + ("  (synthetic demo cohort)" if report.synthetic else ""),
             f"Date: {report.created}",
             *([status_detail(report.exploration)] if report.exploration else []),
             *([report.suppression.explanation] if report.suppression.enabled else []),
             *report.summary, "",
             "Settings: " + "; ".join(f"{k} = {v}" for k, v in settings_rows(report.settings)),
             "Software: " + ", ".join(f"{k} {v}" for k, v in report.versions.items())]
    _text_box(slide, "\n".join(lines), Inches(1.4), Inches(5.6), 14)
    # The provenance record closes the title slide's notes: PPTX document properties hold 255
    # characters at most, and notes survive a re-save in PowerPoint or LibreOffice.
    slide.notes_slide.notes_text_frame.text = "\n".join(
        [*lines, "", f"{PROVENANCE_ID} {provenance_text(report)}"])


def _add_table(slide, frame: pd.DataFrame, top: Emu) -> None:
    shown = frame.head(_MAX_TABLE_ROWS)
    rows, cols = len(shown) + 1, len(shown.columns)
    height = SLIDE_H - top - Inches(0.3)
    shape = slide.shapes.add_table(rows, cols, Inches(0.5), top, SLIDE_W - Inches(1.0),
                                   min(height, Inches(0.3) * rows))
    size = Pt(12 if rows <= 12 else 9 if rows <= 20 else 8)
    for j, column in enumerate(shown.columns):
        shape.table.cell(0, j).text = str(column)
    for i, (_, row) in enumerate(shown.iterrows(), start=1):
        for j, value in enumerate(row):
            shape.table.cell(i, j).text = "" if pd.isna(value) else str(value)
    for cell in (shape.table.cell(i, j) for i in range(rows) for j in range(cols)):
        for para in cell.text_frame.paragraphs:
            para.font.size = size


def _section_slide(prs: Presentation, section: Section, label: str = "",
                   statement: str = "", render: bool = True) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    if statement:  # small-count suppression, on every slide so a copied slide carries it
        _text_box(slide, statement, Inches(0.02), Inches(0.3), 10)
    _text_box(slide, f"{section.chapter}: {section.title}", Inches(0.25), Inches(0.7), 24,
              bold=True)
    top = Inches(1.0)
    notes = list(section.notes)
    if label:  # pre-specified or exploratory, under the title
        _text_box(slide, label, Inches(0.7), Inches(0.3), 11)
        top = Inches(1.05)
    if section.unavailable:
        _text_box(slide, f"Not available: {section.unavailable}.", top, Inches(1), 16)
    if section.figure is not None and render:
        png = to_png(section.figure)
        if isinstance(png, Unavailable):
            _text_box(slide, f"Figure not rendered: {png.reason}.", top, Inches(1), 16)
        else:
            w, h = figure_size(section.figure)
            avail_w, avail_h = SLIDE_W - Inches(1.0), SLIDE_H - top - Inches(0.6)
            scale = min(avail_w / w, avail_h / h)
            pic_w, pic_h = int(w * scale), int(h * scale)
            slide.shapes.add_picture(io.BytesIO(png), int((SLIDE_W - pic_w) / 2), top,
                                     pic_w, pic_h)
    if section.table is not None:
        _add_table(slide, section.table, top)
        if len(section.table) > _MAX_TABLE_ROWS:
            notes.append(f"The slide shows the first {_MAX_TABLE_ROWS} of "
                         f"{len(section.table)} rows.")
    if section.caption:
        _text_box(slide, section.caption, SLIDE_H - Inches(0.55), Inches(0.5), 11)
    slide.notes_slide.notes_text_frame.text = "\n".join([*(notes or [section.caption]),
                                                         *([label] if label else []),
                                                         *([statement] if statement else [])])


def to_pptx(report: Report, *, render_figures: bool = True) -> bytes:
    """The deck as PPTX bytes (16:9). ``render_figures=False`` leaves the pictures out (no
    browser needed): what :mod:`her2dash.verify` regenerates to compare the text with.

    The provenance record (settings, fingerprint, sweep parameters, suppression) is the last
    line of the title slide's notes, for :mod:`her2dash.verify`.
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    _title_slide(prs, report)
    statement = f"{report.suppression.statement}." if report.suppression.enabled else ""
    session = image_session() if render_figures else contextlib.nullcontext()
    with session:
        label = status_caption(report.exploration) if report.exploration else ""
        for section in report.sections:
            _section_slide(prs, section, label, statement, render_figures)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()

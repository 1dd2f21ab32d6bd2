"""Present: the tumour-board view. One figure or table at a time, large enough for the back of
the room, light or dark; the same sections as the report and the slide deck
(her2dash/export/report.py), which download from here as HTML, PDF and PPTX."""

from __future__ import annotations

import streamlit as st

from her2dash.export.deck import to_pptx
from her2dash.export.report import to_html, to_pdf
from her2dash.figures.theme import PLOT_CONFIG, for_presentation
from her2dash.tables.present import PRESENT_CSS, slide_caption, slide_counter
from pages.common.show import export_suppression, suppression_controls
from pages.common.state import current_report

_SLIDE = "present.slide"


def _pdf(rep: object) -> bytes:
    data = to_pdf(rep)  # type: ignore[arg-type]
    if isinstance(data, bytes):
        return data
    raise RuntimeError(data.reason)  # shown by Streamlit instead of a broken file


def _move(step: int, n: int) -> None:
    st.session_state[_SLIDE] = (st.session_state.get(_SLIDE, 0) + step) % n


# Small-count suppression (the checkbox under "Report and slides") applies to the slides shown
# here as well as to the files: presenting to a room is sharing the results.
suppression = export_suppression()
report = current_report(suppression)
sections = report.sections
n = len(sections)
slide = st.session_state.get(_SLIDE, 0) % n

# One row, each control as wide as its label (at the slides' large type, fixed columns cut
# "◀ Previous" short).
top = st.container(horizontal=True, vertical_alignment="center")
top.button("◀ Previous", on_click=_move, args=(-1, n), key="present.prev")
top.button("Next ▶", on_click=_move, args=(1, n), key="present.next")
dark = top.toggle("Dark", key="present.dark")
hide = top.toggle("Hide controls", key="present.hide",
                  help="Hides the sidebar and Streamlit's chrome; switch off to get them back.")
top.caption(slide_counter(slide, n, report))
if hide:
    st.html(PRESENT_CSS["hide"])
st.html(PRESENT_CSS["dark" if dark else "light"])

section = sections[slide]
st.title(section.title)
if section.unavailable:
    st.info(section.unavailable, icon=":material/info:")
elif section.figure is not None:
    st.plotly_chart(for_presentation(section.figure, dark=dark), key=f"present.figure.{slide}",
                    config=PLOT_CONFIG, theme=None)
elif section.table is not None:
    st.dataframe(section.table, hide_index=True, width="stretch", row_height=48,
                 key=f"present.table.{slide}")
st.markdown(slide_caption(section))
if suppression.enabled:
    st.caption(f"{suppression.statement}.")

with st.expander("Report and slides", expanded=suppression.enabled):
    suppression_controls("present")
    left, middle, right = st.columns(3)
    left.download_button("HTML report", lambda: to_html(report).encode("utf-8"),
                         file_name="her2dash-report.html", mime="text/html",
                         key="present.html", icon=":material/download:")
    middle.download_button("PDF report", lambda: _pdf(report), file_name="her2dash-report.pdf",
                           mime="application/pdf", key="present.pdf",
                           icon=":material/download:")
    right.download_button("PowerPoint deck", lambda: to_pptx(report),
                          file_name="her2dash-slides.pptx", key="present.pptx",
                          icon=":material/download:",
                          mime="application/vnd.openxmlformats-officedocument."
                               "presentationml.presentation")

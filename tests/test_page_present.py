"""The Present page (AppTest) and the presentation styling of figures."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo
from her2dash.export.report import build_report
from her2dash.figures.theme import PRESENTATION_FONT_SIZE, for_presentation
from her2dash.settings import Settings

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_for_presentation_enlarges_type_lines_and_markers_and_leaves_data_alone():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], line={"width": 2}, marker={"size": 6}))
    big = for_presentation(fig, dark=True)
    assert big.layout.font.size == PRESENTATION_FONT_SIZE
    assert big.data[0].line.width == 5 and big.data[0].marker.size == 6 * 1.8
    assert list(big.data[0].y) == [3, 4] and fig.data[0].line.width == 2  # a copy
    assert big.layout.paper_bgcolor == "#111111"


def test_present_page_steps_through_the_reports_sections():
    cohort, _ = load_demo()
    titles = [s.title for s in build_report(cohort, Settings()).sections]
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == titles[0]
    at.button(key="present.next").click().run()
    assert at.title[0].value == titles[1]
    at.button(key="present.prev").click().run()
    at.button(key="present.prev").click().run()
    assert at.title[0].value == titles[-1]  # wraps around
    at.toggle(key="present.dark").set_value(True).run()
    at.toggle(key="present.hide").set_value(True).run()
    assert not at.exception

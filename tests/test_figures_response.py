"""The waterfall (Fig. 3a) and depth-of-response (Fig. 3b) builders draw what they are given."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from her2dash.analysis import analyze
from her2dash.classify import classify
from her2dash.demo import load_demo
from her2dash.figures.depth import depth_figure
from her2dash.figures.theme import GROUP_COLORS, GROUP_LABELS, RESPONSE_COLORS
from her2dash.figures.waterfall import Y_TITLE, waterfall_figure
from her2dash.settings import Settings
from her2dash.tables.response import mann_whitney_text, waterfall_points


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    settings = Settings()
    return waterfall_points(cohort, classify(cohort, settings)), analyze(cohort, settings)


def _bars(fig: go.Figure) -> list[tuple[int, float]]:
    """(position, change) of every bar over all traces, left to right."""
    return sorted((int(x), float(y)) for t in fig.data if t.type == "bar"
                  for x, y in zip(t.x, t.y, strict=True))


@pytest.mark.parametrize("colour_by", ["group", "response"])
def test_one_bar_per_patient_with_a_change_sorted_descending(demo, colour_by):
    points, _ = demo
    bars = _bars(waterfall_figure(points, colour_by=colour_by))
    assert len(bars) == len(points) == 70
    assert [x for x, _ in bars] == list(range(1, 71))
    heights = [y for _, y in bars]
    assert heights == sorted(heights, reverse=True)
    assert heights == points["pct_change"].tolist()


def test_recist_lines_at_minus_30_and_plus_20_are_dashed_and_labelled(demo):
    fig = waterfall_figure(demo[0])
    lines = {s.y0: s for s in fig.layout.shapes}
    assert set(lines) == {-30.0, 20.0}
    assert all(s.line.dash == "dash" and s.y0 == s.y1 for s in lines.values())
    # Full opacity, above the bars: simple_white's shape default (0.3) made them vanish.
    assert all(s.opacity == 1 and s.layer == "above" for s in lines.values())
    labels = [a.text for a in fig.layout.annotations]
    assert "PR −30 %" in labels and "PD +20 %" in labels
    assert fig.layout.yaxis.title.text == Y_TITLE == "Best change from baseline (%)"


def test_colour_by_group_uses_the_group_palette(demo):
    fig = waterfall_figure(demo[0], colour_by="group")
    colours = {t.name: t.marker.color for t in fig.data}
    assert colours == {GROUP_LABELS[g]: GROUP_COLORS[g] for g in ("heterogeneous", "homogeneous")}
    assert colours["Homo-HER2"] == "#0072B2" and colours["Hetero-HER2"] == "#D55E00"


def test_colour_by_response_uses_the_recist_colours(demo):
    points = demo[0]
    fig = waterfall_figure(points, colour_by="response")
    colours = {t.name: t.marker.color for t in fig.data}
    present = set(points["best_response"])
    assert set(colours) == present
    assert all(colours[r] == RESPONSE_COLORS[r] for r in present)
    counts = {t.name: len(t.x) for t in fig.data}
    assert counts == points["best_response"].value_counts().to_dict()


def test_hover_names_patient_response_and_change(demo):
    points = demo[0]
    fig = waterfall_figure(points)
    first = next(t for t in fig.data if 1 in list(t.x))
    i = list(first.x).index(1)
    patient, _, response = first.customdata[i]
    assert patient == points.iloc[0]["patient_id"]
    assert response == points.iloc[0]["best_response"]
    assert "%{customdata[0]}" in first.hovertemplate and "%{y" in first.hovertemplate


def test_empty_points_give_a_message_not_an_error():
    empty = pd.DataFrame(columns=["patient_id", "pct_change", "group", "best_response"])
    fig = waterfall_figure(empty)
    assert not fig.data
    assert "No patient" in fig.layout.annotations[0].text
    with pytest.raises(ValueError, match="colour_by"):
        waterfall_figure(empty, colour_by="colour")  # type: ignore[arg-type]


def test_depth_boxes_show_the_results_quartiles_and_every_point(demo):
    points, analysis = demo
    depth = analysis.depth_of_response
    fig = depth_figure(depth, points, p_text=mann_whitney_text(depth))
    boxes = [t for t in fig.data if t.type == "box"]
    assert [b.name for b in boxes] == ["Hetero-HER2", "Homo-HER2"]
    for box, q in zip(boxes, (depth.heterogeneous, depth.homogeneous), strict=True):
        assert (box.q1[0], box.median[0], box.q3[0]) == (q.q1, q.median, q.q3)
        assert (box.lowerfence[0], box.upperfence[0]) == (q.minimum, q.maximum)
    strips = [t for t in fig.data if t.type == "scatter"]
    assert sum(len(s.y) for s in strips) == len(points)
    assert [s.marker.color for s in strips] == [GROUP_COLORS["heterogeneous"],
                                                GROUP_COLORS["homogeneous"]]
    assert any(a.text == "Mann–Whitney p = 0.046" for a in fig.layout.annotations)

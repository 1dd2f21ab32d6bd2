"""Forest-style plot of the user's estimates beside the published ones (her2dash/literature.py).

One panel per kind of number (rates in %, hazard and odds ratios on a log axis, medians in
months). Each quantity is a block: a bold heading, the user's cohort (green diamond, labelled
"your cohort"), then each published value (dark square, labelled with its short citation);
ranges over studies are pale bars. The numbers printed at the right come from
:mod:`her2dash.tables.literature`, so they read as the table does.
"""

from __future__ import annotations

import math
from typing import Literal

import plotly.graph_objects as go

from her2dash.figures.theme import FONT_SIZE, GREEN, GREY, apply_theme
from her2dash.literature import ComparisonRow, Interval, LiteratureComparison
from her2dash.results import Unavailable
from her2dash.tables.literature import (
    YOUR_COHORT,
    cohort_text,
    published_text,
    quantity_label,
    source_label,
)

Panel = Literal["rates", "ratios", "medians"]
PANELS: dict[str, tuple[str, ...]] = {
    "rates": ("heterogeneity_rate", "orr", "dcr"),
    "ratios": ("hr_pfs", "hr_os", "hr_pfs_adjusted", "hr_os_adjusted", "orr_odds_ratio"),
    "medians": ("median_pfs", "median_os"),
}
PANEL_AXES = {"rates": "Percent of patients", "ratios": "Ratio, Homo-HER2 vs Hetero-HER2 "
              "(log scale)", "medians": "Median, months"}
PANEL_TITLES = {"rates": "Heterogeneity rate, ORR and DCR", "ratios": "Hazard and odds ratios",
                "medians": "Median PFS and OS"}
COHORT_COLOUR = GREEN
PUBLISHED_COLOUR = "#333333"
RANGE_COLOUR = "#BBBBBB"
COHORT_NAME = YOUR_COHORT
PUBLISHED_NAME = "published"
RANGE_NAME = "published range over studies"
ROW_PX = 30
_LEGEND_LINE_PX = 26
_MISSING_CHARS = 60
# The cohort's rows are labelled in its colour, so the label and the diamond read together.
_COHORT_TICK = f"<span style='color:{COHORT_COLOUR}'><b>{YOUR_COHORT}</b></span>"
LOG_TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)


def _blocks(comparison: LiteratureComparison, panel: Panel
            ) -> list[tuple[tuple[str, str], list[ComparisonRow]]]:
    """(quantity, group) blocks in registry order, each with its published rows."""
    blocks: dict[tuple[str, str], list[ComparisonRow]] = {}
    for row in comparison.rows:
        if row.published.quantity in PANELS[panel]:
            blocks.setdefault((row.published.quantity, row.published.group), []).append(row)
    return list(blocks.items())


def _bounds(interval: Interval | None) -> list[float]:
    return [] if interval is None else [b for b in (interval.low, interval.high) if b is not None]


def _axis_range(comparison: LiteratureComparison, panel: Panel) -> tuple[float, float]:
    """The x range in data units (log10 for ratios): every point and interval, with room."""
    values: list[float] = []
    for _, rows in _blocks(comparison, panel):
        for row in rows:
            values += _bounds(row.published.interval)
            if row.published.estimate is not None:
                values.append(row.published.estimate)
            if not isinstance(row.cohort, Unavailable):
                values += _bounds(row.cohort.interval)
                if row.cohort.estimate is not None:
                    values.append(row.cohort.estimate)
    if panel == "rates":
        return 0.0, 100.0
    if panel == "ratios":
        positive = [v for v in values if v > 0] + [1.0]
        return math.log10(min(positive) / 1.4), math.log10(max(positive) * 1.4)
    return 0.0, (max(values) if values else 1.0) * 1.08


def literature_figure(comparison: LiteratureComparison, panel: Panel) -> go.Figure:
    """The cohort's estimates and the published ones for one panel, as a forest plot.

    A bound not reached runs to the axis' edge and ends in an arrow; a median not reached
    prints "NR"; a cohort estimate the data cannot give prints why not.
    """
    blocks = _blocks(comparison, panel)
    low, high = _axis_range(comparison, panel)
    edge = 10 ** high if panel == "ratios" else high
    start = 10 ** low if panel == "ratios" else low
    tick_y: list[float] = []
    tick_text: list[str] = []
    series: dict[str, dict[str, list]] = {
        name: {"x": [], "y": [], "wx": [], "wy": [], "hover": [], "arrows": [],
               "not_reached": []}
        for name in (COHORT_NAME, PUBLISHED_NAME)}
    ranges: dict[str, list] = {"x": [], "y": []}
    notes: list[tuple[float, str]] = []  # (y, text) printed at the right
    missing: list[tuple[float, str]] = []  # (y, text) printed inside the plot, at the left
    y = 0.0
    for (quantity, group), rows in blocks:
        y -= 1
        tick_y.append(y)
        tick_text.append(f"<b>{quantity_label(quantity, group)}</b>")
        entries: list[tuple[str, str, float | None, Interval | None, str]] = []
        cohort = rows[0].cohort
        if isinstance(cohort, Unavailable):
            y -= 1
            tick_y.append(y)
            tick_text.append(_COHORT_TICK)
            missing.append((y, f"not available: {cohort.reason}"))
        else:
            entries.append((COHORT_NAME, COHORT_NAME, cohort.estimate, cohort.interval,
                            cohort_text(rows[0], counts=False)))
        entries += [(PUBLISHED_NAME, source_label(r.published), r.published.estimate,
                     r.published.interval, published_text(r.published, counts=False))
                    for r in rows]
        for name, label, estimate, interval, text in entries:
            y -= 1
            tick_y.append(y)
            tick_text.append(_COHORT_TICK if name == COHORT_NAME else label)
            notes.append((y, text))
            if interval is not None and interval.kind == "range":
                ranges["x"] += [interval.low, interval.high, None]
                ranges["y"] += [y, y, None]
                continue
            s = series[name]
            if interval is not None and interval.low is not None:
                s["wx"] += [interval.low, interval.high if interval.high is not None else edge,
                            None]
                s["wy"] += [y, y, None]
                if interval.high is None:
                    s["arrows"].append(y)
            if estimate is None and interval is None:
                s["not_reached"].append(y)
            if estimate is not None:
                s["x"].append(estimate)
                s["y"].append(y)
                s["hover"].append(f"{label}<br>{text}")
        y -= 0.4  # air between blocks
    fig = go.Figure()
    if ranges["x"]:
        fig.add_trace(go.Scatter(x=ranges["x"], y=ranges["y"], mode="lines", name=RANGE_NAME,
                                 line={"color": RANGE_COLOUR, "width": 12}, hoverinfo="skip",
                                 legendrank=3))
    styles = {COHORT_NAME: (COHORT_COLOUR, "diamond", 15), PUBLISHED_NAME: (PUBLISHED_COLOUR,
                                                                          "square", 11)}
    for name, s in series.items():
        colour, symbol, size = styles[name]
        fig.add_trace(go.Scatter(x=s["wx"], y=s["wy"], mode="lines", showlegend=False,
                                 hoverinfo="skip", line={"color": colour, "width": 3}))
        if s["arrows"]:
            # Drawn over the axis' edge (cliponaxis off), where the open interval runs out.
            fig.add_trace(go.Scatter(
                x=[edge] * len(s["arrows"]), y=s["arrows"], mode="markers", showlegend=False,
                hoverinfo="skip", cliponaxis=False,
                marker={"symbol": "triangle-right", "size": 12, "color": colour}))
        for yy in s["not_reached"]:
            fig.add_annotation(x=edge, xref="x", y=yy, yref="y", xanchor="right",
                               showarrow=False, text="not reached ▸",
                               font={"size": FONT_SIZE - 3, "color": colour})
        fig.add_trace(go.Scatter(x=s["x"], y=s["y"], mode="markers", name=name, text=s["hover"],
                                 legendrank=1 if name == COHORT_NAME else 2,
                                 hovertemplate="%{text}<extra></extra>", cliponaxis=False,
                                 marker={"symbol": symbol, "size": size, "color": colour}))
    for yy, text in notes:
        fig.add_annotation(x=1.03, xref="paper", y=yy, yref="y", xanchor="left", align="left",
                           showarrow=False, text=text, font={"size": FONT_SIZE - 2})
    for yy, text in missing:
        # Long reasons are cut to the plot's width; the whole sentence is in the hover and the
        # table. White behind, so the line at 1 does not run through the words.
        short = text if len(text) <= _MISSING_CHARS else text[:_MISSING_CHARS - 1] + "…"
        fig.add_annotation(x=0.01, xref="paper", y=yy, yref="y", xanchor="left", align="left",
                           showarrow=False, text=short, hovertext=text, bgcolor="white",
                           font={"size": FONT_SIZE - 3, "color": GREY})
    if panel == "ratios":
        # The line of no effect (a shape's x is a data value, even on a log axis).
        fig.add_shape(type="line", x0=1, x1=1, y0=0, y1=1, xref="x", yref="paper", opacity=1,
                      line={"color": "#222222", "width": 1.5, "dash": "dash"})
    n_rows = len(tick_y) + 0.4 * len(blocks)
    # The legend is a list between the title and the plot, one entry a line, and the top
    # margin is sized to it: the plot area between the long row labels and the notes is
    # narrow, and a horizontal legend held to that width wraps upwards into the title.
    top = 70 + _LEGEND_LINE_PX * (2 + bool(ranges["x"]))
    apply_theme(fig, title=PANEL_TITLES[panel],
                height=int(60 + top + ROW_PX * max(n_rows, 3)))
    fig.update_layout(margin={"l": 20, "r": 250, "t": top}, hovermode="closest",
                      title={"yref": "container", "y": 1.0, "yanchor": "top", "pad": {"t": 20}},
                      legend={"orientation": "v", "x": 0.0, "y": 1.0, "yanchor": "bottom"})
    xaxis: dict = {"title": PANEL_AXES[panel], "showgrid": True, "gridcolor": "#E5E5E5",
                   "range": [low, high], "zeroline": False}
    if panel == "ratios":
        ticks = [v for v in LOG_TICKS if start <= v <= edge]
        xaxis |= {"type": "log", "tickvals": ticks, "ticktext": [f"{v:g}" for v in ticks]}
    fig.update_xaxes(**xaxis)
    fig.update_yaxes(tickvals=tick_y, ticktext=tick_text, range=[y - 0.2, 0.2], showline=False,
                     ticks="", automargin=True)
    return fig

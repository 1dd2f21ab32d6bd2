"""Shared look of every figure: Okabe–Ito colours (safe for the common colour-vision
deficiencies), large type for a tumour-board projector, white background for slides."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from her2dash.classify import GROUP_LABELS, HETEROGENEOUS, HOMOGENEOUS, OVERALL

__all__ = ["GROUP_COLORS", "GROUP_LABELS", "OVERALL", "apply_theme"]

# Okabe & Ito (2008), "Color Universal Design".
BLUE, VERMILLION, ORANGE, SKY, GREEN, YELLOW, PURPLE, GREY = (
    "#0072B2", "#D55E00", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#CC79A7", "#6E6E6E")

GROUP_COLORS = {HOMOGENEOUS: BLUE, HETEROGENEOUS: VERMILLION, OVERALL: GREY}
RESPONSE_COLORS = {"CR": BLUE, "PR": SKY, "SD": ORANGE, "PD": VERMILLION, "NE": GREY}
# Sequential, colour-blind-safe scale for % positive / IHC score (cividis).
SCORE_SCALE = "cividis"

FONT_SIZE = 16
FONT_FAMILY = "Arial, Helvetica, sans-serif"

# st.plotly_chart(config=...) and fig.show(config=...): the camera button saves a PNG at
# slide resolution.
PLOT_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 3},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


# The figures' template, made the default once here: a template given by name or object to
# each figure is deep-copied and validated every time (~8 ms a figure, most of a Kaplan–Meier
# figure's build), while the default template is applied lazily. A side effect of importing
# the figure builders, and the only one: her2dash's statistics never import plotly.
pio.templates["her2dash"] = go.layout.Template(pio.templates["simple_white"])
pio.templates.default = "her2dash"


def apply_theme(fig: go.Figure, *, title: str | None = None, height: int | None = None
                ) -> go.Figure:
    """The shared layout, in place; returns ``fig`` for chaining."""
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": "#222222"},
        title={"text": title, "x": 0.0, "xanchor": "left"} if title else None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.0},
        margin={"l": 70, "r": 30, "t": 70 if title else 40, "b": 60},
        hoverlabel={"font_size": FONT_SIZE - 2},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig


PRESENTATION_FONT_SIZE = 26
_DARK = {"paper": "#111111", "text": "#EEEEEE", "grid": "#555555"}


def for_presentation(fig: go.Figure, *, dark: bool = False) -> go.Figure:
    """A copy of ``fig`` readable from the back of a room: larger type, thicker lines and
    markers, and optionally light-on-dark colours for a dimmed room. Data are untouched."""
    out = go.Figure(fig)
    out.update_layout(font={"size": PRESENTATION_FONT_SIZE},
                      legend={"font": {"size": PRESENTATION_FONT_SIZE - 2}},
                      margin={"l": 110, "r": 40, "t": 90, "b": 90})
    if out.layout.height:
        out.update_layout(height=int(out.layout.height * 1.35))
    # Axis titles and in-plot notes stay a step smaller: at full size the KM figure's
    # "Number at risk" label runs into the time axis title.
    out.update_xaxes(title_font_size=PRESENTATION_FONT_SIZE - 4)
    out.update_yaxes(title_font_size=PRESENTATION_FONT_SIZE - 4)
    out.update_annotations(font_size=PRESENTATION_FONT_SIZE - 8)
    for trace in out.data:
        line = getattr(trace, "line", None)
        if line is not None and line.width not in (0,):
            trace.line.width = 2.5 * (line.width or 2)
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(marker, "size", None) and not isinstance(
                marker.size, tuple | list):
            trace.marker.size = 1.8 * marker.size
    if dark:
        out.update_layout(paper_bgcolor=_DARK["paper"], plot_bgcolor=_DARK["paper"],
                          font_color=_DARK["text"])
        out.update_xaxes(color=_DARK["text"], gridcolor=_DARK["grid"], linecolor=_DARK["text"])
        out.update_yaxes(color=_DARK["text"], gridcolor=_DARK["grid"], linecolor=_DARK["text"])
        # Boxed notes (the KM medians) keep their box but turn dark, or light text vanishes.
        out.update_annotations(selector=lambda a: a.bgcolor is not None,
                               bgcolor="#222222", bordercolor=_DARK["grid"])
        out.update_annotations(selector=lambda a: a.font is None or a.font.color in (
            None, "#222222", "#333333", "black"), font_color=_DARK["text"])
    return out

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

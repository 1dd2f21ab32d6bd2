"""Shared look of every figure: Okabe–Ito colours (safe for the common colour-vision
deficiencies), large type for a tumour-board projector, white background for slides."""

from __future__ import annotations

import plotly.graph_objects as go

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


def apply_theme(fig: go.Figure, *, title: str | None = None, height: int | None = None
                ) -> go.Figure:
    """The shared layout, in place; returns ``fig`` for chaining."""
    fig.update_layout(
        template="simple_white",
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": "#222222"},
        title={"text": title, "x": 0.0, "xanchor": "left"} if title else None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.0},
        margin={"l": 70, "r": 30, "t": 70 if title else 40, "b": 60},
        hoverlabel={"font_size": FONT_SIZE - 2},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig

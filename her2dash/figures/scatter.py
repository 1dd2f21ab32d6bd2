"""Biopsy fragment count vs survival time per HER2 group (the paper's ESM 5).

Takes the points of :func:`her2dash.tables.biopsy_count.biopsy_count_points` and the Spearman
results of :class:`~her2dash.biopsy_count.BiopsyCountCorrelation`; computes nothing but where to
put each dot (a deterministic sideways spread so tied counts stay visible).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from her2dash.biopsy_count import BiopsyCountCorrelation
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.figures.theme import GROUP_COLORS, GROUP_LABELS, apply_theme
from her2dash.tables.biopsy_count import spearman_text
from her2dash.tables.survival import ENDPOINT_TITLES

# Homo-HER2 dots sit left of each integer count, Hetero-HER2 right, each within ±SPREAD/2 of
# its lane: points of one count never cover the other group's.
LANE_OFFSET = 0.18
SPREAD = 0.26
# A fixed seed: the same data always draw the same picture (and the same PNG).
JITTER_SEED = 2019
GROUP_ORDER = (HOMOGENEOUS, HETEROGENEOUS)


def _jitter(points: pd.DataFrame) -> np.ndarray:
    """x offset per point: its group's lane plus a seeded uniform spread. (Spacing points
    evenly by time drew diagonal streaks that read as a trend.)"""
    lane = np.where(points["group"].to_numpy() == HOMOGENEOUS, -LANE_OFFSET, LANE_OFFSET)
    spread = np.random.default_rng(JITTER_SEED).uniform(-0.5, 0.5, len(points))
    return lane + SPREAD * spread


def biopsy_count_figure(points: pd.DataFrame, correlation: BiopsyCountCorrelation, *,
                        endpoint: str, title: str | None = None, height: int = 560
                        ) -> go.Figure:
    """Fragments (x) vs months (y), one colour per group; Spearman's rho and p in the legend.

    Filled dots are events, open ones censored times (plotted as observed, as the paper does).
    Traces carry ``meta = {"group", "role"}``, role "points" or "legend" (the legend entry, a
    filled dot); a group without points has neither.
    """
    fig = go.Figure()
    if len(points):
        x = points["n_fragments"].to_numpy(dtype=float) + _jitter(points)
    else:
        x = np.empty(0)
    for group in GROUP_ORDER:
        mask = (points["group"] == group).to_numpy()
        if not mask.any():
            continue
        sub = points[mask]
        colour = GROUP_COLORS[group]
        name = f"{GROUP_LABELS[group]} ({spearman_text(getattr(correlation, group))})"
        # Legend-only entry: plotly draws a legend symbol from the first point, which would show
        # an open (censored) circle whenever that patient is censored.
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=name, legendgroup=group,
            marker={"color": colour, "size": 11, "symbol": "circle"}, hoverinfo="skip",
            meta={"group": group, "role": "legend"},
        ))
        fig.add_trace(go.Scatter(
            x=x[mask], y=sub["months"], mode="markers", name=name, legendgroup=group,
            showlegend=False,
            marker={"color": colour, "size": 11,
                    "symbol": np.where(sub["event"].to_numpy(), "circle", "circle-open"),
                    "line": {"color": colour, "width": 2}},
            customdata=np.c_[sub["n_fragments"].to_numpy(), sub.index.to_numpy(dtype=object)],
            hovertemplate=(f"{GROUP_LABELS[group]} %{{customdata[1]}}<br>"
                           "%{customdata[0]} fragments<br>%{y:.1f} months<extra></extra>"),
            meta={"group": group, "role": "points"},
        ))
    counts = points["n_fragments"] if len(points) else pd.Series([1])
    low, high = int(counts.min()), int(counts.max())
    fig.update_xaxes(title_text="Tumour-containing biopsy fragments", tick0=0, dtick=1,
                     range=[low - 0.6, high + 0.6], ticks="outside")
    fig.update_yaxes(title_text=f"{ENDPOINT_TITLES.get(endpoint, endpoint)}, months",
                     rangemode="tozero", ticks="outside")
    fig.add_annotation(text=(f"All patients: {spearman_text(correlation.overall)}<br>"
                             "● event   ○ censored (time as observed)"),
                       xref="x domain", yref="y domain", x=0.99, y=0.99, xanchor="right",
                       yanchor="top", align="right", showarrow=False,
                       bgcolor="rgba(255,255,255,0.85)", name="overall")
    apply_theme(fig, title=title, height=height)
    return fig

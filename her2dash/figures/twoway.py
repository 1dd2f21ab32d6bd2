"""The two-way map (X-tile style): cutoff × minimum number of tumour-containing fragments,
coloured by HR or −log10 p, group sizes on hover."""

from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go

from her2dash.figures.theme import SCORE_SCALE, apply_theme
from her2dash.twoway import TwoWayMap

ColourBy = Literal["hazard_ratio", "p"]


def two_way_figure(grid: TwoWayMap, *, colour_by: ColourBy = "p",
                   title: str | None = None) -> go.Figure:
    """Cells with a group below the minimum are blank; the grid's maximum is marked."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if colour_by == "p":
            z = -np.log10(grid.logrank_p)
            bar_title, scale, mid = "−log10 p", SCORE_SCALE, None
        else:
            z = np.log2(grid.hazard_ratio)
            bar_title, scale, mid = "log2 HR", "RdBu_r", 0.0
    custom = np.stack([grid.n_homogeneous, grid.n_heterogeneous, grid.hazard_ratio,
                       grid.logrank_p], axis=-1)
    fig = go.Figure(go.Heatmap(
        x=grid.cutoffs, y=grid.min_fragments, z=z, colorscale=scale, zmid=mid,
        colorbar={"title": {"text": bar_title}}, customdata=custom,
        hovertemplate=("cutoff %{x:.0f} %, ≥ %{y} fragments<br>Homo-HER2 %{customdata[0]}, "
                       "Hetero-HER2 %{customdata[1]}<br>HR %{customdata[2]:.2f}, log-rank p "
                       "%{customdata[3]:.3g}<extra></extra>")))
    fig.add_trace(go.Scatter(x=[grid.best_cutoff], y=[grid.best_min_fragments], mode="markers",
                             marker={"symbol": "x", "size": 14, "color": "#222222"},
                             name="maximum statistic", hoverinfo="skip"))
    fig.update_xaxes(title_text="Cutoff (% positive)", ticksuffix=" %")
    fig.update_yaxes(title_text="Minimum tumour-containing fragments", dtick=1)
    return apply_theme(fig, title=title, height=460)

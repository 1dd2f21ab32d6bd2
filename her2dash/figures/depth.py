"""Fig. 3b: depth of response, a box per HER2 group with every patient's point beside it.

The box is drawn from :class:`~her2dash.response.DepthOfResponse` (median and quartiles as R's
``quantile`` type 7, whiskers to the range) rather than letting plotly recompute quartiles by
its own method, so the box shows the numbers in the depth table. Points come from
:func:`her2dash.tables.response.waterfall_points`; the p text from
:func:`her2dash.tables.response.mann_whitney_text`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.figures.theme import GROUP_COLORS, GROUP_LABELS, apply_theme
from her2dash.figures.waterfall import Y_TITLE
from her2dash.response import DepthOfResponse
from her2dash.results import Unavailable

_ORDER = (HETEROGENEOUS, HOMOGENEOUS)  # reference first, as Table 3
_STRIP_OFFSET = 0.32  # points sit to the right of their box
_JITTER = 0.14
_GOLDEN = 0.6180339887498949
_HOVER = ("<b>%{customdata[0]}</b><br>%{customdata[1]}"
          "<br>Change %{y:+.1f} %<extra></extra>")


def _jitter(n: int) -> list[float]:
    # A golden-ratio sequence spreads points evenly and identically on every redraw (a random
    # jitter would move the dots each time the page reruns).
    return [((i * _GOLDEN) % 1.0 - 0.5) * _JITTER for i in range(n)]


def depth_figure(depth: DepthOfResponse, points: pd.DataFrame, *, p_text: str,
                 title: str | None = None) -> go.Figure:
    """Box (from ``depth``) and strip (``points``) of best % change per group, p annotated."""
    fig = go.Figure()
    for x, group in enumerate(_ORDER):
        quantiles = getattr(depth, group)
        colour, label = GROUP_COLORS[group], GROUP_LABELS[group]
        if not isinstance(quantiles, Unavailable):
            fig.add_trace(go.Box(
                x=[x], q1=[quantiles.q1], median=[quantiles.median], q3=[quantiles.q3],
                lowerfence=[quantiles.minimum], upperfence=[quantiles.maximum],
                name=label, marker_color=colour, fillcolor="rgba(0,0,0,0)",
                line={"width": 2.5}, width=0.4, boxpoints=False, showlegend=False,
                hovertemplate=(f"<b>{label}</b> (n = {quantiles.n})<br>median "
                               f"{quantiles.median:+.1f} %<extra></extra>"),
            ))
        part = points[points["group"] == group]
        if part.empty:
            continue
        fig.add_scatter(
            x=[x + _STRIP_OFFSET + j for j in _jitter(len(part))], y=part["pct_change"],
            mode="markers", name=label, showlegend=False,
            marker={"color": colour, "size": 10, "opacity": 0.8,
                    "line": {"color": "white", "width": 1}},
            customdata=part[["patient_id", "best_response"]].to_numpy(), hovertemplate=_HOVER,
        )
    fig.add_annotation(text=p_text, x=0.5, y=1.0, xref="x domain", yref="paper",
                       yanchor="bottom", showarrow=False, font={"size": 18})
    fig.update_xaxes(tickvals=list(range(len(_ORDER))),
                     ticktext=[GROUP_LABELS[g] for g in _ORDER],
                     range=[-0.5, len(_ORDER) - 0.3], title_text=None, tickangle=0)
    fig.update_yaxes(title_text=Y_TITLE, zeroline=True, zerolinecolor="#222222",
                     ticksuffix=" %")
    return apply_theme(fig, title=title, height=480)

"""Cox-model figures: the forest plot of hazard ratios and the ``cox.zph`` residual plot.

Both take result objects (:class:`~her2dash.cox.CoxTerm`, :class:`~her2dash.cox.PHTest`) and
only draw; the numbers printed beside the forest come from :mod:`her2dash.tables`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from her2dash.analysis import GROUP_TERM
from her2dash.cox import CoxTerm, PHTest
from her2dash.figures.theme import BLUE, FONT_SIZE, GREY, VERMILLION, apply_theme
from her2dash.tables import format_estimate, format_p
from her2dash.tables.cox import HR_DIGITS, term_label

ROW_PX = 46  # per forest row: a projector needs the label and its whisker on one line
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
POINTS = "hazard ratio"
WHISKERS = "confidence interval"


def forest_figure(terms: Sequence[CoxTerm], *, labels: Mapping[str, str] | None = None,
                  title: str | None = None) -> go.Figure:
    """Hazard ratios with their CI whiskers on a log axis, a line at 1, one row per term.

    Rows run top-down in the order of ``terms``; ``labels`` maps covariate names to their
    labels (:func:`her2dash.tables.cox.covariate_labels`). The HER2-group term is drawn in
    vermillion so it stands out among the adjustment covariates. The right margin prints
    "HR (CI)" and the Wald p of each row.
    """
    names = labels or {}
    y = list(range(len(terms), 0, -1))  # top row first
    text = [term_label(t, names) for t in terms]
    colours = [VERMILLION if t.covariate == GROUP_TERM else BLUE for t in terms]
    fig = go.Figure()
    wx: list[float | None] = []
    wy: list[float | None] = []
    for t, yy in zip(terms, y, strict=True):
        wx += [t.ci.low, t.ci.high, None]
        wy += [yy, yy, None]
    fig.add_trace(go.Scatter(x=wx, y=wy, mode="lines", name=WHISKERS, hoverinfo="skip",
                             line={"color": GREY, "width": 3}, showlegend=False))
    hover = [f"{lab}<br>HR {format_estimate(t.hazard_ratio, t.ci, HR_DIGITS)}"
             f"<br>p {format_p(t.pvalue)}" for lab, t in zip(text, terms, strict=True)]
    fig.add_trace(go.Scatter(
        x=[t.hazard_ratio for t in terms], y=y, mode="markers", name=POINTS, showlegend=False,
        marker={"symbol": "square", "size": 14, "color": colours}, text=hover,
        hovertemplate="%{text}<extra></extra>"))
    # The line of no effect. A shape's x is a data value even on a log axis (unlike an
    # annotation's, which would need log10). Opacity: simple_white's shape default is 0.3.
    fig.add_shape(type="line", x0=1, x1=1, y0=0, y1=1, xref="x", yref="paper", opacity=1,
                  line={"color": "#222222", "width": 1.5, "dash": "dash"})
    for t, yy in zip(terms, y, strict=True):
        fig.add_annotation(x=1.01, xref="paper", y=yy, yref="y", xanchor="left",
                           showarrow=False, align="left",
                           text=f"{format_estimate(t.hazard_ratio, t.ci, HR_DIGITS)}  "
                                f"p {format_p(t.pvalue)}")
    fig.add_annotation(x=1.01, xref="paper", y=1.0, yref="paper", yanchor="bottom",
                       xanchor="left", showarrow=False, text="<b>HR (95 % CI)  p</b>")
    apply_theme(fig, title=title, height=140 + ROW_PX * max(len(terms), 1))
    # Right margin: room for the longest "6.73 (2.83–16.01)  p < 0.001" at projector size.
    fig.update_layout(margin={"l": 20, "r": 280}, hovermode="closest")
    # Plain ticks (0.5, not plotly's log-minor "5") over the CIs with some room either side.
    bounds = [1.0, *(b for t in terms for b in (t.ci.low, t.ci.high) if b and b > 0)]
    low, high = min(bounds) / 1.3, max(bounds) * 1.3
    ticks = [v for v in LOG_TICKS if low <= v <= high]
    fig.update_xaxes(type="log", title="Hazard ratio (log scale)", showgrid=True,
                     gridcolor="#E5E5E5", range=[math.log10(low), math.log10(high)],
                     tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    fig.update_yaxes(tickvals=y, ticktext=text, range=[0.4, len(terms) + 0.6], showline=False,
                     ticks="", automargin=True)
    return fig


def ph_residual_figure(ph: PHTest, term: str, *, label: str | None = None,
                       coefficient: float | None = None) -> go.Figure:
    """Scaled Schoenfeld residuals of ``term`` against KM-transformed time (``plot(cox.zph)``).

    Flat residuals around the coefficient mean proportional hazards; a trend means the log
    hazard ratio drifts over follow-up. ``coefficient`` (β̂ of a one-column term) is drawn as a
    dashed line, 0 (no effect) as a grey one. R adds a spline smooth; that is a fit, so it is
    left to the core should the page need it.
    """
    j = ph.terms.index(term)
    fig = go.Figure(go.Scatter(
        x=ph.transformed_time, y=ph.scaled_residuals[j], mode="markers", name="residual",
        customdata=ph.time, marker={"color": BLUE, "size": 9, "opacity": 0.75},
        hovertemplate="time %{customdata:.1f} months<br>β(t) %{y:.2f}<extra></extra>"))
    fig.add_hline(y=0, line={"color": GREY, "width": 1.5}, opacity=1)
    if coefficient is not None:
        fig.add_hline(y=coefficient, line={"color": VERMILLION, "width": 2.5, "dash": "dash"},
                      opacity=1,
                      annotation_text="β̂ (model)", annotation_position="top right",
                      annotation_font_size=FONT_SIZE - 2,
                      # Residuals often sit right under the label: keep it readable over them.
                      annotation_bgcolor="rgba(255, 255, 255, 0.8)")
    apply_theme(fig, title=f"Scaled Schoenfeld residuals: {label or term}", height=460)
    fig.update_xaxes(title="KM-transformed time, 1 − S(t−)", range=[0, 1])
    fig.update_yaxes(title=f"β(t) for {label or term}")
    return fig

"""The cutoff sweep: HR with its CI band (log axis), −log10 p with the 0.05 line, and the group
sizes underneath, against the cutoff; the paper's 100 % and the current cutoff marked."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.figures.theme import GREY, GROUP_COLORS, GROUP_LABELS, VERMILLION, apply_theme
from her2dash.results import Unavailable
from her2dash.rules import PERCENT, rule_spec
from her2dash.sweep import SweepResult

PAPER_CUTOFF_PCT = 100.0
_NEG_LOG10_005 = -math.log10(0.05)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [start, end] of consecutive True values."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def sweep_figure(result: SweepResult, endpoint: str, *, current_cutoff: float | None = None,
                 title: str | None = None) -> go.Figure:
    """Three rows sharing the cutoff axis. Ineligible cutoffs (a group below the minimum) are
    shaded grey and left out of the HR and p traces. Points carry their cutoff, so selecting one
    (``st.plotly_chart(on_select=...)``) tells the page which cutoff was clicked."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.45, 0.35, 0.20])
    spec = rule_spec(result.settings.rule)
    scale = spec.cutoff or PERCENT
    unit = f" {scale.unit}" if scale.unit else ""
    x = result.cutoffs
    e = result.endpoints.get(endpoint)
    ok = result.eligible.copy()
    if e is not None and not isinstance(e, Unavailable):
        ok &= np.isfinite(e.hazard_ratio)
        hr = np.where(ok, e.hazard_ratio, np.nan)
        low = np.where(ok, e.ci_low, np.nan)
        high = np.where(ok, e.ci_high, np.nan)
        fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0},
                                 hoverinfo="skip", showlegend=False), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(0,114,178,0.18)", hoverinfo="skip",
                                 name="95 % CI"), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=x, y=hr, mode="lines+markers", marker={"size": 5}, line={"color": "#0072B2"},
            name="HR homo vs hetero", customdata=np.stack([low, high], axis=1),
            hovertemplate=f"cutoff %{{x:.0f}}{unit}<br>HR %{{y:.2f}} (%{{customdata[0]:.2f}}–"
                          "%{customdata[1]:.2f})<extra></extra>"), row=1, col=1)
        fig.add_hline(y=1.0, line={"color": "#333333", "dash": "dash", "width": 1.5}, opacity=1,
                      layer="above", row=1, col=1)
        with np.errstate(divide="ignore"):
            lr = np.where(result.eligible, -np.log10(e.logrank_p), np.nan)
            wald = np.where(ok, -np.log10(e.wald_p), np.nan)
        fig.add_trace(go.Scatter(x=x, y=lr, mode="lines+markers", marker={"size": 5},
                                 line={"color": VERMILLION}, name="log-rank −log10 p",
                                 hovertemplate=f"cutoff %{{x:.0f}}{unit}<br>−log10 p %{{y:.2f}}"
                                               "<extra>log-rank</extra>"), row=2, col=1)
        fig.add_trace(go.Scatter(x=x, y=wald, mode="lines", line={"color": GREY, "dash": "dash"},
                                 name="Cox Wald −log10 p",
                                 hovertemplate=f"cutoff %{{x:.0f}}{unit}<br>−log10 p %{{y:.2f}}"
                                               "<extra>Wald</extra>"), row=2, col=1)
        fig.add_hline(y=_NEG_LOG10_005, line={"color": "#333333", "dash": "dash", "width": 1.5},
                      opacity=1, layer="above",
                      annotation={"text": "p = 0.05", "font_size": 13, "xshift": 30},
                      annotation_position="top left", row=2, col=1)
    for group in (HOMOGENEOUS, HETEROGENEOUS):
        n = result.n_homogeneous if group == HOMOGENEOUS else result.n_heterogeneous
        fig.add_trace(go.Bar(x=x, y=n, name=f"{GROUP_LABELS[group]} n",
                             marker={"color": GROUP_COLORS[group]},
                             hovertemplate=f"cutoff %{{x:.0f}}{unit}<br>%{{y}} patients<extra>"
                                           f"{GROUP_LABELS[group]}</extra>"), row=3, col=1)
    step = float(np.median(np.diff(x))) if len(x) > 1 else 1.0
    for start, end in _runs(~result.eligible):
        fig.add_vrect(x0=x[start] - step / 2, x1=x[end] + step / 2, fillcolor="#BBBBBB",
                      opacity=0.35, line_width=0, layer="below")
    # The lines cross all three rows; their labels go once, above the top row.
    paper = spec.paper_cutoff
    marks = ([] if paper is None else
             [(paper, f"paper {paper:g}{unit}", {"color": "#222222", "width": 2}, "right")])
    if current_cutoff is not None and current_cutoff != paper:
        marks.append((current_cutoff, f"current {current_cutoff:g}{unit}",
                      {"color": "#0072B2", "width": 2, "dash": "dash"}, "left"))
    for x_at, text, line, side in marks:
        fig.add_vline(x=x_at, line=line, opacity=1)
        fig.add_annotation(x=x_at, y=1.0, xref="x", yref="paper", text=text, showarrow=False,
                           xanchor=side, yanchor="bottom", font={"size": 13})
    fig.update_yaxes(type="log", title_text="Hazard ratio", row=1, col=1)
    fig.update_yaxes(title_text="−log10 p", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(title_text="Patients", row=3, col=1)
    fig.update_xaxes(title_text=f"Cutoff ({scale.quantity})", ticksuffix=unit,
                     dtick=(scale.high - scale.low) / 10, row=3, col=1)
    fig.update_layout(barmode="stack", bargap=0.1, hovermode="closest",
                      clickmode="event+select")
    return apply_theme(fig, title=title, height=760)

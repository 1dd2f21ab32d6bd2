"""Patient view figures: the patient's fragment map (one row), the classification strip over
every cutoff, and the cohort's Kaplan–Meier figure with the patient's group emphasised.

Inputs are frames from :mod:`her2dash.tables.patient` and :func:`her2dash.patient.
classification_strip`, and a figure from :func:`her2dash.figures.km.km_figure`; no statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.figures.theme import FONT_SIZE, GROUP_COLORS, GROUP_LABELS, SCORE_SCALE, apply_theme
from her2dash.rules import PERCENT, CutoffScale
from her2dash.settings import PAPER_CUTOFF_PCT
from her2dash.tables.cohort import format_cutoff

FADED_OPACITY = 0.3
EMPHASIS_WIDTH = 5


def patient_map_figure(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """One row, one cell per fragment (file order) coloured by % counted positive (cividis,
    fixed 0–100 as on the cohort's map); a fragment without tumour is a blank cell."""
    z = [[None if pd.isna(v) else float(v) for v in frame["pct_counted"]]]
    x = list(frame["slot"])
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=[0], text=[list(frame["hover"])], hovertemplate="%{text}<extra></extra>",
        hoverongaps=False, xgap=4, colorscale=SCORE_SCALE, zmin=0, zmax=100,
        colorbar={"title": {"text": "% positive", "side": "right"},
                  "tickvals": [0, 25, 50, 75, 100], "thickness": 14}))
    for slot, label, v in zip(frame["slot"], frame["label"], frame["pct_counted"], strict=True):
        # cividis is dark blue at 0 and yellow at 100: white text on the dark half.
        colour = "#222222" if pd.isna(v) or v >= 55 else "#FFFFFF"
        fig.add_annotation(x=slot, y=0, text=label, showarrow=False,
                           font={"color": colour, "size": FONT_SIZE})
    apply_theme(fig, title=title, height=190)
    fig.update_layout(margin={"l": 30, "r": 30, "t": 50 if title else 20, "b": 40},
                      plot_bgcolor="#EEEEEE")
    # Each cell is labelled with its fragment id, so the axis needs no tick labels.
    fig.update_xaxes(title="Fragments in file order; colour = % of tumour cells counted positive",
                     showticklabels=False, showline=False, ticks="", range=[0.5, len(x) + 0.5])
    fig.update_yaxes(visible=False, range=[-0.5, 0.5], fixedrange=True)
    return fig


def classification_strip_figure(strip: pd.DataFrame, cutoff_pct: float, *,
                                title: str | None = None, scale: CutoffScale = PERCENT,
                                paper_cutoff: float | None = PAPER_CUTOFF_PCT) -> go.Figure:
    """The patient's group at every cutoff of the rule's scale (0–100 %, or H-score 0–300),
    with the sidebar's cutoff (solid) and the paper's 100 % (dotted; % rules with a published
    cutoff only) marked."""
    fig = go.Figure()
    unit = f" {scale.unit}" if scale.unit else ""
    step = float(np.median(np.diff(strip["cutoff"]))) if len(strip) > 1 else scale.step
    for group in (HOMOGENEOUS, HETEROGENEOUS):
        part = strip[strip["group"] == group]
        fig.add_trace(go.Bar(
            x=part["cutoff"], y=[1] * len(part), width=step, name=GROUP_LABELS[group],
            marker={"color": GROUP_COLORS[group], "line": {"width": 0}},
            meta={"group": group},
            hovertemplate=f"cutoff %{{x:g}}{unit}: {GROUP_LABELS[group]}<extra></extra>"))
    span = scale.high - scale.low
    # opacity set: the simple_white template fades shapes to 0.3.
    fig.add_vline(x=cutoff_pct, line={"color": "#222222", "width": 3}, opacity=1,
                  annotation={"text": f"current {format_cutoff(cutoff_pct)}{unit}",
                              "yanchor": "bottom"},
                  # Left of the line near the right edge, so the label is not cut off.
                  annotation_position=("top left" if cutoff_pct > scale.low + 0.8 * span
                                       else "top right"))
    if paper_cutoff is not None and cutoff_pct != paper_cutoff:
        fig.add_vline(x=paper_cutoff, line={"color": "#222222", "width": 2, "dash": "dot"},
                      opacity=1,
                      annotation={"text": f"paper {format_cutoff(paper_cutoff)}{unit}",
                                  "font": {"color": "#FFFFFF"}},
                      # Inside the bar, so it never collides with the current cutoff's label.
                      annotation_position="bottom left")
    apply_theme(fig, title=title, height=170)
    fig.update_layout(bargap=0, barmode="overlay", showlegend=True,
                      legend={"y": -0.9, "yanchor": "top"},
                      margin={"l": 30, "r": 30, "t": 60 if title else 35, "b": 40})
    fig.update_xaxes(range=[scale.low - step / 2, scale.high + step / 2], tick0=scale.low,
                     dtick=span / 10, ticksuffix=unit, title=None, fixedrange=True)
    fig.update_yaxes(visible=False, range=[0, 1], fixedrange=True)
    return fig


def highlight_group(fig: go.Figure, group: str) -> go.Figure:
    """Emphasise ``group``'s traces in a :func:`~her2dash.figures.km.km_figure` (a thicker curve)
    and fade the other group's; in place, returns ``fig``. Traces are found by their
    ``meta["group"]``; the all-patients curve is left as it is."""
    for trace in fig.data:
        meta = trace.meta if isinstance(trace.meta, dict) else {}
        owner = meta.get("group")
        if owner not in (HOMOGENEOUS, HETEROGENEOUS):
            continue
        if owner == group:
            if meta.get("role") == "curve":
                trace.line.width = EMPHASIS_WIDTH
        else:
            trace.opacity = FADED_OPACITY
    return fig

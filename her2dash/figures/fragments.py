"""Fragments per patient: patients per number of tumour-containing fragments, by group."""

from __future__ import annotations

import plotly.graph_objects as go

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.cohort_summary import FragmentDistribution
from her2dash.figures.theme import GROUP_COLORS, GROUP_LABELS, apply_theme


def fragment_count_figure(distribution: FragmentDistribution, *,
                          title: str | None = None) -> go.Figure:
    """Grouped bars: x = tumour-containing fragments, y = patients, one bar per group."""
    fig = go.Figure()
    for group in (HOMOGENEOUS, HETEROGENEOUS):
        fig.add_trace(go.Bar(
            x=list(distribution.n_fragments), y=list(distribution.patients[group]),
            name=GROUP_LABELS[group], marker_color=GROUP_COLORS[group],
            hovertemplate=f"{GROUP_LABELS[group]}<br>%{{x}} fragment(s): %{{y}} patient(s)"
                          "<extra></extra>"))
    apply_theme(fig, title=title, height=420)
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(title="Tumour-containing fragments per patient", tickmode="linear",
                     dtick=1)
    fig.update_yaxes(title="Patients", rangemode="tozero")
    return fig

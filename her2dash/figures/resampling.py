""""Would fewer biopsies have changed the conclusion?" in one figure: against k fragments drawn
per patient, the share of patients changing group (top) and the hazard ratio's distribution
over draws per endpoint (below: median, percentile band, HR = 1, the full-sample HR)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from her2dash.figures.theme import BLUE, GREY, VERMILLION, apply_theme
from her2dash.resampling import EndpointResampling, ResamplingResult
from her2dash.results import Unavailable

_TITLES = {"pfs": "PFS hazard ratio", "os": "OS hazard ratio"}
_COLORS = {"pfs": BLUE, "os": VERMILLION}
_BANDS = {"pfs": "rgba(0,114,178,0.18)", "os": "rgba(213,94,0,0.18)"}


def _band(fig: go.Figure, x: np.ndarray, low: np.ndarray, high: np.ndarray, fill: str,
          row: int) -> None:
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, hoverinfo="skip"),
                  row=row, col=1)
    fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=fill, hoverinfo="skip"), row=row, col=1)


def resampling_figure(result: ResamplingResult, *, adequate_fragments: int | None = None,
                      title: str | None = None) -> go.Figure:
    """One row for the share of patients changing group, one per available endpoint for the
    HR; ``adequate_fragments`` draws the sampling-adequacy line (Ahn 2015, Gullo 2015)."""
    endpoints = [(name, e) for name, e in result.endpoints.items()
                 if not isinstance(e, Unavailable)]
    rows = 1 + len(endpoints)
    heights = [0.34] + [0.66 / max(len(endpoints), 1)] * len(endpoints)
    pct = round(100 * result.interval_level)
    mean_word = "expected" if result.exact else "mean over draws"
    # Legends crowd three panels; each panel's title says what its line and band are.
    titles = [f"Patients in the other group (line: {mean_word}; band: {pct} % of draws)"] + [
        f"{_TITLES.get(n, n)} (line: median; band: {pct} % of draws; dotted: all fragments)"
        for n, _ in endpoints]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=heights[:rows], subplot_titles=titles)
    fig.update_annotations(font_size=15)  # the subplot titles
    x = result.ks
    _band(fig, x, result.pct_changed_low, result.pct_changed_high, "rgba(110,110,110,0.22)", 1)
    fig.add_trace(go.Scatter(
        x=x, y=result.pct_changed, mode="lines+markers", line={"color": "#222222"},
        marker={"size": 8}, name="% changing group",
        customdata=np.stack([result.pct_changed_low, result.pct_changed_high,
                             result.n_subsampled], axis=1),
        hovertemplate="k = %{x}<br>%{y:.1f} % change group (%{customdata[0]:.1f}–"
                      "%{customdata[1]:.1f} %)<br>%{customdata[2]} patients resampled"
                      "<extra></extra>"), row=1, col=1)
    for row, (name, e) in enumerate(endpoints, start=2):
        _endpoint_row(fig, x, name, e, row)
    if adequate_fragments is not None and x.size and adequate_fragments <= int(x.max()):
        fig.add_vline(x=adequate_fragments, line={"color": GREY, "dash": "dot", "width": 2},
                      opacity=1)
        # Inside the top panel, right of the line: where the share has fallen, there is room.
        fig.add_annotation(x=adequate_fragments, y=0.95, xref="x", yref="y domain",
                           text=f"adequate sampling ≥ {adequate_fragments}<br>(Ahn 2015, "
                                "Gullo 2015)", showarrow=False, xanchor="left", yanchor="top",
                           xshift=6, align="left", font={"size": 13, "color": GREY})
    fig.update_yaxes(title_text="% of patients", rangemode="tozero", row=1, col=1)
    fig.update_xaxes(title_text="Fragments drawn per patient (k)", dtick=1, row=rows, col=1)
    fig.update_layout(hovermode="closest", showlegend=False)
    return apply_theme(fig, title=title, height=300 + 260 * len(endpoints))


def _endpoint_row(fig: go.Figure, x: np.ndarray, name: str, e: EndpointResampling,
                  row: int) -> None:
    color = _COLORS.get(name, BLUE)
    short = name.upper()
    _band(fig, x, e.hr_low, e.hr_high, _BANDS.get(name, "rgba(0,114,178,0.18)"), row)
    fig.add_trace(go.Scatter(
        x=x, y=e.hr_median, mode="lines+markers", line={"color": color}, marker={"size": 8},
        name=f"{short} HR, median over draws",
        customdata=np.stack([e.hr_low, e.hr_high, e.pct_ci_excludes_1], axis=1),
        hovertemplate="k = %{x}<br>median HR %{y:.2f} (%{customdata[0]:.2f}–"
                      "%{customdata[1]:.2f})<br>CI excludes 1 in %{customdata[2]:.0f} % of "
                      f"draws<extra>{short}</extra>"), row=row, col=1)
    fig.add_hline(y=1.0, line={"color": "#333333", "dash": "dash", "width": 1.5}, opacity=1,
                  layer="above", row=row, col=1)
    values = [1.0, *e.hr_low[np.isfinite(e.hr_low)], *e.hr_high[np.isfinite(e.hr_high)]]
    if not isinstance(e.full, Unavailable):
        full = e.full.estimate
        values.append(full)
        fig.add_hline(y=full, line={"color": color, "dash": "dot", "width": 2}, opacity=1,
                      row=row, col=1)
        # add_hline's own annotation takes y in data units, which a log axis reads as log10.
        fig.add_annotation(x=1.0, xref="x domain", y=np.log10(full), yref=f"y{row}",
                           text=f"all fragments: HR {full:.2f}", showarrow=False,
                           xanchor="right", yanchor="bottom", font={"size": 13, "color": color})
    # A log range that holds HR = 1, the bands and the full-sample HR, with a margin.
    span = np.log10([min(values) / 1.25, max(values) * 1.25])
    fig.update_yaxes(type="log", range=list(span), title_text="Hazard ratio", row=row, col=1)

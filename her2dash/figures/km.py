"""Kaplan–Meier figure (the paper's Fig. 2): step curves per HER2 group, their bands, censor
marks, a number-at-risk table under the time axis and the medians, HR and log-rank p.

Input is an :class:`~her2dash.survival.EndpointSurvival` (and a
:class:`~her2dash.cox.HazardRatio`): every plotted number is a field of those results and every
printed string comes from :mod:`her2dash.tables.survival`. The only arithmetic here is geometry
(turning a step function into polygon corners).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.cox import HazardRatio
from her2dash.figures.theme import FONT_SIZE, GROUP_COLORS, GROUP_LABELS, apply_theme
from her2dash.results import Unavailable
from her2dash.survival import OVERALL, EndpointSurvival, KaplanMeierCurve
from her2dash.tables.survival import (
    ENDPOINT_TITLES,
    at_risk_labels,
    km_summary_lines,
    level_text,
    median_header,
)

X_TITLE = "Months since start of trastuzumab therapy"
TICK_MONTHS = 6
GROUP_ORDER: tuple[str, ...] = (HOMOGENEOUS, HETEROGENEOUS)
BAND_ALPHA = 0.15
# R's plot.survfit pads the time axis by 4 % either side (xaxs = "r"); it also keeps the
# at-risk number at month 0 clear of the row labels in the left margin.
_X_PAD = 0.04


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners of the right-continuous step function through (x[i], y[i])."""
    return np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]


def _from_zero(curve: KaplanMeierCurve) -> tuple[np.ndarray, ...]:
    """time, survival, band and at-risk with R's survfit0 row (0, S = 1, band [1, 1]) first."""
    n_risk = curve.n_risk.astype(float)
    if curve.time.size and curve.time[0] == 0.0:
        return curve.time, curve.survival, curve.ci_low, curve.ci_high, n_risk
    # log-log has no band at S = 1 (R's NA), so time 0 gets none either.
    edge = np.nan if curve.conf_type == "log-log" else 1.0
    return (np.r_[0.0, curve.time], np.r_[1.0, curve.survival], np.r_[edge, curve.ci_low],
            np.r_[edge, curve.ci_high], np.r_[float(curve.n), n_risk])


def _band_trace(curve: KaplanMeierCurve, group: str) -> go.Scatter | None:
    """The band as one closed, shaded step polygon (upper edge out, lower edge back).

    R leaves the band NA where S = 0 (and at S = 1 for log-log); those rows only occur at the
    ends of the curve, so the polygon simply covers the rows where both limits exist.
    """
    time, _, low, high, _ = _from_zero(curve)
    ok = np.isfinite(low) & np.isfinite(high)
    if ok.sum() < 1:
        return None
    t, lo, hi = time[ok], low[ok], high[ok]
    end = curve.time[-1]  # the last band value holds to the end of follow-up
    ux, uy = _steps(np.r_[t, end], np.r_[hi, hi[-1]])
    lx, ly = _steps(np.r_[t, end], np.r_[lo, lo[-1]])
    colour = GROUP_COLORS[group]
    return go.Scatter(
        x=np.r_[ux, lx[::-1]], y=np.r_[uy, ly[::-1]], fill="toself",
        fillcolor=_rgba(colour, BAND_ALPHA), line={"width": 0}, mode="lines",
        hoverinfo="skip", showlegend=False, legendgroup=group,
        name=f"{GROUP_LABELS[group]} {level_text(curve.conf_level)} CI",
        meta={"group": group, "role": "band"},
    )


def _curve_trace(curve: KaplanMeierCurve, group: str) -> go.Scatter:
    time, surv, _, _, n_risk = _from_zero(curve)
    overall = group == OVERALL
    return go.Scatter(
        x=time, y=surv, mode="lines", line_shape="hv", name=GROUP_LABELS[group],
        line={"color": GROUP_COLORS[group], "width": 2.5 if overall else 3,
              "dash": "dash" if overall else "solid"},
        customdata=n_risk, legendgroup=group, meta={"group": group, "role": "curve"},
        hovertemplate=(f"{GROUP_LABELS[group]}<br>%{{x:.1f}} months<br>S = %{{y:.3f}}"
                       "<br>at risk %{customdata:.0f}<extra></extra>"),
    )


def _censor_trace(curve: KaplanMeierCurve, group: str) -> go.Scatter | None:
    if curve.censor_times.size == 0:
        return None
    # censor_times are a subset of time, so this is a lookup, not an interpolation.
    at = np.searchsorted(curve.time, curve.censor_times)
    return go.Scatter(
        x=curve.censor_times, y=curve.survival[at], mode="markers", showlegend=False,
        marker={"symbol": "cross-thin", "size": 11,
                "line": {"width": 2, "color": GROUP_COLORS[group]}},
        legendgroup=group, name=f"{GROUP_LABELS[group]} censored",
        meta={"group": group, "role": "censor"},
        hovertemplate=f"{GROUP_LABELS[group]}: censored at %{{x:.1f}} months<extra></extra>",
    )


def _summary_text(survival: EndpointSurvival, hazard_ratio: HazardRatio | Unavailable) -> str:
    lines = [f"<b>{median_header(survival)}</b>"]
    for group, text in km_summary_lines(survival, hazard_ratio):
        lines.append(f"<span style='color:{GROUP_COLORS[group]}'>{text}</span>" if group
                     else text)
    return "<br>".join(lines)


def km_figure(survival: EndpointSurvival, hazard_ratio: HazardRatio | Unavailable, *,
              show_ci: bool = True, show_overall: bool = False, title: str | None = None,
              height: int = 640) -> go.Figure:
    """Kaplan–Meier curves of Homo-HER2 and Hetero-HER2 (and all patients) for one endpoint.

    Parameters
    ----------
    survival
        The endpoint's curves, medians, risk table and log-rank test.
    hazard_ratio
        Homogeneous vs heterogeneous, printed in the annotation (left out when Unavailable).
    show_ci
        Shade each group's band (the ``conf_type`` band at ``conf_level`` of the curves).
    show_overall
        Add the all-patients curve (grey, dashed, no band: it would cover both groups') and its
        at-risk row.

    Returns
    -------
    A two-row figure: the curves over the number-at-risk table, sharing the time axis. Traces
    carry ``meta = {"group", "role"}`` with role "curve", "band", "censor" or "at_risk"; a
    group whose curve is Unavailable (no patients) has none.
    """
    groups = [g for g in (*GROUP_ORDER, *((OVERALL,) if show_overall else ()))
              if isinstance(survival.curves.get(g), KaplanMeierCurve)]
    # The at-risk panel grows with its rows, so two rows are not spread over empty space.
    risk_share = 0.03 + 0.075 * max(len(groups), 1)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        row_heights=[1.0 - risk_share, risk_share], vertical_spacing=0.14)
    for group in groups:
        curve = survival.curves[group]
        assert isinstance(curve, KaplanMeierCurve)  # filtered above; narrows the type
        if show_ci and group != OVERALL:
            band = _band_trace(curve, group)
            if band is not None:
                fig.add_trace(band, row=1, col=1)
        fig.add_trace(_curve_trace(curve, group), row=1, col=1)
        if group != OVERALL:
            marks = _censor_trace(curve, group)
            if marks is not None:
                fig.add_trace(marks, row=1, col=1)

    # Number at risk: one text row per group, at the risk-table times of the shared x axis.
    for row, group in enumerate(groups):
        risk = survival.risk_table[group]
        fig.add_trace(go.Scatter(
            x=risk.time, y=np.full(risk.time.size, row), mode="text",
            text=at_risk_labels(risk), textfont={"color": GROUP_COLORS[group],
                                                 "size": FONT_SIZE - 1},
            cliponaxis=False, showlegend=False, hoverinfo="skip", legendgroup=group,
            name=f"{GROUP_LABELS[group]} at risk", meta={"group": group, "role": "at_risk"},
        ), row=2, col=1)

    times = [survival.curves[g].time[-1] for g in groups]  # type: ignore[union-attr]
    times += [survival.risk_table[g].time[-1] for g in groups if survival.risk_table[g].time.size]
    x_max = float(max(times)) if times else 12.0
    pad = _X_PAD * x_max
    fig.update_xaxes(range=[-pad, x_max + pad], tick0=0, dtick=TICK_MONTHS)
    fig.update_xaxes(title_text=X_TITLE, showticklabels=True, ticks="outside", row=1, col=1)
    fig.update_xaxes(visible=False, row=2, col=1)
    fig.update_yaxes(title_text=ENDPOINT_TITLES.get(survival.endpoint, survival.endpoint),
                     range=[0, 1.03], dtick=0.2, tickformat=".1f", row=1, col=1)
    fig.update_yaxes(
        range=[len(groups) - 0.5, -0.5], tickvals=list(range(len(groups))),
        ticktext=[f"<span style='color:{GROUP_COLORS[g]}'>{GROUP_LABELS[g]}</span>"
                  for g in groups],
        showline=False, ticks="", showgrid=False, zeroline=False, fixedrange=True,
        row=2, col=1)
    # Left-aligned over the numbers: annotations take no automargin, so one anchored in the
    # left margin (over the row labels) gets clipped.
    fig.add_annotation(text="<b>Number at risk</b>", xref="paper", x=0.0, yref="y2 domain",
                       y=1.0, yanchor="bottom", xanchor="left", showarrow=False,
                       font={"size": FONT_SIZE - 1})
    if groups:
        fig.add_annotation(
            text=_summary_text(survival, hazard_ratio), xref="x domain", yref="y domain",
            x=0.99, y=0.99, xanchor="right", yanchor="top", align="left", showarrow=False,
            bgcolor="rgba(255,255,255,0.85)", bordercolor="#BBBBBB", borderwidth=1,
            borderpad=6, name="summary")
    apply_theme(fig, title=title, height=height)
    # The bottom row has no axis to label: the theme's bottom margin would only add a gap
    # between the risk table and whatever the page shows next.
    fig.update_layout(margin_b=15)
    return fig

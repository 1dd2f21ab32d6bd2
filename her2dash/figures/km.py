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
from her2dash.suppress import NO_SUPPRESSION, Suppression
from her2dash.survival import OVERALL, EndpointSurvival, KaplanMeierCurve
from her2dash.tables.survival import (
    AT_RISK,
    ENDPOINT_TITLES,
    km_summary_lines,
    level_text,
    median_header,
    risk_rows,
)

X_TITLE = "Months since start of trastuzumab therapy"
TICK_MONTHS = 6
GROUP_ORDER: tuple[str, ...] = (HOMOGENEOUS, HETEROGENEOUS)
BAND_ALPHA = 0.15
# R's plot.survfit pads the time axis by 4 % either side (xaxs = "r"); it also keeps the
# at-risk number at month 0 clear of the row labels in the left margin.
_X_PAD = 0.04
# Extended risk table rows (censored, events) are printed per arm under its at-risk row, as
# KMunicate (Morris et al., BMJ Open 2019) and Lancet-style figures do, rather than packed into
# one cell ("12 (3, 1)"): a column of single numbers reads down, and each row has its name.
_ROW_NAMES = {AT_RISK: "at risk", "Censored (cumulative)": "censored",
              "Events (cumulative)": "events"}


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


def _curve_trace(curve: KaplanMeierCurve, group: str,
                 suppression: Suppression = NO_SUPPRESSION) -> go.Scatter:
    time, surv, _, _, n_risk = _from_zero(curve)
    overall = group == OVERALL
    hover = f"{GROUP_LABELS[group]}<br>%{{x:.1f}} months<br>S = %{{y:.3f}}"
    if not suppression.enabled:
        hover += "<br>at risk %{customdata:.0f}"
    # Under suppression the hover's number at risk at every step (down to 1) is left out: the
    # risk table below shows the masked counts.
    return go.Scatter(
        x=time, y=surv, mode="lines", line_shape="hv", name=GROUP_LABELS[group],
        line={"color": GROUP_COLORS[group], "width": 2.5 if overall else 3,
              "dash": "dash" if overall else "solid"},
        customdata=None if suppression.enabled else n_risk, legendgroup=group,
        meta={"group": group, "role": "curve"}, hovertemplate=hover + "<extra></extra>",
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
              show_ci: bool = True, show_overall: bool = False, risk_counts: bool = False,
              suppression: Suppression = NO_SUPPRESSION, title: str | None = None,
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
    risk_counts
        Under each arm's number at risk, add its cumulative censored and cumulative events
        rows (the extended risk table); the figure grows by those rows.
    suppression
        Mask small counts in the risk table (exports under small-count suppression).

    Returns
    -------
    A two-row figure: the curves over the number-at-risk table, sharing the time axis. Traces
    carry ``meta = {"group", "role"}`` with role "curve", "band", "censor" or "at_risk" (and
    "censored" / "events" for the extended rows); a group whose curve is Unavailable (no
    patients) has none.
    """
    groups = [g for g in (*GROUP_ORDER, *((OVERALL,) if show_overall else ()))
              if isinstance(survival.curves.get(g), KaplanMeierCurve)]
    table = risk_rows(survival, groups, cumulative=risk_counts, suppression=suppression)
    blocks = [(g, [(name, texts) for group, name, texts in table if group == g]) for g in groups]
    n_rows = sum(len(rows) for _, rows in blocks)
    # Pixels of the risk panel: the two-row default's 48 px a row, or 30 px a row (and a
    # 0.4-row gap between arms) for the extended table; the figure grows by the difference,
    # so the curves keep their height.
    gap = 0.4 if risk_counts else 0.0
    row_px = 30.0 if risk_counts else 48.0
    span = n_rows + gap * max(len(blocks) - 1, 0)
    panel_px = 19.2 + row_px * max(span, 1)
    default_px = 19.2 + 48.0 * max(len(groups), 1)
    # The extended table's longer heading needs a little more room under the axis title.
    spacing_px = 0.14 * 640 + (14.0 if risk_counts else 0.0)
    height = round(height + max(panel_px - default_px, 0.0) + spacing_px - 0.14 * 640)
    risk_share = min(panel_px / height, 0.6)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        row_heights=[1.0 - risk_share, risk_share],
                        vertical_spacing=spacing_px / height)
    for group in groups:
        curve = survival.curves[group]
        assert isinstance(curve, KaplanMeierCurve)  # filtered above; narrows the type
        if show_ci and group != OVERALL:
            band = _band_trace(curve, group)
            if band is not None:
                fig.add_trace(band, row=1, col=1)
        fig.add_trace(_curve_trace(curve, group, suppression), row=1, col=1)
        if group != OVERALL:
            marks = _censor_trace(curve, group)
            if marks is not None:
                fig.add_trace(marks, row=1, col=1)

    # The risk table: one text row per group and count, at the grid times of the shared x axis.
    tick_text, tick_y = [], []
    row = 0.0
    for block, (group, rows) in enumerate(blocks):
        risk = survival.risk_table[group]
        row = float(sum(len(r) for _, r in blocks[:block])) + gap * block
        for name, texts in rows:
            role = _ROW_NAMES.get(name, name)
            first = name == AT_RISK
            fig.add_trace(go.Scatter(
                x=risk.time, y=np.full(risk.time.size, row), mode="text", text=texts,
                textfont={"color": GROUP_COLORS[group], "size": FONT_SIZE - (1 if first else 2)},
                cliponaxis=False, showlegend=False, hoverinfo="skip", legendgroup=group,
                name=f"{GROUP_LABELS[group]} {role}",
                meta={"group": group, "role": "at_risk" if first else role},
            ), row=2, col=1)
            label = GROUP_LABELS[group] if first else role.capitalize()
            if first and risk_counts:
                label = f"<b>{label}</b>"
            tick_text.append(f"<span style='color:{GROUP_COLORS[group]}'>{label}</span>")
            tick_y.append(row)
            row += 1

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
        range=[max(row, 1.0) - 0.5, -0.5], tickvals=tick_y, ticktext=tick_text,
        showline=False, ticks="", showgrid=False, zeroline=False, fixedrange=True,
        tickfont={"size": FONT_SIZE - 1}, row=2, col=1)
    heading = "<b>Number at risk</b>"
    if risk_counts:
        heading += " (with censored and events, cumulative)"
    if suppression.enabled:
        heading += f" · {suppression.statement}"
    # Left-aligned over the numbers: annotations take no automargin, so one anchored in the
    # left margin (over the row labels) gets clipped.
    fig.add_annotation(text=heading, xref="paper", x=0.0, yref="y2 domain",
                       y=1.0, yanchor="bottom", xanchor="left", showarrow=False,
                       font={"size": FONT_SIZE - 1}, name="risk_heading")
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

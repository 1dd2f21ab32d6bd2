"""Fig. 3a: waterfall of the best change from baseline in the target lesions, one bar a patient.

Takes the display frame of :func:`her2dash.tables.response.waterfall_points` (already sorted,
largest increase first) and draws it; nothing is computed here.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from her2dash.classify import GROUPS
from her2dash.figures.theme import GREY, GROUP_COLORS, GROUP_LABELS, RESPONSE_COLORS, apply_theme
from her2dash.response import RESPONSE_CATEGORIES
from her2dash.tables.response import RECIST_PD_PCT, RECIST_PR_PCT

ColourBy = Literal["group", "response"]
Y_TITLE = "Best change from baseline (%)"
_HOVER = ("<b>%{customdata[0]}</b><br>%{customdata[1]}, %{customdata[2]}"
          "<br>Change %{y:+.1f} %<extra></extra>")


def _empty(title: str | None) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="No patient has a recorded best % change", showarrow=False,
                       x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_theme(fig, title=title, height=480)


def waterfall_figure(points: pd.DataFrame, *, colour_by: ColourBy = "group",
                     title: str | None = None, n_total: int | None = None) -> go.Figure:
    """Bars in the frame's order, coloured by HER2 group or by RECIST best response.

    One trace per colour so the legend names them; x is the bar's position (1 = leftmost), so
    traces share one axis without plotly grouping bars side by side. Dashed lines mark the
    RECIST thresholds for partial response (−30 %) and progression (+20 %).
    """
    if colour_by not in ("group", "response"):
        raise ValueError(f"colour_by must be 'group' or 'response', not {colour_by!r}")
    if points.empty:
        return _empty(title)
    frame = points.reset_index(drop=True).assign(position=lambda f: f.index + 1)
    frame["group_label"] = frame["group"].map(GROUP_LABELS).fillna(frame["group"])
    if colour_by == "group":
        keys: tuple[str, ...] = GROUPS
        column, colours, names = "group", GROUP_COLORS, GROUP_LABELS
    else:
        keys = RESPONSE_CATEGORIES
        column, colours, names = "best_response", RESPONSE_COLORS, {k: k for k in keys}
    fig = go.Figure()
    for key in keys:
        part = frame[frame[column] == key]
        if part.empty:
            continue
        fig.add_bar(
            x=part["position"], y=part["pct_change"], name=names.get(key, key),
            marker={"color": colours.get(key, GREY), "line": {"width": 0}},
            customdata=part[["patient_id", "group_label", "best_response"]].to_numpy(),
            hovertemplate=_HOVER,
        )
    # Labels where a waterfall has no bars: the PD line's above its right end (the shrinking
    # tumours), the PR line's below its left end (the growing ones).
    for y, text, where in (
            (RECIST_PR_PCT, f"PR {RECIST_PR_PCT:+g} %".replace("-", "−"), "bottom left"),
            (RECIST_PD_PCT, f"PD {RECIST_PD_PCT:+g} %", "top right")):
        # opacity: simple_white's shape default (0.3) would fade the lines to light grey.
        fig.add_hline(y=y, line={"dash": "dash", "color": "#333333", "width": 2}, opacity=1,
                      layer="above",
                      annotation={"text": text, "font_size": 15, "bgcolor": "white"},
                      annotation_position=where)
    # showlegend: with one group left (a 0 % cutoff) plotly would drop the legend, and the
    # colour would no longer say which group the bars are.
    fig.update_layout(barmode="overlay", bargap=0.15, legend_title_text=None, showlegend=True)
    # n_total: the patients behind a thinned set of bars (her2dash.tables.thin_for_display).
    total = len(frame) if n_total is None else n_total
    drawn = f"; {len(frame):,} drawn" if total > len(frame) else ""
    fig.update_xaxes(title_text=f"Patients, ordered by best change (n = {total:,}{drawn})",
                     showticklabels=False, ticks="", range=[0.4, len(frame) + 0.6])
    fig.update_yaxes(title_text=Y_TITLE, zeroline=True, zerolinecolor="#222222",
                     ticksuffix=" %", range=[-105, max(frame["pct_change"].max(), 25) + 10])
    return apply_theme(fig, title=title, height=480)

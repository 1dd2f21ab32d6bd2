"""The fragment map: one row per patient, one cell per tumour-containing fragment.

It draws :func:`her2dash.tables.cohort.fragment_map_frame` (rows already placed: Homo-HER2
block on top, each block sorted by the rule's value) and shows at a glance what "heterogeneous"
means: a row with some dark cells among bright ones.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from her2dash.figures.theme import FONT_SIZE, GROUP_COLORS, GROUP_LABELS, SCORE_SCALE, apply_theme

ColourBy = Literal["pct", "score"]
COLOUR_BY: tuple[str, ...] = ("pct", "score")
# Rows of the map. 87 patients × 9 px ≈ 800 px: every row still hoverable, the two blocks
# readable from across a room; a small cohort gets taller rows rather than a squat figure.
ROW_PX = 9
MAX_ROW_PX = 28
GAP_ROWS = 2  # blank rows between the blocks, so the split is visible without a legend
SCORE_TICKS = ("0", "1+", "2+", "3+")


def _score_scale() -> list[list[object]]:
    """Four flat cividis steps for scores 0–3 (a step scale, so each score has one colour)."""
    colours = sample_colorscale(SCORE_SCALE, [0.0, 1 / 3, 2 / 3, 1.0])
    scale: list[list[object]] = []
    for i, c in enumerate(colours):
        scale += [[i / 4, c], [(i + 1) / 4, c]]
    return scale


def fragment_map_figure(frame: pd.DataFrame, *, colour_by: ColourBy = "pct",
                        title: str | None = None) -> go.Figure:
    """A heatmap of ``frame`` (see :func:`her2dash.tables.cohort.fragment_map_frame`).

    ``colour_by="pct"`` colours by % of tumour cells counted positive (cividis, fixed 0–100 so
    maps under different settings compare); ``"score"`` by IHC score 0–3+. Patients are named on
    hover only; the y axis labels the Homo-HER2 and Hetero-HER2 blocks.
    """
    n_rows = int(frame["row"].max()) + 1 if len(frame) else 0
    n_cols = int(frame["slot"].max()) if len(frame) else 0
    blocks = [(g, frame.loc[frame["group"] == g, "row"]) for g in frame["group"].unique()]
    # Every block below the first moves down by GAP_ROWS empty rows: the split shows as white
    # space. The rows stay evenly spaced (a heatmap stretches cells over uneven y gaps).
    y_of_row: dict[int, int] = {}
    for i, (_, rows) in enumerate(blocks):
        for r in rows.unique():
            y_of_row[int(r)] = int(r) + i * GAP_ROWS
    n_y = n_rows + GAP_ROWS * max(len(blocks) - 1, 0)
    z: list[list[float | None]] = [[None] * n_cols for _ in range(n_y)]
    hover: list[list[str]] = [[""] * n_cols for _ in range(n_y)]
    value = frame["pct_counted"] if colour_by == "pct" else frame["ihc_score"]
    for r, s, v, h in zip(frame["row"], frame["slot"], value, frame["hover"], strict=True):
        i = y_of_row[int(r)]
        z[i][int(s) - 1] = float(v)
        hover[i][int(s) - 1] = h
    if colour_by == "pct":
        colour = {"colorscale": SCORE_SCALE, "zmin": 0, "zmax": 100,
                  "colorbar": {"title": {"text": "% positive", "side": "right"},
                               "tickvals": [0, 25, 50, 75, 100]}}
    else:
        colour = {"colorscale": _score_scale(), "zmin": -0.5, "zmax": 3.5,
                  "colorbar": {"title": {"text": "IHC score", "side": "right"},
                               "tickvals": [0, 1, 2, 3], "ticktext": list(SCORE_TICKS)}}
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(1, n_cols + 1)), y=list(range(n_y)), text=hover, hoverongaps=False,
        hovertemplate="%{text}<extra></extra>", xgap=2, ygap=1, **colour))
    tickvals, ticktext = [], []
    for g, rows in blocks:
        top, bottom = y_of_row[int(rows.min())], y_of_row[int(rows.max())]
        n = rows.nunique()
        tickvals.append((top + bottom) / 2)
        ticktext.append(f"<b>{GROUP_LABELS.get(g, g)}</b><br>n = {n}")
        # A coloured bar beside each block ties it to the group colours of the other pages
        # (opacity set: the simple_white template fades shapes to 0.3).
        fig.add_shape(type="rect", xref="paper", x0=-0.014, x1=-0.004, yref="y",
                      y0=top - 0.5, y1=bottom + 0.5, line={"width": 0}, opacity=1,
                      fillcolor=GROUP_COLORS.get(g, "#6E6E6E"))
    row_px = min(MAX_ROW_PX, max(ROW_PX, 600 // max(n_rows, 1)))
    height = 150 + row_px * n_y
    apply_theme(fig, title=title, height=height)
    fig.update_layout(margin={"l": 140, "r": 30, "t": 60 if title else 30, "b": 60})
    fig.update_xaxes(title="Tumour-containing fragment", tickmode="linear", dtick=1,
                     showline=False, ticks="", side="top" if n_rows > 40 else "bottom")
    fig.update_yaxes(tickvals=tickvals, ticktext=ticktext,
                     showline=False, ticks="", tickfont={"size": FONT_SIZE},
                     ticklabelstandoff=12, range=[n_y - 0.5, -0.5])
    return fig

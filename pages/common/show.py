"""Showing results: tables with a CSV download, figures with a PNG button, and Unavailable."""

from __future__ import annotations

from typing import Any

import streamlit as st

from her2dash.figures.theme import PLOT_CONFIG
from her2dash.results import Unavailable


def unavailable(result: object, what: str) -> bool:
    """Show why ``result`` is missing (an info box) and say so; False when it is there."""
    if isinstance(result, Unavailable):
        st.info(f"{what} is not available: {result.reason}.", icon=":material/info:")
        return True
    return False


# st.dataframe's row and header heights (px): a table drawn whole, without its own scroll box.
_ROW_PX, _MAX_ROWS_WHOLE = 35, 60


def show_table(table: Any, key: str, file_name: str, *, caption: str | None = None,
               whole: bool = False) -> None:
    """A display table (text cells from her2dash.tables) and its CSV download; ``whole`` draws
    every row (Table 1 reads as one table, not a scroll box of ten rows)."""
    rows = min(len(table), _MAX_ROWS_WHOLE)
    height: int | str = (rows + 1) * _ROW_PX + 3 if whole else "auto"
    st.dataframe(table, hide_index=True, width="stretch", height=height, key=f"{key}.table")
    if caption:
        st.caption(caption)
    st.download_button("Download CSV", table.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{file_name}.csv", mime="text/csv", key=f"{key}.csv",
                       icon=":material/download:")


def show_figure(fig: Any, key: str) -> None:
    """A plotly figure; its camera button downloads a slide-resolution PNG."""
    st.plotly_chart(fig, key=key, config=PLOT_CONFIG, theme=None)

"""Showing results: tables with a CSV download, figures with a PNG button, and Unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import streamlit as st

from her2dash.export.images import browser_path, to_png, to_svg
from her2dash.export.spreadsheet import to_csv_bytes, to_xlsx_bytes
from her2dash.figures.theme import PLOT_CONFIG
from her2dash.results import Unavailable
from her2dash.settings import ENDPOINTS
from her2dash.tables.survival import ENDPOINT_TITLES


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
    # Exported cells that a spreadsheet would run as formulas are neutralised (export/).
    csv_col, xlsx_col, _ = st.columns([1, 1, 4])
    csv_col.download_button("CSV", lambda: to_csv_bytes(table), file_name=f"{file_name}.csv",
                            mime="text/csv", key=f"{key}.csv", icon=":material/download:")
    xlsx_col.download_button("XLSX", lambda: to_xlsx_bytes({file_name[:31]: table}),
                             file_name=f"{file_name}.xlsx", mime=_XLSX, key=f"{key}.xlsx",
                             icon=":material/download:")


def show_figure(fig: Any, key: str, *, file_name: str | None = None) -> None:
    """A plotly figure; its camera button saves a PNG in the browser, and the buttons below
    export PNG and SVG at presentation resolution on the server (kaleido + Chromium), made
    only when clicked."""
    st.plotly_chart(fig, key=key, config=PLOT_CONFIG, theme=None)
    name = file_name or key.replace(".", "-")
    no_browser = browser_path() is None
    why = "needs Chrome/Chromium on the server (see README, Exports)" if no_browser else None
    png_col, svg_col, _ = st.columns([1, 1, 4])
    png_col.download_button("PNG", lambda: _image(fig, "png"), file_name=f"{name}.png",
                            mime="image/png", key=f"{key}.png", disabled=no_browser, help=why,
                            icon=":material/image:")
    svg_col.download_button("SVG", lambda: _image(fig, "svg"), file_name=f"{name}.svg",
                            mime="image/svg+xml", key=f"{key}.svg", disabled=no_browser,
                            help=why, icon=":material/image:")


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _image(fig: Any, fmt: str) -> bytes:
    data = to_png(fig) if fmt == "png" else to_svg(fig)
    if isinstance(data, Unavailable):  # the browser vanished since the page was drawn
        raise RuntimeError(data.reason)
    return data


def endpoint_tabs(first: str, key: str) -> Iterator[str]:
    """PFS and OS tabs, the sidebar's endpoint first; yields the open tab's endpoint inside it.

    on_change="rerun" makes the tabs lazy: only the open one is built, which keeps a rerun
    within budget when each tab holds a figure.
    """
    order = [first, *(e for e in ENDPOINTS if e != first)]
    tabs = st.tabs([ENDPOINT_TITLES[e] for e in order], key=f"{key}.{first}", on_change="rerun")
    for tab, endpoint in zip(tabs, order, strict=True):
        if tab.open:
            with tab:
                yield endpoint

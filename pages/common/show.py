"""Showing results: tables with a CSV download, figures with a PNG button, and Unavailable.

Downloads follow the session's small-count suppression (her2dash/suppress.py): off, or on at a
threshold, defaulting to the deployment's ``HER2DASH_SUPPRESS_BELOW`` and set by the checkbox
beside every download and on the Present page (one setting for the session). Under suppression a
table or figure downloads only through its suppression-aware builder (``suppressed=``); one
without a builder (a patient-level plot, a table not yet wired) is not offered, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st

from her2dash.export.images import browser_path, to_png, to_svg
from her2dash.export.spreadsheet import to_csv_bytes, to_xlsx_bytes
from her2dash.figures.theme import PLOT_CONFIG
from her2dash.results import Unavailable
from her2dash.settings import ENDPOINTS
from her2dash.suppress import (
    DEFAULT_THRESHOLD,
    NO_SUPPRESSION,
    Suppression,
    read_deployment_default,
)
from her2dash.tables.ledger import exploration_frame
from her2dash.tables.survival import ENDPOINT_TITLES
from pages.common.state import current_settings, current_status


def unavailable(result: object, what: str) -> bool:
    """Show why ``result`` is missing (an info box) and say so; False when it is there."""
    if isinstance(result, Unavailable):
        st.info(f"{what} is not available: {result.reason}.", icon=":material/info:")
        return True
    return False


# st.dataframe's row and header heights (px): a table drawn whole, without its own scroll box.
_ROW_PX, _MAX_ROWS_WHOLE = 35, 60


_SUPPRESS, _BELOW, _PROBLEM = "export.suppress", "export.suppress_below", "export.problem"
_NOT_SUPPRESSIBLE = ("not offered while small counts are suppressed: this download has no "
                     "suppressed version (a patient-level plot, or a table not yet covered)")


def _init_export_state() -> None:
    """The session's export suppression, from the deployment default on first use."""
    if _SUPPRESS not in st.session_state:
        default, problem = read_deployment_default()
        st.session_state[_SUPPRESS] = default.enabled
        st.session_state[_BELOW] = default.threshold if default.enabled else DEFAULT_THRESHOLD
        st.session_state[_PROBLEM] = problem


def export_suppression() -> Suppression:
    """The small-count suppression this session's downloads and reports use."""
    _init_export_state()
    if not st.session_state[_SUPPRESS]:
        return NO_SUPPRESSION
    return Suppression(threshold=int(st.session_state[_BELOW]))


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def suppression_controls(key: str) -> Suppression:
    """Checkbox and threshold of the session's export suppression. Several copies (one per
    download) show one setting: each copy reads it before it is drawn and writes it back when
    changed."""
    _init_export_state()
    on, below = f"{key}.suppress", f"{key}.suppress_below"
    st.session_state[on] = bool(st.session_state[_SUPPRESS])
    st.session_state[below] = int(st.session_state[_BELOW])
    st.checkbox("Suppress small counts in exports", key=on, on_change=_copy, args=(on, _SUPPRESS),
                help="Counts from 1 to the threshold − 1 are masked (<5), and others where a "
                     "total would give them away (*); patient-level plots are left out. Every "
                     "suppressed file says so on it.")
    st.number_input("Suppress counts below", min_value=2, max_value=1000, step=1, key=below,
                    on_change=_copy, args=(below, _BELOW),
                    disabled=not st.session_state[_SUPPRESS])
    if st.session_state.get(_PROBLEM):
        st.warning(st.session_state[_PROBLEM], icon=":material/warning:")
    return export_suppression()


def show_table(table: Any, key: str, file_name: str, *, caption: str | None = None,
               whole: bool = False,
               suppressed: Callable[[Suppression], Any] | None = None) -> None:
    """A display table (text cells from her2dash.tables) and its CSV download; ``whole`` draws
    every row (Table 1 reads as one table, not a scroll box of ten rows).

    ``suppressed(suppression)`` builds the table with small counts masked, for the downloads
    under the session's export suppression (the screen shows the table as it is: the analyst's
    own data). Without it the downloads are not offered while suppression is on.
    """
    rows = min(len(table), _MAX_ROWS_WHOLE)
    height: int | str = (rows + 1) * _ROW_PX + 3 if whole else "auto"
    st.dataframe(table, hide_index=True, width="stretch", height=height, key=f"{key}.table")
    if caption:
        st.caption(caption)
    s = export_suppression()
    blocked = s.enabled and suppressed is None

    def out() -> Any:  # built on click (deferred download), not on every rerun
        return table if not s.enabled or suppressed is None else suppressed(s)

    why = _NOT_SUPPRESSIBLE if blocked else None
    # Exported cells that a spreadsheet would run as formulas are neutralised (export/).
    # One row of content-wide buttons (columns would cut their labels inside a narrow column).
    row = st.container(horizontal=True, vertical_alignment="center")
    row.download_button("CSV", lambda: to_csv_bytes(out(), suppression=s),
                        file_name=f"{file_name}.csv", mime="text/csv", key=f"{key}.csv",
                        icon=":material/download:", disabled=blocked, help=why)
    # The workbook says whether its numbers are the pre-specified analysis (her2dash/ledger.py).
    label = exploration_frame(current_status(), current_settings())
    row.download_button("XLSX", lambda: to_xlsx_bytes({file_name[:31]: out(),
                                                       "exploration": label},
                                                      suppression=s),
                        file_name=f"{file_name}.xlsx", mime=_XLSX, key=f"{key}.xlsx",
                        icon=":material/download:", disabled=blocked, help=why)
    with row.popover("Export", icon=":material/shield:"):
        suppression_controls(f"{key}.export")
    if s.enabled:
        row.caption(f"Downloads: {s.statement.lower()}." if not blocked
                    else f"Download {_NOT_SUPPRESSIBLE}.")


def show_figure(fig: Any, key: str, *, file_name: str | None = None,
                suppressed: Callable[[Suppression], Any] | None = None) -> None:
    """A plotly figure; its camera button saves a PNG in the browser, and the buttons below
    export PNG and SVG at presentation resolution on the server (kaleido + Chromium), made
    only when clicked. Under export suppression the buttons use ``suppressed(suppression)``
    (the figure with small counts masked); a figure without one (patient-level) is not
    offered. The browser's own camera button saves what the screen shows."""
    st.plotly_chart(fig, key=key, config=PLOT_CONFIG, theme=None)
    name = file_name or key.replace(".", "-")
    no_browser = browser_path() is None
    s = export_suppression()
    blocked = s.enabled and suppressed is None
    why = ("needs Chrome/Chromium on the server (see README, Exports)" if no_browser
           else _NOT_SUPPRESSIBLE if blocked else None)
    def out() -> Any:  # built on click, not on every rerun
        return fig if not s.enabled or suppressed is None else suppressed(s)

    row = st.container(horizontal=True, vertical_alignment="center")  # as in show_table
    row.download_button("PNG", lambda: _image(out(), "png"), file_name=f"{name}.png",
                        mime="image/png", key=f"{key}.png", disabled=no_browser or blocked,
                        help=why, icon=":material/image:")
    row.download_button("SVG", lambda: _image(out(), "svg"), file_name=f"{name}.svg",
                        mime="image/svg+xml", key=f"{key}.svg",
                        disabled=no_browser or blocked, help=why, icon=":material/image:")
    if s.enabled:
        row.caption(f"Downloads: {s.statement.lower()}." if not blocked
                    else "Patient-level plot: not exported while small counts are "
                         "suppressed.")


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

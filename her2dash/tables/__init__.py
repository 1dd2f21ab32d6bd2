"""Result objects → display tables (pandas DataFrames of text): the only place numbers are
rounded. One module per topic (survival, response, baseline, cox, ...), all using the
formatters here so a p-value or an interval reads the same on every page and in every export.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from her2dash.results import ConfidenceInterval, Unavailable

NOT_REACHED = "NR"  # the paper's "not reached"
DASH = "–"


def format_p(p: float | Unavailable | None) -> str:
    """A p-value as the paper prints it: 3 decimals, "< 0.001" below that."""
    if p is None or isinstance(p, Unavailable) or (isinstance(p, float) and math.isnan(p)):
        return DASH
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def format_number(x: float | None, digits: int = 1) -> str:
    """A number with fixed decimals; ``None`` (not reached) is "NR"."""
    if x is None:
        return NOT_REACHED
    if isinstance(x, float) and math.isnan(x):
        return DASH
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.{digits}f}".replace("-", "−")


def format_ci(ci: ConfidenceInterval | None, digits: int = 1, *, scale: float = 1.0) -> str:
    """An interval as "low–high"; a bound not reached is "NR"."""
    if ci is None:
        return DASH
    low = None if ci.low is None else ci.low * scale
    high = None if ci.high is None else ci.high * scale
    return f"{format_number(low, digits)}–{format_number(high, digits)}"


def format_estimate(estimate: float | None, ci: ConfidenceInterval | None, digits: int = 1, *,
                    scale: float = 1.0) -> str:
    """"10.8 (6.9–19.4)": an estimate with its interval."""
    est = None if estimate is None else estimate * scale
    return f"{format_number(est, digits)} ({format_ci(ci, digits, scale=scale)})"


def format_percent(fraction: float, digits: int = 1) -> str:
    return f"{100 * fraction:.{digits}f} %"


# Figures stay legible and quick to draw (a plotly figure of 100,000 bars or points takes
# seconds to serialise and is unreadable anyway): beyond this, rows are thinned for display.
MAX_DISPLAY_POINTS = 2000


def thin_for_display(frame: pd.DataFrame, limit: int = MAX_DISPLAY_POINTS) -> pd.DataFrame:
    """Every k-th row of ``frame`` in its order (first and last kept), at most ``limit``: a
    sorted waterfall keeps its shape, a scatter its spread. Statistics never see the thinning;
    it is for drawing only."""
    if len(frame) <= limit:
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, limit).round().astype(int))]


def thinned_note(shown: int, total: int, what: str) -> str | None:
    """"Drawing 2,000 of 70,000 patients …" when a figure shows a thinned set, else None."""
    if shown >= total:
        return None
    return (f"Drawing {shown:,} of {total:,} {what}, evenly spaced in order; every statistic "
            "on this page uses all of them.")


# Enough to defeat links and images ([…](…), ![…](…)), Streamlit directives (:red[…]),
# LaTeX ($…$), emphasis, code, tables and raw HTML; parentheses, colons and minus signs stay,
# so a message reads as written ("not a number (found '-3')").
_MARKDOWN_SPECIAL = set("\\`*[]<>$~|")


def escape_markdown(text: str) -> str:
    """Text from a user's file, shown literally by Streamlit's markdown elements.

    The markdown-active characters are backslash-escaped, so a cell such as
    ``![x](http://…)`` cannot load a remote image or render a link, and ``:red[…]`` or
    ``$…$`` cannot style or typeset; newlines become spaces (one message, one line).
    """
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in str(text))
    return escaped.replace("\r", " ").replace("\n", " ")

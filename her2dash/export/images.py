"""Figures as PNG and SVG at presentation resolution, rendered server-side by kaleido.

kaleido ≥ 1 drives a Chrome/Chromium installed on the system (through ``choreographer``). It
looks for the ``BROWSER_PATH`` environment variable first, then for ``chromium``/``google-chrome``
on ``PATH`` and in the usual install paths; :func:`browser_path` sets ``BROWSER_PATH`` to
Debian's ``/usr/bin/chromium`` when nothing else is configured. Without a browser every function
here returns :class:`~her2dash.results.Unavailable` with the reason, never raises.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from her2dash.results import Unavailable

if TYPE_CHECKING:  # imported lazily: the core stays plotly-free until a figure is drawn
    import plotly.graph_objects as go

ImageFormat = Literal["png", "svg"]
# Slides are 13.33 in wide; 1200 px at scale 2 is 2400 px, sharp on a 4K projector.
DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 640
PNG_SCALE = 2
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
_NO_BROWSER = ("no Chrome or Chromium was found for the image export; install one (Debian: "
               "apt-get install chromium) or set BROWSER_PATH to its executable")


def browser_path() -> str | None:
    """The browser kaleido will use: ``BROWSER_PATH`` if set, else the first one found (which
    is then put in ``BROWSER_PATH`` so kaleido and the PDF printer agree)."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured if shutil.which(configured) or os.path.exists(configured) else None
    for name in (*_CANDIDATES, "chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            os.environ["BROWSER_PATH"] = found
            return found
    return None


def figure_size(fig: go.Figure) -> tuple[int, int]:
    """Width and height in CSS pixels: the figure's own, else the presentation default."""
    return (int(fig.layout.width or DEFAULT_WIDTH), int(fig.layout.height or DEFAULT_HEIGHT))


def to_image(fig: go.Figure, fmt: ImageFormat = "png", *, scale: float | None = None
             ) -> bytes | Unavailable:
    """``fig`` as PNG (at ``scale``, default 2) or SVG bytes, or why it cannot be rendered."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg', not {fmt!r}")
    if browser_path() is None:
        return Unavailable(_NO_BROWSER)
    import plotly.io as pio

    width, height = figure_size(fig)
    try:
        with warnings.catch_warnings():  # "kopts ignored" when a session's server is running
            warnings.simplefilter("ignore", UserWarning)
            return pio.to_image(fig, format=fmt, width=width, height=height,
                                scale=(scale or PNG_SCALE) if fmt == "png" else 1)
    except (RuntimeError, OSError) as exc:  # kaleido missing, or the browser would not start
        return Unavailable(f"the image export failed: {exc}")


def to_png(fig: go.Figure, *, scale: float | None = None) -> bytes | Unavailable:
    return to_image(fig, "png", scale=scale)


def to_svg(fig: go.Figure) -> bytes | Unavailable:
    return to_image(fig, "svg")


@contextlib.contextmanager
def image_session() -> Iterator[None]:
    """Keep one browser open for several images (each one-off export starts its own, ~3 s)."""
    if browser_path() is None:
        yield
        return
    import kaleido

    started = False
    try:
        kaleido.start_sync_server(silence_warnings=True)
        started = True
    except Exception:
        pass
    try:
        yield
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)

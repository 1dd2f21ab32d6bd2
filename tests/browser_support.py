"""What the browser tests share: a Streamlit server on a free port of 127.0.0.1, Debian's
headless Chromium driven by Playwright, and the few steps every test takes on a page.

Imported as ``tests.browser_support`` (``python -m pytest`` from the repository, as
tests/test_concordance.py imports tests/test_rules.py); tests/ is not a package. Playwright is
optional here: without it this module still imports, and ``require_browser()`` says what to do.

CI installs chromium and playwright (.ci/run); there a browser test must run, so a missing
browser is a failure under CI=true and a skip only on a developer machine without one.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    Page = expect = sync_playwright = None  # type: ignore[assignment,misc]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}
# True once Streamlit has finished a rerun: its status widget ("Running…") is gone.
RERUN_DONE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


# -- the machine ---------------------------------------------------------------------------------
def browser_missing() -> str | None:
    """Why no browser test can run here, or None when Playwright and Chromium are installed."""
    if sync_playwright is None:  # pragma: no cover - depends on the machine
        return "Playwright is not installed"
    if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
        return f"no Chromium at {CHROMIUM}"
    return None


def require_browser(*, module_level: bool = False) -> None:
    """Fail under CI=true, else skip, when the browser is missing. ``module_level=True`` at the
    top of a module whose every test drives the browser; in a fixture or test otherwise."""
    why = browser_missing()
    if why is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests ({why}): install chromium and playwright",
                    pytrace=False)
    pytest.skip(f"no headless Chromium/Playwright on this machine ({why})",
                allow_module_level=module_level)


def launch(playwright):
    """Debian's Chromium, headless, quiet: ``launch(p)`` under ``sync_playwright()``, or
    ``await launch(p)`` under ``async_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def metric(self, family: str) -> list[tuple[str, float]]:
        """One family of the server's /_stcore/metrics as (labels, value) pairs."""
        with urllib.request.urlopen(f"{self.url}/_stcore/metrics?families={family}",
                                    timeout=10) as r:
            text = r.read().decode()
        found = re.findall(rf"^{family}(\{{[^}}]*\}})?\s+(\S+)$", text, flags=re.M)
        return [(labels, float(value)) for labels, value in found]


@contextlib.contextmanager
def streamlit_server(log_dir: Path, *, cwd: Path = ROOT, extra: tuple[str, ...] = (),
                     port: int | None = None,
                     env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """``streamlit run app.py`` on a free port of 127.0.0.1 (run from ``cwd``, which holds the
    ``.streamlit/`` folder it reads), stopped by its own pid on exit. Its output goes to a
    file in ``log_dir``, never a pipe: an unread pipe fills up and stalls the server mid-run."""
    port = port or free_port()
    log = log_dir / f"streamlit-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", *extra],
            cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            env=None if env is None else dict(env))
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start:\n"
                                       + log.read_text()[-3000:]) from None
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def screenshot_dir(fallback: Path) -> Path:
    """Where screenshots go to be looked at: $HER2DASH_SCREENSHOTS, else ``fallback``."""
    out = Path(os.environ.get("HER2DASH_SCREENSHOTS") or fallback)
    out.mkdir(parents=True, exist_ok=True)
    return out


# -- module fixtures: ``server = server_fixture()`` in a test module defines its ``server`` -------
def server_fixture(*, unset_env: tuple[str, ...] = ()):
    """A module-scoped fixture yielding the URL of one server for the module's tests, started
    without the environment variables named in ``unset_env``."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory) -> Iterator[str]:
        env = {k: v for k, v in os.environ.items() if k not in unset_env}
        with streamlit_server(tmp_path_factory.mktemp("server"), env=env) as running:
            yield running.url

    return server


def shots_fixture():
    """A module-scoped fixture giving the folder the module's screenshots go to."""

    @pytest.fixture(scope="module")
    def shots(tmp_path_factory) -> Path:
        return screenshot_dir(tmp_path_factory.mktemp("shots"))

    return shots


# -- a page (sync Playwright) ----------------------------------------------------------------
def settle(page: Page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished the rerun (its status widget says "Running…")."""
    page.wait_for_timeout(300)
    page.wait_for_function(RERUN_DONE, timeout=timeout)
    page.wait_for_timeout(500)


def go(page: Page, title: str) -> None:
    """Open a page from the sidebar's list (every entry is shown: app.py expands it) and wait
    for its heading and the end of its run."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    if title == "Present":  # its heading is the current slide's title
        expect(page.get_by_text("Slide 1 of")).to_be_visible(timeout=60_000)
    else:
        expect(page.locator("h1").first).to_have_text(title, timeout=30_000)
    settle(page)


def screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its own main block, so full_page alone shows
    only the window; the window is grown to the content's height for the shot."""
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')]"
        ".map(e => e.scrollHeight), 900)")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 100, 9000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


# -- a page (async Playwright, for many sessions at once) -------------------------------------
async def settle_async(page, timeout: float = 60_000) -> None:
    """``settle`` for an async page, without the pause after (many pages share the machine)."""
    await page.wait_for_timeout(200)
    await page.wait_for_function(RERUN_DONE, timeout=timeout)


async def go_async(page, title: str, timeout: float = 60_000) -> None:
    """``go`` for an async page (not for Present, whose heading is a slide's)."""
    from playwright.async_api import expect as expect_async

    await page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    await expect_async(page.locator("h1").first).to_have_text(title, timeout=timeout)
    await settle_async(page, timeout)

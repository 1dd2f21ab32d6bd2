"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
start the server on 127.0.0.1, upload a cohort through the page, move the cutoff, and check
that the Kaplan–Meier figure and the response table changed. Screenshots of every page are
saved (to $HER2DASH_SCREENSHOTS, else the test's tmp folder) to be looked at.

CI installs chromium and playwright (.ci/run); there the test must run, so a missing browser
is a failure under CI=true and a skip only on a developer machine without one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ["Upload & data", "Cohort", "Patient", "Survival", "Response", "Baseline", "Cox models",
         "Biopsy count", "Specimens", "Cutoff explorer", "Present"]

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if sync_playwright is None or not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must run the browser test: install chromium and playwright")
    pytest.skip("no headless Chromium/Playwright on this machine", allow_module_level=True)

pytestmark = pytest.mark.timeout(240)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stderr.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("HER2DASH_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _settle(page: Page) -> None:
    """Wait until Streamlit has finished the rerun (its status widget says "Running…")."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)


def _go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    if title == "Present":  # its heading is the current slide's title
        expect(page.get_by_text("Slide 1 of")).to_be_visible(timeout=60_000)
    else:
        expect(page.locator("h1").first).to_have_text(title, timeout=30_000)
    _settle(page)


def _screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its own main block, so full_page alone shows
    only the window; the window is grown to the content's height for the shot."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')]"
        ".map(e => e.scrollHeight), 900)")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 100, 9000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})


def _km_text(page: Page) -> str:
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=30_000)
    return plot.inner_text()


def test_upload_then_cutoff_changes_the_km_figure_and_response_table(server, shots):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        # The server's first request is a copied link to a page: it must come up as the app
        # (sidebar, restored settings), not as the page file alone (pages/common/state.py).
        page.goto(f"{server}/baseline?cutoff_pct=50")
        expect(page.locator("h1").first).to_have_text("Baseline", timeout=60_000)
        expect(page.get_by_test_id("stSidebar").get_by_text("Heterogeneity")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("50 %").first).to_be_visible()
        page.goto(server)
        expect(page.locator("h1").first).to_have_text("Cohort", timeout=60_000)
        _settle(page)

        _go(page, "Upload & data")
        demo = ROOT / "data" / "demo"
        page.locator("input[type=file]").set_input_files(
            [str(demo / "patients.csv"), str(demo / "fragments.csv")])
        expect(page.get_by_text("Valid: 87 patients")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Analyse this cohort").click()
        expect(page.get_by_text("Analysing the uploaded cohort")).to_be_visible(timeout=60_000)
        _screenshot(page, shots / "upload.png")

        _go(page, "Survival")
        before_km = _km_text(page)
        _go(page, "Response")
        table = page.get_by_test_id("stDataFrame").first
        before_table = table.screenshot()

        # The cutoff slider: focus its thumb and step down from 100 % to 50 % (step 1).
        thumb = page.get_by_test_id("stSidebar").get_by_role("slider").first
        thumb.focus()
        for _ in range(50):
            page.keyboard.press("ArrowLeft")
        _settle(page)
        assert "cutoff_pct=50" in page.url
        after_table = page.get_by_test_id("stDataFrame").first.screenshot()
        assert after_table != before_table
        _go(page, "Survival")
        assert _km_text(page) != before_km

        # The cutoff explorer: clicking a point of the sweep moves the sidebar cutoff.
        _go(page, "Cutoff explorer")
        sweep_plot = page.locator(".js-plotly-plot").first
        sweep_plot.wait_for(timeout=60_000)
        point = sweep_plot.locator(".scatterlayer .trace .points path").nth(70)
        point.click(force=True)
        _settle(page)
        assert "cutoff_pct=50" not in page.url and "cutoff_pct=" in page.url, page.url

        for title in PAGES:
            _go(page, title)
            name = title.lower().replace(" & ", "-").replace(" ", "-")
            _screenshot(page, shots / f"{name}.png")
            assert not page.get_by_test_id("stException").count(), title
        browser.close()

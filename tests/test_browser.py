"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
start the server on 127.0.0.1, upload a cohort through the page, move the cutoff, and check
that the Kaplan–Meier figure and the response table changed. Screenshots of every page are
saved (to $HER2DASH_SCREENSHOTS, else the test's tmp folder) to be looked at.

Server, browser and page steps come from tests/browser_support.py; under CI=true a missing
browser is a failure, on a developer machine a skip.
"""

from __future__ import annotations

import re

import pytest

from tests.browser_support import (
    ROOT,
    VIEWPORT,
    Page,
    expect,
    go,
    launch,
    require_browser,
    screenshot,
    server_fixture,
    settle,
    shots_fixture,
    sync_playwright,
)

require_browser(module_level=True)

PAGES = ["Upload & data", "Cohort", "Survival", "Response", "Baseline", "Cox models",
         "Specimens", "Literature", "Biopsy count", "How many biopsies", "Cutoff explorer",
         "Exploration ledger", "Patient", "Present"]

AT_50 = re.compile(r"[?&]cutoff_pct=50(&|$)")

pytestmark = pytest.mark.timeout(480)
server = server_fixture()
shots = shots_fixture()


def _km_text(page: Page) -> str:
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=30_000)
    return plot.inner_text()


def test_upload_then_cutoff_changes_the_km_figure_and_response_table(server, shots):
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORT)
        # The server's first request is a copied link to a page: it must come up as the app
        # (sidebar, restored settings), not as the page file alone (pages/common/state.py).
        page.goto(f"{server}/baseline?cutoff_pct=50")
        expect(page.locator("h1").first).to_have_text("Baseline", timeout=60_000)
        expect(page.get_by_test_id("stSidebar").get_by_text("Heterogeneity")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("50 %").first).to_be_visible()
        page.goto(server)
        expect(page.locator("h1").first).to_have_text("Cohort", timeout=60_000)
        settle(page)

        go(page, "Upload & data")
        demo = ROOT / "data" / "demo"
        page.locator("input[type=file]").set_input_files(
            [str(demo / "patients.csv"), str(demo / "fragments.csv")])
        expect(page.get_by_text("Valid: 87 patients")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Analyse this cohort").click()
        expect(page.get_by_text("Analysing the uploaded cohort")).to_be_visible(timeout=60_000)
        screenshot(page, shots / "upload.png")

        go(page, "Survival")
        before_km = _km_text(page)
        go(page, "Response")
        table = page.get_by_test_id("stDataFrame").first
        before_table = table.screenshot()

        # The cutoff slider: focus its thumb and step down from 100 % to 50 % (step 1).
        thumb = page.get_by_test_id("stSidebar").get_by_role("slider").first
        thumb.focus()
        for _ in range(50):
            page.keyboard.press("ArrowLeft")
        # The slider sends its value a moment after the last key: wait for it, then the rerun.
        expect(page).to_have_url(AT_50, timeout=30_000)
        settle(page)
        after_table = page.get_by_test_id("stDataFrame").first.screenshot()
        assert after_table != before_table
        go(page, "Survival")
        assert _km_text(page) != before_km

        # The cutoff explorer: clicking a point of the sweep moves the sidebar cutoff.
        go(page, "Cutoff explorer")
        sweep_plot = page.locator(".js-plotly-plot").first
        sweep_plot.wait_for(timeout=60_000)
        point = sweep_plot.locator(".scatterlayer .trace .points path").nth(70)
        point.click(force=True)
        expect(page).not_to_have_url(AT_50, timeout=30_000)
        settle(page)
        assert "cutoff_pct=" in page.url, page.url

        for title in PAGES:
            go(page, title)
            name = title.lower().replace(" & ", "-").replace(" ", "-")
            screenshot(page, shots / f"{name}.png")
            assert not page.get_by_test_id("stException").count(), title
        browser.close()

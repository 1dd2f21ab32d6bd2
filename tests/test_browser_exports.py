"""The new export panels in a real headless Chromium (Playwright, as tests/test_browser.py): the
Survival page's extended risk table toggle, the small-count suppression checkbox beside a
download (and the file it then downloads), and the Present page's suppression option.
Screenshots go to $HER2DASH_SCREENSHOTS (else the test's tmp folder) to be looked at:
``survival-risk-counts.png``, ``survival-suppressed.png``, ``present-suppressed.png``.

Under CI=true a missing browser is a failure, on a developer machine a skip.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser_support import (
    VIEWPORT,
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

pytestmark = pytest.mark.timeout(300)
# Suppression starts off, whatever the developer's shell sets.
server = server_fixture(unset_env=("HER2DASH_SUPPRESS_BELOW",))
shots = shots_fixture()


def test_risk_table_toggle_suppression_and_present(server, shots):
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        page.goto(server)
        expect(page.locator("h1").first).to_have_text("Cohort", timeout=60_000)
        settle(page)

        # The extended risk table: censored and events rows per arm under the curves.
        go(page, "Survival")
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for(timeout=30_000)
        assert "Censored" not in plot.inner_text()
        page.get_by_text("Events and censored under the curves").click()
        settle(page)
        plot = page.locator(".js-plotly-plot").first
        text = plot.inner_text()
        assert "Censored" in text and "Events" in text and "cumulative" in text
        # The demo's Homo-HER2 arm at 27 months: 1 at risk, 5 censored, 28 events (R agrees).
        risk = page.get_by_test_id("stExpander").filter(has_text="Risk table").first
        expect(risk).to_be_visible()
        screenshot(page, shots / "survival-risk-counts.png")
        assert not page.get_by_test_id("stException").count()

        # Suppression from the popover beside the risk table's downloads.
        risk.get_by_role("button", name=re.compile("Export")).first.click()
        page.get_by_text("Suppress small counts in exports").last.click()
        settle(page)
        expect(page.get_by_text("Downloads: counts below 5 are suppressed.").first).to_be_visible()
        page.keyboard.press("Escape")
        settle(page)
        risk = page.get_by_test_id("stExpander").filter(has_text="Risk table").first
        with page.expect_download(timeout=60_000) as info:
            risk.get_by_test_id("stDownloadButton").filter(has_text="CSV").first.click()
        data = Path(info.value.path()).read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(data, newline="")))
        assert rows[0][0].startswith("Counts below 5 are suppressed")
        assert rows[1][:3] == ["Group", "Count", "0"]
        cells = [c for row in rows[2:] for c in row[2:]]
        assert "<5" in cells and not {"1", "2", "3", "4"} & set(cells)
        screenshot(page, shots / "survival-suppressed.png")

        # The Present page: the same session setting, the slides say it.
        go(page, "Present")
        expect(page.get_by_text("Counts below 5 are suppressed.").first).to_be_visible()
        expect(page.get_by_text("Suppress small counts in exports").first).to_be_visible()
        screenshot(page, shots / "present-suppressed.png")
        assert not page.get_by_test_id("stException").count()
        browser.close()

"""The exploration ledger end to end in headless Chromium (Playwright, as tests/test_browser.py):
move the cutoff twice, open the ledger page, find the explored settings there, lock the current
one as pre-specified, check the label and the link, download the ledger's workbook and the HTML
report to find the label in them, and restore the lock from the link in a fresh session.
Screenshots go to $HER2DASH_SCREENSHOTS (else the test's tmp folder) to be looked at.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser_support import (
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

pytestmark = pytest.mark.timeout(300)
server = server_fixture()
shots = shots_fixture()


def _go_to_cutoff(page: Page, value: int) -> None:
    """The Cutoff explorer's number box moves the sidebar cutoff (typing is deterministic where
    arrow keys on the slider race Streamlit's reruns)."""
    box = page.get_by_role("spinbutton", name="Go to cutoff (%)")
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def _explored(page: Page) -> int:
    heading = page.get_by_text(re.compile(r"^The \d+ setting\(s\) explored"))
    expect(heading).to_be_visible(timeout=30_000)
    return int(re.search(r"\d+", heading.inner_text()).group())


def test_explore_two_cutoffs_lock_one_and_find_the_label_everywhere(server, shots):
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        page.goto(server)
        expect(page.locator("h1").first).to_have_text("Cohort", timeout=60_000)
        settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Exploratory · 1 setting explored")).to_be_visible()

        go(page, "Cutoff explorer")
        _go_to_cutoff(page, 80)
        assert "cutoff_pct=80" in page.url, page.url
        _go_to_cutoff(page, 60)
        assert "cutoff_pct=60" in page.url, page.url

        go(page, "Exploration ledger")
        n = _explored(page)
        assert n == 3, n  # 100 %, 80 %, 60 %
        expect(page.get_by_text("Adjusted for having looked at all of them")).to_be_visible()
        expect(sidebar.get_by_text(f"Exploratory · {n} settings explored")).to_be_visible()
        screenshot(page, shots / "ledger.png")

        page.get_by_role("button", name="Lock as pre-specified").click()
        settle(page)
        expect(sidebar.get_by_text(f"Pre-specified analysis · {n} settings explored")
               ).to_be_visible()
        assert "prespecified=cutoff_pct%3D60" in page.url, page.url
        expect(page.get_by_text("Locked: every-fragment, cutoff 60 %")).to_be_visible()
        screenshot(page, shots / "ledger-locked.png")
        link = page.url

        # The ledger table's workbook says so on its "exploration" sheet.
        with page.expect_download(timeout=60_000) as download:
            page.get_by_test_id("stDownloadButton").filter(has_text="XLSX").first.click()
        workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = workbook["exploration"]
        rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["analysis"] == "pre-specified"
        assert rows["settings explored in the session"] == str(n)

        # The report the Present page downloads says so on its title and on every section.
        go(page, "Present")
        page.get_by_text("Report and slides").click()
        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name="HTML report").click()
        report = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Pre-specified analysis (every-fragment, cutoff 60 %" in report
        assert report.count(f"Pre-specified analysis · {n} settings explored") > 10

        # A copied link restores the lock in a new session (its ledger starts afresh).
        fresh = browser.new_page(viewport=VIEWPORT)
        fresh.goto(link)
        expect(fresh.locator("h1").first).to_have_text("Exploration ledger", timeout=60_000)
        settle(fresh)
        expect(fresh.get_by_test_id("stSidebar").get_by_text(
            "Pre-specified analysis · 1 setting explored")).to_be_visible()
        assert not fresh.get_by_test_id("stException").count()
        browser.close()

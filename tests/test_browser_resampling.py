"""The "How many biopsies" page and the Patient page's Robustness panel in a real headless
Chromium (Playwright, Debian's /usr/bin/chromium), server on 127.0.0.1: the figure draws, the
headline and the k sentence follow the controls, the panel reads its paragraph. Screenshots go
to $HER2DASH_SCREENSHOTS (else the test's tmp folder) to be looked at.

Launch pattern as tests/test_browser.py: under CI=true a missing browser is a failure.
"""

from __future__ import annotations

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

pytestmark = pytest.mark.timeout(240)
server = server_fixture()
shots = shots_fixture()


def test_how_many_biopsies_page_and_the_patient_robustness_panel(server, shots):
    from her2dash.demo import load_demo
    from her2dash.resampling import resample
    from her2dash.settings import Settings
    from her2dash.tables.resampling import k_summary

    core = resample(load_demo()[0], Settings())
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORT)
        # A copied link straight to the page comes up as the app, with its sidebar.
        page.goto(f"{server}/resampling")
        expect(page.locator("h1").first).to_have_text("How many biopsies", timeout=60_000)
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for(timeout=60_000)
        settle(page)
        # Top panel plus one HR panel per endpoint, each subplot titled.
        for title in ("Patients in the other group", "PFS hazard ratio", "OS hazard ratio"):
            expect(plot.get_by_text(title, exact=False)).to_be_visible()
        expect(plot.get_by_text("all fragments: HR 0.47")).to_be_visible()
        expect(page.get_by_text(k_summary(core, 2), exact=True)).to_be_visible()
        assert not page.get_by_test_id("stException").count()
        screenshot(page, shots / "resampling.png")

        # The k slider: one step left is k = 1, and the sentence follows.
        thumb = page.get_by_test_id("stMain").get_by_role("slider").first
        thumb.focus()
        page.keyboard.press("ArrowLeft")
        settle(page)
        expect(page.get_by_text(k_summary(core, 1), exact=True)).to_be_visible()

        go(page, "Patient")
        main = page.get_by_test_id("stMain")
        panel = main.get_by_text("Sampling:", exact=False).first
        panel.scroll_into_view_if_needed()
        expect(panel).to_be_visible()
        expect(main.get_by_text("Changes if one fragment fewer")).to_be_visible()
        assert not page.get_by_test_id("stException").count()
        screenshot(page, shots / "patient-robustness.png")
        browser.close()

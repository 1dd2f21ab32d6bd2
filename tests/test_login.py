"""Optional login (pages/common/auth.py): off without an ``[auth]`` section in secrets.toml; with
one, a session that has not logged in sees only the login screen and no data, a logged-in one
sees the app with its name and a "Log out" in the sidebar.

AppTest checks each state in-process. The end-to-end test runs a real OpenID Connect login
against a local provider (``oidc-provider-mock`` on 127.0.0.1) in headless Chromium, with the
server run from a temporary folder holding the test's own ``.streamlit/secrets.toml``.
Server, browser and the CI=true rule come from tests/browser_support.py: under CI=true a missing
Chromium/Playwright is a failure, elsewhere a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from pages.common.auth import LOGIN_NOTICE, LOGIN_TITLE
from tests.browser_support import (
    VIEWPORT,
    expect,
    free_port,
    launch,
    require_browser,
    screenshot,
    screenshot_dir,
    settle,
    streamlit_server,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "a-long-random-test-secret-0123456789abcdef",
        "client_id": "her2dash", "client_secret": "test-only",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
USER = {"sub": "alice", "name": "Dr Alice Tester", "email": "alice@example.org"}


@pytest.fixture
def secrets_files(tmp_path, monkeypatch):
    """Point Streamlit's secrets at ``tmp_path/secrets.toml`` (absent until a test writes it),
    so no developer's ~/.streamlit/secrets.toml leaks in, and forget any parsed secrets."""
    from streamlit.runtime.secrets import secrets_singleton

    path = tmp_path / "secrets.toml"
    old = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    monkeypatch.setattr(secrets_singleton, "_secrets", None)
    yield path
    config.set_option("secrets.files", old)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def _assert_login_screen(at: AppTest) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == [LOGIN_TITLE]
    assert not at.metric and not at.sidebar  # no group counts, nothing in the sidebar
    assert "cohort" not in at.session_state  # no data, not even the demo's, was loaded


# -- in-process (AppTest) ---------------------------------------------------------------------
def test_without_secrets_the_app_runs_unchanged(secrets_files, capfd):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Cohort"
    assert _metrics(at) == {"Homogeneous": "34", "Heterogeneous": "53",
                            "Excluded by filters": "0"}
    assert not [b for b in at.button if b.label in ("Log in", "Log out")]
    assert not [c for c in at.sidebar.caption if "Logged in" in c.value]
    # Reading st.secrets without a secrets file neither raised nor warned (Streamlit's
    # loggers write to stderr and do not propagate, so stderr is where a warning would be).
    assert not at.warning and not at.error
    assert "secret" not in capfd.readouterr().err.lower()


def test_an_unauthenticated_session_sees_only_the_login_screen(secrets_files):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    _assert_login_screen(at)
    assert [b.label for b in at.button] == ["Log in"]
    assert [m.value for m in at.markdown] == [LOGIN_NOTICE]


def test_a_logged_in_session_sees_the_app_and_who_is_logged_in(secrets_files):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **USER}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Cohort"
    assert _metrics(at)["Homogeneous"] == "34"
    who = [c.value for c in at.sidebar.caption if "Logged in" in c.value]
    assert who == [":material/account_circle: Logged in as Dr Alice Tester (alice@example.org)"]
    assert [b.label for b in at.sidebar.button][:1] == ["Log out"]


def test_named_providers_get_one_button_each(secrets_files):
    at = AppTest.from_file(APP, default_timeout=60)
    base = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    at.secrets["auth"] = {**base, "microsoft": provider, "keycloak": provider}
    at.user = {"is_logged_in": False}
    at.run()
    _assert_login_screen(at)
    assert [b.label for b in at.button] == ["Log in with microsoft", "Log in with keycloak"]


def test_an_unreadable_secrets_file_keeps_the_app_closed(secrets_files):
    """A typo in secrets.toml must not open the department's app to everyone."""
    secrets_files.write_text('[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback\n')
    at = AppTest.from_file(APP, default_timeout=60).run()
    _assert_login_screen(at)
    assert not at.button
    assert "could not be read" in at.error[0].value


# -- a real login flow in the browser ------------------------------------------------------------
@pytest.fixture
def browser_ready() -> None:
    require_browser()


@pytest.fixture
def provider(tmp_path):
    """oidc-provider-mock on 127.0.0.1 (a subprocess, stopped by its pid), with the test user's
    claims registered; it accepts any client id and secret."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "provider.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration",
                                            timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oidc-provider-mock did not start") from None
                time.sleep(0.3)
        claims = {k: v for k, v in USER.items() if k != "sub"}
        request = urllib.request.Request(f"{url}/users/{USER['sub']}", method="PUT",
                                         data=json.dumps(claims).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 204
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def app_with_login(tmp_path, provider):
    """The app served from a folder holding the repository's config.toml and a secrets.toml
    whose [auth] points at the mock provider."""
    folder = tmp_path / "deploy"
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    port = free_port()
    (folder / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(24).hex()}"\n'
        'client_id = "her2dash-test"\n'
        'client_secret = "test-only-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with streamlit_server(tmp_path, cwd=folder, port=port) as server:
        yield server


@pytest.mark.timeout(240)
def test_login_flow_against_a_local_openid_provider(browser_ready, provider, app_with_login,
                                                   tmp_path):
    url = app_with_login.url
    shots = screenshot_dir(tmp_path)  # to be looked at
    wait = 90_000
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(wait)
        page = context.new_page()

        # (a) Not logged in: a deep link to a page still shows only the login screen.
        page.goto(f"{url}/survival?cutoff_pct=50")
        login = page.get_by_role("button", name="Log in")
        expect(login).to_be_visible(timeout=wait)
        expect(page.locator("h1").first).to_have_text(LOGIN_TITLE)
        settle(page, timeout=wait)
        screenshot(page, shots / "login-1-login.png")
        body = page.locator("body").inner_text()
        assert LOGIN_NOTICE in body
        for absent in ("Homo-HER2", "Hetero-HER2", "Synthetic demo", "Survival", "patients"):
            assert absent not in body, absent
        assert not page.get_by_test_id("stSidebar").count()
        assert not page.get_by_test_id("stSidebarNav").count()

        # (b) Log in at the provider: type the subject, authorize, come back to the app.
        login.click()
        page.wait_for_url(f"{provider}/oauth2/authorize**")
        screenshot(page, shots / "login-2-provider.png")
        page.locator("input[name=sub]").fill(USER["sub"])
        page.get_by_role("button", name="Authorize").click()
        expect(page.locator("h1").first).to_have_text("Cohort", timeout=wait)
        bar = page.get_by_test_id("stSidebar")
        expect(bar.get_by_text("Homo-HER2")).to_be_visible(timeout=wait)
        expect(bar.get_by_text("Logged in as Dr Alice Tester (alice@example.org)")).to_be_visible()
        values = bar.get_by_test_id("stMetricValue")
        expect(values.nth(0)).to_have_text("34")  # the demo cohort: the paper's 34 / 53
        expect(values.nth(1)).to_have_text("53")
        settle(page, timeout=wait)
        screenshot(page, shots / "login-3-app.png")
        cookie = next(c for c in context.cookies() if c["name"].startswith("_streamlit_user"))
        assert cookie["httpOnly"]

        # (c) Log out: the provider's end-session page, then the login screen again.
        bar.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{provider}/oauth2/end_session**")
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=wait)
        settle(page, timeout=wait)
        screenshot(page, shots / "login-4-logged-out.png")
        assert "Homo-HER2" not in page.locator("body").inner_text()
        assert not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
        browser.close()

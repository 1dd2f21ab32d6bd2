"""Optional login for a department deployment: Streamlit's built-in OpenID Connect
(``st.login`` / ``st.user`` / ``st.logout``), configured by an ``[auth]`` section in
``.streamlit/secrets.toml`` (docs/deployment.md).

Off by default: with no secrets file, or one without ``[auth]``, nothing changes (local use).
With it, a session that has not logged in sees only the login screen; ``app.py`` calls
``require_login()`` before it loads any cohort, so no data, not even the synthetic demo's, is
shown or computed before login.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

import streamlit as st

from her2dash.tables import escape_markdown

AuthState = Literal["off", "on", "unreadable"]
LOGIN_TITLE = "her2dash · HER2 heterogeneity"
LOGIN_NOTICE = "This department's her2dash requires login. Log in with your institutional account."


def auth_state() -> AuthState:
    """Whether login is configured: ``"on"`` with an ``[auth]`` section, ``"off"`` without.

    Streamlit raises ``StreamlitSecretNotFoundError`` (a ``FileNotFoundError``) both when no
    secrets file exists and when one exists but cannot be parsed. The first is local use; the
    second is a deployment mistake, reported as ``"unreadable"`` so that the app stays shut
    rather than opening to everyone because of a typo in secrets.toml.
    """
    try:
        return "on" if "auth" in st.secrets else "off"
    except FileNotFoundError:
        paths = st.get_option("secrets.files") or []
        return "unreadable" if any(os.path.exists(p) for p in paths) else "off"


def providers() -> tuple[str, ...]:
    """The providers ``st.login`` can be called with: ``"default"`` when the client settings
    sit directly under ``[auth]`` (docs/deployment.md), else every named ``[auth.NAME]``."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return ("default",)
    named = tuple(k for k, v in section.items() if isinstance(v, Mapping))
    return named or ("default",)  # st.login then names what is missing


def require_login() -> None:
    """Stop the script at a login screen unless login is off or this session has logged in;
    for a logged-in user, show who it is and a "Log out" button in the sidebar."""
    state = auth_state()
    if state == "off":
        return
    if state == "unreadable":
        _screen()
        st.error("Login is configured but `.streamlit/secrets.toml` could not be read; ask the "
                 "administrator to check it. The app stays closed until it is fixed.",
                 icon=":material/lock:")
        _stop()
    if not st.user.is_logged_in:
        _screen()
        st.write(LOGIN_NOTICE)
        names = providers()
        for name in names:
            label = "Log in" if len(names) == 1 else f"Log in with {name}"
            st.button(label, type="primary", icon=":material/login:", key=f"auth.login.{name}",
                      on_click=st.login, args=(name,))
        _stop()
    who = st.user.get("name") or st.user.get("email") or st.user.get("sub") or "unknown user"
    email = st.user.get("email")
    shown = f"{who} ({email})" if email and email != who else str(who)
    st.sidebar.caption(f":material/account_circle: Logged in as {escape_markdown(shown)}")
    st.sidebar.button("Log out", icon=":material/logout:", key="auth.logout",
                      on_click=st.logout)


def _screen() -> None:
    st.title(LOGIN_TITLE)


def _stop() -> None:
    """End the run with the login screen as the app's only page.

    With a ``pages/`` folder beside app.py, a run that stops before ``st.navigation`` would
    leave Streamlit's automatic page list in the sidebar; one hidden page of navigation
    replaces it, so the screen shows no page names.
    """
    st.navigation([st.Page(_nothing, title="Log in", url_path="login")],
                  position="hidden")
    st.stop()


def _nothing() -> None:
    """The login screen's page body: the screen itself is drawn before navigation."""

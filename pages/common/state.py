"""Session state: which cohort this browser session is looking at.

The demo cohort is bundled, synthetic and the same for everyone, so it is cached once per
server (``cache_resource``). An uploaded cohort will live only in its own session's state.
"""

from __future__ import annotations

import streamlit as st

from her2dash.cohort import Cohort
from her2dash.demo import load_demo
from her2dash.validate import ValidationReport


@st.cache_resource(show_spinner=False)
def _demo() -> tuple[Cohort, ValidationReport]:
    return load_demo()


def ensure_cohort() -> None:
    """Put the demo cohort in this session unless it already holds one."""
    if "cohort" not in st.session_state:
        cohort, report = _demo()
        st.session_state["cohort"] = cohort
        st.session_state["report"] = report


def current() -> tuple[Cohort, ValidationReport]:
    ensure_cohort()
    return st.session_state["cohort"], st.session_state["report"]

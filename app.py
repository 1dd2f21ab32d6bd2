"""her2dash: entry point. Page config, the demo cohort on first visit, URL -> Settings, navigation.

Run with ``streamlit run app.py``. Pages only arrange results computed by the ``her2dash`` package.
"""

from __future__ import annotations

import streamlit as st

from her2dash.settings import Settings
from pages.common.state import ensure_cohort

st.set_page_config(page_title="her2dash · HER2 heterogeneity", page_icon="🔬", layout="wide")

ensure_cohort()
settings, ignored = Settings.from_query_params(st.query_params.to_dict())
st.session_state["settings"] = settings
for message in ignored:
    st.sidebar.warning(f"Link setting {message}")

pages = [
    st.Page("pages/cohort.py", title="Cohort", icon=":material/biotech:", url_path="cohort",
            default=True),
]
st.navigation(pages).run()

"""her2dash: entry point. Page config, the demo cohort on first visit, URL <-> Settings, sidebar,
navigation.

Run with ``streamlit run app.py``. Pages only arrange results computed by the ``her2dash`` package.
"""

from __future__ import annotations

import streamlit as st

from her2dash.settings import Settings
from pages.common.auth import require_login
from pages.common.sidebar import sidebar
from pages.common.state import current, lock_params, restore_lock

st.set_page_config(page_title="her2dash · HER2 heterogeneity", page_icon=":material/biotech:",
                   layout="wide")
require_login()  # off unless secrets.toml has [auth]; before any data is loaded

cohort, _ = current()
from_link, ignored = Settings.from_query_params(st.query_params.to_dict())
ignored += restore_lock(st.query_params.to_dict())  # the pre-specified analysis, if locked
for message in ignored:
    st.sidebar.warning(f"Link setting {message}")
settings = sidebar(cohort, from_link)
# The URL follows the controls, so a copied link restores this view.
params = settings.to_query_params() | lock_params()
if st.query_params.to_dict() != params:
    st.query_params.from_dict(params)

# Listed explicitly, url_path = file stem (pages/ + st.navigation: see the style guide), in the
# sections users work in; expanded, so no page hides behind "View more".
PAGES = {
    "Data": [
        st.Page("pages/upload.py", title="Upload & data", icon=":material/upload_file:",
                url_path="upload"),
        st.Page("pages/cohort.py", title="Cohort", icon=":material/biotech:",
                url_path="cohort", default=True),
    ],
    "Outcomes": [
        st.Page("pages/survival.py", title="Survival", icon=":material/show_chart:",
                url_path="survival"),
        st.Page("pages/response.py", title="Response", icon=":material/bar_chart:",
                url_path="response"),
        st.Page("pages/baseline.py", title="Baseline", icon=":material/table_chart:",
                url_path="baseline"),
        st.Page("pages/cox.py", title="Cox models", icon=":material/functions:",
                url_path="cox"),
        st.Page("pages/specimens.py", title="Specimens", icon=":material/compare:",
                url_path="specimens"),
        st.Page("pages/literature.py", title="Literature", icon=":material/menu_book:",
                url_path="literature"),
    ],
    "Sampling & cutoffs": [
        st.Page("pages/biopsy_count.py", title="Biopsy count", icon=":material/scatter_plot:",
                url_path="biopsy_count"),
        st.Page("pages/resampling.py", title="How many biopsies", icon=":material/casino:",
                url_path="resampling"),
        st.Page("pages/cutoff.py", title="Cutoff explorer", icon=":material/tune:",
                url_path="cutoff"),
        st.Page("pages/ledger.py", title="Exploration ledger", icon=":material/history:",
                url_path="ledger"),
    ],
    "Tumour board": [
        st.Page("pages/patient.py", title="Patient", icon=":material/person:",
                url_path="patient"),
        st.Page("pages/present.py", title="Present", icon=":material/slideshow:",
                url_path="present"),
    ],
}
st.navigation(PAGES, expanded=True).run()

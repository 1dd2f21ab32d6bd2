"""Literature: published heterogeneity rates, medians, HRs and ORRs beside the cohort's, each
with its citation and whether the definitions match (her2dash/literature.py)."""

from __future__ import annotations

import streamlit as st

from her2dash.figures.literature import PANEL_TITLES, PANELS, literature_figure
from her2dash.literature import compare
from her2dash.tables import escape_markdown
from her2dash.tables.literature import citations_list, comparison_frame, definitions_frame
from pages.common.show import show_figure, show_table
from pages.common.state import current_analysis, current_settings

st.title("Literature")
comparison = compare(current_analysis(), current_settings())
st.caption("Published numbers set beside this cohort under the sidebar settings. They are other "
           "patients: nothing is tested between the two, and the Definitions column says where "
           "the definitions part. The treatment setting is never checked: the seed paper's "
           "patients received first-line trastuzumab-based chemotherapy.")
if comparison.synthetic:
    st.info("The demo cohort was generated to reproduce Yagi et al.'s published counts, so its "
            "agreement with that paper is by construction, not a finding.",
            icon=":material/science:")

with st.container(border=True):
    st.header("Published values — not your data")
    st.caption("Only the \"Your cohort\" column (green in the figures) comes from your data; "
               "every other number is quoted from the source named beside it.")
    show_table(comparison_frame(comparison), "literature.comparison", "literature_comparison",
               whole=True)
    tabs = st.tabs([PANEL_TITLES[p] for p in PANELS])
    for tab, panel in zip(tabs, PANELS, strict=True):
        with tab:
            show_figure(literature_figure(comparison, panel), f"literature.{panel}")  # type: ignore[arg-type]

    st.subheader("Definitions side by side")
    show_table(definitions_frame(comparison), "literature.definitions", "literature_definitions")

    st.subheader("References")
    st.markdown("\n".join(f"{i}. {escape_markdown(text)}"
                          for i, text in enumerate(citations_list(comparison), 1)))

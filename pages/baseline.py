"""Baseline: patient characteristics by HER2 group (Table 1), from her2dash/baseline.py via
analyze()."""

from __future__ import annotations

import streamlit as st

from her2dash.tables.baseline import baseline_frame
from pages.common.show import show_table, unavailable
from pages.common.state import current_analysis

st.title("Baseline")
analysis = current_analysis()

st.subheader("Patient characteristics (Table 1)")
if not unavailable(analysis.baseline, "The baseline table"):
    table = analysis.baseline
    show_table(baseline_frame(table, analysis.covariates), "baseline.table1",
               "baseline_characteristics", whole=True,
               suppressed=lambda s: baseline_frame(table, analysis.covariates, s),
               caption="Categorical characteristics: n (% of patients with a known value), "
                       "Fisher's exact test (2×2, or 2×k for more than two levels), as R's "
                       "fisher.test. Continuous ones: median [IQR], Mann–Whitney (Wilcoxon rank "
                       "sum) test, as R's wilcox.test default.")
    for note in table.notes:
        st.caption(note)

"""Specimens: median PFS and OS per HER2 group in biopsy vs surgical specimens (the paper's
Table 4), from her2dash/specimens.py via analyze()."""

from __future__ import annotations

import streamlit as st

from her2dash.tables.specimens import specimen_table
from pages.common.show import show_table, unavailable
from pages.common.state import current_analysis

st.title("Specimens")
st.caption("The paper sets its biopsy cohort beside the group's earlier cohort of surgical "
           "specimens (Table 4). This needs a specimen_type column holding both \"biopsy\" and "
           "\"surgical\".")
comparison = current_analysis().specimens
if not unavailable(comparison, "The biopsy vs surgical comparison (Table 4)"):
    show_table(specimen_table(comparison), "specimens.table4", "specimens_table4",
               caption=comparison.note)

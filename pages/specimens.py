"""Specimens: median PFS and OS per HER2 group in biopsy vs surgical specimens (the paper's
Table 4), from her2dash/specimens.py via analyze()."""

from __future__ import annotations

import streamlit as st

from her2dash.concordance import material_label, materials
from her2dash.tables.specimens import concordance_frame, concordance_text, specimen_table
from pages.common.show import show_table, unavailable
from pages.common.state import current, current_analysis, current_concordance, current_settings

st.title("Specimens")
st.caption("The paper sets its biopsy cohort beside the group's earlier cohort of surgical "
           "specimens (Table 4). This needs a specimen_type column holding both \"biopsy\" and "
           "\"surgical\".")
comparison = current_analysis().specimens
if not unavailable(comparison, "The biopsy vs surgical comparison (Table 4)"):
    show_table(specimen_table(comparison), "specimens.table4", "specimens_table4",
               caption=comparison.note)

st.header("The same patients in two materials")
cohort, _ = current()
settings = current_settings()
first = (settings.timepoint, settings.specimen)
others = [m for m in materials(cohort) if m != first]
if not others:
    st.info("Each patient's fragments here are one material. With a fragment-level "
            "`timepoint` (baseline / post-progression) or `specimen_type` (biopsy / resection) "
            "column, this section sets each patient's call in one material beside the other, "
            "each scored by the current rule on its own.", icon=":material/info:")
for other in others:
    st.subheader(f"{material_label(first)} vs {material_label(other)}")
    result = current_concordance(other)
    if not unavailable(result, "The paired comparison"):
        st.markdown(concordance_text(result))
        show_table(concordance_frame(result), f"specimens.pair.{'-'.join(other)}",
                   f"concordance-{'-'.join(other)}")
        with st.expander("Per patient"):
            show_table(result.per_patient, f"specimens.pairs.{'-'.join(other)}",
                       f"concordance-patients-{'-'.join(other)}")

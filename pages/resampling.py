"""How many biopsies: would fewer fragments have changed the groups and the hazard ratio?

her2dash/resampling.py draws and refits, her2dash/figures/resampling.py draws the one figure,
her2dash/tables/resampling.py words the numbers. The rule, cutoff and filters are the sidebar's.
"""

from __future__ import annotations

import streamlit as st

from her2dash.figures.resampling import resampling_figure
from her2dash.resampling import DEFAULT_DRAWS
from her2dash.tables.resampling import (
    headline,
    k_summary,
    leave_one_out_table,
    leave_one_out_text,
    per_patient_table,
    resampling_table,
    table_caption,
)
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import current_resampling, current_settings

st.title("How many biopsies")
settings = current_settings()
st.caption("Would fewer biopsies have changed the conclusion? For k = 1, 2, … fragments, k of "
           "each patient's tumour-containing fragments are drawn at random (without "
           "replacement), every patient is reclassified under the sidebar's rule and cutoff, "
           "and the hazard ratio is refitted, once per draw. Published series find the call "
           "stabilising at 4–5 fragments (Ahn 2015, Gullo 2015); the sidebar's adequacy "
           f"threshold is {settings.adequate_fragments}.")
with st.expander("Simulation options", expanded=False):
    left, right = st.columns(2)
    n_draws = left.number_input("Draws per k (B)", 10, 2000, DEFAULT_DRAWS, 50,
                                key="resampling.draws")
    seed = right.number_input("Random seed", 0, 2**31 - 1, 0, key="resampling.seed")

result = current_resampling(n_draws=int(n_draws), seed=int(seed))
if not unavailable(result, "The resampling simulation"):
    st.info(headline(result), icon=":material/casino:")
    show_figure(resampling_figure(result, adequate_fragments=settings.adequate_fragments),
                key="resampling.figure", file_name="how-many-biopsies")
    ks = [int(k) for k in result.ks]
    k = st.select_slider("Fragments per patient", ks, value=ks[1] if len(ks) > 1 else ks[0],
                         key="resampling.k")
    st.markdown(k_summary(result, k))
    show_table(resampling_table(result), key="resampling.table", file_name="how-many-biopsies",
               whole=True, caption=table_caption(result))

    st.subheader("One fragment fewer")
    st.markdown(leave_one_out_text(result.leave_one_out))
    fragile = leave_one_out_table(result.leave_one_out)
    if len(fragile):
        show_table(fragile, key="resampling.loo", file_name="one-fragment-fewer")
    with st.expander("Every patient's chance of another group, per k"):
        show_table(per_patient_table(result), key="resampling.patients",
                   file_name="resampling-per-patient")

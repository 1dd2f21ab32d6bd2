"""Biopsy count: tumour-containing fragments per patient vs PFS and OS by HER2 group, with
Spearman's test (the paper's ESM 5), from her2dash/biopsy_count.py via analyze()."""

from __future__ import annotations

import streamlit as st

from her2dash.figures.scatter import biopsy_count_figure
from her2dash.tables import thin_for_display, thinned_note
from her2dash.tables.biopsy_count import (
    CENSORING_NOTE,
    biopsy_count_points,
    spearman_caption,
    spearman_table,
)
from her2dash.tables.survival import ENDPOINT_TITLES
from pages.common.show import endpoint_tabs, show_figure, show_table, unavailable
from pages.common.state import current, current_analysis, current_classification, current_settings

st.title("Biopsy count")
st.caption("Does the number of tumour-containing biopsy fragments go with survival? The paper "
           "found no correlation in either group (ESM 5).")
analysis = current_analysis()
settings = current_settings()
cohort, _ = current()
classification = current_classification()
st.info(CENSORING_NOTE, icon=":material/info:")

for endpoint in endpoint_tabs(settings.endpoint, "biopsy_count.tab"):
    result = analysis.endpoints[endpoint]
    if unavailable(result, ENDPOINT_TITLES[endpoint]):
        continue
    correlation = result.biopsy_count
    if unavailable(correlation, "Spearman's test of fragment count vs time"):
        continue
    points = biopsy_count_points(cohort, classification, endpoint)
    drawn = thin_for_display(points)
    note = thinned_note(len(drawn), len(points), "patients")
    if note:
        st.caption(note)
    show_figure(biopsy_count_figure(drawn, correlation, endpoint=endpoint),
                f"biopsy_count.{endpoint}.scatter")
    show_table(spearman_table(correlation), f"biopsy_count.{endpoint}.spearman",
               f"spearman_{endpoint}",
               caption=spearman_caption(correlation))

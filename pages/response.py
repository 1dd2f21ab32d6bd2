"""Response: Table 3 (best overall response, ORR, DCR), the Fisher tests, and Fig. 3 (waterfall
and depth of response), from her2dash/response.py via analyze()."""

from __future__ import annotations

import streamlit as st

from her2dash.figures.depth import depth_figure
from her2dash.figures.waterfall import waterfall_figure
from her2dash.results import Unavailable
from her2dash.tables import thin_for_display, thinned_note
from her2dash.tables.response import (
    depth_frame,
    mann_whitney_text,
    response_table_frame,
    response_tests_frame,
    waterfall_points,
)
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import current, current_analysis, current_classification

_COLOUR_LABELS = {"group": "HER2 group", "response": "Best response (RECIST)"}

st.title("Response")
analysis = current_analysis()
cohort, _ = current()

st.subheader("Best overall response (Table 3)")
if not unavailable(analysis.response, "The response table"):
    table = analysis.response
    show_table(response_table_frame(table), "response.table3", "best_overall_response",
               suppressed=lambda s: response_table_frame(table, s),
               caption="CR–PD as % of evaluable patients. NE (not evaluable, or blank) is "
                       "excluded from the ORR and DCR denominators. ORR = CR + PR, DCR = CR + "
                       "PR + SD; intervals are exact (Clopper–Pearson).")
    st.markdown("**Homo-HER2 versus Hetero-HER2 (reference): Fisher's exact test**")
    tests = response_tests_frame(table)
    show_table(tests, "response.tests", "response_tests",
               suppressed=lambda _: tests,  # p-values and odds ratios: no counts
               caption="The conditional maximum-likelihood odds ratio and its exact interval "
                       "are what R's fisher.test (and the paper) print; the sample odds ratio "
                       "ad/bc is shown for comparison.")

st.subheader("Best change from baseline (Fig. 3)")
points = waterfall_points(cohort, current_classification())
drawn = thin_for_display(points)
colour_by = st.radio("Colour bars by", tuple(_COLOUR_LABELS), format_func=_COLOUR_LABELS.get,
                     horizontal=True, key="response.colour_by")
depth = analysis.depth_of_response
# Fig. 3a and 3b side by side, as the paper prints them; the depth numbers go underneath.
waterfall_col, depth_col = st.columns([3, 2])
with waterfall_col:
    show_figure(waterfall_figure(drawn, colour_by=colour_by, n_total=len(points)),
                "response.waterfall")
with depth_col:
    if not unavailable(depth, "The depth of response"):
        show_figure(depth_figure(depth, drawn, p_text=mann_whitney_text(depth)),
                    "response.depth_figure")
note = thinned_note(len(drawn), len(points), "patients")
if note:
    st.caption(note)
if not isinstance(depth, Unavailable):
    show_table(depth_frame(depth), "response.depth", "depth_of_response",
               caption=f"Best % change of the target lesions; {depth.n_missing} patient(s) "
                       "without a recorded change are left out. Quartiles as R's quantile "
                       "(type 7); p from wilcox.test's default.")

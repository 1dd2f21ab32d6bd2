"""Cox models: the HER2-group hazard ratio unadjusted, stratified and adjusted (Table 2), the
univariable models (ESM 4) and the proportional-hazards check (her2dash/cox.py, analysis.py)."""

from __future__ import annotations

import streamlit as st

from her2dash.cox import CoxModel
from her2dash.figures.forest import forest_figure, ph_residual_figure
from her2dash.settings import ENDPOINTS
from her2dash.tables.cox import (
    covariate_labels,
    endpoint_name,
    global_tests_caption,
    hazard_ratio_table,
    multivariable_table,
    ph_sentence,
    ph_table,
    ph_terms,
    univariable_table,
)
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import current_analysis, current_settings

_FOREST = {"multivariable": "Multivariable model", "univariable": "Univariable models"}

st.title("Cox models")
analysis = current_analysis()
settings = current_settings()

# The page radio starts at the sidebar's endpoint and follows it when the sidebar changes;
# picking the other endpoint here only changes this view.
if st.session_state.get("cox.endpoint_from") != settings.endpoint:
    st.session_state["cox.endpoint_from"] = settings.endpoint
    st.session_state["cox.endpoint"] = settings.endpoint
endpoint = st.radio("Endpoint", ENDPOINTS, format_func=endpoint_name, horizontal=True,
                    key="cox.endpoint")
labels = covariate_labels(analysis.covariates)
result = analysis.endpoints[endpoint]
for note in analysis.notes:
    st.warning(note)

if not unavailable(result, f"{endpoint_name(endpoint)}"):
    st.header("Homo-HER2 vs Hetero-HER2")
    show_table(hazard_ratio_table(result, labels), key="cox.hazard_ratio",
               file_name=f"cox-hazard-ratio-{endpoint}",
               caption="Hetero-HER2 is the reference. Efron ties; stratified = a baseline "
                       "hazard per combination of the adjustment covariates (coxph strata()).")

    st.header("Multivariable model (Table 2)")
    multi = result.multivariable
    if not unavailable(multi, "The multivariable model"):
        show_table(multivariable_table(multi, labels), key="cox.multivariable",
                   file_name=f"cox-multivariable-{endpoint}",
                   caption=global_tests_caption(multi))
        for note in multi.notes:
            st.caption(note)
    st.caption("Adjustment covariates are chosen in the sidebar (Models); the paper adjusts for "
               "age group and platinum.")

    st.header("Forest plot")
    view = st.radio("Show", tuple(_FOREST), format_func=_FOREST.get, horizontal=True,
                    key="cox.forest")
    if view == "multivariable":
        if isinstance(multi, CoxModel):
            show_figure(forest_figure(multi.terms, labels=labels), key="cox.forest_multi")
        else:
            unavailable(multi, "The multivariable model")
    else:
        terms = [t for m in result.univariable.values() if isinstance(m, CoxModel)
                 for t in m.terms]
        show_figure(forest_figure(terms, labels=labels), key="cox.forest_uni")

    st.header("Univariable models (ESM 4)")
    show_table(univariable_table(result.univariable, labels), key="cox.univariable",
               file_name=f"cox-univariable-{endpoint}",
               caption="One Cox model per covariate; a model that cannot be fitted is listed "
                       "with its reason.", whole=True)

    st.header("Proportional hazards (cox.zph)")
    ph = result.proportional_hazards
    if not unavailable(ph, "The proportional hazards test"):
        st.write(ph_sentence(ph, labels))
        show_table(ph_table(ph, labels), key="cox.ph", file_name=f"cox-zph-{endpoint}",
                   caption="Score test of each term of the multivariable model (KM transform), "
                           "as survival::cox.zph.")
        choices = ph_terms(ph, labels)
        term = st.selectbox("Residual plot for", tuple(choices), format_func=choices.get,
                            key="cox.ph_term")
        # The dashed line is β̂ of a one-column term; a factor's collapsed term has none.
        single = ([t for t in multi.terms if t.covariate == term]
                  if isinstance(multi, CoxModel) else [])
        show_figure(ph_residual_figure(ph, term, label=choices[term],
                                       coefficient=single[0].coef if len(single) == 1 else None),
                    key="cox.ph_plot")

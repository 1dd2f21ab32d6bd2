"""Cohort: groups, heterogeneity rate, fragments per patient and the fragment map under the
current settings (her2dash/classify.py, her2dash/cohort_summary.py)."""

from __future__ import annotations

import streamlit as st

from her2dash.cohort_summary import cohort_summary
from her2dash.demo import DEMO_NOTICE
from her2dash.figures.fragment_map import fragment_map_figure
from her2dash.figures.fragments import fragment_count_figure
from her2dash.results import Unavailable
from her2dash.tables.cohort import (
    adequacy_frame,
    adequacy_text,
    classification_table,
    fragment_count_table,
    fragment_map_frame,
    fragment_map_note,
    her2_low_frame,
    heterogeneity_rate_text,
    settings_caption,
)
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import (
    current,
    current_adequacy,
    current_classification,
    current_settings,
)

_COLOUR_BY = {"pct": "% positive", "score": "IHC score"}
_ADEQUACY_AUTO_MAX = 20_000

st.title("Cohort")
cohort, report = current()
if cohort.synthetic:
    st.info(DEMO_NOTICE, icon=":material/science:")

result = current_classification()
left, middle, right = st.columns(3)
left.metric("Homogeneous", result.n_homogeneous)
middle.metric("Heterogeneous", result.n_heterogeneous)
right.metric("Excluded by filters", result.n_excluded)
st.caption(settings_caption(current_settings(), cohort))
for note in result.notes:
    st.warning(note)

summary = cohort_summary(result)
if not unavailable(summary.heterogeneity_rate, "The heterogeneity rate"):
    # A heading, not a fourth st.metric: the three metrics above are the page's contract.
    rate, rate_detail = heterogeneity_rate_text(summary.heterogeneity_rate)
    st.subheader(rate)
    st.caption(rate_detail)

    st.header("Fragments per patient")
    bars, counts = st.columns([1, 1])
    with bars:
        show_figure(fragment_count_figure(summary.distribution), key="cohort.fragment_counts")
    with counts:
        show_table(fragment_count_table(summary), key="cohort.fragment_summary",
                   file_name="fragments-per-patient",
                   caption="Per patient, median (range). Positive follows the sidebar's "
                           "positivity threshold; the paper's column is its 87 patients (ESM 2).")

    st.header("Fragment map")
    colour_by = st.radio("Colour cells by", tuple(_COLOUR_BY), format_func=_COLOUR_BY.get,
                         horizontal=True, key="cohort.colour_by")
    frame = fragment_map_frame(cohort, result)
    subset = fragment_map_note(frame, result)
    if subset:
        st.info(subset, icon=":material/info:")
    show_figure(fragment_map_figure(frame, colour_by=colour_by), key="cohort.fragment_map")
    st.caption("One row per included patient, one cell per tumour-containing fragment (file "
               "order). Homo-HER2 on top, then Hetero-HER2, each sorted by the rule's value. "
               "Patients excluded by the filters are left out; hover for patient, fragment, "
               "score and % positive.")

    st.header("Sampling adequacy")
    # The comparison is a second full analysis: instant on a trial-sized cohort, over a second
    # at 100,000 patients, so large cohorts compute it on request.
    if st.toggle("Rerun the headline results with only adequately sampled patients",
                 value=cohort.n_patients <= _ADEQUACY_AUTO_MAX, key="cohort.adequacy_on"):
        adequacy = current_adequacy()
        st.markdown(adequacy_text(adequacy))
        if not isinstance(adequacy.adequate, Unavailable):
            show_table(adequacy_frame(adequacy), key="cohort.adequacy",
                       file_name="sampling-adequacy",
                       caption="The whole analysis rerun with only adequately sampled patients "
                               "kept; the threshold is in the sidebar's Sampling adequacy.")

    st.header("HER2-low composition")
    show_table(her2_low_frame(result), key="cohort.her2_low", file_name="her2-low-composition",
               caption="Mean share of each patient's scored fragments per HER2 category "
                       "(descriptive; no rule uses it). 2+ fragments count as low or positive "
                       "only when their ISH result is in the data.")

with st.expander("Per-patient classification"):
    show_table(classification_table(result), key="cohort.per_patient",
               file_name="classification")
with st.expander(f"Validation: {len(report.warnings)} warning(s), {len(report.infos)} note(s)"):
    if not report.issues:
        st.write("No issues.")
    for issue in report.issues:
        st.text(f"{issue.severity}: {issue.describe()}")

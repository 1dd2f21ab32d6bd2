"""Patient: one patient's call under the sidebar's rule, the reason in words, the fragment map,
where the call flips, and the cohort's curves and outcomes of that patient's group.

The call is her2dash/patient.py (the cohort classification's own rule functions), the text and
frames her2dash/tables/patient.py, the figures her2dash/figures/patient.py. A typed patient lives
only in this session's widget state: nothing is stored or cached beyond it.
"""

from __future__ import annotations

import streamlit as st

from her2dash.cohort import SCORE_LABELS
from her2dash.figures.km import km_figure
from her2dash.figures.patient import (
    classification_strip_figure,
    highlight_group,
    patient_map_figure,
)
from her2dash.patient import classification_strip, classify_patient, patient_fragments, patient_ids
from her2dash.robustness import patient_robustness
from her2dash.rules import rule_spec
from her2dash.tables.patient import (
    call_headline,
    editor_extra_columns,
    example_fragments,
    exclusion_note,
    flip_text,
    group_outcome_table,
    patient_map_frame,
)
from her2dash.tables.resampling import leave_one_out_frame, robustness_facts
from her2dash.tables.survival import ENDPOINT_TITLES
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import current, current_analysis, current_classification, current_settings

_COHORT, _TYPED = "From the cohort", "Type a new patient"

st.title("Patient")
cohort, _ = current()
settings = current_settings()

source = st.radio("Patient", (_COHORT, _TYPED), horizontal=True, key="patient.source")
if source == _COHORT:
    patient_id = st.selectbox("Patient id", patient_ids(cohort), key="patient.id")
    fragments = patient_fragments(cohort, patient_id)
    note = exclusion_note(current_classification(), patient_id)
    if note:
        st.info(note, icon=":material/filter_alt:")
else:
    st.caption("One row per fragment; add or delete rows below the table. A blank % positive "
               "counts 100 % for 2+/3+ and 0 % for 0/1+. What you type stays in this browser "
               "session only.")
    extra = editor_extra_columns(settings.rule)
    fragments = st.data_editor(
        example_fragments(extra), key="patient.editor" + "".join(f".{c}" for c in extra),
        num_rows="dynamic", hide_index=True,
        column_config={
            **{c: st.column_config.NumberColumn(c, min_value=0) for c in extra},
            "fragment_id": st.column_config.TextColumn("Fragment"),
            "tumor_present": st.column_config.CheckboxColumn("Tumour present", default=True),
            "ihc_score": st.column_config.SelectboxColumn("IHC score", options=SCORE_LABELS,
                                                          required=True),
            "pct_positive": st.column_config.NumberColumn(
                "% positive (2+/3+)", min_value=0, max_value=100, step=1, format="%d %%"),
        })

call = classify_patient(fragments, settings)
if not unavailable(call, "The classification"):
    st.header("Call")
    st.markdown(call_headline(call))
    for reason in call.reasons:
        st.markdown(f"- {reason}")

    st.subheader("Fragment map")
    frame = patient_map_frame(fragments, settings.positivity)
    show_figure(patient_map_figure(frame), key="patient.map")

    spec = rule_spec(settings.rule)
    if spec.cutoff is not None:
        st.subheader("At every cutoff")
        strip = classification_strip(fragments, settings)
        if not unavailable(strip, "The cutoff strip"):
            show_figure(classification_strip_figure(strip, settings.cutoff_pct, scale=spec.cutoff,
                                                    paper_cutoff=spec.paper_cutoff),
                        key="patient.strip")
            st.caption(flip_text(call))

    st.subheader("Robustness")
    robust = patient_robustness(fragments, settings,
                                patient_id=patient_id if source == _COHORT else None)
    if not unavailable(robust, "The robustness check"):
        with st.container(border=True):
            st.markdown(robust.paragraph)
        facts = robustness_facts(robust)
        for column, (label, value) in zip(st.columns(len(facts)), facts, strict=True):
            column.markdown(f"**{label}:** {value}")
        show_table(leave_one_out_frame(robust), key="patient.loo",
                   file_name="patient-one-fragment-fewer",
                   caption="Each tumour-containing fragment left out in turn and the rest "
                           "reclassified under the same rule and cutoff.")

    analysis = current_analysis()
    st.header("This patient's group in the cohort")
    endpoint = analysis.endpoints[settings.endpoint]
    title = ENDPOINT_TITLES[settings.endpoint]
    if not unavailable(endpoint, title) and not unavailable(endpoint.survival, title):
        fig = km_figure(endpoint.survival, endpoint.hazard_ratio, show_ci=True, height=560)
        show_figure(highlight_group(fig, call.group), key="patient.km")
    show_table(group_outcome_table(analysis, call.group), key="patient.outcomes",
               file_name="patient-group-outcomes",
               caption="The cohort's patients under the same rule, cutoff and filters; "
                       "medians by print.survfit's rule (NR = not reached), ORR with its exact "
                       "(Clopper–Pearson) interval.")

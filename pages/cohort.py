"""Cohort: group counts under the current heterogeneity settings (her2dash/classify.py)."""

from __future__ import annotations

import streamlit as st

from her2dash.demo import DEMO_NOTICE
from her2dash.settings import RULE_DEFINITIONS, Settings
from pages.common.state import current, current_classification

st.title("Cohort")
cohort, report = current()
settings: Settings = st.session_state.get("settings", Settings())
if cohort.synthetic:
    st.info(DEMO_NOTICE, icon=":material/science:")

result = current_classification()
left, middle, right = st.columns(3)
left.metric("Homogeneous", result.n_homogeneous)
middle.metric("Heterogeneous", result.n_heterogeneous)
right.metric("Excluded by filters", result.n_excluded)
st.caption(
    f"Rule **{settings.rule}** at **{settings.cutoff_pct:g} %**, positivity "
    f"{settings.positivity}: {RULE_DEFINITIONS[settings.rule]}. "
    f"{cohort.n_patients} patients, {cohort.n_fragments} fragments; data fingerprint "
    f"`{cohort.fingerprint}`."
)
for note in result.notes:
    st.warning(note)

with st.expander("Per-patient classification"):
    st.dataframe(result.per_patient, width="stretch")
with st.expander(f"Validation: {len(report.warnings)} warning(s), {len(report.infos)} note(s)"):
    for issue in report.issues:
        st.text(f"{issue.severity}: {issue.describe()}")

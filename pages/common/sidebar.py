"""The sidebar: every control that changes a statistic, turned into one Settings.

Widgets are keyed ``sidebar.*``. On a session's first run their values come from the URL (a
copied link restores the view); afterwards the widgets are the truth and the URL follows them.
"""

from __future__ import annotations

import streamlit as st

from her2dash.classify import filter_options, patient_features
from her2dash.cohort import Cohort
from her2dash.covariates import covariate_frame
from her2dash.settings import (
    CONF_TYPES,
    PAPER_CUTOFF_PCT,
    POSITIVITY_THRESHOLDS,
    RULE_DEFINITIONS,
    RULES,
    Settings,
)
from pages.common.state import current_classification

_K = "sidebar."
_POSITIVITY_LABELS = {"2+": "2+ or 3+ (the paper)", "3+": "3+ only"}
_ENDPOINT_LABELS = {"pfs": "Progression-free survival", "os": "Overall survival"}


@st.cache_resource(show_spinner=False, max_entries=8, scope="session",
                   hash_funcs={Cohort: lambda c: c.fingerprint})
def _choices(cohort: Cohort) -> tuple[int, dict[str, tuple[str, ...]], tuple[str, ...]]:
    """What the controls offer for this cohort: the largest fragment count, the filter columns
    and their labels, the covariate names. Once per cohort, not on every rerun."""
    top = int(patient_features(cohort)["n_fragments"].max()) if cohort.n_patients else 1
    _, found = covariate_frame(cohort.patients, cohort.covariates)
    return max(top, 1), filter_options(cohort), tuple(c.name for c in found)


def _put(settings: Settings, cohort: Cohort) -> None:
    """Widget state from ``settings`` (first run, reset, a new cohort)."""
    top, options, _ = _choices(cohort)
    low = min(settings.min_fragments, top)
    high = top if settings.max_fragments is None else min(max(settings.max_fragments, low), top)
    st.session_state[_K + "rule"] = settings.rule
    st.session_state[_K + "cutoff"] = float(settings.cutoff_pct)
    st.session_state[_K + "positivity"] = settings.positivity
    st.session_state[_K + "fragments"] = (low, high)
    st.session_state[_K + "endpoint"] = settings.endpoint
    st.session_state[_K + "conf_type"] = settings.conf_type
    st.session_state[_K + "cox_covariates"] = list(settings.cox_covariates)
    for column in options:
        st.session_state[_K + "filter." + column] = []
    for column, values in settings.filters:
        if column in options:
            st.session_state[_K + "filter." + column] = [v for v in values
                                                        if v in options[column]]
    st.session_state[_K + "cohort"] = cohort.fingerprint


def _reset(cohort: Cohort) -> None:
    _put(Settings(), cohort)


def sidebar(cohort: Cohort, from_link: Settings) -> Settings:
    """Draw the controls and return the Settings they describe."""
    if st.session_state.get(_K + "cohort") != cohort.fingerprint:
        # A session's first run restores the link; a newly loaded cohort keeps the settings
        # but re-clamps the biopsy-count range to its own fragments.
        previous = st.session_state.get("settings")
        _put(previous if previous is not None else from_link, cohort)
    top, options, names = _choices(cohort)
    bar = st.sidebar
    bar.header("Heterogeneity")
    bar.selectbox("Rule", RULES, key=_K + "rule",
                  help="; ".join(f"{r}: {d}" for r, d in RULE_DEFINITIONS.items()))
    bar.slider("Cutoff (% positive)", 0.0, 100.0, step=1.0, key=_K + "cutoff", format="%.0f %%",
               help=f"The paper's definition is {PAPER_CUTOFF_PCT:g} %: every tumour cell in "
                    "every fragment HER2 2+/3+.")
    cutoff = st.session_state[_K + "cutoff"]
    bar.caption("● the paper's 100 %" if cutoff == PAPER_CUTOFF_PCT
                else f"○ {cutoff:g} % (the paper used {PAPER_CUTOFF_PCT:g} %)")
    bar.radio("Positive fragment", POSITIVITY_THRESHOLDS, key=_K + "positivity",
              format_func=_POSITIVITY_LABELS.get, horizontal=True)
    if top > 1:
        bar.slider("Tumour-containing fragments per patient", 1, top, key=_K + "fragments")
    low, high = st.session_state[_K + "fragments"] if top > 1 else (1, 1)
    bar.radio("Endpoint", ("pfs", "os"), key=_K + "endpoint", format_func=_ENDPOINT_LABELS.get,
              horizontal=True)

    filters: list[tuple[str, tuple[str, ...]]] = []
    with bar.expander("Cohort filters", expanded=False):
        for column, labels in options.items():
            chosen = st.multiselect(column, labels, key=_K + "filter." + column,
                                    placeholder="all patients")
            if chosen:
                filters.append((column, tuple(sorted(chosen))))
    with bar.expander("Models", expanded=False):
        stale = [c for c in st.session_state[_K + "cox_covariates"] if c not in names]
        if stale:
            st.session_state[_K + "cox_covariates"] = [
                c for c in st.session_state[_K + "cox_covariates"] if c in names]
        st.multiselect("Adjust Cox models for", names, key=_K + "cox_covariates",
                       help="The paper's Table 2 adjusts for age group and platinum.")
        st.radio("Kaplan–Meier band", CONF_TYPES, key=_K + "conf_type", horizontal=True,
                 help="log is R's survfit default (the paper's EZR); log-log as lifelines.")

    settings = Settings(
        rule=st.session_state[_K + "rule"], cutoff_pct=float(cutoff),
        positivity=st.session_state[_K + "positivity"], min_fragments=int(low),
        max_fragments=None if high >= top else int(high), filters=tuple(sorted(filters)),
        endpoint=st.session_state[_K + "endpoint"],
        conf_type=st.session_state[_K + "conf_type"],
        cox_covariates=tuple(st.session_state[_K + "cox_covariates"]),
    )
    st.session_state["settings"] = settings
    groups = current_classification()
    bar.divider()
    left, right = bar.columns(2)
    left.metric("Homo-HER2", groups.n_homogeneous)
    right.metric("Hetero-HER2", groups.n_heterogeneous)
    if groups.n_excluded:
        bar.caption(f"{groups.n_excluded} patient(s) excluded by the filters")
    bar.button("Reset to the paper's definition", on_click=_reset, args=(cohort,),
               icon=":material/restart_alt:", key=_K + "reset")
    return settings

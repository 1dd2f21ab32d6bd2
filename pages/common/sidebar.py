"""The sidebar: every control that changes a statistic, turned into one Settings.

Widgets are keyed ``sidebar.*``. On a session's first run their values come from the URL (a
copied link restores the view); afterwards the widgets are the truth and the URL follows them.
"""

from __future__ import annotations

import streamlit as st

from her2dash.classify import filter_options
from her2dash.cohort import Cohort
from her2dash.covariates import covariate_frame
from her2dash.rules import RULES as RULE_SPECS
from her2dash.rules import rule_availability, rule_spec
from her2dash.settings import (
    CONF_TYPES,
    POSITIVITY_THRESHOLDS,
    SPECIMENS,
    TIMEPOINTS,
    Settings,
)
from her2dash.tables.ledger import status_caption
from pages.common.state import current_classification, current_status

_K = "sidebar."
_POSITIVITY_LABELS = {"2+": "2+ or 3+ (the paper)", "3+": "3+ only"}
_ENDPOINT_LABELS = {"pfs": "Progression-free survival", "os": "Overall survival"}


@st.cache_resource(show_spinner=False, max_entries=8, scope="session",
                   hash_funcs={Cohort: lambda c: c.fingerprint})
def _choices(cohort: Cohort) -> tuple[int, dict[str, tuple[str, ...]], tuple[str, ...]]:
    """What the controls offer for this cohort: the largest fragment count, the filter columns
    and their labels, the covariate names. Once per cohort, not on every rerun."""
    tumour = cohort.fragments["tumor_present"].to_numpy(dtype=bool)
    counts = cohort.fragments.loc[tumour, "patient_id"].value_counts()
    top = int(counts.max()) if len(counts) else 1
    _, found = covariate_frame(cohort.patients, cohort.covariates)
    return max(top, 1), filter_options(cohort), tuple(c.name for c in found)


def _rule_default_cutoff(rule: str) -> float:
    spec = rule_spec(rule)
    if spec.cutoff is None:
        return 100.0
    return float(spec.paper_cutoff if spec.paper_cutoff is not None else spec.cutoff.default)


def _on_rule() -> None:
    """A rule on another scale (H-score 0–300) starts at its default cutoff; on the same scale
    the cutoff stays where the user put it. (A rule without a cutoff hides the slider, and
    Streamlit forgets a hidden widget's value, so coming back restores the default.)"""
    rule = st.session_state[_K + "rule"]
    new = rule_spec(rule).cutoff
    if new is None:
        return
    value = st.session_state.get(_K + "cutoff")
    if (value is None or not new.low <= float(value) <= new.high
            or new.unit != st.session_state.get(_K + "cutoff_unit", "%")):
        st.session_state[_K + "cutoff"] = _rule_default_cutoff(rule)
    st.session_state[_K + "cutoff_unit"] = new.unit


def _put(settings: Settings, cohort: Cohort) -> None:
    """Widget state from ``settings`` (first run, reset, a new cohort)."""
    top, options, _ = _choices(cohort)
    low = min(settings.min_fragments, top)
    high = top if settings.max_fragments is None else min(max(settings.max_fragments, low), top)
    available = rule_availability(cohort.fragments.columns)
    rule = settings.rule if available.get(settings.rule) is None else Settings().rule
    st.session_state[_K + "rule"] = rule
    st.session_state[_K + "cutoff"] = float(settings.cutoff_pct if rule == settings.rule
                                            else _rule_default_cutoff(rule))
    scale = rule_spec(rule).cutoff
    st.session_state[_K + "cutoff_unit"] = scale.unit if scale is not None else "%"
    st.session_state[_K + "timepoint"] = settings.timepoint
    st.session_state[_K + "specimen"] = settings.specimen
    st.session_state[_K + "adequate_fragments"] = settings.adequate_fragments
    st.session_state[_K + "adequate_only"] = settings.adequate_only
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
    available = rule_availability(cohort.fragments.columns)
    offered = [r for r, missing in available.items() if missing is None]
    if st.session_state.get(_K + "rule") not in offered:
        st.session_state[_K + "rule"] = Settings().rule
    bar.selectbox("Rule", offered, key=_K + "rule", on_change=_on_rule,
                  format_func=lambda r: RULE_SPECS[r].title,
                  help="; ".join(f"**{r}**: {RULE_SPECS[r].definition}" for r in offered))
    spec = rule_spec(st.session_state[_K + "rule"])
    bar.caption(spec.definition[0].upper() + spec.definition[1:] + ".")
    locked = {r: why for r, why in available.items() if why is not None}
    if locked:
        with bar.expander(f"{len(locked)} more rule(s) need other columns"):
            for r, why in locked.items():
                st.markdown(f"- **{RULE_SPECS[r].title}** (`{r}`): {why}")
    scale = spec.cutoff
    if scale is not None:
        fmt = "%.0f %%" if scale.unit == "%" else "%.0f"
        bar.slider(f"Cutoff ({scale.quantity})", scale.low, scale.high, step=scale.step,
                   key=_K + "cutoff", format=fmt,
                   help="The paper's definition is every-fragment at 100 %: every tumour cell "
                        "in every fragment HER2 2+/3+.")
        cutoff = st.session_state[_K + "cutoff"]
        if spec.paper_cutoff is not None:
            bar.caption(f"● the paper's {scale.format(spec.paper_cutoff)}"
                        if cutoff == spec.paper_cutoff
                        else f"○ {scale.format(cutoff)} (the paper used "
                             f"{scale.format(spec.paper_cutoff)})")
    else:
        cutoff = st.session_state.get(_K + "cutoff", 100.0)
        bar.caption("This rule splits without a cutoff.")
    bar.radio("Positive fragment", POSITIVITY_THRESHOLDS, key=_K + "positivity",
              format_func=_POSITIVITY_LABELS.get, horizontal=True,
              disabled=not spec.uses_positivity,
              help=None if spec.uses_positivity else "This rule does not use the IHC "
                                                      "positivity threshold.")
    frags = cohort.fragments
    if "timepoint" in frags.columns and frags["timepoint"].nunique() > 1:
        bar.radio("Specimens scored", TIMEPOINTS, key=_K + "timepoint", horizontal=True)
    if "specimen_type" in frags.columns and frags["specimen_type"].nunique() > 1:
        bar.radio("Material", SPECIMENS, key=_K + "specimen", horizontal=True,
                  help="Biopsy and resection fragments are never pooled: each is scored by "
                       "the rule on its own.")
    if top > 1:
        bar.slider("Tumour-containing fragments per patient", 1, top, key=_K + "fragments")
    low, high = st.session_state[_K + "fragments"] if top > 1 else (1, 1)
    bar.radio("Endpoint", ("pfs", "os"), key=_K + "endpoint", format_func=_ENDPOINT_LABELS.get,
              horizontal=True)

    filters: list[tuple[str, tuple[str, ...]]] = []
    with bar.expander("Sampling adequacy", expanded=False):
        st.number_input("Adequate sampling: at least … tumour-containing fragments", 1, 20,
                        key=_K + "adequate_fragments",
                        help="The positive call stabilises at 4–5 biopsy fragments (Ahn et al. "
                             "2015; Gullo et al. 2015); fewer is flagged 'limited sampling'.")
        st.checkbox("Only adequately sampled patients", key=_K + "adequate_only")
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
        timepoint=st.session_state.get(_K + "timepoint", "baseline"),
        specimen=st.session_state.get(_K + "specimen", "biopsy"),
        adequate_fragments=int(st.session_state[_K + "adequate_fragments"]),
        adequate_only=bool(st.session_state[_K + "adequate_only"]),
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
    bar.caption(status_caption(current_status()))  # pre-specified or exploratory (ledger page)
    return settings

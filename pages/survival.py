"""Survival: Kaplan–Meier curves of PFS and OS by HER2 group (the paper's Fig. 2), medians,
landmarks, the hazard ratio and log-rank test, and the median follow-up.

Numbers come from her2dash/survival.py and her2dash/cox.py via analyze(); the figure from
her2dash/figures/km.py and every string from her2dash/tables/survival.py.
"""

from __future__ import annotations

import streamlit as st

from her2dash.analysis import EndpointAnalysis
from her2dash.figures.km import km_figure
from her2dash.suppress import NO_SUPPRESSION, Suppression
from her2dash.tables.survival import (
    ENDPOINT_SHORT,
    ENDPOINT_TITLES,
    comparison_text,
    follow_up_text,
    landmark_table,
    median_table,
    risk_table_frame,
    stratified_hazard_ratio_text,
)
from pages.common.show import endpoint_tabs, show_figure, show_table, unavailable
from pages.common.state import current_analysis, current_settings

_BANDS = {"log": "log (R's survfit default, as the paper's EZR)", "log-log": "log-log"}


def endpoint_view(result: EndpointAnalysis, endpoint: str, *, show_ci: bool,
                  show_overall: bool, risk_counts: bool,
                  covariate_labels: dict[str, str]) -> None:
    """Figure, comparison line and tables of one endpoint."""
    survival = result.survival
    if unavailable(survival, ENDPOINT_TITLES[endpoint]):
        return
    short = ENDPOINT_SHORT[endpoint]

    def km(suppression: Suppression = NO_SUPPRESSION) -> object:
        return km_figure(survival, result.hazard_ratio, show_ci=show_ci,
                         show_overall=show_overall, risk_counts=risk_counts,
                         suppression=suppression)

    show_figure(km(), f"survival.{endpoint}.km", suppressed=km)
    st.markdown(comparison_text(result.hazard_ratio, survival.logrank))
    st.caption(stratified_hazard_ratio_text(result.stratified_hazard_ratio, covariate_labels))
    # One table under the other: side by side, their interval columns get cut off at 1280 px.
    st.markdown(f"**Median {short}**")
    show_table(median_table(survival), f"survival.{endpoint}.medians", f"median_{endpoint}",
               caption="Medians and their CIs by print.survfit's rule; NR = not reached.",
               suppressed=lambda s: median_table(survival, s))
    st.markdown(f"**{short} at landmarks**")
    landmarks = landmark_table(survival)
    show_table(landmarks, f"survival.{endpoint}.landmarks", f"landmarks_{endpoint}",
               suppressed=lambda _: landmarks,  # estimates, no counts
               caption="As summary(survfit, times = c(6, 12, 24), extend = TRUE); a dash "
                       "where the band is undefined (survival 0).")
    title = ("Risk table: at risk, cumulative censored and events (every 3 months)"
             if risk_counts else "Number at risk (every 3 months)")
    with st.expander(title, expanded=risk_counts):
        show_table(risk_table_frame(survival, cumulative=risk_counts),
                   f"survival.{endpoint}.risk", f"risk_table_{endpoint}",
                   caption="At risk: follow-up ≥ the time, as R's summary(survfit, times =) "
                           "n.risk; censored and events: up to and including it (a patient "
                           "whose event falls on a grid time counts in both).",
                   suppressed=lambda s: risk_table_frame(survival, cumulative=risk_counts,
                                                         suppression=s))


st.title("Survival")
analysis = current_analysis()
settings = current_settings()

toggles = st.columns(3)
show_ci = toggles[0].toggle("Confidence bands", value=True, key="survival.show_ci")
show_overall = toggles[1].toggle("All patients curve", value=False, key="survival.show_overall")
risk_counts = toggles[2].toggle(
    "Events and censored under the curves", value=False, key="survival.risk_counts",
    help="The extended risk table (KMunicate): under each arm's number at risk, its "
         "cumulative censored and cumulative events.")
st.caption(f"Months since the start of trastuzumab. Bands: {_BANDS.get(settings.conf_type)}; "
           "+ marks a censored patient. The endpoint chosen in the sidebar comes first.")

labels = {c.name: c.label for c in analysis.covariates}
for endpoint in endpoint_tabs(settings.endpoint, "survival.tab"):
    result = analysis.endpoints[endpoint]
    if not unavailable(result, ENDPOINT_TITLES[endpoint]):
        endpoint_view(result, endpoint, show_ci=show_ci, show_overall=show_overall,
                      risk_counts=risk_counts, covariate_labels=labels)

st.subheader("Follow-up")
os_result = analysis.endpoints["os"]
if not unavailable(os_result, "Median follow-up (from overall survival)"):
    os_survival = os_result.survival
    if not unavailable(os_survival, "Median follow-up (from overall survival)"):
        # The paper's median follow-up (17.8 months) is the reverse Kaplan–Meier of OS.
        st.markdown(follow_up_text(os_survival.follow_up))

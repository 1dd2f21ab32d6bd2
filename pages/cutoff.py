"""Cutoff explorer: how the conclusion moves with the cutoff, and the optimal cutpoint with its
multiplicity-adjusted p (her2dash/cutoff.py: sweep.py, maxstat.py, flips.py, twoway.py).

A p-value of a data-chosen cutoff is never shown without its adjusted counterpart beside it.
"""

from __future__ import annotations

import streamlit as st

from her2dash.figures.sweep import sweep_figure
from her2dash.figures.twoway import two_way_figure
from her2dash.rules import rule_spec
from her2dash.tables.cutoff import (
    ALTMAN_WARNING,
    at_cutoff,
    bootstrap_text,
    criterion_caption,
    flips_frame,
    flips_text,
    maxstat_frame,
    search_header,
    split_sample_text,
    sweep_table,
    two_way_text,
)
from her2dash.tables.survival import ENDPOINT_TITLES
from pages.common.show import show_figure, show_table, unavailable
from pages.common.state import (
    current_exploration,
    current_flips,
    current_settings,
    current_two_way,
)

_CUTOFF = "sidebar.cutoff"


def _set_cutoff(value: float | None) -> None:
    """Move the sidebar's cutoff (a callback: widget state may only change before it is drawn)."""
    if value is not None:
        st.session_state[_CUTOFF] = float(value)


def _on_plot_select() -> None:
    points = st.session_state["cutoff.sweep"].selection.get("points", [])
    if points:
        _set_cutoff(points[0].get("x"))


def _on_number() -> None:
    _set_cutoff(st.session_state["cutoff.go_to"])


st.title("Cutoff explorer")
settings = current_settings()
endpoint = settings.endpoint
scale = rule_spec(settings.rule).cutoff
if scale is None:
    st.info(f"The **{settings.rule}** rule splits without a cutoff, so there is no cutoff to "
            "explore. Choose a rule with a cutoff in the sidebar.", icon=":material/info:")
    st.stop()
unit = f" ({scale.unit})" if scale.unit else f" ({scale.quantity})"
with st.expander("Search options", expanded=False):
    left, middle, right = st.columns(3)
    step = left.selectbox("Cutoff step (%)", (1.0, 2.0, 5.0, 10.0), key="cutoff.step")
    min_group = middle.number_input("Minimum patients per group", 1, 100, 5,
                                    key="cutoff.min_group")
    permutations = right.selectbox("Permutations for the adjusted p", (1000, 10000, 0),
                                   key="cutoff.permutations",
                                   format_func=lambda b: "none (Lau92 only)" if b == 0
                                   else f"{b:,}")
    n_boot = left.selectbox("Bootstrap resamples of the cutpoint", (0, 200, 1000),
                            key="cutoff.n_boot")
    seed = middle.number_input("Random seed", 0, 2**31 - 1, 0, key="cutoff.seed")
    split = right.checkbox("Split-sample validation", key="cutoff.split")

exploration = current_exploration(step=step, min_group=int(min_group),
                                  permutations=int(permutations), seed=int(seed),
                                  n_boot=int(n_boot), split=split)
result = exploration.sweep
st.info(search_header(result, endpoint), icon=":material/search:")
st.markdown(at_cutoff(result, endpoint, settings.cutoff_pct))

st.subheader(f"{ENDPOINT_TITLES[endpoint]} across cutoffs")
st.plotly_chart(sweep_figure(result, endpoint, current_cutoff=settings.cutoff_pct),
                key="cutoff.sweep", on_select=_on_plot_select, selection_mode="points",
                theme=None)
st.number_input(f"Go to cutoff{unit}", scale.low, scale.high, value=float(settings.cutoff_pct),
                step=scale.step,
                key="cutoff.go_to", on_change=_on_number,
                help="Or click a point of the plot: the sidebar cutoff follows.")
with st.expander("The sweep, one row per cutoff"):
    show_table(sweep_table(result), "cutoff.table", "cutoff_sweep")

st.subheader("Optimal cutpoint, honestly")
st.warning(ALTMAN_WARNING, icon=":material/warning:")
show_table(maxstat_frame(exploration.optimal, scale.unit), "cutoff.maxstat", "optimal_cutpoint",
           caption=criterion_caption(exploration.optimal))
for name, boot in exploration.bootstrap.items():
    st.markdown(f"**{ENDPOINT_TITLES[name]}.** {bootstrap_text(boot)}")
for name, half in exploration.split_sample.items():
    st.markdown(f"**{ENDPOINT_TITLES[name]}.** {split_sample_text(half)}")

st.subheader("Who flips")
left, right = st.columns(2)
cutoff_from = left.number_input(f"From cutoff{unit}", scale.low, scale.high,
                                float(settings.cutoff_pct), scale.step, key="cutoff.flip_from")
cutoff_to = right.number_input(f"To cutoff{unit}", scale.low, scale.high,
                               float(rule_spec(settings.rule).paper_cutoff or scale.default),
                               scale.step, key="cutoff.flip_to")
moved = current_flips(cutoff_from, cutoff_to)
st.markdown(flips_text(moved, endpoint, scale.unit))
if len(moved.patients):
    show_table(flips_frame(moved), "cutoff.flips", "flipping_patients")
    with st.expander("Their fragments"):
        show_table(moved.fragments, "cutoff.flip_fragments", "flipping_fragments")

st.subheader("Two-way map: cutoff × minimum fragments")
if st.toggle("Compute the two-way map", key="cutoff.two_way"):
    colour_by = st.radio("Colour by", ("p", "hazard_ratio"), horizontal=True,
                         key="cutoff.two_way_colour",
                         format_func={"p": "−log10 log-rank p", "hazard_ratio": "HR"}.get)
    grid = current_two_way(endpoint=endpoint, step=step, min_group=int(min_group),
                           permutations=int(permutations) or 1000, seed=int(seed))
    if not unavailable(grid, "The two-way map"):
        show_figure(two_way_figure(grid, colour_by=colour_by), "cutoff.two_way_figure")
        st.markdown(two_way_text(grid))

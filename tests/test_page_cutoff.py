"""The cutoff explorer page (AppTest): the sweep matches the core, the optimal cutpoint is shown
with its adjusted p, a number box moves the sidebar cutoff, and who flips is listed."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.cutoff import explore
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables.cutoff import at_cutoff, maxstat_frame, search_header

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cutoff.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Cutoff explorer"
    return at


def test_header_current_cutoff_and_optimal_cutpoint_match_the_core():
    at = _page()
    cohort, _ = load_demo()
    core = explore(cohort, Settings(), permutations=1000, seed=0)
    assert at.info[0].value == search_header(core.sweep, "pfs")
    assert at_cutoff(core.sweep, "pfs", 100.0) in [m.value for m in at.markdown]
    shown = at.dataframe[1].value if len(at.dataframe) > 1 else at.dataframe[0].value
    frames = [d.value for d in at.dataframe]
    expected = maxstat_frame(core.optimal)
    assert any(f.reset_index(drop=True).equals(expected) for f in frames), shown
    # The naive p is never alone: the adjusted columns sit beside it.
    assert {"Naive p", "Adjusted p (Lau92)", "Adjusted p (permutation)"} <= set(expected.columns)
    assert any("biased" in w.value for w in at.warning)


def test_the_number_box_moves_the_sidebar_cutoff_and_the_url():
    at = _page()
    at.number_input(key="cutoff.go_to").set_value(60.0).run()
    assert not at.exception
    assert at.slider(key="sidebar.cutoff").value == 60.0
    assert at.query_params["cutoff_pct"] == "60"
    cohort, _ = load_demo()
    core = explore(cohort, Settings(), permutations=1000, seed=0)
    assert at_cutoff(core.sweep, "pfs", 60.0) in [m.value for m in at.markdown]


def test_who_flips_between_the_current_cutoff_and_100():
    at = _page()
    at.number_input(key="cutoff.flip_from").set_value(50.0).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "From 50 % to 100 %" in text and "become Hetero-HER2" in text


def test_two_way_map_on_request():
    at = _page()
    at.toggle(key="cutoff.two_way").set_value(True).run()
    assert not at.exception
    assert any("adjusted over the whole grid" in m.value for m in at.markdown)

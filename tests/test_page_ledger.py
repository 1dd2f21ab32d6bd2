"""The exploration ledger page (AppTest): settings looked at become entries with the core's
numbers, the adjusted p is adjusted_p()'s, the pre-specified lock goes into the link and the
label, and the exports carry it."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo
from her2dash.ledger import adjusted_p, encode_prespecified, ledger_of, ledger_table
from her2dash.settings import Settings
from her2dash.tables.ledger import adjusted_text, ledger_frame

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SIXTY = Settings(cutoff_pct=60.0)


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def _two_cutoffs_then_ledger() -> AppTest:
    """The paper's 100 % on the Survival page, then 60 %, then the ledger page."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/survival.py").run()
    at.slider(key="sidebar.cutoff").set_value(60.0).run()
    at.switch_page("pages/ledger.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Exploration ledger"
    return at


def test_two_cutoffs_are_two_entries_with_the_cores_numbers():
    at = _two_cutoffs_then_ledger()
    cohort, _ = load_demo()
    ledger = ledger_of([Settings(), SIXTY])
    core = adjusted_p(cohort, ledger, permutations=1000, seed=0)
    shown = at.dataframe[0].value.reset_index(drop=True)
    expected = ledger_frame(ledger_table(cohort, ledger), core, current=SIXTY)
    assert shown.equals(expected), shown.compare(expected)
    assert list(shown["HR (95 % CI)"]) == ["0.47 (0.29–0.77)", "0.40 (0.24–0.66)"]
    assert list(shown["Current"]) == ["", "✓"] and list(shown["Pre-specified"]) == ["", ""]
    assert adjusted_text(core) in [m.value for m in at.markdown]
    assert "Exploratory · 2 settings explored" in _captions(at)
    # A new seed recomputes the adjusted p with it.
    at.number_input(key="ledger.seed").set_value(7).run()
    assert adjusted_text(adjusted_p(cohort, ledger, 1000, 7)) in [m.value for m in at.markdown]


def test_lock_goes_into_the_link_and_the_label_then_a_new_cutoff_is_exploratory():
    at = _two_cutoffs_then_ledger()
    at.button(key="ledger.lock").click().run()
    assert not at.exception
    assert at.query_params["prespecified"] == encode_prespecified(SIXTY) == "cutoff_pct=60"
    assert "Pre-specified analysis · 2 settings explored" in _captions(at)
    assert list(at.dataframe[0].value["Pre-specified"]) == ["", "✓"]
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert "Exploratory (not the locked pre-specified analysis) · 3 settings explored" in \
        _captions(at)
    assert "prespecified" in at.query_params  # app.py's URL rewrite keeps it
    at.button(key="ledger.unlock").click().run()
    assert "prespecified" not in at.query_params
    assert "Exploratory · 3 settings explored" in _captions(at)
    at.button(key="ledger.clear").click().run()
    assert len(at.dataframe[0].value) == 1  # the current setting only


def test_a_link_restores_the_lock_and_a_bad_one_is_ignored_with_a_message():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["cutoff_pct"] = "60"
    at.query_params["prespecified"] = "cutoff_pct=60"
    at.run()
    assert not at.exception
    assert "Pre-specified analysis · 1 setting explored" in _captions(at)
    bad = AppTest.from_file(APP, default_timeout=120)
    bad.query_params["prespecified"] = "cutoff_pct=500"
    bad.run()
    assert not bad.exception
    assert any(w.value.startswith("Link setting prespecified='cutoff_pct=500' ignored")
               for w in bad.sidebar.warning)
    assert "Exploratory · 1 setting explored" in _captions(bad)
    assert "prespecified" not in bad.query_params


def _report_script() -> None:
    import streamlit as st

    from her2dash.export.report import to_html
    from pages.common.state import current_report

    report = current_report()
    page = to_html(report)
    st.text(report.exploration.label)
    st.text(str(page.count('<p class="exploration">Pre-specified analysis · 2 settings')))
    st.text(str(len(report.sections)))


def test_the_report_the_present_page_exports_carries_the_label():
    at = _two_cutoffs_then_ledger()
    at.button(key="ledger.lock").click().run()
    report = AppTest.from_function(_report_script, default_timeout=300)
    for key in ("cohort", "report", "settings", "_ledger.entries", "_ledger.prespecified"):
        report.session_state[key] = at.session_state[key]
    report.run()
    assert not report.exception, report.exception
    label, labelled, sections = (t.value for t in report.text)
    assert label == "pre-specified"
    assert labelled == sections and int(sections) > 10


def test_degenerate_settings_say_why_the_adjusted_p_is_missing():
    """Only an empty-group setting explored; then a cohort without events."""
    import dataclasses

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["cutoff_pct"] = "0"
    at.run()
    at.switch_page("pages/ledger.py").run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    assert ("The adjusted p is not available: none of the 1 explored settings has a log-rank "
            "test (setting 1: the heterogeneous group is empty under these settings, so the "
            "two groups cannot be compared).") in infos
    assert "no log-rank test" in at.dataframe[0].value["Note"].iloc[0]

    cohort, report = load_demo()
    silent = dataclasses.replace(cohort, patients=cohort.patients.assign(pfs_event=0.0,
                                                                         os_event=0.0))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["cohort"], at.session_state["report"] = silent, report
    at.run()
    at.switch_page("pages/ledger.py").run()
    assert not at.exception, at.exception
    assert any("setting 1: no events" in i for i in (i.value for i in at.info))

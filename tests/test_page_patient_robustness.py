"""The Patient page's Robustness panel (AppTest): the paragraph, the cutoff interval and the
one-fragment-fewer table are the core's, for a cohort patient and a typed one."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo
from her2dash.patient import patient_fragments, patient_ids
from her2dash.robustness import PatientRobustness, patient_robustness
from her2dash.settings import Settings
from her2dash.tables.patient import example_fragments
from her2dash.tables.resampling import leave_one_out_frame, robustness_facts

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception, at.exception
    return at


def _robust(fragments, settings: Settings | None = None, patient_id: str | None = None
            ) -> PatientRobustness:
    r = patient_robustness(fragments, settings or Settings(), patient_id=patient_id)
    assert isinstance(r, PatientRobustness)
    return r


def _shown(at: AppTest, r: PatientRobustness) -> None:
    text = [m.value for m in at.main.markdown]
    assert r.paragraph in text
    for label, value in robustness_facts(r):
        assert f"**{label}:** {value}" in text
    frames = [d.value.reset_index(drop=True) for d in at.main.dataframe]
    assert any(f.equals(leave_one_out_frame(r)) for f in frames)
    assert "Robustness" in [s.value for s in at.main.subheader]


def test_robustness_of_a_cohort_patient():
    at = _page()
    cohort, _ = load_demo()
    pid = patient_ids(cohort)[3]
    at.selectbox(key="patient.id").set_value(pid).run()
    assert not at.exception
    r = _robust(patient_fragments(cohort, pid), patient_id=pid)
    assert r.paragraph.startswith(f"Patient {pid} is ")
    _shown(at, r)


def test_robustness_of_the_typed_patient_and_the_sidebar_cutoff():
    """The editor's example (F3 at 60 %, F4 at 90 %): heterogeneous at 100 %; at a 75 %
    cutoff F3 alone keeps it heterogeneous, so one fragment fewer flips it in 1 of 4 cases."""
    at = _page()
    at.radio(key="patient.source").set_value("Type a new patient").run()
    assert not at.exception
    _shown(at, _robust(example_fragments()))
    at.slider(key="sidebar.cutoff").set_value(75.0).run()
    assert not at.exception
    r = _robust(example_fragments(), Settings(cutoff_pct=75.0))
    assert (r.flip_pct, r.flipping_fragments) == (25.0, ("F3",))
    _shown(at, r)
    assert "dropping fragment F3 would make it Homo-HER2" in r.paragraph

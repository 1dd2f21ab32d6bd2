"""The Patient page shows the core's call for a cohort patient and for a typed one (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo
from her2dash.patient import PatientCall, classify_patient, patient_fragments, patient_ids
from her2dash.settings import Settings
from her2dash.tables.patient import call_headline, example_fragments

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/patient.py").run()
    return at


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown]


def _cohort_call(patient_id: str, **settings) -> PatientCall:
    cohort, _ = load_demo()
    call = classify_patient(patient_fragments(cohort, patient_id), Settings(**settings))
    assert isinstance(call, PatientCall)
    return call


def _between_50_and_100() -> str:
    """A demo patient whose every-fragment value lies in [50, 100): the cutoff flips it."""
    cohort, _ = load_demo()
    for pid in patient_ids(cohort):
        if 50.0 <= _cohort_call(pid).value < 100.0:
            return pid
    raise AssertionError("no demo patient between 50 and 100 %")


def test_patient_page_shows_the_cores_reason_for_a_cohort_patient():
    at = _page()
    assert not at.exception
    assert at.title[0].value == "Patient"
    cohort, _ = load_demo()
    pid = patient_ids(cohort)[5]
    at.selectbox(key="patient.id").set_value(pid).run()
    assert not at.exception
    call = _cohort_call(pid)
    text = _markdown(at)
    assert call_headline(call) in text
    assert f"- {call.reasons[0]}" in text
    assert len(at.get("plotly_chart")) == 3  # fragment map, strip, Kaplan–Meier
    assert len(at.main.dataframe) == 2  # one fragment fewer (Robustness), the group's outcomes


def test_patient_page_types_a_new_patient():
    at = _page()
    at.radio(key="patient.source").set_value("Type a new patient").run()
    assert not at.exception
    call = classify_patient(example_fragments(), Settings())
    assert isinstance(call, PatientCall)
    assert call.reasons[0] == ("fragment F3: 60 % of tumour cells positive, below the 100 % "
                               "cutoff → heterogeneous")
    text = _markdown(at)
    assert f"- {call.reasons[0]}" in text and call_headline(call) in text


def test_moving_the_sidebar_cutoff_changes_the_call():
    pid = _between_50_and_100()
    at = _page()
    at.selectbox(key="patient.id").set_value(pid).run()
    before = _cohort_call(pid)
    assert before.group == "heterogeneous"
    assert call_headline(before) in _markdown(at)
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    after = _cohort_call(pid, cutoff_pct=50.0)
    assert after.group == "homogeneous"
    text = _markdown(at)
    assert call_headline(after) in text and call_headline(before) not in text
    assert f"- {after.reasons[0]}" in text


def test_typed_patient_follows_the_sidebar_cutoff():
    at = _page()
    at.radio(key="patient.source").set_value("Type a new patient").run()
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    call = classify_patient(example_fragments(), Settings(cutoff_pct=50.0))
    assert isinstance(call, PatientCall) and call.group == "homogeneous"
    assert call_headline(call) in _markdown(at)

"""Every page under degenerate settings (AppTest): an empty group at the chosen cutoff, nobody
included by the biopsy filter, a cohort without events. Each page says why a number is missing
and raises nothing; the other pages keep working."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from her2dash.demo import load_demo

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["upload", "cohort", "patient", "survival", "response", "baseline", "cox",
         "biopsy_count", "specimens", "cutoff", "present"]


def _no_events():
    cohort, report = load_demo()
    patients = cohort.patients.assign(pfs_event=0.0, os_event=0.0)
    return dataclasses.replace(cohort, patients=patients), report


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("params", "cohort"), [
    ({"cutoff_pct": "0"}, None),  # everyone homogeneous: the heterogeneous group is empty
    ({"min_fragments": "8", "max_fragments": "8"}, None),  # a handful of patients
    ({"min_fragments": "20"}, None),  # nobody included (clamped to the cohort's maximum)
    ({}, "no-events"),
], ids=["empty-group", "tiny-cohort", "nobody", "no-events"])
def test_every_page_explains_instead_of_failing(params, cohort):
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if cohort == "no-events":
        at.session_state["cohort"], at.session_state["report"] = _no_events()
    at.run()
    assert not at.exception, at.exception
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title, page
    if params.get("cutoff_pct") == "0" or cohort == "no-events":
        at.switch_page("pages/survival.py").run()
        notes = " ".join([*(i.value for i in at.info), *(m.value for m in at.markdown)])
        assert "not available" in notes

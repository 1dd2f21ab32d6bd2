"""Table 4 (median PFS/OS per HER2 group and specimen type) against R and hand counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.results import Unavailable
from her2dash.specimens import NOTE, SPECIMEN_TYPES, SpecimenComparison, specimen_comparison
from her2dash.survival import MedianSurvival

R = json.loads((Path(__file__).resolve().parent / "golden" / "survival_r.json")
               .read_text(encoding="utf-8"))["specimens"]
GROUP_OF = {"0": HETEROGENEOUS, "1": HOMOGENEOUS}


def golden_cohort() -> tuple[pd.DataFrame, pd.Series]:
    """The 20 patients of ``specimen_input`` in tests/golden/survival.R."""
    d = pd.DataFrame({k: v for k, v in R["input"].items() if k != "homo"})
    d.index = pd.Index([f"P{i:02d}" for i in range(1, len(d) + 1)], name="patient_id")
    return d, pd.Series(np.asarray(R["input"]["homo"]) == 1, index=d.index)


def estimate(m: MedianSurvival) -> tuple[float | None, float | None, float | None]:
    return m.estimate, m.ci.low, m.ci.high


KEYS = [pytest.param(key, id=key) for key in R["medians"]]


@pytest.mark.parametrize("key", KEYS)
def test_medians_match_r_survfit(key):
    """Within each specimen type, ``summary(survfit(Surv(time, status) ~ homo))$table``:
    median, 0.95LCL, 0.95UCL (NA = not reached = None) and records."""
    endpoint, specimen, homo = key.split("/")
    result = specimen_comparison(*golden_cohort())
    r = R["medians"][key]
    m = result.medians[(endpoint, specimen, GROUP_OF[homo])]
    # Medians are event times (or midpoints of two): equal to R's printed digits.
    assert estimate(m) == pytest.approx((r["median"], r["lcl"], r["ucl"]), rel=1e-12)
    assert m.n == r["n"] == result.n[(specimen, GROUP_OF[homo])]
    assert m.ci.level == 0.95


def test_hand_computed_medians():
    """By hand. Biopsy heterogeneous PFS: events at 2, 4, 6, 8, 10, 12 → S = 0.5 on [6, 8):
    median (6 + 8) / 2 = 7. Biopsy homogeneous: S 0.8 (3), 0.6 (5), censored 9, 0.3 (11) → 11.
    Surgical homogeneous: 6+, 12, 18+, 20+ → S ≥ 2/3, not reached."""
    result = specimen_comparison(*golden_cohort())
    assert result.medians[("pfs", "biopsy", HETEROGENEOUS)].estimate == 7.0
    assert result.medians[("pfs", "biopsy", HOMOGENEOUS)].estimate == 11.0
    assert result.medians[("pfs", "surgical", HOMOGENEOUS)].estimate is None
    assert result.n == {("biopsy", HETEROGENEOUS): 6, ("biopsy", HOMOGENEOUS): 5,
                        ("surgical", HETEROGENEOUS): 5, ("surgical", HOMOGENEOUS): 4}
    assert result.specimen_types == SPECIMEN_TYPES == ("biopsy", "surgical")
    assert result.note == NOTE and "not paired" in result.note
    assert set(result.medians) == {(e, s, g) for e in ("pfs", "os") for s in SPECIMEN_TYPES
                                   for g in (HETEROGENEOUS, HOMOGENEOUS)}


def test_conf_level_is_passed_through():
    result = specimen_comparison(*golden_cohort(), conf_level=0.9)
    assert all(m.ci.level == 0.9 for m in result.medians.values())


def test_aligned_by_index_and_excluded_patients_left_out():
    """``is_homogeneous`` lists the included patients, in any order."""
    patients, homo = golden_cohort()
    extra = pd.DataFrame({"specimen_type": ["surgical"], "pfs_months": [0.5], "pfs_event": [1],
                          "os_months": [0.5], "os_event": [1]},
                         index=pd.Index(["EXCLUDED"], name="patient_id"))
    shuffled = homo.sample(frac=1.0, random_state=3)
    result = specimen_comparison(pd.concat([patients, extra]), shuffled)
    assert result == specimen_comparison(patients, homo)


@pytest.mark.parametrize(("values", "reason"), [
    pytest.param(["biopsy"] * 3, "needs both biopsy and surgical specimens; this cohort has only "
                 "biopsy specimens", id="only_biopsy"),
    pytest.param(["surgical", "surgical", None], "needs both biopsy and surgical specimens; this "
                 "cohort has only surgical specimens", id="only_surgical"),
    pytest.param([None, None, None], "needs both biopsy and surgical specimens; no patient has a "
                 "specimen type recorded", id="none_recorded"),
])
def test_one_specimen_type_is_unavailable(values, reason):
    patients = pd.DataFrame({"specimen_type": values, "pfs_months": [1.0, 2, 3],
                             "pfs_event": [1, 1, 0]}, index=["A", "B", "C"])
    result = specimen_comparison(patients, pd.Series([True, False, True], index=patients.index))
    assert result == Unavailable(reason)


def test_missing_endpoint_and_empty_group():
    """No OS columns → OS Unavailable; no homogeneous surgical patient → that cell Unavailable;
    a patient without a specimen type is counted in the note only."""
    patients = pd.DataFrame({
        "specimen_type": ["biopsy", "biopsy", "biopsy", "surgical", "surgical", np.nan],
        "pfs_months": [2.0, 4, 6, 3, 5, 1], "pfs_event": [1, 1, 0, 1, 1, 1]},
        index=list("ABCDEF"))
    homo = pd.Series([True, False, True, False, False, True], index=patients.index)
    result = specimen_comparison(patients, homo)
    assert isinstance(result, SpecimenComparison)
    assert result.medians[("os", "biopsy", HOMOGENEOUS)] == Unavailable(
        "the cohort has no OS data")
    assert result.medians[("pfs", "surgical", HOMOGENEOUS)] == Unavailable(
        "no homogeneous patient with a surgical specimen has PFS data")
    assert result.n[("surgical", HOMOGENEOUS)] == 0
    # S = 0.5 from month 3, 0 at 5: print.survfit's midpoint rule gives (3 + 5) / 2 = 4.
    assert result.medians[("pfs", "surgical", HETEROGENEOUS)].estimate == 4.0
    assert result.note.endswith("1 patient without a specimen type is left out.")


def test_specimen_labels_are_normalised():
    patients = pd.DataFrame({"specimen_type": [" Biopsy", "SURGICAL", "biopsy", "surgical"],
                             "pfs_months": [1.0, 2, 3, 4], "pfs_event": [1, 1, 1, 1]},
                            index=list("ABCD"))
    result = specimen_comparison(patients, pd.Series([True, True, False, False],
                                                     index=patients.index))
    assert result.n[("biopsy", HOMOGENEOUS)] == 1 and result.n[("surgical", HOMOGENEOUS)] == 1

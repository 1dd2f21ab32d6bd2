"""Who flips between two cutoffs, checked against classify() at both cutoffs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_sweep import golden_cohort, small_cohort

from her2dash.classify import classify
from her2dash.cohort import Cohort
from her2dash.cox import HazardRatio, hazard_ratio
from her2dash.flips import FRAGMENT_COLUMNS, PATIENT_COLUMNS, TO_HETEROGENEOUS, flips
from her2dash.results import Unavailable
from her2dash.settings import Settings


@pytest.mark.parametrize(("settings", "cut_from", "cut_to"), [
    pytest.param(Settings(), 50.0, 100.0, id="every-fragment-50-to-100"),
    pytest.param(Settings(rule="pooled"), 100.0, 70.0, id="pooled-downwards"),
    pytest.param(Settings(positivity="3+", max_fragments=5), 30.0, 90.0, id="3plus-filtered"),
])
def test_flips_are_the_group_changes_of_classify(settings: Settings, cut_from: float,
                                                 cut_to: float) -> None:
    cohort = golden_cohort("paper_size")
    result = flips(cohort, settings, cut_from, cut_to)
    a = classify(cohort, replace(settings, cutoff_pct=cut_from)).per_patient
    b = classify(cohort, replace(settings, cutoff_pct=cut_to)).per_patient
    inc = a["included"]
    to_homo = set(a.index[inc & (a["group"] == "heterogeneous") & (b["group"] == "homogeneous")])
    to_het = set(a.index[inc & (a["group"] == "homogeneous") & (b["group"] == "heterogeneous")])
    assert set(result.to_homogeneous) == to_homo and set(result.to_heterogeneous) == to_het
    assert not (to_homo and to_het)  # nested groups: one direction only
    assert tuple(result.patients.columns) == PATIENT_COLUMNS
    assert tuple(result.fragments.columns) == FRAGMENT_COLUMNS
    assert len(result.patients) == len(to_homo | to_het) > 0
    np.testing.assert_allclose(result.patients["value"],
                               a.loc[result.patients["patient_id"], "value"])
    assert result.patients["value"].is_monotonic_increasing
    frag = cohort.fragments
    want = frag[frag["tumor_present"] & frag["patient_id"].isin(to_homo | to_het)]
    assert len(result.fragments) == len(want)
    assert (result.patients["n_fragments"].sum() == len(result.fragments))
    for cut, got in ((cut_from, result.hazard_ratio_from), (cut_to, result.hazard_ratio_to)):
        cls = classify(cohort, replace(settings, cutoff_pct=cut))
        pts = cohort.patients.loc[cls.included.index]
        for endpoint in ("pfs", "os"):
            want_hr = hazard_ratio(pts[f"{endpoint}_months"], pts[f"{endpoint}_event"],
                                   cls.is_homogeneous.to_numpy())
            assert got[endpoint] == want_hr


def test_no_flips_between_equal_groupings() -> None:
    cohort = small_cohort([100, 100, 40, 40], [1, 2, 3, 4], [1, 1, 1, 1])
    result = flips(cohort, Settings(), 60.0, 90.0)
    assert result.to_homogeneous == result.to_heterogeneous == ()
    assert result.patients.empty and result.fragments.empty
    assert result.hazard_ratio_from == result.hazard_ratio_to


def test_flip_to_an_empty_group_gives_an_unavailable_hazard_ratio() -> None:
    cohort = small_cohort([100, 100, 40, 40, 10], [1, 4, 2, 3, 5], [1, 1, 1, 1, 0])
    result = flips(cohort, Settings(), 50.0, 0.0)
    assert result.to_homogeneous == ("P04", "P02", "P03")  # by rule value, as `patients`
    assert isinstance(result.hazard_ratio_from["pfs"], HazardRatio)
    assert result.hazard_ratio_to["pfs"] == Unavailable(
        "no heterogeneous patients: the hazard ratio needs both groups")
    assert flips(cohort, Settings(), 0.0, 50.0).patients["direction"].eq(TO_HETEROGENEOUS).all()


def test_missing_endpoint() -> None:
    cohort = small_cohort([100, 50, 20, 80], [1, 2, 3, 4], [1, 1, 1, 1])
    cohort = Cohort(cohort.patients.drop(columns=["os_months", "os_event"]), cohort.fragments)
    result = flips(cohort, Settings(), 60.0)
    assert isinstance(result.hazard_ratio_to["os"], Unavailable)
    assert result.to_heterogeneous == ("P03",)

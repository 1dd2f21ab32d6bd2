"""The Kaplan–Meier figure draws exactly the survival result it is given (figures/km.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from her2dash.analysis import analyze
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.demo import load_demo
from her2dash.figures.km import X_TITLE, km_figure
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.survival import OVERALL, endpoint_survival
from her2dash.tables.survival import hazard_ratio_text, logrank_text, median_text


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    return analyze(cohort, Settings())


def _roles(fig) -> Counter:
    return Counter((t.meta["group"], t.meta["role"]) for t in fig.data)


def _trace(fig, group: str, role: str):
    (found,) = [t for t in fig.data if t.meta == {"group": group, "role": role}]
    return found


def _summary(fig) -> str:
    (found,) = [a for a in fig.layout.annotations if a.name == "summary"]
    return found.text


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_one_curve_band_censor_and_risk_row_per_group(demo, endpoint):
    result = demo.endpoints[endpoint]
    fig = km_figure(result.survival, result.hazard_ratio)
    expected = {(g, r): 1 for g in (HOMOGENEOUS, HETEROGENEOUS)
                for r in ("curve", "band", "censor", "at_risk")
                # no marks for a group without censorings (the demo's Hetero-HER2 OS)
                if r != "censor" or result.survival.curves[g].censor_times.size}
    assert _roles(fig) == expected
    assert (HOMOGENEOUS, "censor") in expected


def test_bands_toggle_off_and_overall_adds_a_dashed_curve_and_a_risk_row(demo):
    result = demo.endpoints["pfs"]
    fig = km_figure(result.survival, result.hazard_ratio, show_ci=False, show_overall=True)
    roles = _roles(fig)
    assert not [k for k in roles if k[1] == "band"]
    assert roles[(OVERALL, "curve")] == roles[(OVERALL, "at_risk")] == 1
    # The overall curve has neither band nor censor marks: they would cover both groups'.
    assert (OVERALL, "censor") not in roles
    assert _trace(fig, OVERALL, "curve").line.dash == "dash"


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_at_risk_numbers_shown_are_the_risk_table(demo, endpoint):
    survival = demo.endpoints[endpoint].survival
    fig = km_figure(survival, demo.endpoints[endpoint].hazard_ratio, show_overall=True)
    for group in (HOMOGENEOUS, HETEROGENEOUS, OVERALL):
        row = _trace(fig, group, "at_risk")
        risk = survival.risk_table[group]
        assert [int(n) for n in row.text] == risk.n_risk.tolist()
        np.testing.assert_array_equal(row.x, risk.time)
        assert row.xaxis == "x2"  # the risk row shares the curves' time axis
    assert fig.layout.xaxis2.matches == "x" or fig.layout.xaxis.matches == "x2"


def test_curves_start_at_one_and_follow_the_km_steps(demo):
    survival = demo.endpoints["pfs"].survival
    fig = km_figure(survival, demo.endpoints["pfs"].hazard_ratio)
    for group in (HOMOGENEOUS, HETEROGENEOUS):
        curve = survival.curves[group]
        line = _trace(fig, group, "curve")
        assert (line.x[0], line.y[0]) == (0.0, 1.0)
        np.testing.assert_array_equal(line.y[1:], curve.survival)
        assert line.line.shape == "hv"
        marks = _trace(fig, group, "censor")
        np.testing.assert_array_equal(marks.x, curve.censor_times)
        at = np.searchsorted(curve.time, curve.censor_times)
        np.testing.assert_array_equal(marks.y, curve.survival[at])
        band = _trace(fig, group, "band")
        finite = np.isfinite(curve.ci_low)
        assert min(band.y) == pytest.approx(np.min(curve.ci_low[finite]))
        assert max(band.y) == pytest.approx(1.0)


def test_annotation_holds_the_medians_hr_and_logrank_strings(demo):
    result = demo.endpoints["pfs"]
    text = _summary(km_figure(result.survival, result.hazard_ratio))
    assert hazard_ratio_text(result.hazard_ratio) in text  # "HR 0.47 (0.29–0.77)"
    assert logrank_text(result.survival.logrank) in text
    for group in (HOMOGENEOUS, HETEROGENEOUS):
        assert median_text(result.survival.medians[group]) in text


def test_axes_titles_probability_range_and_six_month_ticks(demo):
    result = demo.endpoints["os"]
    fig = km_figure(result.survival, result.hazard_ratio)
    assert fig.layout.yaxis.title.text == "Overall survival"
    assert tuple(fig.layout.yaxis.range) == (0, 1.03)
    assert fig.layout.xaxis.title.text == X_TITLE
    assert fig.layout.xaxis.dtick == 6
    assert fig.layout.xaxis2.visible is False  # the risk rows carry no second time axis


def test_an_unavailable_group_is_skipped():
    # Every patient homogeneous: the heterogeneous curve and the HR are Unavailable.
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([1, 0, 1, 1, 0, 1])
    survival = endpoint_survival(time, event, np.ones(6, dtype=bool), endpoint="pfs")
    assert isinstance(survival.curves[HETEROGENEOUS], Unavailable)
    fig = km_figure(survival, Unavailable("only one group"), show_overall=True)
    groups = {t.meta["group"] for t in fig.data}
    assert groups == {HOMOGENEOUS, OVERALL}
    text = _summary(fig)
    assert "Hetero-HER2" not in text and "HR" not in text
    assert "log-rank" not in text  # survival.logrank is Unavailable too


def test_log_log_band_starts_at_the_first_event():
    # log-log has no band where S = 1 (R's NA): the polygon must not reach back to time 0.
    time = np.array([0.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    event = np.array([0, 1, 1, 0, 1, 1, 0, 1])
    homo = np.array([True, True, True, True, False, False, False, False])
    survival = endpoint_survival(time, event, homo, endpoint="os", conf_type="log-log")
    fig = km_figure(survival, Unavailable("too small"))
    band = _trace(fig, HOMOGENEOUS, "band")
    assert min(band.x) == 2.0

"""Heterogeneity rate and fragment counts (her2dash/cohort_summary.py) on the demo cohort."""

from __future__ import annotations

import pytest

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, classify
from her2dash.cohort_summary import OVERALL, cohort_summary
from her2dash.demo import load_demo
from her2dash.results import Unavailable
from her2dash.settings import Settings


@pytest.fixture(scope="module")
def demo():
    return load_demo()[0]


def test_heterogeneity_rate_matches_r_binom_test(demo):
    """R: ``binom.test(53, 87)$conf.int`` = 0.498655292682785 0.712079318541385 (R 4.x).

    The interval is closed-form beta quantiles on both sides, so 1e-12 absolute is ample.
    """
    rate = cohort_summary(classify(demo, Settings())).heterogeneity_rate
    assert (rate.successes, rate.n) == (53, 87)
    assert rate.estimate == pytest.approx(53 / 87) == pytest.approx(0.609, abs=5e-4)
    assert rate.ci.low == pytest.approx(0.498655292682785, abs=1e-12)
    assert rate.ci.high == pytest.approx(0.712079318541385, abs=1e-12)
    assert rate.ci.level == 0.95


def test_fragment_counts_match_the_papers_medians(demo):
    """The paper (ESM 2): median 4 (1–8) tumour fragments, 3 HER2-positive, 2 HER2 3+."""
    s = cohort_summary(classify(demo, Settings()))
    frag = s.fragments[OVERALL]
    assert (frag.n, frag.median, frag.minimum, frag.maximum) == (87, 4, 1, 8)
    assert s.positive_fragments[OVERALL].median == 3
    assert s.three_plus_fragments[OVERALL].median == 2
    assert s.fragments[HETEROGENEOUS].n == 53 and s.fragments[HOMOGENEOUS].n == 34


def test_distribution_counts_every_included_patient_once(demo):
    cl = classify(demo, Settings())
    d = cohort_summary(cl).distribution
    assert d.n_fragments == tuple(range(1, 9))
    assert sum(d.patients[OVERALL]) == 87
    assert [h + o for h, o in zip(d.patients[HETEROGENEOUS], d.patients[HOMOGENEOUS],
                                  strict=True)] == list(d.patients[OVERALL])
    counts = cl.included["n_fragments"]
    assert d.patients[OVERALL][3] == int((counts == 4).sum())


def test_biopsy_count_filter_changes_the_denominator(demo):
    cl = classify(demo, Settings(max_fragments=4))
    s = cohort_summary(cl)
    assert s.heterogeneity_rate.n == cl.n_included < 87
    assert s.heterogeneity_rate.successes == cl.n_heterogeneous
    assert s.distribution.n_fragments == (1, 2, 3, 4)


def test_nobody_included_is_unavailable(demo):
    s = cohort_summary(classify(demo, Settings(min_fragments=50)))
    assert isinstance(s.heterogeneity_rate, Unavailable)
    assert "no patients are included" in s.heterogeneity_rate.reason
    assert isinstance(s.fragments[OVERALL], Unavailable)
    assert s.distribution.n_fragments == ()

"""Paired concordance of calls in two materials, on hand-computed patients."""

from __future__ import annotations

import pytest
from scipy import stats

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.concordance import cohen_kappa, materials, paired_concordance
from her2dash.results import Unavailable
from her2dash.settings import Settings
from tests.test_rules import F, cohort_of

POST = "post-progression"


def _pairs(spec: list[tuple[str, int, int]]) -> list[dict]:
    """(patient, baseline pct, post pct): one fragment each time point."""
    rows = []
    for pid, before, after in spec:
        rows.append(F(pid, "3+", before, timepoint="baseline"))
        rows.append(F(pid, "3+", after, timepoint=POST))
    return rows


# 3 stay homo, 4 lose homogeneity, 1 gains it, 2 stay hetero; one patient baseline only
SPEC = ([("H1", 100, 100), ("H2", 100, 100), ("H3", 100, 100)]
        + [(f"L{i}", 100, 50) for i in range(4)] + [("G1", 40, 100)]
        + [("N1", 30, 20), ("N2", 10, 0)])


def test_two_by_two_agreement_kappa_and_exact_mcnemar():
    rows = [*_pairs(SPEC), F("B1", "3+", 100, timepoint="baseline")]
    cohort = cohort_of(rows)
    assert materials(cohort) == (("baseline", "biopsy"), (POST, "biopsy"))
    c = paired_concordance(cohort, Settings(), (POST, "biopsy"))
    assert c.n_pairs == 10  # B1 has no post-progression biopsy
    assert c.counts == {(HOMOGENEOUS, HOMOGENEOUS): 3, (HOMOGENEOUS, HETEROGENEOUS): 4,
                        (HETEROGENEOUS, HOMOGENEOUS): 1, (HETEROGENEOUS, HETEROGENEOUS): 2}
    assert (c.lost, c.gained) == (4, 1)
    assert c.agreement.successes == 5 and c.agreement.n == 10
    # hand: p_o = 0.5; rows 7/3, columns 4/6: p_e = (7·4 + 3·6) / 100 = 0.46
    assert c.kappa == pytest.approx((0.5 - 0.46) / (1 - 0.46))
    # R: binom.test(4, 5)$p.value = 0.375
    assert c.mcnemar_p == pytest.approx(0.375)
    assert c.mcnemar_p == pytest.approx(stats.binomtest(4, 5).pvalue)


def test_degenerate_pairs_say_why():
    cohort = cohort_of(_pairs([("H1", 100, 100), ("H2", 100, 100)]))
    c = paired_concordance(cohort, Settings(), (POST, "biopsy"))
    assert isinstance(c.kappa, Unavailable) and isinstance(c.mcnemar_p, Unavailable)
    only_base = cohort_of([F("A", "3+", 100)])
    assert isinstance(paired_concordance(only_base, Settings(), (POST, "biopsy")), Unavailable)
    assert cohen_kappa(__import__("numpy").array([[5, 0], [0, 5]])) == 1.0


def test_specimens_page_shows_the_paired_comparison():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from her2dash.demo import load_demo
    from her2dash.tables.specimens import concordance_text

    cohort = cohort_of([*_pairs(SPEC), F("B1", "3+", 100, timepoint="baseline")])
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=120)
    at.session_state["cohort"], at.session_state["report"] = cohort, load_demo()[1]
    at.run()
    at.switch_page("pages/specimens.py").run()
    assert not at.exception, at.exception
    expected = concordance_text(paired_concordance(cohort, Settings(), (POST, "biopsy")))
    assert expected in [m.value for m in at.markdown]

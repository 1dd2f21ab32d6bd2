"""her2dash.baseline against R (tests/golden/response_r.json), a naive enumeration, scipy and
every p-value of the paper's Table 1."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from her2dash.baseline import (
    BaselineTable,
    CategoricalRow,
    ContinuousRow,
    baseline_table,
    fisher_exact_2xk,
    table_test_2xk,
)
from her2dash.results import Unavailable

GOLDEN = Path(__file__).parent / "golden"
R = json.loads((GOLDEN / "response_r.json").read_text())
COHORTS = sorted(R["cohorts"])
CATEGORICAL = ["sex", "ecog", "site", "strat", "platinum", "response"]

# Both sides are exact (FEXACT's network algorithm vs full enumeration; the same normal tail
# for Mann–Whitney) and R writes 15 significant digits.
RTOL = 1e-6


@pytest.fixture(scope="module", params=COHORTS)
def cohort_table(request: pytest.FixtureRequest) -> tuple[str, BaselineTable]:
    d = pd.read_csv(GOLDEN / "cohorts" / f"{request.param}.csv")
    table = baseline_table(d, "homo", [*CATEGORICAL, "age", "cea"], continuous={"age", "cea"})
    return request.param, table


def _row(table: BaselineTable, column: str) -> CategoricalRow | ContinuousRow:
    return next(r for r in table.rows if r.column == column)


@pytest.mark.parametrize("column", CATEGORICAL)
def test_categorical_row_matches_r_fisher_test(cohort_table, column: str) -> None:
    """R: ``fisher.test(table(homo, x))``, 2×2 and 2×k; the large cohort's 2×5 response table
    needs ``workspace = 2e8`` in R (FEXACT error 7 with the default)."""
    name, table = cohort_table
    ref = R["cohorts"][name]["fisher_tables"][column]
    row = _row(table, column)
    assert list(row.levels) == ref["levels"]
    assert [list(row.counts_heterogeneous), list(row.counts_homogeneous)] == ref["table"]
    assert row.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    assert row.test == f"Fisher's exact test (2×{len(ref['levels'])})"


@pytest.mark.parametrize("column", ["age", "cea"])
def test_continuous_row_matches_r_wilcox_test(cohort_table, column: str) -> None:
    """R: ``wilcox.test(x ~ homo)`` with the defaults: W (heterogeneous = first level), p,
    method (ages are whole years: ties, so the normal approximation)."""
    name, table = cohort_table
    ref = R["cohorts"][name]["wilcox"][column]
    row = _row(table, column)
    assert row.statistic == pytest.approx(ref["statistic"], rel=RTOL)
    assert row.pvalue == pytest.approx(ref["p_value"], rel=RTOL)
    assert row.test == ref["method"]


@pytest.mark.parametrize("group", ["heterogeneous", "homogeneous"])
def test_age_quartiles_match_r_quantile(cohort_table, group: str) -> None:
    """R: ``quantile(age, c(.25, .5, .75), type = 7)`` per group."""
    name, table = cohort_table
    ref = R["cohorts"][name]["quantiles"]["age"][group]
    q = getattr(_row(table, "age"), group)
    assert (q.q1, q.median, q.q3) == pytest.approx(ref["q"], rel=RTOL)
    assert (q.n, q.minimum, q.maximum) == (ref["n"], ref["min"], ref["max"])


@pytest.mark.parametrize("name", list(R["hand"]["fisher_2xk"]))
def test_fisher_exact_2xk_matches_r_fisher_test(name: str) -> None:
    """R: ``fisher.test(matrix(..., nrow = 2, byrow = TRUE))``: ties, an empty column, 2×3 to
    2×6, a 1,200-patient 2×3."""
    ref = R["hand"]["fisher_2xk"][name]
    assert fisher_exact_2xk(ref["table"]) == pytest.approx(ref["p_value"], rel=RTOL)


@pytest.mark.parametrize("name", list(R["hand"]["fisher_2x2"]))
def test_fisher_exact_2xk_on_2x2_matches_r_fisher_test(name: str) -> None:
    """R: ``fisher.test`` on 2×2 tables through the 2×k front door (the 2×2 algorithm)."""
    ref = R["hand"]["fisher_2x2"][name]
    p = fisher_exact_2xk(ref["table"])
    if isinstance(p, Unavailable):  # an empty row or column: nothing to compare
        assert 0 in np.sum(ref["table"], axis=0).tolist() + np.sum(ref["table"], axis=1).tolist()
        return
    assert p == pytest.approx(ref["p_value"], rel=RTOL)


def _fisher_2xk_reference(table: list[list[int]]) -> float:
    """Naive enumeration of every first row with the observed margins (no meet-in-the-middle).

    Probabilities as exact rationals of binomial coefficients, so ties are exact; the relative
    tolerance is FEXACT's 1e-7-ish (any table within 3.45e-7 in log counts).
    """
    cols = [a + b for a, b in zip(*table, strict=True)]
    r1 = sum(table[0])
    def weight(row: tuple[int, ...]) -> int:
        return math.prod(math.comb(c, x) for c, x in zip(cols, row, strict=True))
    w_obs = weight(tuple(table[0]))
    total = 0
    extreme = 0
    for row in itertools.product(*(range(c + 1) for c in cols)):
        if sum(row) != r1:
            continue
        w = weight(row)
        total += w
        if math.log(w) <= math.log(w_obs) + 3.45254e-7:
            extreme += w
    return extreme / total


REFERENCE_TABLES = {
    "2x3": [[3, 1, 4], [1, 5, 2]],
    "2x4_ties": [[2, 2, 1, 1], [1, 1, 2, 2]],
    "2x5": [[0, 3, 1, 2, 4], [2, 1, 3, 0, 1]],
    "2x6_unbalanced": [[1, 0, 2, 1, 0, 3], [4, 5, 2, 6, 3, 1]],
    "2x3_one_row_small": [[1, 0, 0], [3, 4, 5]],
}


@pytest.mark.parametrize("name", list(REFERENCE_TABLES))
def test_fisher_exact_2xk_matches_naive_enumeration(name: str) -> None:
    """The meet-in-the-middle sum equals brute-force enumeration of all tables."""
    table = REFERENCE_TABLES[name]
    assert fisher_exact_2xk(table) == pytest.approx(_fisher_2xk_reference(table), rel=1e-12)


def test_fisher_exact_2xk_row_order_irrelevant() -> None:
    """The enumeration runs over the smaller row; swapping rows changes nothing."""
    t = [[30, 20, 10, 5, 3], [25, 25, 10, 5, 2]]
    assert fisher_exact_2xk(t) == pytest.approx(fisher_exact_2xk(t[::-1]), rel=1e-12)


# --------------------------------------------------------------------------- large tables


BIG = [[20000, 12000, 5000, 2000, 1000], [30000, 18000, 7000, 3000, 2000]]


def test_large_2xk_falls_back_to_labelled_chi_square() -> None:
    """100,000 patients over five ECOG levels: no exact enumeration (R: FEXACT workspace error);
    the row says so and reports R ``chisq.test(x)``'s Pearson chi-square (no correction)."""
    res = table_test_2xk(BIG)
    assert res.method == "Pearson's chi-squared test (exact test infeasible for n = 100000)"
    ref = stats.chi2_contingency(np.array(BIG), correction=False)
    assert (res.statistic, res.df) == (pytest.approx(ref.statistic, rel=1e-12), 4)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    unavailable = fisher_exact_2xk(BIG)
    assert unavailable == Unavailable("Fisher's exact test is infeasible for this 2×5 table "
                                      "(n = 100000): too many tables to enumerate.")


def test_baseline_row_labels_fallback() -> None:
    """The same fallback through baseline_table: the row's test names the chi-square."""
    rng = np.random.default_rng(5)
    n = 20_000
    frame = pd.DataFrame({"homo": rng.random(n) < 0.4,
                          "ecog": rng.choice(5, n, p=[0.5, 0.3, 0.12, 0.05, 0.03]),
                          "sex": rng.choice(["M", "F"], n)})
    table = baseline_table(frame, "homo", ["ecog", "sex"])
    ecog, sex = table.rows
    assert ecog.test == f"Pearson's chi-squared test (exact test infeasible for n = {n})"
    counts = np.array([ecog.counts_heterogeneous, ecog.counts_homogeneous])
    assert ecog.pvalue == pytest.approx(
        stats.chi2_contingency(counts, correction=False).pvalue, rel=1e-9)
    # 2×2 stays exact at any size.
    assert sex.test == "Fisher's exact test (2×2)"
    sc = np.array([sex.counts_heterogeneous, sex.counts_homogeneous])
    assert sex.pvalue == pytest.approx(stats.fisher_exact(sc).pvalue, rel=RTOL)


def test_mid_size_2xk_stays_exact() -> None:
    """A 600-patient 2×5 response table is enumerated exactly (R needs workspace = 2e8)."""
    ref = R["cohorts"]["large"]["fisher_tables"]["response"]
    res = table_test_2xk(ref["table"])
    assert res.method == "Fisher's exact test (2×5)"
    assert res.pvalue == pytest.approx(ref["p_value"], rel=RTOL)


# --------------------------------------------------------------------------- the paper


# Table 1's printed counts: (label, level_a, level_b, hetero_a, hetero_b, homo_a, homo_b, p).
TABLE1 = [
    ("age_group", "≥ 67", "< 67", 32, 21, 12, 22, 0.029),  # Fisher gives 0.0287 (seed notes)
    ("sex", "male", "female", 37, 16, 20, 14, 0.357),
    ("ecog", "0", "1", 34, 19, 25, 9, 0.481),
    ("site", "EGJ", "stomach", 13, 40, 12, 22, 0.335),
    ("histology", "differentiated", "undifferentiated", 31, 22, 24, 10, 0.362),
    ("visceral", "yes", "no", 28, 25, 18, 16, 1.000),
    ("gastrectomy", "yes", "no", 17, 36, 11, 23, 1.000),
    ("platinum", "yes", "no", 46, 7, 34, 0, 0.039),
    ("conversion", "yes", "no", 4, 49, 5, 29, 0.304),
    ("second_line", "yes", "no", 40, 13, 25, 9, 1.000),
    ("beyond_her2", "yes", "no", 8, 45, 6, 28, 0.772),
    ("her2_status", "IHC 3+", "IHC 2+/FISH+", 44, 9, 34, 0, 0.011),
    ("cea", "≥ 5.0", "< 5.0", 31, 22, 23, 11, 0.498),
    ("ca199", "≥ 37.0", "< 37.0", 29, 24, 21, 13, 0.657),
]


def _table1_frame() -> pd.DataFrame:
    """53 heterogeneous and 34 homogeneous patients with Table 1's counts. Each column is
    built independently (the paper gives only margins), which is all Fisher's test sees."""
    homo = np.array([False] * 53 + [True] * 34)
    data: dict[str, object] = {"homo": homo}
    for label, a, b, het_a, het_b, hom_a, hom_b, _ in TABLE1:
        assert het_a + het_b == 53 and hom_a + hom_b == 34
        data[label] = [a] * het_a + [b] * het_b + [a] * hom_a + [b] * hom_b
    return pd.DataFrame(data)


@pytest.mark.parametrize("entry", TABLE1, ids=[t[0] for t in TABLE1])
def test_paper_table1_fisher_p(entry: tuple) -> None:
    """Every Table 1 p-value is Fisher's exact test on the printed counts, to 3 decimals."""
    label, a, b, het_a, het_b, hom_a, hom_b, printed = entry
    table = baseline_table(_table1_frame(), "homo", [label])
    row = table.rows[0]
    assert (table.n_heterogeneous, table.n_homogeneous) == (53, 34)
    i, j = row.levels.index(a), row.levels.index(b)
    assert (row.counts_heterogeneous[i], row.counts_homogeneous[i]) == (het_a, hom_a)
    assert (row.counts_heterogeneous[j], row.counts_homogeneous[j]) == (het_b, hom_b)
    assert row.test == "Fisher's exact test (2×2)"
    assert round(row.pvalue, 3) == printed


def test_paper_table1_age_group_is_fisher_0287() -> None:
    """The age p 0.029 beside the medians matches Fisher on the two age groups: 0.0287."""
    row = baseline_table(_table1_frame(), "homo", ["age_group"]).rows[0]
    assert round(row.pvalue, 4) == 0.0287


# --------------------------------------------------------------------------- rows and edges


def test_blank_values_counted_as_missing() -> None:
    frame = pd.DataFrame({
        "homo": [1, 0, 1, 0, 1, 0],
        "sex": [" M", "M", "F ", "", None, "F"],
        "bmi": [20.5, "n/a", 22.0, 25.0, np.nan, 19.0],
    })
    sex, bmi = baseline_table(frame, "homo", ["sex", "bmi"], continuous={"bmi"}).rows
    assert sex.levels == ("F", "M")  # stripped; blank and None are missing
    assert (sex.missing_heterogeneous, sex.missing_homogeneous) == (1, 1)
    assert sex.pct_heterogeneous == (50.0, 50.0)
    assert (bmi.missing_heterogeneous, bmi.missing_homogeneous) == (1, 1)


def test_level_order_and_labels() -> None:
    frame = pd.DataFrame({
        "homo": [True, False, True, False],
        "flag": [True, False, False, True],
        "grade": pd.Categorical(["b", "a", "b", "b"], categories=["b", "a", "c"]),
        "ecog": [0.0, 1.0, 2.0, 1.0],
    })
    flag, grade, ecog = baseline_table(frame, "homo", ["flag", "grade", "ecog"]).rows
    assert flag.levels == ("yes", "no")
    assert grade.levels == ("b", "a", "c") and grade.counts_homogeneous == (2, 0, 0)
    assert grade.test == "Fisher's exact test (2×2)"  # the unobserved level is not tested
    assert ecog.levels == ("0", "1", "2") and ecog.kind == "categorical"


EDGE = {
    "one_level": (["M", "M", "M", "M"], [1, 0, 1, 0], "Only one level is observed; nothing to "
                  "compare."),
    "empty_group": (["M", "F", "M"], [0, 0, 0], "One group has no patients with a known value."),
    "group_all_blank": (["M", "F", "", None], [0, 0, 1, 1], "One group has no patients with a "
                        "known value."),
    "no_patients": ([], [], "Only one level is observed; nothing to compare."),
}


@pytest.mark.parametrize("case", list(EDGE), ids=list(EDGE))
def test_categorical_row_unavailable(case: str) -> None:
    values, homo, reason = EDGE[case]
    frame = pd.DataFrame({"homo": pd.Series(homo, dtype=int), "x": pd.Series(values,
                                                                            dtype=object)})
    row = baseline_table(frame, "homo", ["x"], continuous=()).rows[0]
    assert row.pvalue == Unavailable(reason)


def test_continuous_row_empty_group() -> None:
    frame = pd.DataFrame({"homo": [0, 0, 0], "age": [60.0, 70.0, 65.0]})
    row = baseline_table(frame, "homo", ["age"], continuous={"age"}).rows[0]
    assert row.pvalue == Unavailable("Mann–Whitney test needs at least one value in each group.")
    assert row.statistic is None
    assert row.homogeneous == Unavailable("No values in the homogeneous group.")


def test_unknown_column_raises() -> None:
    with pytest.raises(KeyError, match="not in frame"):
        baseline_table(pd.DataFrame({"homo": [1]}), "homo", ["nope"])

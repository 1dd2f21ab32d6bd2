"""Display tables of the response results, hand-checked on the synthetic demo cohort.

The demo cohort's Table 3 counts equal the paper's (hetero 1/24/11/7 of 43 evaluable, homo
4/19/2/2 of 27), so the strings below are the paper's Table 3 plus what R prints for it:
``binom.test(25, 43)$conf.int`` = 0.4213–0.7299, ``binom.test(23, 27)$conf.int`` =
0.6627–0.9581, ``fisher.test(matrix(c(23, 25, 4, 18), 2))``: p = 0.01973, estimate 4.0603,
conf.int 1.1095–18.9666.
"""

from __future__ import annotations

import pandas as pd
import pytest

from her2dash.analysis import analyze
from her2dash.classify import classify
from her2dash.demo import load_demo
from her2dash.response import depth_of_response, response_table
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.tables.response import (
    GROUP_COLUMNS,
    depth_frame,
    mann_whitney_text,
    response_table_frame,
    response_tests_frame,
    waterfall_points,
)

HET, HOM, ALL = GROUP_COLUMNS


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    settings = Settings()
    return cohort, classify(cohort, settings), analyze(cohort, settings)


def _row(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.set_index(frame.columns[0]).loc[name]


def test_table3_layout_and_the_papers_counts(demo):
    frame = response_table_frame(demo[2].response)
    assert list(frame.columns) == ["Best response", HET, HOM, ALL]
    assert list(frame["Best response"]) == ["CR", "PR", "SD", "PD", "NE", "ORR", "DCR"]
    # Paper, Table 3: CR 1 (2.3), PR 24 (55.8), SD 11 (25.6), PD 7 (16.3) of 43; homo 4 (14.8) …
    assert list(frame[HET][:4]) == ["1 (2.3 %)", "24 (55.8 %)", "11 (25.6 %)", "7 (16.3 %)"]
    assert list(frame[HOM][:4]) == ["4 (14.8 %)", "19 (70.4 %)", "2 (7.4 %)", "2 (7.4 %)"]
    assert _row(frame, "NE").tolist() == ["10 of 53", "7 of 34", "17 of 87"]


def test_orr_row_reads_the_papers_rates_with_clopper_pearson_intervals(demo):
    orr = _row(response_table_frame(demo[2].response), "ORR")
    assert orr[HET] == "25/43 (58.1 %) [42.1–73.0]"
    assert orr[HOM] == "23/27 (85.2 %) [66.3–95.8]"
    assert orr[ALL] == "48/70 (68.6 %) [56.4–79.1]"  # binom.test(48, 70): 0.5637–0.7915
    dcr = _row(response_table_frame(demo[2].response), "DCR")
    assert dcr[HET] == "36/43 (83.7 %) [69.3–93.2]"  # binom.test(36, 43): 0.6930–0.9319
    assert dcr[HOM] == "25/27 (92.6 %) [75.7–99.1]"  # binom.test(25, 27): 0.7571–0.9909


def test_fisher_tests_frame_prints_the_conditional_mle_and_the_sample_odds_ratio(demo):
    frame = response_tests_frame(demo[2].response)
    assert list(frame.columns) == ["Rate", "Fisher p", "Odds ratio, conditional MLE (95 % CI)",
                                   "Odds ratio, sample (ad/bc)", "Note"]
    orr = _row(frame, "ORR")
    assert orr["Fisher p"] == "0.020"  # the paper's 0.02
    assert orr["Odds ratio, conditional MLE (95 % CI)"] == "4.06 (1.11–18.97)"
    assert orr["Odds ratio, sample (ad/bc)"] == "4.14"  # 23·18 / (4·25)
    dcr = _row(frame, "DCR")
    # fisher.test(matrix(c(25, 36, 2, 7), 2)): p 0.466, estimate 2.403, CI 0.410–25.586.
    assert dcr["Fisher p"] == "0.466"
    assert dcr["Odds ratio, conditional MLE (95 % CI)"] == "2.40 (0.41–25.59)"


def test_an_unestimable_odds_ratio_shows_a_dash_and_the_reason():
    # Every homogeneous patient responds: cell b = 0, conditional MLE infinite.
    table = response_table(["PR"] * 5 + ["PR", "PD", "PD"], [True] * 5 + [False] * 3)
    orr = _row(response_tests_frame(table), "ORR")
    assert orr["Odds ratio, conditional MLE (95 % CI)"] == "–"
    assert "infinite" in orr["Note"]
    assert orr["Fisher p"] != "–"


def test_a_group_without_evaluable_patients_gets_dashes_not_nan():
    table = response_table(["NE", "NE", "PR", "PD"], [True, True, False, False])
    frame = response_table_frame(table)
    assert _row(frame, "ORR")[HOM] == "–"
    assert _row(frame, "NE")[HOM] == "2 of 2"
    assert _row(frame, "CR")[HOM] == "0"  # no evaluable denominator: a count, no %
    tests = response_tests_frame(table)
    assert _row(tests, "ORR")["Fisher p"] == "–"
    assert "evaluable" in _row(tests, "ORR")["Note"]


def test_depth_frame_median_iqr_range_and_the_mann_whitney_p(demo):
    depth = demo[2].depth_of_response
    frame = depth_frame(depth)
    assert list(frame["Group"]) == ["Hetero-HER2", "Homo-HER2"]
    het, hom = frame.iloc[0], frame.iloc[1]
    # quantile(type = 7): hetero −55.3, −1.75 (printed −1.8); homo −75.95, −32.35.
    assert (het["n"], het["Median (%)"], het["IQR (%)"]) == ("43", "−39.8", "−55.3 to −1.8")
    assert het["Range (%)"] == "−100.0 to 84.3"
    assert (hom["n"], hom["Median (%)"], hom["IQR (%)"]) == ("27", "−48.9", "−76.0 to −32.3")
    assert het["Mann–Whitney p"] == "0.046" and hom["Mann–Whitney p"] == ""
    assert het["Test"] == "Wilcoxon rank sum test with continuity correction"
    assert mann_whitney_text(depth) == "Mann–Whitney p = 0.046"


def test_depth_of_an_empty_group_is_dashes_and_the_reason():
    depth = depth_of_response([-50.0, float("nan")], [False, True])
    frame = depth_frame(depth)
    assert frame.iloc[1]["Median (%)"] == "–" and frame.iloc[1]["n"] == "0"
    assert isinstance(depth.test, Unavailable)
    assert frame.iloc[0]["Test"] == depth.test.reason
    assert mann_whitney_text(depth) == "Mann–Whitney test not available"


def test_waterfall_points_one_row_per_patient_with_a_change_sorted_descending(demo):
    cohort, groups, analysis = demo
    points = waterfall_points(cohort, groups)
    assert list(points.columns) == ["patient_id", "pct_change", "group", "best_response"]
    depth = analysis.depth_of_response
    assert len(points) == depth.heterogeneous.n + depth.homogeneous.n == 70
    assert points["pct_change"].is_monotonic_decreasing
    assert points["patient_id"].is_unique
    assert set(points["group"]) == {"homogeneous", "heterogeneous"}
    assert set(points["best_response"]) <= {"CR", "PR", "SD", "PD", "NE"}
    first = points.iloc[0]
    assert first["pct_change"] == cohort.patients["best_pct_change"].max()


def test_waterfall_points_leave_out_excluded_patients(demo):
    cohort, _, _ = demo
    settings = Settings(max_fragments=4)
    groups = classify(cohort, settings)
    points = waterfall_points(cohort, groups)
    assert groups.n_excluded > 0
    assert set(points["patient_id"]) <= set(groups.included.index)
    assert len(points) == int(cohort.patients.loc[groups.included.index,
                                                  "best_pct_change"].notna().sum())

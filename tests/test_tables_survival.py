"""Survival display strings, checked by hand on the demo cohort (her2dash/tables/survival.py),
plus the Table 4 and biopsy-count frames that reuse them (tables/specimens.py,
tables/biopsy_count.py).

Hand checks read the unrounded results (``python -m her2dash analyze`` on the demo) and round
them by eye: e.g. the Homo-HER2 PFS median is 10.87 (7.81–15.38) → "10.9 (7.8–15.4)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2dash.analysis import analyze
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, classify
from her2dash.cox import HazardRatio
from her2dash.demo import load_demo
from her2dash.results import ConfidenceInterval, Unavailable
from her2dash.settings import Settings
from her2dash.specimens import specimen_comparison
from her2dash.survival import MedianSurvival
from her2dash.tables.biopsy_count import biopsy_count_points, spearman_table, spearman_text
from her2dash.tables.specimens import specimen_table
from her2dash.tables.survival import (
    comparison_text,
    follow_up_text,
    hazard_ratio_text,
    landmark_table,
    logrank_text,
    median_table,
    median_text,
    risk_table_frame,
    stratified_hazard_ratio_text,
)

MEDIAN = "Median, months (95 % CI)"


@pytest.fixture(scope="module")
def demo():
    cohort, _ = load_demo()
    settings = Settings()
    classification = classify(cohort, settings)
    return cohort, classification, analyze(cohort, settings, classification)


def _ci(low, high):
    return ConfidenceInterval(low, high, 0.95, "test")


def test_median_table_pfs_by_hand(demo):
    table = median_table(demo[2].endpoints["pfs"].survival)
    assert table.columns.tolist() == ["Group", "Patients", "Events", MEDIAN]
    assert table.to_dict("records") == [
        # 10.87 (7.81–15.38)
        {"Group": "Homo-HER2", "Patients": "34", "Events": "29", MEDIAN: "10.9 (7.8–15.4)"},
        # 6.05 (3.62–7.83): 6.05 is 6.04999… in binary, so it prints 6.0, as R's round does
        {"Group": "Hetero-HER2", "Patients": "53", "Events": "49", MEDIAN: "6.0 (3.6–7.8)"},
        {"Group": "All patients", "Patients": "87", "Events": "78", MEDIAN: "7.2 (6.0–9.5)"},
    ]


def test_median_table_os_by_hand(demo):
    table = median_table(demo[2].endpoints["os"].survival)
    assert table[MEDIAN].tolist() == ["29.4 (23.1–35.4)", "13.7 (12.3–16.7)",
                                      "17.0 (14.9–20.8)"]


@pytest.mark.parametrize(("estimate", "low", "high", "text"), [
    (29.3, 20.5, None, "29.3 (20.5–NR)"),   # the paper's Homo-HER2 mOS
    (None, 20.5, None, "NR (20.5–NR)"),
    (None, None, None, "NR"),               # the paper's Table 4 prints a bare NR
    (10.8, 6.9, 19.4, "10.8 (6.9–19.4)"),
], ids=["upper-not-reached", "median-not-reached", "nothing-reached", "reached"])
def test_median_text_not_reached(estimate, low, high, text):
    assert median_text(MedianSurvival(estimate, _ci(low, high), 10, 3)) == text


def test_median_text_unavailable_is_a_dash():
    assert median_text(Unavailable("no patients")) == "–"


def test_landmark_table_by_hand(demo):
    table = landmark_table(demo[2].endpoints["pfs"].survival).set_index("Group")
    assert table.columns.tolist() == ["6 months, % (95 % CI)", "12 months, % (95 % CI)",
                                      "24 months, % (95 % CI)"]
    # 0.7341 (0.5993–0.8993)
    assert table.loc["Homo-HER2", "6 months, % (95 % CI)"] == "73.4 (59.9–89.9)"
    assert table.loc["Homo-HER2", "24 months, % (95 % CI)"] == "7.5 (2.0–28.3)"
    # S = 0: R's band is NA (undefined), not "not reached"
    assert table.loc["Hetero-HER2", "24 months, % (95 % CI)"] == "0.0 (–)"


def test_risk_table_frame_is_the_risk_table(demo):
    survival = demo[2].endpoints["os"].survival
    frame = risk_table_frame(survival).set_index("Group")
    risk = survival.risk_table[HOMOGENEOUS]
    assert frame.columns.tolist() == [str(int(t)) for t in risk.time]
    assert frame.loc["Homo-HER2"].astype(int).tolist() == risk.n_risk.tolist()
    assert frame.loc["Homo-HER2", "0"] == "34"


def test_hazard_ratio_and_logrank_text_by_hand(demo):
    pfs, os_ = demo[2].endpoints["pfs"], demo[2].endpoints["os"]
    assert hazard_ratio_text(pfs.hazard_ratio) == "HR 0.47 (0.29–0.77)"  # 0.4699 (0.2885–0.7654)
    assert hazard_ratio_text(os_.hazard_ratio) == "HR 0.34 (0.21–0.55)"
    assert logrank_text(pfs.survival.logrank) == "log-rank p = 0.002"  # 0.00195
    assert logrank_text(os_.survival.logrank) == "log-rank p < 0.001"  # 4.7e-6
    line = comparison_text(pfs.hazard_ratio, pfs.survival.logrank)
    assert "HR 0.47 (0.29–0.77)" in line and "Wald p = 0.002" in line and "Efron" in line


def test_unavailable_texts_give_the_reason():
    assert hazard_ratio_text(Unavailable("the homogeneous group is empty")) == (
        "HR not available (the homogeneous group is empty)")
    assert logrank_text(Unavailable("no events")) == "log-rank test not available (no events)"
    assert "no adjustment covariates chosen" in stratified_hazard_ratio_text(
        Unavailable("no adjustment covariates chosen"))


def test_stratified_text_names_the_strata_by_label(demo):
    hr = demo[2].endpoints["pfs"].stratified_hazard_ratio
    assert isinstance(hr, HazardRatio)
    text = stratified_hazard_ratio_text(hr, {"age_group": "Age group", "platinum": "Platinum"})
    assert text.startswith("Stratified by Age group, Platinum")
    assert "HR 0.46 (0.27–0.78)" in text  # 0.4603 (0.2716–0.7802)


def test_follow_up_text(demo):
    # The demo's OS has only 3 censored patients: the reverse KM never reaches 0.5.
    text = follow_up_text(demo[2].endpoints["os"].survival.follow_up)
    assert text == ("Median follow-up not reached (reverse Kaplan–Meier): only 3 of 87 "
                    "patients are censored.")
    reached = MedianSurvival(17.8, _ci(14.4, 21.7), 87, 50)
    assert follow_up_text(reached) == ("Median follow-up 17.8 (14.4–21.7) months (reverse "
                                       "Kaplan–Meier, 95 % CI).")


# ---------------------------------------------------------------- Table 4 and ESM 5 frames


def test_specimen_table_layout_and_cells(demo):
    cohort, classification, _ = demo
    patients = cohort.patients.copy()
    patients.loc[patients.index[::3], "specimen_type"] = "surgical"
    comparison = specimen_comparison(patients, classification.is_homogeneous)
    table = specimen_table(comparison)
    assert table.columns.tolist() == ["Measure", "Group", "Biopsy specimens",
                                      "Surgical specimens"]
    assert table["Measure"].tolist() == ["Patients, n"] * 2 + ["mPFS, months (95 % CI)"] * 2 \
        + ["mOS, months (95 % CI)"] * 2
    assert table["Group"].tolist() == ["Homo-HER2", "Hetero-HER2"] * 3
    cell = table.iloc[2]["Surgical specimens"]
    assert cell == median_text(comparison.medians[("pfs", "surgical", HOMOGENEOUS)])
    n = table.iloc[0]
    assert int(n["Biopsy specimens"]) + int(n["Surgical specimens"]) == 34


def test_biopsy_count_points_are_what_the_spearman_test_used(demo):
    cohort, classification, analysis = demo
    points = biopsy_count_points(cohort, classification, "pfs")
    assert points.columns.tolist() == ["n_fragments", "months", "event", "group"]
    assert len(points) == 87
    correlation = analysis.endpoints["pfs"].biopsy_count
    homo = points[points["group"] == HOMOGENEOUS]
    assert len(homo) == correlation.homogeneous.n
    rho = pd.Series(homo["n_fragments"]).rank().corr(homo["months"].rank())
    assert rho == pytest.approx(correlation.homogeneous.rho)
    assert set(points["group"]) == {HOMOGENEOUS, HETEROGENEOUS}
    assert points["event"].dtype == np.bool_


def test_spearman_strings(demo):
    correlation = demo[2].endpoints["pfs"].biopsy_count
    assert spearman_text(correlation.homogeneous) == "ρ = −0.27, p = 0.129"
    table = spearman_table(correlation)
    assert table["Group"].tolist() == ["Homo-HER2", "Hetero-HER2", "All patients"]
    assert table["p"].tolist() == ["0.129", "0.243", "0.025"]
    assert spearman_text(Unavailable("x")) == "ρ not available"

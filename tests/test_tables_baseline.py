"""Table 1 display frame on the synthetic demo cohort, whose p-values equal the paper's."""

from __future__ import annotations

import pandas as pd
import pytest

from her2dash.analysis import analyze
from her2dash.baseline import baseline_table
from her2dash.covariates import covariate
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables.baseline import INDENT, baseline_frame

HET, HOM = "Hetero-HER2 n = 53", "Homo-HER2 n = 34"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    cohort, _ = load_demo()
    analysis = analyze(cohort, Settings())
    return baseline_frame(analysis.baseline, analysis.covariates)


def _heading(frame: pd.DataFrame, label: str) -> pd.Series:
    return frame.set_index("Characteristic").loc[label]


def test_columns_are_the_papers_group_headers(frame):
    assert list(frame.columns) == ["Characteristic", HET, HOM, "p value", "Test"]


# The paper's Table 1 p-values (Age: the ≥ 67 / < 67 split, as its counts show).
PAPER_P = {
    "Age group": "0.029", "Sex": "0.357", "ECOG PS": "0.481", "Primary tumour site": "0.335",
    "Histological type": "0.362", "Visceral metastasis": "1.000",
    "Previous gastrectomy": "1.000", "Platinum-based": "0.039", "Conversion surgery": "0.304",
    "Second-line chemotherapy": "1.000", "Beyond HER2-targeted therapy": "0.772",
    "HER2 status": "0.011", "CEA (ng/ml)": "0.498", "CA19-9 (U/ml)": "0.657",
}


@pytest.mark.parametrize("label", list(PAPER_P))
def test_p_values_equal_the_papers(frame, label):
    row = _heading(frame, label)
    assert row["p value"] == PAPER_P[label]
    assert row["Test"] == "Fisher's exact test (2×2)"
    assert row[HET] == "" and row[HOM] == ""  # the heading carries only the p and the test


def test_level_rows_follow_their_heading_with_n_and_percent(frame):
    i = frame.index[frame["Characteristic"] == "Platinum-based"][0]
    levels = frame.iloc[i + 1:i + 3]
    assert list(levels["Characteristic"]) == [INDENT + "yes", INDENT + "no"]
    # Paper: Yes 46 (86.8) / 34 (100); No 7 (13.2) / 0 (0.0).
    assert list(levels[HET]) == ["46 (86.8 %)", "7 (13.2 %)"]
    assert list(levels[HOM]) == ["34 (100.0 %)", "0 (0.0 %)"]
    assert list(levels["p value"]) == ["", ""]
    her2 = frame.index[frame["Characteristic"] == "HER2 status"][0]
    assert list(frame.iloc[her2 + 1:her2 + 3][HET]) == ["44 (83.0 %)", "9 (17.0 %)"]


def test_continuous_rows_are_median_and_iqr(frame):
    age = _heading(frame, "Age (years), median [IQR]")
    # Paper: medians 68 and 62.5. quantile(type = 7): 61–72 and 53.25–68.75.
    assert age[HET] == "68.0 [61.0–72.0]"
    assert age[HOM].startswith("62.5 [")
    assert age["p value"] == "0.009"
    assert age["Test"] == "Wilcoxon rank sum test with continuity correction"


def test_missing_values_get_their_own_row_and_labels_fall_back_to_the_column():
    frame_in = pd.DataFrame({"platinum": ["yes", "no", None, "yes", "no", "yes"],
                             "smoking": ["a", "b", "a", "b", "a", "b"]})
    table = baseline_table(frame_in, [True, True, True, False, False, False],
                           ["platinum", "smoking"])
    out = baseline_frame(table, (covariate("platinum"),))
    assert list(out["Characteristic"]) == [
        "Platinum-based", INDENT + "no", INDENT + "yes", INDENT + "missing",
        "smoking", INDENT + "a", INDENT + "b"]
    assert out.iloc[3][["Hetero-HER2 n = 3", "Homo-HER2 n = 3"]].tolist() == ["0", "1"]
    # Percentages are of the known values: 1 of 2 homogeneous patients.
    assert out.iloc[1]["Homo-HER2 n = 3"] == "1 (50.0 %)"

"""Analysis covariates (her2dash/covariates.py): the paper's groupings and reference levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2dash.covariates import covariate_frame
from her2dash.demo import load_demo


def test_age_group_is_67_and_over_versus_under_67_as_table_1_counts_show():
    # Table 1 prints "≥ 67" 44 and "< 66" 43: the split that gives those counts is at 67.
    cohort, _ = load_demo()
    frame, _ = covariate_frame(cohort.patients)
    assert frame["age_group"].value_counts().to_dict() == {"≥ 67": 44, "< 67": 43}
    assert list(frame["age_group"].cat.categories) == ["≥ 67", "< 67"]


def test_cuts_are_at_the_papers_values_inclusive_and_blank_stays_missing():
    patients = pd.DataFrame({"age": [66.9, 67.0, np.nan], "cea": [4.99, 5.0, 1.0],
                             "ca199": [37.0, 36.9, np.nan]}, index=["a", "b", "c"])
    frame, found = covariate_frame(patients)
    assert frame["age_group"].astype(object).tolist() == ["< 67", "≥ 67", np.nan]
    assert frame["cea_group"].astype(object).tolist() == ["< 5.0", "≥ 5.0", "< 5.0"]
    assert frame["ca199_group"].astype(object).tolist() == ["≥ 37.0", "< 37.0", np.nan]
    assert [c.name for c in found] == ["age", "age_group", "cea_group", "cea", "ca199_group",
                                       "ca199"]


def test_reference_levels_follow_table_2_and_absent_levels_are_dropped():
    patients = pd.DataFrame({
        "platinum": pd.array([True, False, True], dtype="boolean"),
        "visceral_metastasis": pd.array([True, None, False], dtype="boolean"),
        "ecog": ["1", "0", "0"],
    })
    frame, found = covariate_frame(patients)
    levels = {c.name: c.levels for c in found}
    assert levels == {"ecog": ("0", "1"), "visceral_metastasis": ("no", "yes"),
                      "platinum": ("yes", "no")}
    assert frame["visceral_metastasis"].astype(object).tolist() == ["yes", np.nan, "no"]


def test_user_columns_numeric_many_values_continuous_few_categorical_constant_dropped():
    patients = pd.DataFrame({"bmi": [18.5, 22.0, 25.5, 30.0, 19.0, 27.0],
                             "grade": [1.0, 2.0, 2.0, 1.0, 3.0, 1.0],
                             "smoking": ["never", "current", None, "never", "former", "never"],
                             "site_code": ["A"] * 6})
    frame, found = covariate_frame(patients, ["bmi", "grade", "smoking", "site_code", "nope"])
    kinds = {c.name: (c.kind, c.levels) for c in found}
    assert kinds == {"bmi": ("continuous", ()), "grade": ("categorical", ("1", "2", "3")),
                     "smoking": ("categorical", ("current", "former", "never"))}
    assert frame["grade"].astype(object).tolist() == ["1", "2", "2", "1", "3", "1"]
    assert all(c.user for c in found)

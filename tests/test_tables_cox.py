"""Cox page tables (her2dash/tables/cox.py) and the Cohort tables (her2dash/tables/cohort.py),
hand-checked on the synthetic demo: ``analyze(load_demo()[0], Settings())``."""

from __future__ import annotations

import pytest

from her2dash.analysis import analyze
from her2dash.classify import classify
from her2dash.cohort_summary import cohort_summary
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables import cohort as ct
from her2dash.tables import cox as t


@pytest.fixture(scope="module")
def demo():
    return load_demo()[0]


@pytest.fixture(scope="module")
def pfs(demo):
    a = analyze(demo, Settings())
    return a.endpoints["pfs"], t.covariate_labels(a.covariates)


def test_multivariable_table_is_table_2_with_reference_rows(pfs):
    # Demo: HR 0.45105 (0.26771–0.75997), p 0.00278; age < 67 1.5987 (0.9761–2.6183), p 0.0623;
    # no platinum 6.5795 (2.6397–16.3994), p 5.3e-5. Reference n = 87 − the level's n.
    result, labels = pfs
    table = t.multivariable_table(result.multivariable, labels)
    assert list(table.columns) == ["Covariate", "Level (n)", "HR (95 % CI)", "p"]
    assert table.values.tolist() == [
        ["HER2 group", "Hetero-HER2 (53)", "1 (reference)", ""],
        ["", "Homo-HER2 (34)", "0.45 (0.27–0.76)", "0.003"],
        ["Age group", "≥ 67 (44)", "1 (reference)", ""],
        ["", "< 67 (43)", "1.60 (0.98–2.62)", "0.062"],
        ["Platinum-based", "yes (80)", "1 (reference)", ""],
        ["", "no (7)", "6.58 (2.64–16.40)", "< 0.001"],
    ]


def test_hazard_ratio_table_unadjusted_and_stratified(pfs):
    result, labels = pfs
    table = t.hazard_ratio_table(result, labels)
    assert table["Model"].tolist() == ["Unadjusted", "Stratified by age group, platinum-based"]
    # The paper's HR 0.47 (0.29–0.77), p = 0.003; the demo's Wald p is 0.00241.
    assert table["HR (95 % CI)"].tolist() == ["0.47 (0.29–0.77)", "0.46 (0.27–0.78)"]
    assert table["Wald p"].tolist() == ["0.002", "0.004"]
    assert table["Patients (events)"].tolist() == ["87 (78)", "87 (78)"]


def test_no_adjustment_shows_the_reason(demo):
    a = analyze(demo, Settings(cox_covariates=()))
    table = t.hazard_ratio_table(a.endpoints["pfs"], t.covariate_labels(a.covariates))
    stratified = table.iloc[1]
    assert stratified["HR (95 % CI)"] == "–"
    assert stratified["Note"] == "no adjustment covariates chosen"


def test_univariable_table_lists_every_model_and_the_unavailable_reason(pfs):
    result, labels = pfs
    table = t.univariable_table(result.univariable, labels)
    assert len(table) == sum(1 if not hasattr(m, "terms") else len(m.terms)
                             for m in result.univariable.values())
    platinum = table[table["Covariate"] == "Platinum-based"].iloc[0]
    assert (platinum["Level vs reference"], platinum["n"], platinum["HR (95 % CI)"],
            platinum["Wald p"]) == ("no vs yes", "7", "6.73 (2.83–16.01)", "< 0.001")
    age = table[table["Covariate"] == "Age (years)"].iloc[0]
    assert (age["Level vs reference"], age["n"], age["HR (95 % CI)"]) == (
        "per unit", "–", "0.99 (0.97–1.02)")
    # No events among the conversion-surgery patients: monotone likelihood, R's "may be
    # infinite" warning; the row says so instead of a huge HR.
    conv = table[table["Covariate"] == "Conversion surgery"].iloc[0]
    assert conv["HR (95 % CI)"] == "–"
    assert conv["Note"].startswith("not estimable: no events in conversion_surgery = yes")


def test_ph_table_and_sentence(pfs):
    # cox.zph of the demo's Table 2 model: chisq 0.133 / 1.445 / 0.989, GLOBAL 2.190 on 3 df.
    result, labels = pfs
    ph = result.proportional_hazards
    table = t.ph_table(ph, labels)
    assert table.values.tolist() == [
        ["HER2 group", "0.13", "1", "0.715"],
        ["Age group", "1.44", "1", "0.229"],
        ["Platinum-based", "0.99", "1", "0.320"],
        ["GLOBAL", "2.19", "3", "0.534"],
    ]
    assert t.ph_sentence(ph, labels) == (
        "No term has p < 0.05 (global p = 0.534): no evidence against proportional hazards.")


def test_global_tests_caption(pfs):
    caption = t.global_tests_caption(pfs[0].multivariable)
    assert caption.startswith("Global tests: likelihood ratio χ² = 23.57 on 3 df, p < 0.001; "
                              "Wald χ² = 27.17 on 3 df, p < 0.001; score (log-rank) χ² = 34.22")
    assert "n = 87, 78 events, efron ties" in caption


def test_forest_labels(pfs):
    result, labels = pfs
    assert [t.term_label(x, labels) for x in result.multivariable.terms] == [
        "HER2 group: Homo-HER2 vs Hetero-HER2", "Age group: < 67 vs ≥ 67",
        "Platinum-based: no vs yes"]


def test_cohort_rate_and_fragment_tables(demo):
    cl = classify(demo, Settings())
    s = cohort_summary(cl)
    heading, detail = ct.heterogeneity_rate_text(s.heterogeneity_rate)
    assert heading == "Heterogeneity rate 60.9 %"
    assert detail.startswith("53 of 87 included patients are Hetero-HER2; 95 % CI 49.9–71.2 %")
    table = ct.fragment_count_table(s)
    assert table.iloc[0].tolist() == ["Tumour", "5 (1–8)", "4 (1–8)", "4 (1–8)", "4 (1–8)"]
    assert table["All patients"].tolist() == ["4 (1–8)", "3 (1–8)", "2 (0–5)"]


def test_classification_table_covers_every_patient(demo):
    cl = classify(demo, Settings(max_fragments=4))
    table = ct.classification_table(cl)
    assert len(table) == 87
    assert (table["Group"] == "excluded").sum() == cl.n_excluded
    assert table.loc[table["Group"] == "excluded", "Excluded because"].str.contains(
        "outside the biopsy-count filter").all()

"""Checks of the committed SYNTHETIC demo cohort (data/demo/*.csv) against the seed paper.

The CSVs are read with plain pandas, so these tests do not depend on the her2dash loaders.
Counts from Table 1 and Table 3 of Yagi et al. (Gastric Cancer 2019) must match exactly;
survival only approximately (the tolerances of the demo's specification).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"

PATIENT_COLUMNS = [
    "patient_id",
    "pfs_months",
    "pfs_event",
    "os_months",
    "os_event",
    "best_response",
    "best_pct_change",
    "specimen_type",
    "age",
    "sex",
    "ecog",
    "primary_site",
    "histology",
    "visceral_metastasis",
    "previous_gastrectomy",
    "platinum",
    "conversion_surgery",
    "second_line",
    "beyond_her2",
    "her2_status",
    "cea",
    "ca199",
]
FRAGMENT_COLUMNS = ["patient_id", "fragment_id", "tumor_present", "ihc_score", "pct_positive"]
OPTIONAL_FRAGMENT_COLUMNS = ["pct_1plus", "pct_2plus", "pct_3plus", "tumor_cells", "ish_ratio",
                             "ish_status", "ish_pct_amplified", "her2_copy_number", "timepoint"]
YES_NO = [
    "visceral_metastasis",
    "previous_gastrectomy",
    "platinum",
    "conversion_surgery",
    "second_line",
    "beyond_her2",
]


def _load_generator() -> ModuleType:
    # data/ is not a package: import the script from its path.
    path = ROOT / "data" / "generate_demo.py"
    spec = importlib.util.spec_from_file_location("her2dash_generate_demo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    return pd.read_csv(DEMO / "patients.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def fragments() -> pd.DataFrame:
    return pd.read_csv(DEMO / "fragments.csv", dtype={"ihc_score": str})


@pytest.fixture(scope="module")
def cohort(patients: pd.DataFrame, fragments: pd.DataFrame) -> pd.DataFrame:
    """Patients with a ``homo`` column (paper rule: every tumour fragment at 100 %)."""
    tumour = fragments[fragments["tumor_present"] == 1]
    full = tumour.groupby("patient_id")["pct_positive"].min().eq(100)
    out = patients.copy()
    out["homo"] = out["patient_id"].map(full).astype(bool)
    return out


def _count(df: pd.DataFrame, mask: pd.Series) -> tuple[int, int]:
    """(heterogeneous, homogeneous) counts of ``mask``."""
    return int((mask & ~df["homo"]).sum()), int((mask & df["homo"]).sum())


# ------------------------------------------------------------------------------ layout


def test_columns_and_values(patients: pd.DataFrame, fragments: pd.DataFrame) -> None:
    assert list(patients.columns) == PATIENT_COLUMNS
    assert list(fragments.columns) == FRAGMENT_COLUMNS + OPTIONAL_FRAGMENT_COLUMNS
    assert len(patients) == 87
    assert patients["patient_id"].is_unique
    assert patients["patient_id"].str.fullmatch(r"SYN-\d{3}").all()
    assert set(patients["pfs_event"]) <= {0, 1} and set(patients["os_event"]) <= {0, 1}
    assert set(patients["best_response"]) == {"CR", "PR", "SD", "PD", "NE"}
    for col in YES_NO:
        assert set(patients[col]) <= {"yes", "no"}, col
    assert set(patients["sex"]) == {"M", "F"}
    assert set(patients["ecog"]) == {0, 1}
    assert set(patients["primary_site"]) == {"EGJ", "stomach"}
    assert set(patients["histology"]) == {"differentiated", "undifferentiated"}
    assert set(patients["her2_status"]) == {"IHC3+", "IHC2+FISH+"}
    assert set(patients["specimen_type"]) == {"biopsy"}
    for col in ("pfs_months", "os_months"):
        assert (patients[col] >= 0).all()
        assert np.allclose(patients[col], patients[col].round(2))
    assert (patients["cea"] > 0).all() and (patients["ca199"] > 0).all()
    # PFS can never be longer than OS; a PFS event at the OS time is a death.
    assert (patients["pfs_months"] <= patients["os_months"]).all()
    death_first = patients["pfs_months"].eq(patients["os_months"]) & patients["pfs_event"].eq(1)
    assert (patients.loc[death_first, "os_event"] == 1).all()
    assert set(fragments["patient_id"]) == set(patients["patient_id"])
    assert not fragments.duplicated(["patient_id", "fragment_id"]).any()
    assert fragments["fragment_id"].str.fullmatch(r"F[1-8]").all()


def test_group_sizes(cohort: pd.DataFrame) -> None:
    assert int((~cohort["homo"]).sum()) == 53
    assert int(cohort["homo"].sum()) == 34


# ------------------------------------------------------------------------------ Table 1

TABLE1 = [
    ("age >= 67", lambda d: d["age"] >= 67, (32, 12)),
    ("age < 67", lambda d: d["age"] < 67, (21, 22)),
    ("male", lambda d: d["sex"] == "M", (37, 20)),
    ("female", lambda d: d["sex"] == "F", (16, 14)),
    ("ECOG 0", lambda d: d["ecog"] == 0, (34, 25)),
    ("ECOG 1", lambda d: d["ecog"] == 1, (19, 9)),
    ("EGJ", lambda d: d["primary_site"] == "EGJ", (13, 12)),
    ("stomach", lambda d: d["primary_site"] == "stomach", (40, 22)),
    ("differentiated", lambda d: d["histology"] == "differentiated", (31, 24)),
    ("undifferentiated", lambda d: d["histology"] == "undifferentiated", (22, 10)),
    ("visceral metastasis", lambda d: d["visceral_metastasis"] == "yes", (28, 18)),
    ("previous gastrectomy", lambda d: d["previous_gastrectomy"] == "yes", (17, 11)),
    ("platinum", lambda d: d["platinum"] == "yes", (46, 34)),
    ("conversion surgery", lambda d: d["conversion_surgery"] == "yes", (4, 5)),
    ("second line", lambda d: d["second_line"] == "yes", (40, 25)),
    ("beyond HER2", lambda d: d["beyond_her2"] == "yes", (8, 6)),
    ("IHC3+", lambda d: d["her2_status"] == "IHC3+", (44, 34)),
    ("IHC2+FISH+", lambda d: d["her2_status"] == "IHC2+FISH+", (9, 0)),
    ("CEA >= 5.0", lambda d: d["cea"] >= 5.0, (31, 23)),
    ("CA19-9 >= 37.0", lambda d: d["ca199"] >= 37.0, (29, 21)),
]


@pytest.mark.parametrize(("label", "rule", "expected"), TABLE1, ids=[t[0] for t in TABLE1])
def test_table1_counts(cohort: pd.DataFrame, label: str, rule, expected: tuple[int, int]) -> None:
    assert _count(cohort, rule(cohort)) == expected, label


def test_age_medians(cohort: pd.DataFrame) -> None:
    assert cohort.loc[~cohort["homo"], "age"].median() == 68
    assert cohort.loc[cohort["homo"], "age"].median() == 62.5


def test_platinum_omitted_only_in_older_patients(cohort: pd.DataFrame) -> None:
    # The paper: seven patients received no platinum "because of old age".
    assert (cohort.loc[cohort["platinum"] == "no", "age"] >= 67).all()


def test_beyond_her2_within_second_line(cohort: pd.DataFrame) -> None:
    assert (cohort.loc[cohort["beyond_her2"] == "yes", "second_line"] == "yes").all()


# ------------------------------------------------------------------------------ Table 3


def test_table3_response_counts(cohort: pd.DataFrame) -> None:
    for response, expected in {
        "CR": (1, 4),
        "PR": (24, 19),
        "SD": (11, 2),
        "PD": (7, 2),
        "NE": (10, 7),
    }.items():
        assert _count(cohort, cohort["best_response"] == response) == expected, response


def test_best_pct_change_recist(cohort: pd.DataFrame) -> None:
    change, response = cohort["best_pct_change"], cohort["best_response"]
    assert change[response == "NE"].isna().all()
    assert change[response != "NE"].notna().all()
    assert (change.dropna() >= -100).all()
    assert np.allclose(change.dropna(), change.dropna().round(1))
    assert (change[response == "CR"] == -100).all()
    assert (change[response == "PR"] <= -30).all()
    sd = change[response == "SD"]
    assert ((sd > -30) & (sd < 20)).all()
    assert (change[response == "PD"] >= 20).mean() >= 0.8


def test_best_pct_change_medians(cohort: pd.DataFrame) -> None:
    homo = cohort.loc[cohort["homo"], "best_pct_change"].dropna()
    hetero = cohort.loc[~cohort["homo"], "best_pct_change"].dropna()
    assert abs(homo.median() - (-49.0)) <= 5
    assert abs(hetero.median() - (-40.0)) <= 5
    # IQRs near the paper's (-76.0 to -32.5 vs -55.0 to -2.0).
    q1, q3 = np.percentile(homo, [25, 75])
    assert abs(q1 - (-76.0)) <= 5 and abs(q3 - (-32.5)) <= 5
    q1, q3 = np.percentile(hetero, [25, 75])
    assert abs(q1 - (-55.0)) <= 5 and abs(q3 - (-2.0)) <= 5


# ------------------------------------------------------------------------------ fragments


def test_fragment_counts(fragments: pd.DataFrame) -> None:
    tumour = fragments[fragments["tumor_present"] == 1]
    per = tumour.groupby("patient_id")
    n_tumour = per.size()
    assert len(n_tumour) == 87
    assert n_tumour.median() == 4
    assert n_tumour.min() == 1 and n_tumour.max() == 8
    assert per["ihc_score"].apply(lambda s: s.isin(["2+", "3+"]).sum()).median() == 3
    assert per["ihc_score"].apply(lambda s: (s == "3+").sum()).median() == 2
    # Some fragments contain no tumour cells (and carry no HER2 staining).
    empty = fragments[fragments["tumor_present"] == 0]
    assert 0 < empty["patient_id"].nunique() < 87
    assert (empty["ihc_score"] == "0").all() and (empty["pct_positive"] == 0).all()


def test_fragment_consistency(cohort: pd.DataFrame, fragments: pd.DataFrame) -> None:
    assert set(fragments["tumor_present"]) == {0, 1}
    assert set(fragments["ihc_score"]) == {"0", "1+", "2+", "3+"}
    assert fragments["pct_positive"].between(0, 100).all()
    negative = fragments["ihc_score"].isin(["0", "1+"])
    assert (fragments.loc[negative, "pct_positive"] == 0).all()
    assert fragments.loc[~negative, "pct_positive"].between(1, 100).all()

    tumour = fragments[fragments["tumor_present"] == 1].merge(
        cohort[["patient_id", "homo", "her2_status"]], on="patient_id"
    )
    homo = tumour[tumour["homo"]]
    assert homo["ihc_score"].isin(["2+", "3+"]).all() and (homo["pct_positive"] == 100).all()
    n3 = tumour.groupby("patient_id")["ihc_score"].apply(lambda s: (s == "3+").sum())
    status = cohort.set_index("patient_id")["her2_status"]
    assert (n3[status[status == "IHC3+"].index] >= 1).all()
    assert (n3[status[status == "IHC2+FISH+"].index] == 0).all()
    # Every patient is HER2 positive: at least one 2+/3+ tumour fragment.
    n_pos = tumour.groupby("patient_id")["ihc_score"].apply(lambda s: s.isin(["2+", "3+"]).sum())
    assert (n_pos >= 1).all()


def test_heterogeneous_levels_spread(cohort: pd.DataFrame, fragments: pd.DataFrame) -> None:
    tumour = fragments[fragments["tumor_present"] == 1]
    hetero_ids = cohort.loc[~cohort["homo"], "patient_id"]
    hetero = tumour[tumour["patient_id"].isin(hetero_ids)]
    partial = hetero.loc[hetero["ihc_score"].isin(["2+", "3+"]), "pct_positive"]
    partial = partial[partial < 100]
    assert partial.nunique() >= 8
    assert partial.min() <= 20 and partial.max() >= 90
    assert (hetero["ihc_score"].isin(["0", "1+"])).sum() >= 20

    per = tumour.groupby("patient_id")
    base = per["pct_positive"].min() >= 100
    alternatives = {
        "every-fragment 50": per["pct_positive"].min() >= 50,
        "every-fragment 80": per["pct_positive"].min() >= 80,
        "pooled 80": per["pct_positive"].mean() >= 80,
        "pooled 50": per["pct_positive"].mean() >= 50,
        "fragment-share 100": per["ihc_score"].apply(lambda s: s.isin(["2+", "3+"]).mean()) >= 1,
        "fragment-share 50": per["ihc_score"].apply(lambda s: s.isin(["2+", "3+"]).mean()) >= 0.5,
    }
    for name, rule in alternatives.items():
        moved = int((rule != base).sum())
        assert 0 < moved < 53, name


# ------------------------------------------------------------------------------ survival

PAPER_MEDIANS = {
    ("pfs", "homo"): 10.8,
    ("pfs", "hetero"): 6.1,
    ("os", "homo"): 29.3,
    ("os", "hetero"): 14.4,
    ("pfs", "all"): 7.6,
    ("os", "all"): 17.8,
}


@pytest.mark.parametrize(("endpoint", "group"), list(PAPER_MEDIANS))
def test_km_medians_near_paper(cohort: pd.DataFrame, endpoint: str, group: str) -> None:
    from lifelines import KaplanMeierFitter

    masks = {"homo": cohort["homo"], "hetero": ~cohort["homo"]}
    sub = cohort[masks[group]] if group in masks else cohort
    km = KaplanMeierFitter().fit(sub[f"{endpoint}_months"], sub[f"{endpoint}_event"])
    paper = PAPER_MEDIANS[(endpoint, group)]
    assert abs(km.median_survival_time_ - paper) <= 0.15 * paper


@pytest.mark.parametrize(("endpoint", "lo", "hi"), [("pfs", 0.38, 0.58), ("os", 0.27, 0.45)])
def test_cox_hr_and_logrank(cohort: pd.DataFrame, endpoint: str, lo: float, hi: float) -> None:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    df = pd.DataFrame(
        {
            "t": cohort[f"{endpoint}_months"],
            "e": cohort[f"{endpoint}_event"],
            "homo": cohort["homo"].astype(float),
        }
    )
    hr = float(np.exp(CoxPHFitter().fit(df, "t", "e").params_["homo"]))
    assert lo <= hr <= hi
    h, o = df[df["homo"] == 1], df[df["homo"] == 0]
    assert logrank_test(h["t"], o["t"], h["e"], o["e"]).p_value < 0.05


def test_conversion_surgery_censors_pfs(cohort: pd.DataFrame) -> None:
    conv = cohort[cohort["conversion_surgery"] == "yes"]
    assert (conv["pfs_event"] == 0).all()
    assert conv["best_response"].isin(["CR", "PR"]).all()


def test_follow_up_within_study_window(cohort: pd.DataFrame) -> None:
    # Therapy started March 2011 - March 2016, cut-off 31 March 2018: at most ~85 months.
    assert cohort["os_months"].max() <= 85.0
    alive = cohort[cohort["os_event"] == 0]
    # Most censored patients reached the administrative cut-off (>= ~24 months of follow-up).
    assert (alive["os_months"] >= 24).mean() >= 0.6


def test_responders_tend_to_longer_pfs(cohort: pd.DataFrame) -> None:
    pfs = cohort.groupby(cohort["best_response"].isin(["CR", "PR"]))["pfs_months"].median()
    assert pfs[True] > pfs[False]


# ------------------------------------------------------------------------------ optional columns


def test_intensity_shares_agree_with_score_and_pct_positive(fragments: pd.DataFrame) -> None:
    tumour = fragments[fragments["tumor_present"] == 1]
    shares = tumour[["pct_1plus", "pct_2plus", "pct_3plus"]]
    assert shares.notna().all().all()
    assert (shares % 5 == 0).all().all()  # pathologists' 5 % steps, as pct_positive
    assert (tumour["pct_2plus"] + tumour["pct_3plus"] == tumour["pct_positive"]).all()
    assert (shares.sum(axis=1) <= 100).all()
    by_score = tumour.groupby("ihc_score")
    assert (by_score["pct_3plus"].min()["3+"]) >= 10
    assert by_score["pct_3plus"].max()[["0", "1+", "2+"]].eq(0).all()
    assert by_score["pct_2plus"].max()[["0", "1+"]].eq(0).all()
    assert by_score["pct_1plus"].min()["1+"] >= 10 and by_score["pct_1plus"].max()["0"] <= 5
    free = fragments[fragments["tumor_present"] == 0]
    assert free[["pct_1plus", "pct_2plus", "pct_3plus"]].isna().all().all()
    assert (free["tumor_cells"] == 0).all()


def test_tumour_cells_are_plausible_counts(fragments: pd.DataFrame) -> None:
    cells = fragments.loc[fragments["tumor_present"] == 1, "tumor_cells"]
    assert cells.between(50, 3000).all() and 250 <= cells.median() <= 600


def test_ish_on_2plus_and_some_3plus_amplified_mostly_in_fish_positive(
        cohort: pd.DataFrame, fragments: pd.DataFrame) -> None:
    tested = fragments["ish_ratio"].notna()
    assert (tested == fragments["ish_status"].notna()).all()
    assert (tested == fragments["her2_copy_number"].notna()).all()
    assert tested[fragments["ihc_score"] == "2+"].all()
    assert 0.1 < tested[fragments["ihc_score"] == "3+"].mean() < 0.6
    assert not tested[fragments["ihc_score"].isin(["0", "1+"])].any()
    amplified = fragments["ish_status"] == "amplified"
    assert (amplified[tested] == (fragments.loc[tested, "ish_ratio"] >= 2.0)).all()
    assert fragments.loc[tested, "ish_pct_amplified"].between(0, 100).all()
    status = fragments["patient_id"].map(cohort.set_index("patient_id")["her2_status"])
    fish_2plus = tested & (status == "IHC2+FISH+") & (fragments["ihc_score"] == "2+")
    assert amplified[fish_2plus].mean() >= 0.7
    per_patient = amplified.groupby(fragments["patient_id"]).any()
    fish_ids = cohort.loc[cohort["her2_status"] == "IHC2+FISH+", "patient_id"]
    assert per_patient[fish_ids].all()  # each IHC2+FISH+ patient has an amplified fragment


def test_every_fragment_is_a_baseline_biopsy(fragments: pd.DataFrame) -> None:
    assert set(fragments["timepoint"]) == {"baseline"}


# SHA-256 of data/demo/fragments.csv as committed before the optional columns were added
# (7100c7a): the published columns must stay byte for byte what every count was checked on.
PUBLISHED_FRAGMENTS_SHA256 = "06dc6a7ca47ff98f58ae9ebf2a71ae5d715f79de6739bf4771a727fc86cbdd78"


def test_optional_columns_leave_the_published_columns_unchanged() -> None:
    import hashlib

    frame = pd.read_csv(DEMO / "fragments.csv", dtype=str, keep_default_na=False)
    text = frame[FRAGMENT_COLUMNS].to_csv(index=False, lineterminator="\n")
    assert hashlib.sha256(text.encode()).hexdigest() == PUBLISHED_FRAGMENTS_SHA256


def test_demo_loads_with_its_optional_columns_and_no_warning() -> None:
    from her2dash.cohort import OPTIONAL_FRAGMENT_FIELDS
    from her2dash.demo import load_demo

    cohort, report = load_demo()
    assert not report.errors and not report.warnings
    present = [c for c in OPTIONAL_FRAGMENT_FIELDS if c in cohort.fragments.columns]
    assert present == ["pct_1plus", "pct_2plus", "pct_3plus", "tumor_cells", "ish_ratio",
                       "ish_pct_amplified", "her2_copy_number", "ish_status", "timepoint"]
    assert str(cohort.fragments["ish_status"].dtype) == "boolean"


# ------------------------------------------------------------------------------ generator


def test_demo_regenerates_byte_identical(gen: ModuleType) -> None:
    patients, fragments = gen.demo_cohort()
    p_text, f_text = gen.cohort_csv_text(patients, fragments)
    assert p_text == (DEMO / "patients.csv").read_text(encoding="utf-8")
    assert f_text == (DEMO / "fragments.csv").read_text(encoding="utf-8")


def test_large_generator_shape_and_proportions(gen: ModuleType) -> None:
    patients, fragments = gen.generate(1000, seed=3)
    assert list(patients.columns) == PATIENT_COLUMNS
    assert list(fragments.columns) == FRAGMENT_COLUMNS
    assert len(patients) == 1000 and patients["patient_id"].is_unique
    assert set(fragments["patient_id"]) == set(patients["patient_id"])

    tumour = fragments[fragments["tumor_present"] == 1]
    n_tumour = tumour.groupby("patient_id").size()
    assert n_tumour.min() >= 1 and n_tumour.max() <= 8
    assert 3.5 <= n_tumour.mean() <= 5.0 and n_tumour.median() == 4
    homo = tumour.groupby("patient_id")["pct_positive"].min().eq(100)
    assert 0.33 <= homo.mean() <= 0.45
    assert (patients["pfs_months"] <= patients["os_months"]).all()
    assert 0.85 <= (patients["platinum"] == "yes").mean() <= 0.97
    assert 0.75 <= (patients["best_response"] != "NE").mean() <= 0.87
    assert set(patients["best_response"]) == {"CR", "PR", "SD", "PD", "NE"}
    ne = patients["best_response"] == "NE"
    assert patients.loc[ne, "best_pct_change"].isna().all()
    assert patients.loc[~ne, "best_pct_change"].notna().all()
    negative = fragments["ihc_score"].isin(["0", "1+"])
    assert (fragments.loc[negative, "pct_positive"] == 0).all()
    assert fragments.loc[~negative, "pct_positive"].between(1, 100).all()

"""Classification rules at their edges, cross-checked against a naive per-patient reference."""

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import classify, patient_features
from her2dash.cohort import Cohort
from her2dash.settings import Settings


def make_cohort(fragments: list[tuple[str, str, int, float, bool]],
                patients: dict[str, dict] | None = None) -> Cohort:
    """Fragments as (patient, score label, tumour 0/1, pct, pct defaulted) tuples."""
    frame = pd.DataFrame(fragments, columns=["patient_id", "score", "tumor_present",
                                             "pct_positive", "pct_defaulted"])
    frame["fragment_id"] = "F" + (frame.groupby("patient_id").cumcount() + 1).astype(str)
    frame["ihc_score"] = frame.pop("score").map({"0": 0, "1+": 1, "2+": 2, "3+": 3}).astype(np.int8)
    frame["tumor_present"] = frame["tumor_present"].astype(bool)
    ids = list(dict.fromkeys(frame["patient_id"]))
    pats = pd.DataFrame(index=pd.Index(ids, name="patient_id"))
    for pid, values in (patients or {}).items():
        for k, v in values.items():
            pats.loc[pid, k] = v
    return Cohort(pats, frame[["patient_id", "fragment_id", "tumor_present", "ihc_score",
                               "pct_positive", "pct_defaulted"]])


# A: every fragment 100 % -> homogeneous at 100. B: one fragment at 60 %. C: a 1+ fragment.
# D: its only 0 % fragment has no tumour (ignored) -> homogeneous. E: pooled mean of 30.0, 30.3
# and 30.9 is 30.4, which floating point computes as 30.399999999999995: must count as at it.
FRAGS = [
    ("A", "3+", 1, 100, False), ("A", "2+", 1, 100, False), ("A", "3+", 1, 100, False),
    ("B", "3+", 1, 100, False), ("B", "2+", 1, 60, False), ("B", "3+", 1, 100, False),
    ("B", "3+", 1, 100, False),
    ("C", "3+", 1, 100, False), ("C", "1+", 1, 0, False),
    ("D", "3+", 1, 100, False), ("D", "0", 0, 0, False),
    ("E", "2+", 1, 30.0, False), ("E", "3+", 1, 30.3, False), ("E", "3+", 1, 30.9, False),
]


def groups(cohort: Cohort, **settings) -> dict[str, str]:
    return classify(cohort, Settings(**settings)).per_patient["group"].to_dict()


def test_every_fragment_at_the_papers_100_percent():
    g = groups(make_cohort(FRAGS))
    assert g == {"A": "homogeneous", "B": "heterogeneous", "C": "heterogeneous",
                 "D": "homogeneous", "E": "heterogeneous"}


@pytest.mark.parametrize(("cutoff", "b_group"), [(60.0, "homogeneous"), (60.5, "heterogeneous"),
                                                 (59.5, "homogeneous")])
def test_every_fragment_exactly_at_the_cutoff_is_homogeneous(cutoff, b_group):
    assert groups(make_cohort(FRAGS), cutoff_pct=cutoff)["B"] == b_group


def test_pooled_mean_exactly_at_cutoff_despite_floating_point():
    assert (30.0 + 30.3 + 30.9) / 3 < 30.4  # the trap the tolerance exists for
    g = groups(make_cohort(FRAGS), rule="pooled", cutoff_pct=30.4)
    assert g["E"] == "homogeneous"
    assert g["C"] == "homogeneous"  # (100 + 0) / 2 = 50
    assert groups(make_cohort(FRAGS), rule="pooled", cutoff_pct=30.41)["E"] == "heterogeneous"
    g90 = groups(make_cohort(FRAGS), rule="pooled", cutoff_pct=90.0)
    assert g90["B"] == "homogeneous" and g90["C"] == "heterogeneous"  # B: 360 / 4 = 90


def test_fragment_share_counts_positive_fragments():
    # C: one of two tumour fragments is 2+/3+ -> 50 %; D: its non-tumour 0 does not count.
    g = groups(make_cohort(FRAGS), rule="fragment-share", cutoff_pct=50.0)
    assert g["C"] == "homogeneous" and g["D"] == "homogeneous"
    assert groups(make_cohort(FRAGS), rule="fragment-share", cutoff_pct=50.1)["C"] == (
        "heterogeneous")


def test_features_ignore_fragments_without_tumour():
    f = patient_features(make_cohort(FRAGS)).loc["D"]
    assert (f.n_fragments, f.n_positive, f.min_pct, f.mean_pct, f.share_positive_pct) == (
        1, 1, 100.0, 100.0, 100.0)


def test_positivity_3plus_counts_2plus_fragments_as_negative():
    cohort = make_cohort(FRAGS)
    f = patient_features(cohort, "3+")
    assert f.loc["A", "n_positive"] == 2 and f.loc["A", "min_pct"] == 0.0
    assert f.loc["E", "mean_pct"] == pytest.approx((0 + 30.3 + 30.9) / 3)
    g = groups(cohort, positivity="3+")
    assert g["A"] == "heterogeneous" and g["D"] == "homogeneous"


def test_blank_pct_defaults_by_score_reach_the_rules():
    # Blank % positive was filled at validation: 100 for 2+/3+, 0 for 0/1+ (pct_defaulted).
    cohort = make_cohort([("P", "3+", 1, 100, True), ("P", "2+", 1, 100, True),
                          ("Q", "3+", 1, 100, True), ("Q", "1+", 1, 0, True)])
    assert groups(cohort) == {"P": "homogeneous", "Q": "heterogeneous"}


def test_cutoff_zero_makes_everyone_homogeneous():
    assert set(groups(make_cohort(FRAGS), cutoff_pct=0.0).values()) == {"homogeneous"}


def test_biopsy_count_filter_excludes_with_a_reason():
    result = classify(make_cohort(FRAGS), Settings(min_fragments=3, max_fragments=3))
    pp = result.per_patient
    assert pp.loc["A", "included"] and pp.loc["E", "included"]
    assert not pp.loc["B", "included"]
    assert pp.loc["B", "exclusion_reason"] == (
        "4 tumour-containing fragment(s), outside the biopsy-count filter 3–3")
    assert pp.loc["D", "exclusion_reason"] == (
        "1 tumour-containing fragment(s), outside the biopsy-count filter 3–3")
    assert (result.n_homogeneous, result.n_heterogeneous, result.n_excluded) == (1, 1, 3)
    assert pp.loc["B", "group"] == ""


def test_cohort_filter_and_unknown_filter_column():
    cohort = make_cohort(FRAGS, {"A": {"platinum": True}, "B": {"platinum": False},
                                 "C": {"platinum": True}, "D": {"platinum": True}})
    cohort.patients["platinum"] = cohort.patients["platinum"].astype("boolean")
    result = classify(cohort, Settings().with_filter("platinum", ("yes",))
                      .with_filter("ecog", ("0",)))
    pp = result.per_patient
    assert pp["included"].to_dict() == {"A": True, "B": False, "C": True, "D": True, "E": False}
    assert pp.loc["B", "exclusion_reason"] == "platinum is no, filter keeps yes"
    assert pp.loc["E", "exclusion_reason"] == "platinum is blank, filter keeps yes"
    assert result.notes == ("filter on 'ecog' ignored: the cohort has no such column",)


def _naive_groups(cohort: Cohort, rule: str, cutoff: float, positivity: str) -> dict[str, str]:
    """Per-patient loop reference for the vectorised engine."""
    out = {}
    threshold = 3 if positivity == "3+" else 2
    for pid, frags in cohort.fragments.groupby("patient_id"):
        t = frags[frags["tumor_present"]]
        pct = [p if (positivity == "2+" or s >= 3) else 0.0
               for p, s in zip(t["pct_positive"], t["ihc_score"], strict=True)]
        value = {"every-fragment": min(pct), "pooled": sum(pct) / len(pct),
                 "fragment-share": 100 * sum(s >= threshold for s in t["ihc_score"]) / len(t)}
        out[pid] = "homogeneous" if value[rule] >= cutoff - 1e-9 else "heterogeneous"
    return out


def test_vectorised_engine_matches_naive_reference_on_random_cohorts():
    rng = np.random.default_rng(7)
    rows = []
    for p in range(300):
        for _ in range(rng.integers(1, 9)):
            score = ["0", "1+", "2+", "3+"][rng.integers(0, 4)]
            pct = 0.0 if score in ("0", "1+") else float(rng.choice([10, 50, 80, 95, 100]))
            rows.append((f"P{p}", score, int(rng.random() > 0.1), pct, False))
    rows += [(f"P{p}", "3+", 1, 100.0, False) for p in range(300)]  # one tumour fragment each
    cohort = make_cohort(rows)
    for rule in ("every-fragment", "pooled", "fragment-share"):
        for positivity in ("2+", "3+"):
            for cutoff in (0.0, 30.0, 50.0, 80.0, 100.0):
                got = groups(cohort, rule=rule, cutoff_pct=cutoff, positivity=positivity)
                assert got == _naive_groups(cohort, rule, cutoff, positivity), (rule, cutoff)


def test_filter_options_offer_categorical_columns_with_their_labels():
    from her2dash.classify import filter_options
    from her2dash.demo import load_demo

    cohort, _ = load_demo()
    options = filter_options(cohort)
    assert options["platinum"] == ("no", "yes")
    assert options["sex"] == ("F", "M")
    assert options["primary_site"] == ("EGJ", "stomach")
    assert "age" not in options and "best_response" not in options
    assert "specimen_type" not in options  # one value only in the demo: nothing to filter

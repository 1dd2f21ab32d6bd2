"""The patient view's call (her2dash/patient.py): reasons in words for hand-made patients,
agreement with the cohort classification, and the cutoff at which a patient flips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, classify
from her2dash.demo import load_demo
from her2dash.patient import (
    PatientCall,
    classification_strip,
    classify_patient,
    patient_fragments,
    patient_ids,
)
from her2dash.results import Unavailable
from her2dash.settings import RULES, Settings


def _frags(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["fragment_id", "tumor_present", "ihc_score",
                                             "pct_positive"])


# Four tumour fragments: F3 at 60 % is the only one short of 100 %; mean 87.5 %; all 2+/3+.
FOUR = _frags(("F1", True, "3+", 100.0), ("F2", True, "2+", 100.0), ("F3", True, "2+", 60.0),
              ("F4", True, "3+", 90.0))
# Two of four fragments positive (0 and 1+ are not): share 50 %, mean 40 %.
HALF = _frags(("F1", True, "3+", 100.0), ("F2", True, "2+", 60.0), ("F3", True, "1+", 0.0),
              ("F4", True, "0", 0.0))


def _call(frags: pd.DataFrame, **settings) -> PatientCall:
    call = classify_patient(frags, Settings(**settings))
    assert isinstance(call, PatientCall), call
    return call


@pytest.mark.parametrize(("rule", "cutoff", "group", "reason"), [
    ("every-fragment", 100.0, HETEROGENEOUS,
     "fragment F3: 60 % of tumour cells positive, below the 100 % cutoff → heterogeneous"),
    ("every-fragment", 60.0, HOMOGENEOUS,
     "all 4 tumour-containing fragments ≥ 60 % (lowest: fragment F3, 60 %) → homogeneous"),
    ("every-fragment", 0.0, HOMOGENEOUS,
     "all 4 tumour-containing fragments ≥ 0 % (lowest: fragment F3, 60 %) → homogeneous"),
    ("pooled", 100.0, HETEROGENEOUS,
     "mean 87.5 % of tumour cells positive over 4 tumour-containing fragments, below the "
     "100 % cutoff → heterogeneous"),
    ("pooled", 60.0, HOMOGENEOUS,
     "mean 87.5 % of tumour cells positive over 4 tumour-containing fragments, ≥ the 60 % "
     "cutoff → homogeneous"),
    ("pooled", 0.0, HOMOGENEOUS,
     "mean 87.5 % of tumour cells positive over 4 tumour-containing fragments, ≥ the 0 % "
     "cutoff → homogeneous"),
    ("fragment-share", 100.0, HOMOGENEOUS,
     "4 of 4 tumour-containing fragments scored 2+/3+ (100 %), ≥ the 100 % cutoff → homogeneous"),
], ids=lambda v: str(v)[:20])
def test_reasons_in_words_for_a_mostly_positive_patient(rule, cutoff, group, reason):
    call = _call(FOUR, rule=rule, cutoff_pct=cutoff)
    assert call.group == group
    assert call.reasons[0] == reason
    assert call.n_fragments == 4


@pytest.mark.parametrize(("cutoff", "group", "reason"), [
    (100.0, HETEROGENEOUS, "2 of 4 tumour-containing fragments scored 2+/3+ (50 %), below the "
                           "100 % cutoff → heterogeneous"),
    (60.0, HETEROGENEOUS, "2 of 4 tumour-containing fragments scored 2+/3+ (50 %), below the "
                          "60 % cutoff → heterogeneous"),
    (0.0, HOMOGENEOUS, "2 of 4 tumour-containing fragments scored 2+/3+ (50 %), ≥ the 0 % "
                       "cutoff → homogeneous"),
])
def test_fragment_share_reasons(cutoff, group, reason):
    call = _call(HALF, rule="fragment-share", cutoff_pct=cutoff)
    assert (call.group, call.reasons[0]) == (group, reason)
    assert call.deciding_fragment is None
    assert call.flip_cutoff_pct == pytest.approx(50.0)


def test_every_fragment_names_the_lowest_fragment_and_the_others_below():
    call = _call(HALF, cutoff_pct=60.0)
    assert call.deciding_fragment == "F3"  # the first 0 % fragment in file order
    assert call.reasons[0] == ("fragment F3: 0 % of tumour cells positive, below the 60 % "
                               "cutoff → heterogeneous")
    assert call.reasons[1] == "also below the cutoff: fragment F4"  # F2 at 60 % is at the cutoff


def test_three_plus_positivity_is_explained_when_it_changes_the_count():
    call = _call(FOUR, positivity="3+", cutoff_pct=50.0)
    assert call.group == HETEROGENEOUS and call.value == 0.0
    assert call.reasons[0] == (
        "fragment F2: scored 2+, counted 0 % of tumour cells positive with 3+ only (100 % "
        "recorded as 2+/3+), below the 50 % cutoff → heterogeneous")
    assert "positivity 3+ only: fragment(s) F2 (2+), F3 (2+) are below 3+ and count 0 % " \
           "positive" in call.reasons
    share = _call(FOUR, rule="fragment-share", positivity="3+", cutoff_pct=50.0)
    assert share.reasons[0] == ("2 of 4 tumour-containing fragments scored 3+ (50 %), ≥ the "
                                "50 % cutoff → homogeneous")
    assert "positivity 3+ only: fragment(s) F2 (2+), F3 (2+) count as negative" in share.reasons
    # All fragments 3+: 3+ only changes nothing, so nothing is said about it.
    all3 = _frags(("F1", True, "3+", 100.0), ("F2", True, 3, 80.0))
    assert not any("3+ only" in r for r in _call(all3, positivity="3+").reasons)


def test_blank_pct_defaults_from_the_score_and_is_noted():
    frags = _frags(("F1", True, "3+", None), ("F2", True, "1+", np.nan), ("F3", True, 2, None))
    call = _call(frags, rule="pooled", cutoff_pct=60.0)
    assert call.value == pytest.approx(200 / 3)  # 100, 0, 100
    assert call.group == HOMOGENEOUS
    assert call.reasons[-1] == ("% positive blank, taken from the score (100 % for 2+/3+, 0 % "
                                "for 0/1+): fragments F1, F2, F3")
    no_column = frags.drop(columns="pct_positive")
    assert _call(no_column, rule="pooled", cutoff_pct=60.0).value == pytest.approx(200 / 3)


def test_fragments_without_tumour_are_ignored_and_noted():
    frags = pd.concat([FOUR, _frags(("F5", False, "0", 0.0), ("F6", "no", None, None))])
    call = _call(frags)
    assert call.n_fragments == 4 and call.value == 60.0
    assert call.reasons[-1] == "ignored (no tumour): fragments F5, F6"


@pytest.mark.parametrize(("frags", "reason"), [
    (_frags(("F1", False, "2+", 100.0)),
     "no fragment contains tumour, so there is nothing to classify"),
    (_frags(), "no fragment contains tumour, so there is nothing to classify"),
    (_frags(("F1", True, None, 50.0)), "fragment F1 contains tumour but has no IHC score"),
    (_frags(("F1", True, "4+", 50.0)), "fragment F1: IHC score must be 0, 1+, 2+ or 3+, got '4+'"),
    (_frags(("F1", True, "2+", 120.0)), "fragment F1: % positive must be 0–100, got 120"),
], ids=["no-tumour", "empty", "no-score", "bad-score", "pct-out-of-range"])
def test_unclassifiable_patients_are_unavailable_with_the_reason(frags, reason):
    result = classify_patient(frags, Settings())
    assert result == Unavailable(reason)
    assert classification_strip(frags, Settings()) == Unavailable(reason)


def test_flip_cutoff_and_strip():
    call = _call(FOUR)
    assert call.flip_cutoff_pct == 60.0
    strip = classification_strip(FOUR, Settings())
    assert list(strip.columns) == ["cutoff", "group"] and len(strip) == 101
    homo = strip["group"] == HOMOGENEOUS
    assert strip.loc[homo, "cutoff"].max() == 60.0 and strip.loc[~homo, "cutoff"].min() == 61.0
    assert _call(FOUR, cutoff_pct=60.0).group == HOMOGENEOUS
    assert _call(FOUR, cutoff_pct=60.5).group == HETEROGENEOUS
    all_positive = _frags(("F1", True, "3+", 100.0), ("F2", True, "2+", 100.0))
    assert _call(all_positive).flip_cutoff_pct is None
    assert (classification_strip(all_positive, Settings())["group"] == HOMOGENEOUS).all()


def test_exactly_at_a_mean_cutoff_counts_as_at_it():
    # (70 + 80 + 90) / 3 is 79.99999999999999 in floating point, as in classify's tolerance.
    frags = _frags(("F1", True, "2+", 70.0), ("F2", True, "2+", 80.0), ("F3", True, "2+", 90.0))
    assert _call(frags, rule="pooled", cutoff_pct=80.0).group == HOMOGENEOUS


@pytest.mark.parametrize("positivity", ["2+", "3+"])
@pytest.mark.parametrize("rule", RULES)
def test_agrees_with_the_cohort_classification_for_every_demo_patient(rule, positivity):
    cohort, _ = load_demo()
    for cutoff in (0.0, 50.0, 90.0, 100.0):
        settings = Settings(rule=rule, cutoff_pct=cutoff, positivity=positivity)
        table = classify(cohort, settings).per_patient
        for pid in patient_ids(cohort):
            call = classify_patient(patient_fragments(cohort, pid), settings)
            if isinstance(call, Unavailable):  # a rule the demo's columns do not support
                assert table.loc[pid, "group"] == "", (pid, cutoff)
                assert rule in table.loc[pid, "exclusion_reason"]
                continue
            assert call.group == table.loc[pid, "group"], (pid, cutoff)
            assert call.value == table.loc[pid, "value"], (pid, cutoff)

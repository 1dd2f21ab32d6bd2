"""One patient's robustness: the cutoff interval, one fragment fewer and the sampling flag, in
the words a clinician reads aloud (hand-worked patients)."""

from __future__ import annotations

import pandas as pd
import pytest

from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.demo import load_demo
from her2dash.patient import classify_patient, patient_fragments, patient_ids
from her2dash.results import Unavailable
from her2dash.robustness import CutoffInterval, PatientRobustness, patient_robustness
from her2dash.settings import Settings
from her2dash.tables.resampling import interval_text, leave_one_out_frame, robustness_facts


def _frags(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame([(f, True, s, p) for f, s, p in rows],
                        columns=["fragment_id", "tumor_present", "ihc_score", "pct_positive"])


def _robust(frags: pd.DataFrame, settings: Settings | None = None, **kw) -> PatientRobustness:
    r = patient_robustness(frags, settings or Settings(), **kw)
    assert isinstance(r, PatientRobustness), r
    return r


def test_homogeneous_patient_at_the_paper_definition():
    r = _robust(_frags(("F1", "3+", 100), ("F2", "2+", 100), ("F3", "3+", 100),
                       ("F4", "3+", 100)), patient_id="P017")
    assert r.group == HOMOGENEOUS
    assert r.interval == CutoffInterval(0.0, 100.0, True, True)
    assert (r.n_flipping, r.flip_pct, r.adequate) == (0, 0.0, True)
    assert r.paragraph == (
        "Patient P017 is Homo-HER2 under the every-fragment rule at the 100 % cutoff (rule "
        "value 100 %) and stays Homo-HER2 for any cutoff from 0 % to 100 %. If one of the 4 "
        "fragments had not been taken, the group would stay Homo-HER2 whichever it was (0 of 4 "
        "cases, 0 %). Sampling: 4 tumour-containing fragments, adequate (≥ 4; Ahn 2015, "
        "Gullo 2015).")


def test_one_fragment_decides_a_heterogeneous_call():
    # Every-fragment at 100 %: F2 (60 %) alone keeps the patient heterogeneous, so leaving it
    # out (1 of 4 equally likely) makes the patient homogeneous: 25 %.
    r = _robust(_frags(("F1", "3+", 100), ("F2", "2+", 60), ("F3", "3+", 100),
                       ("F4", "3+", 100)), patient_id="P017")
    assert r.group == HETEROGENEOUS
    assert r.interval == CutoffInterval(60.0, 100.0, False, True)
    assert (r.n_flipping, r.flip_pct, r.flipping_fragments) == (1, 25.0, ("F2",))
    assert r.sentences[0] == (
        "Patient P017 is Hetero-HER2 under the every-fragment rule at the 100 % cutoff (rule "
        "value 60 %) and stays Hetero-HER2 for any cutoff above 60 % up to 100 %; at 60 % or "
        "below it would be Homo-HER2.")
    assert r.sentences[1] == (
        "If one of the 4 fragments had not been taken, the group would change in 1 of 4 cases "
        "(25 %, each fragment equally likely to be the one not taken): dropping fragment F2 "
        "would make it Homo-HER2.")
    frame = leave_one_out_frame(r)
    assert frame["Call changes"].tolist() == ["no", "yes", "no", "no"]
    assert frame["Group without it"].tolist() == ["Hetero-HER2", "Homo-HER2", "Hetero-HER2",
                                                  "Hetero-HER2"]


def test_limited_sampling_and_a_lower_cutoff():
    # Two fragments (90 %, 70 %) at a 75 % cutoff: heterogeneous because of F2; homogeneous at
    # any cutoff ≤ 70 %. Dropping F2 leaves F1 at 90 % ≥ 75 %: homogeneous (1 of 2, 50 %).
    settings = Settings(cutoff_pct=75.0)
    r = _robust(_frags(("F1", "3+", 90), ("F2", "2+", 70)), settings)
    assert r.name == "This patient"
    assert (r.n_flipping, r.flip_pct, r.adequate) == (1, 50.0, False)
    assert r.sentences[2] == (
        "Sampling: 2 tumour-containing fragments, limited sampling (fewer than 4; published "
        "series find the call stabilising at 4–5 fragments: Ahn 2015, Gullo 2015).")
    assert interval_text(r) == "Hetero-HER2 for cutoffs above 70 % up to 100 %"
    assert robustness_facts(r)[1] == ("Changes if one fragment fewer", "50 % (1 of 2)")


def test_homogeneous_below_the_top_of_the_scale_says_where_it_flips():
    r = _robust(_frags(("F1", "3+", 90), ("F2", "2+", 80)), Settings(cutoff_pct=50.0))
    assert r.interval == CutoffInterval(0.0, 80.0, True, True)
    assert r.sentences[0].endswith("stays Homo-HER2 for any cutoff from 0 % to 80 %; above "
                                   "80 % it would be Hetero-HER2.")


def test_nothing_positive_only_flips_at_the_bottom_of_the_scale():
    r = _robust(_frags(("F1", "1+", 0), ("F2", "0", 0)))
    assert r.sentences[0].endswith("for any cutoff above 0 % up to 100 %; only a cutoff of "
                                   "0 % would make it Homo-HER2.")


def test_the_adequacy_threshold_comes_from_the_settings():
    frags = _frags(("F1", "3+", 100), ("F2", "3+", 100), ("F3", "3+", 100))
    assert not _robust(frags).adequate
    assert _robust(frags, Settings(adequate_fragments=3)).sentences[2] == (
        "Sampling: 3 tumour-containing fragments, adequate (≥ 3; Ahn 2015, Gullo 2015).")


def test_single_fragment_cannot_be_spared():
    r = _robust(_frags(("F1", "3+", 100)))
    assert r.flip_pct is None
    assert r.sentences[1] == ("With a single tumour-containing fragment, none can be spared: "
                              "one fewer would leave nothing to classify.")
    assert leave_one_out_frame(r)["Group without it"].tolist() == ["nothing left to classify"]


def test_pooled_rule_lists_every_fragment_that_flips():
    # Pooled mean of 100, 100, 50, 50 = 75 at an 80 % cutoff: heterogeneous. Without F3 or F4
    # the mean is 83.3 (homogeneous); without F1 or F2 it is 66.7: 2 of 4 flip.
    r = _robust(_frags(("F1", "3+", 100), ("F2", "3+", 100), ("F3", "2+", 50),
                       ("F4", "2+", 50)), Settings(rule="pooled", cutoff_pct=80.0))
    assert r.flipping_fragments == ("F3", "F4")
    assert r.sentences[1].endswith("(50 %, each fragment equally likely to be the one not "
                                   "taken): dropping fragment F3 or fragment F4 would make it "
                                   "Homo-HER2.")


def test_a_rule_without_a_cutoff_has_no_interval():
    # Score-mix: positive and negative fragments → heterogeneous; dropping the only negative
    # one (F3) leaves both positive → homogeneous.
    r = _robust(_frags(("F1", "3+", 100), ("F2", "2+", 80), ("F3", "1+", 0)),
                Settings(rule="score-mix"))
    assert r.interval is None and r.cutoff is None
    assert r.sentences[0] == ("This patient is Hetero-HER2 under the score-mix rule, which has "
                              "no cutoff.")
    assert r.flipping_fragments == ("F3",)
    assert interval_text(r) == "Hetero-HER2: the score-mix rule has no cutoff"


def test_fragments_without_tumour_are_not_counted():
    frags = pd.concat([_frags(("F1", "3+", 100), ("F2", "3+", 100)),
                       pd.DataFrame([("F3", False, "0", 0.0)], columns=["fragment_id",
                                    "tumor_present", "ihc_score", "pct_positive"])])
    r = _robust(frags)
    assert r.n_fragments == 2
    assert r.leave_one_out["fragment_id"].tolist() == ["F1", "F2"]


def test_unreadable_fragments_say_why():
    r = patient_robustness(_frags(("F1", "4+", 100)), Settings())
    assert isinstance(r, Unavailable)
    assert "IHC score must be 0, 1+, 2+ or 3+" in r.reason


@pytest.mark.parametrize("rule", ["every-fragment", "pooled", "fragment-share"])
def test_the_call_agrees_with_the_patient_view_for_every_demo_patient(rule):
    cohort, _ = load_demo()
    settings = Settings(rule=rule, cutoff_pct=80.0)
    for pid in patient_ids(cohort)[:40]:
        frags = patient_fragments(cohort, pid)
        call = classify_patient(frags, settings)
        r = _robust(frags, settings, patient_id=pid)
        assert not isinstance(call, Unavailable)
        assert (r.group, r.value) == (call.group, pytest.approx(call.value))
        assert r.adequate == (call.n_fragments >= 4)

"""The rule registry: every rule at its edges on hand-computed patients, through classify(),
the patient view and the sweep (the same value everywhere), and the specimen / adequacy choices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import classify, patient_features, rule_values
from her2dash.cohort import Cohort
from her2dash.cutoff import explore
from her2dash.patient import classification_strip, classify_patient, patient_fragments
from her2dash.results import Unavailable
from her2dash.rules import RULE_NAMES, RULES, rule_availability
from her2dash.settings import Settings
from her2dash.sweep import cutoff_groups, sweep

SCORES = {"0": 0, "1+": 1, "2+": 2, "3+": 3}


def cohort_of(rows: list[dict], patients: dict[str, dict] | None = None) -> Cohort:
    """Fragments as dicts: patient, score label, pct (pct_positive) and any optional column."""
    frame = pd.DataFrame(rows)
    frame["patient_id"] = frame.pop("patient")
    frame["fragment_id"] = "F" + (frame.groupby("patient_id").cumcount() + 1).astype(str)
    frame["ihc_score"] = frame.pop("score").map(SCORES).astype(np.int8)
    frame["pct_positive"] = frame.pop("pct").astype(float)
    if "tumor_present" not in frame:
        frame["tumor_present"] = True
    frame["tumor_present"] = frame["tumor_present"].astype(bool)
    frame["pct_defaulted"] = False
    if "ish_status" in frame:
        frame["ish_status"] = frame["ish_status"].astype("boolean")
    ids = list(dict.fromkeys(frame["patient_id"]))
    pats = pd.DataFrame(index=pd.Index(ids, name="patient_id"))
    for pid, values in (patients or {}).items():
        for k, v in values.items():
            pats.loc[pid, k] = v
    first = ["patient_id", "fragment_id", "tumor_present", "ihc_score", "pct_positive",
             "pct_defaulted"]
    return Cohort(pats, frame[first + [c for c in frame.columns if c not in first]])


def values(cohort: Cohort, rule: str, **settings) -> dict[str, float]:
    feats = patient_features(cohort, Settings(rule=rule, **settings))
    return dict(zip(cohort.patients.index, rule_values(feats, rule), strict=True))


def groups(cohort: Cohort, **settings) -> dict[str, str]:
    return classify(cohort, Settings(**settings)).per_patient["group"].to_dict()


def F(patient, score, pct, **extra):
    return {"patient": patient, "score": score, "pct": pct, **extra}


# Intensity breakdown and size for every fragment; hand-computed below.
SIZED = [
    # A: 1000 cells at 100 %, 100 cells at 0 %: weighted (100000 + 0) / 1100 = 90.909…
    F("A", "3+", 100, pct_1plus=0, pct_2plus=20, pct_3plus=80, tumor_cells=1000),
    F("A", "1+", 0, pct_1plus=70, pct_2plus=0, pct_3plus=0, tumor_cells=100),
    # B: equal sizes, weighted = pooled = (80 + 60) / 2 = 70; H: 1·10+2·30+3·50 = 220 and
    # 1·20+2·40+3·20 = 160, min 160, weighted (220 + 160) / 2 = 190
    F("B", "3+", 80, pct_1plus=10, pct_2plus=30, pct_3plus=50, tumor_cells=500),
    F("B", "2+", 60, pct_1plus=20, pct_2plus=40, pct_3plus=20, tumor_cells=500),
    # C: one fragment, 3+ share 100 %: H = 300
    F("C", "3+", 100, pct_1plus=0, pct_2plus=0, pct_3plus=100, tumor_cells=50),
]


def test_weighted_pooled_weights_by_tumour_cells():
    v = values(cohort_of(SIZED), "weighted-pooled")
    assert v["A"] == pytest.approx(100000 / 1100, abs=1e-12)
    assert v["B"] == pytest.approx(70.0)
    assert v["C"] == 100.0
    # the unweighted pooled mean of A is 50: size changes the call at a 79 % cutoff
    g_w = groups(cohort_of(SIZED), rule="weighted-pooled", cutoff_pct=79.0)
    g_p = groups(cohort_of(SIZED), rule="pooled", cutoff_pct=79.0)
    assert (g_w["A"], g_p["A"]) == ("homogeneous", "heterogeneous")


def test_weighted_pooled_uses_area_when_there_is_no_cell_count():
    rows = [F("A", "3+", 100, tumor_area_mm2=3.0), F("A", "2+", 40, tumor_area_mm2=1.0)]
    assert values(cohort_of(rows), "weighted-pooled")["A"] == pytest.approx(85.0)


def test_weighted_pooled_leaves_out_a_patient_with_a_missing_size_and_says_why():
    rows = [F("A", "3+", 100, tumor_cells=10.0), F("A", "2+", 40, tumor_cells=np.nan),
            F("B", "3+", 100, tumor_cells=5.0)]
    result = classify(cohort_of(rows), Settings(rule="weighted-pooled", cutoff_pct=79.0))
    a = result.per_patient.loc["A"]
    assert not a["included"] and "no size" in a["exclusion_reason"]
    assert result.per_patient.loc["B", "group"] == "homogeneous"


def test_3plus_rules_read_pct_3plus_and_ignore_positivity():
    c = cohort_of(SIZED)
    assert values(c, "every-fragment-3plus") == {"A": 0.0, "B": 20.0, "C": 100.0}
    assert values(c, "pooled-3plus") == {"A": 40.0, "B": 35.0, "C": 100.0}
    for positivity in ("2+", "3+"):
        g = groups(c, rule="every-fragment-3plus", cutoff_pct=20.0, positivity=positivity)
        assert g == {"A": "heterogeneous", "B": "homogeneous", "C": "homogeneous"}


def test_h_score_minimum_and_weighted_on_0_to_300():
    c = cohort_of(SIZED)
    assert values(c, "h-score-min") == {"A": 70.0, "B": 160.0, "C": 300.0}
    w = values(c, "h-score-weighted")
    assert w["A"] == pytest.approx((1000 * 280 + 100 * 70) / 1100)  # H 280 and 70
    assert w["B"] == pytest.approx(190.0) and w["C"] == 300.0
    g = groups(c, rule="h-score-min", cutoff_pct=160.0)
    assert g == {"A": "heterogeneous", "B": "homogeneous", "C": "homogeneous"}
    assert groups(c, rule="h-score-min", cutoff_pct=300.0)["C"] == "homogeneous"
    with pytest.raises(ValueError, match="between 0 and 300"):
        Settings(rule="h-score-min", cutoff_pct=301.0)
    with pytest.raises(ValueError, match="between 0 and 100"):
        Settings(rule="pooled", cutoff_pct=160.0)


GENETIC = [
    # A: all amplified by ratio, none 5–50 % -> homogeneous
    F("A", "3+", 100, ish_ratio=4.1, ish_pct_amplified=90.0),
    F("A", "2+", 100, ish_ratio=2.0, ish_pct_amplified=60.0),
    # B: one fragment with 30 % of cells amplified -> heterogeneous (ASCO/CAP 5–50 %)
    F("B", "3+", 100, ish_ratio=3.0, ish_pct_amplified=30.0),
    # C: ratio 2.5 and 1.2 disagree -> heterogeneous
    F("C", "3+", 100, ish_ratio=2.5, ish_pct_amplified=np.nan),
    F("C", "2+", 100, ish_ratio=1.2, ish_pct_amplified=np.nan),
    # D: exactly 5 % and exactly 50 % are outside (5, 50): homogeneous; a fragment without
    # ISH does not count
    F("D", "2+", 100, ish_ratio=2.2, ish_pct_amplified=50.0),
    F("D", "2+", 100, ish_ratio=2.2, ish_pct_amplified=5.0),
    F("D", "1+", 0, ish_ratio=np.nan, ish_pct_amplified=np.nan),
    # E: no ISH at all -> not scored
    F("E", "3+", 100, ish_ratio=np.nan, ish_pct_amplified=np.nan),
]


def test_genetic_heterogeneity_at_its_edges():
    result = classify(cohort_of(GENETIC), Settings(rule="genetic"))
    g = result.per_patient["group"].to_dict()
    assert g == {"A": "homogeneous", "B": "heterogeneous", "C": "heterogeneous",
                 "D": "homogeneous", "E": ""}
    assert "no fragment has an ISH result" in result.per_patient.loc["E", "exclusion_reason"]
    # the cutoff does not matter to a rule without one
    assert groups(cohort_of(GENETIC), rule="genetic", cutoff_pct=0.0) == g


def test_genetic_uses_ish_status_when_there_is_no_ratio():
    rows = [F("A", "2+", 100, ish_status=True), F("A", "2+", 100, ish_status=False),
            F("B", "2+", 100, ish_status=True), F("B", "3+", 100, ish_status=None)]
    assert groups(cohort_of(rows), rule="genetic") == {"A": "heterogeneous",
                                                       "B": "homogeneous"}


def test_score_mix_both_sides_of_the_positivity_threshold():
    rows = [F("A", "3+", 100), F("A", "2+", 100),  # both positive under 2+, mixed under 3+
            F("B", "3+", 100), F("B", "1+", 0),    # mixed under either
            F("C", "1+", 0), F("C", "0", 0)]       # all negative: homogeneous (negative)
    c = cohort_of(rows)
    assert groups(c, rule="score-mix") == {"A": "homogeneous", "B": "heterogeneous",
                                           "C": "homogeneous"}
    assert groups(c, rule="score-mix", positivity="3+")["A"] == "heterogeneous"


def test_her2_low_composition_is_descriptive():
    rows = [F("A", "0", 0), F("A", "1+", 0), F("A", "2+", 50, ish_ratio=1.1),
            F("A", "2+", 50, ish_ratio=2.4), F("A", "2+", 50, ish_ratio=np.nan),
            F("A", "3+", 100, ish_ratio=np.nan), F("A", "3+", 100, ish_ratio=np.nan),
            F("A", "3+", 100, ish_ratio=np.nan)]
    f = patient_features(cohort_of(rows)).loc["A"]
    assert f["share_her2_zero_pct"] == pytest.approx(100 / 8)
    assert f["share_her2_low_pct"] == pytest.approx(200 / 8)  # 1+ and 2+/ratio 1.1
    assert f["share_her2_2plus_untested_pct"] == pytest.approx(100 / 8)
    assert f["share_her2_positive_pct"] == pytest.approx(400 / 8)  # 2+/ratio 2.4 and 3 × 3+


def test_availability_names_the_columns_that_would_unlock_a_rule():
    have = rule_availability(["patient_id", "ihc_score", "pct_positive"])
    assert have["every-fragment"] is None and have["score-mix"] is None
    assert have["weighted-pooled"] == "needs tumor_cells or tumor_area_mm2"
    assert have["h-score-min"] == "needs pct_1plus, pct_2plus, pct_3plus"
    assert have["genetic"] == "needs ish_pct_amplified or ish_ratio or ish_status"


def test_a_rule_the_data_cannot_support_excludes_everyone_with_the_reason():
    c = cohort_of([F("A", "3+", 100), F("B", "2+", 50)])
    result = classify(c, Settings(rule="h-score-min", cutoff_pct=200.0))
    assert result.n_included == 0
    assert set(result.per_patient["exclusion_reason"]) == {
        "rule h-score-min needs pct_1plus, pct_2plus, pct_3plus"}
    assert result.notes == ("rule h-score-min needs pct_1plus, pct_2plus, pct_3plus, which "
                            "this cohort lacks",)


# --- every rule through the patient view and the sweep ---------------------------------------

FULL = [
    F(p, s, pct, pct_1plus=p1, pct_2plus=p2, pct_3plus=p3, tumor_cells=n, ish_ratio=r,
      ish_pct_amplified=a)
    for p, s, pct, p1, p2, p3, n, r, a in [
        ("P1", "3+", 100, 0, 10, 90, 800, 5.0, 95.0), ("P1", "3+", 90, 10, 20, 70, 200, 4.0, 80),
        ("P2", "2+", 60, 20, 50, 10, 300, 2.2, 40.0), ("P2", "3+", 100, 0, 0, 100, 900, 6.0, 99),
        ("P2", "1+", 0, 60, 0, 0, 100, 1.1, 0.0),
        ("P3", "3+", 100, 0, 30, 70, 400, 3.3, 85.0), ("P3", "2+", 80, 10, 60, 20, 400, 2.1, 60),
        ("P4", "2+", 40, 30, 30, 10, 250, 1.5, 3.0), ("P4", "2+", 70, 20, 40, 30, 150, 2.5, 70),
        ("P5", "3+", 100, 0, 0, 100, 1000, 7.0, 100.0),
    ]
]


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_every_rule_agrees_between_cohort_patient_view_and_sweep(rule):
    c = cohort_of(FULL)
    spec = RULES[rule]
    cutoffs = [None] if spec.cutoff is None else list(spec.cutoff.grid(spec.cutoff.step * 10))
    for cutoff in cutoffs:
        settings = Settings(rule=rule, **({} if cutoff is None else {"cutoff_pct": cutoff}))
        table = classify(c, settings).per_patient
        for pid in c.patients.index:
            call = classify_patient(patient_fragments(c, pid), settings)
            assert not isinstance(call, Unavailable), (rule, pid, call)
            assert call.group == table.loc[pid, "group"], (rule, pid, cutoff)
            assert call.reasons and call.reasons[0].endswith(call.group), call.reasons
        if cutoff is not None:
            positions, homo = cutoff_groups(c, settings, [cutoff])
            assert list(c.patients.index[positions[homo[:, 0]]]) == list(
                table.index[table["group"] == "homogeneous"])


def test_rules_without_a_cutoff_say_there_is_nothing_to_sweep():
    c = cohort_of(FULL)
    for rule in ("genetic", "score-mix"):
        assert isinstance(explore(c, Settings(rule=rule)), Unavailable)
        with pytest.raises(ValueError, match="no cutoff to sweep"):
            sweep(c, Settings(rule=rule))
        strip = classification_strip(patient_fragments(c, "P1"), Settings(rule=rule))
        assert isinstance(strip, Unavailable) and "no cutoff" in strip.reason


def test_h_score_sweep_runs_on_its_own_scale():
    c = cohort_of(FULL)
    result = sweep(c, Settings(rule="h-score-min", cutoff_pct=200.0), step=50.0)
    assert list(result.cutoffs) == [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]
    # lowest fragment H-scores: P1 260, P2 60, P3 190, P4 120, P5 300
    assert list(result.n_homogeneous) == [5, 5, 4, 3, 2, 2, 1]
    assert "0–300" in result.searched


def test_patient_view_explains_new_rules_in_words():
    c = cohort_of(FULL)
    call = classify_patient(patient_fragments(c, "P2"), Settings(rule="h-score-min",
                                                                  cutoff_pct=100.0))
    assert call.reasons[0] == ("fragment F3: H-score 60, below the 100 cutoff → heterogeneous")
    call = classify_patient(patient_fragments(c, "P2"), Settings(rule="genetic"))
    assert call.reasons[0].startswith("fragments F1 (40 % of cells amplified)") or \
        call.reasons[0].startswith("fragment F1 (40 % of cells amplified)")
    call = classify_patient(patient_fragments(c, "P1"), Settings(rule="weighted-pooled",
                                                                  cutoff_pct=79.0))
    assert call.reasons[0] == ("pooled 98 % weighted by tumour cells (F1: 100 % × 800, "
                               "F2: 90 % × 200), ≥ the 79 % cutoff → homogeneous")


# --- which fragments are scored; sampling adequacy --------------------------------------------

def test_timepoint_and_specimen_choose_the_scored_fragments():
    rows = [F("A", "3+", 100, timepoint="baseline", specimen_type="biopsy"),
            F("A", "1+", 0, timepoint="post-progression", specimen_type="biopsy"),
            F("A", "2+", 50, timepoint="baseline", specimen_type="resection"),
            F("B", "3+", 100, timepoint="post-progression", specimen_type="biopsy")]
    c = cohort_of(rows)
    base = classify(c, Settings())
    assert base.per_patient.loc["A", "group"] == "homogeneous"
    assert base.per_patient.loc["A", "n_fragments"] == 1
    assert base.per_patient.loc["B", "exclusion_reason"] == (
        "no tumour-containing baseline biopsy fragment (only other timepoints/specimens)")
    post = classify(c, Settings(timepoint="post-progression")).per_patient["group"].to_dict()
    assert post == {"A": "heterogeneous", "B": "homogeneous"}
    resection = classify(c, Settings(specimen="resection")).per_patient
    assert resection.loc["A", "group"] == "heterogeneous"  # 50 % < 100 %
    assert not resection.loc["B", "included"]
    call = classify_patient(patient_fragments(c, "A"), Settings())
    assert any(r.startswith("not scored (not baseline biopsy): fragments F2, F3")
               for r in call.reasons)


def test_limited_sampling_flag_and_filter():
    rows = [F("A", "3+", 100)] * 4 + [F("B", "3+", 100)] * 3 + [F("C", "2+", 50)]
    c = cohort_of(rows)
    result = classify(c, Settings())
    assert result.per_patient["limited_sampling"].to_dict() == {"A": False, "B": True,
                                                                "C": True}
    assert result.n_included == 3
    only = classify(c, Settings(adequate_only=True))
    assert only.per_patient["included"].to_dict() == {"A": True, "B": False, "C": False}
    assert only.per_patient.loc["B", "exclusion_reason"] == (
        "limited sampling: 3 tumour-containing fragment(s), fewer than 4")
    three = classify(c, Settings(adequate_only=True, adequate_fragments=3))
    assert three.per_patient["included"].to_dict() == {"A": True, "B": True, "C": False}


def test_new_settings_round_trip_through_the_link():
    s = Settings(rule="h-score-weighted", cutoff_pct=180.0, timepoint="post-progression",
                 specimen="resection", adequate_fragments=5, adequate_only=True)
    params = s.to_query_params()
    # a hand-edited link may put the cutoff before the rule that makes it valid
    restored, ignored = Settings.from_query_params(dict(reversed(list(params.items()))))
    assert (restored, ignored) == (s, [])


# --- the CLI: --rule NAME for every rule -----------------------------------------------------

@pytest.mark.parametrize("rule", RULE_NAMES)
def test_cli_classify_and_analyze_take_every_rule(rule, capsys):
    import json

    from her2dash.cli import main
    from her2dash.demo import load_demo

    cohort, _ = load_demo()
    spec = RULES[rule]
    cutoff = spec.cutoff.default if spec.cutoff is not None else 100.0
    expected = classify(cohort, Settings(rule=rule, cutoff_pct=cutoff))
    assert main(["classify", "--demo", "--rule", rule, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["n_homogeneous"], data["n_heterogeneous"]) == (expected.n_homogeneous,
                                                                expected.n_heterogeneous)
    assert data["settings"]["rule"] == rule and data["settings"]["cutoff_pct"] == cutoff
    code = main(["sweep", "--demo", "--rule", rule, "--step", "10", "--permutations", "50"])
    out = capsys.readouterr().out
    if spec.cutoff is None:
        assert code == 2 and "no cutoff" in out
    else:
        assert code == 0
        sweep_json = json.loads(out)["sweep"]
        assert sweep_json["sweep"]["cutoffs"][-1] == spec.cutoff.high
        optimal = sweep_json["optimal"]["pfs"]
        # maxstat's minprop may leave no admissible split: then it says so
        assert optimal.get("permutations") == 50 or optimal["reason"].startswith("no cutoff")


def test_cli_adequacy_and_specimen_options(capsys):
    import json

    from her2dash.cli import main
    from her2dash.demo import load_demo

    cohort, _ = load_demo()
    expected = classify(cohort, Settings(adequate_only=True, adequate_fragments=5))
    assert main(["classify", "--demo", "--adequate-only", "--adequate-fragments", "5",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_excluded"] == expected.n_excluded > 0
    assert main(["classify", "--demo", "--specimen", "resection", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_excluded"] == cohort.n_patients  # the demo has biopsies only

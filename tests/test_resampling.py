"""The "how many biopsies" simulator: change rates against a cohort enumerated by hand, the
per-draw hazard ratios against the single-fit engine, seeding, and degenerate data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cox import hazard_ratio
from her2dash.demo import load_demo
from her2dash.resampling import (
    LOWER,
    EndpointResampling,
    ResamplingResult,
    draw_groups,
    leave_one_out,
    resample,
)
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.survival import logrank
from her2dash.validate import load_cohort
from tests.conftest import csv_pair

# Three patients, every-fragment rule at 100 % (homogeneous iff every fragment is 100 %):
#   A: 100, 100, 0 (1+)    -> heterogeneous
#   B: 100, 100            -> homogeneous
#   C: 100, 30 (2+), 0 (1+) -> heterogeneous
# k = 1: A is homogeneous when F1 or F2 is drawn (2 of 3), B never changes, C when F1 is drawn
#        (1 of 3): expected share changing = (2/3 + 0 + 1/3) / 3 = 1/3.
# k = 2: A homogeneous only with {F1, F2} (1 of 3 pairs); B keeps both; C's pairs all hold a
#        fragment below 100: (1/3 + 0 + 0) / 3 = 1/9.
# k = 3: everyone keeps every fragment: 0.
# Score-mix rule (heterogeneous iff fragments on both sides of 2+): A and C are heterogeneous,
# B homogeneous. k = 1: a single fragment is never "both sides", so A and C always change:
# (1 + 0 + 1) / 3 = 2/3. k = 2: A changes with {F1, F2} (1/3), C with {F1, F2} (3+ and 2+, 1/3):
# (1/3 + 0 + 1/3) / 3 = 2/9.
TINY_FRAGMENTS = pd.DataFrame(
    [("A", "F1", 1, "3+", 100.0), ("A", "F2", 1, "3+", 100.0), ("A", "F3", 1, "1+", 0.0),
     ("B", "F1", 1, "3+", 100.0), ("B", "F2", 1, "2+", 100.0),
     ("C", "F1", 1, "3+", 100.0), ("C", "F2", 1, "2+", 30.0), ("C", "F3", 1, "1+", 0.0)],
    columns=["patient_id", "fragment_id", "tumor_present", "ihc_score", "pct_positive"])
TINY_PATIENTS = pd.DataFrame({"patient_id": ["A", "B", "C"], "pfs_months": [5.0, 10.0, 3.0],
                              "pfs_event": [1, 1, 0], "os_months": [8.0, 12.0, 6.0],
                              "os_event": [0, 0, 0]})


def _cohort(patients: pd.DataFrame = TINY_PATIENTS, fragments: pd.DataFrame = TINY_FRAGMENTS):
    cohort, report = load_cohort(csv_pair(patients, fragments))
    assert cohort is not None, [i.describe() for i in report.issues]
    return cohort


@pytest.fixture(scope="module")
def demo():
    return load_demo()[0]


@pytest.fixture(scope="module")
def demo_result(demo) -> ResamplingResult:
    result = resample(demo, Settings(), n_draws=60, seed=7)
    assert isinstance(result, ResamplingResult)
    return result


# ---------------------------------------------------------------------------- hand-computed


def test_exact_change_rate_matches_the_hand_enumeration():
    result = resample(_cohort(), Settings(), n_draws=20, seed=0, exact=True)
    assert isinstance(result, ResamplingResult)
    assert result.exact
    assert result.ks.tolist() == [1, 2, 3]
    assert result.n_subsampled.tolist() == [3, 2, 0]
    np.testing.assert_allclose(result.pct_changed, [100 / 3, 100 / 9, 0.0], rtol=1e-12)
    # Among the resampled patients only: k = 2 resamples A and C, (1/3 + 0) / 2 = 1/6.
    np.testing.assert_allclose(result.pct_changed_among_subsampled[:2], [100 / 3, 100 / 6])
    assert np.isnan(result.pct_changed_among_subsampled[2])
    pp = result.per_patient
    np.testing.assert_allclose(pp["change_pct_k1"], [200 / 3, 0.0, 100 / 3])
    np.testing.assert_allclose(pp["change_pct_k2"], [100 / 3, 0.0, 0.0])


def test_monte_carlo_converges_to_the_exact_rate():
    result = resample(_cohort(), Settings(), n_draws=6000, seed=3, exact=False)
    assert isinstance(result, ResamplingResult) and not result.exact
    # Per draw at k = 1 the share is (A + B + C)/3 with A ~ Bernoulli(2/3), C ~ Bernoulli(1/3):
    # sd of the mean over 6000 draws = sqrt((2/9 + 2/9) / 9 / 6000) = 0.29 %; 4 sd allowed.
    np.testing.assert_allclose(result.pct_changed, [100 / 3, 100 / 9, 0.0], atol=1.2)
    np.testing.assert_allclose(result.pct_changed, result.pct_changed_draws.mean(axis=1))
    # A draw at k = 1 changes 0, 1 or 2 of 3 patients: the interval's ends are among them.
    assert set(result.pct_changed_draws[0].round(6)) <= {0.0, round(100 / 3, 6),
                                                        round(200 / 3, 6)}


def test_a_rule_without_a_cutoff_works_through_the_same_code():
    result = resample(_cohort(), Settings(rule="score-mix"), n_draws=20, seed=0, exact=True)
    assert isinstance(result, ResamplingResult)
    np.testing.assert_allclose(result.pct_changed, [200 / 3, 200 / 9, 0.0], rtol=1e-12)


def test_filters_choose_the_patients_once_at_the_full_sample():
    # min_fragments = 3 keeps A and C; at k = 1 they change with 2/3 and 1/3: mean 1/2. The
    # drawn single fragments are not filtered out again.
    result = resample(_cohort(), Settings(min_fragments=3), n_draws=20, seed=0, exact=True)
    assert isinstance(result, ResamplingResult)
    assert result.n_patients == 2
    np.testing.assert_allclose(result.pct_changed[:2], [50.0, 100 / 6])


def test_leave_one_out_by_hand():
    loo = leave_one_out(_cohort(), Settings())
    pp = loo.per_patient
    # A: only dropping F3 (0 %) makes it homogeneous; B: either way homogeneous; C: every
    # remaining pair still has a fragment below 100 %.
    assert pp["n_flipping"].tolist() == [1, 0, 0]
    np.testing.assert_allclose(pp["flip_pct"], [100 / 3, 0.0, 0.0])
    assert pp.loc["A", "flipping_fragments"] == "F3"
    assert pp.loc["C", "flipping_fragments"] == ""
    assert loo.n_patients_multi == 3
    assert loo.mean_flip_pct == pytest.approx(100 / 9)
    row = loo.per_fragment.query("patient_id == 'A' and fragment_id == 'F3'").iloc[0]
    assert row["group_without"] == HOMOGENEOUS and row["flips"]


def test_leave_one_out_equals_the_exact_rate_at_one_fragment_fewer(demo):
    result = resample(demo, Settings(rule="pooled", cutoff_pct=80.0), n_draws=10, exact=True)
    assert isinstance(result, ResamplingResult)
    loo = result.leave_one_out.per_patient
    pp = result.per_patient
    for n in range(2, int(pp["n_fragments"].max()) + 1):
        who = pp.index[pp["n_fragments"] == n]
        np.testing.assert_allclose(pp.loc[who, f"change_pct_k{n - 1}"],
                                   loo.loc[who, "flip_pct"], rtol=1e-12)
    assert (loo["n_flipping"] > 0).any()  # the pooled rule near 80 % has fragile calls


def test_single_fragment_patients_cannot_be_spared():
    cohort = _cohort(fragments=TINY_FRAGMENTS[TINY_FRAGMENTS["fragment_id"] == "F1"])
    result = resample(cohort, Settings())
    assert isinstance(result, Unavailable)
    assert result.reason == ("every included patient has a single tumour-containing fragment, "
                             "so there are no fewer biopsies to simulate")
    loo = leave_one_out(cohort, Settings())
    assert isinstance(loo.mean_flip_pct, Unavailable)
    assert "none can be spared" in loo.mean_flip_pct.reason
    assert loo.per_patient["flip_pct"].isna().all()


# ---------------------------------------------------------------------------- hazard ratios


def test_each_draws_hazard_ratio_is_the_single_fit(demo, demo_result):
    """Draw (k, b) refitted with her2dash.cox.hazard_ratio (coxph, Efron; checked against R in
    test_cox.py) and survival.logrank (survdiff): the batched engine agrees to 1e-8."""
    ks, groups = draw_groups(demo, Settings(), n_draws=60, seed=7)
    inc = classify(demo, Settings()).included
    checked = 0
    for endpoint in ("pfs", "os"):
        e = demo_result.endpoints[endpoint]
        assert isinstance(e, EndpointResampling)
        t = demo.patients.loc[inc.index, f"{endpoint}_months"].to_numpy(float)
        d = demo.patients.loc[inc.index, f"{endpoint}_event"].to_numpy(float)
        for ki, b in ((0, 0), (0, 17), (1, 5), (2, 59), (len(ks) - 1, 3)):
            homo = groups[ki, b] == HOMOGENEOUS
            single = hazard_ratio(t, d, homo)
            assert not isinstance(single, Unavailable)
            assert e.hazard_ratio[ki, b] == pytest.approx(single.estimate, rel=1e-8)
            assert e.ci_low[ki, b] == pytest.approx(single.ci.low, rel=1e-8)
            assert e.ci_high[ki, b] == pytest.approx(single.ci.high, rel=1e-8)
            lr = logrank(t, d, homo)
            assert e.logrank_p[ki, b] == pytest.approx(lr.pvalue, rel=1e-8)
            checked += 1
    assert checked == 10


def test_all_fragments_reproduce_the_full_sample(demo_result):
    """At k = max fragments nobody is resampled: no change, and every draw's HR is the full
    sample's, the paper's PFS HR 0.47 (0.29–0.77) on the demo cohort."""
    assert demo_result.n_subsampled[-1] == 0
    assert demo_result.pct_changed[-1] == 0.0
    pfs = demo_result.endpoints["pfs"]
    assert isinstance(pfs, EndpointResampling) and not isinstance(pfs.full, Unavailable)
    np.testing.assert_allclose(pfs.hazard_ratio[-1], pfs.full.estimate, rtol=1e-8)
    assert round(pfs.full.estimate, 2) == 0.47
    assert (round(pfs.full.ci.low, 2), round(pfs.full.ci.high, 2)) == (0.29, 0.77)
    assert pfs.full_conclusion == LOWER
    assert pfs.pct_same_conclusion[-1] == 100.0


def test_summaries_are_the_draws_summarised(demo_result):
    pfs = demo_result.endpoints["pfs"]
    assert isinstance(pfs, EndpointResampling)
    hr = pfs.hazard_ratio[0]
    assert pfs.hr_median[0] == pytest.approx(np.median(hr))
    assert (pfs.hr_low[0], pfs.hr_high[0]) == pytest.approx(tuple(np.quantile(hr,
                                                                              (0.025, 0.975))))
    excludes = (pfs.ci_high[0] < 1) | (pfs.ci_low[0] > 1)
    assert pfs.pct_ci_excludes_1[0] == pytest.approx(100 * excludes.mean())
    assert pfs.pct_logrank_significant[0] == pytest.approx(100 * (pfs.logrank_p[0] < 0.05).mean())
    # One fragment per patient blurs the groups: the HR moves towards 1 and the share of
    # changed calls is largest; by 3 fragments nearly nothing changes.
    assert pfs.hr_median[0] > pfs.full.estimate
    assert demo_result.pct_changed[0] == demo_result.pct_changed.max() > 5.0
    assert demo_result.pct_changed[2] < 1.0


def test_not_estimable_draws_give_the_commonest_reason():
    """Tiny cohort, PFS: B (event at 10) is homogeneous; A (event at 5) and C (censored at 3)
    change with the draw. k = 1: A homogeneous and C heterogeneous (4/9) leaves the
    heterogeneous group without events; all homogeneous (2/9) leaves it empty; otherwise B's
    event comes when no heterogeneous patient is at risk (monotone likelihood). No draw has
    an estimable HR, and neither has the full sample."""
    result = resample(_cohort(), Settings(), n_draws=400, seed=1)
    assert isinstance(result, ResamplingResult)
    pfs = result.endpoints["pfs"]
    assert isinstance(pfs, EndpointResampling)
    assert pfs.n_estimable.tolist() == [0, 0, 0]
    assert np.isnan(pfs.hr_median).all()
    assert pfs.reasons[0].startswith("not estimable: no events in the heterogeneous group")
    assert isinstance(pfs.full, Unavailable) and pfs.full_conclusion == "not estimable"
    assert isinstance(result.endpoints["os"], Unavailable)
    assert result.endpoints["os"].reason == "no OS events among the included patients"


# ---------------------------------------------------------------------------- seeding, limits


def test_same_seed_same_draws_other_seed_other_draws(demo):
    a = resample(demo, Settings(), n_draws=30, seed=11)
    b = resample(demo, Settings(), n_draws=30, seed=11)
    c = resample(demo, Settings(), n_draws=30, seed=12)
    assert all(isinstance(r, ResamplingResult) for r in (a, b, c))
    np.testing.assert_array_equal(a.pct_changed_draws, b.pct_changed_draws)
    np.testing.assert_array_equal(a.endpoints["pfs"].hazard_ratio,
                                  b.endpoints["pfs"].hazard_ratio)
    assert not np.array_equal(a.pct_changed_draws, c.pct_changed_draws)


def test_looked_up_draws_equal_draws_classified_as_drawn(demo):
    """Small cohorts classify every subset once and look draws up; large ones classify the
    drawn fragments as a pseudo-cohort. Same seed, same groups."""
    from her2dash.resampling import _prepare, _subset_table

    for settings in (Settings(), Settings(rule="pooled", cutoff_pct=70.0),
                     Settings(rule="score-mix")):
        p = _prepare(demo, settings)
        _, looked_up = draw_groups(demo, settings, n_draws=25, seed=4, prepared=p,
                                   table=_subset_table(p, settings))
        _, drawn = draw_groups(demo, settings, n_draws=25, seed=4, prepared=p)
        np.testing.assert_array_equal(looked_up, drawn)


def test_without_the_table_the_rate_is_the_mean_over_draws(demo, monkeypatch):
    import her2dash.resampling as resampling

    monkeypatch.setattr(resampling, "EXACT_SUBSET_LIMIT", 100)
    result = resample(demo, Settings(), n_draws=50, seed=0)
    assert isinstance(result, ResamplingResult) and not result.exact
    np.testing.assert_allclose(result.pct_changed, result.pct_changed_draws.mean(axis=1))
    forced = resample(demo, Settings(), n_draws=50, seed=0, exact=True)
    assert isinstance(forced, Unavailable)
    assert forced.reason.startswith("exact enumeration needs every subset of up to 8 fragments")


def test_draws_are_nested_across_k(demo):
    """A patient homogeneous under every-fragment with k + 1 fragments drawn is homogeneous
    with k (a subset of 100 % fragments is all 100 %): the draws nest."""
    _, groups = draw_groups(demo, Settings(), n_draws=40, seed=2)
    homo = groups == HOMOGENEOUS
    assert (homo[1:] <= homo[:-1]).all()


def test_nobody_included_says_why(demo):
    result = resample(demo, Settings(min_fragments=50))
    assert isinstance(result, Unavailable)
    assert result.reason == "no patient is included under the current settings"


def test_missing_endpoint_columns_say_so():
    cohort = _cohort(patients=TINY_PATIENTS[["patient_id", "pfs_months", "pfs_event"]])
    result = resample(cohort, Settings(), n_draws=10)
    assert isinstance(result, ResamplingResult)
    os_ = result.endpoints["os"]
    assert isinstance(os_, Unavailable)
    assert os_.reason == "the cohort has no os_months / os_event column"


def test_too_many_draws_say_which_fit(demo, monkeypatch):
    import her2dash.resampling as resampling

    monkeypatch.setattr(resampling, "MAX_CELLS", 87 * 8 * 100)
    result = resample(demo, Settings(), n_draws=101)
    assert isinstance(result, Unavailable)
    assert result.reason.endswith("use at most 100 draws")
    assert isinstance(resample(demo, Settings(), n_draws=100), ResamplingResult)


def test_bad_draw_count_raises(demo):
    with pytest.raises(ValueError, match="n_draws"):
        resample(demo, Settings(), n_draws=0)


def test_unscorable_draws_count_as_changed_and_leave_the_hr(demo):
    """The genetic rule scores only fragments with ISH: a drawn set without any is unscorable.
    It counts as a changed call, and that draw's HR leaves the patient out (single fit)."""
    frags = demo.fragments.copy()
    rng = np.random.default_rng(0)
    # ISH on about half the fragments, amplified where the IHC score is 3+.
    tested = rng.random(len(frags)) < 0.5
    frags["ish_ratio"] = np.where(tested, np.where(frags["ihc_score"] >= 3, 3.0, 1.2), np.nan)
    cohort = replace(demo, fragments=frags)
    settings = Settings(rule="genetic")
    result = resample(cohort, settings, n_draws=20, seed=0)
    assert isinstance(result, ResamplingResult)
    assert result.pct_unscorable[0] > 0
    _, groups = draw_groups(cohort, settings, n_draws=20, seed=0)
    inc = classify(cohort, settings).included
    t = cohort.patients.loc[inc.index, "pfs_months"].to_numpy(float)
    d = cohort.patients.loc[inc.index, "pfs_event"].to_numpy(float)
    # A draw with an unscorable patient and both groups (one fragment is always homogeneous).
    both = ((groups == "").any(axis=2) & (groups == HOMOGENEOUS).any(axis=2)
            & (groups == "heterogeneous").any(axis=2))
    ki, b = (int(i[0]) for i in np.nonzero(both))
    use = groups[ki, b] != ""
    single = hazard_ratio(t[use], d[use], groups[ki, b][use] == HOMOGENEOUS)
    assert not isinstance(single, Unavailable)
    assert result.endpoints["pfs"].hazard_ratio[ki, b] == pytest.approx(single.estimate,
                                                                        rel=1e-8)
    changed = (groups != inc["group"].to_numpy(dtype=object)).mean(axis=(1, 2))
    np.testing.assert_allclose(result.pct_changed_draws.mean(axis=1), 100 * changed)


# ---------------------------------------------------------------------------- figure and tables


def test_figure_draws_the_result(demo_result):
    from her2dash.figures.resampling import resampling_figure

    fig = resampling_figure(demo_result, adequate_fragments=4)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["% changing group", "PFS HR, median over draws",
                                       "OS HR, median over draws"]
    np.testing.assert_array_equal(lines[0].y, demo_result.pct_changed)
    np.testing.assert_array_equal(lines[1].y, demo_result.endpoints["pfs"].hr_median)
    # HR panels are log axes whose range holds HR = 1 and the full-sample HR (0.47).
    low, high = fig.layout.yaxis2.range
    assert fig.layout.yaxis2.type == "log" and low < np.log10(0.47) and high > 0.0
    notes = {a.text: a for a in fig.layout.annotations}
    assert notes["all fragments: HR 0.47"].y == pytest.approx(
        np.log10(demo_result.endpoints["pfs"].full.estimate))
    assert "adequate sampling ≥ 4<br>(Ahn 2015, Gullo 2015)" in notes


def test_tables_round_the_hand_enumerated_rates():
    from her2dash.tables.resampling import k_summary, resampling_table

    result = resample(_cohort(), Settings(), n_draws=20, seed=0, exact=True)
    table = resampling_table(result)
    assert table["k"].tolist() == ["1", "2", "3"]
    assert table["Resampled"].tolist() == ["3 of 3", "2 of 3", "0 of 3"]
    assert [c.split(" ")[0] for c in table["Other group, % [95 %]"]] == ["33.3", "11.1", "0.0"]
    assert "PFS HR [95 %]" in table.columns  # not estimable: a dash in every row
    assert set(table["PFS HR [95 %]"]) == {"–"}
    assert k_summary(result, 3) == ("With 3 fragments per patient nobody gives up a fragment: "
                                    "this is the full sample.")
    assert k_summary(result, 2).startswith("With 2 fragments per patient, 11.1 % of patients "
                                           "would be in the other group")


# ---------------------------------------------------------------------------- command line


def test_cli_resample_writes_the_cores_numbers(capsys):
    import json

    from her2dash.cli import main

    assert main(["resample", "--demo", "--draws", "30", "--seed", "3", "--endpoints", "os"]) == 0
    out = json.loads(capsys.readouterr().out)["resampling"]
    core = resample(load_demo()[0], Settings(), n_draws=30, seed=3)
    assert isinstance(core, ResamplingResult)
    assert out["ks"] == core.ks.tolist() and out["exact"] is True
    np.testing.assert_allclose(out["pct_changed"], core.pct_changed)
    assert list(out["endpoints"]) == ["os"]
    np.testing.assert_allclose(out["endpoints"]["os"]["hr_median"],
                               core.endpoints["os"].hr_median)
    assert "hazard_ratio" not in out["endpoints"]["os"]  # per draw only with --per-draw
    assert "per_patient" not in out and "per_fragment" not in out["leave_one_out"]
    assert out["leave_one_out"]["mean_flip_pct"] == pytest.approx(
        core.leave_one_out.mean_flip_pct)


def test_cli_resample_refuses_bad_flags(capsys):
    from her2dash.cli import main

    assert main(["resample", "--demo", "--draws", "0"]) == 2
    assert main(["resample", "--demo", "--endpoints", "dfs"]) == 2
    assert "--endpoints a comma list of pfs, os" in capsys.readouterr().out

"""The cutoff sweep against the single-cutoff engines, cutoff by cutoff.

At every cutoff of the sweep, the groups are rebuilt with :func:`her2dash.classify.classify`
and each number is recomputed by the engine the dashboard uses for one cutoff (which
``tests/test_survival.py``, ``test_cox.py`` and ``test_response.py`` check against R):

* log-rank: ``survival.logrank`` (R ``survdiff(Surv(t, e) ~ homo)``),
* hazard ratio: ``cox.hazard_ratio`` (R ``summary(coxph(Surv(t, e) ~ homo))``, Efron),
* medians: ``survival.median_survival`` of ``kaplan_meier_by_group`` (R ``print(survfit(...))``),
* ORR and Fisher p: ``response.response_table`` (R ``fisher.test``).

Cohorts: the golden cohorts (``tests/golden/cohorts/*.csv``: ties, heavy censoring, paper size)
with fragments drawn so the rule values tie, a cohort with whole-month times (up to dozens of
events per time, the regime of the closed-form Efron sums), and named edge cases.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from her2dash.classify import classify
from her2dash.cohort import Cohort, response_categorical
from her2dash.cox import HazardRatio, hazard_ratio
from her2dash.response import fisher_2x2_pvalue, response_table
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.survival import LogRank, kaplan_meier_by_group, logrank, median_survival
from her2dash.sweep import (
    EndpointSweep,
    SweepResult,
    _fisher_p,
    _trigamma,
    cutoff_groups,
    default_cutoffs,
    sweep,
)

GOLDEN = Path(__file__).parent / "golden" / "cohorts"

# The sweep runs the engines' algorithms on pooled counts (closed-form Efron sums, one batch
# Newton with R's stopping rule), so it agrees with them to rounding, ~1e-11 observed; 1e-8 is
# the bar. Medians are times read off the data: exact. Counts: exact.
RTOL = 1e-8


# ---------------------------------------------------------------------------- cohorts


def cohort_from_frames(patients: pd.DataFrame, pct: list[list[float]]) -> Cohort:
    """A Cohort from contract patient columns and each patient's fragment % positive."""
    rows = [(pid, f"F{j + 1}", True, 3 if p >= 50 else 2 if p > 0 else 0, float(p), False)
            for pid, values in zip(patients.index, pct, strict=True)
            for j, p in enumerate(values)]
    fragments = pd.DataFrame(rows, columns=["patient_id", "fragment_id", "tumor_present",
                                            "ihc_score", "pct_positive", "pct_defaulted"])
    fragments["ihc_score"] = fragments["ihc_score"].astype(np.int8)
    return Cohort(patients, fragments)


def golden_cohort(name: str, *, whole_months: bool = False) -> Cohort:
    """A golden cohort with fragments: homogeneous patients mostly 80–100 %, the others spread,
    in steps of 10 % so that many patients share a rule value (ties across cutoffs)."""
    d = pd.read_csv(GOLDEN / f"{name}.csv")
    rng = np.random.default_rng(len(name))
    pct = []
    for homo, n in zip(d["homo"], d["n_frag"].clip(lower=1), strict=True):
        choices = np.arange(80, 101, 10) if homo else np.arange(0, 101, 10)
        pct.append(list(rng.choice(choices, size=int(n))))
    time = {e: d[f"{e}_time"].to_numpy(float) for e in ("pfs", "os")}
    if whole_months:
        time = {e: np.maximum(np.round(t), 1.0) for e, t in time.items()}
    patients = pd.DataFrame({
        "pfs_months": time["pfs"], "pfs_event": d["pfs_status"].to_numpy(float),
        "os_months": time["os"], "os_event": d["os_status"].to_numpy(float),
        "best_response": response_categorical(d["response"].fillna("NE").to_numpy()),
    }, index=pd.Index(d["id"].astype(str), name="patient_id"))
    return cohort_from_frames(patients, pct)


def small_cohort(homo_pct: list[float], pfs: list[float], pfs_event: list[int],
                 response: list[str] | None = None) -> Cohort:
    """One fragment per patient (its % positive is the rule value); OS = PFS + 5."""
    n = len(homo_pct)
    patients = pd.DataFrame({
        "pfs_months": np.asarray(pfs, float), "pfs_event": np.asarray(pfs_event, float),
        "os_months": np.asarray(pfs, float) + 5, "os_event": np.asarray(pfs_event, float),
        "best_response": response_categorical(response or ["PR", "SD"] * (n // 2) + ["PD"] * (
            n % 2)),
    }, index=pd.Index([f"P{i:02d}" for i in range(n)], name="patient_id"))
    return cohort_from_frames(patients, [[p] for p in homo_pct])


# ---------------------------------------------------------------------------- the reference


def close(got: float, want: float | None, what: str) -> None:
    assert want is not None and np.isfinite(got), what
    assert got == pytest.approx(want, rel=RTOL, abs=1e-300), what


def assert_matches_single_cutoff_engines(cohort: Cohort, settings: Settings,
                                         result: SweepResult) -> None:
    """Every number of ``result`` equals the single-cutoff engines' at its cutoff."""
    for i, cut in enumerate(result.cutoffs):
        cls = classify(cohort, replace(settings, cutoff_pct=float(cut)))
        assert (result.n_homogeneous[i], result.n_heterogeneous[i]) == (
            cls.n_homogeneous, cls.n_heterogeneous)
        assert result.eligible[i] == (min(cls.n_homogeneous, cls.n_heterogeneous)
                                      >= result.min_group)
        pts = cohort.patients.loc[cls.included.index]
        homo = cls.is_homogeneous.to_numpy()
        for endpoint, es in result.endpoints.items():
            assert isinstance(es, EndpointSweep)
            _check_endpoint(es, i, pts[f"{endpoint}_months"].to_numpy(float),
                            pts[f"{endpoint}_event"].to_numpy(float), homo,
                            settings.conf_level, f"{endpoint} at {cut} %")
        table = response_table(pts["best_response"].astype(object).to_numpy(), homo,
                               conf_level=settings.conf_level)
        for group, got in (("homogeneous", result.orr_homogeneous[i]),
                           ("heterogeneous", result.orr_heterogeneous[i])):
            want = None if isinstance(table, Unavailable) else getattr(table, group).orr
            if want is None or isinstance(want, Unavailable):
                assert np.isnan(got)
            else:
                close(got, want.estimate, f"ORR {group} at {cut} %")
        test = None if isinstance(table, Unavailable) else table.orr_test
        if test is None or isinstance(test, Unavailable):
            assert np.isnan(result.orr_fisher_p[i])
        else:
            close(result.orr_fisher_p[i], test.pvalue, f"Fisher p at {cut} %")


def _check_endpoint(es: EndpointSweep, i: int, t: np.ndarray, e: np.ndarray, homo: np.ndarray,
                    conf_level: float, where: str) -> None:
    hr = hazard_ratio(t, e, homo, conf_level=conf_level)
    if isinstance(hr, HazardRatio):
        for name, want in (("hazard_ratio", hr.estimate), ("coef", hr.coef), ("se", hr.se),
                           ("ci_low", hr.ci.low), ("ci_high", hr.ci.high),
                           ("wald_p", hr.wald_p), ("lr_p", hr.lr_p)):
            close(getattr(es, name)[i], want, f"{name}, {where}")
    else:
        assert np.isnan(es.hazard_ratio[i]) and np.isnan(es.se[i]), where
        assert es.reasons[i] is not None, where
        if "event happens while" in es.reasons[i]:
            # Separation without a group lacking events: the sweep tests the counts; the
            # engine notices it from its iterates (the information underflows to 0, the step
            # runs away, or 20 iterations run out), whichever rounding makes happen first.
            assert any(w in hr.reason for w in ("monotone", "vanished", "did not converge"))
        else:
            assert es.reasons[i].startswith(hr.reason), where
    test = logrank(t, e, homo, levels=(False, True))
    if isinstance(test, LogRank):
        close(es.logrank_chisq[i], test.statistic, f"log-rank chisq, {where}")
        close(es.logrank_p[i], test.pvalue, f"log-rank p, {where}")
        close(es.logrank_z[i], test.z, f"log-rank z, {where}")
        assert es.events_homogeneous[i] == test.observed[1], where
        assert es.events_heterogeneous[i] == test.observed[0], where
    else:
        assert np.isnan(es.logrank_p[i]) and np.isnan(es.logrank_z[i]), where
        assert es.reasons[i] is not None and test.reason in es.reasons[i], where
    if isinstance(hr, HazardRatio) and isinstance(test, LogRank):
        assert es.reasons[i] is None, where
    curves = kaplan_meier_by_group(t, e, homo, levels=(False, True))
    for key, got in ((True, es.median_homogeneous[i]), (False, es.median_heterogeneous[i])):
        curve = curves[key]
        want = None if isinstance(curve, Unavailable) else median_survival(curve).estimate
        assert (np.isnan(got) if want is None else got == want), f"median {key}, {where}"


# ---------------------------------------------------------------------------- cohorts x rules


@pytest.mark.parametrize("rule", ["every-fragment", "pooled", "fragment-share"])
@pytest.mark.parametrize("name", ["paper_size", "heavy_ties", "heavy_censoring", "small"])
def test_every_cutoff_matches_single_cutoff_engines(name: str, rule: str) -> None:
    cohort = golden_cohort(name)
    settings = Settings(rule=rule)
    result = sweep(cohort, settings, step=2.5)
    assert_matches_single_cutoff_engines(cohort, settings, result)


def test_large_ties_closed_form_efron_matches_coxph_engine() -> None:
    """Whole-month times: up to ~30 events per time and risk sets of hundreds, where the
    digamma / trigamma / log-gamma closed forms replace the per-event Efron sums."""
    cohort = golden_cohort("large", whole_months=True)
    settings = Settings(rule="pooled", conf_level=0.9)
    result = sweep(cohort, settings, cutoffs=np.arange(0, 101, 5.0))
    assert_matches_single_cutoff_engines(cohort, settings, result)


def test_filters_and_3plus_positivity_match() -> None:
    cohort = golden_cohort("paper_size")
    settings = Settings(positivity="3+", min_fragments=2, max_fragments=6)
    result = sweep(cohort, settings, step=5)
    assert result.n_homogeneous[0] + result.n_heterogeneous[0] < cohort.n_patients
    assert_matches_single_cutoff_engines(cohort, settings, result)


# ---------------------------------------------------------------------------- edge cases


def _edge_cases() -> list:
    five = [100, 100, 90, 40, 40, 10]
    return [
        pytest.param(small_cohort(five, [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1]),
                     "one group empty at 0 % and above 100 % of everyone", id="empty-group"),
        pytest.param(small_cohort(five, [7, 8, 3, 4, 5, 6], [0, 0, 1, 1, 1, 1]),
                     "homogeneous at 95–100 % has no events", id="no-events-in-a-group"),
        pytest.param(small_cohort(five, [1, 2, 3, 4, 5, 6], [0] * 6), "all censored",
                     id="all-censored"),
        pytest.param(small_cohort([70], [3], [1]), "one patient", id="one-patient"),
        pytest.param(small_cohort([100, 100, 0, 0], [2, 2, 2, 2], [1, 1, 1, 1]),
                     "everyone dies at one time: the log-rank variance is zero",
                     id="zero-variance"),
        pytest.param(small_cohort([100, 100, 0, 0], [5, 6, 1, 2], [1, 1, 1, 1]),
                     "homogeneous events only after the last heterogeneous patient",
                     id="separation"),
        pytest.param(small_cohort(five, [2, 2, 2, 5, 5, 5], [1, 1, 0, 1, 1, 0],
                                  ["NE"] * 3 + ["CR", "PD", "NE"]),
                     "heavy ties; no evaluable homogeneous response", id="ties-NE-only"),
    ]


@pytest.mark.parametrize(("cohort", "what"), _edge_cases())
def test_edge_cases_match_single_cutoff_engines(cohort: Cohort, what: str) -> None:
    settings = Settings()
    result = sweep(cohort, settings, cutoffs=np.array([0, 5, 10, 40, 50, 90, 95, 100]),
                   min_group=1)
    assert_matches_single_cutoff_engines(cohort, settings, result)


def test_reason_texts_of_unavailable_hazard_ratios() -> None:
    cohort = small_cohort([100, 100, 90, 40, 40, 10], [7, 8, 3, 4, 5, 6], [0, 0, 1, 1, 1, 1])
    result = sweep(cohort, Settings(), cutoffs=np.array([0.0, 95.0, 50.0]), min_group=1)
    pfs = result.endpoints["pfs"]
    assert isinstance(pfs, EndpointSweep)
    assert pfs.reasons[0] == ("no heterogeneous patients: the hazard ratio needs both groups; "
                              "log-rank: only one group has patients")
    assert pfs.reasons[1].startswith("not estimable: no events in the homogeneous group")
    assert np.isfinite(pfs.logrank_p[1])  # the log-rank test is defined there
    assert pfs.reasons[2] is None and np.isfinite(pfs.hazard_ratio[2])


def test_missing_endpoint_is_unavailable() -> None:
    cohort = small_cohort([100, 50, 20, 80], [1, 2, 3, 4], [1, 1, 1, 1])
    cohort = Cohort(cohort.patients.drop(columns=["os_months", "os_event"]), cohort.fragments)
    result = sweep(cohort, Settings(), min_group=1)
    assert isinstance(result.endpoints["os"], Unavailable)
    assert "os_months" in result.endpoints["os"].reason
    assert isinstance(result.endpoints["pfs"], EndpointSweep)


# ---------------------------------------------------------------------------- the result


def test_grid_header_and_search_counts() -> None:
    cohort = golden_cohort("paper_size")
    result = sweep(cohort, Settings(), min_group=10)
    np.testing.assert_array_equal(result.cutoffs, np.arange(101.0))
    assert result.n_tried == int(result.eligible.sum())
    for es in result.endpoints.values():
        assert isinstance(es, EndpointSweep)
        want = int((result.eligible & (np.nan_to_num(es.logrank_p, nan=1.0) < 0.05)).sum())
        assert es.n_significant == want
        np.testing.assert_allclose(es.logrank_z ** 2, es.logrank_chisq, rtol=1e-12)
    assert result.searched == (
        "cutoffs 0–100 % in 1 % steps (both groups ≥ 10 patients), every-fragment rule, "
        "2+/3+ positivity, 1–8 fragments; 87 patients")


def test_explicit_cutoffs_in_any_order_give_the_same_numbers() -> None:
    cohort = golden_cohort("heavy_ties")
    cuts = np.array([85.0, 10.0, 100.0, 55.0, 10.0])
    result = sweep(cohort, Settings(), cutoffs=cuts)
    grid = sweep(cohort, Settings(), cutoffs=np.sort(cuts))
    order = np.argsort(cuts, kind="stable")
    for name in ("n_homogeneous", "orr_fisher_p"):
        np.testing.assert_array_equal(getattr(result, name)[order], getattr(grid, name))
    for e in ("pfs", "os"):
        for name in ("hazard_ratio", "logrank_p", "median_homogeneous"):
            np.testing.assert_array_equal(getattr(result.endpoints[e], name)[order],
                                          getattr(grid.endpoints[e], name))
    assert result.searched.startswith("5 cutoffs from 10 to 100 %")


def test_cutoff_groups_is_classify_at_each_cutoff() -> None:
    cohort = golden_cohort("paper_size")
    settings = Settings(rule="pooled", max_fragments=7)
    cuts = np.array([100.0, 0.0, 33.3, 76.66666666666667, 50.0])
    positions, homo = cutoff_groups(cohort, settings, cuts)
    assert homo.shape == (positions.size, cuts.size)
    for j, cut in enumerate(cuts):
        cls = classify(cohort, replace(settings, cutoff_pct=float(cut)))
        assert list(cohort.patients.index[positions]) == list(cls.included.index)
        np.testing.assert_array_equal(homo[:, j], cls.is_homogeneous.to_numpy())


def test_default_cutoffs() -> None:
    np.testing.assert_array_equal(default_cutoffs(25), [0, 25, 50, 75, 100])
    assert default_cutoffs(0.1)[3] == 0.3 and default_cutoffs(0.1).size == 1001
    assert default_cutoffs(30)[-1] == 90
    for bad in (0, -1, 101, np.nan):
        with pytest.raises(ValueError, match="step"):
            default_cutoffs(bad)
    with pytest.raises(ValueError, match="between 0 and 100"):
        sweep(small_cohort([1, 2], [1, 2], [1, 1]), Settings(), cutoffs=np.array([50, 120]))


def test_results_are_read_only() -> None:
    result = sweep(golden_cohort("small"), Settings(), step=10)
    pfs = result.endpoints["pfs"]
    with pytest.raises(ValueError):
        result.cutoffs[0] = 1.0
    with pytest.raises(ValueError):
        pfs.hazard_ratio[0] = 1.0


# ---------------------------------------------------------------------------- helpers


def test_trigamma_matches_scipy_polygamma() -> None:
    x = np.r_[np.linspace(1e-3, 30, 3001), np.geomspace(30, 1e7, 200)]
    np.testing.assert_allclose(_trigamma(x), special.polygamma(1, x), rtol=1e-14)


@pytest.mark.parametrize("n", [2, 9, 60, 500, 20_000])
def test_windowed_fisher_p_matches_full_support(n: int) -> None:
    """fisher.test's p summed near the mode and the observed table only (R's 1 + 1e-7 rule);
    the full-support sum is her2dash.response's. 1e-9: log-gamma of arguments ~1e4."""
    rng = np.random.default_rng(n)
    for _ in range(60):
        a, b, c, d = (int(v) for v in rng.multinomial(n, rng.dirichlet([1, 1, 1, 1])))
        want = fisher_2x2_pvalue(((a, b), (c, d)))
        assert _fisher_p(a, b, c, d) == pytest.approx(want, rel=1e-9, abs=1e-300)

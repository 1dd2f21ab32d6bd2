"""Tests for her2dash.cox against R's coxph/cox.zph (tests/golden/cox_r.json), lifelines and a
naive reference.

``Rscript tests/golden/cox.R`` regenerates the golden file from tests/golden/cohorts/*.csv.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2dash import cox
from her2dash.cox import (
    CoxModel,
    HazardRatio,
    PHTest,
    fit_cox,
    hazard_ratio,
    proportional_hazards_test,
    univariable_cox,
)
from her2dash.results import Unavailable

GOLDEN = Path(__file__).parent / "golden"
R = json.loads((GOLDEN / "cox_r.json").read_text())

# R's summary.coxph values are written with 15 significant digits and our Newton is R's
# (same start, steps, halving and stopping rule), so 1e-6 relative is loose for every
# statistic; observed agreement is ~1e-11. Loose enough for a platform's libm, tight enough to
# catch a wrong tie rule (Efron vs Breslow differ at 1e-3 on heavy_ties).
RTOL = 1e-6


def _cohort(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "cohorts" / f"{name}.csv")


def _design(d: pd.DataFrame, rhs: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The Python design for cox.R's right-hand side: factor(x) -> a Categorical column."""
    columns: dict[str, pd.Series] = {}
    strata: list[str] = []
    for term in (part.strip() for part in rhs.split("+")):
        if term.startswith("strata("):
            strata = [c.strip() for c in term[len("strata("):-1].split(",")]
        elif term.startswith("factor("):
            name = term[len("factor("):-1]
            columns[name] = d[name].astype("category")
        else:
            columns[term] = d[term]
    return pd.DataFrame(columns), (d[strata] if strata else None)


def _r_term(name: str) -> str:
    """R's coefficient name -> ours: factor(ecog)1 -> ecog=1, sexM -> sex=M."""
    if name.startswith("factor("):
        var, level = name[len("factor("):].split(")")
        return f"{var}={level}"
    if name.startswith("sex") and name != "sex":
        return f"sex={name[3:]}"
    return name


def _cases() -> list:
    cases = []
    for cohort, endpoints in R["cohorts"].items():
        for endpoint, fits in endpoints.items():
            for model_id, fit in fits.items():
                cases.append(pytest.param(cohort, endpoint, model_id, fit,
                                          id=f"{cohort}-{endpoint}-{model_id}"))
    return cases


CASES = _cases()


def _fit_case(cohort: str, endpoint: str, model_id: str, ties: str):
    d = _cohort(cohort)
    design, strata = _design(d, R["models"][model_id]["rhs"])
    return d, design, strata, fit_cox(d[f"{endpoint}_time"], d[f"{endpoint}_status"], design,
                                      strata=strata, ties=ties)


def _close(actual: object, expected: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float),
                               np.atleast_1d(np.asarray(expected, dtype=float)), rtol=rtol,
                               atol=0)


# ---------------------------------------------------------------------------- against R


@pytest.mark.parametrize(("cohort", "endpoint", "model_id", "r"), CASES)
def test_fit_matches_r_coxph(cohort: str, endpoint: str, model_id: str, r: dict) -> None:
    """``summary(coxph(Surv(time, status) ~ rhs, ties = ties))`` for every golden case.

    Where R warned "Loglik converged before variable k; coefficient may be infinite" we return
    Unavailable naming that term instead of R's huge estimate (r-parity item 8).
    """
    _, _, _, model = _fit_case(cohort, endpoint, model_id, r["ties"])
    r_terms = [_r_term(str(t)) for t in np.atleast_1d(r["terms"])]
    if r["warnings"]:
        assert "coefficient may be infinite" in r["warnings"]
        assert isinstance(model, Unavailable)
        k = int(r["warnings"].split("variable")[1].split(";")[0])
        assert model.reason.startswith("not estimable: no events in ")
        assert repr(r_terms[k - 1]) in model.reason
        assert f"before variable {k};" in model.reason
        return
    assert isinstance(model, CoxModel), model
    assert [t.name for t in model.terms] == r_terms
    _close([t.coef for t in model.terms], r["coef"])
    _close([t.se for t in model.terms], r["se"])
    _close([t.hazard_ratio for t in model.terms], r["hr"])
    _close([t.ci.low for t in model.terms], r["lower"])
    _close([t.ci.high for t in model.terms], r["upper"])
    _close([t.z for t in model.terms], r["z"])
    _close([t.pvalue for t in model.terms], r["p"])
    _close([model.loglik_null, model.loglik], r["loglik"])
    for ours, theirs in ((model.lr, r["lr"]), (model.score, r["score"]),
                         (model.wald, r["wald"])):
        _close(ours.statistic, theirs["statistic"])
        _close(ours.pvalue, theirs["pvalue"])
        assert ours.df == theirs["df"]
    # Same Newton path, so the same number of iterations.
    assert model.iterations == r["iter"]
    assert model.converged
    assert (model.n, model.n_events) == (r["n"], r["nevent"])
    assert model.ties == r["ties"]
    assert all(t.ci.level == 0.95 for t in model.terms)


@pytest.mark.parametrize(("cohort", "endpoint", "model_id", "r"), CASES)
def test_zph_matches_r_cox_zph(cohort: str, endpoint: str, model_id: str, r: dict) -> None:
    """``cox.zph(fit)`` (transform = "km", the survival >= 3 score test): per term and GLOBAL."""
    d = _cohort(cohort)
    design, strata = _design(d, R["models"][model_id]["rhs"])
    zph = proportional_hazards_test(d[f"{endpoint}_time"], d[f"{endpoint}_status"], design,
                                    strata=strata, ties=r["ties"])
    if r["warnings"]:  # monotone likelihood: no model, so no test
        assert isinstance(zph, Unavailable)
        assert zph.reason.startswith("not estimable")
        return
    rz = r["zph"]
    assert isinstance(zph, PHTest), zph
    assert [*zph.terms, "GLOBAL"] == [t.replace("factor(", "").rstrip(")") for t in rz["term"]]
    _close([*zph.chisq, zph.global_chisq], rz["chisq"])
    _close([*zph.pvalue, zph.global_pvalue], rz["p"])
    assert [*zph.df, zph.global_df] == rz["df"]
    assert zph.transform == "km"
    # The KM transform and times are exact arithmetic on the same data.
    np.testing.assert_allclose(zph.transformed_time, rz["x"], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(zph.time, rz["time"])
    if strata is not None:
        assert list(zph.stratum) == rz["strata"]


def _rows_r_aligns(zph: PHTest, d: pd.DataFrame, endpoint: str, design: pd.DataFrame,
                   strata: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Residual rows where R's cox.zph is right, and rows of strata with every covariate
    constant.

    cox.zph maps rows to strata with ``rep(1:nstrata, apply(used, 1, max))``, which counts 0
    rows for a stratum whose covariates are all constant, so every later stratum's rows are
    rescaled as if shifted up (some are left unscaled), and the constant stratum's rows keep
    0 + beta. We scale each stratum's own rows and give NaN (R's intended NA) where a term is
    constant in its stratum; the chi-square tests do not depend on this.
    """
    n = zph.time.size
    if strata is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    x = pd.get_dummies(design, drop_first=True).astype(float)
    prep = cox._prepare(d[f"{endpoint}_time"], d[f"{endpoint}_status"], design, strata, None)
    assert not isinstance(prep, Unavailable)
    code = prep.stratum
    constant = {prep.stratum_labels[k] for k in np.unique(code)
                if (x[code == k].nunique() <= 1).all()}
    row_constant = np.array([s in constant for s in zph.stratum])
    after_constant = np.cumsum(row_constant) > 0
    return ~row_constant & ~after_constant, row_constant


@pytest.mark.parametrize(("cohort", "endpoint", "model_id", "r"), CASES)
def test_zph_residuals_match_r_cox_zph(cohort: str, endpoint: str, model_id: str,
                                       r: dict) -> None:
    """``cox.zph(fit)$y``: scaled Schoenfeld residuals + beta, stratified fits included."""
    if r["warnings"]:
        pytest.skip("monotone likelihood: no model")
    d = _cohort(cohort)
    design, strata = _design(d, R["models"][model_id]["rhs"])
    zph = proportional_hazards_test(d[f"{endpoint}_time"], d[f"{endpoint}_status"], design,
                                    strata=strata, ties=r["ties"])
    assert isinstance(zph, PHTest)
    ours = np.array(zph.scaled_residuals)
    expected = np.array(r["zph"]["y"], dtype=float).reshape(len(zph.terms), -1)
    aligned, constant = _rows_r_aligns(zph, d, endpoint, design, strata)
    assert np.isnan(ours[:, constant]).all()
    # Residuals are ratios of sums accumulated in another order: ~1e-12 relative differences.
    # The absolute floor is for residuals near 0. NaN (R's NA: a term constant in a stratum)
    # must sit in the same places.
    np.testing.assert_allclose(ours[:, aligned], expected[:, aligned], rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------- R edge cases


def test_monotone_univariable_matches_r_warning() -> None:
    """``coxph(Surv(pfs_time, pfs_status) ~ homo)`` with no events where homo == 1: R warns and
    prints coef −20.4 (se 3788); we say why there is no estimate."""
    r = R["edge"]["no_events_homogeneous"]
    assert "coefficient may be infinite" in r["warnings"]
    assert abs(r["coef"]) > 15
    d = _cohort("paper_size")
    status = np.where(d.homo == 1, 0, d.pfs_status)
    model = fit_cox(d.pfs_time, status, d[["homo"]])
    assert isinstance(model, Unavailable)
    assert model.reason.startswith("not estimable: no events in homo = 1 ")
    hr = hazard_ratio(d.pfs_time, status, d.homo == 1)
    assert isinstance(hr, Unavailable)
    assert hr.reason.startswith("not estimable: no events in the homogeneous group")


def test_monotone_multivariable_names_the_term() -> None:
    """``coxph(Surv(pfs_time, pfs_status) ~ homo + age67 + platinum)``, same data: R warns for
    variable 1; the whole model is Unavailable, naming 'homo'."""
    r = R["edge"]["no_events_homogeneous_multivariable"]
    assert "variable  1 ;" in r["warnings"]
    d = _cohort("paper_size")
    status = np.where(d.homo == 1, 0, d.pfs_status)
    model = fit_cox(d.pfs_time, status, d[["homo", "age67", "platinum"]])
    assert isinstance(model, Unavailable)
    assert "no events in homo = 1" in model.reason
    assert "coefficient of 'homo' is infinite" in model.reason


def test_monotone_without_empty_level_matches_r_warning() -> None:
    """``coxph(Surv(pfs_time, pfs_status) ~ late)``, late = pfs_time > median: both levels have
    events, but no late patient shares a risk set with an early event's alternative. Caught by
    R's own test (the next Newton step stays large relative to the coefficient)."""
    r = R["edge"]["separated"]
    assert "variable  1 ;" in r["warnings"]
    d = _cohort("paper_size")
    late = (d.pfs_time > np.median(d.pfs_time)).astype(int)
    model = fit_cox(d.pfs_time, d.pfs_status, pd.DataFrame({"late": late}))
    assert isinstance(model, Unavailable)
    assert model.reason.startswith("not estimable: the likelihood is monotone in 'late'")


def test_collinear_matches_r_na_coefficient() -> None:
    """``coxph(Surv(pfs_time, pfs_status) ~ homo + age67 + homo2)``, homo2 = homo: R gives homo2
    an NA coefficient (the later of two collinear columns); we name it."""
    r = R["edge"]["collinear"]
    assert r["coef"][2] is None
    d = _cohort("paper_size")
    design = d[["homo", "age67"]].assign(homo2=d.homo)
    model = fit_cox(d.pfs_time, d.pfs_status, design)
    assert isinstance(model, Unavailable)
    assert model.reason.startswith("not estimable: 'homo2' is collinear with the other")


def test_not_converged_matches_r_iter_max() -> None:
    """``coxph(..., control = coxph.control(iter.max = 2))``: R warns "Ran out of iterations";
    the engine stops at the same β (R's last accepted step) and log-likelihood."""
    r = R["edge"]["iter_max_2"]
    assert "did not converge" in r["warnings"]
    d = _cohort("paper_size")
    design = d[["homo", "age67", "platinum"]]
    model = fit_cox(d.pfs_time, d.pfs_status, design, max_iter=2)
    assert isinstance(model, Unavailable)
    assert model.reason.startswith("not estimable: coxph did not converge in 2 iterations")
    prep = cox._prepare(d.pfs_time, d.pfs_status, design, None, None)
    assert not isinstance(prep, Unavailable)
    fit, _ = cox._newton(prep.x, cox._risk_sets(prep.time, prep.event, prep.stratum, "efron"),
                         2)
    assert not fit.converged
    assert fit.iterations == r["iter"]
    _close(fit.coef, r["coef"])
    _close([fit.loglik0, fit.loglik], r["loglik"])


# ---------------------------------------------------------------------------- named edge cases


def _small_frame(n: int = 30, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "time": np.round(rng.exponential(10, n), 1) + 0.1,
        "event": (rng.random(n) < 0.7).astype(int),
        "x": rng.integers(0, 2, n),
        "age": rng.normal(60, 8, n).round(),
    })


def _edge_cases() -> list:
    base = _small_frame()
    one_event = base.assign(event=0)
    one_event.loc[3, "event"] = 1
    return [
        pytest.param(base.assign(time=np.nan), ["x"], None, "no patients", id="no-patients"),
        pytest.param(base.assign(event=0), ["x"], None, "no events", id="all-censored"),
        pytest.param(one_event, ["x"], None, "not estimable: no events in x = ",
                     id="one-event"),
        pytest.param(base.assign(x=1), ["x"], None, "'x' is constant", id="constant-column"),
        pytest.param(base.assign(y=2 * base.x + 1), ["x", "y"], None,
                     "not estimable: 'y' is collinear", id="collinear-columns"),
        pytest.param(base, ["x"], "x",
                     "not estimable: 'x' does not vary among the patients at risk at any event "
                     "time within a stratum", id="constant-within-strata"),
        pytest.param(base.assign(g=np.where(base.x == 1, "b", "a")).assign(
            event=lambda f: np.where(f.g == "b", 0, f.event)), ["g", "age"], None,
                     "not estimable: no events in g = b", id="factor-level-without-events"),
        pytest.param(base.assign(g=np.where(base.x == 1, "b", "a")).assign(
            event=lambda f: np.where(f.g == "a", 0, f.event)), ["g"], None,
                     "not estimable: no events in g = a (the reference level)",
                     id="reference-level-without-events"),
    ]


@pytest.mark.parametrize(("frame", "columns", "strata", "reason"), _edge_cases())
def test_degenerate_data_is_unavailable(frame: pd.DataFrame, columns: list[str],
                                        strata: str | None, reason: str) -> None:
    model = fit_cox(frame.time, frame.event, frame[columns],
                    strata=None if strata is None else frame[strata])
    assert isinstance(model, Unavailable)
    assert model.reason.startswith(reason), model.reason


@pytest.mark.parametrize(("homo", "reason"), [
    pytest.param(True, "no heterogeneous patients", id="empty-heterogeneous-group"),
    pytest.param(False, "no homogeneous patients", id="empty-homogeneous-group"),
])
def test_hazard_ratio_empty_group(homo: bool, reason: str) -> None:
    f = _small_frame()
    hr = hazard_ratio(f.time, f.event, np.full(len(f), homo))
    assert isinstance(hr, Unavailable)
    assert hr.reason.startswith(reason)


def test_hazard_ratio_no_events_in_heterogeneous() -> None:
    f = _small_frame()
    hr = hazard_ratio(f.time, np.where(f.x == 0, 0, f.event), f.x == 1)
    assert isinstance(hr, Unavailable)
    assert hr.reason.startswith("not estimable: no events in the heterogeneous group")


@pytest.mark.parametrize("status", [0, 1], ids=["censored", "event"])
def test_one_patient_stratum_is_legal(status: int) -> None:
    """A one-patient stratum is its own risk set: it adds nothing to the likelihood, so the fit
    equals the fit without that patient (r-parity item 11; small.csv's stratum "c" in R)."""
    f = _small_frame(40)
    s = pd.Series(np.where(np.arange(len(f)) % 2 == 0, "a", "b"), name="s")
    s.iloc[0] = "c"
    f.loc[0, "event"] = status
    with_c = fit_cox(f.time, f.event, f[["x", "age"]], strata=s)
    without = fit_cox(f.time[1:], f.event[1:], f[["x", "age"]][1:], strata=s[1:])
    assert isinstance(with_c, CoxModel)
    assert isinstance(without, CoxModel)
    assert with_c.n == without.n + 1
    np.testing.assert_allclose([t.coef for t in with_c.terms], [t.coef for t in without.terms],
                               rtol=1e-10)
    np.testing.assert_allclose([t.se for t in with_c.terms], [t.se for t in without.terms],
                               rtol=1e-10)
    assert with_c.strata == ("s",)


def test_missing_values_are_dropped_and_noted() -> None:
    """R's na.omit: the fit equals the complete-case fit, and notes count what was left out."""
    f = _small_frame(50).astype({"age": float})
    f.loc[[2, 7], "age"] = np.nan
    f.loc[9, "time"] = np.nan
    model = fit_cox(f.time, f.event, f[["x", "age"]])
    complete = f.dropna()
    expected = fit_cox(complete.time, complete.event, complete[["x", "age"]])
    assert isinstance(model, CoxModel)
    assert isinstance(expected, CoxModel)
    assert model.n == 47
    assert [t.coef for t in model.terms] == pytest.approx([t.coef for t in expected.terms],
                                                          rel=1e-12)
    assert model.notes == ("3 of 50 patients left out for a missing value (R's na.omit): "
                           "time (1), age (2)",)


# ---------------------------------------------------------------------------- API details


def test_factor_terms_name_levels_and_reference() -> None:
    d = _cohort("large")
    design = pd.DataFrame({"homo": d.homo, "ecog": d.ecog.astype("category"),
                           "sex": d.sex, "age": d.age})
    model = fit_cox(d.pfs_time, d.pfs_status, design)
    assert isinstance(model, CoxModel)
    rows = {t.name: (t.covariate, t.level, t.reference, t.n) for t in model.terms}
    assert rows == {
        "homo": ("homo", None, "0", int(d.homo.sum())),
        "ecog=1": ("ecog", "1", "0", int((d.ecog == 1).sum())),
        "ecog=2": ("ecog", "2", "0", int((d.ecog == 2).sum())),
        "sex=M": ("sex", "M", "F", int((d.sex == "M").sum())),
        "age": ("age", None, None, None),
    }
    assert model.terms[0].ci.method == "Wald, exp(coef ± z·se)"


def test_categorical_order_sets_the_reference() -> None:
    """A pandas Categorical's first category is the reference, as R's relevel/factor(levels=)."""
    d = _cohort("large")
    sex = pd.Categorical(d.sex, categories=["M", "F"])
    model = fit_cox(d.pfs_time, d.pfs_status, pd.DataFrame({"sex": sex}))
    default = fit_cox(d.pfs_time, d.pfs_status, d[["sex"]])
    assert isinstance(model, CoxModel)
    assert isinstance(default, CoxModel)
    assert (model.terms[0].name, model.terms[0].reference) == ("sex=F", "M")
    assert model.terms[0].coef == pytest.approx(-default.terms[0].coef, rel=1e-9)


def test_hazard_ratio_matches_r_coxph() -> None:
    """``coxph(Surv(pfs_time, pfs_status) ~ homo + strata(age67, platinum))`` on paper_size:
    the paper's stratified HR, as hazard_ratio reports it."""
    r = R["cohorts"]["paper_size"]["pfs"]["efron_strata_age67_platinum"]
    d = _cohort("paper_size")
    hr = hazard_ratio(d.pfs_time, d.pfs_status, d.homo == 1, strata=d[["age67", "platinum"]])
    assert isinstance(hr, HazardRatio)
    _close(hr.estimate, r["hr"])
    _close([hr.ci.low, hr.ci.high], [r["lower"], r["upper"]])
    _close([hr.wald_p, hr.lr_p, hr.score_p],
           [r["p"], r["lr"]["pvalue"], r["score"]["pvalue"]])
    assert (hr.n, hr.n_events, hr.reference) == (r["n"], r["nevent"], "heterogeneous")
    assert hr.strata == ("age67", "platinum")


def test_conf_level_widens_the_interval() -> None:
    d = _cohort("paper_size")
    hr90 = hazard_ratio(d.pfs_time, d.pfs_status, d.homo == 1, conf_level=0.90)
    hr99 = hazard_ratio(d.pfs_time, d.pfs_status, d.homo == 1, conf_level=0.99)
    assert isinstance(hr90, HazardRatio)
    assert isinstance(hr99, HazardRatio)
    assert hr99.ci.low < hr90.ci.low < hr90.estimate < hr90.ci.high < hr99.ci.high
    z = 2.5758293035489004  # qnorm(0.995)
    assert hr99.ci.high == pytest.approx(math.exp(hr99.coef + z * hr99.se), rel=1e-12)


def test_univariable_cox_one_model_per_column() -> None:
    """The paper's ESM 4: each column alone, equal to its own coxph fit."""
    d = _cohort("paper_size")
    r = R["cohorts"]["paper_size"]["pfs"]["efron_univariable"]
    models = univariable_cox(d.pfs_time, d.pfs_status, d[["homo", "age", "sex"]])
    assert list(models) == ["homo", "age", "sex"]
    homo = models["homo"]
    assert isinstance(homo, CoxModel)
    _close(homo.terms[0].coef, r["coef"])
    assert models["sex"].terms[0].name == "sex=M"


# ---------------------------------------------------------------------------- other references


def test_efron_matches_lifelines() -> None:
    """lifelines CoxPHFitter (Efron only) on large.csv. Its convergence criterion is looser than
    coxph's, so agreement is ~1e-5 (r-parity item 7): compare at 1e-4."""
    lifelines = pytest.importorskip("lifelines")
    d = _cohort("large")
    cols = ["homo", "age", "platinum"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = lifelines.CoxPHFitter().fit(d[["pfs_time", "pfs_status", *cols]], "pfs_time",
                                          "pfs_status")
    model = fit_cox(d.pfs_time, d.pfs_status, d[cols])
    assert isinstance(model, CoxModel)
    np.testing.assert_allclose([t.coef for t in model.terms], cph.params_[cols], rtol=1e-4)
    np.testing.assert_allclose([t.se for t in model.terms], cph.standard_errors_[cols],
                               rtol=1e-4)
    assert model.loglik == pytest.approx(cph.log_likelihood_, rel=1e-6)


def _naive_cox(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray,
               ties: str) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and information by the textbook loop over event times."""
    p = x.shape[1]
    loglik, u, info = 0.0, np.zeros(p), np.zeros((p, p))
    with np.errstate(over="ignore"):
        risk = np.exp(x @ beta)
    if not np.isfinite(risk).all():
        return -math.inf, u, info
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        dead = (time == t) & (event == 1)
        d = int(dead.sum())
        s0, s1 = risk[at_risk].sum(), risk[at_risk] @ x[at_risk]
        s2 = (risk[at_risk, None] * x[at_risk]).T @ x[at_risk]
        d0, d1 = risk[dead].sum(), risk[dead] @ x[dead]
        d2 = (risk[dead, None] * x[dead]).T @ x[dead]
        loglik += (x[dead] @ beta).sum()
        u += x[dead].sum(axis=0)
        for k in range(d):
            f = k / d if ties == "efron" else 0.0
            den = s0 - f * d0
            mean = (s1 - f * d1) / den
            loglik -= math.log(den)
            u -= mean
            info += (s2 - f * d2) / den - np.outer(mean, mean)
    return loglik, u, info


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_vectorised_engine_matches_naive_loop(ties: str) -> None:
    """Heavy ties (whole months), several strata of 1: the cumulative-sum engine against the
    loop, at the fitted β, and a naive Newton to 1e-12 against fit_cox."""
    d = _cohort("heavy_ties")
    cols = ["homo", "age", "platinum"]
    x = d[cols].to_numpy(float)
    time, event = d.os_time.to_numpy(float), d.os_status.to_numpy(int)
    model = fit_cox(time, event, d[cols], ties=ties)
    assert isinstance(model, CoxModel)
    beta = np.array([t.coef for t in model.terms])
    loglik, u, info = _naive_cox(time, event, x, beta, ties)
    assert model.loglik == pytest.approx(loglik, rel=1e-12)
    np.testing.assert_allclose(u, 0, atol=1e-6)
    np.testing.assert_allclose([t.se for t in model.terms], np.sqrt(np.diag(np.linalg.inv(info))),
                               rtol=1e-9)
    # Plain Newton from 0, halving a step that lowers the likelihood, to 1e-13.
    b = np.zeros(len(cols))
    ll, u, info = _naive_cox(time, event, x, b, ties)
    for _ in range(60):
        step = np.linalg.solve(info, u)
        while True:
            new_ll, new_u, new_info = _naive_cox(time, event, x, b + step, ties)
            if np.isfinite(new_ll) and new_ll >= ll:
                break
            step = step / 2
        b, converged = b + step, abs(new_ll - ll) < 1e-13 * abs(ll)
        ll, u, info = new_ll, new_u, new_info
        if converged:
            break
    np.testing.assert_allclose(beta, b, rtol=1e-8)


def test_breslow_and_efron_differ_with_ties() -> None:
    """heavy_ties: the two tie rules must give different answers (each matches R above)."""
    r = R["cohorts"]["heavy_ties"]["pfs"]
    assert r["efron_univariable"]["coef"] != pytest.approx(r["breslow_univariable"]["coef"],
                                                           rel=1e-4)


def test_results_are_serialisable() -> None:
    from her2dash.results import to_jsonable

    d = _cohort("paper_size")
    model = fit_cox(d.pfs_time, d.pfs_status, d[["homo", "age67"]])
    zph = proportional_hazards_test(d.pfs_time, d.pfs_status, d[["homo", "age67"]])
    out = json.loads(json.dumps(to_jsonable(model)))
    assert out["terms"][0]["name"] == "homo"
    assert json.loads(json.dumps(to_jsonable(zph)))["transform"] == "km"


def test_zph_needs_events_at_more_than_one_time() -> None:
    """All events at one time: g(t) − mean is 0, so cox.zph's score test has no information."""
    f = _small_frame(40)
    time = np.where(f.event == 1, 5.0, f.time + 5.0)
    assert isinstance(fit_cox(time, f.event, f[["age"]]), CoxModel)
    zph = proportional_hazards_test(time, f.event, f[["age"]])
    assert isinstance(zph, Unavailable)
    assert zph.reason == "the proportional hazards test needs events at more than one time"


@pytest.mark.parametrize(("time", "event", "message"), [
    pytest.param([-1.0, 2.0, 3.0], [1, 0, 1], "survival times must be finite", id="negative"),
    pytest.param([1.0, 2.0, 3.0], [1, 2, 1], "event must be 0/1", id="event-not-0-1"),
    pytest.param([1.0, 2.0], [1, 0, 1], "equal length", id="lengths"),
])
def test_malformed_input_raises(time: list, event: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_cox(time, event, pd.DataFrame({"x": [0, 1, 0]}))


def test_fit_with_ph_test_equals_the_two_separate_calls():
    """One fit serves both: ``fit <- coxph(...); cox.zph(fit)``."""
    from her2dash.cox import fit_cox_with_ph_test

    rng = np.random.default_rng(7)
    n = 120
    time = rng.exponential(10, n).round(1)
    event = (rng.random(n) < 0.8).astype(float)
    design = pd.DataFrame({"homo": rng.random(n) < 0.4,
                           "site": pd.Categorical(rng.choice(["EGJ", "stomach"], n))})
    model, ph = fit_cox_with_ph_test(time, event, design)
    assert model == fit_cox(time, event, design)
    alone = proportional_hazards_test(time, event, design)
    assert ph.chisq == alone.chisq and ph.global_pvalue == alone.global_pvalue
    empty = fit_cox_with_ph_test(time, np.zeros(n), design)
    assert empty == (fit_cox(time, np.zeros(n), design),) * 2


def test_univariable_models_without_events_say_so():
    """No events at all: every univariable model is Unavailable("no events"), none raises."""
    covariates = pd.DataFrame({"a": [0, 1, 0, 1], "b": [1.0, 2.0, 3.0, 4.0]})
    out = univariable_cox([1.0, 2.0, 3.0, 4.0], [0, 0, 0, 0], covariates)
    assert set(out) == {"a", "b"}
    assert all(isinstance(m, Unavailable) and "no events" in m.reason for m in out.values())

"""Every statistic of the paper for one cohort under one :class:`~her2dash.settings.Settings`.

:func:`analyze` is the one place that turns a classified cohort into results: the CLI's
``analyze`` JSON, the reports and the dashboard pages all read its fields, so what a page shows
and what the command line prints cannot disagree. It only arranges calls into the topic modules
(survival, cox, response, baseline, biopsy_count, specimens); no statistic is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2dash.baseline import BaselineTable, baseline_table
from her2dash.biopsy_count import BiopsyCountCorrelation, biopsy_count_correlation
from her2dash.classify import HOMOGENEOUS, Classification, classify
from her2dash.cohort import Cohort
from her2dash.covariates import Covariate, covariate_frame
from her2dash.cox import (
    CoxModel,
    HazardRatio,
    PHTest,
    fit_cox_with_ph_test,
    hazard_ratio,
    univariable_cox,
)
from her2dash.response import DepthOfResponse, ResponseTable, depth_of_response, response_table
from her2dash.results import Unavailable
from her2dash.settings import ENDPOINTS, Settings
from her2dash.specimens import SpecimenComparison, specimen_comparison
from her2dash.survival import EndpointSurvival, endpoint_survival

GROUP_TERM = "her2_group"
ENDPOINT_LABELS = {"pfs": "progression-free survival", "os": "overall survival"}


@dataclass(frozen=True, slots=True, eq=False)
class EndpointAnalysis:
    """Survival statistics of one endpoint (PFS or OS) for the included patients.

    ``hazard_ratio`` is homogeneous versus heterogeneous (reference), unadjusted;
    ``stratified_hazard_ratio`` the same with a baseline hazard per stratum of the settings'
    ``cox_covariates``; ``multivariable`` the group plus those covariates (Table 2);
    ``univariable`` one model per covariate (ESM 4).
    """

    endpoint: str
    survival: EndpointSurvival | Unavailable
    hazard_ratio: HazardRatio | Unavailable
    stratified_hazard_ratio: HazardRatio | Unavailable
    multivariable: CoxModel | Unavailable
    univariable: dict[str, CoxModel | Unavailable]
    proportional_hazards: PHTest | Unavailable
    biopsy_count: BiopsyCountCorrelation | Unavailable


@dataclass(frozen=True, slots=True, eq=False)
class Analysis:
    """All results for ``settings`` on the cohort with ``fingerprint``."""

    settings: Settings
    fingerprint: str
    synthetic: bool
    n_patients: int
    n_homogeneous: int
    n_heterogeneous: int
    n_excluded: int
    covariates: tuple[Covariate, ...]
    endpoints: dict[str, EndpointAnalysis | Unavailable]
    response: ResponseTable | Unavailable
    depth_of_response: DepthOfResponse | Unavailable
    baseline: BaselineTable | Unavailable
    specimens: SpecimenComparison | Unavailable
    notes: tuple[str, ...]


def _needs(cohort: Cohort, *columns: str) -> Unavailable | None:
    missing = [c for c in columns if not cohort.has(c)]
    if missing:
        return Unavailable(f"the cohort has no {' / '.join(missing)} column")
    return None


def _groups_present(n_homo: int, n_hetero: int) -> Unavailable | None:
    if n_homo + n_hetero == 0:
        return Unavailable("no patients are included under these settings")
    if n_homo == 0 or n_hetero == 0:
        empty = HOMOGENEOUS if n_homo == 0 else "heterogeneous"
        return Unavailable(f"the {empty} group is empty under these settings, so the two "
                           "groups cannot be compared")
    return None


def _endpoint(cohort: Cohort, settings: Settings, endpoint: str, patients: pd.DataFrame,
              homo: np.ndarray, covariates: pd.DataFrame, n_fragments: np.ndarray,
              comparable: Unavailable | None) -> EndpointAnalysis | Unavailable:
    time_col, event_col = f"{endpoint}_months", f"{endpoint}_event"
    lacking = _needs(cohort, time_col, event_col)
    if lacking is not None:
        return lacking
    time = patients[time_col].to_numpy(dtype=float)
    event = patients[event_col].to_numpy(dtype=float)
    level = settings.conf_level
    survival = endpoint_survival(time, event, homo, endpoint=endpoint, conf_level=level,
                                 conf_type=settings.conf_type)
    adjust = [c for c in settings.cox_covariates if c in covariates.columns]
    group = pd.DataFrame({GROUP_TERM: pd.Categorical(
        np.where(homo, HOMOGENEOUS, "heterogeneous"), categories=["heterogeneous", HOMOGENEOUS])},
        index=patients.index)
    if comparable is not None:
        hr = strat = multi = ph = comparable
    else:
        hr = hazard_ratio(time, event, homo, conf_level=level)
        strat = (hazard_ratio(time, event, homo, strata=covariates[adjust], conf_level=level)
                 if adjust else Unavailable("no adjustment covariates chosen"))
        design = pd.concat([group, covariates[adjust]], axis=1)
        multi, ph = fit_cox_with_ph_test(time, event, design, conf_level=level)
        if not adjust:
            multi = Unavailable("no adjustment covariates chosen")
    univariable = univariable_cox(time, event, pd.concat([group, covariates], axis=1),
                                  conf_level=level)
    biopsy = (comparable if comparable is not None
              else biopsy_count_correlation(n_fragments, time, homo))
    return EndpointAnalysis(endpoint, survival, hr, strat, multi, univariable, ph, biopsy)


def analyze(cohort: Cohort, settings: Settings,
            classification: Classification | None = None) -> Analysis:
    """Classify (unless given) and compute every statistic for the included patients."""
    if classification is None:
        classification = classify(cohort, settings)
    included = classification.included
    patients = cohort.patients.loc[included.index]
    homo = (included["group"] == HOMOGENEOUS).to_numpy()
    n_fragments = included["n_fragments"].to_numpy(dtype=float)
    covariates, found = covariate_frame(patients, cohort.covariates)
    comparable = _groups_present(classification.n_homogeneous, classification.n_heterogeneous)
    notes = list(classification.notes)
    missing_adjust = [c for c in settings.cox_covariates if c not in covariates.columns]
    if missing_adjust:
        notes.append(f"adjustment covariate(s) {', '.join(missing_adjust)} not in this cohort: "
                     "left out of the multivariable and stratified Cox models")

    endpoints = {e: _endpoint(cohort, settings, e, patients, homo, covariates, n_fragments,
                              comparable) for e in ENDPOINTS}
    response: ResponseTable | Unavailable = (
        _needs(cohort, "best_response") or response_table(
            patients["best_response"].astype(object).to_numpy(), homo,
            conf_level=settings.conf_level))
    depth: DepthOfResponse | Unavailable = (
        _needs(cohort, "best_pct_change") or comparable
        or depth_of_response(patients["best_pct_change"].to_numpy(dtype=float), homo))
    baseline: BaselineTable | Unavailable
    if comparable is not None:
        baseline = comparable
    elif not found:
        baseline = Unavailable("the cohort has no covariates")
    else:
        baseline = baseline_table(covariates, homo, [c.name for c in found],
                                  continuous=[c.name for c in found if c.kind == "continuous"])
    specimens: SpecimenComparison | Unavailable = (
        _needs(cohort, "specimen_type") or specimen_comparison(
            patients, pd.Series(homo, index=patients.index), conf_level=settings.conf_level))
    return Analysis(
        settings=settings, fingerprint=cohort.fingerprint, synthetic=cohort.synthetic,
        n_patients=cohort.n_patients, n_homogeneous=classification.n_homogeneous,
        n_heterogeneous=classification.n_heterogeneous, n_excluded=classification.n_excluded,
        covariates=found, endpoints=endpoints, response=response, depth_of_response=depth,
        baseline=baseline, specimens=specimens, notes=tuple(notes),
    )

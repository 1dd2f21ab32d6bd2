"""Patient covariates as the analyses use them: the paper's groupings and reference levels.

The baseline table (Table 1) and the Cox models (Table 2, ESM 4) read the same frame, so a
covariate means the same thing on every page: ``age_group`` is the paper's ≥ 67 versus < 67
(Table 1 prints "< 66", which leaves 66 out; its counts show the split is at 67), CEA and CA19-9
are split at the paper's 5.0 ng/ml and 37.0 U/ml, and each categorical covariate lists its
levels reference first, so a Cox hazard ratio is "level versus reference" exactly as Table 2
prints it (age ≥ 67, platinum yes, and for the HER2 group, heterogeneous, are the references).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["categorical", "continuous"]

# Numeric user columns with at most this many distinct values are treated as categories.
_MAX_CATEGORICAL_LEVELS = 5


@dataclass(frozen=True, slots=True)
class Covariate:
    """One analysis covariate. ``levels`` (categorical only) list the reference level first."""

    name: str
    label: str
    kind: Kind
    source: str
    levels: tuple[str, ...] = ()
    user: bool = False


AGE_CUT_YEARS = 67.0
CEA_CUT = 5.0
CA199_CUT = 37.0

# In the order of the paper's Table 1. Levels: reference first (Table 2's references).
CONTRACT_COVARIATES: tuple[Covariate, ...] = (
    Covariate("age", "Age (years)", "continuous", "age"),
    Covariate("age_group", "Age group", "categorical", "age", ("≥ 67", "< 67")),
    Covariate("sex", "Sex", "categorical", "sex", ("M", "F")),
    Covariate("ecog", "ECOG PS", "categorical", "ecog", ("0", "1", "2", "3", "4")),
    Covariate("primary_site", "Primary tumour site", "categorical", "primary_site",
              ("EGJ", "stomach")),
    Covariate("histology", "Histological type", "categorical", "histology",
              ("differentiated", "undifferentiated")),
    Covariate("visceral_metastasis", "Visceral metastasis", "categorical", "visceral_metastasis",
              ("no", "yes")),
    Covariate("previous_gastrectomy", "Previous gastrectomy", "categorical",
              "previous_gastrectomy", ("no", "yes")),
    Covariate("platinum", "Platinum-based", "categorical", "platinum", ("yes", "no")),
    Covariate("conversion_surgery", "Conversion surgery", "categorical", "conversion_surgery",
              ("no", "yes")),
    Covariate("second_line", "Second-line chemotherapy", "categorical", "second_line",
              ("no", "yes")),
    Covariate("beyond_her2", "Beyond HER2-targeted therapy", "categorical", "beyond_her2",
              ("no", "yes")),
    Covariate("her2_status", "HER2 status", "categorical", "her2_status",
              ("IHC3+", "IHC2+FISH+")),
    Covariate("cea_group", "CEA (ng/ml)", "categorical", "cea", ("< 5.0", "≥ 5.0")),
    Covariate("cea", "CEA (ng/ml), continuous", "continuous", "cea"),
    Covariate("ca199_group", "CA19-9 (U/ml)", "categorical", "ca199", ("< 37.0", "≥ 37.0")),
    Covariate("ca199", "CA19-9 (U/ml), continuous", "continuous", "ca199"),
)
_BY_NAME = {c.name: c for c in CONTRACT_COVARIATES}


def _split(values: pd.Series, cut: float, labels: tuple[str, str], *, high_first: bool
           ) -> pd.Categorical:
    """Split a number at ``cut`` (≥ cut is "high"); NaN stays missing."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    high, low = (labels[0], labels[1]) if high_first else (labels[1], labels[0])
    text = np.where(np.isnan(x), None, np.where(x >= cut, high, low))
    return pd.Categorical(text, categories=list(labels))


def _categorical(values: pd.Series, levels: Sequence[str] | None = None) -> pd.Categorical:
    """Values as text categories; booleans become yes/no. Unlisted levels go after ``levels``.

    Labels are made once per distinct value (a cohort has a handful per column), then the
    categorical is built from codes: per-row string work costs ~0.1 s per 100,000 patients.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if isinstance(values.dtype, pd.BooleanDtype) or values.dtype == bool:
        labels = ["yes" if bool(v) else "no" for v in uniques]
    elif pd.api.types.is_numeric_dtype(values.dtype):
        labels = [f"{v:g}" for v in uniques]  # 1.0 and 1 are one level, shown as "1"
    else:
        labels = [str(v) for v in uniques]
    order = [lv for lv in (levels or ()) if lv in labels]
    order += sorted(set(labels) - set(order))
    position = {label: i for i, label in enumerate(order)}
    remap = np.array([position[label] for label in labels] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes], categories=order)


def covariate_frame(patients: pd.DataFrame, user_covariates: Sequence[str] = ()
                    ) -> tuple[pd.DataFrame, tuple[Covariate, ...]]:
    """The covariates this cohort has, one column each, indexed like ``patients``.

    Categorical columns are pandas ``Categorical`` with the reference level first (levels that
    do not occur are dropped); continuous ones are float. A contract covariate whose source
    column is absent or entirely blank is left out; so is a user column with one value only.
    """
    columns: dict[str, object] = {}
    found: list[Covariate] = []
    for cov in CONTRACT_COVARIATES:
        if cov.source not in patients.columns or not patients[cov.source].notna().any():
            continue
        s = patients[cov.source]
        if cov.name == "age_group":
            values: object = _split(s, AGE_CUT_YEARS, cov.levels, high_first=True)
        elif cov.name in ("cea_group", "ca199_group"):
            cut = CEA_CUT if cov.name == "cea_group" else CA199_CUT
            values = _split(s, cut, cov.levels, high_first=False)
        elif cov.kind == "continuous":
            values = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
        else:
            values = _categorical(s, cov.levels)
        if cov.kind == "categorical":
            cov = Covariate(cov.name, cov.label, cov.kind, cov.source,
                            tuple(values.categories))  # type: ignore[union-attr]
        columns[cov.name] = values
        found.append(cov)
    for name in user_covariates:
        if name not in patients.columns or name in columns:
            continue
        s = patients[name]
        if s.nunique(dropna=True) < 2:
            continue
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(
            s.dtype)
        if numeric and s.nunique(dropna=True) > _MAX_CATEGORICAL_LEVELS:
            columns[name] = s.astype(float).to_numpy()
            found.append(Covariate(name, name, "continuous", name, user=True))
        else:
            cat = _categorical(s)
            columns[name] = cat
            found.append(Covariate(name, name, "categorical", name, tuple(cat.categories),
                                   user=True))
    return pd.DataFrame(columns, index=patients.index), tuple(found)


def covariate(name: str) -> Covariate | None:
    """The contract covariate called ``name`` (``None`` for user columns)."""
    return _BY_NAME.get(name)

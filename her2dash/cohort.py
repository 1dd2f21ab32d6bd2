"""The validated cohort: typed patient and fragment tables plus a fingerprint.

Built only by :func:`her2dash.validate.build_cohort`. Patients are indexed by ``patient_id``;
every patient has at least one tumour-containing fragment (others are left out, with a reason,
at validation). Contract columns have fixed types; user columns are kept as covariates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from her2dash.values import RESPONSES

FRAGMENT_FIELDS = ("patient_id", "fragment_id", "tumor_present", "ihc_score", "pct_positive",
                   "pct_defaulted")
# Columns ``Cohort.fragments`` has only when the upload gives them (issue 10): intensity shares
# and size (float, NaN = missing), ISH results, and the specimen's kind, timepoint and date.
OPTIONAL_FRAGMENT_FIELDS = ("pct_1plus", "pct_2plus", "pct_3plus", "tumor_cells",
                            "tumor_area_mm2", "ish_ratio", "ish_pct_amplified",
                            "her2_copy_number", "ish_status", "specimen_type", "timepoint",
                            "specimen_date")
SCORE_LABELS = ("0", "1+", "2+", "3+")


@dataclass(frozen=True, eq=False)
class Cohort:
    """Patients (index ``patient_id``) and fragments of one cohort.

    ``patients`` columns: the contract columns that were given (times float months, events float
    0/1 with NaN for missing, ``best_response`` one of CR/PR/SD/PD/NE, yes/no columns as pandas
    ``boolean``, categories as text) and user ``covariates``. ``fragments``: ``patient_id``,
    ``fragment_id``, ``tumor_present`` (bool), ``ihc_score`` (0–3, −1 when blank on a fragment
    without tumour), ``pct_positive`` (0–100), ``pct_defaulted`` (filled from the score), and
    those of :data:`OPTIONAL_FRAGMENT_FIELDS` the upload gave: ``pct_1plus``/``pct_2plus``/
    ``pct_3plus`` (0–100), ``tumor_cells``, ``tumor_area_mm2``, ``ish_ratio``,
    ``ish_pct_amplified``, ``her2_copy_number`` (floats, NaN missing), ``ish_status`` (pandas
    ``boolean``, True = amplified, <NA> = not done), ``specimen_type`` ("biopsy" /
    "resection"), ``timepoint`` ("baseline" / "post-progression"; derived from
    ``specimen_date`` and the patient's ``therapy_start`` when not given) and
    ``specimen_date`` (datetime64, NaT missing).
    """

    patients: pd.DataFrame
    fragments: pd.DataFrame
    source: str = ""
    covariates: tuple[str, ...] = ()
    synthetic: bool = False
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", fingerprint(self.patients, self.fragments))

    @property
    def n_patients(self) -> int:
        return len(self.patients)

    @property
    def n_fragments(self) -> int:
        return len(self.fragments)

    def has(self, column: str) -> bool:
        """Whether the cohort holds ``column`` with at least one value."""
        return column in self.patients.columns and bool(self.patients[column].notna().any())

    def has_fragment(self, column: str) -> bool:
        """Whether the fragments hold ``column`` with at least one value."""
        return column in self.fragments.columns and bool(self.fragments[column].notna().any())


def fingerprint(patients: pd.DataFrame, fragments: pd.DataFrame) -> str:
    """A short, stable hash of the cohort's content (values, columns and order).

    The cache key and the data fingerprint printed on reports: equal data give equal
    fingerprints in every session and process (pandas' row hash uses a fixed key).
    """
    h = hashlib.sha256()
    for frame in (patients, fragments):
        h.update("\x1f".join(map(str, frame.columns)).encode())
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def response_categorical(values: object) -> pd.Categorical:
    return pd.Categorical(values, categories=list(RESPONSES))

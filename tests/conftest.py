"""Shared fixtures: the canonical small cohort every ingestion/validation test starts from."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from her2dash.ingest import InputFile


def canonical_patients() -> pd.DataFrame:
    """Six patients with every kind of contract column and two user covariates."""
    return pd.DataFrame({
        "patient_id": ["P01", "P02", "P03", "P04", "P05", "P06"],
        "pfs_months": [5.5, 12.25, 3.0, 8.75, 20.0, 0.5],
        "pfs_event": [1, 0, 1, 1, 0, 1],
        "os_months": [10.5, 24.0, 6.25, 15.0, 30.5, 2.0],
        "os_event": [1, 0, 1, 1, 0, 1],
        "best_response": ["PR", "CR", "PD", "SD", "PR", "NE"],
        "best_pct_change": [-45.5, -100.0, 25.0, -10.0, -60.0, np.nan],
        "age": [65.0, 72.0, 58.0, 80.0, 49.0, 67.0],
        "sex": ["M", "F", "M", "M", "F", "F"],
        "primary_site": ["EGJ", "stomach", "stomach", "EGJ", "stomach", "stomach"],
        "visceral_metastasis": [True, False, True, False, False, True],
        "platinum": [True, True, False, True, True, False],
        "smoking": ["never", "current", "former", "never", "never", "current"],
        "bmi": [22.5, 19.0, 27.25, 24.0, 21.5, 18.75],
    })


def canonical_fragments() -> pd.DataFrame:
    """Fifteen fragments; P02's F3 has no tumour, and fragment ids repeat across patients."""
    rows = [
        ("P01", "F1", 1, "3+", 100.0), ("P01", "F2", 1, "2+", 80.0), ("P01", "F3", 1, "3+", 100.0),
        ("P02", "F1", 1, "2+", 50.0), ("P02", "F2", 1, "0", 0.0), ("P02", "F3", 0, "0", 0.0),
        ("P03", "F1", 1, "3+", 100.0), ("P03", "F2", 1, "3+", 100.0),
        ("P04", "F1", 1, "1+", 0.0), ("P04", "F2", 1, "2+", 30.0),
        ("P05", "F1", 1, "3+", 100.0), ("P05", "F2", 1, "3+", 90.0),
        ("P05", "F3", 1, "2+", 100.0),
        ("P06", "F1", 1, "2+", 100.0), ("P06", "F2", 1, "3+", 100.0),
    ]
    return pd.DataFrame(rows, columns=["patient_id", "fragment_id", "tumor_present",
                                       "ihc_score", "pct_positive"])


def csv_pair(patients: pd.DataFrame, fragments: pd.DataFrame, *, suffix: str = ".csv",
             encoding: str = "utf-8", **to_csv: object) -> list[InputFile]:
    """The two tables as CSV uploads named patients/fragments."""
    return [
        InputFile(f"patients{suffix}",
                  patients.to_csv(index=False, **to_csv).encode(encoding)),  # type: ignore[arg-type]
        InputFile(f"fragments{suffix}",
                  fragments.to_csv(index=False, **to_csv).encode(encoding)),  # type: ignore[arg-type]
    ]


def xlsx_bytes(**sheets: pd.DataFrame) -> bytes:
    """A workbook with one sheet per keyword, as uploaded bytes."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buf.getvalue()


@pytest.fixture
def patients_df() -> pd.DataFrame:
    return canonical_patients()


@pytest.fixture
def fragments_df() -> pd.DataFrame:
    return canonical_fragments()


@pytest.fixture
def canonical_csv() -> list[InputFile]:
    """The canonical cohort as two plain UTF-8 comma-separated files."""
    return csv_pair(canonical_patients(), canonical_fragments())


SCORE_CODES = {"0": 0, "1+": 1, "2+": 2, "3+": 3}


def assert_cohort_equals(cohort, patients: pd.DataFrame, fragments: pd.DataFrame) -> None:
    """The loaded cohort holds exactly the values of the tables it was written from."""
    assert cohort is not None
    got = cohort.patients
    assert list(got.index) == [str(p) for p in patients["patient_id"]]
    for col in patients.columns.drop("patient_id"):
        assert col in got.columns, col
        want = patients[col]
        if pd.api.types.is_bool_dtype(want.dtype):
            assert got[col].tolist() == want.tolist(), col
        elif pd.api.types.is_numeric_dtype(want.dtype):
            np.testing.assert_allclose(got[col].to_numpy(dtype=float),
                                       want.to_numpy(dtype=float), err_msg=col)
        else:
            assert got[col].astype(object).tolist() == want.tolist(), col
    frag = cohort.fragments
    assert frag["patient_id"].tolist() == [str(p) for p in fragments["patient_id"]]
    assert frag["fragment_id"].tolist() == [str(f) for f in fragments["fragment_id"]]
    assert frag["tumor_present"].tolist() == [bool(t) for t in fragments["tumor_present"]]
    assert frag["ihc_score"].tolist() == [SCORE_CODES[s] for s in fragments["ihc_score"]]
    np.testing.assert_allclose(frag["pct_positive"].to_numpy(dtype=float),
                               fragments["pct_positive"].to_numpy(dtype=float))


@pytest.fixture(autouse=True)
def _streamlit_navigation_as_served(monkeypatch):
    """Run AppTest the way the server runs this app: as an ``st.navigation`` app.

    A folder called ``pages/`` beside ``app.py`` switches Streamlit's page manager to the old
    pages-directory mode until the first ``st.navigation`` call turns it off for the life of the
    server. AppTest resets that flag before every run, so from its second run on it executes
    the page file alone, skipping app.py (no sidebar, no settings). Forcing the flag off after
    each PagesManager is built reproduces the served state; it changes nothing else.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)

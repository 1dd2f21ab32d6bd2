"""A cohort template: the contract's columns with a few example rows, as XLSX or CSV bytes."""

from __future__ import annotations

import io

import pandas as pd

from her2dash.columns import DATE_COLUMNS, FRAGMENT_COLUMNS, PATIENT_COLUMNS


def template_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three invented patients (EX-1…EX-3) showing each column's expected values."""
    patients = pd.DataFrame({
        "patient_id": ["EX-1", "EX-2", "EX-3"],
        "pfs_months": [10.8, 6.1, 3.2], "pfs_event": [1, 1, 0],
        "os_months": [29.3, 14.4, 8.0], "os_event": [0, 1, 0],
        "best_response": ["PR", "SD", ""], "best_pct_change": [-49.0, -12.5, None],
        "specimen_type": ["biopsy", "biopsy", "biopsy"], "age": [62, 71, 58],
        "sex": ["M", "F", "M"], "ecog": [0, 1, 0], "primary_site": ["stomach", "EGJ", "stomach"],
        "histology": ["differentiated", "undifferentiated", "differentiated"],
        "visceral_metastasis": ["yes", "no", "yes"], "previous_gastrectomy": ["no", "no", "yes"],
        "platinum": ["yes", "yes", "no"], "conversion_surgery": ["no", "no", "no"],
        "second_line": ["yes", "yes", "no"], "beyond_her2": ["no", "yes", "no"],
        "her2_status": ["IHC3+", "IHC3+", "IHC2+FISH+"], "cea": [3.1, 12.0, 5.6],
        "ca199": [20.0, 88.0, 41.0],
    })
    fragments = pd.DataFrame({
        "patient_id": ["EX-1"] * 3 + ["EX-2"] * 4 + ["EX-3"] * 2,
        "fragment_id": ["F1", "F2", "F3", "F1", "F2", "F3", "F4", "F1", "F2"],
        "tumor_present": [1, 1, 1, 1, 1, 1, 0, 1, 1],
        "ihc_score": ["3+", "3+", "2+", "3+", "2+", "1+", "0", "2+", "0"],
        "pct_positive": [100, 100, 100, 100, 60, 0, 0, 40, 0],
    })
    return patients, fragments


def column_guide() -> pd.DataFrame:
    """One row per contract column: table, required, expected values, meaning."""
    rows = [
        {"table": c.table, "column": c.name, "required": "yes" if c.required else "no",
         "expected": c.expected, "meaning": c.meaning}
        for c in (*PATIENT_COLUMNS, *FRAGMENT_COLUMNS)
    ]
    guide = pd.DataFrame(rows)
    patients = guide["table"] == "patients"
    guide.loc[patients & guide["column"].isin(DATE_COLUMNS), "required"] = "instead of times"
    guide.loc[patients & (guide["column"] == "fragment_description"), "required"] = (
        "instead of a fragments table")
    return guide


def template_xlsx() -> bytes:
    """A workbook with ``patients``, ``fragments`` and a ``columns`` guide sheet."""
    patients, fragments = template_tables()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        patients.to_excel(writer, sheet_name="patients", index=False)
        fragments.to_excel(writer, sheet_name="fragments", index=False)
        column_guide().to_excel(writer, sheet_name="columns", index=False)
    return buffer.getvalue()


def template_csv() -> tuple[bytes, bytes]:
    """``(patients.csv, fragments.csv)`` as UTF-8 bytes."""
    patients, fragments = template_tables()
    return (patients.to_csv(index=False).encode(), fragments.to_csv(index=False).encode())

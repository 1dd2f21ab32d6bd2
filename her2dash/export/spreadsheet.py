"""Display tables as CSV and XLSX bytes that a spreadsheet will not execute.

The rule (OWASP "CSV injection"): a **text** cell whose first character is ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading apostrophe (``'=SUM(A1)``), so Excel,
LibreOffice and Google Sheets show it as text instead of evaluating it. Real numbers (``int``,
``float``, numpy numbers, including negative ones) are left alone and stay numeric in the XLSX.
The display tables of :mod:`her2dash.tables` are text and write negative values with the Unicode
minus (``"−0.5"``), which no spreadsheet reads as a formula, so they are not touched either.

References: https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
import numbers

import pandas as pd

from her2dash.suppress import NO_SUPPRESSION, Suppression

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` if it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and the column names) neutralised; numeric
    columns keep their dtype."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column])
                or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(
                lambda v: v if isinstance(v, numbers.Number) else neutralise(v))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame, *, suppression: Suppression = NO_SUPPRESSION) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel then reads "−" and "≥" correctly), no index.

    Text is always quoted (pandas would leave a lone carriage return unquoted, which splits the
    row in a spreadsheet); numbers are not, so they stay numbers. Under ``suppression`` (the
    frame already masked by its table builder) the first line states it, so the file says so
    wherever it goes; the header follows on the second line.
    """
    body = safe_frame(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    if suppression.enabled:
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerow([suppression.explanation])
        body = buffer.getvalue() + body
    return body.encode("utf-8-sig")


def to_xlsx_bytes(sheets: pd.DataFrame | dict[str, pd.DataFrame], *,
                  suppression: Suppression = NO_SUPPRESSION) -> bytes:
    """One workbook, a sheet per table (sheet names cut to Excel's 31 characters), no index.

    Text cells are written as strings (openpyxl would otherwise turn ``"=SUM(A1)"`` into a
    formula cell), numbers as numbers. Under ``suppression`` each sheet's first row states it
    and the table starts on row 3.
    """
    if isinstance(sheets, pd.DataFrame):
        sheets = {"table": sheets}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        start = 2 if suppression.enabled else 0
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, sheet_name=_sheet_name(name), index=False,
                                       startrow=start)
            if suppression.enabled:
                writer.sheets[_sheet_name(name)]["A1"] = suppression.explanation
            for row in writer.sheets[_sheet_name(name)].iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # belt and braces: never leave a formula cell
                        cell.data_type = "s"
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:31] or "table"

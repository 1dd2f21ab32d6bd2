"""Columns that look like they identify a patient, and dropping them before validation.

A column is flagged by its header (``Patient name``, ``MRN``, ``生年月日``, ``phone``) or, when it
is not mapped to the contract, by its values: most cells look like ``Firstname Lastname``, like
dates of birth (years 1920–2010), or like long record numbers unique to each patient. Dropped
columns are removed from the :class:`~her2dash.ingest.RawTables`, so they never reach the Cohort,
its fingerprint, the analysis or any export. The mapped ``patient_id`` is never dropped (the
tables are linked by it); when it looks identifying the advice is to pseudonymise it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from her2dash.columns import ColumnMapping
from her2dash.ingest import RawTable, RawTables

RawRole = Literal["patients", "fragments", "long"]
Kind = Literal["name", "record number", "birth date", "contact"]

# Share of non-blank cells that must look identifying for a value-based flag.
_MOSTLY = 0.8
_MIN_VALUES = 3
_BIRTH_YEARS = (1920, 2010)


@dataclass(frozen=True, slots=True)
class IdentifyingColumn:
    """One column that looks like it identifies patients, and why.

    ``droppable`` is False for the mapped ``patient_id``, which links the tables and is kept.
    """

    table: RawRole
    column: str
    kind: Kind
    reason: str
    droppable: bool = True

    def describe(self) -> str:
        return f"{self.table} · {self.column} ({self.kind}): {self.reason}"


# -- headers ---------------------------------------------------------------------------------
# Matched against the header folded to lower-case words ("Patient name" -> "patient name").
_HEADER_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("name", r"^(patient |pt |full |first |last |given |family |middle |sur |fore )?name$"
                 r"|\b(firstname|lastname|surname|forename|given name|family name|"
                 r"patient name|full name|first name|last name|patient initials|initials)\b"
                 r"|氏名|患者名|名前|姓名|ふりがな|フリガナ|カナ"),
        ("record number", r"\b(mrn|medical record|hospital (number|no|id|record)|"
                          r"record (number|no)|case (number|no)|nhs (number|no)|chi (number|no)|"
                          r"ssn|social security|insurance (number|no)|national id)\b"
                          r"|カルテ|診察券|患者番号|病歴番号|保険者番号|被保険者|マイナンバー"),
        ("birth date", r"\b(dob|d o b|date of birth|birth ?date|birthday|born|"
                       r"year of birth|birth year)\b|生年月日|誕生日|生年"),
        ("contact", r"\b(phone|telephone|tel|mobile|fax|address|e ?mail|zip|zip code|"
                    r"postcode|post code|postal code)\b|電話|住所|郵便番号|メール|連絡先"),
    )
)


def _header_words(column: object) -> str:
    text = unicodedata.normalize("NFKC", str(column)).lower()
    return " ".join(re.split(r"[^0-9a-z\u3040-\u30ff\u4e00-\u9fff]+", text)).strip()


def header_kind(column: object) -> Kind | None:
    """The kind of identifier a header names, or None."""
    words = _header_words(column)
    for kind, pattern in _HEADER_PATTERNS:
        if pattern.search(words):
            return kind
    return None


# -- values ----------------------------------------------------------------------------------
_LATIN_NAME = re.compile(r"^[A-Z][a-z'\-]+(?: [A-Z]\.?)?(?:,? [A-Z][a-z'\-]+)+$"
                         r"|^[A-Z][A-Z'\-]+,? [A-Z][a-z'\-]+$")
_CJK = "[\u3040-\u30ff\u4e00-\u9fff]"
_CJK_NAME = re.compile(f"^{_CJK}{{1,5}}[ \u3000]{_CJK}{{1,5}}$")
_RECORD = re.compile(r"^[A-Za-z]{0,3}-?\d{6,}$")
_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d.*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: \d.*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _cells(series: pd.Series) -> pd.Series:
    """Non-blank cells as stripped text; whole floats (a typed format's ``123456.0``) as ints."""
    def text(v: object) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (dt.date, pd.Timestamp)):
            return v.isoformat()[:10]
        return str(v).strip()

    kept = series[series.notna()]
    out = kept.map(text)
    return out[out != ""]


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return _BIRTH_YEARS[0] <= y <= _BIRTH_YEARS[1]


def _is_birth_date(text: str) -> bool:
    if (m := _YMD.match(text)) or (m := _COMPACT.match(text)):
        y, mo, d = map(int, m.groups())
        return _valid(y, mo, d)
    if m := _DMY.match(text):
        a, b, y = map(int, m.groups())
        return _valid(y, b, a) or _valid(y, a, b)  # day-first or month-first
    if re.search(r"[A-Za-z]{3}", text) and re.search(r"\b\d{4}\b", text):
        parsed = pd.to_datetime(text, errors="coerce")  # "12 Mar 1956", "March 12, 1956"
        return not pd.isna(parsed) and _BIRTH_YEARS[0] <= parsed.year <= _BIRTH_YEARS[1]
    return False


def _share(cells: pd.Series, test) -> float:
    return float(cells.map(test).mean()) if len(cells) else 0.0


def _one_per_patient(cells: pd.Series, ids: pd.Series | None) -> bool:
    """Each patient has one value and no two patients share one (a row per patient if no ids)."""
    if ids is None:
        return bool(cells.is_unique)
    pairs = pd.DataFrame({"id": ids.loc[cells.index].astype(str), "value": cells})
    return bool((pairs.groupby("id")["value"].nunique() <= 1).all()
                and (pairs.groupby("value")["id"].nunique() <= 1).all())


def value_kind(series: pd.Series, ids: pd.Series | None = None) -> tuple[Kind, str] | None:
    """The kind of identifier most of a column's cells look like, with the evidence."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = series.astype(object)
    elif pd.api.types.is_bool_dtype(series.dtype):
        return None
    cells = _cells(series)
    if len(cells) < _MIN_VALUES:
        return None
    distinct = cells.nunique()
    share = _share(cells, lambda t: bool(_LATIN_NAME.match(t) or _CJK_NAME.match(t)))
    if share >= _MOSTLY and distinct >= max(_MIN_VALUES, len(cells) // 2):
        return "name", f"{share:.0%} of the cells look like personal names"
    share = _share(cells, _is_birth_date)
    if share >= _MOSTLY:
        return "birth date", (f"{share:.0%} of the cells look like dates between "
                              f"{_BIRTH_YEARS[0]} and {_BIRTH_YEARS[1]}")
    share = _share(cells, lambda t: bool(_RECORD.match(t)))
    if share >= _MOSTLY and distinct >= _MIN_VALUES and _one_per_patient(cells, ids):
        return "record number", (f"{share:.0%} of the cells are long digit strings, "
                                 "one per patient")
    return None


# -- the tables ------------------------------------------------------------------------------
def _roles(raw: RawTables, mapping: ColumnMapping) -> list[tuple[RawRole, RawTable, set[str],
                                                                 str | None]]:
    """Each table with the columns mapped to the contract and its mapped patient_id."""
    pat, frag = mapping.as_dict("patients"), mapping.as_dict("fragments")
    out: list[tuple[RawRole, RawTable, set[str], str | None]] = []
    if raw.long is not None:
        out.append(("long", raw.long, set(pat.values()) | set(frag.values()),
                    pat.get("patient_id") or frag.get("patient_id")))
    if raw.patients is not None:
        out.append(("patients", raw.patients, set(pat.values()), pat.get("patient_id")))
    if raw.fragments is not None:
        out.append(("fragments", raw.fragments, set(frag.values()), frag.get("patient_id")))
    return out


def identifying_columns(raw: RawTables, mapping: ColumnMapping) -> tuple[IdentifyingColumn, ...]:
    """Columns of ``raw`` whose header or values look like names, record numbers, birth dates
    or contact details.

    Headers are checked for every column; values only for columns not mapped to the contract
    (a mapped date is a treatment date, not a birth date). The mapped ``patient_id`` is
    reported with ``droppable=False``.
    """
    found: list[IdentifyingColumn] = []
    for role, table, mapped, pid in _roles(raw, mapping):
        frame = table.frame
        ids = frame[pid] if pid in frame.columns else None
        for column in map(str, frame.columns):
            is_pid = column == pid
            if column in mapped and not is_pid:
                continue
            kind = header_kind(column)
            reason = "the header names one"
            if kind is None:
                hit = value_kind(frame[column], frame[column] if is_pid else ids)
                if hit is None:
                    continue
                kind, reason = hit
            if is_pid:
                found.append(IdentifyingColumn(
                    role, column, kind, f"{reason}; it is the mapped patient_id, which links "
                    "the tables and is kept: replace it by a pseudonym (P001, …) before upload",
                    droppable=False))
            else:
                found.append(IdentifyingColumn(role, column, kind, reason))
    return tuple(found)


def drop_columns(raw: RawTables, columns: Iterable[tuple[str, str]]) -> RawTables:
    """``raw`` without the given ``(table, column)`` pairs; unknown pairs are ignored.

    New tables are built (the input is left as it was), and reading notes about a dropped
    column go with it, so neither its values nor its name reach the cohort or its report.
    """
    drop: dict[str, set[str]] = {}
    for table, column in columns:
        drop.setdefault(table, set()).add(str(column))
    if not any(drop.values()):
        return raw
    changes: dict[str, RawTable] = {}
    for role in ("patients", "fragments", "long"):
        table: RawTable | None = getattr(raw, role)
        gone = [c for c in (table.frame.columns if table is not None else ())
                if str(c) in drop.get(role, ())]
        if table is not None and gone:
            changes[role] = replace(table, frame=table.frame.drop(columns=gone))
    names = set().union(*drop.values())
    notes = tuple(n for n in raw.notes if not (n.column and n.column in names))
    return replace(raw, notes=notes, **changes)

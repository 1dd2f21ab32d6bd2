"""Vectorised cell parsers: a raw column in, typed values and a mask of unreadable cells out.

Every parser returns a :class:`Parsed` so the validator can name each bad cell; none raises on a
bad value. Cells arrive as text (CSV) or as native values (XLSX, Parquet, SPSS, Stata).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Written for "no value" by R, SAS, Excel and hospital systems; read as blank, never as a value.
MISSING_TOKENS = frozenset({"na", "n/a", "nan", "null", "none", "#n/a", "n.a.", "missing", "."})

_YES = frozenset({"yes", "y", "1", "true", "t", "1.0", "あり", "有", "はい", "有り", "+"})
_NO = frozenset({"no", "n", "0", "false", "f", "0.0", "なし", "無", "いいえ", "無し", "-"})

RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_RESPONSE_SYNONYMS = {
    "CR": "CR", "COMPLETE RESPONSE": "CR", "COMPLETE": "CR",
    "PR": "PR", "PARTIAL RESPONSE": "PR", "PARTIAL": "PR",
    "SD": "SD", "STABLE DISEASE": "SD", "STABLE": "SD",
    "PD": "PD", "PROGRESSIVE DISEASE": "PD", "PROGRESSION": "PD", "PROGRESSION DISEASE": "PD",
    "NE": "NE", "NOT EVALUABLE": "NE", "NON-EVALUABLE": "NE", "NOT EVALUATED": "NE", "UNK": "NE",
}

# Canonical labels of the contract's categorical columns, keyed by a folded spelling.
CATEGORY_VALUES: dict[str, dict[str, str]] = {
    "sex": {"m": "M", "male": "M", "man": "M", "男": "M", "男性": "M",
            "f": "F", "female": "F", "woman": "F", "女": "F", "女性": "F"},
    "primary_site": {"egj": "EGJ", "gej": "EGJ", "esophagogastric junction": "EGJ",
                     "oesophagogastric junction": "EGJ", "cardia": "EGJ", "食道胃接合部": "EGJ",
                     "stomach": "stomach", "gastric": "stomach", "胃": "stomach"},
    "histology": {"differentiated": "differentiated", "diff": "differentiated",
                  "differentiated type": "differentiated", "分化型": "differentiated",
                  "undifferentiated": "undifferentiated", "undiff": "undifferentiated",
                  "undifferentiated type": "undifferentiated", "未分化型": "undifferentiated"},
    "her2_status": {"ihc3+": "IHC3+", "3+": "IHC3+", "ihc2+fish+": "IHC2+FISH+",
                    "ihc2+/fish+": "IHC2+FISH+", "ihc2+fishpositive": "IHC2+FISH+",
                    "ihc2+/fishpositive": "IHC2+FISH+", "2+fish+": "IHC2+FISH+",
                    "2+/fish+": "IHC2+FISH+", "ihc2+ish+": "IHC2+FISH+",
                    "ihc2+/ish+": "IHC2+FISH+"},
    "specimen_type": {"biopsy": "biopsy", "endoscopic biopsy": "biopsy", "生検": "biopsy",
                      "surgical": "surgical", "surgery": "surgical", "resection": "surgical",
                      "surgical specimen": "surgical", "手術": "surgical"},
    "ecog": {"0": "0", "1": "1", "2": "2", "3": "3", "4": "4",
             "0.0": "0", "1.0": "1", "2.0": "2", "3.0": "3", "4.0": "4"},
}

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SCORE_CLEAN = re.compile(r"(?:HER2|IHC|SCORE|\s|:)")
_SCORES = {"0": 0, "1+": 1, "2+": 2, "3+": 3, "1": 1, "2": 2, "3": 3, "0+": 0,
           "0.0": 0, "1.0": 1, "2.0": 2, "3.0": 3}


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """A parsed column: ``values`` (NaN/None where blank or bad), ``blank`` and ``bad`` masks."""

    values: np.ndarray
    blank: np.ndarray
    bad: np.ndarray


def distinct(parse: Callable[..., Parsed], s: pd.Series, *args: object,
             **kwargs: object) -> Parsed:
    """``parse(s)`` computed once per distinct cell value and spread back over the rows.

    Text columns of a cohort repeat a handful of values (scores, yes/no, site) over hundreds of
    thousands of rows, and the string work of a parser costs per cell; numeric columns are
    parsed directly, they are vectorised already.
    """
    if s.dtype != object or len(s) < 1000:
        return parse(s, *args, **kwargs)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) > len(s) // 2:  # ids and free text: nothing to share
        return parse(s, *args, **kwargs)
    # Missing cells (code -1) take the extra last slot, parsed as a None cell.
    few = pd.Series(np.append(uniques.astype(object), None), dtype=object)
    p = parse(few, *args, **kwargs)
    take = np.where(codes < 0, len(uniques), codes)
    return Parsed(p.values[take], p.blank[take], p.bad[take])


def as_text(s: pd.Series) -> pd.Series:
    """Cells as stripped text, ``""`` for missing (NaN, None, NA tokens)."""
    if s.dtype == object and len(s) >= 1000:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) <= len(s) // 2:
            few = as_text(pd.Series(np.append(uniques.astype(object), None), dtype=object))
            take = np.where(codes < 0, len(uniques), codes)
            return pd.Series(few.to_numpy()[take], index=s.index, dtype=object)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        text = s.astype(str).where(s.notna(), "")
    else:
        # Via object: a nullable boolean column cannot hold "" in place of <NA>.
        text = s.astype(object).where(s.notna(), "").astype(str)
    text = text.str.strip()
    return text.where(~text.str.lower().isin(MISSING_TOKENS), "")


def _fold(text: pd.Series) -> pd.Series:
    return text.map(lambda v: unicodedata.normalize("NFKC", v).strip().lower(), na_action="ignore")


def parse_number(s: pd.Series, *, decimal_comma: bool = False, percent: bool = False) -> Parsed:
    """Finite numbers; ``1e309`` and ``inf`` are bad, not infinite."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(values)
        bad = np.isinf(values)
        return Parsed(np.where(bad, np.nan, values), blank, bad)
    text = as_text(s)
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if percent:
        cleaned = cleaned.str.removesuffix("%")
    if decimal_comma:
        is_dc = cleaned.str.match(_DECIMAL_COMMA)
        cleaned = cleaned.where(~is_dc, cleaned.str.replace(",", ".", regex=False))
    values = pd.to_numeric(cleaned.where(cleaned != "", None), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    blank = (text == "").to_numpy()
    bad = ~blank & ~np.isfinite(values)
    return Parsed(np.where(bad, np.nan, values), blank, bad)


def parse_id(s: pd.Series) -> Parsed:
    """Ids as text. Spreadsheets store numeric ids as floats: "12.0" in one table is "12" in
    the other, so a trailing ``.0`` is dropped."""
    text = as_text(s)
    dotted = text.str.contains(".", regex=False).to_numpy(dtype=bool)
    if dotted.any():
        text = text.copy()
        text[dotted] = text[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return Parsed(text.to_numpy(dtype=object), (text == "").to_numpy(), np.zeros(len(s), bool))


def parse_event(s: pd.Series, *, decimal_comma: bool = False) -> Parsed:
    """0/1 event indicators (booleans accepted)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(float)
    num = parse_number(s, decimal_comma=decimal_comma)
    ok = np.isin(num.values, (0.0, 1.0))
    bad = num.bad | (~num.blank & ~ok)
    return Parsed(np.where(bad | num.blank, np.nan, num.values), num.blank, bad)


def parse_yesno(s: pd.Series) -> Parsed:
    """yes/no, y/n, 1/0, true/false (and あり/なし) to booleans, as an object array."""
    if pd.api.types.is_bool_dtype(s.dtype):
        values = s.to_numpy(dtype=object)
        blank = pd.isna(s).to_numpy()
        return Parsed(np.where(blank, None, values), blank, np.zeros(len(s), bool))
    folded = _fold(as_text(s))
    blank = (folded == "").to_numpy()
    yes = folded.isin(_YES).to_numpy()
    no = folded.isin(_NO).to_numpy()
    values = np.full(len(s), None, dtype=object)
    values[yes] = True
    values[no] = False
    return Parsed(values, blank, ~blank & ~yes & ~no)


def parse_score(s: pd.Series) -> Parsed:
    """HER2 IHC scores 0, 1+, 2+, 3+ (also ``IHC 3+``, ``3``, ``3.0``) to 0–3 (−1 where blank)."""
    text = as_text(s).map(lambda v: unicodedata.normalize("NFKC", v).upper())
    cleaned = text.str.replace(_SCORE_CLEAN, "", regex=True)
    codes = cleaned.map(_SCORES)
    blank = (text == "").to_numpy()
    bad = ~blank & codes.isna().to_numpy()
    values = codes.fillna(-1).to_numpy(dtype=np.int8)
    return Parsed(values, blank, bad)


def parse_response(s: pd.Series) -> Parsed:
    """RECIST best response to CR/PR/SD/PD/NE; blank is NE (not evaluable), as the contract says."""
    text = as_text(s).map(lambda v: unicodedata.normalize("NFKC", v).upper().strip())
    mapped = text.map(_RESPONSE_SYNONYMS)
    blank = (text == "").to_numpy()
    bad = ~blank & mapped.isna().to_numpy()
    values = mapped.where(~pd.Series(blank, index=s.index), "NE").to_numpy(dtype=object)
    return Parsed(np.where(bad, None, values), blank, bad)


def parse_category(s: pd.Series, column: str) -> Parsed:
    """A contract category (sex, site, ...) to its canonical label."""
    table = CATEGORY_VALUES[column]
    folded = _fold(as_text(s))
    if column == "her2_status":
        folded = folded.str.replace(" ", "", regex=False)
    mapped = folded.map(table)
    blank = (folded == "").to_numpy()
    bad = ~blank & mapped.isna().to_numpy()
    return Parsed(mapped.to_numpy(dtype=object), blank, bad)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d.%m.%Y", "%Y%m%d", "%Y年%m月%d日")


def parse_date(s: pd.Series) -> Parsed:
    """Dates: ISO ``YYYY-MM-DD`` (also ``/`` or ``.``), ``DD.MM.YYYY``, ``YYYYMMDD``,
    ``2016年3月31日`` or a spreadsheet's own date cells (a time of day is dropped).

    ``03/04/2016`` is refused: day-first and month-first exports both exist, and a wrong guess
    shifts a survival time by months without any sign of it.
    """
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = _wall_clock_dates(s)
        blank = s.isna().to_numpy()
        return Parsed(values.to_numpy(dtype="datetime64[ns]"), blank,
                      ~blank & values.isna().to_numpy())
    native = s.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year"))
    native &= s.notna()
    text = as_text(s.where(~native, ""))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if native.any():
        try:
            out[native] = _wall_clock_dates(s[native])
        except (TypeError, ValueError, OverflowError):
            # Mixed time zones or a year outside datetime64[ns]: cell by cell instead.
            out[native] = _wall_clock_dates(s[native].map(_naive_timestamp))
    todo = (text != "") & out.isna()
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo].str.slice(0, 11).str.strip(), format=fmt,
                                errors="coerce")
        out[todo] = parsed
        todo &= out.isna()
    blank = ((text == "") & ~native).to_numpy()
    bad = ~blank & out.isna().to_numpy()
    return Parsed(out.to_numpy(dtype="datetime64[ns]"), blank, bad)


def _naive_timestamp(v: object) -> pd.Timestamp:
    """A date/time cell as a naive timestamp on its own wall clock (NaT when not representable)."""
    try:
        t = pd.Timestamp(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return pd.NaT
    if t is pd.NaT or not _NS_MIN <= t.tz_localize(None) <= _NS_MAX:
        return pd.NaT
    return t.tz_localize(None)


def _wall_clock_dates(s: pd.Series) -> pd.Series:
    """Datetimes to naive ``datetime64[ns]`` dates: a time zone is dropped, keeping the local date
    (2016-01-01 00:00 in Berlin is 2016-01-01, not 2015-12-31 in UTC), and dates outside
    ``datetime64[ns]`` (years before 1677 or after 2262) become NaT instead of wrapping around."""
    values = pd.to_datetime(s)
    if values.dt.tz is not None:
        values = values.dt.tz_localize(None)
    inside = (values >= _NS_MIN) & (values <= _NS_MAX)
    return values.where(inside).astype("datetime64[ns]").dt.normalize()


_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def infer_covariate(s: pd.Series, *, decimal_comma: bool = False) -> tuple[np.ndarray, str]:
    """A user column's values and kind: ``number`` when every non-blank cell is a number, then
    ``yesno``, else ``text``. A column is only typed when every cell agrees, so no value is lost.
    """
    num = parse_number(s, decimal_comma=decimal_comma)
    if not num.bad.any() and not num.blank.all():
        return num.values, "number"
    yn = parse_yesno(s)
    if not yn.bad.any() and not yn.blank.all():
        return yn.values, "yesno"
    text = as_text(s)
    return text.where(text != "", None).to_numpy(dtype=object), "text"

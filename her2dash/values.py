"""Vectorised cell parsers: a raw column in, typed values and a mask of unreadable cells out.

Every parser returns a :class:`Parsed` so the validator can name each bad cell; none raises on a
bad value. Cells arrive as text (CSV) or as native values (XLSX, Parquet, SPSS, Stata).

Hospital exports write values every way: full-width digits and symbols (``３＋``, ``８０％``),
Japanese labels (``男``, ``部分奏効``), era dates (``H30.4.1``), Excel serial numbers in date
columns, ``3+ (focal)`` for a score and ``90-100`` for a percentage. Text is NFKC-normalised
before it is read, and every cell that was read other than as written carries a note in
:attr:`Parsed.detail` (how it was read), so the validation report can list each coercion with
its original; a bad cell may carry the specific reason it is bad there too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from her2dash.dates import PLAUSIBLE_DATES, era_to_date, excel_serial_to_date


def _full_width(text: str) -> str:
    """``text`` with its ASCII characters in their full-width forms (``na`` → ``ｎａ``)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_MISSING_ASCII = ("na", "n/a", "nan", "null", "none", "#n/a", "n.a.", "missing", ".")
# Written for "no value" by R, SAS, Excel and hospital systems; read as blank, never as a value.
# Their full-width spellings are listed too, so blanks do not depend on the input method.
MISSING_TOKENS = frozenset(_MISSING_ASCII + tuple(_full_width(t) for t in _MISSING_ASCII))

_YES = frozenset({"yes", "y", "1", "true", "t", "1.0", "あり", "有", "はい", "有り", "+"})
_NO = frozenset({"no", "n", "0", "false", "f", "0.0", "なし", "無", "いいえ", "無し", "-"})

RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_RESPONSE_SYNONYMS = {
    "CR": "CR", "COMPLETE RESPONSE": "CR", "COMPLETE": "CR",
    "PR": "PR", "PARTIAL RESPONSE": "PR", "PARTIAL": "PR",
    "SD": "SD", "STABLE DISEASE": "SD", "STABLE": "SD",
    "PD": "PD", "PROGRESSIVE DISEASE": "PD", "PROGRESSION": "PD", "PROGRESSION DISEASE": "PD",
    "NE": "NE", "NOT EVALUABLE": "NE", "NON-EVALUABLE": "NE", "NOT EVALUATED": "NE", "UNK": "NE",
    # Japanese RECIST terms (JCOG translation), and the older Japanese criteria's names
    # (著効 = CR, 有効 = PR, 不変 = no change, i.e. SD).
    "完全奏効": "CR", "完全寛解": "CR", "著効": "CR",
    "部分奏効": "PR", "部分寛解": "PR", "有効": "PR",
    "安定": "SD", "病勢安定": "SD", "不変": "SD",
    "進行": "PD", "病勢進行": "PD", "増悪": "PD",
    "評価不能": "NE", "判定不能": "NE", "未評価": "NE",
}

# Canonical labels of the contract's categorical columns, keyed by a folded spelling. Keys are
# the vocabulary a column spec names (its ``vocabulary``, else its name).
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
    # A fragment's own specimen: the fragments table says biopsy or resection.
    "fragment_specimen_type": {
        "biopsy": "biopsy", "endoscopic biopsy": "biopsy", "bx": "biopsy", "生検": "biopsy",
        "内視鏡生検": "biopsy", "生検検体": "biopsy",
        "resection": "resection", "resected": "resection", "surgical": "resection",
        "surgery": "resection", "surgical specimen": "resection", "resection specimen":
        "resection", "gastrectomy": "resection", "切除": "resection", "切除検体": "resection",
        "手術": "resection", "手術検体": "resection", "手術材料": "resection",
    },
    "timepoint": {
        "baseline": "baseline", "pre-treatment": "baseline", "pretreatment": "baseline",
        "pre treatment": "baseline", "before treatment": "baseline", "initial": "baseline",
        "diagnosis": "baseline", "at diagnosis": "baseline", "diagnostic": "baseline",
        "治療前": "baseline", "初回": "baseline", "初回生検": "baseline", "診断時": "baseline",
        "ベースライン": "baseline",
        "post-progression": "post-progression", "post progression": "post-progression",
        "postprogression": "post-progression", "progression": "post-progression",
        "at progression": "post-progression", "rebiopsy": "post-progression",
        "re-biopsy": "post-progression", "re biopsy": "post-progression",
        "增悪時": "post-progression", "増悪時": "post-progression", "増悪後": "post-progression",
        "進行時": "post-progression", "再生検": "post-progression",
    },
    "ecog": {"0": "0", "1": "1", "2": "2", "3": "3", "4": "4",
             "0.0": "0", "1.0": "1", "2.0": "2", "3.0": "3", "4.0": "4"},
}
# Spelling variants of a canonical label that are not worth a line in the report each: the
# column's own vocabulary is the contract's (ECOG "1.0" from a spreadsheet is 1).
_QUIET_CATEGORIES = frozenset({"ecog"})

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SCORE_CLEAN = re.compile(r"(?:HER2|IHC|SCORE|\s|:)")
_SCORES = {"0": 0, "1+": 1, "2+": 2, "3+": 3, "1": 1, "2": 2, "3": 3, "0+": 0,
           "0.0": 0, "1.0": 1, "2.0": 2, "3.0": 3}
SCORE_LABELS = ("0", "1+", "2+", "3+")

# Dashes, the wave dash and the ideographic space that NFKC leaves alone but that mean "-",
# "~" and " " in numbers and ranges typed on Japanese and word-processor keyboards.
_TYPOGRAPHIC = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-",
                              "\u2013": "-", "\u2014": "-", "\u301c": "~", "\u3000": " "})

RangePolicy = Literal["error", "lower", "midpoint", "upper"]
RANGE_POLICIES: tuple[RangePolicy, ...] = ("error", "lower", "midpoint", "upper")


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """How ambiguous cells are read, chosen by the user at load time.

    ``range_policy``: a percentage written as a range (``90-100``) or a bound (``<5``, ``>90``)
    is an error by default, since the rules need one number; ``lower``, ``midpoint`` or
    ``upper`` reads it as that end of the range (a bound spans to 0 or 100), and every such cell
    is listed with its original.
    """

    range_policy: RangePolicy = "error"

    def __post_init__(self) -> None:
        if self.range_policy not in RANGE_POLICIES:
            raise ValueError(f"range_policy must be one of {', '.join(RANGE_POLICIES)}")


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """A parsed column: ``values`` (NaN/None where blank or bad), ``blank`` and ``bad`` masks.

    ``detail`` (object array or ``None`` when nothing to say): for a read cell, how it was
    read when not as written (``"3+ (qualifier '(focal)' dropped)"``); for a bad cell, the
    specific reason when there is one (else the validator's generic message applies).
    """

    values: np.ndarray
    blank: np.ndarray
    bad: np.ndarray
    detail: np.ndarray | None = None

    def notes(self) -> np.ndarray:
        """Mask of the read cells that carry a coercion note."""
        if self.detail is None:
            return np.zeros(len(self.blank), bool)
        # Blank cells may carry one too: "not done" read as blank is a coercion.
        return (self.detail != None) & ~self.bad  # noqa: E711

    def reasons(self) -> np.ndarray:
        """Mask of the bad cells that carry a specific reason."""
        if self.detail is None:
            return np.zeros(len(self.blank), bool)
        return (self.detail != None) & self.bad  # noqa: E711


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
    detail = None if p.detail is None else p.detail[take]
    return Parsed(p.values[take], p.blank[take], p.bad[take], detail)


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


def _ascii(values: np.ndarray) -> np.ndarray:
    """Which cells (an object array of str) are plain ASCII; one C-speed check for the usual
    all-ASCII column."""
    if "".join(values).isascii():
        return np.ones(len(values), bool)
    return np.fromiter((v.isascii() for v in values), bool, len(values))


def normalise_text(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """NFKC (full-width digits, letters and symbols to ASCII) plus dashes, the wave dash and the
    ideographic space; returns the text and the mask of cells it changed."""
    arr = text.to_numpy(dtype=object)
    plain = _ascii(arr)
    if plain.all():
        return text, np.zeros(len(arr), bool)
    out = arr.copy()
    idx = np.flatnonzero(~plain)
    for i in idx:
        out[i] = unicodedata.normalize("NFKC", arr[i]).translate(_TYPOGRAPHIC).strip()
    changed = np.zeros(len(arr), bool)
    changed[idx] = out[idx] != arr[idx]
    return pd.Series(out, index=text.index, dtype=object), changed


def _fold(text: pd.Series) -> pd.Series:
    return text.map(lambda v: unicodedata.normalize("NFKC", v).strip().lower(), na_action="ignore")


FULL_WIDTH = "full-width characters normalised"


def _with_notes(n: int, cells: dict[int, str]) -> np.ndarray | None:
    if not cells:
        return None
    detail = np.full(n, None, dtype=object)
    for i, text in cells.items():
        detail[i] = text
    return detail


def _number_text(v: float) -> str:
    return f"{v:g}"


# -- numbers and percentages -------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(rf"^{_NUM}%?(?:-|~|to){_NUM}%?$", re.IGNORECASE)
_BOUND = re.compile(rf"^(<=|>=|≤|≥|≦|≧|<|>){_NUM}%?$")
_BOUND_JA = re.compile(rf"^{_NUM}%?(未満|以下|以上|超)$")
_BOUND_SIDE = {"<": "below", "<=": "below", "≤": "below", "≦": "below", "未満": "below",
               "以下": "below", ">": "above", ">=": "above", "≥": "above", "≧": "above",
               "以上": "above", "超": "above"}
RANGE_REASON = ("a range or a bound, not one value: one % is expected (or choose how ranges "
                "are read when loading: their lower end, midpoint or upper end)")


def _range_interval(text: str) -> tuple[float, float] | str | None:
    """``(low, high)`` of a percentage range or bound, a reason when it cannot be one, or
    ``None`` when ``text`` is no range at all."""
    if m := _RANGE.match(text):
        low, high = float(m.group(1)), float(m.group(2))
        if low > high:
            return "a range whose ends are the wrong way round: one % is expected"
        return low, high
    if (m := _BOUND.match(text)) or (m := _BOUND_JA.match(text)):
        sign, value = (m.group(1), m.group(2)) if m.re is _BOUND else (m.group(2), m.group(1))
        bound = float(value)
        return (0.0, bound) if _BOUND_SIDE[sign] == "below" else (bound, 100.0)
    return None


def _read_range(low: float, high: float, policy: RangePolicy) -> float:
    return {"lower": low, "midpoint": (low + high) / 2, "upper": high}[policy]


def parse_number(s: pd.Series, *, decimal_comma: bool = False, percent: bool = False,
                 ranges: RangePolicy = "error") -> Parsed:
    """Finite numbers; ``1e309`` and ``inf`` are bad, not infinite.

    With ``percent``, a trailing ``%`` is dropped, and ranges/bounds (``90-100``, ``<5``,
    ``10%未満``) are read by ``ranges`` (an error by default). Full-width text is normalised.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(values)
        bad = np.isinf(values)
        return Parsed(np.where(bad, np.nan, values), blank, bad)
    text = as_text(s)
    norm, changed = normalise_text(text)
    cleaned = norm.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    had_pct = None
    if percent:
        had_pct = cleaned.str.endswith("%").to_numpy(dtype=bool)
        if had_pct.any():
            cleaned = cleaned.str.removesuffix("%")
    if decimal_comma:
        is_dc = cleaned.str.match(_DECIMAL_COMMA)
        cleaned = cleaned.where(~is_dc, cleaned.str.replace(",", ".", regex=False))
    values = pd.to_numeric(cleaned.where(cleaned != "", None), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    blank = (text == "").to_numpy()
    bad = ~blank & ~np.isfinite(values)
    notes: dict[int, str] = {}
    if percent and bad.any():
        spaced = norm.str.replace(" ", "", regex=False).to_numpy(dtype=object)
        for i in np.flatnonzero(bad):
            interval = _range_interval(spaced[i])
            if interval is None:
                continue
            if isinstance(interval, str):
                notes[i] = interval
            elif ranges == "error":
                notes[i] = RANGE_REASON
            else:
                values[i] = _read_range(*interval, ranges)
                bad[i] = False
                notes[i] = (f"{_number_text(values[i])} (the {ranges} of "
                            f"{_number_text(interval[0])}–{_number_text(interval[1])}, as "
                            "chosen when loading)")
    fixed = ~bad & ~blank & (changed if had_pct is None else changed | had_pct)
    for i in np.flatnonzero(fixed):
        if i in notes:
            continue
        why = [FULL_WIDTH] if changed[i] else []
        if had_pct is not None and had_pct[i]:
            why.append("% sign dropped")
        notes[i] = f"{_number_text(values[i])} ({', '.join(why)})"
    return Parsed(np.where(bad, np.nan, values), blank, bad, _with_notes(len(s), notes))


def parse_id(s: pd.Series) -> Parsed:
    """Ids as text. Spreadsheets store numeric ids as floats: "12.0" in one table is "12" in
    the other, so a trailing ``.0`` is dropped; full-width ids (``Ｐ０１``) are normalised, so
    they link to the same id typed in ASCII in the other table."""
    text = as_text(s)
    norm, changed = normalise_text(text)
    dotted = norm.str.contains(".", regex=False).to_numpy(dtype=bool)
    if dotted.any():
        norm = norm.copy()
        norm[dotted] = norm[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    detail = None
    if changed.any():
        values = norm.to_numpy(dtype=object)
        detail = np.where(changed, np.char.add(values.astype(str), f" ({FULL_WIDTH})")
                          .astype(object), None)
    return Parsed(norm.to_numpy(dtype=object), (text == "").to_numpy(), np.zeros(len(s), bool),
                  detail)


def parse_event(s: pd.Series, *, decimal_comma: bool = False) -> Parsed:
    """0/1 event indicators (booleans accepted)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(float)
    num = parse_number(s, decimal_comma=decimal_comma)
    ok = np.isin(num.values, (0.0, 1.0))
    bad = num.bad | (~num.blank & ~ok)
    return Parsed(np.where(bad | num.blank, np.nan, num.values), num.blank, bad, num.detail)


def parse_yesno(s: pd.Series) -> Parsed:
    """yes/no, y/n, 1/0, true/false (and あり/なし) to booleans, as an object array."""
    if pd.api.types.is_bool_dtype(s.dtype):
        values = s.to_numpy(dtype=object)
        blank = pd.isna(s).to_numpy()
        return Parsed(np.where(blank, None, values), blank, np.zeros(len(s), bool))
    text = as_text(s)
    folded = _fold(text)
    blank = (folded == "").to_numpy()
    yes = folded.isin(_YES).to_numpy()
    no = folded.isin(_NO).to_numpy()
    values = np.full(len(s), None, dtype=object)
    values[yes] = True
    values[no] = False
    # あり/なし and full-width spellings are read as yes/no: listed, as any coercion.
    foreign = (yes | no) & ~_ascii(text.to_numpy(dtype=object))
    detail = None
    if foreign.any():
        detail = np.where(foreign, np.where(yes, "yes", "no").astype(object), None)
    return Parsed(values, blank, ~blank & ~yes & ~no, detail)


# -- HER2 scores -------------------------------------------------------------------------------

_SCORE_QUALIFIED = re.compile(
    r"^(?:HER2|IHC|SCORE|\s|:)*([0-3])\s*(\+?)\s*"
    r"([\(\[]\s*([A-Z\u3040-\u30ff\u3400-\u9fff][^()\[\]]*?)\s*[\)\]]"
    r"|([A-Z\u3040-\u30ff\u3400-\u9fff][A-Z\u3040-\u30ff\u3400-\u9fff .,'-]*))$")
_SCORE_RANGE = re.compile(r"^[0-3]\+?(?:~|〜|-|/|TO|OR|,|、|・|\.\.)[0-3]\+?$")
_NOT_A_SCORE = frozenset({"陽性", "陰性", "POSITIVE", "NEGATIVE", "POS", "NEG", "POS.", "NEG.",
                          "EQUIVOCAL", "境界", "境界域", "判定保留", "AMPLIFIED", "増幅"})
SCORE_RANGE_REASON = ("a range of scores: one score per fragment is expected (its score by the "
                      "Hofmann/ToGA gastric criteria)")
SCORE_RESULT_REASON = ("a HER2 result, not an IHC score: the fragment's score is expected "
                       "(0, 1+, 2+ or 3+)")


def parse_score(s: pd.Series) -> Parsed:
    """HER2 IHC scores 0, 1+, 2+, 3+ (also ``IHC 3+``, ``3``, ``3.0``, ``３＋``) to 0–3 (−1
    where blank).

    ``3+ (focal)`` is read as 3+ with the qualifier noted; a range (``2+~3+``) and a result
    word (``陽性``) are bad with their reason: a fragment has one score.
    """
    raw = as_text(s)
    norm = raw.map(lambda v: unicodedata.normalize("NFKC", v).translate(_TYPOGRAPHIC).strip())
    text = norm.str.upper()
    cleaned = text.str.replace(_SCORE_CLEAN, "", regex=True)
    codes = cleaned.map(_SCORES)
    blank = (text == "").to_numpy()
    bad = ~blank & codes.isna().to_numpy()
    values = codes.fillna(-1).to_numpy(dtype=np.int8)
    changed = (norm != raw).to_numpy() & ~bad & ~blank
    notes: dict[int, str] = {int(i): f"{SCORE_LABELS[values[i]]} ({FULL_WIDTH})"
                             for i in np.flatnonzero(changed)}
    if bad.any():
        upper, squeezed = text.to_numpy(dtype=object), cleaned.to_numpy(dtype=object)
        for i in np.flatnonzero(bad):
            if m := _SCORE_QUALIFIED.match(upper[i]):
                values[i] = int(m.group(1))
                bad[i] = False
                # Quoted as written (not upper-cased) where the lengths allow it.
                same = len(norm.iloc[i]) == len(upper[i])
                qualifier = norm.iloc[i][m.start(3):] if same else m.group(3)
                notes[int(i)] = f"{SCORE_LABELS[values[i]]} (qualifier {qualifier!r} dropped)"
            elif _SCORE_RANGE.match(squeezed[i]):
                notes[int(i)] = SCORE_RANGE_REASON
            elif squeezed[i].strip("()") in _NOT_A_SCORE:
                notes[int(i)] = SCORE_RESULT_REASON
    return Parsed(values, blank, bad, _with_notes(len(s), notes))


def parse_response(s: pd.Series) -> Parsed:
    """RECIST best response to CR/PR/SD/PD/NE; blank is NE (not evaluable), as the contract says.
    Spellings other than the code itself (``partial response``, ``部分奏効``) are noted."""
    raw = as_text(s)
    text = raw.map(lambda v: unicodedata.normalize("NFKC", v).upper().strip())
    mapped = text.map(_RESPONSE_SYNONYMS)
    blank = (text == "").to_numpy()
    bad = ~blank & mapped.isna().to_numpy()
    values = mapped.where(~pd.Series(blank, index=s.index), "NE").to_numpy(dtype=object)
    # Noted unless written as the code itself (in any case): "ＰＲ" and "部分奏効" are listed.
    spelled = ~blank & ~bad & (raw.str.upper() != mapped).to_numpy()
    detail = np.where(spelled, values, None) if spelled.any() else None
    return Parsed(np.where(bad, None, values), blank, bad, detail)


def parse_category(s: pd.Series, column: str) -> Parsed:
    """A contract category (sex, site, ...) to its canonical label; ``column`` names the
    vocabulary in :data:`CATEGORY_VALUES`. A spelling other than the label (``男`` for M,
    ``surgical`` for a resection) is noted."""
    table = CATEGORY_VALUES[column]
    raw = as_text(s).str.lower()
    folded = _fold(raw)
    if column == "her2_status":
        raw = raw.str.replace(" ", "", regex=False)
        folded = folded.str.replace(" ", "", regex=False)
    mapped = folded.map(table)
    blank = (folded == "").to_numpy()
    bad = ~blank & mapped.isna().to_numpy()
    detail = None
    if column not in _QUIET_CATEGORIES:
        # Noted unless written as the label itself (in any case), full width included.
        spelled = ~blank & ~bad & (raw != mapped.str.lower()).to_numpy()
        if spelled.any():
            detail = np.where(spelled, mapped.to_numpy(dtype=object), None)
    return Parsed(mapped.to_numpy(dtype=object), blank, bad, detail)


_AMPLIFIED = frozenset({"amplified", "amp", "positive", "pos", "+", "yes", "y", "1", "true",
                        "陽性", "増幅あり", "増幅", "あり", "有"})
_NOT_AMPLIFIED = frozenset({"not amplified", "non-amplified", "nonamplified", "non amplified",
                            "no amplification", "negative", "neg", "-", "no", "n", "0", "false",
                            "陰性", "増幅なし", "なし", "無"})
_NOT_DONE = frozenset({"not done", "nd", "n.d.", "not tested", "未施行", "未実施", "未検査"})
_EQUIVOCAL = frozenset({"equivocal", "borderline", "境界", "境界域", "判定保留"})
EQUIVOCAL_REASON = ("equivocal is not a result here: amplified or not amplified is expected "
                    "(HER2/CEP17 ratio ≥ 2.0 by the ToGA criteria), or blank when not done")


def parse_ish_status(s: pd.Series) -> Parsed:
    """ISH (FISH/DISH/SISH) result: amplified → True, not amplified → False; ``not done`` is
    blank. Spellings other than amplified / not amplified are noted."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return parse_yesno(s)
    folded = _fold(as_text(s)).str.replace(r"\s+", " ", regex=True)
    yes = folded.isin(_AMPLIFIED).to_numpy()
    no = folded.isin(_NOT_AMPLIFIED).to_numpy()
    not_done = folded.isin(_NOT_DONE).to_numpy()
    blank = (folded == "").to_numpy() | not_done
    values = np.full(len(s), None, dtype=object)
    values[yes] = True
    values[no] = False
    bad = ~blank & ~yes & ~no
    detail = np.full(len(s), None, dtype=object)
    spelled = (yes & (folded != "amplified").to_numpy()) | (no & (folded != "not amplified")
                                                           .to_numpy())
    detail[spelled & yes] = "amplified"
    detail[spelled & no] = "not amplified"
    detail[bad & folded.isin(_EQUIVOCAL).to_numpy()] = EQUIVOCAL_REASON
    # "not done" is read as blank, which is a coercion too; notes() only reports read cells,
    # so the validator lists these from the `not_done` mask it gets back as the blank cells
    # with a note.
    detail[not_done] = "blank (not done)"
    return Parsed(values, blank, bad, detail if (detail != None).any() else None)  # noqa: E711


# -- dates -------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d.%m.%Y", "%Y%m%d", "%Y年%m月%d日")
_ERA_DATE = re.compile(r"^(昭和|平成|令和|[SHR])\.?\s*(元|\d{1,2})\s*(?:年|[./-])\s*(\d{1,2})\s*"
                       r"(?:月|[./-])\s*(\d{1,2})\s*日?$")
_SERIAL = re.compile(r"^(\d{1,5})(\.\d+)?$")
SERIAL_REASON = (f"a number outside the dates this column can hold: read as an Excel date "
                 f"serial it falls outside {PLAUSIBLE_DATES[0].year}–{PLAUSIBLE_DATES[1].year}; "
                 "a date is expected")
SERIAL_60_REASON = ("Excel date serial 60 is 1900-02-29, a day that does not exist (a bug Excel "
                    "kept from Lotus 1-2-3): a date is expected")


def _other_date(text: str) -> tuple[date | None, str]:
    """A Japanese era date or an Excel serial number as a date, with the note or the reason."""
    if m := _ERA_DATE.match(text):
        year = 1 if m.group(2) == "元" else int(m.group(2))
        got = era_to_date(m.group(1), year, int(m.group(3)), int(m.group(4)))
        if isinstance(got, str):
            return None, f"a Japanese era date {got}: a real date is expected"
        return got, f"{got.isoformat()} (Japanese era date)"
    if m := _SERIAL.match(text):
        serial = int(m.group(1))
        got = excel_serial_to_date(serial)
        if got is None:
            return None, SERIAL_60_REASON if serial == 60 else SERIAL_REASON
        if not PLAUSIBLE_DATES[0] <= got <= PLAUSIBLE_DATES[1]:
            return None, SERIAL_REASON
        part = ", time of day dropped" if m.group(2) and float(m.group(2)) else ""
        return got, f"{got.isoformat()} (Excel date serial, 1900 date system{part})"
    return None, ""


def parse_date(s: pd.Series) -> Parsed:
    """Dates: ISO ``YYYY-MM-DD`` (also ``/`` or ``.``), ``DD.MM.YYYY``, ``YYYYMMDD``,
    ``2016年3月31日``, a spreadsheet's own date cells (a time of day is dropped), Japanese era
    dates (``平成30年4月1日``, ``H30.4.1``, ``令和元年5月1日``) and Excel serial numbers (a date
    cell that lost its format); the last two and full-width text are noted.

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
    raw = as_text(s.where(~native, ""))
    text, changed = normalise_text(raw)
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
    notes: dict[int, str] = {}
    if todo.any():
        arr = text.to_numpy(dtype=object)
        for i in np.flatnonzero(todo.to_numpy()):
            got, note = _other_date(arr[i].upper())
            if got is not None:
                out.iloc[i] = pd.Timestamp(got)
            if note:
                notes[int(i)] = note
    blank = ((text == "") & ~native).to_numpy()
    bad = ~blank & out.isna().to_numpy()
    for i in np.flatnonzero(changed & ~bad):
        notes.setdefault(int(i), f"{out.iloc[i].date().isoformat()} ({FULL_WIDTH})")
    return Parsed(out.to_numpy(dtype="datetime64[ns]"), blank, bad, _with_notes(len(s), notes))


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


# -- free-text fragment descriptions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DescribedFragment:
    """One fragment read from a description: its id, whether it holds tumour, its score label
    (``""`` without tumour) and its % positive as written (``""`` when not given)."""

    fragment_id: str
    tumor_present: bool
    ihc_score: str
    pct_positive: str


_CIRCLED = {chr(0x2460 + k): f" #{k + 1} " for k in range(20)}  # ① … ⑳
_MARK_HASH = re.compile(r"(?:#|no\.)\s*(\d+)\s*[:.)]?")
_MARK_NUMBERED = re.compile(r"(?:^|(?<=[\s,;、/]))(?:\((\d+)\)|(?:fragment\s*|f)?(\d+)\s*[):])")
_SEPARATORS = " \t\r\n,;、/:.・"
_NO_TUMOUR = re.compile(r"^(?:no\s*tumou?r(?:\s*cells?)?(?:\s*present)?|tumou?r[\s-]*free|"
                        r"腫瘍(?:細胞)?(?:なし|無し|無|\(-\)|-)|no\s*cancer)$")
_PIECE = re.compile(r"^(?:her2\s*)?(?:ihc\s*)?(?:score\s*)?([0-3])(\+?)\s*"
                    r"(?:\(\s*(\d+(?:\.\d+)?)\s*%?\s*\)|(\d+(?:\.\d+)?)\s*%?)?$")
_PIECE_RANGE = re.compile(r"[0-3]\+?\s*(?:~|-|/|to|or)\s*[0-3]\+")
DESCRIPTION_EXPECTED = ("pieces like '#1 3+ 80%', '#2 1+' or '#3 no tumour', one per fragment "
                        "(also '1) 2+ 30%' or '#1:3+(90%)')")


def parse_description(text: str) -> tuple[tuple[DescribedFragment, ...], str]:
    """A free-text description of a patient's fragments (``#1 3+ 80%, #2 1+``) as fragments.

    Returns the fragments and ``""``, or no fragments and the reason, quoting the piece that
    could not be read. Fragments are numbered as written (``#1``, ``1)``, ``(1)``, ``①``); a
    description without numbers is split at commas and numbered by position.
    """
    for circled, mark in _CIRCLED.items():
        text = text.replace(circled, mark)
    norm = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC).lower().strip()
    marks = list(_MARK_HASH.finditer(norm)) if "#" in norm or "no." in norm else []
    if not marks:
        marks = list(_MARK_NUMBERED.finditer(norm))
    pieces: list[tuple[str, str]] = []
    if marks:
        head = norm[:marks[0].start()].strip(_SEPARATORS)
        if head:
            return (), f"cannot read {head!r} before the first fragment number"
        for k, m in enumerate(marks):
            end = marks[k + 1].start() if k + 1 < len(marks) else len(norm)
            number = next(g for g in m.groups() if g is not None)
            pieces.append((str(int(number)), norm[m.end():end]))
    else:
        parts = [p for p in re.split(r"[,;、\n]", norm) if p.strip(_SEPARATORS)]
        pieces = [(str(k + 1), p) for k, p in enumerate(parts)]
    if not pieces:
        return (), "no fragment found in the description"
    out = []
    for number, body in pieces:
        body = body.strip(_SEPARATORS)
        if _NO_TUMOUR.match(body):
            out.append(DescribedFragment(number, False, "", ""))
            continue
        m = _PIECE.match(body)
        if m is None:
            if _PIECE_RANGE.search(body):
                return (), f"fragment {number}: {body!r} is {SCORE_RANGE_REASON}"
            return (), f"cannot read fragment {number}: {body!r}"
        score = SCORE_LABELS[int(m.group(1))]
        out.append(DescribedFragment(number, True, score, m.group(3) or m.group(4) or ""))
    return tuple(out), ""


def describe_fragments(fragments: tuple[DescribedFragment, ...]) -> str:
    """How a description was read, in words: ``"1: 3+ 80 %; 2: 1+"``."""
    parts = []
    for f in fragments:
        if not f.tumor_present:
            parts.append(f"{f.fragment_id}: no tumour")
        else:
            pct = f" {f.pct_positive} %" if f.pct_positive else ""
            parts.append(f"{f.fragment_id}: {f.ihc_score}{pct}")
    return "; ".join(parts)


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

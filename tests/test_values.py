"""Cell parsers (her2dash/values.py): the once-per-distinct-value shortcut changes no result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2dash.values import (
    as_text,
    distinct,
    parse_category,
    parse_date,
    parse_event,
    parse_id,
    parse_ish_status,
    parse_number,
    parse_response,
    parse_score,
    parse_yesno,
)

# Long enough (≥ 1000 rows, few distinct values) for distinct() to take its shortcut.
CELLS = {
    "number": [" 7,5", "12", "NA", None, np.nan, "1e309", "-3", "x", "", "4.25 "],
    "event": ["1", "0", "2", None, "yes", " 1 ", "0.0", "", "n/a", "1"],
    "yesno": ["yes", "No", "Y", "n", "1", "0", "TRUE", "maybe", None, "あり"],
    "score": ["3+", "IHC 2+", "1", "0", "4+", None, "", "2+ ", "３＋", "x"],
    "response": ["CR", "partial response", "sd", "PD", "NE", None, "", "??", "Stable", "pr"],
    "sex": ["M", "female", "男性", "x", None, "", "F", "m", "Male", "f"],
    "id": ["P1", "12.0", "12", " P2 ", None, "", "007", "1.5", "NA", "Ｐ１"],
    "pct": ["80%", "８０％", "90-100", "<5", "x", None, "", "55", "100-90", "ＮＡ"],
    "date": ["2016-03-31", "H30.4.1", "42461", "60", "03/04/2016", None, "", "x", "令和元年5月1日",
             "H31.5.1"],
    "status": ["amplified", "陽性", "not done", "equivocal", None, "", "-", "x", "Negative", "nd"],
    "specimen": ["biopsy", "surgical", "切除", "生検", "x", None, "", "Resection", "bx", "?"],
}
PARSERS = {
    "number": lambda s: parse_number(s, decimal_comma=True),
    "event": parse_event,
    "yesno": parse_yesno,
    "score": parse_score,
    "response": parse_response,
    "sex": lambda s: parse_category(s, "sex"),
    "id": parse_id,
    "pct": lambda s: parse_number(s, percent=True, ranges="midpoint"),
    "date": parse_date,
    "status": parse_ish_status,
    "specimen": lambda s: parse_category(s, "fragment_specimen_type"),
}


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_distinct_equals_cell_by_cell_parsing(kind: str) -> None:
    column = pd.Series(CELLS[kind] * 150, dtype=object)
    shortcut = distinct(PARSERS[kind], column)
    direct = PARSERS[kind](column)
    for field in ("blank", "bad"):
        assert np.array_equal(getattr(shortcut, field), getattr(direct, field)), field
    assert pd.Series(shortcut.values).equals(pd.Series(direct.values))
    # The coercion notes and reasons are spread back to the rows like the values.
    assert pd.Series(shortcut.detail).equals(pd.Series(direct.detail))
    assert shortcut.notes().any() or kind in ("event", "number")
    assert shortcut.bad.any() or kind == "id"


def test_as_text_shortcut_equals_direct_and_keeps_the_index() -> None:
    column = pd.Series([" a ", None, "NA", 3, "b"] * 400, index=range(5, 2005), dtype=object)
    text = as_text(column)
    assert list(text.index) == list(column.index)
    assert text.head(5).tolist() == ["a", "", "", "3", "b"]
    assert text.tolist() == as_text(column.head(5)).tolist() * 400


def test_ids_lose_a_spreadsheet_float_suffix_only() -> None:
    p = parse_id(pd.Series(["12.0", "12.50", "A.0", "3.000", "x"]))
    assert p.values.tolist() == ["12", "12.50", "A.0", "3", "x"]

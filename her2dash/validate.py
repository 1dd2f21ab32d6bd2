"""Raw tables + column mapping → a :class:`~her2dash.cohort.Cohort` and a validation report.

Every problem is reported at once, each located by file, row, column and value, with what was
expected. Errors block (``cohort`` is ``None``); warnings say which rows were left out and why,
or which values the scoring criteria make unlikely; infos say what was assumed, and list every
value read other than as written (``'３＋' read as 3+``) once per distinct original.
``ValidationReport.accounting`` has one line per input row — kept, kept but unused, left out or
in error — so nothing disappears unexplained. Nothing here raises on bad data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from her2dash.cohort import OPTIONAL_FRAGMENT_FIELDS, Cohort, response_categorical
from her2dash.columns import (
    SHARED_COLUMNS,
    SPECS,
    ColumnMapping,
    ColumnSpec,
    Table,
    match_columns,
    unmatched,
)
from her2dash.dates import DateOptions, derive_os, derive_pfs
from her2dash.fragment_checks import check_fragments
from her2dash.ingest import DEFAULT_MAX_BYTES, InputFile, RawTable, RawTables, read_files
from her2dash.results import Issue
from her2dash.values import (
    DESCRIPTION_EXPECTED,
    Parsed,
    ParseOptions,
    as_text,
    describe_fragments,
    distinct,
    infer_covariate,
    parse_category,
    parse_date,
    parse_description,
    parse_event,
    parse_id,
    parse_ish_status,
    parse_number,
    parse_response,
    parse_score,
    parse_yesno,
)

MAX_LISTED = 50  # per check and column; the rest are counted in one summary issue
MAX_QUOTED = 200  # characters of a cell quoted in an issue; a 10 MB cell is not echoed whole
_SLASH_DATE = r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}"

KEPT = "kept"
UNUSED = "kept, not used by the rules"
LEFT_OUT = "left out"
ERROR = "error"

_MINIMUM = {"pfs_months": 0.0, "os_months": 0.0, "age": 0.0, "cea": 0.0, "ca199": 0.0,
            "best_pct_change": -100.0, "tumor_cells": 0.0, "tumor_area_mm2": 0.0,
            "her2_copy_number": 0.0}
_DATE_EXPECTED = ("YYYY-MM-DD (also YYYY/MM/DD, DD.MM.YYYY, a Japanese era date such as "
                  "H30.4.1 or 平成30年4月1日, or an Excel date cell)")


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """All issues found, and the fate of every input row.

    ``accounting`` columns: ``file``, ``row`` (as numbered in the file), ``status`` (kept /
    kept, not used by the rules / left out / error) and ``reason``.
    """

    issues: tuple[Issue, ...]
    accounting: pd.DataFrame = field(default_factory=lambda: _accounting_frame([]))
    mapping: ColumnMapping | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "info"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def row_summary(self) -> pd.DataFrame:
        """Rows per file and status: the accounting in one small table."""
        if self.accounting.empty:
            return pd.DataFrame(columns=["file", "status", "rows"])
        return (self.accounting.groupby(["file", "status"], sort=False).size()
                .rename("rows").reset_index())


def load_cohort(
    files: Sequence[InputFile],
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    dates: DateOptions | None = None,
    parsing: ParseOptions | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Cohort | None, ValidationReport]:
    """Read, match and validate in one call (the CLI's and the demo's path)."""
    raw, issues = read_files(files, encoding=encoding, max_bytes=max_bytes)
    if raw is None:
        return None, ValidationReport(tuple(issues))
    cohort, report = build_cohort(raw, mapping, dates=dates, parsing=parsing)
    read_notes = [i for i in issues if i not in report.issues]
    return cohort, ValidationReport(tuple(read_notes) + report.issues, report.accounting,
                                    report.mapping)


def auto_mapping(raw: RawTables) -> ColumnMapping:
    """The automatic column match for ``raw`` (the upload page starts from it)."""
    if raw.long is not None:
        cols = list(raw.long.frame.columns)
        return _shared_by_values(raw.long, match_columns(cols, cols))
    assert raw.patients is not None
    fragment_columns = list(raw.fragments.frame.columns) if raw.fragments is not None else None
    return match_columns(list(raw.patients.frame.columns), fragment_columns)


def _shared_by_values(table: RawTable, mapping: ColumnMapping) -> ColumnMapping:
    """In a long table, a column both tables know (``specimen_type``) belongs to the fragments
    only if its values vary within a patient; one value per patient is the patient's own
    (biopsy/surgical, what the Specimens page compares), as in a two-table upload."""
    pid = mapping.source_for("fragments", "patient_id")
    if pid is None or pid not in table.frame.columns:
        return mapping
    ids = as_text(table.frame[pid])
    for name in SHARED_COLUMNS:
        source = mapping.source_for("fragments", name)
        if source is None or source not in table.frame.columns:
            continue
        folded = as_text(table.frame[source]).str.lower()
        varies = folded.where(folded != "").groupby(ids.to_numpy()).nunique().gt(1).any()
        if not varies and mapping.source_for("patients", name) is None:
            mapping = mapping.with_column("fragments", name, None).with_column(
                "patients", name, source)
    return mapping


def source_columns(raw: RawTables) -> dict[Table, tuple[str, ...]]:
    """The headers each table's contract columns can be mapped from (the upload's dropdowns);
    for a long table both tables map from its one set of columns."""
    if raw.long is not None:
        cols = tuple(map(str, raw.long.frame.columns))
        return {"patients": cols, "fragments": cols}
    assert raw.patients is not None
    fragments = raw.fragments.frame.columns if raw.fragments is not None else ()
    return {"patients": tuple(map(str, raw.patients.frame.columns)),
            "fragments": tuple(map(str, fragments))}


def build_cohort(
    raw: RawTables,
    mapping: ColumnMapping | None = None,
    *,
    dates: DateOptions | None = None,
    parsing: ParseOptions | None = None,
) -> tuple[Cohort | None, ValidationReport]:
    """Validate ``raw`` under ``mapping`` (automatic when ``None``) and build the cohort.

    ``parsing`` says how ambiguous cells are read (a % range such as ``90-100`` is an error
    unless a range policy is chosen); see :class:`~her2dash.values.ParseOptions`.
    """
    mapping = mapping or auto_mapping(raw)
    v = _Validator(raw, mapping, dates or DateOptions(), parsing or ParseOptions())
    cohort = v.run()
    return cohort, ValidationReport(tuple(v.issues), v.accounting(), mapping)


# -- the validator --------------------------------------------------------------------------


_FATES = (KEPT, UNUSED, LEFT_OUT, ERROR)  # in rising order: an error outranks every other fate


class _Rows:
    """Fate of each row of one input table (a rank per row, and the reason for it)."""

    def __init__(self, table: RawTable) -> None:
        self.label = table.label
        self.rows = table.row_numbers
        self.rank = np.zeros(len(table.frame), np.int8)
        self.reason = np.full(len(table.frame), "", dtype=object)

    def mark(self, mask: np.ndarray, status: str, reason: str) -> None:
        # The first reason at the highest fate is kept; every reason is also in the issues.
        rank = _FATES.index(status)
        target = mask & (self.rank < rank)
        self.rank[target] = rank
        self.reason[target] = reason

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"file": self.label, "row": self.rows,
                             "status": np.asarray(_FATES, dtype=object)[self.rank],
                             "reason": self.reason})


def _accounting_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({"file": [], "row": [], "status": [], "reason": []})
    return pd.concat(parts, ignore_index=True)


class _Validator:
    def __init__(self, raw: RawTables, mapping: ColumnMapping, dates: DateOptions,
                 parsing: ParseOptions) -> None:
        self.raw = raw
        self.mapping = mapping
        self.dates = dates
        self.parsing = parsing
        self.issues: list[Issue] = []
        self.fates: list[_Rows] = []
        # One per source of fragment rows (the fragments table, the descriptions); a fragment
        # frame's ``_src`` column says which, ``_i`` its row there.
        self.fragment_fates: list[_Rows] = []

    # -- issue helpers ----------------------------------------------------------------------

    def add(self, severity: str, message: str, **where: object) -> None:
        self.issues.append(Issue(severity, message, **where))  # type: ignore[arg-type]

    def cells(self, table: RawTable, fate: _Rows, mask: np.ndarray, column: str,
              message: str, expected: str) -> None:
        """Report each cell in ``mask`` as an error (the first :data:`MAX_LISTED`, then a count).

        ``column`` is the file's column name; the offending value is quoted from the file.
        """
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        fate.mark(mask, ERROR, f"{column}: {message}")
        if column in table.frame.columns:
            shown = as_text(table.frame[column].iloc[idx[:MAX_LISTED]]).tolist()
        else:
            shown = [""] * min(len(idx), MAX_LISTED)
        for i, value in zip(idx[:MAX_LISTED], shown, strict=True):
            self.add("error", message, file=table.label, row=int(table.row_numbers[i]),
                     column=column, value=_clip(value), expected=expected)
        if len(idx) > MAX_LISTED:
            rest = table.row_numbers[idx[MAX_LISTED:]]
            self.add("error", f"{message}: {len(rest):,} more rows like this "
                     f"(rows {_row_list(rest)})", file=table.label, column=column,
                     expected=expected)

    def flag(self, table: RawTable, fate: _Rows, mask: np.ndarray, severity: str,
             sources: Sequence[str], message: str, expected: str, ids: np.ndarray) -> None:
        """Report each row in ``mask`` (the first :data:`MAX_LISTED`, then a count), naming
        the fragment by ``ids`` and quoting every column of ``sources`` as written; an error
        also marks the rows."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        column = " + ".join(sources)
        if severity == "error":
            fate.mark(mask, ERROR, f"{column}: {message}")
        head = idx[:MAX_LISTED]
        texts = {s: as_text(table.frame[s].iloc[head]).tolist() for s in sources
                 if s in table.frame.columns}
        for k, i in enumerate(head):
            shown = ", ".join(f"{s} = {texts[s][k] or 'blank'}" for s in texts)
            self.add(severity, f"{message} (fragment {ids[i]})", file=table.label,
                     row=int(table.row_numbers[i]), column=column, value=_clip(shown),
                     expected=expected)
        if len(idx) > MAX_LISTED:
            rest = table.row_numbers[idx[MAX_LISTED:]]
            self.add(severity, f"{message}: {len(rest):,} more rows like this "
                     f"(rows {_row_list(rest)})", file=table.label, column=column,
                     expected=expected)

    def coercions(self, table: RawTable, source: str, p: Parsed) -> None:
        """List every cell read other than as written, one line per distinct original (with a
        count and example rows), so 10,000 identical coercions are one line."""
        mask = p.notes()
        if not mask.any() or p.detail is None:
            return
        idx = np.flatnonzero(mask)
        cells = pd.DataFrame({"original": as_text(table.frame[source].iloc[idx]).to_numpy(),
                              "read": p.detail[idx], "row": table.row_numbers[idx]})
        groups = cells.groupby(["original", "read"], sort=False)["row"]
        for n, ((original, read), rows) in enumerate(groups):
            if n == MAX_LISTED:
                rest = groups.ngroups - MAX_LISTED
                self.add("info", f"{rest:,} more distinct values of this column were read "
                         "other than as written", file=table.label, column=source)
                break
            count = f"{len(rows):,} cell{'s' if len(rows) > 1 else ''}"
            self.add("info", f"{_clip(original)!r} read as {read}: {count} (rows "
                     f"{_row_list(rows.to_numpy())})", file=table.label,
                     row=int(rows.iloc[0]), column=source)

    def accounting(self) -> pd.DataFrame:
        return _accounting_frame([f.frame() for f in self.fates])

    # -- run --------------------------------------------------------------------------------

    def run(self) -> Cohort | None:
        if self.raw.long is not None:
            patients, fragments = self._split_long(self.raw.long)
            if patients is None or fragments is None:
                return None
            pat_table = self.raw.long
        else:
            assert self.raw.patients is not None
            pat_table = self.raw.patients
            patients = self._patients(pat_table)
            fragments = None
            if self.raw.fragments is not None:
                fragments = self._fragments(self.raw.fragments)
                if fragments is None:
                    return None
        if patients is None:
            return None
        patients, fragments = self._described(pat_table, patients, fragments)
        if fragments is None:
            return None
        return self._link(patients, fragments)

    # -- columns ----------------------------------------------------------------------------

    def _required(self, table: RawTable, role: Table) -> bool:
        mapped = self.mapping.as_dict(role)
        missing = [c for c, spec in SPECS[role].items() if spec.required and c not in mapped]
        for c in missing:
            self.add("error", f"required column {c!r} is missing ({SPECS[role][c].meaning}); "
                     "map one of the file's columns to it", file=table.label, column=c,
                     expected=SPECS[role][c].expected)
        absent = [s for c, s in mapped.items() if s not in table.frame.columns]
        for s in absent:
            self.add("error", f"mapped column {s!r} is not in the file", file=table.label,
                     column=s)
        return not missing and not absent

    def _bad(self, table: RawTable, fate: _Rows, p: Parsed, source: str, message: str,
             expected: str, mask: np.ndarray | None = None) -> None:
        """Report the bad cells of ``p`` (within ``mask``): those with a specific reason under
        it, the rest under ``message``."""
        bad = p.bad if mask is None else p.bad & mask
        specific = p.reasons() & bad
        if specific.any() and p.detail is not None:
            for reason in dict.fromkeys(p.detail[specific]):
                self.cells(table, fate, specific & (p.detail == reason), source, str(reason),
                           expected)
        self.cells(table, fate, bad & ~specific, source, message, expected)

    def _parse(self, table: RawTable, fate: _Rows, spec: ColumnSpec, source: str) -> Parsed:
        s = table.frame[source]
        dc = table.decimal_comma
        expected = spec.expected
        match spec.kind:
            case "number":
                p = distinct(parse_number, s, decimal_comma=dc)
                self._bad(table, fate, p, source, "not a number", expected)
                low = _MINIMUM.get(spec.name)
                if low is not None:
                    below = ~p.bad & ~p.blank & (np.nan_to_num(p.values, nan=low) < low)
                    self.cells(table, fate, below, source, f"below {low:g}", expected)
                    p = Parsed(np.where(below, np.nan, p.values), p.blank, p.bad | below,
                               p.detail)
            case "event":
                p = distinct(parse_event, s, decimal_comma=dc)
                self._bad(table, fate, p, source, "event must be 0 or 1", expected)
            case "response":
                p = distinct(parse_response, s)
                self._bad(table, fate, p, source, "unknown response label", expected)
            case "yesno":
                p = distinct(parse_yesno, s)
                self._bad(table, fate, p, source, "not a yes/no value", expected)
            case "category":
                p = distinct(parse_category, s, spec.vocabulary or spec.name)
                self._bad(table, fate, p, source, "unknown value", expected)
            case "status":
                p = distinct(parse_ish_status, s)
                self._bad(table, fate, p, source, "not an ISH result", expected)
            case "date":
                p = distinct(parse_date, s)
                # 03/04/2016: day-first and month-first exports both exist; say so.
                ambiguous = p.bad & as_text(s).str.fullmatch(_SLASH_DATE).to_numpy(dtype=bool)
                self._bad(table, fate, p, source, "not a date in a known format",
                          _DATE_EXPECTED, ~ambiguous)
                self.cells(table, fate, ambiguous, source, "ambiguous date: the day and the "
                           "month cannot be told apart (DD/MM/YYYY or MM/DD/YYYY?)",
                           _DATE_EXPECTED)
            case "score":
                p = distinct(parse_score, s)
                self._bad(table, fate, p, source, "not a HER2 IHC score", expected)
            case "pct":
                p = distinct(parse_number, s, decimal_comma=dc, percent=True,
                             ranges=self.parsing.range_policy)
                self._bad(table, fate, p, source, "not a number", expected)
                out = ~p.bad & ~p.blank & ((p.values < 0) | (p.values > 100))
                what = "% positive" if spec.name == "pct_positive" else "%"
                self.cells(table, fate, out, source, f"{what} outside 0–100", expected)
                p = Parsed(np.where(out, np.nan, p.values), p.blank, p.bad | out, p.detail)
            case "description":
                # Read into fragment rows later (_described); kept as text until then.
                text = as_text(s)
                p = Parsed(text.to_numpy(dtype=object), (text == "").to_numpy(),
                           np.zeros(len(s), bool))
            case _:  # id
                p = distinct(parse_id, s)
        self.coercions(table, source, p)
        return p

    def _check_present(self, table: RawTable, fate: _Rows, role: Table,
                       content: np.ndarray) -> None:
        """Check the cells of the mapped columns a table does have when a required one is
        missing: the table cannot be used, but every problem is still reported at once."""
        mapped = {c: s for c, s in self.mapping.as_dict(role).items() if s in table.frame.columns}
        parsed = {c: self._parse(table, fate, SPECS[role][c], s) for c, s in mapped.items()}
        for c in ("patient_id", "fragment_id"):
            if c in parsed:
                self._ids(table, fate, mapped[c], parsed[c], content)
        if role == "patients":
            for time, event in (("pfs_months", "pfs_event"), ("os_months", "os_event")):
                self._pair(table, fate, parsed, time, event, content)

    def _ids(self, table: RawTable, fate: _Rows, source: str, p: Parsed,
             content: np.ndarray) -> None:
        self.cells(table, fate, p.blank & content, source, "the id is blank on a row with data",
                   "an id")

    # -- patients ---------------------------------------------------------------------------

    def _patients(self, table: RawTable) -> pd.DataFrame | None:
        fate = _Rows(table)
        self.fates.append(fate)
        empty = self._empty_rows(table, fate)
        if not self._required(table, "patients"):
            self._check_present(table, fate, "patients", ~empty)
            fate.mark(~empty, ERROR, "the table lacks a required column")
            return None
        parsed, covariates = self._patient_columns(table, fate, ~empty)
        ids = parsed["patient_id"].values
        dup = pd.Series(ids).duplicated(keep=False).to_numpy() & ~parsed["patient_id"].blank
        self._duplicates(table, fate, dup, ids, "patient_id",
                         "the same patient_id appears on more than one row")
        frame = self._patient_frame(parsed, covariates, table, fate, ~empty)
        frame["_row"] = table.row_numbers
        return frame[~empty & ~parsed["patient_id"].blank]

    def _empty_rows(self, table: RawTable, fate: _Rows) -> np.ndarray:
        if table.frame.shape[1] == 0:
            return np.ones(len(table.frame), bool)
        empty = np.logical_and.reduce(
            [(as_text(table.frame[c]) == "").to_numpy() for c in table.frame.columns]
        )
        if empty.any():
            fate.mark(empty, LEFT_OUT, "empty row")
            self.add("warning", f"{int(empty.sum())} empty row(s) left out "
                     f"(rows {_row_list(table.row_numbers[empty])})", file=table.label)
        return empty

    def _patient_columns(self, table: RawTable, fate: _Rows, content: np.ndarray,
                         skip: frozenset[str] = frozenset()
                         ) -> tuple[dict[str, Parsed], dict[str, tuple[np.ndarray, str]]]:
        mapped = self.mapping.as_dict("patients")
        parsed = {c: self._parse(table, fate, SPECS["patients"][c], s) for c, s in mapped.items()}
        self._ids(table, fate, mapped["patient_id"], parsed["patient_id"], content)
        for time, event in (("pfs_months", "pfs_event"), ("os_months", "os_event")):
            self._pair(table, fate, parsed, time, event, content)
        covariates = {}
        for col in unmatched(table.frame.columns, self.mapping, "patients"):
            if col in skip:
                continue
            if col in SPECS["patients"]:
                # Another column is mapped to this name (or it was unmapped): as a covariate it
                # would overwrite the mapped contract column.
                self.add("info", f"column {col!r} is not used: it has a contract column's name "
                         "but is not mapped to it", file=table.label, column=col)
                continue
            covariates[col] = infer_covariate(table.frame[col], decimal_comma=table.decimal_comma)
        return parsed, covariates

    def _pair(self, table: RawTable, fate: _Rows, parsed: dict[str, Parsed], time: str,
              event: str, content: np.ndarray) -> None:
        mapped = self.mapping.as_dict("patients")
        if (time in parsed) != (event in parsed):
            have, lack = (time, event) if time in parsed else (event, time)
            self.add("error", f"{have!r} is given but {lack!r} is missing: a survival time "
                     "needs its event indicator and the other way round", file=table.label,
                     column=lack, expected=SPECS["patients"][lack].expected)
            fate.mark(content, ERROR, f"{lack} missing")
            return
        if time not in parsed:
            return
        t, e = parsed[time], parsed[event]
        half = (t.blank & ~e.blank) | (~t.blank & e.blank)
        self.cells(table, fate, half & ~t.bad & ~e.bad, f"{mapped[time]} / {mapped[event]}",
                   f"only one of {time} and {event} is given", "both, or both blank")

    def _patient_frame(self, parsed: dict[str, Parsed],
                       covariates: dict[str, tuple[np.ndarray, str]], table: RawTable,
                       fate: _Rows, content: np.ndarray) -> pd.DataFrame:
        out: dict[str, object] = {}
        for c, p in parsed.items():
            kind = SPECS["patients"][c].kind
            if kind == "yesno":
                out[c] = pd.array(p.values, dtype="boolean")
            elif kind == "response":
                # Blank stays missing here so a long table's blank rows do not read as NE
                # against a patient's response; it becomes NE in _finish_patients.
                out[c] = response_categorical(np.where(p.blank, None, p.values))
            else:
                out[c] = p.values
        for col, (values, kind) in covariates.items():
            out[col] = pd.array(values, dtype="boolean") if kind == "yesno" else values
        return pd.DataFrame(out)

    def _duplicates(self, table: RawTable, fate: _Rows, dup: np.ndarray, ids: np.ndarray,
                    column: str, message: str) -> None:
        if not dup.any():
            return
        fate.mark(dup, ERROR, message)
        rows = pd.Series(table.row_numbers[dup]).groupby(pd.Series(ids[dup]), sort=False)
        for n, (key, r) in enumerate(rows):
            if n == MAX_LISTED:
                self.add("error", f"{message}: more duplicated ids not listed", file=table.label,
                         column=column)
                break
            # Located at the first repeat; the message names every row holding the id.
            self.add("error", f"{message} (rows {_row_list(r.to_numpy())})", file=table.label,
                     row=int(r.iloc[1]), column=column, value=_clip(str(key)),
                     expected="each id once")

    # -- fragments --------------------------------------------------------------------------

    def _fragments(self, table: RawTable, fate: _Rows | None = None,
                   empty: np.ndarray | None = None,
                   mapped: dict[str, str] | None = None) -> pd.DataFrame | None:
        """The fragment rows of ``table``; ``mapped`` (contract → source column) is given for
        fragments read from descriptions, whose columns are the contract's own."""
        if fate is None or empty is None:
            fate = _Rows(table)
            self.fates.append(fate)
            empty = self._empty_rows(table, fate)
        if mapped is None:
            if not self._required(table, "fragments"):
                self._check_present(table, fate, "fragments", ~empty)
                fate.mark(~empty, ERROR, "the table lacks a required column")
                return None
            mapped = self.mapping.as_dict("fragments")
        p = {c: self._parse(table, fate, SPECS["fragments"][c], s) for c, s in mapped.items()}
        content = ~empty
        self._ids(table, fate, mapped["patient_id"], p["patient_id"], content)
        self._ids(table, fate, mapped["fragment_id"], p["fragment_id"], content)
        n = len(table.frame)
        tumour = np.ones(n, bool)
        tumour_flag = np.full(n, np.nan)
        if "tumor_present" in p:
            flag = p["tumor_present"]
            tumour = np.where(flag.blank, True, flag.values == True)  # noqa: E712
            tumour_flag = np.where(flag.blank | flag.bad, np.nan,
                                   (flag.values == True).astype(float))  # noqa: E712
        score = p["ihc_score"]
        src_score = mapped["ihc_score"]
        self.cells(table, fate, content & tumour & score.blank, src_score,
                   "the IHC score is blank on a tumour-containing fragment", "0, 1+, 2+ or 3+")
        if "pct_positive" in p:
            pct = p["pct_positive"]
            src_pct = mapped["pct_positive"]
            contradicts = tumour & ~pct.blank & ~pct.bad & (pct.values > 0) & (
                (score.values == 0) | (score.values == 1))
            self.cells(table, fate, contradicts, src_pct,
                       "% positive is above 0 on a fragment scored 0 or 1+, whose cells by "
                       "definition do not stain 2+/3+", "0 for a 0/1+ fragment")
            defaulted = pct.blank
            pct_values = pct.values
        else:
            defaulted = np.ones(n, bool)
            pct_values = np.full(n, np.nan)
        defaulted, pct_values = self._derive_pct(table, p, mapped, defaulted, pct_values,
                                                 tumour & content)
        fill = np.where(score.values >= 2, 100.0, 0.0)
        pct_values = np.where(defaulted | ~tumour, np.where(tumour, fill, 0.0), pct_values)
        n_filled = int((defaulted & tumour & content & ~score.blank).sum())
        if n_filled:
            how = ("is blank" if "pct_positive" in p else "column is absent")
            self.add("info", f"% positive {how} on {n_filled:,} tumour-containing fragment(s): "
                     "taken as 100 for 2+/3+ and 0 for 0/1+, as the contract says",
                     file=table.label, column=mapped.get("pct_positive", "pct_positive"))
        frame = pd.DataFrame({
            "patient_id": p["patient_id"].values, "fragment_id": p["fragment_id"].values,
            "tumor_present": tumour, "ihc_score": score.values.astype(np.int8),
            "pct_positive": pct_values, "pct_defaulted": defaulted & tumour,
        })
        ids = (frame["patient_id"].astype(str).to_numpy() + " / "
               + frame["fragment_id"].astype(str).to_numpy())
        optional = self._optional_columns(p)
        if optional:
            checked: dict[str, np.ndarray] = {c: p[c].values for c in optional}
            if "pct_positive" in p:
                checked["pct_positive"] = np.where(p["pct_positive"].blank, np.nan,
                                                   p["pct_positive"].values)
            for check in check_fragments(checked, score=score.values, tumour=tumour,
                                         tumour_flag=tumour_flag, content=content):
                sources = [mapped.get(c, c) for c in check.columns if c in mapped]
                self.flag(table, fate, check.mask, check.severity, sources, check.message,
                          check.expected, ids)
            for c, v in optional.items():
                frame[c] = v
        frame["_row"] = table.row_numbers
        frame["_i"] = np.arange(n)
        frame["_src"] = len(self.fragment_fates)
        key = frame["patient_id"].astype(str) + "\x1f" + frame["fragment_id"].astype(str)
        dup = key.duplicated(keep=False).to_numpy() & content & ~p["fragment_id"].blank
        self._duplicates(table, fate, dup, ids, mapped["fragment_id"],
                         "the same fragment_id appears twice for one patient")
        no_tumour = content & ~tumour
        fate.mark(no_tumour, UNUSED, "no tumour cells in this fragment")
        self.fragment_fates.append(fate)
        return frame[content & ~p["patient_id"].blank]

    def _derive_pct(self, table: RawTable, p: dict[str, Parsed], mapped: dict[str, str],
                    defaulted: np.ndarray, pct_values: np.ndarray, used: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """% positive from pct_2plus + pct_3plus where it is blank or absent and both are
        given: the contract's definition, preferred to defaulting from the score."""
        if "pct_2plus" not in p or "pct_3plus" not in p:
            return defaulted, pct_values
        p2, p3 = p["pct_2plus"], p["pct_3plus"]
        derive = defaulted & used & ~p2.blank & ~p2.bad & ~p3.blank & ~p3.bad
        if not derive.any():
            return defaulted, pct_values
        total = np.where(derive, p2.values + p3.values, np.nan)
        self.add("info", f"% positive derived as pct_2plus + pct_3plus on {int(derive.sum()):,} "
                 f"fragment(s) where it {'is blank' if 'pct_positive' in p else 'is not given'} "
                 f"(rows {_row_list(table.row_numbers[derive])})", file=table.label,
                 column=mapped.get("pct_positive", "pct_positive"))
        return defaulted & ~derive, np.where(derive, np.minimum(total, 100.0), pct_values)

    def _optional_columns(self, p: dict[str, Parsed]) -> dict[str, object]:
        """The optional fragment columns given, typed as :class:`Cohort` documents them."""
        out: dict[str, object] = {}
        for name in OPTIONAL_FRAGMENT_FIELDS:
            if name not in p:
                continue
            kind = SPECS["fragments"][name].kind
            values = p[name].values
            if kind == "status":
                out[name] = pd.array(values, dtype="boolean")
            elif kind == "date":
                out[name] = values.astype("datetime64[ns]")
            elif kind == "category":
                out[name] = np.where(p[name].bad | p[name].blank, None, values).astype(object)
            else:
                out[name] = np.asarray(values, dtype=float)
        return out

    # -- long table -------------------------------------------------------------------------

    def _split_long(self, table: RawTable) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        fate = _Rows(table)
        self.fates.append(fate)
        empty = self._empty_rows(table, fate)
        pmap = self.mapping.as_dict("patients")
        fmap = self.mapping.as_dict("fragments")
        if "patient_id" not in pmap and "patient_id" in fmap:
            self.mapping = self.mapping.with_column("patients", "patient_id", fmap["patient_id"])
        frag_sources = frozenset(fmap.values())
        ok = self._required(table, "patients") & self._required(table, "fragments")
        if not ok:
            self._check_present(table, fate, "patients", ~empty)
            self._check_present(table, fate, "fragments", ~empty)
            fate.mark(~empty, ERROR, "the table lacks a required column")
            return None, None
        parsed, covariates = self._patient_columns(table, fate, ~empty, skip=frag_sources)
        patients = self._patient_frame(parsed, covariates, table, fate, ~empty)
        patients["_row"] = table.row_numbers
        keep = ~empty & ~parsed["patient_id"].blank
        patients = self._collapse(table, fate, patients[keep], covariates)
        fragments = self._fragments(table, fate, empty)
        return patients, fragments

    def _collapse(self, table: RawTable, fate: _Rows, rows: pd.DataFrame,
                  covariates: dict[str, tuple[np.ndarray, str]]) -> pd.DataFrame:
        """One row per patient from a long table; a patient column that differs between a
        patient's rows is an error (for contract columns) or a fragment-level column (user
        columns, which are then not kept as covariates)."""
        pid = rows["patient_id"]
        columns = [c for c in rows.columns if c not in ("patient_id", "_row")]
        # Compare parsed values (so "yes" and "Yes" agree); blanks do not disagree with a value,
        # since long exports often fill patient columns on a patient's first row only.
        as_key = rows[columns].astype(str).where(rows[columns].notna(), None)
        distinct = as_key.groupby(pid.to_numpy(), sort=False).nunique(dropna=True)
        conflicts = distinct > 1
        drop = []
        for col in columns:
            bad_ids = distinct.index[conflicts[col].to_numpy()]
            if not len(bad_ids):
                continue
            if col in covariates:
                drop.append(col)
                self.add("info", f"column {col!r} differs between rows of the same patient, so "
                         "it describes fragments, not patients; it is not used as a covariate",
                         file=table.label, column=col)
                continue
            source = self.mapping.source_for("patients", col) or col
            for n, key in enumerate(bad_ids):
                sel = (pid == key).to_numpy()
                vals = as_key.loc[sel, col]
                rws = rows.loc[sel, "_row"].to_numpy()
                mask = np.isin(fate.rows, rws)
                fate.mark(mask, ERROR, f"{source} differs between rows of patient {key}")
                if n < MAX_LISTED:
                    shown = " vs ".join(dict.fromkeys(v for v in vals if v is not None))
                    self.add("error", f"patient {key!r} has different {col} values on its rows "
                             f"(rows {_row_list(rws)}): a patient column must agree between a "
                             "patient's rows", file=table.label, column=source, value=_clip(shown),
                             expected="one value per patient")
        rows = rows.drop(columns=drop)
        first = rows.groupby("patient_id", sort=False).first()
        for col in first.columns:  # groupby.first() drops nullable and categorical dtypes
            if isinstance(rows[col].dtype, pd.CategoricalDtype | pd.BooleanDtype):
                first[col] = first[col].astype(rows[col].dtype)
        return first.reset_index()

    # -- linking ----------------------------------------------------------------------------

    def _link(self, patients: pd.DataFrame, fragments: pd.DataFrame) -> Cohort | None:
        pat_fate = self.fates[0]
        long = self.raw.long is not None
        known = fragments["patient_id"].isin(patients["patient_id"]).to_numpy()
        if (~known).any():
            for src, frag_fate in enumerate(self.fragment_fates):
                unknown = fragments.loc[~known & (fragments["_src"] == src).to_numpy()]
                if unknown.empty:
                    continue
                mask = np.isin(np.arange(len(frag_fate.rank)), unknown["_i"].to_numpy())
                frag_fate.mark(mask, LEFT_OUT, "its patient_id is not in the patients table")
                ids = list(dict.fromkeys(unknown["patient_id"].astype(str)))
                self.add("warning", f"{len(unknown):,} fragment row(s) of {len(ids):,} patient "
                         f"id(s) not in the patients table were left out: {_id_list(ids)} "
                         f"(rows {_row_list(unknown['_row'].to_numpy())})",
                         file=frag_fate.label, column=self.mapping.source_for(
                             "fragments", "patient_id") or "")
        fragments = fragments[known]
        tumour_ids = set(fragments.loc[fragments["tumor_present"], "patient_id"])
        no_tumour = ~patients["patient_id"].isin(tumour_ids).to_numpy()
        if no_tumour.any():
            gone = patients.loc[no_tumour]
            ids = gone["patient_id"].astype(str).tolist()
            reason = "no tumour-containing fragment: the patient cannot be classified"
            theirs = fragments["patient_id"].isin(ids).to_numpy()
            for src, frag_fate in enumerate(self.fragment_fates):
                mine = fragments.loc[theirs & (fragments["_src"] == src).to_numpy()]
                if long and frag_fate is pat_fate:
                    frag_fate.mark(np.isin(frag_fate.rows, mine["_row"].to_numpy()), LEFT_OUT,
                                   reason)
                else:
                    frag_fate.mark(np.isin(np.arange(len(frag_fate.rank)), mine["_i"]),
                                   LEFT_OUT, "its patient has no tumour-containing fragment")
            if not long:
                pat_fate.mark(np.isin(pat_fate.rows, gone["_row"].to_numpy()), LEFT_OUT, reason)
            self.add("warning", f"{len(ids):,} patient(s) left out of every analysis, with no "
                     f"tumour-containing fragment: {_id_list(ids)}", file=pat_fate.label)
            patients = patients[~no_tumour]
            fragments = fragments[fragments["patient_id"].isin(patients["patient_id"])]
        if any(i.severity == "error" for i in self.issues):
            return None
        fragments = self._timepoints(patients, fragments)
        patients = self._derive_times(patients)
        if patients is None:
            return None
        if "best_response" in patients.columns:
            patients = patients.assign(best_response=patients["best_response"].fillna("NE"))
        self._endpoint_notes(patients, pat_fate.label)
        patients = patients.drop(columns=["_row"]).set_index("patient_id")
        covariates = tuple(c for c in patients.columns if c not in SPECS["patients"])
        fragments = fragments.drop(columns=["_row", "_i", "_src"]).reset_index(drop=True)
        return Cohort(patients, fragments, source=pat_fate.label, covariates=covariates)

    def _timepoints(self, patients: pd.DataFrame, fragments: pd.DataFrame) -> pd.DataFrame:
        """``timepoint`` from ``specimen_date`` and the patient's ``therapy_start`` where it is
        not given: on or before the start of therapy is baseline, after it post-progression
        (the contract's two timepoints); a given timepoint that the dates contradict is kept,
        with a warning."""
        if "specimen_date" not in fragments.columns:
            return fragments
        dated = fragments["specimen_date"].notna().to_numpy()
        label = self.fragment_fates[0].label if self.fragment_fates else ""
        if "therapy_start" not in patients.columns:
            if dated.any() and "timepoint" not in fragments.columns:
                self.add("info", "specimen_date is given but therapy_start is not, so no "
                         "timepoint can be derived from it", file=label)
            return fragments
        start = fragments["patient_id"].map(
            patients.set_index("patient_id")["therapy_start"]).to_numpy(dtype="datetime64[ns]")
        taken = fragments["specimen_date"].to_numpy(dtype="datetime64[ns]")
        both = dated & ~np.isnat(start)
        from_dates = np.where(taken <= start, "baseline", "post-progression").astype(object)
        given = (fragments["timepoint"].to_numpy(dtype=object) if "timepoint" in
                 fragments.columns else np.full(len(fragments), None, dtype=object))
        blank = pd.isna(given)
        derive = both & blank
        fragments = fragments.copy()
        if derive.any():
            fragments["timepoint"] = np.where(derive, from_dates, given)
            n_base = int((derive & (from_dates == "baseline")).sum())
            self.add("info", f"timepoint derived from specimen_date and the patient's "
                     f"therapy_start on {int(derive.sum()):,} fragment(s): {n_base:,} baseline "
                     f"(taken on or before the start of therapy), {int(derive.sum()) - n_base:,} "
                     "post-progression (taken after it)", file=label, column="timepoint")
        undated = dated & np.isnat(start) & blank
        if undated.any():
            self.add("info", f"{int(undated.sum()):,} fragment(s) have a specimen_date but "
                     "their patient has no therapy_start: their timepoint is left blank",
                     file=label, column="timepoint")
        clash = both & ~blank & (given != from_dates)
        for row, pid, fid, tp, when in list(zip(
                fragments["_row"].to_numpy()[clash], fragments["patient_id"].to_numpy()[clash],
                fragments["fragment_id"].to_numpy()[clash], given[clash],
                taken[clash].astype("datetime64[D]"), strict=True))[:MAX_LISTED]:
            self.add("warning", f"fragment {pid} / {fid} is given as {tp} but was taken on "
                     f"{when}, {'after' if tp == 'baseline' else 'on or before'} the start of "
                     "therapy; the given timepoint is kept", file=label, row=int(row),
                     column="timepoint")
        return fragments

    # -- fragments written in a patients column ------------------------------------------------

    def _described(self, table: RawTable, patients: pd.DataFrame,
                   fragments: pd.DataFrame | None
                   ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Fragment rows read from the patients' ``fragment_description`` column, added to
        those of a fragments table (a patient may not have both)."""
        if "fragment_description" not in patients.columns:
            if fragments is None:
                self.add("error", "no fragments were given: upload a fragments table, or map a "
                         "patients column with fragment descriptions ('#1 3+ 80%, #2 1+') to "
                         "fragment_description", file=table.label,
                         column="fragment_description", expected=DESCRIPTION_EXPECTED)
            return patients, fragments
        source = self.mapping.source_for("patients", "fragment_description") or ""
        texts = patients["fragment_description"].to_numpy(dtype=object)
        patients = patients.drop(columns=["fragment_description"])
        pat_fate = self.fates[0]
        rows: list[tuple[str, str, str, str, str, int]] = []
        failed: list[int] = []
        listed = 0
        for pid, text, row in zip(patients["patient_id"], texts, patients["_row"], strict=True):
            if not text:
                continue
            found, why = parse_description(str(text))
            if why:
                failed.append(int(row))
                if len(failed) <= MAX_LISTED:
                    self.add("error", f"the fragment description of patient {pid!r} cannot be "
                             f"read: {why}", file=table.label, row=int(row), column=source,
                             value=_clip(str(text)), expected=DESCRIPTION_EXPECTED)
                continue
            if listed < MAX_LISTED:
                self.add("info", f"{_clip(str(text))!r} read as fragments "
                         f"{describe_fragments(found)} (patient {pid})", file=table.label,
                         row=int(row), column=source)
            listed += 1
            rows.extend((pid, f.fragment_id, "1" if f.tumor_present else "0", f.ihc_score,
                         f.pct_positive, int(row)) for f in found)
        if failed:
            pat_fate.mark(np.isin(pat_fate.rows, failed), ERROR,
                          f"{source}: the fragment description cannot be read")
            if len(failed) > MAX_LISTED:
                self.add("error", f"{len(failed) - MAX_LISTED:,} more fragment descriptions "
                         f"cannot be read (rows {_row_list(np.asarray(failed[MAX_LISTED:]))})",
                         file=table.label, column=source, expected=DESCRIPTION_EXPECTED)
        if listed > MAX_LISTED:
            self.add("info", f"{listed - MAX_LISTED:,} more fragment descriptions were read "
                     "into fragments the same way", file=table.label, column=source)
        if not rows:
            if fragments is None and not failed:
                self.add("error", f"the fragment description column {source!r} is empty and "
                         "no fragments table was given: there are no fragments",
                         file=table.label, column=source, expected=DESCRIPTION_EXPECTED)
            return patients, None if fragments is None or failed else fragments
        columns = ("patient_id", "fragment_id", "tumor_present", "ihc_score", "pct_positive")
        frame = pd.DataFrame([r[:5] for r in rows], columns=list(columns), dtype=object)
        described = RawTable(f"{table.label} › {source}", frame,
                             np.array([r[5] for r in rows]), "fragment descriptions")
        got = self._fragments(described, mapped={c: c for c in columns})
        if got is None:
            return patients, None
        if fragments is not None:
            both = sorted(set(got["patient_id"]) & set(fragments["patient_id"]))
            for pid in both[:MAX_LISTED]:
                row = int(patients.loc[patients["patient_id"] == pid, "_row"].iloc[0])
                self.add("error", f"patient {pid!r} has fragments both as fragment rows and "
                         f"in its fragment description ({source}): give them once",
                         file=table.label, row=row, column=source,
                         expected="fragments in one place per patient")
            if both:
                pat_fate.mark(np.isin(pat_fate.rows, patients.loc[patients["patient_id"].isin(
                    both), "_row"]), ERROR, "fragments given twice (table and description)")
                return patients, None
            got = pd.concat([fragments, got], ignore_index=True)
        return patients, got

    def _derive_times(self, patients: pd.DataFrame) -> pd.DataFrame | None:
        dates = [c for c in ("therapy_start", "progression_date", "death_date",
                             "last_contact_date", "surgery_date") if c in patients.columns]
        if not dates:
            return patients
        label = self.fates[0].label
        if "therapy_start" not in patients.columns:
            self.add("warning", f"date columns ({', '.join(dates)}) were given without "
                     "therapy_start, so no times can be derived from them; they are not used",
                     file=label)
            return patients.drop(columns=dates)

        def col(name: str) -> np.ndarray:
            if name in patients.columns:
                return patients[name].to_numpy(dtype="datetime64[ns]")
            return np.full(len(patients), np.datetime64("NaT"), dtype="datetime64[ns]")

        patients = patients.copy()
        start = col("therapy_start")
        derived = {
            "os": derive_os(start, col("death_date"), col("last_contact_date"), self.dates),
            "pfs": derive_pfs(start, col("progression_date"), col("death_date"),
                              col("last_contact_date"), col("surgery_date"), self.dates),
        }
        for endpoint, times in derived.items():
            if f"{endpoint}_months" in patients.columns:
                self.add("info", f"{endpoint.upper()} times were given, so they are used and not "
                         "re-derived from the dates", file=label)
                continue
            bad = times.problem != None  # noqa: E711
            for row, pid, why in list(zip(patients["_row"].to_numpy()[bad],
                                          patients["patient_id"].to_numpy()[bad],
                                          times.problem[bad], strict=True))[:MAX_LISTED]:
                self.add("error", f"cannot derive {endpoint.upper()} for patient {pid!r}: {why}",
                         file=label, row=int(row))
            if bad.any():
                self.fates[0].mark(np.isin(self.fates[0].rows, patients["_row"].to_numpy()[bad]),
                                   ERROR, f"cannot derive {endpoint.upper()} from its dates")
            patients[f"{endpoint}_months"] = times.months
            patients[f"{endpoint}_event"] = times.event
        if any(i.severity == "error" for i in self.issues):
            return None
        cut = self.dates.data_cutoff
        self.add("info", "PFS and OS were derived from dates (months = days / 30.4375; data "
                 f"cut-off {cut.isoformat() if cut else 'none'}; PFS "
                 f"{'censored' if self.dates.censor_pfs_at_surgery else 'not censored'} at "
                 "conversion surgery). The dates themselves are not kept.", file=label)
        return patients.drop(columns=dates)

    def _endpoint_notes(self, patients: pd.DataFrame, label: str) -> None:
        for endpoint in ("pfs", "os"):
            col = f"{endpoint}_months"
            if col not in patients.columns:
                self.add("info", f"no {endpoint.upper()} column: {endpoint.upper()} analyses "
                         "are unavailable", file=label)
                continue
            missing = patients[col].isna().to_numpy()
            if missing.any():
                self.add("warning", f"{int(missing.sum()):,} patient(s) have no "
                         f"{endpoint.upper()} time and are left out of {endpoint.upper()} "
                         f"analyses only: {_id_list(patients['patient_id'][missing].tolist())}",
                         file=label, column=col)


def _clip(text: str) -> str:
    """A cell as quoted in an issue: at most :data:`MAX_QUOTED` characters."""
    if len(text) <= MAX_QUOTED:
        return text
    return f"{text[:MAX_QUOTED]}… ({len(text):,} characters)"


def _row_list(rows: np.ndarray, limit: int = 12) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f", … ({len(rows) - limit:,} more)" if len(rows) > limit else "")


def _id_list(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f", … ({len(ids) - limit:,} more)" if len(ids) > limit else "")

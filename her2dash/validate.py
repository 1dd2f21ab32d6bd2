"""Raw tables + column mapping → a :class:`~her2dash.cohort.Cohort` and a validation report.

Every problem is reported at once, each located by file, row, column and value, with what was
expected. Errors block (``cohort`` is ``None``); warnings say which rows were left out and why;
infos say what was assumed. ``ValidationReport.accounting`` has one line per input row — kept,
kept but unused, left out or in error — so nothing disappears unexplained. Nothing here raises on
bad data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from her2dash.cohort import Cohort, response_categorical
from her2dash.columns import SPECS, ColumnMapping, ColumnSpec, Table, match_columns, unmatched
from her2dash.dates import DateOptions, derive_os, derive_pfs
from her2dash.ingest import DEFAULT_MAX_BYTES, InputFile, RawTable, RawTables, read_files
from her2dash.results import Issue
from her2dash.values import (
    Parsed,
    as_text,
    distinct,
    infer_covariate,
    parse_category,
    parse_date,
    parse_event,
    parse_id,
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
            "best_pct_change": -100.0}


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
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Cohort | None, ValidationReport]:
    """Read, match and validate in one call (the CLI's and the demo's path)."""
    raw, issues = read_files(files, encoding=encoding, max_bytes=max_bytes)
    if raw is None:
        return None, ValidationReport(tuple(issues))
    cohort, report = build_cohort(raw, mapping, dates=dates)
    read_notes = [i for i in issues if i not in report.issues]
    return cohort, ValidationReport(tuple(read_notes) + report.issues, report.accounting,
                                    report.mapping)


def auto_mapping(raw: RawTables) -> ColumnMapping:
    """The automatic column match for ``raw`` (the upload page starts from it)."""
    if raw.long is not None:
        cols = list(raw.long.frame.columns)
        return match_columns(cols, cols)
    assert raw.patients is not None and raw.fragments is not None
    return match_columns(list(raw.patients.frame.columns), list(raw.fragments.frame.columns))


def source_columns(raw: RawTables) -> dict[Table, tuple[str, ...]]:
    """The headers each table's contract columns can be mapped from (the upload's dropdowns);
    for a long table both tables map from its one set of columns."""
    if raw.long is not None:
        cols = tuple(map(str, raw.long.frame.columns))
        return {"patients": cols, "fragments": cols}
    assert raw.patients is not None and raw.fragments is not None
    return {"patients": tuple(map(str, raw.patients.frame.columns)),
            "fragments": tuple(map(str, raw.fragments.frame.columns))}


def build_cohort(
    raw: RawTables,
    mapping: ColumnMapping | None = None,
    *,
    dates: DateOptions | None = None,
) -> tuple[Cohort | None, ValidationReport]:
    """Validate ``raw`` under ``mapping`` (automatic when ``None``) and build the cohort."""
    mapping = mapping or auto_mapping(raw)
    v = _Validator(raw, mapping, dates or DateOptions())
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
    def __init__(self, raw: RawTables, mapping: ColumnMapping, dates: DateOptions) -> None:
        self.raw = raw
        self.mapping = mapping
        self.dates = dates
        self.issues: list[Issue] = []
        self.fates: list[_Rows] = []

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

    def accounting(self) -> pd.DataFrame:
        return _accounting_frame([f.frame() for f in self.fates])

    # -- run --------------------------------------------------------------------------------

    def run(self) -> Cohort | None:
        if self.raw.long is not None:
            patients, fragments = self._split_long(self.raw.long)
            if patients is None or fragments is None:
                return None
        else:
            assert self.raw.patients is not None and self.raw.fragments is not None
            patients = self._patients(self.raw.patients)
            fragments = self._fragments(self.raw.fragments)
        if patients is None or fragments is None:
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

    def _parse(self, table: RawTable, fate: _Rows, spec: ColumnSpec, source: str) -> Parsed:
        s = table.frame[source]
        dc = table.decimal_comma
        match spec.kind:
            case "number":
                p = distinct(parse_number, s, decimal_comma=dc)
                expected = spec.expected
                self.cells(table, fate, p.bad, source, "not a number", expected)
                low = _MINIMUM.get(spec.name)
                if low is not None:
                    below = ~p.bad & ~p.blank & (np.nan_to_num(p.values, nan=low) < low)
                    self.cells(table, fate, below, source, f"below {low:g}", expected)
                    p = Parsed(np.where(below, np.nan, p.values), p.blank, p.bad | below)
            case "event":
                p = distinct(parse_event, s, decimal_comma=dc)
                self.cells(table, fate, p.bad, source, "event must be 0 or 1", spec.expected)
            case "response":
                p = distinct(parse_response, s)
                self.cells(table, fate, p.bad, source, "unknown response label", spec.expected)
            case "yesno":
                p = distinct(parse_yesno, s)
                self.cells(table, fate, p.bad, source, "not a yes/no value", spec.expected)
            case "category":
                p = distinct(parse_category, s, spec.name)
                self.cells(table, fate, p.bad, source, "unknown value", spec.expected)
            case "date":
                p = distinct(parse_date, s)
                expected = "YYYY-MM-DD (also YYYY/MM/DD, DD.MM.YYYY)"
                # 03/04/2016: day-first and month-first exports both exist; say so.
                ambiguous = p.bad & as_text(s).str.fullmatch(_SLASH_DATE).to_numpy(dtype=bool)
                self.cells(table, fate, p.bad & ~ambiguous, source,
                           "not a date in a known format", expected)
                self.cells(table, fate, ambiguous, source, "ambiguous date: the day and the "
                           "month cannot be told apart (DD/MM/YYYY or MM/DD/YYYY?)", expected)
            case "score":
                p = distinct(parse_score, s)
                self.cells(table, fate, p.bad, source, "not a HER2 IHC score", spec.expected)
            case "pct":
                p = distinct(parse_number, s, decimal_comma=dc, percent=True)
                self.cells(table, fate, p.bad, source, "not a number", spec.expected)
                out = ~p.bad & ~p.blank & ((p.values < 0) | (p.values > 100))
                self.cells(table, fate, out, source, "% positive outside 0–100", spec.expected)
                p = Parsed(np.where(out, np.nan, p.values), p.blank, p.bad | out)
            case _:  # id
                p = distinct(parse_id, s)
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
                   empty: np.ndarray | None = None) -> pd.DataFrame | None:
        if fate is None or empty is None:
            fate = _Rows(table)
            self.fates.append(fate)
            empty = self._empty_rows(table, fate)
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
        if "tumor_present" in p:
            tumour = np.where(p["tumor_present"].blank, True,
                              p["tumor_present"].values == True)  # noqa: E712
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
            "_row": table.row_numbers, "_i": np.arange(n),
        })
        key = frame["patient_id"].astype(str) + "\x1f" + frame["fragment_id"].astype(str)
        dup = key.duplicated(keep=False).to_numpy() & content & ~p["fragment_id"].blank
        self._duplicates(table, fate, dup, frame["patient_id"].astype(str).to_numpy() + " / "
                         + frame["fragment_id"].astype(str).to_numpy(), mapped["fragment_id"],
                         "the same fragment_id appears twice for one patient")
        no_tumour = content & ~tumour
        fate.mark(no_tumour, UNUSED, "no tumour cells in this fragment")
        self._fragment_fate = fate
        return frame[content & ~p["patient_id"].blank]

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
        frag_fate = self._fragment_fate
        pat_fate = self.fates[0]
        long = self.raw.long is not None
        known = fragments["patient_id"].isin(patients["patient_id"]).to_numpy()
        if (~known).any():
            unknown = fragments.loc[~known]
            mask = np.isin(np.arange(len(frag_fate.rank)), unknown["_i"].to_numpy())
            frag_fate.mark(mask, LEFT_OUT, "its patient_id is not in the patients table")
            ids = list(dict.fromkeys(unknown["patient_id"].astype(str)))
            self.add("warning", f"{len(unknown):,} fragment row(s) of {len(ids):,} patient id(s) "
                     f"not in the patients table were left out: {_id_list(ids)} "
                     f"(rows {_row_list(unknown['_row'].to_numpy())})",
                     file=frag_fate.label, column=self.mapping.source_for("fragments",
                                                                           "patient_id") or "")
        fragments = fragments[known]
        tumour_ids = set(fragments.loc[fragments["tumor_present"], "patient_id"])
        no_tumour = ~patients["patient_id"].isin(tumour_ids).to_numpy()
        if no_tumour.any():
            gone = patients.loc[no_tumour]
            ids = gone["patient_id"].astype(str).tolist()
            reason = "no tumour-containing fragment: the patient cannot be classified"
            if long:
                mask = np.isin(frag_fate.rows, fragments.loc[
                    fragments["patient_id"].isin(ids), "_row"].to_numpy())
                frag_fate.mark(mask, LEFT_OUT, reason)
            else:
                pat_fate.mark(np.isin(pat_fate.rows, gone["_row"].to_numpy()), LEFT_OUT, reason)
                frag_mask = np.isin(np.arange(len(frag_fate.rank)),
                                    fragments.loc[fragments["patient_id"].isin(ids), "_i"])
                frag_fate.mark(frag_mask, LEFT_OUT, "its patient has no tumour-containing "
                               "fragment")
            self.add("warning", f"{len(ids):,} patient(s) left out of every analysis, with no "
                     f"tumour-containing fragment: {_id_list(ids)}", file=pat_fate.label)
            patients = patients[~no_tumour]
            fragments = fragments[fragments["patient_id"].isin(patients["patient_id"])]
        if any(i.severity == "error" for i in self.issues):
            return None
        patients = self._derive_times(patients)
        if patients is None:
            return None
        if "best_response" in patients.columns:
            patients = patients.assign(best_response=patients["best_response"].fillna("NE"))
        self._endpoint_notes(patients, pat_fate.label)
        patients = patients.drop(columns=["_row"]).set_index("patient_id")
        covariates = tuple(c for c in patients.columns if c not in SPECS["patients"])
        return Cohort(patients, fragments.drop(columns=["_row", "_i"]).reset_index(drop=True),
                      source=pat_fate.label, covariates=covariates)

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

"""Read uploaded or local files into raw tables, without judging their contents.

Accepts CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, Shift-JIS/cp932, Latin-1;
comma, semicolon, tab or pipe; decimal comma), XLSX (a workbook with a patients and a fragments
sheet, or a sheet per file), Parquet, SPSS ``.sav`` and Stata ``.dta``. Two tables (patients,
fragments), one long table (a row per fragment with the patient columns repeated), or one
patients table whose fragments are written as text in a description column come out as
:class:`RawTables`.

Files are read from bytes held in memory. Nothing is written to disk: SPSS files, which pyreadstat
can only open by path, go through an anonymous in-memory file (``memfd``). File-level problems
(empty, binary, too large, unreadable, unknown roles) come back as :class:`~her2dash.results.Issue`
objects; nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from her2dash.columns import match_table, normalise_name
from her2dash.results import Issue

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # Streamlit's default upload limit; one place to change it
MAX_COLUMNS = 1000  # per table; refused before any cell is read
MAX_ROWS = 2_000_000  # data rows per table; refused before any cell is parsed
# An XLSX is a ZIP of XML; its entries' declared sizes are checked before anything is
# decompressed, so a small "zip bomb" disguised as a workbook is refused, not inflated.
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024

_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*%?\s*$")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file as bytes in memory, with the name the user gave it."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> InputFile:
        p = Path(path)
        return cls(p.name, p.read_bytes())

    @property
    def sha256(self) -> str:
        """The bytes' SHA-256: which exact file a result was computed from."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, eq=False)
class RawTable:
    """One table as read, before any column is interpreted.

    ``frame`` holds cells as read (text for CSV; native values for typed formats, blanks as
    ``""`` or NaN). ``row_numbers`` gives each frame row's number as the user sees it in the
    file, for messages. ``decimal_comma`` says numbers such as ``7,5`` mean 7.5 in this table.
    """

    label: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    detail: str = ""
    decimal_comma: bool = False


@dataclass(frozen=True, eq=False)
class RawTables:
    """The tables found in the input: patients + fragments, one long table, or patients alone
    (``fragments`` is ``None``) when their fragments are described in a patients column."""

    patients: RawTable | None = None
    fragments: RawTable | None = None
    long: RawTable | None = None
    notes: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def tables(self) -> list[RawTable]:
        return [t for t in (self.patients, self.fragments, self.long) if t is not None]


def read_files(
    files: Sequence[InputFile],
    *,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[RawTables | None, list[Issue]]:
    """Read one or two files into :class:`RawTables`.

    Parameters
    ----------
    files
        One file (a workbook with both sheets, or a long table) or two (patients, fragments, in
        any order: roles are recognised from sheet/file names and columns).
    encoding
        Force a text encoding instead of detecting it (the upload page offers this when the
        detected one is wrong).
    max_bytes
        Files larger than this are refused with a message naming the limit.

    Returns
    -------
    The tables (``None`` when an error prevents reading) and every issue found, errors included.
    """
    issues: list[Issue] = []
    tables: list[RawTable] = []
    if not files:
        return None, [Issue("error", "No file was given: upload a cohort (see the template).")]
    for f in files:
        try:
            found, notes = _read_one(f, encoding=encoding, max_bytes=max_bytes)
        except Exception as exc:  # a reader library's failure on a malformed file
            found, notes = [], [_unreadable(f.name, exc)]
        tables.extend(found)
        issues.extend(notes)
    if any(i.severity == "error" for i in issues):
        return None, issues
    raw, role_issues = _assign_roles(tables)
    issues.extend(role_issues)
    if raw is None or any(i.severity == "error" for i in issues):
        return None, issues
    return raw, issues


def open_paths(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[InputFile], list[Issue]]:
    """Files on disk as :class:`InputFile` (the CLI); a file that cannot be opened is an issue."""
    files, issues = [], []
    for p in paths:
        try:
            files.append(InputFile.from_path(p))
        except OSError as exc:
            issues.append(Issue("error", f"cannot open the file: {exc.strerror}", file=str(p)))
    return files, issues


def read_paths(
    paths: Sequence[str | os.PathLike[str]], **kwargs: object
) -> tuple[RawTables | None, list[Issue]]:
    """:func:`read_files` for files on disk; missing files become issues."""
    files, issues = open_paths(paths)
    if issues:
        return None, issues
    return read_files(files, **kwargs)  # type: ignore[arg-type]


# -- one file ---------------------------------------------------------------------------------


def sniff_format(f: InputFile) -> str:
    """The file's format from its first bytes, falling back to its extension."""
    head = f.data[:16]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"<stata_dta>") or (
        len(head) > 1 and head[0] in (0x71, 0x72, 0x73) and head[1] in (1, 2)
    ):
        return "dta"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    suffix = Path(f.name).suffix.lower()
    return {".tsv": "tsv", ".tab": "tsv"}.get(suffix, "text")


def _read_one(
    f: InputFile, *, encoding: str | None, max_bytes: int
) -> tuple[list[RawTable], list[Issue]]:
    size = len(f.data)
    if size > max_bytes:
        return [], [Issue(
            "error",
            f"the file is {_size(size)}, over the limit of {_size(max_bytes)}",
            file=f.name,
        )]
    if size == 0 or not f.data.strip():
        return [], [Issue("error", "the file is empty", file=f.name)]
    fmt = sniff_format(f)
    if fmt == "xls":
        return [], [Issue("error", "this is an old Excel .xls file, which is not supported: "
                          "save it as .xlsx or CSV", file=f.name)]
    if fmt == "xlsx":
        return _read_xlsx(f)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(io.BytesIO(f.data)).metadata
        too_big = _over_limits(f.name, meta.num_rows, meta.num_columns)
        if too_big:
            return [], too_big
        frame = pd.read_parquet(io.BytesIO(f.data))
        return [_typed_table(f.name, frame, "Parquet")], []
    if fmt == "dta":
        frame = pd.read_stata(io.BytesIO(f.data), convert_categoricals=True)
        return [_typed_table(f.name, frame, "Stata .dta")], []
    if fmt == "sav":
        return [_typed_table(f.name, _read_sav(f.data), "SPSS .sav")], []
    return _read_text(f, encoding=encoding, tab=fmt == "tsv")


def _size(n: int) -> str:
    """Bytes in the units upload limits are given in (binary MB, as Streamlit's 200 MB)."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def _over_limits(label: str, rows: int, columns: int) -> list[Issue]:
    """An error naming the limit when a table has more rows or columns than allowed."""
    if columns > MAX_COLUMNS:
        return [Issue("error", f"the table has {columns:,} columns, over the limit of "
                      f"{MAX_COLUMNS:,} columns per table", file=label)]
    if rows > MAX_ROWS:
        return [Issue("error", f"the table has {rows:,} rows, over the limit of {MAX_ROWS:,} "
                      "rows per table", file=label)]
    return []


def _unreadable(name: str, exc: BaseException) -> Issue:
    kind = type(exc).__name__
    return Issue("error", f"the file could not be read as a cohort table ({kind}); is it "
                 "truncated, password-protected, or of another format?", file=name)


def _typed_table(label: str, frame: pd.DataFrame, detail: str) -> RawTable:
    frame = frame.reset_index(drop=True)
    frame.columns = _unique_names([str(c) for c in frame.columns])
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(object)
    # Typed formats have no header row; number data rows from 1.
    return RawTable(label, frame, np.arange(1, len(frame) + 1), detail)


def _unique_names(names: list[str]) -> list[str]:
    """Column names made unique the way pandas does for a CSV header (``age``, ``age.1``):
    ``"age"`` and ``"age "`` collide once trimmed, as do ``1`` and ``"1"`` once made text."""
    out: list[str] = []
    used: set[str] = set()
    for name in names:
        unique, k = name, 0
        while unique in used:
            k += 1
            unique = f"{name}.{k}"
        used.add(unique)
        out.append(unique)
    return out


def _read_sav(data: bytes) -> pd.DataFrame:
    import pyreadstat

    # pyreadstat opens SPSS files only by path; an anonymous memory-backed file keeps the
    # upload off the disk.
    fd = os.memfd_create("her2dash-upload.sav")
    try:
        os.write(fd, data)
        frame, _ = pyreadstat.read_sav(f"/proc/self/fd/{fd}", apply_value_formats=True)
    finally:
        os.close(fd)
    return frame


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode CSV bytes; returns ``(text, encoding used)``.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised exactly, UTF-16 without BOM by
    its zero bytes (:func:`utf16_without_bom`). Otherwise Shift-JIS
    (cp932) and Latin-1 are both tried; Latin-1 decodes anything, and cp932 sometimes decodes
    Latin-1 text as nonsense kanji, so charset-normalizer's coherence check picks between them.
    """
    if encoding:
        return data.decode(encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    bomless = utf16_without_bom(data)
    if bomless is not None:
        return data.decode(bomless), bomless
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        as_cp932 = data.decode("cp932")
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["cp932", "latin_1"]).best()
    if best is not None and best.encoding == "latin_1":
        return data.decode("latin-1"), "latin-1"
    return as_cp932, "cp932"


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` is UTF-16 text without a byte-order mark.

    Some Windows exports write UTF-16 with no BOM. A table's delimiters, digits and line ends
    are ASCII, and in UTF-16 each has a zero byte on the same side (odd positions for little
    endian); other text has almost none. The guess is kept only if the bytes decode cleanly.
    """
    sample = data[:65536]
    sample = sample[:len(sample) // 2 * 2]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= 0.2 * half and other <= 0.02 * half:
            try:
                text = data[:len(data) // 2 * 2].decode(name)
            except UnicodeDecodeError:
                return None
            return name if len(data) % 2 == 0 and "\x00" not in text else None
    return None


def _sniff_delimiter(text: str, tab: bool) -> str:
    if tab:
        return "\t"
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delim: str) -> int:
    try:
        return sum(1 for part in next(csv.reader([line], delimiter=delim))) - 1
    except csv.Error:  # a header cell over csv's field size limit (128 KiB)
        return line.count(delim)


def _read_text(
    f: InputFile, *, encoding: str | None, tab: bool
) -> tuple[list[RawTable], list[Issue]]:
    sample = f.data[:65536]
    if (b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            and (encoding or utf16_without_bom(f.data)) is None):
        return [], [Issue("error", "this looks like a binary file, not a CSV/TSV text table or a "
                          "supported spreadsheet (XLSX, Parquet, SPSS .sav, Stata .dta)",
                          file=f.name)]
    try:
        text, used = decode_text(f.data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return [], [Issue("error", f"the file cannot be decoded as {encoding}: {exc}",
                          file=f.name)]
    if "\x00" in text:
        return [], [Issue("error", "the file contains NUL characters; it is not a text table",
                          file=f.name)]
    delim = _sniff_delimiter(text, tab)
    # The header's width is checked before pandas sees the text, so a 10^6-column header is
    # refused without building a 10^6-column frame; rows are read up to one over the limit.
    header = text[:text.find("\n")] if "\n" in text else text
    too_wide = _over_limits(f.name, 0, _count_outside_quotes(header, delim) + 1)
    if too_wide:
        return [], too_wide
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delim, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c", on_bad_lines="error", nrows=MAX_ROWS + 1,
        )
    except pd.errors.EmptyDataError:
        return [], [Issue("error", "the file has no header row", file=f.name)]
    except pd.errors.ParserError as exc:
        # pandas says e.g. "Expected 5 fields in line 7, saw 6": the line is what the user needs.
        detail = str(exc).strip().splitlines()[-1][:200].split("C error: ")[-1]
        return [], [Issue("error", f"the file is not a regular table: {detail}", file=f.name)]
    # A trailing empty line gives an all-blank last row; blank rows inside are kept so their row
    # numbers stay right, and the validator accounts for them.
    while len(frame) and (frame.iloc[-1] == "").all():
        frame = frame.iloc[:-1]
    if len(frame) > MAX_ROWS:  # read up to one row over the limit
        return [], [Issue("error", f"the table has more than {MAX_ROWS:,} rows, over the limit "
                          f"of {MAX_ROWS:,} rows per table", file=f.name)]
    frame.columns = _unique_names([str(c).strip() for c in frame.columns])
    decimal_comma = delim != "," and _has_decimal_comma(frame)
    delim_name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delim]
    detail = f"text, {used}, {delim_name}-separated" + (", decimal comma" if decimal_comma else "")
    notes = [Issue("info", f"read as {detail}", file=f.name)]
    table = RawTable(f.name, frame, np.arange(2, len(frame) + 2), detail, decimal_comma)
    return [table], notes


def _has_decimal_comma(frame: pd.DataFrame) -> bool:
    return any(frame[c].head(1000).str.match(_DECIMAL_COMMA).any() for c in frame.columns)


_SHEET_ROLES = {
    "patients": "patients", "patient": "patients", "clinical": "patients", "clinic": "patients",
    "cases": "patients", "fragments": "fragments", "fragment": "fragments", "biopsies": "fragments",
    "biopsy": "fragments", "ihc": "fragments", "pathology": "fragments", "specimens": "fragments",
    "患者": "patients", "検体": "fragments",
}


def _read_xlsx(f: InputFile) -> tuple[list[RawTable], list[Issue]]:
    try:
        with zipfile.ZipFile(io.BytesIO(f.data)) as z:
            entries = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return [], [Issue("error", "the file is a damaged or truncated ZIP/XLSX archive",
                          file=f.name)]
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        return [], [Issue("error", "this ZIP archive is not an Excel workbook (.xlsx)",
                          file=f.name)]
    inflated = sum(e.file_size for e in entries)
    if inflated > MAX_XLSX_UNCOMPRESSED:
        return [], [Issue("error", f"the workbook would unpack to {_size(inflated)}, over the "
                          f"limit of {_size(MAX_XLSX_UNCOMPRESSED)} uncompressed; it was not "
                          "opened (a damaged file or a ZIP bomb?)", file=f.name)]
    too_big = _xlsx_over_limits(f)
    if too_big:
        return [], too_big
    sheets = pd.read_excel(io.BytesIO(f.data), sheet_name=None, dtype=object, engine="openpyxl")
    tables, notes = [], []
    for sheet, frame in sheets.items():
        # Formatting beyond the data gives unnamed, empty columns; a named column stays even
        # when empty, so it reads as blank cells (as in a CSV), not as a missing column.
        unnamed = frame.columns.astype(str).str.startswith("Unnamed: ")
        frame = frame.loc[:, ~(unnamed & frame.isna().all().to_numpy())]
        if frame.empty and len(frame.columns) == 0:
            notes.append(Issue("info", f"sheet {sheet!r} is empty and was ignored", file=f.name))
            continue
        frame.columns = _unique_names([str(c).strip() for c in frame.columns])
        label = f"{f.name} › {sheet}" if len(sheets) > 1 else f.name
        # Sheet row numbers: the header is row 1, data from row 2, as Excel shows them.
        tables.append(RawTable(label, frame.reset_index(drop=True),
                               np.arange(2, len(frame) + 2), f"Excel sheet {sheet!r}"))
    if len(tables) > 2:
        named = [t for t in tables if _role_from_name(t.label) is not None]
        if len(named) >= 2:
            for t in tables:
                if t not in named:
                    notes.append(Issue("info", f"{t.label!r} is neither a patients nor a "
                                       "fragments sheet and was ignored", file=f.name))
            tables = named
    return tables, notes


def _xlsx_over_limits(f: InputFile) -> list[Issue]:
    """Each sheet's extent from its cells, streamed, before pandas builds a frame.

    A sheet's declared dimension may be absent or false, and pandas pads every row to the
    widest: one cell at XFD1048576 would become 17 billion. So the cells that hold a value are
    scanned (constant memory) and a sheet reaching past :data:`MAX_ROWS` data rows or
    :data:`MAX_COLUMNS` columns is refused, naming the limit.
    """
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(f.data), read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            ws.reset_dimensions()
            label = f"{f.name} › {ws.title}"
            last_row = 0
            for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
                width = len(row)
                while width and row[width - 1] is None:
                    width -= 1
                if width > MAX_COLUMNS:
                    return [Issue("error", f"sheet {ws.title!r} has a value in column "
                                  f"{width:,}, over the limit of {MAX_COLUMNS:,} columns per "
                                  "table", file=label)]
                if width:
                    last_row = r
                if last_row > MAX_ROWS + 1:  # + 1: the header row
                    return [Issue("error", f"sheet {ws.title!r} has more than {MAX_ROWS:,} "
                                  f"data rows, over the limit of {MAX_ROWS:,} rows per table",
                                  file=label)]
    finally:
        book.close()
    return []


def _role_from_name(label: str) -> str | None:
    stem = label.split(" › ")[-1]
    stem = Path(stem).stem if " › " not in label else stem
    key = normalise_name(stem)
    for token in reversed(key.split("_")):
        if token in _SHEET_ROLES:
            return _SHEET_ROLES[token]
    return _SHEET_ROLES.get(key)


# -- roles ------------------------------------------------------------------------------------

_ENDPOINT_FIELDS = {"pfs_months", "os_months", "pfs_event", "os_event", "best_response",
                    "best_pct_change", "therapy_start", "last_contact_date", "age", "sex"}


def _role_scores(t: RawTable) -> tuple[int, int]:
    """How much ``t`` looks like a fragments table and like a patients table."""
    frag = match_table(list(t.frame.columns), "fragments")
    pat = match_table(list(t.frame.columns), "patients")
    frag_score = 2 * ("ihc_score" in frag) + sum(
        c in frag for c in ("fragment_id", "pct_positive", "tumor_present")
    )
    return frag_score, len(_ENDPOINT_FIELDS & set(pat))


def _role_from_columns(t: RawTable) -> str:
    frag_score, patient_score = _role_scores(t)
    # An IHC score plus a fragment id or % positive makes a fragments table; with outcome
    # columns too it is a long table. A lone "HER2" column (patient-level status) is not enough.
    if frag_score >= 3:
        return "long" if patient_score else "fragments"
    return "patients"


def _assign_roles(tables: list[RawTable]) -> tuple[RawTables | None, list[Issue]]:
    if not tables:
        return None, [Issue("error", "no table was found in the input")]
    if len(tables) > 2:
        labels = ", ".join(repr(t.label) for t in tables)
        return None, [Issue("error", f"found {len(tables)} tables ({labels}); give a patients "
                            "table and a fragments table, or one long table")]
    for t in tables:
        if t.frame.shape[1] > MAX_COLUMNS:
            return None, [Issue("error", f"the table has {t.frame.shape[1]:,} columns, over the "
                                f"limit of {MAX_COLUMNS:,} columns per table", file=t.label)]
        if len(t.frame) > MAX_ROWS:
            return None, [Issue("error", f"the table has {len(t.frame):,} rows, over the limit "
                                f"of {MAX_ROWS:,} rows per table", file=t.label)]
        if len(t.frame) == 0:
            return None, [Issue("error", "the table has a header but no data rows",
                                file=t.label)]
    if len(tables) == 1:
        (t,) = tables
        role = _role_from_columns(t)
        if role == "long":
            note = Issue("info", "one long table (a row per fragment, patient columns repeated): "
                         "it is split into patients and fragments", file=t.label)
            return RawTables(long=t, notes=(note,)), [note]
        if role == "patients" and "fragment_description" in match_table(
                list(t.frame.columns), "patients"):
            note = Issue("info", "one patients table with a fragment description column: the "
                         "fragments are read from the descriptions", file=t.label)
            return RawTables(patients=t, notes=(note,)), [note]
        missing = "fragments" if role == "patients" else "patients"
        return None, [Issue("error", f"only a {role} table was found; a {missing} table is "
                            "needed too (a second file or sheet), one long table with an "
                            "IHC score column and the patient columns, or a patients table "
                            "with a fragment description column ('#1 3+ 80%, #2 1+')",
                            file=t.label)]
    a, b = tables
    roles = [_role_from_name(a.label), _role_from_name(b.label)]
    if None in roles or roles[0] == roles[1]:
        # Names do not tell: the table that looks more like fragments is the fragments table.
        (fa, pa), (fb, pb) = _role_scores(a), _role_scores(b)
        lean_a, lean_b = fa - pa, fb - pb
        roles = (["fragments", "patients"] if lean_a > lean_b
                 else ["patients", "fragments"] if lean_b > lean_a else [None, None])
    if sorted(map(str, roles)) != ["fragments", "patients"]:
        return None, [Issue("error", f"could not tell which of {a.label!r} and {b.label!r} is the "
                            "patients table and which the fragments table (the fragments table "
                            "has an IHC score column); name the files or sheets 'patients' and "
                            "'fragments'")]
    pat, frag = (a, b) if roles[0] == "patients" else (b, a)
    return RawTables(patients=pat, fragments=frag), []

"""Verify an output against the data: recompute every number of a JSON, HTML/PDF report or PPTX
deck and say, number by number, whether it matches.

    python -m her2dash verify OUTPUT --patients P --fragments F   (or --cohort FILE, --demo)

Every output carries what it was made from (:func:`~her2dash.export.report.provenance`): the
settings, the cohort fingerprint, the sweep's permutations and seed, the small-count
suppression. :func:`verify` reads that record, refuses when the data given are not the data
the output was made from (another fingerprint), regenerates the output from the data with the
same code (:mod:`her2dash.export.jsonout`, :func:`~her2dash.export.report.build_report`), and
compares:

* **JSON** (analyze, sweep): every numeric leaf by its key path (and the numbers inside text
  leaves), to 1e-9 relative — the same code on the same data gives the same doubles; the margin
  only absorbs a different BLAS's last bits.
* **HTML**: every number token of every table cell and text line, located by section, table,
  row and column, and every number of every figure's traces and annotations (plotly's JSON in
  the page). The visible text is compared, so an edited cell is caught, not only an embedded
  copy.
* **PPTX**: the text boxes, table cells and speaker notes of each slide.
* **PDF**: the text ``pdftotext`` extracts, compared token by token in reading order with the
  text of a PDF printed again from the regenerated report. Needs Chromium and poppler-utils.
  Limits: figures are pictures there (only their text, e.g. the numbers at risk, is compared);
  Chromium places a figure's labels a little differently from print to print, so numbers read
  in another order on the same page count as matching, and two numbers swapped within a page
  are not caught (the HTML check is positional); another Chromium or other fonts can move line
  breaks, which changes locations but not the numbers.

Not compared, and listed as skipped: the creation date, the software versions (the
environment, not the data), the files' names, sizes and hashes (the fingerprint checks the
data), and the exploration label (pre-specified / exploratory, n explored: session history,
not a number from the data).
"""

from __future__ import annotations

import base64
import difflib
import io
import json
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from her2dash.cohort import Cohort
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.suppress import NO_SUPPRESSION, Suppression, from_json

REL_TOL = 1e-9
# A number as printed: 12, 0.003, 1,234, −1.5 (Unicode minus), 1e-05.
_NUMBER = re.compile(r"[−-]?\d[\d,]*(?:\.\d+)?(?:e[−-]?\d+)?")
_EXPLORATION = re.compile(r"^\s*(Pre-specified analysis|Exploratory)\b")
_CREATED = re.compile(r"^(Date:?\s*)?\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
SKIPPED_ALWAYS = (
    "the exploration label (pre-specified / exploratory, n explored): session history, not a "
    "number from the data",
    "the creation date and the software versions: the environment, not the data",
)


@dataclass(frozen=True, slots=True)
class Check:
    """One number compared: ``expected`` (recomputed) against ``found`` (in the output)."""

    where: str
    expected: str
    found: str
    ok: bool

    def describe(self) -> str:
        if self.ok:
            return f"ok        {self.where}: {self.found}"
        return f"MISMATCH  expected {self.expected} found {self.found} at {self.where}"


@dataclass(frozen=True, slots=True)
class Verification:
    """The checks of one output, what was skipped and why, or why it could not be verified."""

    output: str
    kind: str
    checks: tuple[Check, ...] = ()
    skipped: tuple[str, ...] = ()
    refused: str | None = None

    @property
    def n_ok(self) -> int:
        return sum(c.ok for c in self.checks)

    @property
    def mismatches(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def exit_code(self) -> int:
        """0 every number matches, 1 a mismatch, 2 cannot verify."""
        if self.refused is not None or not self.checks:
            return 2
        return 1 if self.mismatches else 0

    def summary(self) -> str:
        if self.refused is not None:
            return f"CANNOT VERIFY {self.output}: {self.refused}"
        if not self.checks:
            return f"CANNOT VERIFY {self.output}: no numbers found to check"
        bad = len(self.mismatches)
        verdict = "every number matches" if not bad else f"{bad} MISMATCH{'ES' if bad > 1 else ''}"
        return (f"{self.kind} {self.output}: {len(self.checks)} numbers checked, {self.n_ok} ok, "
                f"{bad} mismatched: {verdict}")


@dataclass(frozen=True, slots=True)
class Provenance:
    """What an output says it was made from."""

    kind: str  # "analyze-json" | "sweep-json" | "html" | "pptx" | "pdf"
    fingerprint: str
    settings: Settings
    suppression: Suppression = NO_SUPPRESSION
    permutations: int = 1000
    seed: int = 0
    parameters: Mapping[str, object] | None = None


class CannotVerify(Exception):
    """The output cannot be verified (unreadable, no provenance, other data); the message says
    why in words."""


# ---------------------------------------------------------------------------- provenance


def settings_from_json(record: object) -> Settings:
    """:class:`Settings` from its JSON (``to_jsonable``) form: lists back to tuples."""
    if not isinstance(record, Mapping):
        raise CannotVerify("the output's settings are missing")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(record) - known)
    if unknown:
        raise CannotVerify(f"the output has settings this version does not know "
                           f"({', '.join(unknown)}): verify it with the her2dash version that "
                           "made it")

    def tupled(v: object) -> object:
        return tuple(tupled(x) for x in v) if isinstance(v, list) else v

    try:
        return Settings(**{k: tupled(v) for k, v in record.items()})
    except (TypeError, ValueError) as exc:
        raise CannotVerify(f"the output's settings are not valid: {exc}") from exc


def _record(text: str, where: str) -> dict:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CannotVerify(f"the provenance record in {where} is not valid JSON ({exc})") from exc
    if not isinstance(record, dict) or "fingerprint" not in record:
        raise CannotVerify(f"the provenance record in {where} has no data fingerprint")
    return record


def _from_record(kind: str, record: dict) -> Provenance:
    return Provenance(kind=kind, fingerprint=str(record["fingerprint"]),
                      settings=settings_from_json(record.get("settings")),
                      suppression=from_json(record.get("suppression")),
                      permutations=int(record.get("permutations", 1000)),
                      seed=int(record.get("seed", 0)))


def _html_provenance(page: str) -> Provenance:
    from her2dash.export.report import PROVENANCE_ID

    m = re.search(rf'<script type="application/json" id="{PROVENANCE_ID}">(.*?)</script>', page,
                  re.S)
    if not m:
        raise CannotVerify("this HTML file carries no her2dash provenance record (made by an "
                           "older version, or not a her2dash report)")
    return _from_record("html", _record(m.group(1).replace("<\\/", "</"), "the HTML"))


def read_provenance(path: Path) -> tuple[Provenance, object]:
    """The provenance of the output at ``path`` and its parsed content (JSON dict, HTML text,
    pptx Presentation, or PDF text)."""
    if not path.exists():
        raise CannotVerify(f"{path} does not exist")
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".json" or data[:1] in (b"{", b"["):
        return _json_provenance(data)
    if suffix in (".html", ".htm"):
        page = data.decode("utf-8", errors="replace")
        return _html_provenance(page), page
    if suffix == ".pptx" or data[:2] == b"PK":
        return _pptx_provenance(data)
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        return _pdf_provenance(path)
    raise CannotVerify(f"{path.name}: not a JSON, HTML, PDF or PPTX output of her2dash")


def _json_provenance(data: bytes) -> tuple[Provenance, object]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CannotVerify(f"the JSON cannot be read ({exc})") from exc
    if not isinstance(doc, dict) or "settings" not in doc or "input" not in doc:
        raise CannotVerify("this JSON has no settings and input blocks: not an analyze or "
                           "sweep output of her2dash")
    fingerprint = doc["input"].get("cohort_fingerprint") if isinstance(doc["input"], dict) \
        else None
    if not fingerprint:
        raise CannotVerify("this JSON carries no cohort fingerprint")
    if "analysis" in doc:
        kind, parameters = "analyze-json", None
    elif "sweep" in doc:
        kind, parameters = "sweep-json", doc.get("parameters")
        if not isinstance(parameters, dict):
            raise CannotVerify("this sweep JSON does not record its step, permutations and "
                               "seed (made by an older version): run the sweep again to verify")
    else:
        raise CannotVerify("this JSON is neither an analyze nor a sweep output")
    return Provenance(kind=kind, fingerprint=str(fingerprint),
                      settings=settings_from_json(doc["settings"]),
                      suppression=from_json(doc.get("suppression")),
                      parameters=parameters), doc


def _pptx_provenance(data: bytes) -> tuple[Provenance, object]:
    from pptx import Presentation

    from her2dash.export.report import PROVENANCE_ID

    try:
        deck = Presentation(io.BytesIO(data))
    except Exception as exc:  # python-pptx raises several types for a broken package
        raise CannotVerify(f"the PPTX cannot be read ({exc})") from exc
    slides = list(deck.slides)
    notes = (slides[0].notes_slide.notes_text_frame.text
             if slides and slides[0].has_notes_slide else "")
    line = next((x for x in notes.split("\n") if x.startswith(PROVENANCE_ID)), None)
    if line is None:
        raise CannotVerify("this deck carries no her2dash provenance record (the last line of "
                           "the title slide's notes): made by an older version, or not a "
                           "her2dash deck")
    return _from_record("pptx", _record(line[len(PROVENANCE_ID):], "the deck")), deck


def _pdf_tools() -> str | None:
    missing = [t for t in ("pdftotext", "pdfinfo") if shutil.which(t) is None]
    return (f"{' and '.join(missing)} not found (Debian: apt-get install poppler-utils)"
            if missing else None)


def _pdf_provenance(path: Path) -> tuple[Provenance, object]:
    from her2dash.export.report import PROVENANCE_ID

    problem = _pdf_tools()
    if problem:
        raise CannotVerify(f"verifying a PDF needs poppler-utils: {problem}")
    info = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True,
                          text=True, check=False).stdout
    title = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("Title:")), "")
    if not title.startswith(PROVENANCE_ID):
        raise CannotVerify("this PDF carries no her2dash provenance record (its title): made "
                           "by an older version, or not a her2dash report")
    return _from_record("pdf", _record(title[len(PROVENANCE_ID):], "the PDF")), _pdf_text(path)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=False).stdout


# ---------------------------------------------------------------------------- comparison


def _tokens(text: str) -> list[str]:
    return _NUMBER.findall(text)


def _same_number(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def _compare_texts(where: str, expected: str | None, found: str | None) -> Iterator[Check]:
    """The number tokens of two texts at one location, pairwise; a missing location or an
    unequal count of numbers is a mismatch."""
    exp = _tokens(expected) if expected is not None else []
    got = _tokens(found) if found is not None else []
    if expected is None:
        yield Check(where, "nothing (no such place in the recomputed output)", found or "", False)
        return
    if found is None:
        yield Check(where, expected, "nothing (missing from the output)", False)
        return
    for i in range(max(len(exp), len(got))):
        e = exp[i] if i < len(exp) else "no number"
        g = got[i] if i < len(got) else "no number"
        yield Check(where if max(len(exp), len(got)) == 1 else f"{where} [number {i + 1}]",
                    e, g, e == g)


def compare_items(expected: Mapping[str, str], found: Mapping[str, str]) -> list[Check]:
    """Texts by location (HTML, PPTX): every number token of every location in either."""
    out: list[Check] = []
    for where in dict.fromkeys([*expected, *found]):
        out.extend(_compare_texts(where, expected.get(where), found.get(where)))
    return out


def _leaves(obj: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def _json_skip(path: str) -> bool:
    head = path.split(".", 1)[0].split("[", 1)[0]
    return (head == "her2dash_version" or path.startswith("input.files")
            or "exploration" in re.split(r"[.\[]", path))


def compare_json(expected: object, found: object) -> list[Check]:
    """Every numeric leaf by its key path (numbers inside text leaves token by token)."""
    exp = {p: v for p, v in _leaves(expected) if not _json_skip(p)}
    got = {p: v for p, v in _leaves(found) if not _json_skip(p)}
    out: list[Check] = []
    for path in dict.fromkeys([*exp, *got]):
        e, g = exp.get(path, _MISSING), got.get(path, _MISSING)
        if isinstance(e, str) and isinstance(g, str):
            out.extend(_compare_texts(path, e, g))
            continue
        numeric = any(isinstance(x, int | float) for x in (e, g))
        if not numeric and e == g:
            continue
        if e is _MISSING:
            out.append(Check(path, "nothing (no such key in the recomputed output)", repr(g),
                             False))
        elif g is _MISSING:
            out.append(Check(path, _show(e), "nothing (missing from the output)", False))
        else:
            out.append(Check(path, _show(e), _show(g), _same_number(e, g)))
    return out


_MISSING = object()


def _show(x: object) -> str:
    if x is None:
        return "null"
    if isinstance(x, float):
        return repr(x)
    return str(x)


# ---------------------------------------------------------------------------- HTML


class _ReportParser(HTMLParser):
    """The texts of a her2dash HTML report by location, and its figures' plotly JSON."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: dict[str, str] = {}
        self.figures: dict[str, str] = {}
        self.skipped: set[str] = set()
        self._section = "title page"
        self._heading = ""
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._text: list[str] | None = None
        self._counts: dict[str, int] = {}
        self._table: dict | None = None
        self._script: list[str] | None = None

    def _key(self, what: str) -> str:
        base = f"{self._section} › {what}"
        n = self._counts.get(base, 0) + 1
        self._counts[base] = n
        return f"{base} {n}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        self._stack.append((tag, attr))
        if tag == "script":
            self._script = []
        elif tag in ("h1", "h2", "h3", "p", "li"):
            self._text = []
        elif tag == "table":
            meta = "meta" in attr.get("class", "")
            self._table = {"meta": meta, "index": None if meta else self._key("table"),
                           "rows": [], "row": None}
        elif tag == "tr" and self._table is not None:
            self._table["row"] = []
        elif tag in ("td", "th") and self._table is not None:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        attr = {}
        while self._stack:
            t, attr = self._stack.pop()
            if t == tag:
                break
        if tag == "script" and self._script is not None:
            body = "".join(self._script)
            if "Plotly.newPlot(" in body:
                self.figures[self._key("figure")] = body
            self._script = None
        elif tag in ("h1", "h2", "h3") and self._text is not None:
            text = " ".join("".join(self._text).split())
            if tag == "h3":
                self._section = text
            self._heading = text
            self._text = None
        elif tag in ("p", "li") and self._text is not None:
            text = " ".join("".join(self._text).split())
            self._text = None
            if "exploration" in attr.get("class", "") or _EXPLORATION.match(text):
                self.skipped.add(SKIPPED_ALWAYS[0])
            elif text:
                self.items[self._key("paragraph" if tag == "p" else "list item")] = text
        elif tag in ("td", "th") and self._table is not None and self._text is not None:
            self._table["row"].append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "tr" and self._table is not None and self._table["row"] is not None:
            self._table["rows"].append(self._table["row"])
            self._table["row"] = None
        elif tag == "table" and self._table is not None:
            self._table_items(self._table)
            self._table = None

    def _table_items(self, table: dict) -> None:
        rows = table["rows"]
        if table["meta"]:
            if self._section == "Software" or self._heading == "Software":
                self.skipped.add(SKIPPED_ALWAYS[1])
                return
            for row in rows:
                if len(row) >= 2 and row[0] != "Date":
                    self.items[f"{self._section} › {row[0]}"] = row[1]
            return
        if not rows:
            return
        header, body = rows[0], rows[1:]
        where = table["index"]
        for j, name in enumerate(header):
            self.items[f"{where} › header {j + 1}"] = name
        for r, row in enumerate(body, start=1):
            label = row[0] if row else ""
            for j, cell in enumerate(row):
                column = header[j] if j < len(header) else f"column {j + 1}"
                self.items[f"{where} › row {r} ({label}) › {column}"] = cell

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        elif self._text is not None:
            self._text.append(data)


def _decode_bdata(obj: object) -> object:
    """plotly's typed arrays (``{"dtype", "bdata"[, "shape"]}``) as lists."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                arr = arr.reshape([int(s) for s in str(obj["shape"]).split(",")])
            return arr.tolist()
        return {k: _decode_bdata(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode_bdata(v) for v in obj]
    return obj


_TRACE_KEYS = ("name", "x", "y", "text", "customdata", "base")


def _figure_numbers(script: str) -> dict[str, object]:
    """The numbers a figure shows: each trace's x, y, text and customdata, and the text of its
    title and annotations (colours, fonts and the template are presentation)."""
    decoder = json.JSONDecoder()
    start = script.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    values = []
    pos = start
    for _ in range(3):  # the div id, the data, the layout
        while script[pos] in " \n\r\t,":
            pos += 1
        value, pos = decoder.raw_decode(script, pos)
        values.append(value)
    _, data, layout = values
    out: dict[str, object] = {}
    for i, trace in enumerate(_decode_bdata(data)):
        name = trace.get("name") or trace.get("type", "trace")
        out[f"trace {i + 1} ({name})"] = {k: trace[k] for k in _TRACE_KEYS if k in trace}
    notes = [a.get("text", "") for a in layout.get("annotations", [])]
    out["annotations"] = [n for n in notes if not _EXPLORATION.match(re.sub("<[^>]+>", "", n))]
    title = layout.get("title")
    if isinstance(title, dict) and title.get("text"):
        out["title"] = title["text"]
    return out


def _html_parts(page: str) -> tuple[dict[str, str], dict[str, object], set[str]]:
    parser = _ReportParser()
    parser.feed(page)
    parser.close()
    figures = {}
    for where, script in parser.figures.items():
        try:
            figures[where] = _figure_numbers(script)
        except (ValueError, IndexError):
            figures[where] = {"unreadable": "figure data could not be read"}
    return parser.items, figures, parser.skipped


def compare_html(expected: str, found: str) -> tuple[list[Check], set[str]]:
    exp_items, exp_figs, _ = _html_parts(expected)
    got_items, got_figs, skipped = _html_parts(found)
    checks = compare_items(exp_items, got_items)
    for where in dict.fromkeys([*exp_figs, *got_figs]):
        for c in compare_json(exp_figs.get(where, {}), got_figs.get(where, {})):
            checks.append(Check(f"{where} › {c.where}", c.expected, c.found, c.ok))
    return checks, skipped | {SKIPPED_ALWAYS[1]}


# ---------------------------------------------------------------------------- PPTX


def _skip_line(line: str) -> bool:
    from her2dash.export.report import PROVENANCE_ID

    # The provenance line is what the deck was regenerated from, not a number to compare.
    return bool(_EXPLORATION.match(line)) or line.startswith(("Date:", "Software:",
                                                              PROVENANCE_ID))


def pptx_items(deck: object) -> tuple[dict[str, str], set[str]]:
    """Texts of a deck by location: slide › text box › line, table cells, notes lines."""
    items: dict[str, str] = {}
    skipped: set[str] = set()
    for n, slide in enumerate(deck.slides, start=1):  # type: ignore[attr-defined]
        boxes = [s for s in slide.shapes if s.has_text_frame]
        title = boxes[0].text_frame.text if boxes else ""
        where = f"slide {n} ({title[:60]})"
        k = 0
        for shape in slide.shapes:
            if shape.has_text_frame:
                text = shape.text_frame.text
                if text.startswith("Figure not rendered:"):
                    continue  # the picture could not be drawn there; not a number
                k += 1
                for line_no, line in enumerate(text.split("\n"), start=1):
                    if _skip_line(line):
                        skipped.add(SKIPPED_ALWAYS[0] if _EXPLORATION.match(line)
                                    else SKIPPED_ALWAYS[1])
                    elif line.strip():
                        items[f"{where} › text {k} line {line_no}"] = line
            if shape.has_table:
                rows = list(shape.table.rows)
                header = [c.text for c in rows[0].cells] if rows else []
                for j, name in enumerate(header):
                    items[f"{where} › table header {j + 1}"] = name
                for r, row in enumerate(rows[1:], start=1):
                    cells = [c.text for c in row.cells]
                    for j, cell in enumerate(cells):
                        column = header[j] if j < len(header) else f"column {j + 1}"
                        items[f"{where} › table row {r} ({cells[0]}) › {column}"] = cell
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        for line_no, line in enumerate(notes.split("\n"), start=1):
            if _skip_line(line):
                skipped.add(SKIPPED_ALWAYS[0] if _EXPLORATION.match(line) else SKIPPED_ALWAYS[1])
            elif line.strip():
                items[f"{where} › notes line {line_no}"] = line
    return items, skipped


# ---------------------------------------------------------------------------- PDF


def _pdf_tokens(text: str) -> tuple[list[str], list[str], set[str]]:
    """Number tokens of pdftotext output with their page/line, leaving out the date line, the
    software block and the exploration label."""
    tokens, where, skipped = [], [], set()
    in_software = False
    for p, page in enumerate(text.split("\f"), start=1):
        for n, line in enumerate(page.splitlines(), start=1):
            stripped = line.strip()
            if stripped == "Software":
                in_software = True
                skipped.add(SKIPPED_ALWAYS[1])
                continue
            if in_software:
                if stripped == "Cohort summary":
                    in_software = False
                else:
                    continue
            # pdftotext puts a table's label and value on separate lines: the date's value
            # is recognised by its form.
            dated = stripped.startswith("Date") or _CREATED.match(stripped)
            if dated or _EXPLORATION.match(stripped):
                skipped.add(SKIPPED_ALWAYS[1] if dated else SKIPPED_ALWAYS[0])
                continue
            for tok in _tokens(line):
                tokens.append(tok)
                where.append(f"page {p} line {n}: {stripped[:70]}")
    return tokens, where, skipped


def compare_pdf_text(expected: str, found: str) -> tuple[list[Check], set[str]]:
    """Token sequences aligned (difflib), so a moved line break does not cascade.

    Chromium lays out the figures' SVG text a little differently from one print to the next,
    which changes pdftotext's reading order of a figure's labels. So the tokens the alignment
    leaves unmatched are reconciled per page: an unmatched expected token and an equal
    unmatched found token on the same page are the same number read in another order (ok);
    what is left is a mismatch. The cost: two numbers swapped within one page go unnoticed
    (the HTML check locates every number by table, row and column).
    """
    exp, exp_where, _ = _pdf_tokens(expected)
    got, got_where, skipped = _pdf_tokens(found)
    checks: list[Check] = []
    left_exp: dict[str, list[int]] = {}
    left_got: dict[str, list[int]] = {}
    matcher = difflib.SequenceMatcher(None, exp, got, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            checks += [Check(got_where[j1 + k], exp[i1 + k], got[j1 + k], True)
                       for k in range(i2 - i1)]
            continue
        for i in range(i1, i2):
            left_exp.setdefault(_page(exp_where[i]), []).append(i)
        for j in range(j1, j2):
            left_got.setdefault(_page(got_where[j]), []).append(j)
    for page in dict.fromkeys([*left_exp, *left_got]):
        pending_exp = list(left_exp.get(page, []))
        unmatched_got = []
        for j in left_got.get(page, []):
            same = next((i for i in pending_exp if exp[i] == got[j]), None)
            if same is None:
                unmatched_got.append(j)
            else:
                pending_exp.remove(same)
                checks.append(Check(got_where[j], exp[same], got[j], True))
        for k in range(max(len(pending_exp), len(unmatched_got))):
            e = exp[pending_exp[k]] if k < len(pending_exp) else "no number"
            g = got[unmatched_got[k]] if k < len(unmatched_got) else "no number"
            place = (got_where[unmatched_got[k]] if k < len(unmatched_got)
                     else f"{exp_where[pending_exp[k]]} (in the recomputed report)")
            checks.append(Check(place, e, g, False))
    return checks, skipped


def _page(where: str) -> str:
    return where.split(" line ", 1)[0]


# ---------------------------------------------------------------------------- verify


def verify(path: Path, cohort: Cohort, warnings: Sequence[str] | None = None) -> Verification:
    """Recompute every number of the output at ``path`` from ``cohort`` and compare.

    ``warnings`` are the validation warnings of the data as loaded now (rows left out, with
    reasons); a JSON's ``input.warnings`` are compared with them. Without them, the output's
    own are taken as they are.
    """
    name = str(path)
    try:
        prov, content = read_provenance(path)
    except CannotVerify as exc:
        return Verification(name, "unknown", refused=str(exc))
    if prov.fingerprint != cohort.fingerprint:
        return Verification(name, prov.kind, refused=(
            "these are not the data the report was made from: the output was made from data "
            f"with fingerprint {prov.fingerprint}, the data given have fingerprint "
            f"{cohort.fingerprint}"))
    try:
        if prov.kind in ("analyze-json", "sweep-json"):
            return _verify_json(name, prov, content, cohort, warnings)
        return _verify_report(name, prov, content, cohort)
    except CannotVerify as exc:
        return Verification(name, prov.kind, refused=str(exc))


def _verify_json(name: str, prov: Provenance, doc: object, cohort: Cohort,
                 warnings: Sequence[str] | None) -> Verification:
    from her2dash.export.jsonout import SweepParameters, analyze_json, input_json, sweep_json

    assert isinstance(doc, dict)
    found_input = doc["input"]
    # The files' names and sizes are the output's own (skipped); the rest is recomputed.
    found_input = input_json(cohort, found_input.get("warnings", []) if warnings is None
                             else warnings, found_input.get("files", []))
    if prov.kind == "analyze-json":
        expected: object = analyze_json(cohort, prov.settings, input_block=found_input,
                                        suppression=prov.suppression)
    else:
        known = {f.name for f in fields(SweepParameters)}
        params = {k: v for k, v in (prov.parameters or {}).items() if k in known}
        expected = sweep_json(cohort, prov.settings, SweepParameters(**params),  # type: ignore[arg-type]
                              input_block=found_input, suppression=prov.suppression)
        if isinstance(expected, Unavailable):
            raise CannotVerify(f"the sweep cannot be recomputed: {expected.reason}")
    checks = compare_json(expected, doc)
    skipped = (*SKIPPED_ALWAYS, "input.files: the files' names, sizes and hashes describe the "
               "files read; the data are checked by their fingerprint")
    return Verification(name, prov.kind, tuple(checks), skipped)


def _regenerate(prov: Provenance, cohort: Cohort):
    from her2dash.export.report import build_report

    return build_report(cohort, prov.settings, permutations=prov.permutations, seed=prov.seed,
                        suppression=prov.suppression)


def _verify_report(name: str, prov: Provenance, content: object,
                   cohort: Cohort) -> Verification:
    report = _regenerate(prov, cohort)
    if prov.kind == "html":
        from her2dash.export.report import to_html

        checks, skipped = compare_html(to_html(report), str(content))
        return Verification(name, "HTML report", tuple(checks),
                            tuple(sorted(skipped | set(SKIPPED_ALWAYS))))
    if prov.kind == "pptx":
        from pptx import Presentation

        from her2dash.export.deck import to_pptx

        expected, _ = pptx_items(Presentation(io.BytesIO(to_pptx(report, render_figures=False))))
        found, skipped = pptx_items(content)
        return Verification(name, "PPTX deck", tuple(compare_items(expected, found)),
                            (*sorted(skipped | set(SKIPPED_ALWAYS)),
                             "figures: pictures, not compared (their numbers are the tables' "
                             "and notes')"))
    from her2dash.export.report import to_pdf

    pdf = to_pdf(report)
    if isinstance(pdf, Unavailable):
        raise CannotVerify(f"the PDF cannot be printed again to compare with: {pdf.reason}")
    with tempfile.TemporaryDirectory(prefix="her2dash-verify-") as tmp:
        again = Path(tmp) / "expected.pdf"
        again.write_bytes(pdf)
        expected_text = _pdf_text(again)
    checks, skipped = compare_pdf_text(expected_text, str(content))
    return Verification(name, "PDF report", tuple(checks), (
        *sorted(skipped | set(SKIPPED_ALWAYS)),
        "PDF limits: compared as pdftotext's text in reading order, numbers read in another "
        "order on the same page counted as matching (figure labels move between prints), so two "
        "numbers swapped within a page go unnoticed (the HTML check catches that); figures are "
        "pictures, only their text labels are compared; another Chromium or other fonts can "
        "move line breaks (the locations), not the numbers"))

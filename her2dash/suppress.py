"""Small-count suppression for outputs that leave the analyst: mask counts below a threshold.

Rules, after common statistical disclosure control practice for health data (the CMS cell-size
suppression policy masks 1–10, NHS England's HES analysis guide 1–7, many registries 1–4):

* **Primary suppression.** A count of 1 to ``threshold − 1`` is shown as ``<threshold``
  ("<5"). **Zero is shown**: CMS and NHS both publish zero cells, since a zero identifies no
  one; masking it would also make every empty level of a table unreadable.
* **Complementary (secondary) suppression.** A masked count must not be recoverable from what
  the same table prints: a row or column total minus the shown cells, a rate's numerator and
  denominator, or several such sums combined. :func:`protect` takes the table's published
  cells and the linear relations between them (``a + b − total = 0``) and masks further cells,
  smallest first, until no masked cell is determined by the shown ones; those are shown as
  ``*``. A percentage or a rate with its CI gives its numerator and denominator away, so the
  table builders drop a percentage whose count or denominator is masked.
* **Patient-level plots** (waterfall, fragment map, scatter, swimmer-type plots) show one mark
  per patient; suppressed exports leave them out, with a note saying so.

What is **not** protected, and is said so in the statement on every suppressed output:
relations between different tables (Table 1's group sizes and the median table's), counts
recovered by differencing two outputs (two cutoffs, two filters, two dates), interval
disclosure (a ``<5`` next to a ``*`` with a known total bounds both), and estimates computed from
the counts (a survival percentage, an odds ratio with its margins, a p-value), which are shown
unchanged. Suppression is a safeguard for sharing aggregate results, not anonymisation.

The deployment default comes from the ``HER2DASH_SUPPRESS_BELOW`` environment variable, read
only by :func:`read_deployment_default`: unset, empty or 0 = off; a whole number ≥ 2 = on at
that threshold. Pure: no streamlit, no plotly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ENV_VAR = "HER2DASH_SUPPRESS_BELOW"
DEFAULT_THRESHOLD = 5
SHOWN, PRIMARY, COMPLEMENTARY = "shown", "primary", "complementary"
COMPLEMENTARY_MARKER = "*"
PATIENT_LEVEL_NOTE = ("left out: a patient-level plot (one mark per patient) is not part of an "
                      "export with small-count suppression")


@dataclass(frozen=True, slots=True)
class Suppression:
    """Mask counts 1 … ``threshold − 1`` in exports (``enabled``); 0 and larger counts show."""

    threshold: int = DEFAULT_THRESHOLD
    enabled: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int | np.integer):
            raise ValueError(f"the suppression threshold must be a whole number, got "
                             f"{self.threshold!r}")
        if self.enabled and self.threshold < 2:
            raise ValueError("the suppression threshold must be at least 2 (counts below it "
                             f"are masked), got {self.threshold}")

    def hides(self, n: object) -> bool:
        """True for a count this suppression masks (1 ≤ n < threshold)."""
        if not self.enabled or n is None:
            return False
        value = float(n)  # type: ignore[arg-type]
        return bool(np.isfinite(value) and 1 <= value < self.threshold)

    @property
    def marker(self) -> str:
        """What a masked count prints as: "<5"."""
        return f"<{self.threshold}"

    @property
    def statement(self) -> str:
        """The sentence every suppressed output carries: "Counts below 5 are suppressed"."""
        return f"Counts below {self.threshold} are suppressed"

    @property
    def explanation(self) -> str:
        """The statement with what the markers mean and what is not protected."""
        return (f"{self.statement} (shown as {self.marker}; {COMPLEMENTARY_MARKER} = hidden so "
                "that a suppressed count cannot be worked out from a total; zero is shown). "
                "Patient-level plots are left out. Not protected: links between different "
                "tables, differences between two outputs, and estimates (survival, odds and "
                "hazard ratios, p-values) computed from the counts.")

    def count(self, n: int) -> str:
        """A count as text, masked when small (no complementary suppression: use
        :func:`protect` where a table prints totals)."""
        return self.marker if self.hides(n) else str(int(n))

    def to_json(self) -> dict[str, object] | None:
        """The record of the suppression (``None`` when off): in the JSON outputs and the
        reports' provenance."""
        if not self.enabled:
            return None
        return {"threshold": self.threshold, "statement": self.statement,
                "marker": self.marker, "complementary_marker": COMPLEMENTARY_MARKER}


NO_SUPPRESSION = Suppression(enabled=False)


def from_threshold(threshold: int | None) -> Suppression:
    """``--suppress-below N``: 0 or ``None`` is off, N ≥ 2 masks counts below N."""
    if threshold is None or threshold == 0:
        return NO_SUPPRESSION
    return Suppression(threshold=int(threshold))


def from_json(record: object) -> Suppression:
    """The inverse of :meth:`Suppression.to_json` (``None`` or a missing record is off)."""
    if not isinstance(record, Mapping) or "threshold" not in record:
        return NO_SUPPRESSION
    return Suppression(threshold=int(record["threshold"]))


def read_deployment_default(environ: Mapping[str, str] | None = None
                            ) -> tuple[Suppression, str | None]:
    """The deployment's default from ``HER2DASH_SUPPRESS_BELOW``, and a problem in words.

    A value that is not a whole number ≥ 2 (or 0) is a misconfiguration: the operator meant to
    suppress, so the default threshold is used (fail closed) and the problem is returned for
    the app and the CLI to show.
    """
    env = os.environ if environ is None else environ
    raw = str(env.get(ENV_VAR, "")).strip()
    if raw in ("", "0"):
        return NO_SUPPRESSION, None
    try:
        return Suppression(threshold=int(raw)), None
    except ValueError:
        return Suppression(), (f"{ENV_VAR}={raw!r} is not a whole number ≥ 2 (or 0 for off); "
                               f"suppressing counts below {DEFAULT_THRESHOLD} instead")


def deployment_default() -> Suppression:
    return read_deployment_default()[0]


# ---------------------------------------------------------------------------- complementary


def recoverable(values: Mapping[Hashable, int], relations: Sequence[Mapping[Hashable, int]],
                masked: set[Hashable]) -> list[Hashable]:
    """The masked cells whose value the shown cells and the relations determine exactly.

    Each relation says ``Σ coefficient · cell = 0``. Restricted to the masked cells it reads
    ``A_M x_M = b`` with ``b`` known, and cell ``i`` is determined iff every solution agrees on
    ``x_i``: iff the ``i``-th coordinate of every null-space vector of ``A_M`` is zero (some
    combination of the relations isolates it). One SVD per call.
    """
    order = [k for k in values if k in masked]
    if not order or not relations:
        return []
    col = {k: j for j, k in enumerate(order)}
    rows = [[(col[k], c) for k, c in rel.items() if k in col and c] for rel in relations]
    rows = [r for r in rows if r]
    if not rows:
        return []
    a = np.zeros((len(rows), len(order)))
    for i, r in enumerate(rows):
        for j, c in r:
            a[i, j] = c
    determined = _unit_rows(a)
    return [k for k, j in col.items() if determined[j]]


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Columns ``j`` whose unit vector lies in the row space of ``a``.

    Gauss–Jordan elimination with partial pivoting to reduced row echelon form: ``e_j`` is in
    the row space iff some row of the RREF is ``e_j``. The matrices hold small integers (±1
    coefficients), so floating point with a tolerance is exact enough, and faster here than
    an SVD (LAPACK threads contend on a shared machine).
    """
    m = a.astype(float).copy()
    n_rows, n_cols = m.shape
    pivot_row = 0
    for j in range(n_cols):
        if pivot_row == n_rows:
            break
        p = pivot_row + int(np.argmax(np.abs(m[pivot_row:, j])))
        if abs(m[p, j]) < 1e-9:
            continue
        m[[pivot_row, p]] = m[[p, pivot_row]]
        m[pivot_row] /= m[pivot_row, j]
        others = np.abs(m[:, j]) > 1e-12
        others[pivot_row] = False
        m[others] -= np.outer(m[others, j], m[pivot_row])
        pivot_row += 1
    nonzero = np.abs(m[:pivot_row]) > 1e-9
    single = nonzero.sum(axis=1) == 1
    out = np.zeros(n_cols, dtype=bool)
    out[np.argmax(nonzero[single], axis=1)] = True
    return out


def protect(values: Mapping[Hashable, int], relations: Sequence[Mapping[Hashable, int]],
            suppression: Suppression, *, keep: Collection[Hashable] = (),
            fixed: Collection[Hashable] = ()) -> dict[Hashable, str]:
    """Primary and complementary suppression of one table's published counts.

    Parameters
    ----------
    values
        Every count the table prints, by a key the caller chooses (insertion order breaks ties).
    relations
        Linear relations among those counts that a reader can use, ``{key: coefficient}`` with
        ``Σ coefficient · value = 0`` (a total is ``{a: 1, b: 1, total: −1}``).
    keep
        Cells to mask as complementary only as a last resort.
    fixed
        Cells never masked as complementary (a primary one is still masked): totals printed
        elsewhere anyway, such as a group size. Hiding one would protect nothing, and a total
        shared by many relations, once hidden, can be worked out from any of them, which
        would spread the masking over the whole table.

    Returns
    -------
    Status per key: ``"shown"``, ``"primary"`` (1 ≤ n < threshold) or ``"complementary"``
    (masked so that no primary cell can be worked out). Greedy: while a masked cell is
    determined, mask a shown cell of a relation it is in, preferring cells in few relations
    (a total shared by many would spread the masking), then the smallest positive count (a
    zero only when nothing else is left). Not minimal, but deterministic and sound: it stops
    only when no masked cell is determined.
    """
    status = {k: (PRIMARY if suppression.hides(v) else SHOWN) for k, v in values.items()}
    if not relations or not any(s == PRIMARY for s in status.values()):
        return status
    index = {k: i for i, k in enumerate(values)}
    degree: dict[Hashable, int] = {}
    for rel in relations:
        for k, c in rel.items():
            if c:
                degree[k] = degree.get(k, 0) + 1
    for _ in range(len(values)):
        masked = {k for k, s in status.items() if s != SHOWN}
        exposed = recoverable(values, relations, masked)
        if not exposed:
            break
        candidates = _candidates(exposed[0], relations, status, fixed)
        if not candidates:
            break
        candidates = [k for k in candidates if k not in keep] or candidates
        ranked = sorted(dict.fromkeys(candidates),
                        key=lambda k: (values[k] <= 0, degree.get(k, 0), values[k], index[k]))
        # Of the few best-ranked candidates, mask the one that leaves the fewest cells exposed
        # (a cell on a shared total can protect two at once).
        best, best_left = ranked[0], None
        for k in ranked[:8]:
            left = len(recoverable(values, relations, masked | {k}))
            if best_left is None or left < best_left:
                best, best_left = k, left
        status[best] = COMPLEMENTARY
    return status


def _candidates(target: Hashable, relations: Sequence[Mapping[Hashable, int]],
                status: Mapping[Hashable, str], fixed: Collection[Hashable]) -> list[Hashable]:
    """Shown cells that may be masked to protect ``target``: those of its own relations, else
    those of the relations reached from it through masked cells (it is determined through a
    chain of them). Never a cell of an unrelated part of the table: masking one there would
    not help, and would spread."""
    def open_(k: Hashable) -> bool:
        return status[k] == SHOWN and k not in fixed

    seen_cells, seen_rels = {target}, set()
    frontier = [target]
    while frontier:
        cell = frontier.pop()
        for r, rel in enumerate(relations):
            if r in seen_rels or not rel.get(cell):
                continue
            seen_rels.add(r)
            for k, c in rel.items():
                if c and status[k] != SHOWN and k not in seen_cells:
                    seen_cells.add(k)
                    frontier.append(k)
    near = [k for rel in relations if rel.get(target) for k, c in rel.items() if c and open_(k)]
    return near or [k for r in sorted(seen_rels) for k, c in relations[r].items()
                    if c and open_(k)]


def cell_text(status: str, text: str, suppression: Suppression) -> str:
    """``text`` for a shown cell, the marker for a primary one, ``*`` for a complementary one."""
    if status == PRIMARY:
        return suppression.marker
    if status == COMPLEMENTARY:
        return COMPLEMENTARY_MARKER
    return text


def mask_count_columns(frame: pd.DataFrame, totals: Mapping[str, Sequence[str]],
                       suppression: Suppression) -> pd.DataFrame:
    """A copy of ``frame`` whose integer count columns are masked row by row, with the sums in
    ``totals`` (``{"eligible": ("n_homogeneous", "n_heterogeneous")}``: eligible is their sum)
    protected by complementary cells. Columns with a masked cell become text."""
    if not suppression.enabled:
        return frame
    columns = list(dict.fromkeys([*totals, *(c for parts in totals.values() for c in parts)]))
    columns = [c for c in columns if c in frame.columns]
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(object)
    relations = [{**{part: 1 for part in parts}, total: -1} for total, parts in totals.items()
                 if total in frame.columns and set(parts) <= set(frame.columns)]
    for i in range(len(frame)):
        row = {c: frame[c].iloc[i] for c in columns}
        counts = {c: int(v) for c, v in row.items() if pd.notna(v)}
        status = protect(counts, [r for r in relations if set(r) <= set(counts)], suppression)
        for c, st in status.items():
            if st != SHOWN:
                out.iloc[i, out.columns.get_loc(c)] = cell_text(st, "", suppression)
    return out


def mask_block_counts(frame: pd.DataFrame, *, block: str, column: str,
                      suppression: Suppression) -> pd.DataFrame:
    """Counts in parentheses at the end of ``column`` ("≥ 67 (44)"), where each block (a new
    block starts at a non-empty ``block`` cell) adds up to the same total (a Cox model's
    patients, printed in another table): masked, with complementary cells within blocks."""
    if not suppression.enabled:
        return frame
    pattern = re.compile(r"\((\d+)\)\s*$")
    values: dict[Hashable, int] = {}
    blocks: list[list[int]] = []
    for i, (b, text) in enumerate(zip(frame[block], frame[column], strict=True)):
        m = pattern.search(str(text))
        if str(b).strip() or not blocks:
            blocks.append([])
        if m:
            values[i] = int(m.group(1))
            blocks[-1].append(i)
    full = [b for b in blocks if b]
    if not full:
        return frame
    values["total"] = sum(values[i] for i in full[0])
    relations = [{**{i: 1 for i in b}, "total": -1} for b in full]
    status = protect(values, relations, suppression, keep={"total"})
    out = frame.copy()
    j = out.columns.get_loc(column)
    for i, st in status.items():
        if i != "total" and st != SHOWN:
            text = str(frame[column].iloc[i])
            out.iloc[i, j] = pattern.sub(f"({cell_text(st, '', suppression)})", text)
    return out


def mask_count_pattern(frame: pd.DataFrame, column: str, pattern: str,
                       suppression: Suppression) -> pd.DataFrame:
    """Each count captured by ``pattern``'s groups in ``column`` masked when small (primary
    only: for cells whose counts add up to nothing printed in the same table)."""
    if not suppression.enabled or column not in frame.columns:
        return frame
    regex = re.compile(pattern)

    def one(text: object) -> object:
        m = regex.search(str(text))
        if not m:
            return text
        out, last = [], 0
        value = str(text)
        for g in range(1, (regex.groups or 0) + 1):
            start, end = m.span(g)
            if start < 0:
                continue
            out += [value[last:start], suppression.count(int(value[start:end]))]
            last = end
        return "".join(out) + value[last:]

    copy = frame.copy()
    copy[column] = copy[column].map(one)
    return copy


_COUNT_PHRASE = re.compile(r"(?<![\w.])(\d[\d,]*)(?=\s+(?:of\s+\d[\d,]*\s+)?(?:patients?|"
                           r"fragments?|events?|excluded|censored|Homo-HER2|Hetero-HER2)\b)")


def mask_counts_in_text(text: str, suppression: Suppression) -> str:
    """Prose with its small counts masked: "3 patients were excluded" → "<5 patients …".

    Only numbers directly before a count word (patients, fragments, events, excluded, censored,
    a group name) are read as counts; other numbers (months, percentages, cutoffs) stay.
    """
    if not suppression.enabled:
        return text

    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1).replace(",", ""))
        return suppression.marker if suppression.hides(n) else m.group(1)

    return _COUNT_PHRASE.sub(repl, text)


# ---------------------------------------------------------------------------- JSON

# Keys whose integer values (or lists of them) count patients, events or censorings in the
# analyze / sweep JSON (docs/analysis-json.md).
JSON_COUNT_KEYS = frozenset({
    "n", "n_events", "n_risk", "n_event", "n_censor", "cum_events", "cum_censored",
    "counts_heterogeneous", "counts_homogeneous", "missing_heterogeneous",
    "missing_homogeneous", "table", "successes", "observed", "n_missing", "n_evaluable",
    "CR", "PR", "SD", "PD", "NE", "n_homogeneous", "n_heterogeneous", "n_patients",
    "n_excluded", "n_included", "n_x", "n_y", "events_homogeneous", "events_heterogeneous",
    "validation_n", "training_n", "n_positive", "n_3plus",
})
# One value per patient (a step per patient's time, a residual per patient): left out.
JSON_PATIENT_LEVEL_KEYS = frozenset({"curves", "scaled_residuals", "transformed_time",
                                     "per_patient", "censor_times"})
# Percentages and rates that give their count back when it is masked.
_JSON_SHARES = {"pct_heterogeneous": "counts_heterogeneous",
                "pct_homogeneous": "counts_homogeneous"}


def suppress_json(obj: object, suppression: Suppression) -> object:
    """A JSON value (from :func:`~her2dash.results.to_jsonable`) with small counts masked.

    Every count field (:data:`JSON_COUNT_KEYS`) from 1 to threshold − 1 becomes the marker
    string ("<5"); a percentage or a proportion's estimate and CI next to a masked count become
    the marker too; patient-level arrays (:data:`JSON_PATIENT_LEVEL_KEYS`) are replaced by a
    note. Complementary cells are not chosen here: :mod:`her2dash.export.jsonout` first masks
    those of Table 1, Table 3 and the risk tables as the display tables do; the JSON's other
    totals (log-rank observed, Cox n) are only primary-suppressed.
    """
    if not suppression.enabled:
        return obj
    return _suppress(obj, None, suppression)


def _mask_value(value: object, suppression: Suppression) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and suppression.hides(value) and float(value).is_integer():
        return suppression.marker
    if isinstance(value, list):
        return [_mask_value(v, suppression) for v in value]
    return value


def _suppress(obj: object, key: str | None, suppression: Suppression) -> object:
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for k, v in obj.items():
            if k in JSON_PATIENT_LEVEL_KEYS and v is not None:
                out[k] = {"suppressed": PATIENT_LEVEL_NOTE}
            elif k in JSON_COUNT_KEYS:
                out[k] = (_suppress(v, k, suppression) if isinstance(v, dict)
                          else _mask_value(v, suppression))
            else:
                out[k] = _suppress(v, k, suppression)
        for share, count in _JSON_SHARES.items():
            if isinstance(out.get(share), list) and isinstance(out.get(count), list):
                out[share] = [suppression.marker if c in (suppression.marker,
                                                          COMPLEMENTARY_MARKER) else p
                              for p, c in zip(out[share], out[count], strict=False)]
        hidden = (suppression.marker, COMPLEMENTARY_MARKER)
        if (out.get("successes") in hidden or out.get("n") in hidden) and "estimate" in out:
            out["estimate"] = suppression.marker
            if isinstance(out.get("ci"), dict):
                out["ci"] = {**out["ci"], "low": suppression.marker,
                             "high": suppression.marker}
        return out
    if isinstance(obj, list):
        return [_suppress(v, key, suppression) for v in obj]
    return obj


def json_record(suppression: Suppression) -> dict[str, object] | None:
    """The JSON's ``suppression`` block: threshold, statement, and what the JSON does not do."""
    record = suppression.to_json()
    if record is None:
        return None
    return {**record, "scope": (
        "every count field below the threshold masked; complementary cells as in the report "
        "for Table 1, Table 3 and the risk tables; patient-level arrays left out. Counts in "
        "other blocks (log-rank observed, Cox n) are masked but not complemented, so a masked "
        "one may follow from a total elsewhere in this file: share the report, not the JSON")}

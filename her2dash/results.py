"""Small result types shared across the core.

Modelled on scipy.stats' result objects: frozen dataclasses, eager fields, no printing or rounding.
Degenerate data returns :class:`Unavailable` with the reason in words instead of NaN or an
exception.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Stands in for a result that cannot be computed; ``reason`` is shown to the user as is."""

    reason: str


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """An interval; a bound of ``None`` means "not reached" (printed NR, as in the paper)."""

    low: float | None
    high: float | None
    level: float = 0.95
    method: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the input, located as precisely as it can be.

    ``row`` is the row as the user sees it in their file (a spreadsheet's row number, header =
    row 1); ``None`` for problems of a whole file or column. Errors block the analysis; warnings
    say that rows were left out and why; infos say what was assumed (an encoding, a default).
    """

    severity: str  # "error" | "warning" | "info"
    message: str
    file: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    expected: str = ""

    def describe(self) -> str:
        """The issue as one sentence with its location, for lists and logs-free CLI output."""
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.value:
            text += f" (found {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


def to_jsonable(obj: object) -> object:
    """Results as plain JSON values: dataclasses → dicts, NaN/inf → ``None``, frames → records."""
    import dataclasses
    import math

    import numpy as np
    import pandas as pd

    if isinstance(obj, Unavailable):
        # A consumer tests one key to know whether a statistic is there, and reads why not.
        return {"available": False, "reason": obj.reason}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.reset_index().to_dict(orient="records")]
    if isinstance(obj, dict):
        # Tuple keys ((endpoint, specimen, group)) become "pfs/biopsy/homogeneous".
        return {"/".join(map(str, k)) if isinstance(k, tuple) else str(k): to_jsonable(v)
                for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray | pd.Series):
        return [to_jsonable(v) for v in list(obj)]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)

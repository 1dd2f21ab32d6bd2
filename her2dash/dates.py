"""Derive PFS and OS from dates, as the seed paper's methods define them.

PFS runs from the start of therapy to the first documented progression or death from any
cause; OS to death from any cause. Patients without an event by the data cut-off are censored at
last contact (or at the cut-off if contact continued beyond it). Optionally PFS is censored at
conversion surgery (``surgery_date``), as Yagi et al. did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

DAYS_PER_MONTH = 365.25 / 12  # 30.4375: the usual convention for months from day counts


@dataclass(frozen=True, slots=True)
class DateOptions:
    """How times are derived from dates. ``data_cutoff`` of ``None`` means no cut-off."""

    data_cutoff: date | None = None
    censor_pfs_at_surgery: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class DerivedTimes:
    """Times in months and 0/1 events (NaN where underivable), with per-patient problems."""

    months: np.ndarray
    event: np.ndarray
    problem: np.ndarray  # object array: None, or the reason in words


def _months(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    days = (later - earlier).astype("timedelta64[D]").astype(float)
    return days / DAYS_PER_MONTH


def _earliest(*columns: np.ndarray) -> np.ndarray:
    stacked = np.stack(columns)
    return np.where(np.isnat(stacked).all(axis=0), np.datetime64("NaT"),
                    np.nanmin(np.where(np.isnat(stacked), np.datetime64("2262-01-01"), stacked),
                              axis=0))


def derive_os(start: np.ndarray, death: np.ndarray, last_contact: np.ndarray,
              options: DateOptions) -> DerivedTimes:
    """OS: event at death; otherwise censored at last contact, both capped at the cut-off."""
    cutoff = _cutoff(options, len(start))
    censor_at = _earliest(last_contact, cutoff)
    died = ~np.isnat(death) & (np.isnat(cutoff) | (death <= cutoff))
    end = np.where(died, death, censor_at)
    return _finish(start, end, died, {"death_date": death, "last_contact_date": last_contact})


def derive_pfs(start: np.ndarray, progression: np.ndarray, death: np.ndarray,
               last_contact: np.ndarray, surgery: np.ndarray,
               options: DateOptions) -> DerivedTimes:
    """PFS: event at the earlier of progression and death; censored at conversion surgery
    when that came first (optional), else at last contact; all capped at the cut-off."""
    cutoff = _cutoff(options, len(start))
    event_at = _earliest(progression, death)
    has_event = ~np.isnat(event_at) & (np.isnat(cutoff) | (event_at <= cutoff))
    censor_at = _earliest(last_contact, cutoff)
    if options.censor_pfs_at_surgery:
        surgery_first = ~np.isnat(surgery) & (np.isnat(event_at) | (surgery < event_at))
        surgery_first &= np.isnat(cutoff) | (surgery <= cutoff)
        has_event &= ~surgery_first
        censor_at = np.where(surgery_first, surgery, censor_at)
    end = np.where(has_event, event_at, censor_at)
    dates = {"progression_date": progression, "death_date": death,
             "last_contact_date": last_contact, "surgery_date": surgery}
    return _finish(start, end, has_event, dates)


def _cutoff(options: DateOptions, n: int) -> np.ndarray:
    cut = options.data_cutoff
    value = np.datetime64(cut, "ns") if cut else np.datetime64("NaT")
    return np.full(n, value, dtype="datetime64[ns]")


def _finish(start: np.ndarray, end: np.ndarray, event: np.ndarray,
            dates: dict[str, np.ndarray]) -> DerivedTimes:
    problem = np.full(len(start), None, dtype=object)
    for name, d in dates.items():
        before = ~np.isnat(d) & ~np.isnat(start) & (d < start)
        problem[before & (problem == None)] = f"{name} is before therapy_start"  # noqa: E711
    problem[np.isnat(start)] = "therapy_start is missing"
    # Every given date is checked above, so an end before the start is the data cut-off.
    after_cutoff = ~np.isnat(end) & ~np.isnat(start) & (end < start)
    problem[after_cutoff & (problem == None)] = "therapy_start is after the data cut-off"  # noqa: E711
    problem[np.isnat(end) & (problem == None)] = (  # noqa: E711
        "no event date and no last_contact_date to censor at"
    )
    months = np.where(problem == None, _months(end, start), np.nan)  # noqa: E711
    return DerivedTimes(months, np.where(problem == None, event.astype(float), np.nan), problem)  # noqa: E711

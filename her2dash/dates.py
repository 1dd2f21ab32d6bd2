"""Dates as hospital exports write them, and PFS and OS derived from dates as the seed paper's
methods define them.

Besides ISO dates, exports carry Japanese era dates (平成30年4月1日, H30.4.1) and Excel serial
numbers (42461 for 2016-04-01, when a date cell lost its format); :func:`era_to_date` and
:func:`excel_serial_to_date` read them, each refusing what is not a real date with the reason.

PFS runs from the start of therapy to the first documented progression or death from any
cause; OS to death from any cause. Patients without an event by the data cut-off are censored at
last contact (or at the cut-off if contact continued beyond it). Optionally PFS is censored at
conversion surgery (``surgery_date``), as Yagi et al. did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAYS_PER_MONTH = 365.25 / 12  # 30.4375: the usual convention for months from day counts

# A treatment date outside these years is a typing error or a number that is not a date (a
# year, a count); an Excel serial is only read as a date when it lands inside.
PLAUSIBLE_DATES = (date(1950, 1, 1), date(2099, 12, 31))


def excel_serial_to_date(serial: int) -> date | None:
    """The date of an Excel serial number in the 1900 date system; ``None`` if there is none.

    Serial 1 is 1900-01-01. Excel, copying Lotus 1-2-3, counts a 29 February 1900 that never
    was (serial 60), so from serial 61 on a serial is one day later than a plain count from
    1899-12-31 would say: 61 is 1900-03-01. Serial 60 and serials below 1 are no date. (The
    1904 system of old Mac workbooks is not supported: it would shift every date by 4 years.)
    """
    if serial < 1 or serial == 60:
        return None
    return date(1899, 12, 31) + timedelta(days=serial - (1 if serial > 60 else 0))


@dataclass(frozen=True, slots=True)
class Era:
    """A Japanese era: its name, the letter exports abbreviate it to, and its first/last day."""

    name: str
    letter: str
    first: date
    last: date | None


ERAS: tuple[Era, ...] = (
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_ERA_BY_KEY = {k: e for e in ERAS for k in (e.name, e.letter)}


def era_to_date(era: str, year: int, month: int, day: int) -> date | str:
    """A Japanese era date (era name or letter, year of the era, month, day) as a date, or
    the reason it is none. Year 1 of an era (元年) starts on the era's first day, so 平成元年 is
    1989 and 令和元年 2019; a date outside its era (H31.5.1: 平成 ended on 2019-04-30) is refused
    rather than carried over into the next era, since it is more likely mistyped than meant.
    """
    e = _ERA_BY_KEY.get(era.upper() if era.isascii() else era)
    if e is None:
        return f"unknown era {era!r}"
    try:
        value = date(e.first.year + year - 1, month, day)
    except ValueError:
        return "that is not a calendar date"
    if value < e.first or (e.last is not None and value > e.last):
        last = f"{e.last.isoformat()}" if e.last else "today"
        return f"outside the {e.name} era ({e.first.isoformat()} to {last})"
    return value


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

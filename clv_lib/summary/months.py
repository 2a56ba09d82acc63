"""Calendar months as integers, and which months an observation end covers completely.

Cohorts, MRR movements, tenure and monthly KPIs all count time in calendar months. A month is represented by its
*month number*: whole calendar months since January 1970 (the ordinal of ``pd.Period(freq="M")`` and of numpy's
``datetime64[M]``), so months since acquisition are a plain integer subtraction and results convert to a
``PeriodIndex`` without loss. Days are likewise counted as whole days since 1970-01-01.

The observation end is the last day with data, inclusive. A month is *complete* when its last day is on or before
the observation end; month-level results stop at the last complete month, so a partial final month never shows as
a drop in activity (choose a month-end observation end to use every order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.exceptions import ParamsError

#: Integer marking a missing date (NaT) in the day and month numbers returned here.
MISSING = np.iinfo(np.int64).max


def observation_timestamp(observation_end) -> pd.Timestamp:
    """Return `observation_end` as a timezone-naive midnight Timestamp; raise ParamsError if it is not a date."""
    try:
        value = pd.Timestamp(observation_end)
    except (TypeError, ValueError) as exc:
        raise ParamsError(f"observation_end {observation_end!r} is not a date") from exc
    if pd.isna(value):
        raise ParamsError("observation_end is missing (NaT)")
    if value.tzinfo is not None:
        raise ParamsError(f"observation_end {value} has a time zone; give a plain date")
    return value.normalize()


def day_numbers(dates) -> np.ndarray:
    """Whole days since 1970-01-01 of each date (any datetime64 unit), as int64; NaT becomes ``MISSING``."""
    values = np.asarray(dates)
    if values.dtype.kind != "M":
        values = pd.to_datetime(values).to_numpy()
    unit, count = np.datetime_data(values.dtype)
    raw = values.view(np.int64)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000, "us": 86_400_000_000,
               "ns": 86_400_000_000_000}.get(unit)
    if per_day is None or count != 1:
        raw = values.astype("datetime64[D]").view(np.int64)
        per_day = 1
    days = np.floor_divide(raw, per_day)
    missing = raw == np.iinfo(np.int64).min
    if missing.any():
        days[missing] = MISSING
    return days


def month_numbers_from_days(days: np.ndarray) -> np.ndarray:
    """Month number of each day number (see ``day_numbers``); ``MISSING`` stays ``MISSING``.

    Uses a lookup table over the span of days present, which is several times faster than a datetime cast on
    millions of rows.
    """
    days = np.asarray(days, dtype=np.int64)
    present = days != MISSING
    if present.all() and len(days):
        lo, hi = int(days.min()), int(days.max())
        return _month_table(lo, hi)[days - lo]
    out = np.full(days.shape, MISSING, dtype=np.int64)
    if present.any():
        lo, hi = int(days[present].min()), int(days[present].max())
        out[present] = _month_table(lo, hi)[days[present] - lo]
    return out


def _month_table(lo: int, hi: int) -> np.ndarray:
    return np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").view(np.int64)


def month_numbers(dates) -> np.ndarray:
    """Month number (months since January 1970) of each date, as int64; NaT becomes ``MISSING``."""
    return month_numbers_from_days(day_numbers(dates))


def month_number(date) -> int:
    """Month number of one date."""
    return int(pd.Timestamp(date).to_period("M").ordinal)


def month_start_day(months: np.ndarray) -> np.ndarray:
    """Day number of the first day of each month number."""
    return np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").view(np.int64)


def last_complete_month(observation_end) -> int:
    """Month number of the last calendar month that ends on or before `observation_end` (inclusive)."""
    end = observation_timestamp(observation_end)
    return month_number(end + pd.Timedelta(days=1)) - 1


def periods(months) -> pd.PeriodIndex:
    """Monthly ``PeriodIndex`` of month numbers."""
    return pd.PeriodIndex.from_ordinals(np.asarray(months, dtype=np.int64), freq="M")

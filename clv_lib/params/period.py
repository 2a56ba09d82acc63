"""Reporting periods: `YYYY`, `YYYYQn` (or `YYYY-Qn`), `YYYY-MM`; the observation cut-off is the period's last day."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clv_lib.exceptions import ParamsError
from clv_lib.params.schema import PERIOD_PATTERN


@dataclass(frozen=True)
class Period:
    """A reporting period. `label` names its folder; `start`/`end` are its first and last days (inclusive)."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def cutoff(self) -> pd.Timestamp:
        """Observation cut-off: the last day of the period; data after it is excluded."""
        return self.end


def parse_period(text: str) -> Period:
    """Parse `2025`, `2025Q4`, `2025-Q4` or `2025-11` into a Period; ParamsError otherwise."""
    match = PERIOD_PATTERN.fullmatch(str(text).strip())
    if not match:
        raise ParamsError(f"PERIOD {text!r} is not one of YYYY, YYYYQn or YYYY-MM (e.g. 2025, 2025Q4, 2025-11)")
    year, quarter, month = int(match[1]), match[2], match[3]
    if quarter:
        first = pd.Timestamp(year=year, month=3 * int(quarter) - 2, day=1)
        return Period(f"{year}Q{quarter}", first, first + pd.offsets.QuarterEnd(0))
    if month:
        first = pd.Timestamp(year=year, month=int(month), day=1)
        return Period(f"{year}-{month}", first, first + pd.offsets.MonthEnd(0))
    first = pd.Timestamp(year=year, month=1, day=1)
    return Period(f"{year}", first, pd.Timestamp(year=year, month=12, day=31))


def last_complete_month(last_date: pd.Timestamp) -> Period:
    """The last calendar month fully covered by data ending on `last_date`.

    A month counts as complete when the data reaches its last day; otherwise the month before is used.
    """
    last_date = pd.Timestamp(last_date).normalize()
    month_end = last_date + pd.offsets.MonthEnd(0)
    if last_date < month_end:
        month_end = last_date.replace(day=1) - pd.Timedelta(days=1)
    return parse_period(f"{month_end.year}-{month_end.month:02d}")

"""Reporting periods: `YYYY`, `YYYYQn` (or `YYYY-Qn`), `YYYY-MM`; the observation cut-off is the period's last day.

A range `FIRST..LAST` (`1997Q3..1998Q2`, `2024-01..2024-06`, `2021..2024`) is every period of the bounds' kind
from FIRST to LAST, oldest first: months, quarters or years as the bounds are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from clv_lib.exceptions import Msg, ParamsError

#: YYYY, YYYYQn (or YYYY-Qn) or YYYY-MM.
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:(?:-?Q([1-4]))|(?:-(0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    """A reporting period. `label` names its folder; `start`/`end` are its first and last days (inclusive)."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def kind(self) -> str:
        """`month`, `quarter` or `year`: how the period was written."""
        return "quarter" if "Q" in self.label else "month" if "-" in self.label else "year"

    @property
    def cutoff(self) -> pd.Timestamp:
        """Observation cut-off: the last day of the period; data after it is excluded."""
        return self.end


def parse_period(text: str) -> Period:
    """Parse `2025`, `2025Q4`, `2025-Q4` or `2025-11` into a Period; ParamsError otherwise."""
    match = PERIOD_PATTERN.fullmatch(str(text).strip())
    if not match:
        raise ParamsError(key="period.bad_format", text=text)
    year, quarter, month = int(match[1]), match[2], match[3]
    if quarter:
        first = pd.Timestamp(year=year, month=3 * int(quarter) - 2, day=1)
        return Period(f"{year}Q{quarter}", first, first + pd.offsets.QuarterEnd(0))
    if month:
        first = pd.Timestamp(year=year, month=int(month), day=1)
        return Period(f"{year}-{month}", first, first + pd.offsets.MonthEnd(0))
    first = pd.Timestamp(year=year, month=1, day=1)
    return Period(f"{year}", first, pd.Timestamp(year=year, month=12, day=31))


RANGE_SEPARATOR = ".."
MAX_RANGE_PERIODS = 240  # twenty years of months: a longer range is a typo, not a series


def is_period_range(text: str) -> bool:
    return RANGE_SEPARATOR in str(text)


def parse_period_range(text: str) -> list[Period]:
    """`FIRST..LAST` -> every period from FIRST to LAST (both included, oldest first); a single period -> [it].

    Both bounds must be of one kind (months, quarters or years) and FIRST must not come after LAST; ParamsError
    otherwise."""
    text = str(text).strip()
    if not is_period_range(text):
        return [parse_period(text)]
    first_text, _, last_text = text.partition(RANGE_SEPARATOR)
    if not first_text.strip() or not last_text.strip() or is_period_range(last_text):
        raise ParamsError(key="period.bad_range", text=text)
    first, last = parse_period(first_text), parse_period(last_text)
    if first.kind != last.kind:
        raise ParamsError(key="period.mixed_kinds", text=text, kinds=Msg(f"term.{first.kind}s"), first=first.label,
                          first_kind=Msg(f"term.{first.kind}"), last=last.label, last_kind=Msg(f"term.{last.kind}"))
    if first.end > last.end:
        raise ParamsError(key="period.reversed", text=text, first=first.label, last=last.label)
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[first.kind]
    spans = pd.period_range(first.start, last.start, freq=freq)
    if len(spans) > MAX_RANGE_PERIODS:
        raise ParamsError(key="period.too_long", text=text, count=len(spans), most=MAX_RANGE_PERIODS)
    return [parse_period(_label(span, first.kind)) for span in spans]


def _label(span: pd.Period, kind: str) -> str:
    if kind == "quarter":
        return f"{span.year}Q{span.quarter}"
    if kind == "month":
        return f"{span.year}-{span.month:02d}"
    return f"{span.year}"


def months_between(earlier: Period, later: Period) -> int:
    """Whole calendar months from one period's cut-off to another's (1997Q3 -> 1998Q2: 9)."""
    a, b = earlier.cutoff, later.cutoff
    return (b.year - a.year) * 12 + (b.month - a.month)


def last_complete_month(last_date: pd.Timestamp) -> Period:
    """The last calendar month fully covered by data ending on `last_date`.

    A month counts as complete when the data reaches its last day; otherwise the month before is used.
    """
    last_date = pd.Timestamp(last_date).normalize()
    month_end = last_date + pd.offsets.MonthEnd(0)
    if last_date < month_end:
        month_end = last_date.replace(day=1) - pd.Timedelta(days=1)
    return parse_period(f"{month_end.year}-{month_end.month:02d}")

"""The time unit of a customer summary, made explicit so that horizons and discounting cannot be mixed up.

A summary's `recency` and `T` are in one unit (days, weeks or months); a report's horizon is in months and its
discount rate is per year. Every conversion between the three goes through a `TimeUnit`, so that a weekly
summary can never be projected as if it were daily (the classic `lifetimes` pitfall of passing `freq="D"` to a
weekly model and getting CLV seven times too small or large).
"""

from __future__ import annotations

from dataclasses import dataclass

from clv_lib.exceptions import ParamsError

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12  # 30.4375


@dataclass(frozen=True)
class TimeUnit:
    """A summary time unit: its name and how many of it make one (average, 30.4375-day) month."""

    name: str
    periods_per_month: float

    def __post_init__(self):
        if not self.periods_per_month > 0:
            raise ParamsError(f"time unit {self.name!r}: periods_per_month must be > 0")

    def months_to_periods(self, months: float):
        """Convert a duration in months (scalar or array) to this unit."""
        return months * self.periods_per_month

    def periods_to_months(self, periods: float):
        """Convert a duration in this unit (scalar or array) to months."""
        return periods / self.periods_per_month

    @classmethod
    def of(cls, unit: "str | TimeUnit") -> "TimeUnit":
        """Return the unit named `unit` ("D"/"day(s)", "W"/"week(s)", "M"/"month(s)") or `unit` itself."""
        if isinstance(unit, TimeUnit):
            return unit
        key = str(unit).strip().lower()
        for known in (DAYS, WEEKS, MONTHS):
            if key in _ALIASES[known.name]:
                return known
        raise ParamsError(f"unknown time unit {unit!r}: use one of days, weeks, months (or D, W, M)")

    def __str__(self) -> str:
        return self.name


DAYS = TimeUnit("days", DAYS_PER_MONTH)
WEEKS = TimeUnit("weeks", DAYS_PER_MONTH / 7)
MONTHS = TimeUnit("months", 1.0)

_ALIASES = {
    "days": {"d", "day", "days", "daily"},
    "weeks": {"w", "week", "weeks", "weekly"},
    "months": {"m", "month", "months", "monthly"},
}


def monthly_rate(annual_discount_rate: float) -> float:
    """The monthly discount rate equivalent to an annual one: (1 + annual)^(1/12) - 1."""
    if not annual_discount_rate > -1:
        raise ParamsError(f"annual_discount_rate must be > -1, got {annual_discount_rate}")
    return (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0

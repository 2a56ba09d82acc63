"""Locale formatting for the report (Babel): `1.234,56 €` in Italian, `€1,234.56` in English.

Every number that reaches the report goes through a Formatter. Missing or non-finite values never print as
`nan`/`inf`: they print as an en dash, and the chapter says why the value is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent

LOCALES = {"it": "it_IT", "en": "en_US"}
MISSING = "–"


def _unsigned_zero(value, decimals: int) -> float:
    """`value` as a float, with amounts that print as zero made +0 (never "-€0" or "-0,0%")."""
    value = float(value)
    return 0.0 if round(value, decimals) == 0 else value


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Formatter:
    """Formats numbers, money, shares and dates for one report language and currency."""

    language: str
    currency: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def money(self, value, decimals: int = 0) -> str:
        """Currency amount with `decimals` fraction digits (`1.235 €`, `€1,235`)."""
        if not _finite(value):
            return MISSING
        pattern = None if decimals == 2 else _currency_pattern(self.locale, decimals)
        return format_currency(_unsigned_zero(value, decimals), self.currency, format=pattern, locale=self.locale,
                               currency_digits=decimals == 2)

    def money_compact(self, value) -> str:
        """Short currency amount for tiles and charts (`1,2 Mln €`, `€1.2M`); exact below 10,000."""
        if not _finite(value):
            return MISSING
        if abs(float(value)) < 10_000:
            return self.money(value, 0)
        compact = format_compact_currency(float(value), self.currency, locale=self.locale, fraction_digits=1)
        # Italian CLDR data has no short form for thousands ("40000 €"): use the grouped full amount instead.
        return compact if any(ch.isalpha() for ch in compact.replace(self.currency, "")) else self.money(value, 0)

    def number(self, value, decimals: int = 0) -> str:
        if not _finite(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(_unsigned_zero(value, decimals), format=pattern, locale=self.locale)

    def pct(self, value, decimals: int = 1) -> str:
        """A share (0.123) as a percentage (`12,3%`)."""
        if not _finite(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
        return format_percent(_unsigned_zero(value, decimals + 2), format=pattern, locale=self.locale)

    def small_pct(self, value, decimals: int = 1) -> str:
        """A share that may be tiny (a churn of 0.0024%): `decimals` decimals, or two significant digits when
        those would show 0 (at most 4 decimals)."""
        if _finite(value) and 0 < abs(value) < 10 ** -(decimals + 2):
            decimals = min(4, 1 - math.floor(math.log10(abs(value) * 100)))
        return self.pct(value, decimals)

    def ratio(self, value, decimals: int = 1) -> str:
        """A multiple such as LTV:CAC (`3,2×`)."""
        return MISSING if not _finite(value) else f"{self.number(value, decimals)}×"

    def date(self, value, style: str = "long") -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return MISSING
        if isinstance(value, datetime):
            value = value.date()
        pattern = {"long": "d MMMM yyyy", "short": "dd/MM/yyyy" if self.language == "it" else "MMM d, yyyy"}[style]
        return format_date(value if isinstance(value, date) else value.date(), pattern, locale=self.locale)

    def month(self, value) -> str:
        """A month label such as `nov 2025` / `Nov 2025`."""
        if value is None:
            return MISSING
        if hasattr(value, "to_timestamp"):
            value = value.to_timestamp()
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, "MMM yyyy", locale=self.locale)


def _currency_pattern(locale: str, decimals: int) -> str:
    from babel import Locale

    base = Locale.parse(locale).currency_formats["standard"].pattern
    fraction = "." + "0" * decimals if decimals else ""
    return base.replace("#,##0.00", "#,##0" + fraction)


class TickLabel:
    """A tick label from one `Formatter` method, `TickLabel(fmt, "pct", 0)`; `small=("money", 2)`: another one
    below 1. A lambda would do, but this one can be pickled, so that a figure can be drawn in another process
    (`report.workers`)."""

    def __init__(self, fmt: Formatter, method: str, *args, small: tuple | None = None):
        self.fmt, self.method, self.args, self.small = fmt, method, args, small

    def __call__(self, value, _position=None) -> str:
        if self.small is not None and value < 1:
            name, *args = self.small
            return getattr(self.fmt, name)(value, *args)
        return getattr(self.fmt, self.method)(value, *self.args)

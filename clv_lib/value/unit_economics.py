"""Unit economics from churn: lifetime, LTV, discounted LTV, the simple CLV formula, LTV:CAC, payback, CAC limits.

The SaaS-metric formulas (ChartMogul, Baremetrics, Skok), computed with guard rails so that nothing infinite or
undefined reaches a report: every function returns a small frozen dataclass with the values, a ``capped`` flag
where a cap was applied, and ``warnings`` (plain sentences a report can print).

Units: rates are per *period* (``"month"``, ``"quarter"`` or ``"year"``; month by default), ARPA is revenue per
account per the same period, CAC is currency per acquired customer, margins are shares in (0, 1]. Never mix an
annual ARPA with a monthly churn: convert first.

* lifetime = 1 / churn (1 % monthly churn -> 100 months), capped at ``max_lifetime_months`` when churn is 0 or tiny;
* LTV = ARPA x gross margin / churn = margin per period x lifetime;
* discounted LTV = m x r / (1 + d - r) with m = margin per period, r = 1 - churn, d = discount rate per period: the
  present value of the margins of periods 1, 2, ... each received if the customer is still retained (the first
  period's margin, already paid at acquisition, is not included);
* simple CLV (the source articles' formula) = average annual profit x average retention years - CAC;
* LTV:CAC = LTV / CAC; CAC payback = CAC / (ARPA x gross margin) in months; maximum affordable CAC = LTV / target
  ratio (3 by default); break-even CAC = LTV (the CAC at which LTV:CAC = 1), shown when the CAC is unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from clv_lib.exceptions import DataError, ParamsError

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}

#: Default cap on the expected lifetime (months) when churn is 0 or nearly so: ten years.
MAX_LIFETIME_MONTHS = 120

#: A churn rate from fewer customers at risk, or fewer churn events, than these is flagged as unstable.
MIN_CUSTOMERS = 30
MIN_CHURN_EVENTS = 5

DEFINITIONS: dict[str, str] = {
    "Lifetime": "Average customer lifetime = 1 / churn rate, in the churn rate's period (1 % monthly churn = 100 "
                "months); capped when churn is 0 or tiny.",
    "LTV": "Lifetime value = ARPA x gross margin / churn rate (ChartMogul, Baremetrics); per customer.",
    "Discounted LTV": "m x r / (1 + d - r): margin m per period, retention r = 1 - churn, discount rate d per "
                      "period; margins from the second period on, each discounted.",
    "Simple CLV": "Average annual profit per customer x average retention years - CAC (the source articles' "
                  "formula).",
    "LTV:CAC": "LTV divided by the cost of acquiring a customer; at least 3 is the usual target, below 1 every "
               "customer loses money.",
    "CAC payback": "Months of gross margin needed to earn back the CAC: CAC / (monthly ARPA x gross margin).",
    "Maximum affordable CAC": "LTV divided by the target LTV:CAC ratio (3 by default).",
    "Break-even CAC": "The CAC at which LTV:CAC = 1, i.e. the LTV itself; shown when the real CAC is unknown.",
}


@dataclass(frozen=True)
class Lifetime:
    """Expected customer lifetime implied by a constant churn rate."""

    periods: float  #: lifetime in churn periods (1 / churn, or the cap)
    months: float  #: the same in months
    churn_rate: float  #: churn per period
    period: str  #: "month", "quarter" or "year"
    capped: bool  #: True when 1 / churn exceeded the cap (or churn was 0)
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Ltv:
    """Undiscounted lifetime value per customer, ARPA x margin / churn."""

    value: float  #: currency per customer
    arpa: float  #: revenue per account per period
    gross_margin: float
    lifetime: Lifetime
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class DiscountedLtv:
    """Discounted lifetime value m x r / (1 + d - r)."""

    value: float  #: currency per customer
    margin_per_period: float
    retention_rate: float  #: share retained per period
    discount_rate: float  #: per period
    capped: bool  #: True when r >= 1 + d made the series diverge and it was summed over the lifetime cap instead
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SimpleClv:
    """The source articles' CLV: average annual profit x average retention years - CAC."""

    value: float
    annual_profit: float
    retention_years: float
    cac: float


@dataclass(frozen=True)
class Payback:
    """Months of gross margin needed to earn back the CAC."""

    months: float | None  #: None when the monthly margin is 0 (never pays back)
    cac: float
    monthly_margin: float  #: ARPA (monthly) x gross margin
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class UnitEconomics:
    """Everything the unit-economics chapter prints, for one customer base or one acquisition channel."""

    arpa: float  #: revenue per account per period
    gross_margin: float
    churn_rate: float  #: per period
    period: str
    lifetime: Lifetime
    ltv: float  #: gross-margin LTV, currency per customer
    discounted_ltv: float | None  #: when an annual discount rate was given
    simple_clv: float  #: annual profit x retention years - CAC (CAC 0 when unknown)
    cac: float | None  #: None when unknown
    ltv_to_cac: float | None  #: None when the CAC is unknown or 0
    payback_months: float | None  #: None when the CAC is unknown or the margin is 0
    max_affordable_cac: float  #: LTV / target_ratio
    break_even_cac: float  #: LTV
    target_ratio: float
    rating: str | None  #: reading of LTV:CAC, see ``rate_ratio``
    warnings: tuple[str, ...] = field(default=())


def _number(value, name: str, error=ParamsError) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(out):
        raise error(f"{name} must be finite, got {value!r}")
    return out


def _period_months(period: str) -> int:
    if period not in PERIOD_MONTHS:
        raise ParamsError(f"period must be one of {', '.join(PERIOD_MONTHS)}, got {period!r}")
    return PERIOD_MONTHS[period]


def _churn(churn_rate) -> float:
    churn = _number(churn_rate, "churn_rate", DataError)
    if not 0 <= churn <= 1:
        raise DataError(f"churn_rate must be a share between 0 and 1, got {churn}")
    return churn


def _margin(gross_margin) -> float:
    margin = _number(gross_margin, "gross_margin")
    if not 0 < margin <= 1:
        raise ParamsError(f"gross_margin must be a share in (0, 1], got {margin}")
    return margin


def _cac(cac) -> float:
    value = _number(cac, "cac")
    if value < 0:
        raise ParamsError(f"cac must be >= 0, got {value}")
    return value


def stability_warnings(customers: int | None = None, churn_events: int | None = None, *,
                       min_customers: int = MIN_CUSTOMERS, min_events: int = MIN_CHURN_EVENTS) -> tuple[str, ...]:
    """Warnings when a churn rate rests on too few customers at risk or too few churn events to be stable."""
    out = []
    if customers is not None and customers < min_customers:
        out.append(f"The churn rate is based on only {customers} customers (fewer than {min_customers}); "
                   f"treat lifetime and LTV as rough.")
    if churn_events is not None and churn_events < min_events:
        out.append(f"Only {churn_events} churn events were observed (fewer than {min_events}); the churn rate and "
                   f"everything derived from it is unstable.")
    return tuple(out)


def period_discount_rate(annual_discount_rate: float, period: str = "month") -> float:
    """Discount rate per period equivalent to `annual_discount_rate` (compounded): (1 + a)^(months/12) - 1."""
    annual = _number(annual_discount_rate, "annual_discount_rate")
    if annual <= -1:
        raise ParamsError(f"annual_discount_rate must be above -1, got {annual}")
    return (1 + annual) ** (_period_months(period) / 12) - 1


def lifetime(churn_rate: float, *, period: str = "month", max_lifetime_months: float = MAX_LIFETIME_MONTHS
             ) -> Lifetime:
    """Expected lifetime 1 / `churn_rate` in periods (1 % monthly churn -> 100 months), capped and flagged."""
    churn = _churn(churn_rate)
    months_per = _period_months(period)
    cap_months = _number(max_lifetime_months, "max_lifetime_months")
    if cap_months <= 0:
        raise ParamsError(f"max_lifetime_months must be > 0, got {cap_months}")
    cap = cap_months / months_per
    if churn == 0 or 1 / churn > cap:
        reason = "no customer churned" if churn == 0 else f"churn of {churn:.3%} per {period} implies " \
                                                         f"{1 / churn:,.0f} {period}s"
        warning = (f"Lifetime capped at {cap_months:,.0f} months because {reason}; LTV uses the cap, not an "
                   f"infinite lifetime.")
        return Lifetime(periods=cap, months=cap_months, churn_rate=churn, period=period, capped=True,
                        warnings=(warning,))
    return Lifetime(periods=1 / churn, months=months_per / churn, churn_rate=churn, period=period, capped=False)


def ltv(arpa: float, churn_rate: float, *, gross_margin: float = 1.0, period: str = "month",
        max_lifetime_months: float = MAX_LIFETIME_MONTHS) -> Ltv:
    """LTV = `arpa` x `gross_margin` / `churn_rate` (ARPA and churn per the same `period`), lifetime capped."""
    arpa_value = _number(arpa, "arpa", DataError)
    if arpa_value < 0:
        raise DataError(f"arpa must be >= 0, got {arpa_value}")
    margin = _margin(gross_margin)
    life = lifetime(churn_rate, period=period, max_lifetime_months=max_lifetime_months)
    return Ltv(value=arpa_value * margin * life.periods, arpa=arpa_value, gross_margin=margin, lifetime=life,
               warnings=life.warnings)


def discounted_ltv(margin_per_period: float, retention_rate: float, discount_rate: float, *,
                   period: str = "month", max_lifetime_months: float = MAX_LIFETIME_MONTHS) -> DiscountedLtv:
    """Discounted LTV m x r / (1 + d - r): the present value of sum over t >= 1 of m r^t / (1 + d)^t.

    `discount_rate` is per period (see ``period_discount_rate``). When r >= 1 + d the series diverges; it is then
    summed over ``max_lifetime_months`` only and flagged ``capped``.
    """
    m = _number(margin_per_period, "margin_per_period", DataError)
    r = _number(retention_rate, "retention_rate", DataError)
    d = _number(discount_rate, "discount_rate")
    if not 0 <= r <= 1:
        raise DataError(f"retention_rate must be a share between 0 and 1, got {r}")
    if d <= -1:
        raise ParamsError(f"discount_rate must be above -1, got {d}")
    if 1 + d - r > 1e-12:
        return DiscountedLtv(value=m * r / (1 + d - r), margin_per_period=m, retention_rate=r, discount_rate=d,
                             capped=False)
    horizon = int(round(max_lifetime_months / _period_months(period)))
    q = r / (1 + d)
    value = m * horizon if q == 1 else m * q * (1 - q ** horizon) / (1 - q)
    return DiscountedLtv(value=value, margin_per_period=m, retention_rate=r, discount_rate=d, capped=True,
                         warnings=(f"With no churn and no discounting the value has no limit; summed over "
                                   f"{max_lifetime_months:,.0f} months instead.",))


def simple_clv(annual_profit: float, retention_years: float, cac: float = 0.0) -> SimpleClv:
    """The source articles' CLV: `annual_profit` (per customer per year) x `retention_years` - `cac`."""
    profit = _number(annual_profit, "annual_profit", DataError)
    years = _number(retention_years, "retention_years", DataError)
    if years < 0:
        raise DataError(f"retention_years must be >= 0, got {years}")
    cost = _cac(cac)
    return SimpleClv(value=profit * years - cost, annual_profit=profit, retention_years=years, cac=cost)


def cac_payback(cac: float, arpa_monthly: float, gross_margin: float = 1.0) -> Payback:
    """CAC payback in months = `cac` / (`arpa_monthly` x `gross_margin`); None (and a warning) if that margin is 0."""
    cost = _cac(cac)
    margin = _margin(gross_margin)
    arpa_value = _number(arpa_monthly, "arpa_monthly", DataError)
    monthly = arpa_value * margin
    if cost == 0:
        return Payback(months=0.0, cac=cost, monthly_margin=monthly)
    if monthly <= 0:
        return Payback(months=None, cac=cost, monthly_margin=monthly,
                       warnings=("The monthly margin per customer is not positive, so the CAC is never paid back.",))
    return Payback(months=cost / monthly, cac=cost, monthly_margin=monthly)


def max_affordable_cac(ltv_value: float, target_ratio: float = 3.0) -> float:
    """The highest CAC that keeps LTV:CAC at `target_ratio`: LTV / target."""
    target = _number(target_ratio, "target_ratio")
    if target <= 0:
        raise ParamsError(f"target_ratio must be > 0, got {target}")
    return max(_number(ltv_value, "ltv_value", DataError), 0.0) / target


def rate_ratio(ratio: float | None) -> str | None:
    """Plain reading of an LTV:CAC ratio: below 1 loses money, 1-3 weak, 3-5 healthy, above 5 room to invest."""
    if ratio is None:
        return None
    if ratio < 1:
        return "loses money"
    if ratio < 3:
        return "weak"
    if ratio <= 5:
        return "healthy"
    return "very high: room to invest more in acquisition"


def unit_economics(arpa: float, churn_rate: float, *, gross_margin: float = 1.0, cac: float | None = None,
                   target_ratio: float = 3.0, annual_discount_rate: float | None = None, period: str = "month",
                   max_lifetime_months: float = MAX_LIFETIME_MONTHS, customers: int | None = None,
                   churn_events: int | None = None) -> UnitEconomics:
    """All unit-economics numbers for one ARPA and churn rate (per `period`), with flags and warnings.

    `cac` is currency per acquired customer; None means unknown: the ratio and payback are then None and the
    break-even CAC (= LTV) is what the report shows. `customers` and `churn_events` (behind the churn rate) add
    stability warnings. The payback uses monthly ARPA (ARPA / months per period).
    """
    base = ltv(arpa, churn_rate, gross_margin=gross_margin, period=period, max_lifetime_months=max_lifetime_months)
    months_per = _period_months(period)
    warnings = list(base.warnings) + list(stability_warnings(customers, churn_events))
    margin_per_period = base.arpa * base.gross_margin
    discounted = None
    if annual_discount_rate is not None:
        disc = discounted_ltv(margin_per_period, 1 - base.lifetime.churn_rate,
                              period_discount_rate(annual_discount_rate, period), period=period,
                              max_lifetime_months=max_lifetime_months)
        discounted = disc.value
        warnings += list(disc.warnings)
    cost = None if cac is None else _cac(cac)
    seed = simple_clv(margin_per_period * 12 / months_per, base.lifetime.months / 12, cost or 0.0)
    ratio = payback = None
    if cost is not None:
        if cost > 0:
            ratio = base.value / cost
        else:
            warnings.append("The CAC is 0, so LTV:CAC is not defined.")
        pay = cac_payback(cost, base.arpa / months_per, base.gross_margin)
        payback = pay.months
        warnings += list(pay.warnings)
        if payback is not None and payback > base.lifetime.months:
            warnings.append(f"The CAC payback ({payback:,.1f} months) is longer than the expected lifetime "
                            f"({base.lifetime.months:,.1f} months): the average customer never pays back.")
    else:
        warnings.append("No CAC was given: the break-even CAC (the most one can pay for a customer without losing "
                        "money) is shown instead of LTV:CAC.")
    return UnitEconomics(
        arpa=base.arpa, gross_margin=base.gross_margin, churn_rate=base.lifetime.churn_rate, period=period,
        lifetime=base.lifetime, ltv=base.value, discounted_ltv=discounted, simple_clv=seed.value, cac=cost,
        ltv_to_cac=ratio, payback_months=payback, max_affordable_cac=max_affordable_cac(base.value, target_ratio),
        break_even_cac=base.value, target_ratio=float(target_ratio), rating=rate_ratio(ratio),
        warnings=tuple(warnings))


def unit_economics_table(inputs: pd.DataFrame, **options) -> pd.DataFrame:
    """``unit_economics`` for each row of `inputs` (e.g. one per acquisition channel or segment).

    `inputs` has columns ``arpa`` and ``churn_rate`` and optionally ``cac``, ``gross_margin``, ``customers``,
    ``churn_events`` (a missing or NaN CAC means unknown for that row); `options` are passed on (e.g.
    ``gross_margin=0.7``, ``target_ratio=3``). Returns one row per input row, same index, with the numbers, the
    ``lifetime_capped`` flag and ``warnings`` joined into one string.
    """
    missing = [c for c in ("arpa", "churn_rate") if c not in inputs.columns]
    if missing:
        raise DataError(f"unit economics inputs: missing column(s) {', '.join(missing)}")
    rows = {}
    for key, row in inputs.iterrows():  # one row per channel or segment: a handful
        kwargs = dict(options)
        for column in ("cac", "gross_margin", "customers", "churn_events"):
            if column in inputs.columns and pd.notna(row[column]):
                kwargs[column] = int(row[column]) if column in ("customers", "churn_events") else float(row[column])
        result = unit_economics(row["arpa"], row["churn_rate"], **kwargs)
        rows[key] = {
            "arpa": result.arpa, "churn_rate": result.churn_rate, "lifetime_months": result.lifetime.months,
            "lifetime_capped": result.lifetime.capped, "ltv": result.ltv, "discounted_ltv": result.discounted_ltv,
            "simple_clv": result.simple_clv, "cac": result.cac, "ltv_to_cac": result.ltv_to_cac,
            "payback_months": result.payback_months, "max_affordable_cac": result.max_affordable_cac,
            "break_even_cac": result.break_even_cac, "rating": result.rating, "warnings": " ".join(result.warnings),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(inputs.index.name)

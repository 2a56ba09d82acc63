"""Customer-base KPIs by month and for the period, for both business models: their definitions, as frames built
from the small aggregates an engine returns (`clv_lib.insights.source_kpis` computes those aggregates).

Transactional (orders): active, new and returning customers, orders, revenue (new vs returning), AOV, purchase
frequency, days between orders, and a *lapse* churn: a customer is lapsed once more than a threshold of days has
passed since their last purchase; the threshold comes from the data (a high percentile of the days between
repeat purchases) or from the parameters, and the report states it.

Subscriptions: MRR, ARR, ARPA, customer (logo) churn, gross and net MRR churn, quick ratio, NRR and GRR, following
ChartMogul/Baremetrics conventions (see ``DEFINITIONS``): rates are per calendar month with the customers or MRR
at the start of the month as denominator; a trailing average (6 months, as ChartMogul's LTV uses) smooths volatile
months.

Months are whole calendar months up to the last complete one before the observation end (see
``clv_lib.summary.months``). In the monthly frames a rate is NaN only where its denominator is 0 (e.g. churn in the
first month, when nobody was a customer at its start); the period summaries are dataclasses whose undefined values
are None, never NaN, with warnings to print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.months import periods
from clv_lib.value.unit_economics import MIN_CHURN_EVENTS, MIN_CUSTOMERS, stability_warnings

#: Default months of the trailing churn average (ChartMogul's LTV uses six).
TRAILING_MONTHS = 6

DEFINITIONS: dict[str, str] = {
    "Active customers": "Customers with at least one order in the month.",
    "New customers": "Customers whose first order ever falls in the month; the others active are returning.",
    "AOV": "Average order value: revenue divided by orders.",
    "Purchase frequency": "Orders per active customer in the month (or in the period).",
    "Days between orders": "Days between consecutive purchase days of the same customer.",
    "Lapse threshold": "Days without a purchase after which a customer counts as lapsed (churned); by default the "
                       "90th percentile of the days between repeat purchases.",
    "Lapse churn rate": "Customers who lapse during the month divided by the customers not lapsed at its start.",
    "Customer churn rate": "Customers whose MRR drops to 0 in the month divided by the customers paying at the "
                           "start of the month (ChartMogul, Baremetrics).",
    "Gross MRR churn rate": "(Churned MRR + contraction MRR) divided by MRR at the start of the month.",
    "Net MRR churn rate": "(Churned + contraction - expansion - reactivation MRR) divided by MRR at the start of the "
                          "month; negative when expansion outweighs losses.",
    "Quick ratio": "(New + expansion + reactivation MRR) divided by (churned + contraction MRR).",
    "Trailing churn": "Average of the monthly rates of the last six months, including the month itself.",
}


# ------------------------------------------------------------------------------------------ transactional

def order_kpis_frame(first: int, last: int, active, new, orders_n, revenue, new_revenue) -> pd.DataFrame:
    """The ``order_kpis`` frame from per-month arrays (month numbers `first`..`last`): distinct active customers,
    customers acquired, orders, revenue and revenue of customers acquired that month. Shared by the in-memory and
    the engine paths, so both define the ratios the same way."""
    active, new, orders_n = (np.asarray(x, dtype=np.int64) for x in (active, new, orders_n))
    revenue, new_revenue = np.asarray(revenue, dtype=np.float64), np.asarray(new_revenue, dtype=np.float64)
    out = pd.DataFrame({
        "active_customers": active, "new_customers": new, "returning_customers": active - new,
        "orders": orders_n, "revenue": revenue, "new_revenue": new_revenue, "returning_revenue": revenue - new_revenue,
    }, index=pd.Index(periods(np.arange(first, last + 1)), name="month"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["aov"] = revenue / np.where(orders_n > 0, orders_n, np.nan)
        out["orders_per_customer"] = orders_n / np.where(active > 0, active, np.nan)
        out["revenue_per_customer"] = revenue / np.where(active > 0, active, np.nan)
    return out


@dataclass(frozen=True)
class LapseThreshold:
    """Days without a purchase after which a customer counts as lapsed."""

    days: int
    source: str  #: "data" (a quantile of the days between repeat purchases) or "params"
    quantile: float | None  #: the quantile used, when from data
    repeat_purchases: int  #: number of gaps the quantile was taken over
    warnings: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One sentence for the report."""
        if self.source == "params":
            return f"A customer counts as lapsed after {self.days} days without a purchase (set in the parameters)."
        return (f"A customer counts as lapsed after {self.days} days without a purchase: {self.quantile:.0%} of the "
                f"{self.repeat_purchases:,} repeat purchases came within {self.days} days of the previous one.")


def threshold_from_gaps(values, counts, *, quantile: float = 0.9, min_repeat_purchases: int = 100
                        ) -> LapseThreshold:
    """The data-driven ``LapseThreshold`` from a histogram of days between purchases (distinct `values`, their
    `counts`): what ``lapse_threshold`` computes, from an aggregate an engine can return."""
    n = int(np.sum(counts))
    if n == 0:
        raise DataError("orders: no customer bought twice, so no lapse threshold can be derived from the data; "
                        "set inactivity_days in the params (e.g. inactivity_days: 180)")
    value = max(1, int(math.ceil(quantile_of_counts(values, counts, quantile))))
    warnings = ()
    if n < min_repeat_purchases:
        warnings = (f"The lapse threshold rests on only {n} repeat purchases; consider setting it in the "
                    f"parameters.",)
    return LapseThreshold(days=value, source="data", quantile=quantile, repeat_purchases=n, warnings=warnings)


def quantile_of_counts(values, counts, q: float) -> float:
    """``np.quantile(x, q)`` (linear interpolation) of the sample in which each of `values` occurs `counts` times,
    without expanding it: the same arithmetic as numpy's, so the result is identical."""
    order = np.argsort(values, kind="stable")
    values = np.asarray(values, dtype=np.float64)[order]
    ends = np.cumsum(np.asarray(counts, dtype=np.int64)[order])
    n = int(ends[-1])
    virtual = (n - 1) * q  # numpy's virtual index for the linear method
    if virtual >= n - 1:
        return float(values[-1])
    lo = int(np.floor(virtual))
    t = virtual - lo
    a = values[np.searchsorted(ends, lo, side="right")]
    b = values[np.searchsorted(ends, lo + 1, side="right")]
    diff = b - a
    return float(b - diff * (1 - t) if t >= 0.5 else a + diff * t)


def lapse_churn_frame(first: int, last: int, new_months, returned_months, lapse_months, lapse_live_months, *,
                      trailing_months: int = TRAILING_MONTHS, min_customers: int = MIN_CUSTOMERS) -> pd.DataFrame:
    """The ``lapse_churn`` frame for months `first`..`last` from the month number of each event: first purchases,
    returns after a lapse, lapses, and lapses of customers live at the start of their month (numpy arrays, or
    (months, counts) pairs of an aggregate). Shared by the in-memory and the engine paths."""
    width = last - first + 1

    def per_month(months) -> np.ndarray:
        months, weights = months if isinstance(months, tuple) else (months, None)
        months = np.asarray(months, dtype=np.int64)
        keep = (months >= first) & (months <= last)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)[keep]
        return np.rint(np.bincount(months[keep] - first, weights=w, minlength=width)).astype(np.int64)

    new = per_month(new_months)
    back = per_month(returned_months)
    lapsed_all = per_month(lapse_months)
    lapsed = per_month(lapse_live_months)
    end = np.cumsum(new + back - lapsed_all)
    start = np.r_[0, end[:-1]]
    out = pd.DataFrame({"start_customers": start, "new_customers": new, "returned_customers": back,
                        "lapsed_customers": lapsed, "end_customers": end},
                       index=pd.Index(periods(np.arange(first, last + 1)), name="month"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["churn_rate"] = lapsed / np.where(start > 0, start, np.nan)
    out["churn_rate_trailing"] = trailing_mean(out["churn_rate"], trailing_months)
    out["churn_months_trailing"] = measured_months(out["churn_rate"], trailing_months)
    out["small_base"] = out["start_customers"] < min_customers
    return out


def trailing_mean(rates: pd.Series, months: int = TRAILING_MONTHS) -> pd.Series:
    """Mean of the last `months` defined monthly rates up to and including each month (fewer at the start)."""
    if int(months) != months or months < 1:
        raise ParamsError(f"trailing months must be a whole number >= 1, got {months}")
    return rates.rolling(int(months), min_periods=1).mean()


def measured_months(rates: pd.Series, months: int = TRAILING_MONTHS) -> pd.Series:
    """How many defined monthly rates `trailing_mean` averages at each month (fewer than `months` on a short
    history), so that a report can say which months a churn rate rests on."""
    return rates.rolling(int(months), min_periods=1).count().astype(np.int64)


@dataclass(frozen=True)
class OrderPeriodKpis:
    """Transactional KPIs over a reporting period of whole months (values per period unless stated)."""

    first_month: pd.Period
    last_month: pd.Period
    months: int
    customers: int  #: customers with an order in the period
    new_customers: int  #: of which acquired in the period
    orders: int
    revenue: float
    new_revenue: float
    returning_revenue: float
    aov: float | None  #: revenue / orders
    orders_per_customer: float | None  #: purchase frequency over the period
    repeat_customer_share: float | None  #: customers with two or more purchase days in the period / customers
    median_days_between_orders: float | None  #: over repeat purchases made in the period
    lapse_days: int | None  #: lapse threshold, when given
    monthly_churn_rate: float | None  #: mean of the monthly lapse churn rates in the period
    trailing_churn_rate: float | None  #: trailing mean at the period's last month
    monthly_revenue_per_customer: float | None  #: revenue per live customer per month (ARPA analogue)
    churn_events: int | None  #: lapses in the period
    churn_months: int | None = None  #: monthly churn rates measured in the period (months with live customers)
    trailing_churn_months: int | None = None  #: of which averaged by the trailing mean (at most TRAILING_MONTHS)
    warnings: tuple[str, ...] = field(default=())


def _period_months(start, first: int, last: int) -> int:
    if start is None:
        return first
    month = int(pd.Period(start, freq="M").ordinal)
    if month > last:
        raise ParamsError(f"period_start {pd.Period(start, freq='M')} is after the last complete month "
                          f"{periods([last])[0]}")
    return max(month, first)


def _none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def period_kpis_from_counts(start: int, last: int, *, customers: int, new_customers: int, orders: int,
                            revenue: float, new_revenue: float, repeat_customers: int, median_gap: float | None,
                            threshold: LapseThreshold | None, monthly_churn: pd.DataFrame | None) -> OrderPeriodKpis:
    """``OrderPeriodKpis`` for months `start`..`last` from the period's totals and the monthly lapse churn frame
    (``lapse_churn``, or None without a lapse threshold). Shared by the in-memory and the engine paths."""
    warnings = []
    churn = trailing = per_customer = events = lapse_days = churn_months = trailing_months = None
    if threshold is not None and monthly_churn is not None:
        lapse_days = threshold.days
        warnings += list(threshold.warnings)
        monthly = monthly_churn[monthly_churn.index >= periods([start])[0]]
        churn = _none(monthly["churn_rate"].mean())
        trailing = _none(monthly["churn_rate_trailing"].iloc[-1])
        churn_months = int(monthly["churn_rate"].notna().sum())
        trailing_months = int(monthly["churn_months_trailing"].iloc[-1])
        events = int(monthly["lapsed_customers"].sum())
        live = ((monthly["start_customers"] + monthly["end_customers"]) / 2).sum()
        per_customer = _none(revenue / live) if live > 0 else None
        warnings += list(stability_warnings(int(monthly["start_customers"].iloc[-1]), events))
    months = last - start + 1
    return OrderPeriodKpis(
        first_month=periods([start])[0], last_month=periods([last])[0], months=months,
        customers=customers, new_customers=new_customers, orders=orders, revenue=revenue,
        new_revenue=new_revenue, returning_revenue=revenue - new_revenue,
        aov=_none(revenue / orders), orders_per_customer=_none(orders / customers),
        repeat_customer_share=_none(repeat_customers / customers),
        median_days_between_orders=_none(median_gap) if median_gap is not None else None,
        lapse_days=lapse_days, monthly_churn_rate=churn, trailing_churn_rate=trailing,
        monthly_revenue_per_customer=per_customer, churn_events=events, churn_months=churn_months,
        trailing_churn_months=trailing_months, warnings=tuple(warnings))


# ------------------------------------------------------------------------------------------ subscriptions

def subscription_kpis_frame(bridge: pd.DataFrame, retention: pd.DataFrame, *, trailing_months: int = TRAILING_MONTHS,
                            min_customers: int = MIN_CUSTOMERS) -> pd.DataFrame:
    """The ``subscription_kpis`` frame from the MRR bridge and the revenue retention (`mrr_bridge`,
    `revenue_retention`, or their engine counterparts)."""
    out = bridge.copy()
    out["mrr"] = out["end_mrr"]
    out["arr"] = 12 * out["end_mrr"]
    out["customers"] = out["end_customers"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["arpa"] = out["end_mrr"] / out["end_customers"].where(out["end_customers"] > 0)
        start_n = out["start_customers"].where(out["start_customers"] > 0)
        start_mrr = out["start_mrr"].where(out["start_mrr"] > 0)
        out["logo_churn_rate"] = out["churned_customers"] / start_n
        out["gross_mrr_churn_rate"] = (out["churn"] + out["contraction"]) / start_mrr
        out["net_mrr_churn_rate"] = (out["churn"] + out["contraction"] - out["expansion"] - out["reactivation"]
                                     ) / start_mrr
        losses = out["churn"] + out["contraction"]
        out["quick_ratio"] = (out["new"] + out["expansion"] + out["reactivation"]) / losses.where(losses > 0)
    for name in ("logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate"):
        out[f"{name}_trailing"] = trailing_mean(out[name], trailing_months)
    out["logo_churn_months_trailing"] = measured_months(out["logo_churn_rate"], trailing_months)
    out["nrr"] = retention["nrr"].reindex(out.index)
    out["grr"] = retention["grr"].reindex(out.index)
    out["small_base"] = out["start_customers"] < min_customers
    return out


@dataclass(frozen=True)
class SubscriptionPeriodKpis:
    """Subscription KPIs over a reporting period of whole months; monthly rates unless stated."""

    first_month: pd.Period
    last_month: pd.Period
    months: int
    start_mrr: float
    end_mrr: float
    arr: float  #: 12 x end MRR
    start_customers: int
    end_customers: int
    arpa: float | None  #: end MRR / end customers, per month
    new_mrr: float  #: movements summed over the period
    expansion_mrr: float
    reactivation_mrr: float
    contraction_mrr: float
    churned_mrr: float
    new_customers: int
    churned_customers: int
    logo_churn_rate: float | None  #: mean of the monthly customer churn rates in the period
    logo_churn_rate_trailing: float | None  #: trailing mean at the last month (the LTV input)
    gross_mrr_churn_rate: float | None
    net_mrr_churn_rate: float | None
    quick_ratio: float | None  #: over the period's summed movements
    nrr: float | None  #: at the last month, over the retention window
    grr: float | None
    logo_churn_months: int = 0  #: monthly customer churn rates measured in the period
    logo_churn_months_trailing: int = 0  #: of which averaged by the trailing mean (at most TRAILING_MONTHS)
    warnings: tuple[str, ...] = field(default=())


def period_kpis_from_monthly(monthly: pd.DataFrame, *, period_start=None, window_months: int = 12,
                             min_customers: int = MIN_CUSTOMERS) -> SubscriptionPeriodKpis:
    """``subscription_period_kpis`` from the monthly KPI frame (`subscription_kpis`, in memory or from an engine)."""
    first = int(monthly.index[0].ordinal)
    last = int(monthly.index[-1].ordinal)
    start = _period_months(period_start, first, last)
    part = monthly[monthly.index >= periods([start])[0]]
    end_row = part.iloc[-1]
    losses = part["churn"].sum() + part["contraction"].sum()
    gains = part["new"].sum() + part["expansion"].sum() + part["reactivation"].sum()
    churned = int(part["churned_customers"].sum())
    warnings = list(stability_warnings(int(part["start_customers"].iloc[-1]), churned, min_customers=min_customers,
                                       min_events=MIN_CHURN_EVENTS))
    if pd.isna(end_row["nrr"]):
        warnings.append(f"Less than {window_months} months of history: NRR and GRR are not available.")
    return SubscriptionPeriodKpis(
        first_month=part.index[0], last_month=part.index[-1], months=len(part),
        start_mrr=float(part["start_mrr"].iloc[0]), end_mrr=float(end_row["end_mrr"]),
        arr=float(end_row["arr"]), start_customers=int(part["start_customers"].iloc[0]),
        end_customers=int(end_row["end_customers"]), arpa=_none(end_row["arpa"]),
        new_mrr=float(part["new"].sum()), expansion_mrr=float(part["expansion"].sum()),
        reactivation_mrr=float(part["reactivation"].sum()), contraction_mrr=float(part["contraction"].sum()),
        churned_mrr=float(part["churn"].sum()), new_customers=int(part["new_customers"].sum()),
        churned_customers=churned, logo_churn_rate=_none(part["logo_churn_rate"].mean()),
        logo_churn_rate_trailing=_none(end_row["logo_churn_rate_trailing"]),
        gross_mrr_churn_rate=_none(part["gross_mrr_churn_rate"].mean()),
        net_mrr_churn_rate=_none(part["net_mrr_churn_rate"].mean()),
        quick_ratio=_none(gains / losses) if losses > 0 else None,
        nrr=_none(end_row["nrr"]), grr=_none(end_row["grr"]),
        logo_churn_months=int(part["logo_churn_rate"].notna().sum()),
        logo_churn_months_trailing=int(end_row["logo_churn_months_trailing"]), warnings=tuple(warnings))

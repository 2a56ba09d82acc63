"""The KPIs of a client's orders or subscriptions, computed in the engine that holds them (`EngineOrders`,
`EngineSubscriptions`, see `clv_lib.summary.sources`): the engine computes small aggregates (per month, per purchase
gap) and the frames are assembled by the functions of `clv_lib.insights.kpis`, which define every ratio.

Orders: `monthly_kpis`, `gaps` (days between purchases), `lapse` (the lapse threshold), `churn` (monthly lapse
churn), `period_kpis`. Subscriptions: `subscription_monthly`, `subscription_period`. Each also takes cleaned rows in
memory (a DataFrame in the data contract), aggregated by DuckDB with the same expressions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.data.engines.query import count_if, money_sum
from clv_lib.exceptions import DataError, ParamsError
from clv_lib.insights import kpis
from clv_lib.summary.engine_orders import _day, _months_of_days, _number, _spread
from clv_lib.summary.months import last_complete_month, periods
from clv_lib.summary.engine_orders import EngineOrders
from clv_lib.summary.engine_subscriptions import EngineSubscriptions


def _orders(source) -> EngineOrders:
    """The orders' aggregations: an engine's, or DuckDB's over cleaned orders in memory."""
    return source if isinstance(source, EngineOrders) else EngineOrders.from_frame(source)


def gaps(source, observation_end) -> tuple[np.ndarray, np.ndarray]:
    """Days between consecutive purchase days of each customer (several orders on one day count once): the
    distinct gaps and how often each occurs."""
    source = _orders(source)
    return source.gap_histogram(source._upto(_day(observation_end)))


def monthly_kpis(source, observation_end) -> pd.DataFrame:
    """`kpis.order_kpis`: monthly active/new customers, orders, revenue, new revenue."""
    source = _orders(source)
    end, first, last = source.axis(observation_end)
    d = source._with_first(source._upto(end))
    inside = d.filter(d.m <= last)
    by_month = source._run(inside.group_by("m").aggregate(
        active=inside.customer_id.nunique(), orders=inside.n.sum(), revenue=money_sum(inside.s),
        new_revenue=money_sum(inside.s, where=inside.m == inside.fm)))
    firsts = d.filter(d.d == d.fd)
    firsts = firsts.filter(firsts.fm <= last)
    new = source._run(firsts.group_by("fm").aggregate(k=firsts.count()))
    width = last - first + 1
    arrays = {c: _spread(by_month["m"], by_month[c], first, width) for c in
              ("active", "orders", "revenue", "new_revenue")}
    return kpis.order_kpis_frame(first, last, arrays["active"], _spread(new["fm"], new["k"], first, width),
                                 arrays["orders"], arrays["revenue"], arrays["new_revenue"])


def lapse(source, observation_end, *, quantile: float = 0.9, days: int | None = None,
          min_repeat_purchases: int = 100) -> kpis.LapseThreshold:
    """`kpis.lapse_threshold`: `days`, or the `quantile` of days between purchases."""
    if days is not None:
        if int(days) != days or days < 1:
            raise ParamsError(f"lapse days must be a whole number >= 1, got {days}")
        return kpis.LapseThreshold(days=int(days), source="params", quantile=None, repeat_purchases=0)
    if not 0 < quantile < 1:
        raise ParamsError(f"lapse quantile must be in (0, 1), got {quantile}")
    source = _orders(source)
    values, counts = source.gap_histogram(source._upto(_day(observation_end)))
    return kpis.threshold_from_gaps(values, counts, quantile=quantile, min_repeat_purchases=min_repeat_purchases)


def churn(source, observation_end, threshold_days: int, **options) -> pd.DataFrame:
    """`kpis.lapse_churn` with the lapse rule of `threshold_days` days."""
    import ibis

    source = _orders(source)
    thr = _whole_days(threshold_days)
    end, first, last = source.axis(observation_end)
    counts = _churn_counts(source, source._upto(end).mutate(g=ibis.literal("")), thr)
    return _churn_frame(counts, "", first, last, thr, **options)


def _whole_days(threshold_days) -> int:
    if int(threshold_days) != threshold_days or threshold_days < 1:
        raise ParamsError(f"threshold_days must be a whole number >= 1, got {threshold_days}")
    return int(threshold_days)


def _churn_counts(source: EngineOrders, d, thr: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lapse events of the purchase days `d` (with a group column `g`, each customer in one group), counted
    per group and month: (first purchases and returns after a lapse; lapses by lapse day and month)."""
    import ibis

    w = ibis.window(group_by=d.customer_id, order_by=d.d)
    t = d.mutate(prev=d.d.lag().over(w), nxt=d.d.lead().over(w))
    t = t.mutate(first=t.prev.isnull(), returned=t.prev.notnull() & ((t.d - t.prev) > thr),
                 lapses=t.nxt.isnull() | ((t.nxt - t.d) > thr))
    events = source._run(t.group_by(["g", "m", "first", "returned"]).aggregate(k=t.count()))
    lapsed = t.filter(t.lapses)
    lapses = source._run(lapsed.group_by(g=lapsed.g, ld=lapsed.d + thr + 1, m=lapsed.m).aggregate(k=lapsed.count()))
    return events, lapses


def _churn_frame(counts, group: str, first: int, last: int, thr: int, **options) -> pd.DataFrame:
    """`kpis.lapse_churn_frame` of one group of `_churn_counts`."""
    events, lapses = (frame[frame["g"] == group] for frame in counts)
    lapse_month = _months_of_days(lapses["ld"].to_numpy(np.int64))
    live = lapses["m"].to_numpy(np.int64) < lapse_month
    k = lapses["k"].to_numpy(np.int64)
    new = events[events["first"].astype(bool)]
    back = events[events["returned"].astype(bool)]
    return kpis.lapse_churn_frame(first, last, (new["m"].to_numpy(np.int64), new["k"].to_numpy()),
                                  (back["m"].to_numpy(np.int64), back["k"].to_numpy()),
                                  (lapse_month, k), (lapse_month[live], k[live]), **options)


def period_kpis(source, observation_end, *, period_start=None, lapse_rule=None,
                monthly_churn: pd.DataFrame | None = None) -> kpis.OrderPeriodKpis:
    """`kpis.order_period_kpis` over the whole months from `period_start` to the last complete one; `lapse_rule`
    a `LapseThreshold` or a number of days (None: no lapse churn); `monthly_churn` the source's `churn` with that
    rule when it is already computed (the report's KPIs of the period and of the last 12 months share one)."""
    import ibis

    source = _orders(source)
    end, first, last = source.axis(observation_end)
    start = kpis._period_months(period_start, first, last)
    d = source._with_first(source._upto(end)).mutate(g=ibis.literal(""))
    threshold = _threshold(source, observation_end, lapse_rule)
    if threshold is not None and monthly_churn is None:
        monthly_churn = churn(source, observation_end, threshold.days)
    out = _period_kpis(source, d, {"": first}, start, last, threshold, {"": monthly_churn})
    if "" not in out:
        raise DataError(f"orders: no order between {periods([start])[0]} and {periods([last])[0]}")
    return out[""]


def period_kpis_by_channel(source: EngineOrders, observation_end, *, period_start=None,
                           lapse_rule=None) -> dict[str, kpis.OrderPeriodKpis]:
    """`period_kpis` of each acquisition channel's customers (the channel of their first purchase day; "(unknown)"
    when missing), as `period_kpis(source.restrict(channel), ...)` gives them one channel at a time, each channel
    from its own first month and with its own lapse churn; computed by grouped queries (a handful in all, however
    many channels). A channel without a complete month, or without an order in the period, is left out."""
    source = _orders(source)
    end = _day(observation_end)
    last = last_complete_month(pd.Timestamp(observation_end))
    d = source.by_acquisition(source._upto(end))
    firsts = source._run(d.group_by("g").aggregate(first=d.m.min()))
    firsts = {g: int(m) for g, m in zip(firsts["g"], firsts["first"]) if int(m) <= last}
    if not firsts:
        return {}
    lower = kpis._period_months(period_start, min(firsts.values()), last)  # each channel's rows start later
    threshold = _threshold(source, observation_end, lapse_rule)
    monthly = {}
    if threshold is not None:
        counts = _churn_counts(source, d, threshold.days)
        monthly = {g: _churn_frame(counts, g, first, last, threshold.days) for g, first in firsts.items()}
    return _period_kpis(source, d, firsts, lower, last, threshold, monthly)


def _threshold(source, observation_end, lapse_rule) -> kpis.LapseThreshold | None:
    if lapse_rule is None or isinstance(lapse_rule, kpis.LapseThreshold):
        return lapse_rule
    return lapse(source, observation_end, days=lapse_rule)


def _period_kpis(source: EngineOrders, d, firsts: dict, lower: int, last: int, threshold,
                 monthly: dict) -> dict[str, kpis.OrderPeriodKpis]:
    """The period KPIs of each group `g` of the purchase days `d` (with `fd`, `fm` and `g`; each customer in one
    group; `firsts` the groups' first months) over the months from each group's start to `last`, by grouped
    queries. A group starts at the later of `lower` (the period's start for the earliest group) and its first
    month, so one filter `m >= lower` serves all: every row of a group is in or after its first month, and so is
    each customer's first month `fm`."""
    inside = d.filter((d.m >= lower) & (d.m <= last))
    per = inside.group_by(["g", "customer_id"]).aggregate(
        pdays=inside.count(), n=inside.n.sum(), s=money_sum(inside.s), new_s=money_sum(inside.s, where=inside.fm >= lower))
    rows = source._run(per.group_by("g").aggregate(customers=per.count(), repeat=count_if(per.pdays >= 2),
                                                    orders=per.n.sum(), revenue=money_sum(per.s),
                                                    new_revenue=money_sum(per.new_s)))
    acquired = d.filter((d.d == d.fd) & (d.fm >= lower) & (d.fm <= last))
    new = source._run(acquired.group_by("g").aggregate(k=acquired.count()))
    new = dict(zip(new["g"], new["k"].astype(int)))
    gaps = source.gap_counts(inside.select("customer_id", "d", "g"), by=("g",))
    out = {}
    for row in rows.itertuples(index=False):
        if row.g not in firsts or not row.customers:
            continue
        start = max(lower, firsts[row.g])
        mine = gaps[gaps["g"] == row.g]
        values, counts = mine["gap"].to_numpy(np.int64), mine["k"].to_numpy(np.int64)
        out[row.g] = kpis.period_kpis_from_counts(
            start, last, customers=int(row.customers), new_customers=new.get(row.g, 0), orders=int(row.orders),
            revenue=float(row.revenue), new_revenue=_number(row.new_revenue), repeat_customers=int(row.repeat),
            median_gap=kpis.quantile_of_counts(values, counts, 0.5) if counts.sum() else None,
            threshold=threshold, monthly_churn=monthly.get(row.g) if threshold is not None else None)
    return out


# ------------------------------------------------------------------------------------------ subscriptions

def subscription_monthly(source, observation_end, *, trailing_months: int | None = None, window_months: int = 12,
                         min_customers: int | None = None) -> pd.DataFrame:
    """`kpis.subscription_kpis`: the MRR bridge plus the SaaS rates, from the source's bridge and retention."""
    trailing_months = kpis.TRAILING_MONTHS if trailing_months is None else trailing_months
    min_customers = kpis.MIN_CUSTOMERS if min_customers is None else min_customers
    source = source if isinstance(source, EngineSubscriptions) else EngineSubscriptions.from_frame(
        source, observation_end)
    return kpis.subscription_kpis_frame(source.bridge(observation_end),
                                        source.retention(observation_end, window_months),
                                        trailing_months=trailing_months, min_customers=min_customers)


def subscription_period(source, observation_end, *, period_start=None, window_months: int = 12,
                        **options) -> kpis.SubscriptionPeriodKpis:
    """`kpis.subscription_period_kpis` from the source's monthly KPIs."""
    monthly = subscription_monthly(source, observation_end, window_months=window_months, **options)
    return kpis.period_kpis_from_monthly(monthly, period_start=period_start, window_months=window_months,
                                         min_customers=options.get("min_customers") or kpis.MIN_CUSTOMERS)

"""The KPIs of a client's orders or subscriptions wherever they are aggregated: the cleaned frame in memory
(`FrameOrders`, `FrameSubscriptions`) or the engine that holds them (`EngineOrders`, `EngineSubscriptions`, see
`clv_lib.summary.sources`). The engine computes small aggregates (per month, per purchase gap) and the frames are
assembled by the same functions of `clv_lib.insights.kpis` as in memory, so both define every ratio the same way.

Orders: `monthly_kpis` (`order_kpis`), `lapse` (`lapse_threshold`), `churn` (`lapse_churn`), `period_kpis`
(`order_period_kpis`). Subscriptions: `subscription_monthly` (`subscription_kpis`), `subscription_period`
(`subscription_period_kpis`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.data.engines.query import count_if
from clv_lib.exceptions import DataError, ParamsError
from clv_lib.insights import kpis
from clv_lib.summary.engine_orders import _day, _months_of_days, _number, _spread
from clv_lib.summary.months import periods
from clv_lib.summary.sources import FrameOrders, FrameSubscriptions


def monthly_kpis(source, observation_end) -> pd.DataFrame:
    """`kpis.order_kpis`: monthly active/new customers, orders, revenue, new revenue."""
    if isinstance(source, FrameOrders):
        return kpis.order_kpis(source.frame, observation_end)
    end, first, last = source.axis(observation_end)
    d = source._with_first(source._upto(end))
    inside = d.filter(d.m <= last)
    by_month = source._run(inside.group_by("m").aggregate(
        active=inside.customer_id.nunique(), orders=inside.n.sum(), revenue=inside.s.sum(),
        new_revenue=inside.s.sum(where=inside.m == inside.fm)))
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
    if isinstance(source, FrameOrders):
        return kpis.lapse_threshold(source.frame, observation_end, quantile=quantile, days=days,
                                    min_repeat_purchases=min_repeat_purchases)
    if days is not None:
        return kpis.lapse_threshold(None, observation_end, days=days)
    values, counts = source.gap_histogram(source._upto(_day(observation_end)))
    return kpis.threshold_from_gaps(values, counts, quantile=quantile, min_repeat_purchases=min_repeat_purchases)


def churn(source, observation_end, threshold_days: int, **options) -> pd.DataFrame:
    """`kpis.lapse_churn` with the lapse rule of `threshold_days` days."""
    import ibis

    if isinstance(source, FrameOrders):
        return kpis.lapse_churn(source.frame, observation_end, threshold_days, **options)
    if int(threshold_days) != threshold_days or threshold_days < 1:
        raise ParamsError(f"threshold_days must be a whole number >= 1, got {threshold_days}")
    end, first, last = source.axis(observation_end)
    d = source._upto(end)
    w = ibis.window(group_by=d.customer_id, order_by=d.d)
    t = d.mutate(prev=d.d.lag().over(w), nxt=d.d.lead().over(w))
    thr = int(threshold_days)
    t = t.mutate(first=t.prev.isnull(), returned=t.prev.notnull() & ((t.d - t.prev) > thr),
                 lapses=t.nxt.isnull() | ((t.nxt - t.d) > thr))
    events = source._run(t.group_by(["m", "first", "returned"]).aggregate(k=t.count()))
    lapsed = t.filter(t.lapses)
    lapse_rows = source._run(lapsed.group_by(ld=lapsed.d + thr + 1, m=lapsed.m).aggregate(k=lapsed.count()))
    lapse_month = _months_of_days(lapse_rows["ld"].to_numpy(np.int64))
    live = lapse_rows["m"].to_numpy(np.int64) < lapse_month
    k = lapse_rows["k"].to_numpy(np.int64)
    new = events[events["first"].astype(bool)]
    back = events[events["returned"].astype(bool)]
    return kpis.lapse_churn_frame(first, last, (new["m"].to_numpy(np.int64), new["k"].to_numpy()),
                                  (back["m"].to_numpy(np.int64), back["k"].to_numpy()),
                                  (lapse_month, k), (lapse_month[live], k[live]), **options)


def period_kpis(source, observation_end, *, period_start=None, lapse_rule=None) -> kpis.OrderPeriodKpis:
    """`kpis.order_period_kpis` over the whole months from `period_start` to the last complete one; `lapse_rule`
    a `LapseThreshold` or a number of days (None: no lapse churn)."""
    if isinstance(source, FrameOrders):
        return kpis.order_period_kpis(source.frame, observation_end, period_start=period_start, lapse=lapse_rule)
    end, first, last = source.axis(observation_end)
    start = kpis._period_months(period_start, first, last)
    d = source._with_first(source._upto(end))
    inside = d.filter((d.m >= start) & (d.m <= last))
    per = inside.group_by("customer_id").aggregate(pdays=inside.count(), n=inside.n.sum(), s=inside.s.sum(),
                                                   new_s=inside.s.sum(where=inside.fm >= start))
    row = source._run(per.aggregate(customers=per.count(), repeat=count_if(per.pdays >= 2),
                                    orders=per.n.sum(), revenue=per.s.sum(), new_revenue=per.new_s.sum())).iloc[0]
    if not row["customers"]:
        raise DataError(f"orders: no order between {periods([start])[0]} and {periods([last])[0]}")
    firsts = d.filter((d.d == d.fd) & (d.fm >= start) & (d.fm <= last))
    new_customers = int(source._run(firsts.count()))
    values, counts = source.gap_histogram(inside.select("customer_id", "d"))
    monthly = threshold = None
    if lapse_rule is not None:
        threshold = lapse_rule if isinstance(lapse_rule, kpis.LapseThreshold) else lapse(
            source, observation_end, days=lapse_rule)
        monthly = churn(source, observation_end, threshold.days)
    return kpis.period_kpis_from_counts(
        start, last, customers=int(row["customers"]), new_customers=new_customers, orders=int(row["orders"]),
        revenue=float(row["revenue"]), new_revenue=_number(row["new_revenue"]),
        repeat_customers=int(row["repeat"]),
        median_gap=kpis.quantile_of_counts(values, counts, 0.5) if counts.sum() else None,
        threshold=threshold, monthly_churn=monthly)


# ------------------------------------------------------------------------------------------ subscriptions

def subscription_monthly(source, observation_end, *, trailing_months: int | None = None, window_months: int = 12,
                         min_customers: int | None = None) -> pd.DataFrame:
    """`kpis.subscription_kpis`: the MRR bridge plus the SaaS rates, from the source's bridge and retention."""
    trailing_months = kpis.TRAILING_MONTHS if trailing_months is None else trailing_months
    min_customers = kpis.MIN_CUSTOMERS if min_customers is None else min_customers
    if isinstance(source, FrameSubscriptions):
        return kpis.subscription_kpis(source.events(observation_end), observation_end,
                                      trailing_months=trailing_months, window_months=window_months,
                                      min_customers=min_customers)
    return kpis.subscription_kpis_frame(source.bridge(observation_end),
                                        source.retention(observation_end, window_months),
                                        trailing_months=trailing_months, min_customers=min_customers)


def subscription_period(source, observation_end, *, period_start=None, window_months: int = 12,
                        **options) -> kpis.SubscriptionPeriodKpis:
    """`kpis.subscription_period_kpis` from the source's monthly KPIs."""
    monthly = subscription_monthly(source, observation_end, window_months=window_months, **options)
    return kpis.period_kpis_from_monthly(monthly, period_start=period_start, window_months=window_months,
                                         min_customers=options.get("min_customers") or kpis.MIN_CUSTOMERS)

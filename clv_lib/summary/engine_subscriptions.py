"""Subscription aggregations computed by the engine: the MRR bridge, revenue retention, KPIs, current MRR per
customer and cohort cells, one row per month, customer or cohort cell back.

`EngineSubscriptions` wraps the cleaned subscription segments as a lazy Ibis table (see `clean_subscriptions.py`)
and offers the methods of the in-memory `FrameSubscriptions` (see `sources.py`) with the same results. The work is
shared through one table cached in the engine per observation end, the **MRR events**: one row per customer and
month whose month-end MRR changed, with the MRR before and after and the ChartMogul class of the change, computed
as `clv_lib.summary.mrr.mrr_events` computes it:

* each segment with MRR > 0 that is active at a month end adds its MRR at the end of its start month and removes
  it at the end of the month its end date falls in (an end after the observation end is not known yet: active);
* a customer's running sum of these steps (a window over months) is the month-end MRR; sums within a millionth of
  0 are 0 and smaller changes are not changes;
* the class: the customer's first change is new; from 0 is reactivation; to 0 is churn; up is expansion; down is
  contraction.

Every result is then a GROUP BY of the events (the bridge per month and class; the cohort cells per acquisition and
calendar month; the latest level per customer), and revenue retention a GROUP BY of each customer's pairs of MRR
levels (the in-memory difference arrays, added per month by the engine). The frames are assembled by the same
functions as in memory (`bridge_frame`, `retention_frame`, `subscription_kpis_frame`, `subscription_cells_from`).

The tenure and retention models (sBG) need each customer's segments: the data layer brings the cleaned segments back,
one row per segment (of the order of the number of customers, not of events).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from clv_lib.data.engines.query import cache, count_if, run
from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.engine_orders import EPOCH_MONTH, _day
from clv_lib.summary.months import last_complete_month, periods
from clv_lib.summary.mrr import CHURN, CONTRACTION, EXPANSION, MOVEMENTS, NEW, REACTIVATION, TOLERANCE


@dataclass(frozen=True)
class Events:
    """The MRR events of one observation end: the cached Ibis table and the month axis."""

    table: object  #: customer_id, m, before, after, kind, k (rank within the customer), level_end
    first_month: int
    last_month: int
    n_events: int
    end_day: int


class EngineSubscriptions:
    """Cleaned subscription segments held by an engine (`segments`: Ibis table in the cleaned-subscriptions
    contract, dates as DATE), aggregated there. `engine` and `label` name it in messages."""

    def __init__(self, segments, engine: str, label: str, *, has_channel: bool = False):
        self.segments = segments
        self.engine = engine
        self.label = label
        self.has_channel = has_channel
        self._events: dict[int, Events] = {}
        self._monthly: dict[tuple, pd.DataFrame] = {}  # bridges and monthly KPIs already computed

    @classmethod
    def from_frame(cls, segments: pd.DataFrame, observation_end=None, label: str = "subscriptions"
                   ) -> "EngineSubscriptions":
        """Cleaned subscription segments in memory (the subscriptions contract) aggregated by DuckDB, embedded: the
        same expressions as for any engine. DataError naming the column when the frame breaks the contract."""
        import ibis

        from clv_lib.summary.encoding import encode_subscriptions

        if observation_end is not None:
            encode_subscriptions(segments, observation_end)  # the contract's checks, with their messages
        frame = pd.DataFrame({"customer_id": segments["customer_id"].astype(str).to_numpy(dtype=object),
                              "start_date": segments["start_date"].to_numpy(dtype="datetime64[us]"),
                              "end_date": segments["end_date"].to_numpy(dtype="datetime64[us]"),
                              "mrr": segments["mrr"].to_numpy(dtype=np.float64)})
        con = ibis.duckdb.connect()
        table = con.create_table("segments", frame)
        table = table.mutate(start_date=table.start_date.date(), end_date=table.end_date.date())
        out = cls(table, "duckdb", label, has_channel=False)
        out.backend = con
        return out

    # ---- shared tables --------------------------------------------------------------------------------------
    @cached_property
    def table(self):
        """The segments as integers, cached in the engine: customer_id, s and e (day numbers, e NULL = open), sm
        and em (month numbers), mrr."""
        t = self.segments
        t = t.select("customer_id", "mrr", s=t.start_date.epoch_days().cast("int64"),
                     e=t.end_date.epoch_days().cast("int64"), sm=_month_of(t.start_date).cast("int64"),
                     em=_month_of(t.end_date).cast("int64"))
        return cache(t, self.engine)

    def _run(self, expr) -> pd.DataFrame:
        return run(expr, self.engine, f"aggregating {self.label}")

    def events(self, observation_end) -> Events:
        """The MRR events up to the last complete month before `observation_end` (see the module docstring)."""
        import ibis

        end = _day(observation_end)
        if end in self._events:
            return self._events[end]
        last = last_complete_month(pd.Timestamp(observation_end))
        seg = self.table.filter(self.table.s <= end)
        em = ibis.cases((seg.e.notnull() & (seg.e <= end), seg.em), else_=ibis.null("int64"))
        seg = seg.mutate(em=em)
        active = (seg.mrr > 0) & (seg.em.isnull() | (seg.sm < seg.em)) & (seg.sm <= last)
        live = seg.filter(active)
        axis = self._run(seg.aggregate(n=seg.count(), first=seg.sm.min(where=active)))
        first = axis["first"].iloc[0]
        if pd.isna(first):
            raise DataError(f"subscriptions: no subscription with MRR > 0 is active at a month end up to "
                            f"{periods([last])[0]} ({int(axis['n'].iloc[0]):,} segments)")
        starts = live.select("customer_id", m=live.sm.cast("int64"), delta=live.mrr.cast("float64"))
        stops = live.filter(live.em.notnull() & (live.em <= last))
        stops = stops.select("customer_id", m=stops.em.cast("int64"), delta=-stops.mrr.cast("float64"))
        steps = starts.union(stops, distinct=False)
        steps = steps.group_by(["customer_id", "m"]).aggregate(delta=steps.delta.sum())
        running = steps.delta.sum().over(ibis.window(group_by=steps.customer_id, order_by=steps.m, preceding=None,
                                                     following=0))
        t = steps.mutate(after=running)
        t = t.mutate(after=ibis.cases((t.after.abs() < TOLERANCE, ibis.literal(0.0, "float64")), else_=t.after))
        prev = t.after.lag().over(ibis.window(group_by=t.customer_id, order_by=t.m))
        t = t.mutate(before=ibis.coalesce(prev, ibis.literal(0.0, "float64")))
        t = t.filter((t.after - t.before).abs() >= TOLERANCE)
        w = ibis.window(group_by=t.customer_id, order_by=t.m)
        t = t.mutate(k=ibis.row_number().over(w), nxt=t.m.lead().over(w))
        kind = ibis.cases((t.k == 0, NEW), (t.before == 0, REACTIVATION), (t.after == 0, CHURN),
                          (t.after > t.before, EXPANSION), else_=CONTRACTION)
        t = t.select("customer_id", "m", "before", "after", "k", kind=kind,
                     level_end=ibis.coalesce(t.nxt, ibis.literal(last + 1, "int64")))
        t = cache(t, self.engine)
        n = int(self._run(t.count()))
        self._events[end] = Events(t, int(first), last, n, end)
        return self._events[end]

    # ---- MRR movements and KPIs -------------------------------------------------------------------------------
    def bridge(self, observation_end) -> pd.DataFrame:
        """`clv_lib.summary.mrr.mrr_bridge`: one row per month and movement class back from the engine."""
        from clv_lib.summary.mrr import bridge_frame

        ev = self.events(observation_end)
        if ("bridge", ev.end_day) in self._monthly:
            return self._monthly[("bridge", ev.end_day)].copy()
        t = ev.table
        got = self._run(t.group_by(["m", "kind"]).aggregate(amount=(t.after - t.before).abs().sum(), k=t.count()))
        width = ev.last_month - ev.first_month + 1
        index = got["m"].to_numpy(np.int64) - ev.first_month
        kind = got["kind"].to_numpy(np.int64)
        amounts, counts = {}, {}
        for code, name in enumerate(MOVEMENTS):
            mask = kind == code
            amounts[name] = np.bincount(index[mask], weights=got["amount"].to_numpy(np.float64)[mask],
                                        minlength=width)
            counts[name] = np.bincount(index[mask], weights=got["k"].to_numpy(np.float64)[mask],
                                       minlength=width).astype(np.int64)
        self._monthly[("bridge", ev.end_day)] = bridge_frame(ev.first_month, ev.last_month, amounts, counts,
                                                             ev.n_events)
        return self._monthly[("bridge", ev.end_day)].copy()

    def retention(self, observation_end, window_months: int = 12) -> pd.DataFrame:
        """`clv_lib.summary.mrr.revenue_retention`: the pairs of each customer's MRR levels (a self-join of the
        events) added per month by the engine; two rows per month back."""
        import ibis

        from clv_lib.summary.mrr import empty_retention, retention_frame, spread

        if window_months < 1:
            raise ParamsError(f"window_months must be at least 1, got {window_months}")
        ev = self.events(observation_end)
        w = int(window_months)
        first_m = ev.first_month + w
        months = np.arange(first_m, ev.last_month + 1)
        if len(months) == 0:
            return empty_retention(months)
        t = ev.table
        a = t.filter(t.after > 0).select(ci="customer_id", ki="k", mi="m", ei="level_end", ai="after")
        b = t.select(cj="customer_id", kj="k", mj="m", ej="level_end", aj="after")
        p = a.join(b, (a.ci == b.cj) & (b.kj >= a.ki))
        lo = ibis.greatest(p.mi + w, p.mj, ibis.literal(first_m, "int64"))
        hi = ibis.least(p.ei + w, p.ej, ibis.literal(ev.last_month + 1, "int64"))
        p = p.mutate(lo=lo, hi=hi, capped=ibis.least(p.ai, p.aj),
                     paying=ibis.cases((p.aj > 0, 1.0), else_=0.0))
        p = p.filter(p.lo < p.hi)
        sides = [p.select(side=ibis.literal(i), key=p[key], aj="aj", capped="capped", paying="paying")
                 for i, key in enumerate(("lo", "hi"))]
        both = sides[0].union(sides[1], distinct=False)
        got = self._run(both.group_by(["side", "key"]).aggregate(aj=both.aj.sum(), capped=both.capped.sum(),
                                                                 paying=both.paying.sum()))
        low, high = got[got["side"] == 0], got[got["side"] == 1]
        spreads = {name: spread(low["key"].to_numpy(np.int64) - first_m, low[column].to_numpy(np.float64),
                                high["key"].to_numpy(np.int64) - first_m, high[column].to_numpy(np.float64),
                                len(months))
                   for name, column in (("retained_mrr", "aj"), ("retained_mrr_capped", "capped"),
                                        ("retained_customers", "paying"))}
        return retention_frame(ev.first_month, ev.last_month, w, self.bridge(observation_end), spreads, ev.n_events)

    def changes(self, observation_end) -> pd.DataFrame:
        """Tidy customer-level MRR changes: one row per customer and month whose month-end MRR changed, sorted by
        customer and month: ``customer_id``, ``month`` (Period[M]), ``movement`` (one of ``MOVEMENTS``),
        ``mrr_before``, ``mrr_after`` and ``amount`` (the size of the movement, >= 0)."""
        t = self.events(observation_end).table
        got = self._run(t.select("customer_id", "m", "before", "after", "kind").order_by(["customer_id", "m"]))
        before, after = got["before"].to_numpy(np.float64), got["after"].to_numpy(np.float64)
        return pd.DataFrame({
            "customer_id": got["customer_id"].astype(str).to_numpy(), "month": periods(got["m"].to_numpy(np.int64)),
            "movement": pd.Categorical.from_codes(got["kind"].to_numpy(np.int64), categories=list(MOVEMENTS)),
            "mrr_before": before, "mrr_after": after, "amount": np.abs(after - before)})

    def current_mrr(self, observation_end, month=None) -> pd.Series:
        """`clv_lib.summary.mrr.customer_mrr`: each customer's MRR at the end of `month` (default the last complete
        month), 0 without MRR then; one row per customer back, sorted by customer id."""
        import ibis

        ev = self.events(observation_end)
        target = ev.last_month if month is None else int(pd.Period(month, freq="M").ordinal)
        if target > ev.last_month:
            raise ParamsError(f"month {periods([target])[0]} is after the last complete month "
                              f"{periods([ev.last_month])[0]} before the observation end")
        t = ev.table.filter(ev.table.m <= target)
        latest = ibis.row_number().over(ibis.window(group_by=t.customer_id, order_by=ibis.desc(t.m)))
        level = t.mutate(r=latest).filter(lambda x: x.r == 0).select(lc="customer_id", level="after")
        customers = self.table.filter(self.table.s <= ev.end_day).select("customer_id").distinct()
        joined = customers.left_join(level, customers.customer_id == level.lc)
        got = self._run(joined.select("customer_id", mrr=ibis.coalesce(joined.level, ibis.literal(0.0, "float64"))))
        out = pd.Series(got["mrr"].astype("float64").to_numpy(),
                        index=pd.Index(got["customer_id"].astype(str).to_numpy(), name="customer_id"), name="mrr")
        return out.sort_index()

    def cohort_cells(self, observation_end) -> pd.DataFrame:
        """`clv_lib.summary.cohorts.subscription_cohort_cells`: changes per acquisition and calendar month (the
        cohort is the month of the customer's first MRR), one row per pair back."""
        import ibis

        from clv_lib.summary.cohorts import subscription_cells_from

        ev = self.events(observation_end)
        t = ev.table
        t = t.mutate(cohort=t.m.min().over(ibis.window(group_by=t.customer_id)),
                     step=ibis.cases((t.kind.isin([NEW, REACTIVATION]), 1), (t.kind == CHURN, -1), else_=0))
        got = self._run(t.group_by(["cohort", "m"]).aggregate(step=t.step.sum(), delta=(t.after - t.before).sum(),
                                                              new=count_if(t.kind == NEW)))
        width = ev.last_month - ev.first_month + 1
        cohort = got["cohort"].to_numpy(np.int64) - ev.first_month
        month = got["m"].to_numpy(np.int64) - ev.first_month
        size = np.bincount(month, weights=got["new"].to_numpy(np.float64), minlength=width).astype(np.int64)
        return subscription_cells_from(ev.first_month, ev.last_month, size, cohort, month,
                                       got["step"].to_numpy(np.float64), got["delta"].to_numpy(np.float64))


def _month_of(date_col):
    return date_col.year() * 12 + date_col.month() - 1 - EPOCH_MONTH

"""Where the aggregations run: `FrameOrders`/`FrameSubscriptions` in memory (the cleaned frame), `EngineOrders`/
`EngineSubscriptions` in an engine.

The analysis pipeline asks its source for summaries, never for the raw orders, so a client whose orders stay in
PostgreSQL, Spark or a large Parquet file gets the same report as one whose export fits in memory. Both classes
offer the same methods with the same results (tests assert equality); the KPIs built on them are
`clv_lib.insights.source_kpis`:

==========================  =====================================================================
``summary(end, unit)``      RFM summary per customer (`clv_lib.summary.rfm_summary`)
``holdout(cal, end, unit)`` calibration/holdout summary (`calibration_holdout_summary`)
``history(end)``            orders, revenue, first/last order, channel per customer (`customer_history`)
``tracking(cal, end)``      cumulative holdout purchase days of the calibration customers
``cohort_cells(end, by=)``  acquisition cohort cells (`order_cohort_cells`)
``restrict(channel)``       the same source limited to the customers acquired through a channel
``totals()``                orders, revenue, customers, first and last order date
==========================  =====================================================================

and for subscriptions (`FrameSubscriptions`, `EngineSubscriptions`):

==============================  =================================================================
``bridge(end)``                 monthly MRR bridge (`clv_lib.summary.mrr.mrr_bridge`)
``retention(end, window)``      net and gross revenue retention (`revenue_retention`)
``current_mrr(end, month=)``    MRR per customer at a month end (`customer_mrr`)
``cohort_cells(end)``           acquisition cohort cells (`subscription_cohort_cells`)
``frame()``                     the cleaned segments, one row per segment (tenure models)
==============================  =================================================================
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd


class FrameOrders:
    """Cleaned orders in memory (the data contract's frame), aggregated by the library's numpy/DuckDB functions."""

    engine = "memory"

    def __init__(self, frame: pd.DataFrame, label: str = "orders"):
        self.frame = frame
        self.label = label

    @property
    def has_channel(self) -> bool:
        return "channel" in self.frame.columns

    def totals(self) -> dict:
        f = self.frame
        dates = f["order_date"]
        return {"orders": len(f), "revenue": float(f["amount"].sum()), "customers": int(f["customer_id"].nunique()),
                "first_date": dates.min() if len(f) else None, "last_date": dates.max() if len(f) else None}

    def restrict(self, channel: str) -> "FrameOrders":
        ids = self._channels.index[self._channels == channel]
        return FrameOrders(self.frame[self.frame["customer_id"].isin(ids)], f"{self.label} (channel {channel})")

    @cached_property
    def _channels(self) -> pd.Series:
        from clv_lib.summary.customers import customer_history

        return customer_history(self.frame, self.frame["order_date"].max())["channel"]

    def summary(self, observation_end, time_unit: str = "D") -> pd.DataFrame:
        from clv_lib.summary import rfm_summary

        return rfm_summary(self.frame, observation_end=observation_end, time_unit=time_unit)

    def holdout(self, calibration_end, observation_end, time_unit: str = "D") -> pd.DataFrame:
        from clv_lib.summary import calibration_holdout_summary

        return calibration_holdout_summary(self.frame, calibration_end, observation_end, time_unit=time_unit)

    def history(self, observation_end) -> pd.DataFrame:
        from clv_lib.summary.customers import customer_history

        return customer_history(self.frame, observation_end)

    def tracking(self, calibration_end, observation_end, step_days: int = 7) -> pd.Series:
        from clv_lib.summary.customers import holdout_tracking

        f = self.frame
        customers = pd.Index(f.loc[f["order_date"] <= pd.Timestamp(calibration_end), "customer_id"].unique())
        return holdout_tracking(f, calibration_end, observation_end, customers, step_days=step_days)

    def cohort_cells(self, observation_end, *, by: str | None = None) -> pd.DataFrame:
        from clv_lib.summary.cohorts import order_cohort_cells

        return order_cohort_cells(self.frame, observation_end, by=by)


class FrameSubscriptions:
    """Cleaned subscription segments in memory; the MRR events are built once per observation end and shared."""

    engine = "memory"

    def __init__(self, segments: pd.DataFrame, label: str = "subscriptions"):
        self.segments = segments
        self.label = label
        self._events: dict = {}

    @property
    def has_channel(self) -> bool:
        return "channel" in self.segments.columns

    def frame(self) -> pd.DataFrame:
        return self.segments

    def events(self, observation_end):
        """`clv_lib.summary.mrr.mrr_events` of the segments (cached per observation end)."""
        from clv_lib.summary.mrr import mrr_events

        key = pd.Timestamp(observation_end)
        if key not in self._events:
            self._events[key] = mrr_events(self.segments, observation_end)
        return self._events[key]

    def bridge(self, observation_end) -> pd.DataFrame:
        from clv_lib.summary.mrr import mrr_bridge

        return mrr_bridge(self.events(observation_end), observation_end)

    def retention(self, observation_end, window_months: int = 12) -> pd.DataFrame:
        from clv_lib.summary.mrr import revenue_retention

        return revenue_retention(self.events(observation_end), observation_end, window_months)

    def current_mrr(self, observation_end, month=None) -> pd.Series:
        from clv_lib.summary.mrr import customer_mrr

        return customer_mrr(self.events(observation_end), observation_end, month).sort_index()

    def cohort_cells(self, observation_end) -> pd.DataFrame:
        from clv_lib.summary.cohorts import subscription_cohort_cells

        return subscription_cohort_cells(self.events(observation_end), observation_end)


def order_source(data):
    """Where the order aggregations of loaded data run: the engine holding them (`EngineOrders`) or the cleaned
    frame in memory (`FrameOrders`)."""
    from clv_lib.summary.engine_orders import EngineOrders

    table = getattr(data, "table", None)
    if table is None:
        return FrameOrders(data.frame)
    orders = EngineOrders(table, data.source.engine, data.source.display, has_channel=bool(data.mapping.get("channel")))
    orders.backend = data.backend
    return orders


def subscription_source(data):
    """Where the subscription aggregations of loaded data run (`EngineSubscriptions` or `FrameSubscriptions`)."""
    from clv_lib.summary.engine_subscriptions import EngineSubscriptions

    table = getattr(data, "table", None)
    if table is None:
        return FrameSubscriptions(data.frame)
    segments = EngineSubscriptions(table, data.source.engine, data.source.display,
                                   has_channel=bool(data.mapping.get("channel")))
    segments.backend = data.backend
    return segments

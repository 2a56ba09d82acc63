"""Where the aggregations run: `FrameOrders`/`FrameSubscriptions` in memory (the cleaned frame), `EngineOrders`/
`EngineSubscriptions` in an engine.

The analysis pipeline asks its source for summaries, never for the raw orders, so a client whose orders stay in
PostgreSQL, Spark or a large Parquet file gets the same report as one whose export fits in memory. Both classes
offer the same methods with the same results (tests assert equality):

==========================  =====================================================================
``summary(end, unit)``      RFM summary per customer (`clv_lib.summary.rfm_summary`)
``holdout(cal, end, unit)`` calibration/holdout summary (`calibration_holdout_summary`)
``history(end)``            orders, revenue, first/last order, channel per customer (`customer_history`)
``tracking(cal, end)``      cumulative holdout purchase days of the calibration customers
``kpis(end)``               monthly KPIs (`order_kpis`)
``lapse(end, days=)``       lapse threshold (`lapse_threshold`)
``churn(end, days)``        monthly lapse churn (`lapse_churn`)
``period_kpis(end, ...)``   KPIs over a period (`order_period_kpis`)
``cohort_cells(end, by=)``  acquisition cohort cells (`order_cohort_cells`)
``restrict(channel)``       the same source limited to the customers acquired through a channel
``totals()``                orders, revenue, customers, first and last order date
==========================  =====================================================================

and for subscriptions (`FrameSubscriptions`, `EngineSubscriptions`):

==============================  =================================================================
``bridge(end)``                 monthly MRR bridge (`clv_lib.summary.mrr.mrr_bridge`)
``retention(end, window)``      net and gross revenue retention (`revenue_retention`)
``monthly(end)``                monthly SaaS KPIs (`clv_lib.insights.kpis.subscription_kpis`)
``period_kpis(end, ...)``       KPIs over a period (`subscription_period_kpis`)
``current_mrr(end, month=)``    MRR per customer at a month end (`customer_mrr`)
``cohort_cells(end)``           acquisition cohort cells (`subscription_cohort_cells`)
``frame()``                     the cleaned segments, one row per segment (tenure models)
==============================  =================================================================
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
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

    def kpis(self, observation_end) -> pd.DataFrame:
        from clv_lib.insights.kpis import order_kpis

        return order_kpis(self.frame, observation_end)

    def lapse(self, observation_end, **options):
        from clv_lib.insights.kpis import lapse_threshold

        return lapse_threshold(self.frame, observation_end, **options)

    def churn(self, observation_end, threshold_days: int, **options) -> pd.DataFrame:
        from clv_lib.insights.kpis import lapse_churn

        return lapse_churn(self.frame, observation_end, threshold_days, **options)

    def period_kpis(self, observation_end, *, period_start=None, lapse=None):
        from clv_lib.insights.kpis import order_period_kpis

        return order_period_kpis(self.frame, observation_end, period_start=period_start, lapse=lapse)

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

    def monthly(self, observation_end, **options) -> pd.DataFrame:
        from clv_lib.insights.kpis import subscription_kpis

        return subscription_kpis(self.events(observation_end), observation_end, **options)

    def period_kpis(self, observation_end, *, period_start=None, **options):
        from clv_lib.insights.kpis import subscription_period_kpis

        return subscription_period_kpis(self.events(observation_end), observation_end, period_start=period_start,
                                        **options)

    def current_mrr(self, observation_end, month=None) -> pd.Series:
        from clv_lib.summary.mrr import customer_mrr

        return customer_mrr(self.events(observation_end), observation_end, month).sort_index()

    def cohort_cells(self, observation_end) -> pd.DataFrame:
        from clv_lib.summary.cohorts import subscription_cohort_cells

        return subscription_cohort_cells(self.events(observation_end), observation_end)


def patterns(summary: pd.DataFrame) -> pd.DataFrame:
    """Distinct (frequency, recency, T) rows of an RFM summary with their number of customers (`weights`): what
    the models fit on (they collapse identical customers the same way), a few thousand rows for millions of
    customers measured in days."""
    keys = ["frequency", "recency", "T"]
    out = summary.groupby(keys, sort=True).size().rename("weights").reset_index()
    out["weights"] = out["weights"].astype(np.float64)
    return out

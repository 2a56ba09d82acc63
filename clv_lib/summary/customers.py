"""Per-customer purchase history from cleaned orders: the descriptive side of the customer table.

Complements `rfm_summary` (the BTYD view: repeat purchases measured from the first one) with what a marketer
reads: number of orders, net revenue, first and last order, days since the last order, acquisition channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def customer_history(orders: pd.DataFrame, observation_end) -> pd.DataFrame:
    """One row per customer (index `customer_id`, sorted): `orders`, `revenue`, `first_order`, `last_order`,
    `days_since_last_purchase` (days from the last order to `observation_end`), and `channel` (of the first order)
    when the orders carry one. Orders after `observation_end` are ignored."""
    end = pd.Timestamp(observation_end).normalize()
    seen = orders[orders["order_date"] <= end]
    grouped = seen.sort_values(["customer_id", "order_date"], kind="stable").groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "orders": grouped["order_date"].size().astype("int64"),
        "revenue": grouped["amount"].sum().astype("float64"),
        "first_order": grouped["order_date"].min(),
        "last_order": grouped["order_date"].max(),
    })
    out["days_since_last_purchase"] = (end - out["last_order"]).dt.days.astype("int64")
    if "channel" in seen.columns:
        out["channel"] = grouped["channel"].first().fillna("(unknown)").astype(str)
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    return out


def holdout_tracking(orders: pd.DataFrame, calibration_end, observation_end, customers: pd.Index,
                     step_days: int = 7) -> pd.Series:
    """Cumulative repeat purchase days of `customers` after `calibration_end`, every `step_days` up to the end.

    Purchases are counted per customer-day (several orders on one day are one purchase, as in `rfm_summary`).
    Index: days since the calibration end (float, the summary's unit when that is days); values: cumulative counts.
    """
    cal_end = pd.Timestamp(calibration_end).normalize()
    end = pd.Timestamp(observation_end).normalize()
    held = orders[(orders["order_date"] > cal_end) & (orders["order_date"] <= end)
                  & orders["customer_id"].astype(str).isin(customers.astype(str))]
    days = held[["customer_id", "order_date"]].drop_duplicates()
    offsets = np.sort((days["order_date"] - cal_end).dt.days.to_numpy())
    total = (end - cal_end).days
    steps = np.unique(np.append(np.arange(step_days, total, step_days), total)).astype(float)
    counts = np.searchsorted(offsets, steps, side="right").astype("float64")
    return pd.Series(counts, index=pd.Index(steps, name="days_since_calibration_end"), name="actual_cumulative")

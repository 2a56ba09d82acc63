"""Test data for the model tests: the CDNOW summaries and a calibration/holdout frame built from the sample.

The calibration/holdout frame follows the conventions of Fader, Hardie & Lee (2005) and lifetimes: weeks,
calibration ending 1997-09-30 (39 weeks after the cohort's first quarter starts), holdout to 1998-06-30 (39
weeks), purchases on the same day merged into one, frequency = repeat purchase days.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
CAL_END = pd.Timestamp("1997-09-30")
OBS_END = pd.Timestamp("1998-06-30")


@lru_cache(maxsize=None)
def cdnow_summary() -> pd.DataFrame:
    """FHL (2005) calibration summary (frequency, recency, T in weeks) of the 2,357 CDNOW customers."""
    return pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")


@lru_cache(maxsize=None)
def cdnow_spend_summary() -> pd.DataFrame:
    """The same summary with monetary_value = zbar, the mean value of the repeat purchases ($)."""
    raw = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    return raw.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@lru_cache(maxsize=None)
def cdnow_transactions() -> pd.DataFrame:
    """The CDNOW sample's purchases, one row per customer and day (same-day purchases merged)."""
    raw = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"])
    raw["order_date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()


@lru_cache(maxsize=None)
def cdnow_cal_holdout() -> pd.DataFrame:
    """Calibration/holdout frame: frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout,
    monetary_value_cal, monetary_value_holdout (weeks, dollars), indexed by customer."""
    tx = cdnow_transactions()
    first = tx.groupby("customer_id")["order_date"].min()
    cal = tx[tx["order_date"] <= CAL_END]
    hold = tx[(tx["order_date"] > CAL_END) & (tx["order_date"] <= OBS_END)]
    g = cal.groupby("customer_id")
    frame = pd.DataFrame({
        "frequency_cal": g.size() - 1,
        "recency_cal": (g["order_date"].max() - first) / pd.Timedelta(days=7),
        "T_cal": (CAL_END - first) / pd.Timedelta(days=7),
    })
    repeat_value = cal.assign(is_first=cal["order_date"].eq(cal["customer_id"].map(first)))
    repeat_value = repeat_value[~repeat_value["is_first"]].groupby("customer_id")["amount"].mean()
    frame["monetary_value_cal"] = repeat_value.reindex(frame.index).fillna(0.0)
    h = hold.groupby("customer_id")
    frame["frequency_holdout"] = h.size().reindex(frame.index).fillna(0).astype(float)
    frame["monetary_value_holdout"] = h["amount"].mean().reindex(frame.index).fillna(0.0)
    frame["duration_holdout"] = (OBS_END - CAL_END) / pd.Timedelta(days=7)
    frame.index.name = "customer_id"
    return frame


def cdnow_holdout_cumulative() -> pd.Series:
    """Cumulative repeat purchases (purchase days) of the cohort in holdout weeks 1..39."""
    tx = cdnow_transactions()
    hold = tx[(tx["order_date"] > CAL_END) & (tx["order_date"] <= OBS_END)]
    week = np.ceil((hold["order_date"] - CAL_END).dt.days / 7).astype(int)
    counts = week.value_counts().reindex(range(1, 40), fill_value=0).sort_index()
    return counts.cumsum().astype(float).rename_axis("week")

"""A realistic customer table for the insights tests, built from the CDNOW sample (tests/data).

History (orders, revenue, days since the last purchase) comes from the raw purchase records up to a cut-off
date. Predictions use the parameters published for this very data set, so no model is fitted here:

- BG/NBD: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (weeks), Fader, Hardie & Lee (2005), "Counting Your
  Customers the Easy Way", Marketing Science 24(2), p. 281; P(alive) from their eq. (12) and the conditional
  expectation from eq. (10).
- Gamma-Gamma: p = 6.25, q = 3.74, gamma = 15.44, Fader & Hardie (2013), note 025 "The Gamma-Gamma Model of
  Monetary Value", p. 4; expected spend per transaction from its eq. (5).

CLV is expected purchases x expected spend x a 30 % margin, undiscounted: a fixture, not a CLV model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

DATA = Path(__file__).parent / "data" / "CDNOW_sample.txt"
R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426
P, Q, GAMMA = 6.25, 3.74, 15.44
MARGIN = 0.30


def purchases() -> pd.DataFrame:
    """The CDNOW sample as one row per purchase record: customer_id, order_date, amount."""
    raw = pd.read_csv(DATA, sep=r"\s+", header=None, names=["master", "customer_id", "date", "cds", "amount"],
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({
        "customer_id": raw["customer_id"],
        "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "amount": raw["amount"].astype(float),
    })


def _expected(x, t_x, T, t):
    hyp = hyp2f1(R + x, B + x, A + B + x - 1, t / (ALPHA + T + t))
    body = (A + B + x - 1) / (A - 1) * (1 - ((ALPHA + T) / (ALPHA + T + t)) ** (R + x) * hyp)
    return body / (1 + (x > 0) * A / (B + x - 1) * ((ALPHA + T) / (ALPHA + t_x)) ** (R + x))


def customers(cutoff: str = "1997-09-30") -> pd.DataFrame:
    """The customer table (contract of clv_lib.insights.customer_table) at `cutoff`, indexed by customer_id."""
    end = pd.Timestamp(cutoff)
    data = purchases()
    data = data[data["order_date"] <= end]
    days = data.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    grouped = days.groupby("customer_id")
    first, last = grouped["order_date"].min(), grouped["order_date"].max()
    orders = grouped.size().astype("int64")
    revenue = grouped["amount"].sum()
    first_amount = days.sort_values("order_date").groupby("customer_id")["amount"].first()
    x = (orders - 1).to_numpy(dtype=float)
    t_x = ((last - first).dt.days / 7).to_numpy()
    T = ((end - first).dt.days / 7).to_numpy()
    repeat_value = np.where(x > 0, (revenue - first_amount).to_numpy() / np.maximum(x, 1), 0.0)
    prob_alive = 1 / (1 + (x > 0) * A / (B + x - 1) * ((ALPHA + T) / (ALPHA + t_x)) ** (R + x))
    spend = (Q - 1) / (P * x + Q - 1) * GAMMA * P / (Q - 1) + P * x / (P * x + Q - 1) * repeat_value
    e12, e24 = _expected(x, t_x, T, 52.0), _expected(x, t_x, T, 104.0)
    table = pd.DataFrame({
        "frequency": x, "recency": t_x * 7, "T": T * 7, "monetary_value": repeat_value,
        "days_since_last_purchase": (end - last).dt.days.to_numpy(),
        "orders": orders.to_numpy(), "revenue": revenue.to_numpy(),
        "prob_alive": prob_alive, "expected_purchases_12m": e12,
        "clv_12m": e12 * spend * MARGIN, "clv_24m": e24 * spend * MARGIN,
    }, index=orders.index)
    table.index.name = "customer_id"
    return table

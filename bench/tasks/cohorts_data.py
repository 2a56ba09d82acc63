"""Generate the cohort benchmark's synthetic data once: 1M customers / 10M orders, 1M subscribers.

Writes ``bench/data/cohorts_orders.parquet`` and ``bench/data/cohorts_subscriptions.parquet`` (skipped when they
exist) and prints their row counts. Deterministic (seeded); vectorised numpy, about a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

START = np.datetime64("2020-01-01")
DAYS = int((np.datetime64("2024-12-31") - START).astype(int)) + 1  # five years, observation end 2024-12-31


def orders(n_customers: int, n_orders: int, rng: np.random.Generator) -> pd.DataFrame:
    first = rng.integers(0, DAYS, n_customers)
    customer = np.concatenate([np.arange(n_customers), rng.integers(0, n_customers, n_orders - n_customers)])
    gap = np.concatenate([np.zeros(n_customers, dtype=np.int64),
                          rng.exponential(250.0, n_orders - n_customers).astype(np.int64)])
    day = np.minimum(first[customer] + gap, DAYS + 60)  # a few orders after the observation end on purpose
    ids = np.char.add("C", customer.astype("U7"))
    return pd.DataFrame({
        "customer_id": pd.array(ids, dtype="str"),
        "order_id": pd.array(np.char.add("O", np.arange(n_orders).astype("U8")), dtype="str"),
        "order_date": (START + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "amount": rng.gamma(2.0, 30.0, n_orders).round(2),
    })


def subscriptions(n_customers: int, rng: np.random.Generator) -> pd.DataFrame:
    start = rng.integers(0, DAYS, n_customers)
    life = rng.geometric(0.03, n_customers) * 30 + rng.integers(-3, 4, n_customers)
    price = rng.choice([9.0, 29.0, 99.0], n_customers, p=[0.5, 0.35, 0.15])
    change = rng.random(n_customers) < 0.3  # a plan change (up or down) part-way
    cut = start + np.maximum(1, (life * rng.random(n_customers)).astype(np.int64))
    new_price = price * rng.choice([0.5, 2.0, 3.0], n_customers)
    back = rng.random(n_customers) < 0.05  # returns after a gap
    back_start = start + life + rng.integers(30, 400, n_customers)
    seg_customer = np.concatenate([np.arange(n_customers), np.flatnonzero(change), np.flatnonzero(back)])
    seg_start = np.concatenate([start, cut[change], back_start[back]])
    seg_end = np.concatenate([np.where(change, cut, start + life), (start + life)[change],
                              (back_start + rng.geometric(0.05, n_customers) * 30)[back]])
    seg_mrr = np.concatenate([price, new_price[change], price[back]])
    ok = seg_end > seg_start
    seg_customer, seg_start, seg_end, seg_mrr = seg_customer[ok], seg_start[ok], seg_end[ok], seg_mrr[ok]
    end = (START + seg_end.astype("timedelta64[D]")).astype("datetime64[ns]")
    end[seg_end > DAYS + 30] = np.datetime64("NaT")
    return pd.DataFrame({
        "customer_id": pd.array(np.char.add("S", seg_customer.astype("U7")), dtype="str"),
        "subscription_id": pd.array(np.char.add("X", np.arange(len(seg_customer)).astype("U8")), dtype="str"),
        "plan": pd.array(np.where(seg_mrr < 20, "basic", np.where(seg_mrr < 60, "pro", "team")), dtype="str"),
        "start_date": (START + seg_start.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "end_date": end,
        "mrr": seg_mrr,
    })


def main() -> None:
    p = args()
    out = Path(p["dir"])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(p.get("seed", 2024))
    paths = {"orders": out / "cohorts_orders.parquet", "subscriptions": out / "cohorts_subscriptions.parquet"}
    if not paths["orders"].exists():
        orders(p["customers"], p["orders"], rng).to_parquet(paths["orders"])
    if not paths["subscriptions"].exists():
        subscriptions(p["customers"], rng).to_parquet(paths["subscriptions"])
    done(orders_rows=len(pd.read_parquet(paths["orders"], columns=["amount"])),
         subscription_rows=len(pd.read_parquet(paths["subscriptions"], columns=["mrr"])))


if __name__ == "__main__":
    main()

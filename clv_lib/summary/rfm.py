"""Per-customer RFM summaries in the Fader-Hardie / lifetimes conventions, computed by DuckDB.

For each customer with a purchase on or before the observation end:

* purchases in the same calendar day (`purchase_grain="D"`, default) – or week / month – are merged into one
  purchase whose value is their sum (the BTYD convention: CDNOW counts purchase days);
* `frequency`: number of repeat purchases (purchases after the first);
* `recency`: time from the first to the last purchase; `T`: time from the first purchase to the observation end;
* `monetary_value`: mean value of the repeat purchases (the first purchase is left out, as in the Gamma-Gamma
  model); 0 for customers without repeat purchases.

Durations are in `time_unit`: "D" days, "W" weeks (days / 7), "M" months (days / 30.4375, a 365.25-day year
over 12). With the default day grain they are exact day counts divided by the unit, which is how the BG/NBD
paper measures CDNOW in weeks. With `purchase_grain` equal to `time_unit` ("W" or "M") purchases in the same
calendar week (Monday to Sunday) or month are merged and durations count whole periods between them, which is
what lifetimes' `summary_data_from_transaction_data(freq=...)` does.

The aggregation runs in DuckDB over the DataFrame (no copy of its columns into Python objects), so ten million
transactions take seconds and little memory.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
_TRUNC = {"D": "day", "W": "week", "M": "month"}
COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _check(transactions: pd.DataFrame, columns: list[str], time_unit: str, purchase_grain: str) -> None:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be one of D, W, M (got {time_unit!r})")
    if purchase_grain not in ("D", time_unit):
        raise ValueError(f"purchase_grain must be 'D' or the time unit {time_unit!r} (got {purchase_grain!r})")
    missing = [c for c in columns if c and c not in transactions.columns]
    if missing:
        raise ModelInputError(f"transactions: column {missing[0]!r} not found; columns are: "
                              f"{', '.join(map(str, transactions.columns))}")


def _connect(transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: Optional[str]):
    import duckdb

    con = duckdb.connect()
    cols = [customer_col, date_col] + ([amount_col] if amount_col else [])
    con.register("src", transactions[cols] if len(cols) < transactions.shape[1] else transactions)
    return con


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _duration(first: str, last: str, time_unit: str, purchase_grain: str) -> str:
    """SQL for the duration between two (truncated) dates, in units."""
    if purchase_grain == "M":
        return f"CAST(date_diff('month', {first}, {last}) AS DOUBLE)"
    return f"CAST(date_diff('day', {first}, {last}) AS DOUBLE) / {UNIT_DAYS[time_unit]!r}"


def _periods_sql(customer_col: str, date_col: str, amount_col: Optional[str], grain: str, where: str) -> str:
    """One row per customer and purchase period (day/week/month start), with the period's spend."""
    amount = f"SUM(CAST({_q(amount_col)} AS DOUBLE))" if amount_col else "0.0"
    day = f"CAST({_q(date_col)} AS DATE)"
    period = day if grain == "D" else f"CAST(date_trunc('{_TRUNC[grain]}', {day}) AS DATE)"
    return (f"SELECT {_q(customer_col)} AS c, {period} AS p, {amount} AS s FROM src "
            f"WHERE {_q(date_col)} IS NOT NULL AND {where} GROUP BY 1, 2")


def _end_of(transactions: pd.DataFrame, date_col: str, observation_end) -> pd.Timestamp:
    if observation_end is not None:
        return pd.Timestamp(observation_end).normalize()
    last = pd.to_datetime(transactions[date_col]).max()
    if pd.isna(last):
        raise ModelInputError("transactions: no dated transaction to summarise")
    return pd.Timestamp(last).normalize()


def rfm_summary(transactions: pd.DataFrame, customer_col: str = "customer_id", date_col: str = "order_date",
                amount_col: Optional[str] = "amount", observation_end=None, time_unit: str = "D",
                purchase_grain: str = "D") -> pd.DataFrame:
    """One row per customer (index named `customer_col`, sorted): `frequency`, `recency`, `T` (in `time_unit`)
    and `monetary_value` (mean repeat-purchase value, in the amounts' currency; omitted when `amount_col` is None).

    `observation_end` (inclusive day, default the last transaction's day): later transactions are ignored.
    """
    _check(transactions, [customer_col, date_col, amount_col], time_unit, purchase_grain)
    end = _end_of(transactions, date_col, observation_end)
    con = _connect(transactions, customer_col, date_col, amount_col)
    try:
        frame = con.execute(_summary_sql(customer_col, date_col, amount_col, time_unit, purchase_grain),
                            [end.date()]).df()
    finally:
        con.close()
    return _shape(frame, customer_col, amount_col is not None)


def _summary_sql(customer_col: str, date_col: str, amount_col: Optional[str], time_unit: str,
                 purchase_grain: str) -> str:
    trunc = _TRUNC[purchase_grain]
    end_p = f"CAST(date_trunc('{trunc}', CAST($1 AS DATE)) AS DATE)"
    periods = _periods_sql(customer_col, date_col, amount_col, purchase_grain,
                           f"CAST({_q(date_col)} AS DATE) <= CAST($1 AS DATE)")
    return f"""
        WITH periods AS ({periods}),
        agg AS (SELECT c, MIN(p) AS first_p, MAX(p) AS last_p, COUNT(*) AS n, SUM(s) AS total,
                       arg_min(s, p) AS first_s FROM periods GROUP BY c)
        SELECT c, CAST(n - 1 AS DOUBLE) AS frequency,
               {_duration('first_p', 'last_p', time_unit, purchase_grain)} AS recency,
               {_duration('first_p', end_p, time_unit, purchase_grain)} AS T,
               CASE WHEN n > 1 THEN (total - first_s) / (n - 1) ELSE 0.0 END AS monetary_value
        FROM agg ORDER BY c"""


def _shape(frame: pd.DataFrame, customer_col: str, with_money: bool) -> pd.DataFrame:
    frame = frame.set_index("c")
    frame.index.name = customer_col
    columns = COLUMNS if with_money else COLUMNS[:3]
    out = frame[columns].astype("float64")
    if with_money:
        out["monetary_value"] = out["monetary_value"].where(np.isfinite(out["monetary_value"]), 0.0)
    return out

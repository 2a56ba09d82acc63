"""Per-customer covariates for the covariate models: what is fixed when a customer is acquired.

- `channel`: the acquisition channel (of the first order), when the orders have channels;
- `first_value`: the band of the first purchase day's value: quartiles of every customer's first purchase,
  edges rounded to two significant digits ("Q1" lowest ... "Q4" highest; `edges` keeps the bounds);
- `first_season`: the calendar quarter of the first order ("Q1" = January-March ... "Q4" = October-December),
  which sets apart, say, customers won in the Christmas season;
- the params' own customer columns (`covariates: [region]`): their value on the customer's first order.

The first purchase day's value is each customer's revenue less her repeat purchases (frequency x mean repeat
spend, as the RFM summary counts them), so it needs no further pass over the orders. Columns are named
`cov_<name>` (`column`), values are text, the index is the customer id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PREFIX = "cov_"
BANDS = 4


def column(name: str) -> str:
    """The summary column that holds covariate `name`."""
    return f"{PREFIX}{name}"


def name_of(column_name: str) -> str:
    return column_name.removeprefix(PREFIX)


@dataclass
class CustomerCovariates:
    """The covariate frame (`frame`, one row per customer), the first purchase's value per customer
    (`first_value`), the band edges (money) and, per covariate, how many levels the data has."""

    frame: pd.DataFrame
    first_value: pd.Series
    edges: list[float]
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        """Column -> short English name (model names, logs): "channel", "first-order value", "first-order season"."""
        named = {"channel": "channel", "first_value": "first-order value", "first_season": "first-order season"}
        return {column(n): named.get(n, n) for n in self.levels}

    @property
    def candidates(self) -> list[str]:
        """Covariate columns with at least two levels in the data (what a model may try)."""
        return [column(n) for n, k in self.levels.items() if k >= 2]


def customer_covariates(summary: pd.DataFrame, history: pd.DataFrame, extra: pd.DataFrame | None = None,
                        bands: int = BANDS) -> CustomerCovariates:
    """Covariates of the customers of `summary` (frequency, monetary_value) from their `history` (revenue,
    first_order, channel when present) and `extra` (the params' own columns, per customer)."""
    history = history.reindex(summary.index)
    repeat = summary["frequency"].to_numpy(float) * summary["monetary_value"].to_numpy(float)
    first = pd.Series(np.clip(history["revenue"].to_numpy(float) - repeat, 0.0, None), index=summary.index,
                      name="first_order_value")
    frame = pd.DataFrame(index=summary.index)
    levels: dict[str, int] = {}
    if "channel" in history.columns:
        frame[column("channel")] = history["channel"].astype(object).fillna("(unknown)").astype(str)
        levels["channel"] = int(frame[column("channel")].nunique())
    edges = band_edges(first.to_numpy(), bands)
    frame[column("first_value")] = value_bands(first.to_numpy(), edges)
    levels["first_value"] = int(frame[column("first_value")].nunique())
    months = pd.DatetimeIndex(history["first_order"]).month.to_numpy()
    frame[column("first_season")] = np.array(["Q1", "Q2", "Q3", "Q4"], dtype=object)[(months - 1) // 3]
    levels["first_season"] = int(frame[column("first_season")].nunique())
    for name in ([] if extra is None else list(extra.columns)):
        values = extra[name].reindex(summary.index)
        frame[column(name)] = values.astype(object).where(values.notna(), "(unknown)").astype(str)
        levels[name] = int(frame[column(name)].nunique())
    return CustomerCovariates(frame, first, edges, levels)


def band_edges(values: np.ndarray, bands: int = BANDS) -> list[float]:
    """Inner edges of `bands` value bands: the quantiles, rounded to two significant digits, distinct, > 0."""
    positive = values[np.isfinite(values)]
    if len(positive) == 0:
        return []
    raw = np.quantile(positive, np.arange(1, bands) / bands)
    edges = sorted({_round2(v) for v in raw if v > 0})
    return [e for e in edges if e < positive.max()]


def value_bands(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Band label of each value: "Q1" below the first edge, ..., one more than the number of edges."""
    index = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
    return np.array([f"Q{i + 1}" for i in range(len(edges) + 1)], dtype=object)[index]


def _round2(value: float) -> float:
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))

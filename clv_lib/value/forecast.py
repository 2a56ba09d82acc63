"""What a report predicts, month by month, kept so that later reports can check it (the forecast track record).

For every customer and every month m = 1..H of the horizon, the expected *cumulative* quantity by the end of
month m after the cut-off (undiscounted, revenue not margin: what will be counted when the months have passed):

- orders (`order_forecast`): `purchases_{m}m`, expected repeat purchases (purchase days, as the models count
  them) from the fitted transaction model's E[Y(t)] at t = m months; `spend_{m}m` = purchases x the customer's
  expected spend per purchase (Gamma-Gamma, or the observed mean). With the historical fallback (no model), the
  purchases grow at each customer's observed repeat rate, as the report's CLV assumes.
- subscriptions (`subscription_forecast`): `active_{m}m`, P(still subscribed in month m) under the sBG model of
  the customer's contract length; `spend_{m}m` = current MRR x the expected subscribed months up to m.

The same paths that the CLV sums (CLV is their discounted margin), so a forecast and its report never disagree.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.models.timeunit import TimeUnit

PREFIXES = {"transactional": ("purchases", "spend"), "subscription": ("active", "spend")}


def columns(prefix: str, horizon_months: int) -> list[str]:
    return [f"{prefix}_{m}m" for m in range(1, int(horizon_months) + 1)]


def _frame(index: pd.Index, blocks: dict[str, np.ndarray]) -> pd.DataFrame:
    parts = {}
    for prefix, values in blocks.items():
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ModelInputError(f"forecast: {prefix} path has non-finite or negative values")
        parts.update(dict(zip(columns(prefix, values.shape[1]), values.T)))
    return pd.DataFrame(parts, index=index)


def order_forecast(summary: pd.DataFrame, result, *, time_unit: "str | TimeUnit", horizon_months: int) -> pd.DataFrame:
    """Per customer (the summary's index): `purchases_{m}m` and `spend_{m}m` for m = 1..horizon_months.

    `result` is the report's `clv_lib.value.clv.ClvResult` (its model, or the historical fallback, and its
    `expected_spend` per customer)."""
    horizon = int(horizon_months)
    months = np.arange(1, horizon + 1, dtype=float)
    table = result.customers.reindex(summary.index)
    model = result.transaction_model
    if model is not None:
        purchases = model.expected_purchases_path(summary, TimeUnit.of(time_unit).months_to_periods(months))
    else:
        column = next(c for c in table.columns if c.startswith("purchases_") and c.endswith("m"))
        per_month = table[column].to_numpy(float) / float(column.removeprefix("purchases_").removesuffix("m"))
        purchases = per_month[:, None] * months[None, :]
    spend = table["expected_spend"].to_numpy(float)[:, None] * purchases
    return _frame(summary.index, {"purchases": purchases, "spend": spend})


def subscription_forecast(customers: pd.DataFrame, models: Mapping, *, horizon_months: int) -> pd.DataFrame:
    """Per subscriber (the valuation table's index): `active_{m}m` and `spend_{m}m` for m = 1..horizon_months.

    `customers` and `models` as in `clv_lib.value.subscription_clv.subscription_clv`."""
    from clv_lib.value.subscription_clv import survival_paths

    alive = survival_paths(customers, models, int(horizon_months))
    mrr = np.clip(customers["mrr"].to_numpy(float), 0.0, None)
    return _frame(customers.index, {"active": alive, "spend": mrr[:, None] * np.cumsum(alive, axis=1)})


def at_months(forecast: pd.DataFrame, prefix: str, months: float) -> np.ndarray:
    """Each customer's forecast `prefix` after `months`; NaN when `months` lies beyond the horizon.

    Cumulative quantities (`purchases`, `spend`) start at 0 at month 0 and are linear between the monthly points,
    so a fractional number of months (days elapsed / 30.4375) reads between them; `active` is read at the
    nearest month end."""
    horizon = sum(1 for c in forecast.columns if c.startswith(f"{prefix}_") and c.endswith("m"))
    if not 0 < months <= horizon + 1e-9:
        return np.full(len(forecast), np.nan)
    values = forecast[columns(prefix, horizon)].to_numpy(float)
    if prefix == "active":
        return values[:, max(1, round(months)) - 1]
    grid = np.hstack([np.zeros((len(forecast), 1)), values])
    low = min(int(np.floor(months)), horizon - 1)
    weight = months - low
    return grid[:, low] * (1 - weight) + grid[:, low + 1] * weight

"""The forecast track record: what an earlier report predicted for its customers against what they then did.

This is the real out-of-sample test of a report: the model was fitted on the data up to that report's cut-off,
and the months since have happened. For each earlier report with a kept forecast (`clv_lib.value.forecast`):

- orders: its customers' repeat purchases after its cut-off up to this report's cut-off, counted as the models
  count them (purchase days: several orders of one customer on one day are one purchase; the calibration/
  holdout summary of `clv_lib.summary`), and their revenue, against the forecast's cumulative expected
  purchases and spend at the days elapsed (interpolated between its monthly points);
- subscriptions: its active subscribers still subscribed at this report's cut-off against the sum of their
  sBG survival probabilities, and the revenue they paid (MRR at each month end since) against the forecast's
  expected spend. A transaction count does not apply: a subscriber pays by staying, not by ordering again.

Errors are predicted / actual - 1 (positive: the report expected more than happened).

`past_fingerprint` reduces the data a report learned from to one SHA-256, so that a later report can tell when
the client re-sent an export with a changed history.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from clv_lib.models.timeunit import DAYS_PER_MONTH
from clv_lib.value.forecast import at_months


@dataclass(frozen=True)
class TrackEntry:
    """One earlier report's forecast against the actual, over the months since its cut-off."""

    report_period: str
    cutoff: str
    months_elapsed: int
    customers: int  # the earlier report's customers (subscriptions: its active subscribers)
    missing_customers: int  # of those, absent from this report's data (a changed past)
    predicted_revenue: float
    actual_revenue: float
    predicted_purchases: float | None = None
    actual_purchases: int | None = None
    predicted_active_subscribers: float | None = None
    actual_active_subscribers: int | None = None
    model: str | None = None

    @property
    def measure(self) -> str:
        """What is counted: `purchases` (orders) or `active_subscribers` (subscriptions)."""
        return "purchases" if self.predicted_purchases is not None else "active_subscribers"

    @property
    def predicted_count(self) -> float:
        return self.predicted_purchases if self.measure == "purchases" else self.predicted_active_subscribers

    @property
    def actual_count(self) -> int:
        return self.actual_purchases if self.measure == "purchases" else self.actual_active_subscribers

    @property
    def count_error(self) -> float | None:
        return relative_error(self.predicted_count, self.actual_count)

    @property
    def revenue_error(self) -> float | None:
        return relative_error(self.predicted_revenue, self.actual_revenue)

    def as_json(self) -> dict:
        """The `kpis.json` entry: counts whole, money in cents, predicted purchases to 0.1."""
        out = {k: v for k, v in asdict(self).items() if v is not None or k in ("predicted_purchases",
                                                                                   "actual_purchases")}
        for key in ("predicted_revenue", "actual_revenue"):
            out[key] = round(float(out[key]), 2)
        for key in ("predicted_purchases", "predicted_active_subscribers"):
            if out.get(key) is not None:
                out[key] = round(float(out[key]), 1)
        errors = {"purchases_error" if self.measure == "purchases" else "active_subscribers_error": self.count_error,
                  "revenue_error": self.revenue_error}
        out.update({k: None if v is None else round(v, 4) for k, v in errors.items()})
        return out


def relative_error(predicted: float | None, actual: float | None) -> float | None:
    """predicted / actual - 1; None when there is no actual to compare with (0 or missing)."""
    if predicted is None or actual is None or not actual or not math.isfinite(float(predicted)):
        return None
    return float(predicted) / float(actual) - 1.0


def order_entry(report_period: str, cutoff: pd.Timestamp, now: pd.Timestamp, months_elapsed: int,
                forecast: pd.DataFrame, holdout: pd.DataFrame, model: str | None = None) -> TrackEntry | None:
    """An orders report's track record. `forecast`: its kept forecast (index: customer ids as written in its
    outputs); `holdout`: this report's calibration/holdout summary split at that report's cut-off (index: the same
    ids; `frequency_holdout` purchases and `monetary_value_holdout` their mean value). None when the days elapsed
    go beyond the forecast's horizon."""
    months = (pd.Timestamp(now) - pd.Timestamp(cutoff)).days / DAYS_PER_MONTH
    purchases = at_months(forecast, "purchases", months)
    if np.isnan(purchases).any():
        return None
    spend = at_months(forecast, "spend", months)
    actual = holdout.reindex(forecast.index)
    missing = int(actual["frequency_holdout"].isna().sum())
    count = actual["frequency_holdout"].fillna(0.0).to_numpy(float)
    revenue = (count * actual["monetary_value_holdout"].fillna(0.0).to_numpy(float)).sum()
    return TrackEntry(report_period, pd.Timestamp(cutoff).date().isoformat(), int(months_elapsed), len(forecast),
                      missing, float(spend.sum()), float(revenue), predicted_purchases=float(purchases.sum()),
                      actual_purchases=int(round(count.sum())), model=model)


def subscription_entry(report_period: str, cutoff: pd.Timestamp, months_elapsed: int, forecast: pd.DataFrame,
                       mrr_by_month: pd.DataFrame, model: str | None = None) -> TrackEntry | None:
    """A subscription report's track record. `forecast`: its kept forecast of its active subscribers;
    `mrr_by_month`: each customer's MRR at every month end after that cut-off up to this report's (one column per
    month, oldest first; index: ids as in the forecast). None beyond the forecast's horizon."""
    active = at_months(forecast, "active", months_elapsed)
    if np.isnan(active).any():
        return None
    spend = at_months(forecast, "spend", months_elapsed)
    mrr = mrr_by_month.reindex(forecast.index)
    missing = int(mrr.isna().all(axis=1).sum()) if mrr.shape[1] else 0
    mrr = mrr.fillna(0.0).to_numpy(float)
    still = int((mrr[:, -1] > 0).sum()) if mrr.shape[1] else 0
    return TrackEntry(report_period, pd.Timestamp(cutoff).date().isoformat(), int(months_elapsed), len(forecast),
                      missing, float(spend.sum()), float(mrr.sum()), predicted_active_subscribers=float(active.sum()),
                      actual_active_subscribers=still, model=model)


def past_fingerprint(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> str:
    """SHA-256 of a per-customer (or per-record) table, independent of row order and of float noise below a cent
    in the `money` columns (6 decimals elsewhere): the same history gives the same hash on every engine."""
    table = frame.copy()
    table.index = table.index.astype(str)
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            table[column] = values.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_bool_dtype(values):
            table[column] = values.astype(int)
        elif pd.api.types.is_numeric_dtype(values):
            table[column] = values.astype(float).round(2 if column in money else 6) + 0.0  # -0.0 -> 0.0
        else:
            table[column] = values.astype(str)
    table = table.reset_index()
    table = table.sort_values(list(table.columns), kind="stable", ignore_index=True)
    hashes = pd.util.hash_pandas_object(table, index=False).to_numpy()
    digest = hashlib.sha256(hashes.tobytes())
    digest.update(",".join(map(str, table.columns[1:])).encode())
    return digest.hexdigest()

"""Cleaned orders and subscriptions as integer-coded numpy arrays, checked against the data contracts.

The monthly summaries (cohorts, KPIs, MRR movements, tenure) work on integer arrays rather than on strings and
timestamps: customers become dense codes ``0..n-1`` (their ids stay in ``customer_ids``), dates become day and month
numbers (see ``clv_lib.summary.months``). Encoding once, at the boundary, is what keeps ten million orders in
seconds. Rows after the observation end are dropped here; everything else is a contract violation raised as
``DataError`` with the column and the count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError
from clv_lib.summary.months import (
    MISSING,
    day_numbers,
    last_complete_month,
    observation_timestamp,
)

ORDER_COLUMNS = ("customer_id", "order_date", "amount")
SUBSCRIPTION_COLUMNS = ("customer_id", "start_date", "end_date", "mrr")

#: Largest key span deduplicated with a dense bitmap (bytes of memory); larger spans use hashing.
_DENSE_LIMIT = 150_000_000


@dataclass(frozen=True, eq=False)
class SubscriptionArrays:
    """Subscription segments up to the observation end, customers as dense integer codes.

    ``end_day`` is ``MISSING`` for segments still active on the observation end (end date missing or later).
    """

    customer_ids: pd.Index
    customer: np.ndarray  #: int64 customer code per segment
    start_day: np.ndarray  #: int64 day number of the segment start
    end_day: np.ndarray  #: int64 day number of the segment end (exclusive), or MISSING if open at the end
    mrr: np.ndarray  #: float64 monthly recurring revenue of the segment
    plan: np.ndarray | None  #: plan label per segment (object array), if the column exists
    observation_end: pd.Timestamp
    last_month: int


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what}: expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)} (have {', '.join(map(str, frame.columns))})")


def _no_missing(values: pd.Series, column: str, what: str) -> None:
    count = int(values.isna().sum())
    if count:
        raise DataError(f"{what}: column {column} has {count:,} missing value(s) of {len(values):,}")


def _dates(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        raise DataError(f"{what}: column {column} must hold dates (datetime64), got {values.dtype}")
    if getattr(values.dtype, "tz", None) is not None:
        raise DataError(f"{what}: column {column} has a time zone; the cleaned data must be timezone-naive")
    return day_numbers(values.to_numpy())


def encode_subscriptions(subscriptions: pd.DataFrame, observation_end) -> SubscriptionArrays:
    """Check cleaned `subscriptions` and encode the segments starting on or before `observation_end` as arrays.

    A segment covers the days ``start_date <= day < end_date`` (end exclusive: a plan change ends one segment and
    starts the next on the same day). An end date after the observation end is not known yet at that date, so it
    is treated like a missing end (still active).
    """
    what = "subscriptions"
    _require(subscriptions, SUBSCRIPTION_COLUMNS, what)
    end = observation_timestamp(observation_end)
    end_number = day_numbers(np.array([end.to_datetime64()]))[0]
    start_day = _dates(subscriptions, "start_date", what)
    end_day = _dates(subscriptions, "end_date", what)
    if (start_day == MISSING).any():
        raise DataError(f"{what}: column start_date has {int((start_day == MISSING).sum()):,} missing date(s)")
    keep = start_day <= end_number
    if not keep.any():
        raise DataError(f"{what}: no subscription starts on or before the observation end {end.date()} "
                        f"({len(subscriptions):,} rows)")
    if not keep.all():
        subscriptions = subscriptions.loc[keep]
        start_day, end_day = start_day[keep], end_day[keep]
    backwards = (end_day != MISSING) & (end_day < start_day)
    if backwards.any():
        raise DataError(f"{what}: {int(backwards.sum()):,} segment(s) end before they start (end_date < start_date)")
    end_day = np.where(end_day > end_number, MISSING, end_day)
    ids = subscriptions["customer_id"]
    _no_missing(ids, "customer_id", what)
    mrr = subscriptions["mrr"].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(mrr).any():
        raise DataError(f"{what}: column mrr has {int(np.isnan(mrr).sum()):,} missing value(s)")
    if (mrr < 0).any():
        raise DataError(f"{what}: column mrr has {int((mrr < 0).sum()):,} negative value(s)")
    codes, uniques = pd.factorize(ids, sort=False)
    plan = subscriptions["plan"].astype(str).to_numpy(dtype=object) if "plan" in subscriptions.columns else None
    return SubscriptionArrays(
        customer_ids=pd.Index(uniques, name="customer_id"),
        customer=codes.astype(np.int64, copy=False),
        start_day=start_day,
        end_day=end_day,
        mrr=mrr,
        plan=plan,
        observation_end=end,
        last_month=last_complete_month(end),
    )

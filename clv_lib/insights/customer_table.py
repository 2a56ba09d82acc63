"""The per-customer table the insights read, and its validation.

The report passes one DataFrame indexed by ``customer_id`` with, for transactional clients, the BTYD summary
(``frequency``, ``recency``, ``T``, ``monetary_value``), the history (``days_since_last_purchase``, ``orders``,
``revenue``) and the predictions (``prob_alive``, ``expected_purchases_12m``, ``clv_12m``, ``clv_24m``, already
margin-adjusted and discounted, in the report currency). Subscription clients have ``tenure_months``,
``churned``, ``mrr``, ``plan``, ``revenue``, ``prob_alive``, ``clv_12m`` and ``clv_24m``. Every insight function
takes the column names it needs as arguments with these defaults, and checks them here so that a wrong table
fails with one line naming the column and the count of bad values.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError


def check_table(customers: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise ModelInputError unless `customers` is a non-empty DataFrame with unique ids and the `columns`."""
    if not isinstance(customers, pd.DataFrame):
        raise ModelInputError(f"{what}: expected a DataFrame of customers, got {type(customers).__name__}")
    if customers.empty:
        raise ModelInputError(f"{what}: the customer table has no rows")
    duplicated = customers.index.duplicated()
    if duplicated.any():
        example = customers.index[duplicated][0]
        raise ModelInputError(
            f"{what}: {int(duplicated.sum())} duplicated customer ids in the index (e.g. {example!r})")
    missing = [c for c in columns if c not in customers.columns]
    if missing:
        raise ModelInputError(
            f"{what}: column(s) {', '.join(missing)} missing from the customer table "
            f"(it has {', '.join(map(str, customers.columns)) or 'no columns'})")


def numeric(
    customers: pd.DataFrame,
    column: str,
    *,
    what: str,
    lower: float | None = None,
    upper: float | None = None,
) -> np.ndarray:
    """Return `column` as finite float64 values, raising ModelInputError on text, NaN, inf or out-of-range values."""
    check_table(customers, [column], what=what)
    try:
        values = pd.to_numeric(customers[column], errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"{what}: column {column!r} is not numeric ({exc})") from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise ModelInputError(f"{what}: column {column!r} has {int(bad.sum())} missing or infinite values")
    if lower is not None and (values < lower).any():
        raise ModelInputError(
            f"{what}: column {column!r} has {int((values < lower).sum())} values below {lower:g}")
    if upper is not None and (values > upper).any():
        raise ModelInputError(
            f"{what}: column {column!r} has {int((values > upper).sum())} values above {upper:g}")
    return values


def flags(customers: pd.DataFrame, column: str, *, what: str) -> np.ndarray:
    """Return a yes/no `column` (bool, or 0/1 numbers) as a bool array, raising ModelInputError otherwise."""
    check_table(customers, [column], what=what)
    series = customers[column]
    if series.isna().any():
        raise ModelInputError(f"{what}: column {column!r} has {int(series.isna().sum())} missing values")
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=bool)
    values = numeric(customers, column, what=what)
    if not np.isin(values, (0.0, 1.0)).all():
        raise ModelInputError(f"{what}: column {column!r} must hold true/false or 0/1 values")
    return values.astype(bool)


def aligned(segments: pd.Series, customers: pd.DataFrame, *, what: str) -> pd.Series:
    """Return `segments` in the order of `customers`' index, raising ModelInputError if the ids differ."""
    if not isinstance(segments, pd.Series):
        raise ModelInputError(f"{what}: expected the segments as a Series indexed by customer id")
    if segments.index.duplicated().any():
        raise ModelInputError(
            f"{what}: {int(segments.index.duplicated().sum())} duplicated customer ids in the segments")
    missing = customers.index.difference(segments.index)
    extra = segments.index.difference(customers.index)
    if len(missing) or len(extra):
        raise ModelInputError(
            f"{what}: segments and customers differ: {len(missing)} customers without a segment, "
            f"{len(extra)} segment rows for unknown customers")
    segments = segments.reindex(customers.index)
    if segments.isna().any():
        raise ModelInputError(f"{what}: {int(segments.isna().sum())} customers have a missing segment")
    return segments

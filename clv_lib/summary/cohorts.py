"""Acquisition-month cohorts: who was acquired when, what each cohort did in every month since, and triangles.

A customer's cohort is the calendar month of their first order (orders) or of their first month-end with MRR > 0
(subscriptions, see ``clv_lib.summary.mrr``). ``months_since`` counts calendar months from the cohort month, which
is month 0. A cell (cohort, k) is *observed* when calendar month cohort + k is complete at the observation end (see
``clv_lib.summary.months``); cells beyond are missing, never 0: absent from the tidy cell frames and NaN in the wide
triangles, whose ``defined`` mask (or ``long()`` form) is what a report prints. Cohorts acquired in the final,
incomplete month are left out.

The cell frames are tidy (one row per observed cohort and month since acquisition) and hold the raw counts and
sums, so any triangle can be rebuilt from them; the ``*_triangle`` functions turn them into heat-map-ready tables.
The cells are computed by the engine that holds the data (`EngineOrders.cohort_cells`,
`EngineSubscriptions.cohort_cells`) and assembled here (`_tidy`, `subscription_cells_from`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.months import periods

DEFINITIONS: dict[str, str] = {
    "Cohort": "Customers grouped by the calendar month of their first purchase (subscriptions: first month-end "
              "with MRR above 0); month 0 is that month.",
    "Logo retention": "Share of a cohort's customers who purchase in month k (subscriptions: who have MRR above 0 at "
                      "the end of month k).",
    "Revenue retention": "A cohort's revenue in month k (subscriptions: MRR at the end of month k) divided by its "
                         "revenue in month 0; above 100 % when the remaining customers spend more.",
    "Cumulative value per customer": "A cohort's revenue from month 0 to month k, times the gross margin, divided by "
                                     "the number of customers in the cohort.",
    "Cohort payback": "First month since acquisition in which the cumulative margin per customer reaches the CAC.",
    "Observed cells": "Only months completely observed before the observation end are shown; later cells are "
                      "blank, not zero.",
}


@dataclass(frozen=True, eq=False)
class Triangle:
    """A cohort triangle: one row per cohort, one column per month since acquisition.

    ``values`` holds NaN where a cell is not observed or not defined (e.g. revenue retention of a cohort with no
    month-0 revenue); ``defined`` is the boolean mask of printable cells. ``weights`` is each cohort's base (its
    customers, or its month-0 revenue for revenue retention), used by ``average``.
    """

    values: pd.DataFrame
    defined: pd.DataFrame
    weights: pd.Series
    cohort_sizes: pd.Series
    metric: str

    def long(self) -> pd.DataFrame:
        """Defined cells only, one row each: the cohort key column(s), ``months_since``, ``value``, ``customers``."""
        stacked = self.values.stack(future_stack=True)
        stacked = stacked[self.defined.stack(future_stack=True).to_numpy()]
        out = stacked.rename("value").reset_index()
        keys = list(self.values.index.names)
        sizes = self.cohort_sizes.reindex(pd.MultiIndex.from_frame(out[keys]) if len(keys) > 1 else out[keys[0]])
        out["customers"] = sizes.to_numpy()
        return out

    def average(self) -> pd.Series:
        """Pooled value per month since acquisition over the cohorts where the cell is defined.

        Each cohort counts with its weight (customers, or month-0 revenue), so for logo retention this is retained
        customers over customers of the cohorts observed that long.
        """
        w = self.defined.mul(self.weights, axis=0)
        total = w.sum(axis=0)
        pooled = (self.values.fillna(0.0) * w).sum(axis=0) / total.where(total > 0)
        return pooled.dropna().rename(self.metric)


def subscription_cells_from(first_month: int, last_month: int, size: np.ndarray, cohort: np.ndarray,
                            month: np.ndarray, step: np.ndarray, delta: np.ndarray) -> pd.DataFrame:
    """The ``subscription_cohort_cells`` frame from the MRR changes: per change (or per cohort x calendar month,
    totalled by an engine) the cohort offset `cohort` and calendar month offset `month` from `first_month`, the
    change in paying customers `step` (+1 new or back, -1 churned) and in MRR `delta`; `size` is the customers
    acquired per cohort offset. Shared by the in-memory and the engine paths."""
    width = last_month - first_month + 1
    flat = np.asarray(cohort, np.int64) * width + np.asarray(month, np.int64)
    active = np.bincount(flat, weights=np.asarray(step, np.float64), minlength=width * width
                         ).reshape(width, width).cumsum(axis=1)
    mrr = np.bincount(flat, weights=np.asarray(delta, np.float64), minlength=width * width
                      ).reshape(width, width).cumsum(axis=1)
    # calendar-month columns -> months-since columns
    shift = (np.arange(width)[:, None] + np.arange(width)[None, :]).clip(max=width - 1)
    active = np.take_along_axis(active, shift, axis=1).ravel()
    mrr = np.take_along_axis(mrr, shift, axis=1).ravel()
    mrr[np.abs(mrr) < 1e-6] = 0.0
    out = _tidy(np.asarray(size, np.int64), width, first_month, last_month,
                {"active_customers": np.rint(active).astype(np.int64), "mrr": mrr})
    return out.drop(columns="_group").reset_index(drop=True)


def _tidy(size: np.ndarray, width: int, m0: int, last: int, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Observed cells of cohorts with customers, from per-row sizes and flattened (row x months-since) arrays."""
    rows = np.flatnonzero(size > 0)
    cohort_offset = rows % width
    ages = [np.arange(width - off) for off in cohort_offset]  # observed months since acquisition, per cohort row
    lengths = np.array([len(x) for x in ages], dtype=np.int64)
    row_rep = np.repeat(rows, lengths)
    age = np.concatenate(ages) if len(ages) else np.zeros(0, dtype=np.int64)
    flat = row_rep * width + age
    out = pd.DataFrame({
        "_group": row_rep // width,
        "cohort": periods(row_rep % width + m0),
        "months_since": age,
        "customers": size[row_rep],
    })
    for name, values in columns.items():
        out[name] = values[flat]
    return out


def cells_of_all(cells: pd.DataFrame, by: str) -> pd.DataFrame:
    """The cells of the whole base from its cells by `by` (e.g. the acquisition channel, one per customer, so the
    groups are disjoint and every count adds up): what the engine would compute without `by`, without reading the
    purchases again."""
    keys = ["cohort", "months_since"]
    out = cells.drop(columns=by).groupby(keys, sort=True).sum()
    return out.reset_index()


def _wide(cells: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    keys = _cohort_keys(cells)
    frame = cells[keys + ["months_since"]].assign(_v=values.to_numpy())
    wide = frame.set_index(keys + ["months_since"])["_v"].unstack("months_since")
    wide.columns.name = "months_since"
    return wide


def _cohort_keys(cells: pd.DataFrame) -> list[str]:
    if not {"cohort", "months_since", "customers"} <= set(cells.columns):
        raise DataError("cohort cells: expected the columns cohort, months_since and customers "
                        "(the output of order_cohort_cells or subscription_cohort_cells)")
    known = {"cohort", "months_since", "customers", "active_customers", "orders", "revenue", "mrr"}
    return [c for c in cells.columns if c not in known] + ["cohort"]


def _sizes(cells: pd.DataFrame) -> pd.Series:
    keys = _cohort_keys(cells)
    return cells.groupby(keys, sort=True)["customers"].first()


def _value_column(cells: pd.DataFrame, value: str | None) -> str:
    if value is None:
        value = "revenue" if "revenue" in cells.columns else "mrr"
    if value not in cells.columns:
        raise DataError(f"cohort cells: no column {value!r}")
    return value


def logo_triangle(cells: pd.DataFrame) -> Triangle:
    """Logo retention triangle: active customers in month k over the cohort's customers (month 0 = 1 for orders)."""
    wide = _wide(cells, cells["active_customers"] / cells["customers"])
    sizes = _sizes(cells)
    return Triangle(values=wide, defined=wide.notna(), weights=sizes.astype(float), cohort_sizes=sizes,
                    metric="logo_retention")


def revenue_triangle(cells: pd.DataFrame, value: str | None = None) -> Triangle:
    """Revenue retention triangle: the cohort's revenue (or MRR) in month k over its month-0 revenue.

    Cohorts whose month-0 revenue is 0 have no defined cells (division by zero is not printed as inf).
    """
    value = _value_column(cells, value)
    wide = _wide(cells, cells[value])
    base = wide[0] if 0 in wide.columns else pd.Series(np.nan, index=wide.index)
    ratio = wide.div(base.where(base > 0), axis=0)
    return Triangle(values=ratio, defined=ratio.notna(), weights=base.where(base > 0, 0.0).astype(float),
                    cohort_sizes=_sizes(cells), metric="revenue_retention")


def cumulative_value_triangle(cells: pd.DataFrame, gross_margin: float = 1.0, value: str | None = None
                              ) -> Triangle:
    """Cumulative revenue (times `gross_margin`, a share in (0, 1]) per acquired customer, months 0..k.

    For subscriptions the month-end MRR stands for that month's revenue. Report currency per customer.
    """
    if not 0 < gross_margin <= 1:
        raise ParamsError(f"gross_margin must be in (0, 1], got {gross_margin}")
    value = _value_column(cells, value)
    wide = _wide(cells, cells[value] * gross_margin / cells["customers"])
    cumulative = wide.cumsum(axis=1, skipna=False)
    sizes = _sizes(cells)
    return Triangle(values=cumulative, defined=cumulative.notna(), weights=sizes.astype(float), cohort_sizes=sizes,
                    metric="cumulative_margin_per_customer" if gross_margin < 1 else "cumulative_revenue_per_customer")


def cohort_payback(cumulative: Triangle, cac: float | Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """The month since acquisition in which each cohort's cumulative value per customer first reaches its CAC.

    `cumulative` comes from ``cumulative_value_triangle``; `cac` is one number (currency per acquired customer) or,
    for a triangle with a group level (e.g. channel), a mapping from group to CAC (groups without a CAC are left
    out). One row per cohort: the key column(s), ``cac``, ``paid_back`` (bool), ``payback_month`` (months since
    acquisition, 0 = acquisition month; <NA> when not paid back yet), ``months_observed`` and ``value_to_date``.
    """
    values = cumulative.values
    keys = list(values.index.names)
    if isinstance(cac, (Mapping, pd.Series)):
        if len(keys) < 2:
            raise ParamsError("a CAC per group needs a triangle built with `by` (e.g. by='channel')")
        cac_map = pd.Series(cac, dtype=float)
        per_row = pd.Series(values.index.get_level_values(0).map(cac_map), index=values.index, dtype=float)
    else:
        per_row = pd.Series(float(cac), index=values.index)
    if (per_row.dropna() < 0).any():
        raise ParamsError("CAC must be >= 0")
    keep = per_row.notna().to_numpy()
    values, per_row = values[keep], per_row[keep]
    defined = cumulative.defined[keep]
    reached = values.ge(per_row, axis=0) & defined
    paid = reached.any(axis=1)
    first = reached.to_numpy().argmax(axis=1)
    out = values.index.to_frame(index=False)
    out["cac"] = per_row.to_numpy()
    out["paid_back"] = paid.to_numpy()
    out["payback_month"] = pd.array(np.where(paid, values.columns.to_numpy()[first], 0), dtype="Int64")
    out.loc[~out["paid_back"], "payback_month"] = pd.NA
    out["months_observed"] = defined.sum(axis=1).to_numpy()
    last_idx = np.maximum(defined.to_numpy().sum(axis=1) - 1, 0)
    out["value_to_date"] = values.to_numpy()[np.arange(len(values)), last_idx]
    return out

"""Monthly recurring revenue per customer and the monthly MRR movements bridge (ChartMogul-style, customer level).

Convention: **month-end snapshots**. A customer's MRR in a month is the sum of the ``mrr`` of their subscription
segments active on the month's last day (a segment covers ``start_date <= day < end_date``; a missing end date or
one after the observation end means still active). Movements compare consecutive month-end snapshots of the same
customer, summed over all their subscriptions:

* **new**: MRR goes from 0 to > 0 for the first time;
* **reactivation**: from 0 to > 0 after the customer had MRR in an earlier month;
* **expansion** / **contraction**: MRR rises / falls but stays > 0 (an upgrade, an added seat, a second
  subscription; a downgrade, or cancelling one of several subscriptions);
* **churn**: from > 0 to 0, by the full previous MRR.

So ``start MRR + new + expansion + reactivation - contraction - churn == end MRR`` in every month, exactly.
Consequences of the snapshot convention, stated in the report: a subscription that starts and ends within the same
month never counts (as in ProfitWell); a cancellation counts in the month its end date falls in; no proration.
Months run from the first month with MRR to the last complete month before the observation end (see
``clv_lib.summary.months``). Changes smaller than ``TOLERANCE`` (a millionth of a currency unit) are rounding noise
and are not movements.

The movements are computed by the engine that holds the subscriptions (`clv_lib.summary.engine_subscriptions`,
DuckDB for a file); this module holds their definitions and the frames assembled from the engine's totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.summary.months import periods

#: Movement names, in the order of their integer codes in ``MrrEvents.kind``.
MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
NEW, EXPANSION, REACTIVATION, CONTRACTION, CHURN = range(5)

#: Absolute MRR change (currency units) below which two snapshots are considered equal.
TOLERANCE = 1e-6

#: Definitions for the report's appendix, one sentence per term.
DEFINITIONS: dict[str, str] = {
    "MRR": "Monthly recurring revenue: the sum of the monthly price of every subscription active on the last day "
           "of the month (month-end snapshot; no proration; trials and free plans count as 0).",
    "New MRR": "MRR of customers whose MRR goes from 0 to above 0 for the first time.",
    "Expansion MRR": "Increase of MRR of customers who already paid (upgrades, more seats, extra subscriptions).",
    "Reactivation MRR": "MRR of returning customers whose MRR goes from 0 back to above 0.",
    "Contraction MRR": "Decrease of MRR of customers who keep paying (downgrades, cancelling one of several "
                       "subscriptions).",
    "Churned MRR": "Previous MRR of customers whose MRR drops to 0.",
    "MRR bridge": "Start MRR + new + expansion + reactivation - contraction - churn = end MRR, every month.",
    "ARPA": "Average revenue per account: MRR divided by the number of customers with MRR above 0 (a customer with "
            "several subscriptions counts once).",
    "NRR": "Net revenue retention over 12 months: today's MRR of the customers who had MRR 12 months ago, divided "
           "by their MRR then (new customers excluded; expansion included).",
    "GRR": "Gross revenue retention over 12 months: as NRR but each customer counts at most their MRR of 12 months "
           "ago, so expansion is excluded and GRR is never above 100 %.",
}


def bridge_frame(first_month: int, last_month: int, amounts: dict[str, np.ndarray], counts: dict[str, np.ndarray],
                 n_events: int) -> pd.DataFrame:
    """The ``mrr_bridge`` frame from each movement's monthly total (`amounts`, currency per month) and number of
    customers (`counts`), arrays over the months `first_month`..`last_month`; `n_events` (customer-month changes
    in all) scales the rounding tolerance of the running MRR. Shared by the in-memory and the engine paths."""
    frame = {name: np.asarray(amounts[name], dtype=np.float64) for name in MOVEMENTS}
    counts = {name: np.asarray(counts[name], dtype=np.int64) for name in MOVEMENTS}
    net = frame["new"] + frame["expansion"] + frame["reactivation"] - frame["contraction"] - frame["churn"]
    end_mrr = np.cumsum(net)
    end_mrr[np.abs(end_mrr) < TOLERANCE * max(1, n_events)] = 0.0
    end_customers = np.cumsum(counts["new"] + counts["reactivation"] - counts["churn"])
    out = pd.DataFrame({
        "start_mrr": np.r_[0.0, end_mrr[:-1]],
        **frame,
        "end_mrr": end_mrr,
        "start_customers": np.r_[0, end_customers[:-1]],
        "new_customers": counts["new"],
        "expansion_customers": counts["expansion"],
        "reactivated_customers": counts["reactivation"],
        "contraction_customers": counts["contraction"],
        "churned_customers": counts["churn"],
        "end_customers": end_customers,
    }, index=pd.Index(periods(np.arange(first_month, last_month + 1)), name="month"))
    return out


def spread(lo: np.ndarray, lo_values: np.ndarray, hi: np.ndarray, hi_values: np.ndarray, width: int) -> np.ndarray:
    """Per-month totals of values held over month ranges [lo, hi) (month offsets): difference arrays, summed.
    `lo_values`/`hi_values` are the values entering at `lo` and leaving at `hi` (per range, or already totalled
    per offset by an engine)."""
    size = width + 1
    diff = (np.bincount(np.asarray(lo, np.int64), weights=np.asarray(lo_values, np.float64), minlength=size)
            - np.bincount(np.asarray(hi, np.int64), weights=np.asarray(hi_values, np.float64), minlength=size))
    return np.cumsum(diff)[:-1]


def retention_frame(first_month: int, last_month: int, window_months: int, bridge: pd.DataFrame,
                    spreads: dict[str, np.ndarray], n_events: int) -> pd.DataFrame:
    """The ``revenue_retention`` frame from the bridge and the per-month totals (months `first_month` + window ..
    `last_month`) of ``retained_mrr``, ``retained_mrr_capped`` and ``retained_customers``; shared by the
    in-memory and the engine paths."""
    months = np.arange(first_month + window_months, last_month + 1)
    base = bridge.iloc[: len(months)]  # end of month M - window for M = first + window ...
    out = pd.DataFrame({
        "base_customers": base["end_customers"].to_numpy(),
        "base_mrr": base["end_mrr"].to_numpy(),
        "retained_mrr": spreads["retained_mrr"],
        "retained_mrr_capped": spreads["retained_mrr_capped"],
        "retained_customers": np.rint(spreads["retained_customers"]).astype(np.int64),
    }, index=pd.Index(periods(months), name="month"))
    for name in ("retained_mrr", "retained_mrr_capped"):
        out.loc[out[name].abs() < TOLERANCE * max(1, n_events), name] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["nrr"] = out["retained_mrr"] / out["base_mrr"].where(out["base_mrr"] > 0)
        out["grr"] = np.minimum(out["retained_mrr_capped"] / out["base_mrr"].where(out["base_mrr"] > 0), 1.0)
        out["logo_retention"] = out["retained_customers"] / out["base_customers"].where(out["base_customers"] > 0)
    return out


def empty_retention(months: np.ndarray) -> pd.DataFrame:
    """The ``revenue_retention`` frame without rows (history shorter than the window)."""
    columns = ["base_customers", "base_mrr", "retained_mrr", "retained_mrr_capped", "retained_customers", "nrr",
               "grr", "logo_retention"]
    return pd.DataFrame(columns=columns, index=pd.Index(periods(months), name="month"), dtype=float)

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.encoding import SubscriptionArrays, encode_subscriptions
from clv_lib.summary.months import month_numbers_from_days, observation_timestamp, periods

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


@dataclass(frozen=True, eq=False)
class MrrEvents:
    """Customer-level MRR changes between consecutive month-end snapshots, sorted by customer then month.

    One element per (customer, month) whose month-end MRR differs from the previous month-end's. Build it once
    with ``mrr_events`` and pass it to the other functions of this module instead of the subscriptions frame.
    """

    customer_ids: pd.Index  #: customer id of each code
    customer: np.ndarray  #: int64 customer code
    month: np.ndarray  #: int64 month number of the snapshot that changed
    before: np.ndarray  #: float64 MRR at the previous month end
    after: np.ndarray  #: float64 MRR at this month end
    kind: np.ndarray  #: int8 movement code, index into ``MOVEMENTS``
    first_month: int  #: month number of the first month with MRR (the bridge's first month)
    last_month: int  #: month number of the last complete month
    observation_end: pd.Timestamp

    @property
    def n_months(self) -> int:
        return self.last_month - self.first_month + 1


def mrr_events(subscriptions: pd.DataFrame | SubscriptionArrays | MrrEvents, observation_end) -> MrrEvents:
    """Classify every customer's month-to-month MRR change up to the last complete month before `observation_end`.

    Vectorised over segments: each segment adds its MRR at the end of its start month and removes it at the end of
    the month its end date falls in; the per-customer running sum of these steps is the month-end MRR.
    """
    if isinstance(subscriptions, MrrEvents):
        _same_end(subscriptions.observation_end, observation_end)
        return subscriptions
    arrays = subscriptions if isinstance(subscriptions, SubscriptionArrays) else encode_subscriptions(
        subscriptions, observation_end)
    _same_end(arrays.observation_end, observation_end)
    last = arrays.last_month
    start = month_numbers_from_days(arrays.start_day)
    end = month_numbers_from_days(arrays.end_day)  # exclusive: the segment is gone at the end of this month
    live = (arrays.mrr > 0) & (start < end) & (start <= last)
    if not live.any():
        raise DataError(f"subscriptions: no subscription with MRR > 0 is active at a month end up to "
                        f"{pd.Period(periods([last])[0])} ({len(arrays.mrr):,} segments)")
    first = int(start[live].min())
    stops = live & (end <= last)
    customer = np.concatenate([arrays.customer[live], arrays.customer[stops]])
    month = np.concatenate([start[live], end[stops]])
    delta = np.concatenate([arrays.mrr[live], -arrays.mrr[stops]])

    width = last - first + 1
    key = customer * width + (month - first)
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    key = key[starts]
    delta = np.add.reduceat(delta[order], starts)
    customer, month = key // width, key % width + first

    after = pd.Series(delta).groupby(customer, sort=False).cumsum().to_numpy(copy=True)
    after[np.abs(after) < TOLERANCE] = 0.0
    first_row = np.r_[True, customer[1:] != customer[:-1]]
    before = np.where(first_row, 0.0, np.r_[0.0, after[:-1]])
    changed = np.abs(after - before) >= TOLERANCE
    customer, month, before, after = customer[changed], month[changed], before[changed], after[changed]

    first_row = np.r_[True, customer[1:] != customer[:-1]]
    kind = np.full(len(after), CONTRACTION, dtype=np.int8)
    kind[after > before] = EXPANSION
    kind[after == 0] = CHURN
    kind[before == 0] = REACTIVATION
    kind[first_row] = NEW  # a customer's first change is always their first MRR
    return MrrEvents(customer_ids=arrays.customer_ids, customer=customer, month=month, before=before, after=after,
                     kind=kind, first_month=first, last_month=last, observation_end=arrays.observation_end)


def mrr_changes(subscriptions: pd.DataFrame | MrrEvents, observation_end) -> pd.DataFrame:
    """Tidy customer-level MRR changes: one row per customer and month whose month-end MRR changed.

    Columns: ``customer_id``, ``month`` (Period[M]), ``movement`` (one of ``MOVEMENTS``), ``mrr_before``,
    ``mrr_after`` and ``amount`` (the size of the movement, always >= 0, in currency per month).
    """
    ev = mrr_events(subscriptions, observation_end)
    return pd.DataFrame({
        "customer_id": ev.customer_ids.take(ev.customer),
        "month": periods(ev.month),
        "movement": pd.Categorical.from_codes(ev.kind, categories=list(MOVEMENTS)),
        "mrr_before": ev.before,
        "mrr_after": ev.after,
        "amount": np.abs(ev.after - ev.before),
    })


def mrr_bridge(subscriptions: pd.DataFrame | MrrEvents, observation_end) -> pd.DataFrame:
    """Monthly MRR bridge from the first month with MRR to the last complete month, months without change included.

    Index ``month`` (Period[M]). Columns, in currency per month: ``start_mrr``, ``new``, ``expansion``,
    ``reactivation``, ``contraction``, ``churn`` (all >= 0), ``end_mrr``; customer counts: ``start_customers``,
    ``new_customers``, ``expansion_customers``, ``reactivated_customers``, ``contraction_customers``,
    ``churned_customers``, ``end_customers``. ``start_*`` of a month equals ``end_*`` of the previous month.
    """
    ev = mrr_events(subscriptions, observation_end)
    width = ev.n_months
    index = ev.month - ev.first_month
    amount = np.abs(ev.after - ev.before)
    amounts, counts = {}, {}
    for code, name in enumerate(MOVEMENTS):
        mask = ev.kind == code
        amounts[name] = np.bincount(index[mask], weights=amount[mask], minlength=width)
        counts[name] = np.bincount(index[mask], minlength=width)
    return bridge_frame(ev.first_month, ev.last_month, amounts, counts, len(ev.after))


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


def customer_mrr(subscriptions: pd.DataFrame | MrrEvents, observation_end, month=None) -> pd.Series:
    """Each customer's MRR at the end of `month` (a Period, date or month string; default the last complete month).

    Indexed by ``customer_id``; customers without MRR at that month end have 0.
    """
    ev = mrr_events(subscriptions, observation_end)
    target = ev.last_month if month is None else int(pd.Period(month, freq="M").ordinal)
    if target > ev.last_month:
        raise ParamsError(f"month {periods([target])[0]} is after the last complete month "
                          f"{periods([ev.last_month])[0]} before the observation end")
    return pd.Series(_snapshot(ev, target), index=ev.customer_ids, name="mrr")


def _snapshot(ev: MrrEvents, month: int) -> np.ndarray:
    """MRR of every customer code at the end of month number `month` (0 before their first change)."""
    n = len(ev.customer_ids)
    out = np.zeros(n)
    if month < ev.first_month:
        return out
    width = ev.n_months
    key = ev.customer * width + (ev.month - ev.first_month)
    target = np.arange(n, dtype=np.int64) * width + (min(month, ev.last_month) - ev.first_month)
    idx = np.searchsorted(key, target, side="right") - 1
    ok = idx >= 0
    ok[ok] = ev.customer[idx[ok]] == np.flatnonzero(ok)
    out[ok] = ev.after[idx[ok]]
    return out


def revenue_retention(subscriptions: pd.DataFrame | MrrEvents, observation_end, window_months: int = 12
                      ) -> pd.DataFrame:
    """Net and gross revenue retention over `window_months`, for every month with that much history before it.

    For month M the base is the customers with MRR > 0 at the end of month M - window: ``nrr`` is their MRR at the
    end of M over their MRR at the base (expansion included, new customers excluded), ``grr`` the same with each
    customer capped at their base MRR (Chargebee's per-customer min; never above 1). Index ``month``; columns
    ``base_customers``, ``base_mrr``, ``retained_mrr``, ``retained_mrr_capped``, ``retained_customers``, ``nrr``,
    ``grr``, ``logo_retention``. Empty (no rows) when the history is shorter than the window.

    Vectorised over pairs of a customer's MRR levels: level i (held over months [t_i, t_i+1)) at the base and level
    j >= i at month M contribute to every M in [t_i + window, t_i+1 + window) intersected with [t_j, t_j+1); the
    contributions are added with difference arrays, so no customer x month grid is built.
    """
    if window_months < 1:
        raise ParamsError(f"window_months must be at least 1, got {window_months}")
    ev = mrr_events(subscriptions, observation_end)
    w = int(window_months)
    first_m = ev.first_month + w
    months = np.arange(first_m, ev.last_month + 1)
    if len(months) == 0:
        return empty_retention(months)
    n = len(ev.after)
    same_next = np.r_[ev.customer[1:] == ev.customer[:-1], False]
    level_end = np.where(same_next, np.r_[ev.month[1:], 0], ev.last_month + 1)  # exclusive end month of level
    block_end = np.r_[np.flatnonzero(~same_next) + 1]  # index after each customer's last event
    customer_end = np.repeat(block_end, np.diff(np.r_[0, block_end]))
    counts = np.where(ev.after > 0, customer_end - np.arange(n), 0)
    i = np.repeat(np.arange(n), counts)
    j = i + (np.arange(len(i)) - np.repeat(np.cumsum(counts) - counts, counts))
    lo = np.maximum.reduce([ev.month[i] + w, ev.month[j], np.full(len(i), first_m)])
    hi = np.minimum.reduce([level_end[i] + w, level_end[j], np.full(len(i), ev.last_month + 1)])
    ok = lo < hi
    i, j, lo, hi = i[ok], j[ok], lo[ok] - first_m, hi[ok] - first_m
    values = {"retained_mrr": ev.after[j], "retained_mrr_capped": np.minimum(ev.after[i], ev.after[j]),
              "retained_customers": (ev.after[j] > 0).astype(float)}
    spreads = {name: spread(lo, v, hi, v, len(months)) for name, v in values.items()}
    return retention_frame(ev.first_month, ev.last_month, w, mrr_bridge(ev, observation_end), spreads, n)


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


def _same_end(actual: pd.Timestamp, requested) -> None:
    if observation_timestamp(requested) != actual:
        raise ParamsError(f"observation_end {observation_timestamp(requested).date()} differs from the one the MRR "
                          f"events were built with ({actual.date()})")


"""Per-customer subscription tenure in whole periods with a churn indicator and right-censoring.

This is the input of the shifted-beta-geometric (sBG) model and of the Kaplan-Meier survival curves. Conventions
(Fader & Hardie 2007, "How to project customer retention", J. Interactive Marketing 21(1)): a customer is acquired
at time 0 and renews at the end of every period of ``period_months`` calendar months (the anniversaries of their
start date; a start on the 31st renews on the last day of shorter months).

* A customer's *lifetime* is their first spell of paid coverage: from their first paid segment (``mrr > 0``) to the
  first day no paid segment covers them. Segments that touch or overlap (a plan change ends one segment and starts
  the next on the same day) are one spell; a gap of even one day ends it. A later return is a reactivation, shown
  as ``reactivated`` but not part of the tenure.
* **churned** (``churned=True``): the spell ended on or before the observation end. ``tenure`` = the number of
  periods begun, i.e. 1 + the renewals survived: lost at the first renewal -> tenure 1, as in the sBG model.
* **censored** (``churned=False``, still paying at the observation end): ``tenure`` = the renewals survived so
  far (anniversaries reached on or before the observation end), so the customer is known to be alive after
  ``tenure`` periods; 0 for a customer in their first period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.encoding import SubscriptionArrays, encode_subscriptions
from clv_lib.summary.months import MISSING, day_numbers, periods

DEFINITIONS: dict[str, str] = {
    "Tenure": "Whole billing periods of a customer's first paid spell: for a churned customer the periods begun "
              "(lost at the first renewal = 1), for an active one the renewals reached so far.",
    "Censoring": "Customers still paying at the observation end are censored: they count as surviving up to "
                 "their tenure, not as churned.",
}


def whole_months(start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
    """Monthly anniversaries of each start day reached on or before each end day (both day numbers, end >= start).

    The k-th anniversary is the same day of the month k months later, or the month's last day when that month is
    shorter (31 January -> 28/29 February -> 31 March).
    """
    start = np.asarray(start_day, dtype=np.int64).astype("datetime64[D]")
    end = np.asarray(end_day, dtype=np.int64).astype("datetime64[D]")
    start_month, end_month = start.astype("datetime64[M]"), end.astype("datetime64[M]")
    months = (end_month - start_month).astype(np.int64)
    start_dom = (start - start_month.astype("datetime64[D]")).astype(np.int64) + 1
    end_dom = (end - end_month.astype("datetime64[D]")).astype(np.int64) + 1
    end_month_days = ((end_month + 1).astype("datetime64[D]") - end_month.astype("datetime64[D]")).astype(np.int64)
    return months - (np.minimum(start_dom, end_month_days) > end_dom)


def subscription_tenure(subscriptions: pd.DataFrame | SubscriptionArrays, observation_end, *,
                        period_months: int = 1) -> pd.DataFrame:
    """Tenure and churn indicator of every customer with a paid subscription, indexed by ``customer_id``.

    Columns: ``start_date``, ``end_date`` (end of the first spell; NaT when still active), ``tenure`` (int, whole
    periods of `period_months` months, see the module docstring), ``churned`` (bool), ``plan`` (plan of the first
    segment, or ``"(none)"`` without a plan column), ``cohort`` (Period[M] of the start date), ``reactivated``
    (bool, a later spell exists). Vectorised: one sort of the segments, no loop over customers.
    """
    if int(period_months) != period_months or period_months < 1:
        raise ParamsError(f"period_months must be a whole number >= 1, got {period_months}")
    a = subscriptions if isinstance(subscriptions, SubscriptionArrays) else encode_subscriptions(
        subscriptions, observation_end)
    paid = a.mrr > 0
    if not paid.any():
        raise DataError(f"subscriptions: no segment with mrr > 0 ({len(a.mrr):,} segments)")
    customer, start, end = a.customer[paid], a.start_day[paid], a.end_day[paid]
    plan = a.plan[paid] if a.plan is not None else np.full(len(customer), "(none)", dtype=object)
    order = np.lexsort((start, customer))
    customer, start, end, plan = customer[order], start[order], end[order], plan[order]

    first_row = np.r_[True, customer[1:] != customer[:-1]]
    reach = pd.Series(end).groupby(customer, sort=False).cummax().to_numpy()  # MISSING (open) is the largest
    previous_reach = np.r_[np.int64(0), reach[:-1]]
    new_spell = first_row | (start > previous_reach)
    spell = pd.Series(new_spell.astype(np.int64)).groupby(customer, sort=False).cumsum().to_numpy() - 1
    in_first = spell == 0
    codes = customer[first_row]
    spell_end = pd.Series(end[in_first]).groupby(customer[in_first], sort=False).max().reindex(codes).to_numpy()
    reactivated = pd.Series(spell).groupby(customer, sort=False).max().reindex(codes).to_numpy() > 0
    start0 = start[first_row]

    churned = spell_end != MISSING
    obs_day = day_numbers(np.array([a.observation_end.to_datetime64()]))[0]
    tenure = np.empty(len(codes), dtype=np.int64)
    tenure[churned] = whole_months(start0[churned], spell_end[churned] - 1) // period_months + 1
    tenure[~churned] = whole_months(start0[~churned], np.full((~churned).sum(), obs_day)) // period_months

    end_dates = np.where(churned, spell_end, np.iinfo(np.int64).min).astype("datetime64[D]")
    return pd.DataFrame({
        "start_date": start0.astype("datetime64[D]").astype("datetime64[ns]"),
        "end_date": end_dates.astype("datetime64[ns]"),
        "tenure": tenure,
        "churned": churned,
        "plan": plan[first_row],
        "cohort": periods(start0.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)),
        "reactivated": reactivated,
    }, index=a.customer_ids.take(codes))

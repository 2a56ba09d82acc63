"""Customer lifetime value of subscribers from the shifted-beta-geometric (sBG) retention model.

A subscriber active at the valuation date with tenure n (renewals survived, in contract periods of L months)
keeps paying her current MRR while subscribed. She must survive each renewal that falls in the horizon; under the
sBG model (Fader & Hardie 2007) the probability of surviving k more renewals is S(n + k) / S(n) with
S(t) = B(alpha, beta + t) / B(alpha, beta). Her next renewal is `months_to_renewal` months away (1..L), then every
L months, so by month m she has faced k(m) = 0 renewals if m < months_to_renewal, else
1 + floor((m - months_to_renewal) / L). The value over H months is

    CLV_H = sum_{m=1..H} margin x MRR x S(n + k(m)) / S(n) / (1 + i)^m

with i the monthly rate equivalent to the annual discount rate (revenue recognised monthly, as MRR is). Churned
customers are worth 0 (reactivations are not predicted). Never NaN, inf or negative.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.exceptions import ModelInputError
from clv_lib.models import ShiftedBetaGeoModel
from clv_lib.value.clv import _check_money, monthly_discount_factors


def renewals_by_month(months_to_renewal: np.ndarray, period_months: np.ndarray, horizon_months: int) -> np.ndarray:
    """k(m) for m = 1..horizon: renewals faced by the end of month m (customers x months)."""
    m = np.arange(1, horizon_months + 1, dtype=float)[None, :]
    first = np.asarray(months_to_renewal, dtype=float)[:, None]
    period = np.asarray(period_months, dtype=float)[:, None]
    return np.where(m < first, 0.0, 1.0 + np.floor((m - first) / period))


def conditional_survival(alpha: float, beta: float, tenure: np.ndarray, renewals: np.ndarray) -> np.ndarray:
    """S(n + k) / S(n) under sBG(alpha, beta), for tenure n (customers) and renewals k (customers x months)."""
    n = np.asarray(tenure, dtype=float)[:, None]
    return np.exp(special.betaln(alpha, beta + n + renewals) - special.betaln(alpha, beta + n))


def survival_paths(customers: pd.DataFrame, models: Mapping[float, ShiftedBetaGeoModel],
                   horizon_months: int) -> np.ndarray:
    """P(still subscribed, paying month m) for m = 1..horizon_months (customers x months): S(n + k(m)) / S(n)
    under the sBG model of each customer's contract length; 0 for customers not active at the valuation date.
    `customers` as in `subscription_clv`."""
    needed = {"active", "tenure", "period_months", "months_to_renewal", "mrr"}
    missing = needed - set(customers.columns)
    if missing:
        raise ModelInputError(f"subscription CLV: customer table is missing {sorted(missing)}")
    alive = np.zeros((len(customers), int(horizon_months)))
    active = customers["active"].to_numpy(bool)
    period = customers["period_months"].to_numpy(float)
    for length in np.unique(period[active]):
        rows = active & (period == length)
        model = models.get(float(length))
        if model is None:
            raise ModelInputError(f"subscription CLV: no retention model for {length:g}-month contracts")
        k = renewals_by_month(customers["months_to_renewal"].to_numpy(float)[rows], period[rows], horizon_months)
        alive[rows] = conditional_survival(model.params_["alpha"], model.params_["beta"],
                                           customers["tenure"].to_numpy(float)[rows], k)
    return alive


def subscription_clv(customers: pd.DataFrame, models: Mapping[float, ShiftedBetaGeoModel], *,
                     horizons_months: Sequence[int] = (12, 24), annual_discount_rate: float = 0.10,
                     margin: float = 1.0) -> pd.DataFrame:
    """Per-customer CLV of subscribers.

    `customers` (indexed by customer id) needs `active` (bool), `tenure` (renewals survived, whole periods),
    `period_months` (contract length L), `months_to_renewal` (1..L) and `mrr` (current monthly revenue).
    `models` maps each contract length L to a fitted sBG model for that length. Returns `prob_alive` (probability
    of still being subscribed at the end of the first horizon; 0 for churned customers), `expected_months_{H}m`
    (expected subscribed months in the next H months) and `clv_{H}m` (discounted margin).
    """
    horizons = _check_money(margin, horizons_months)
    longest = max(horizons)
    discounts = monthly_discount_factors(longest, annual_discount_rate)
    alive = survival_paths(customers, models, longest)
    mrr = np.clip(customers["mrr"].to_numpy(float), 0.0, None)
    out = pd.DataFrame({"prob_alive": alive[:, horizons[0] - 1]}, index=customers.index)
    for h in horizons:
        out[f"expected_months_{h}m"] = alive[:, :h].sum(axis=1)
        out[f"clv_{h}m"] = margin * mrr * (alive[:, :h] * discounts[:h]).sum(axis=1)
    values = out.to_numpy(float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ModelInputError("subscription CLV: non-finite or negative values; check the MRR column")
    return out

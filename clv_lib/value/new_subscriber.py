"""What a subscriber acquired today is worth: expected discounted gross margin over fixed horizons from the
shifted-beta-geometric (sBG) retention model, per acquisition channel (or plan) and overall, with an interval from
the parameter uncertainty. The subscription counterpart of `clv_lib.value.new_customer`, returning the same
`NewCustomerValue`, so the CAC budgets (`clv_lib.value.acquisition.channel_budgets`) and the report's chapter
layout are the same for both kinds of business.

A new subscriber on a contract of L months pays her monthly revenue (MRR, recognised monthly as everywhere in the
report) from the month she signs up; she is still paying in month m (m = 0 the sign-up month) if she has survived
the k(m) = floor(m / L) renewals that fall in (0, m], with probability S(k) = B(alpha, beta + k) / B(alpha, beta)
under the sBG of her cell (Fader & Hardie 2007, "How to Project Customer Retention", eq. 4; the same survival that
values existing subscribers, `clv_lib.value.subscription_clv.conditional_survival` at tenure 0). Her value over H
months, at most H months of revenue, is

    margin x MRR x sum_{m=0..H-1} S(k(m)) / (1 + i)^m,

i the monthly rate equivalent to the annual discount rate; the sign-up month is not discounted, as a new
customer's first order is not. A group's value is the average over the subscribers it acquired recently
(`acquisitions`): their starting MRR as observed, each under the sBG of her cell and contract length, so the
group's mix of plans and contract lengths is the one a new subscriber of it is expected to bring.

The interval: the delta method on the log scale, as for orders: derivatives of each group's log value in every
model's log-parameters (forward differences), the estimates' covariance (models fitted on different subscribers
are independent); the observed starting MRRs are taken as known.

`cumulative_margin` keeps, per group, the undiscounted expected margin by month since sign-up (month 0 = the
first month's margin): the curve a CAC is paid back on.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.exceptions import ModelInputError
from clv_lib.value.clv import _check_money, monthly_discount_factors
from clv_lib.value.new_customer import ALL, HORIZONS_MONTHS, PATH_MONTHS, NewCustomerValue
from clv_lib.value.subscription_clv import conditional_survival


def new_subscriber_value(models: Mapping[tuple, object], acquisitions: pd.DataFrame, *, group: str | None,
                         margin: float, annual_discount_rate: float,
                         horizons_months: Sequence[int] = HORIZONS_MONTHS, path_months: int = PATH_MONTHS,
                         level: float = 0.90) -> NewCustomerValue:
    """New-subscriber value per `group` (a column of `acquisitions`; None: overall only) and overall.

    `acquisitions`: one row per recently acquired subscriber with `mrr` (her starting monthly revenue),
    `period_months` (contract length L) and `cell` (which retention model she follows). `models` maps
    (cell, L) to a fitted `ShiftedBetaGeoModel` (periods = L months) for every pair in `acquisitions`.

    The table has per group: customers, mrr (mean starting MRR), expected_months_{H}m (expected paid months in
    the first H), clv_{H}m with its interval clv_{H}m_low / _high.
    """
    horizons = _check_money(margin, horizons_months)
    needed = {"mrr", "period_months", "cell"} | ({group} if group else set())
    missing = needed - set(acquisitions.columns)
    if acquisitions.empty or missing:
        raise ModelInputError(f"new-subscriber value: needs recent acquisitions with {sorted(needed)}"
                              + (f" (missing {sorted(missing)})" if missing else ""))
    mrr = acquisitions["mrr"].to_numpy(float)
    if not np.all(np.isfinite(mrr)) or np.any(mrr < 0):
        raise ModelInputError("new-subscriber value: the starting MRR must be a number >= 0 for every subscriber")
    kernel = _Kernel(models, acquisitions, group, max(max(horizons), int(path_months)), annual_discount_rate, margin,
                     horizons)
    point = kernel.values(kernel.params)
    table = kernel.frame(point)
    low, high, interval = _delta_interval(kernel, point["clv"], level)
    for j, h in enumerate(horizons):
        table[f"clv_{h}m_low"] = np.minimum(low[:, j], table[f"clv_{h}m"])
        table[f"clv_{h}m_high"] = np.maximum(high[:, j], table[f"clv_{h}m"])
    months = pd.Index(np.arange(kernel.longest + 1), name="month")
    return NewCustomerValue(table, pd.DataFrame(point["path"], index=table.index, columns=months), horizons,
                            interval)


def pair_codes(first: pd.Series, second: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """(code of each row, the distinct (first, second) pairs by code): one hash pass per column, the pairs built on
    the distinct values only."""
    a, a_values = pd.factorize(first)
    b, b_values = pd.factorize(second)
    codes, keys = pd.factorize(a.astype(np.int64) * len(b_values) + b)
    return codes, [(a_values[k // len(b_values)], b_values[k % len(b_values)]) for k in keys]


class _Kernel:
    """Per-group averages for one set of sBG parameters, computed on the distinct (cell, contract length) patterns
    of the acquisitions: a subscriber's value is her MRR times her pattern's value of one unit of MRR."""

    def __init__(self, models, acquisitions, group, longest, annual_discount_rate, margin, horizons):
        labels = acquisitions[group].astype(str).to_numpy() if group else np.full(len(acquisitions), ALL)
        self.groups = pd.Index([ALL] + sorted(set(labels) - {ALL}) if group else [ALL], name="group")
        group_code = self.groups.get_indexer(labels)
        pattern, distinct = pair_codes(acquisitions["cell"].astype(str), acquisitions["period_months"].astype(float))
        self.patterns = [tuple(k) for k in distinct]
        absent = [k for k in self.patterns if k not in models]
        if absent:
            raise ModelInputError(f"new-subscriber value: no retention model for {absent}")
        self.keys = list(dict.fromkeys(self.patterns))
        self.params = {k: (models[k].params_["alpha"], models[k].params_["beta"]) for k in self.keys}
        self.covariance = {k: getattr(models[k], "log_param_covariance_", None) for k in self.keys}
        # MRR of each group's acquisitions in each pattern, per acquired subscriber of the group.
        mrr = acquisitions["mrr"].to_numpy(float)
        sums = np.zeros((len(self.groups), len(self.patterns)))
        members = np.zeros((len(self.groups), len(self.patterns)))
        np.add.at(sums, (group_code, pattern), mrr)
        np.add.at(members, (group_code, pattern), 1.0)
        sums[0] = np.bincount(pattern, weights=mrr, minlength=len(self.patterns))
        members[0] = np.bincount(pattern, minlength=len(self.patterns))
        self.customers = members.sum(axis=1)
        self.mrr_weights = sums / self.customers[:, None]  # groups x patterns
        self.shares = members / self.customers[:, None]
        self.longest = longest
        months = np.arange(longest + 1, dtype=float)
        lengths = np.array([k[1] for k in self.patterns])
        self.renewals = np.floor(months[None, :] / lengths[:, None])  # patterns x months 0..longest
        discounts = np.r_[1.0, monthly_discount_factors(longest, annual_discount_rate)]
        self.discount = np.stack([np.where(months < h, discounts, 0.0) for h in horizons], axis=1)
        self.in_horizon = np.stack([(months < h).astype(float) for h in horizons], axis=1)
        self.margin, self.horizons = margin, horizons

    def values(self, params: dict) -> dict:
        alive = np.stack([conditional_survival(*params[key], np.zeros(1), self.renewals[p][None, :])[0]
                          for p, key in enumerate(self.patterns)])  # patterns x months 0..longest
        per_mrr = self.mrr_weights @ alive  # groups x months: expected MRR paid per acquired subscriber
        return {"clv": self.margin * per_mrr @ self.discount, "months": self.shares @ alive @ self.in_horizon,
                "mrr": self.mrr_weights.sum(axis=1), "path": self.margin * np.cumsum(per_mrr, axis=1)}

    def frame(self, point: dict) -> pd.DataFrame:
        out = pd.DataFrame({"customers": self.customers.astype(int), "mrr": point["mrr"]}, index=self.groups)
        for j, h in enumerate(self.horizons):
            out[f"expected_months_{h}m"] = point["months"][:, j]
            out[f"clv_{h}m"] = point["clv"][:, j]
        return out


def _delta_interval(kernel: _Kernel, value: np.ndarray, level: float):
    """(low, high, description): the delta-method interval of every group's value on the log scale."""
    usable = [k for k in kernel.keys if kernel.covariance[k] is not None]
    if not usable:
        return value, value, "no interval: the retention models' standard errors are unavailable"
    centre = np.log(np.maximum(value, 1e-300))
    variance = np.zeros_like(value)
    step = 1e-4
    for key in usable:
        theta = np.log(kernel.params[key])
        gradient = []
        for i in range(2):
            moved = dict(kernel.params)
            moved[key] = tuple(np.exp(theta + step * np.eye(2)[i]))
            out = kernel.values(moved)["clv"]
            gradient.append((np.log(np.maximum(out, 1e-300)) - centre) / step)
        gradient = np.stack(gradient, axis=-1)  # groups x horizons x 2
        variance += np.einsum("ghi,ij,ghj->gh", gradient, kernel.covariance[key], gradient)
    z = special.ndtri(0.5 + level / 2)
    se = np.sqrt(np.clip(variance, 0.0, None))
    return (np.exp(centre - z * se), np.exp(centre + z * se),
            f"{level:.0%} delta-method interval on the log scale from the retention models' parameters' asymptotic "
            "normal distribution; parameter uncertainty only")

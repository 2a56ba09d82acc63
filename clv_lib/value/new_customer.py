"""What a customer acquired today is worth: expected discounted gross margin over fixed horizons, unconditional on
any history, per acquisition channel and overall, with an interval from the parameter uncertainty.

A new customer makes her first order now, then repeat purchases as the fitted transaction model expects of a
customer with no history: E[X(t)], the expected repeat purchases in (0, t] (for the BG/NBD, equation 7 of Fader,
Hardie & Lee 2005; SMC 1987's eq. 17 for the Pareto/NBD), each at the spend model's mean spend per repeat purchase
(Gamma-Gamma: p v / (q - 1)). With covariates, both depend on the customer's covariates (her channel, first-order
value band, season). Her value over H months is

    margin x [first-order value + spend per repeat purchase x sum_{m=1..H} (E[X(m)] - E[X(m-1)]) / (1 + i)^m],

months converted into the summary's time unit, i the monthly equivalent of the annual discount rate (as the
customer CLV). A channel's value is the average over the customers it acquired recently (`acquisitions`): their
first-order values as observed and each one's covariates, so the channel's mix of first-order values and seasons
is the one a new customer of it is expected to bring. The interval: transaction and spend parameters drawn from
their estimates' asymptotic normal distribution (log scale), everything recomputed per draw, central `level` share
of each group's values by the delta method on the log scale: exp(+-z se) around the estimate, se from the
derivatives of the log value in every log-parameter (forward differences, one recomputation per parameter) and the
estimates' covariance (the observed first-order values are taken as known). A channel's value is a smooth function
of a handful of parameters, each pinned down by thousands of customers, where this is accurate; it costs a few
dozen evaluations of the closed forms where a bootstrap would need hundreds.

`cumulative_margin` keeps, per group, the undiscounted expected margin by month since acquisition (month 0 is the
first order): the curve a CAC is paid back on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.models.base import TransactionModel
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.timeunit import TimeUnit
from clv_lib.value.clv import _check_money, monthly_discount_factors
from scipy import special

HORIZONS_MONTHS = (12, 24, 36)
#: Months the cumulative margin is followed for the payback month.
PATH_MONTHS = 60
ALL = "all"


@dataclass
class NewCustomerValue:
    """Per group (e.g. channel) and overall ("all"): `table` with customers (recent acquisitions), first_order_value,
    spend_per_purchase, purchases_{H}m, clv_{H}m and its interval clv_{H}m_low / _high; `cumulative_margin`
    (groups x months 0..PATH_MONTHS, undiscounted); how the interval was obtained."""

    table: pd.DataFrame
    cumulative_margin: pd.DataFrame
    horizons: tuple[int, ...]
    interval: str
    notes: list[str] = field(default_factory=list)


def new_customer_value(model: TransactionModel, spend, acquisitions: pd.DataFrame, *, group: str | None,
                       time_unit: "str | TimeUnit", margin: float, annual_discount_rate: float,
                       horizons_months: Sequence[int] = HORIZONS_MONTHS, path_months: int = PATH_MONTHS,
                       level: float = 0.90) -> NewCustomerValue:
    """New-customer value per `group` (a column of `acquisitions`; None: overall only) and overall.

    `model`: a fitted transaction model (with or without covariates); `spend`: a fitted Gamma-Gamma model (with or
    without covariates) or a number (money per repeat purchase). `acquisitions`: one row per recently acquired
    customer with `first_order_value` and the covariate columns the models use.
    """
    horizons = _check_money(margin, horizons_months)
    if "first_order_value" not in acquisitions.columns or acquisitions.empty:
        raise ModelInputError("new-customer value: needs recent acquisitions with their first_order_value")
    unit = TimeUnit.of(time_unit)
    longest = max(max(horizons), int(path_months))
    kernel = _Kernel(model, spend, acquisitions, group, unit, longest, annual_discount_rate, margin, horizons)
    point = kernel.values(model, spend)
    table = kernel.frame(point)
    low, high, interval = _delta_interval(kernel, model, spend, point["clv"], level)
    for j, h in enumerate(horizons):
        table[f"clv_{h}m_low"] = np.minimum(low[:, j], table[f"clv_{h}m"])
        table[f"clv_{h}m_high"] = np.maximum(high[:, j], table[f"clv_{h}m"])
    months = pd.Index(np.arange(longest + 1), name="month")
    cumulative = pd.DataFrame(point["path"], index=table.index, columns=months)
    return NewCustomerValue(table, cumulative, horizons, interval)


class _Kernel:
    """The per-group averages for one set of model parameters, computed on the distinct covariate patterns of the
    acquisitions (customers with the same covariates share their expected purchases and spend)."""

    def __init__(self, model, spend, acquisitions, group, unit, longest, annual_discount_rate, margin, horizons):
        columns = sorted(set(getattr(model, "covariates", ())) | set(getattr(spend, "covariates", ())))
        missing = [c for c in columns if c not in acquisitions.columns]
        if missing:
            raise ModelInputError(f"new-customer value: the acquisitions have no column(s) {missing}")
        labels = acquisitions[group].astype(str).to_numpy() if group else np.full(len(acquisitions), ALL)
        self.groups = pd.Index([ALL] + sorted(set(labels) - {ALL}) if group else [ALL])
        group_code = self.groups.get_indexer(labels)
        factors = [pd.factorize(acquisitions[c], use_na_sentinel=False) for c in columns]
        key = np.zeros(len(acquisitions), dtype=np.int64)
        for codes, uniques in factors:
            key = key * (len(uniques) + 1) + codes
        pattern, distinct = pd.factorize(key)
        first = np.flatnonzero(np.r_[True, np.diff(np.sort(pattern)) > 0])
        rows = np.argsort(pattern, kind="stable")[first]  # one acquisition per pattern
        self.patterns = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": 0.0, "monetary_value": 0.0,
                                      **{c: acquisitions[c].to_numpy()[rows] for c in columns}},
                                     index=pd.RangeIndex(len(rows)))
        # Share of each group's customers in each pattern; the overall row counts everyone.
        counts = np.zeros((len(self.groups), len(distinct)))
        np.add.at(counts, (group_code, pattern), 1.0)
        counts[0] = np.bincount(pattern, minlength=len(distinct))
        self.customers = counts.sum(axis=1)
        self.weights = counts / self.customers[:, None]
        first_value = acquisitions["first_order_value"].to_numpy(float)
        sums = np.zeros(len(self.groups))
        np.add.at(sums, group_code, first_value)
        sums[0] = first_value.sum()
        self.first_value = sums / self.customers
        self.times = unit.months_to_periods(np.arange(1, longest + 1, dtype=float))
        discounts = monthly_discount_factors(longest, annual_discount_rate)
        self.discount = np.stack([np.where(np.arange(longest) < h, discounts, 0.0) for h in horizons], axis=1)
        self.horizon_weights = np.stack([(np.arange(longest) < h).astype(float) for h in horizons], axis=1)
        self.margin, self.horizons = margin, horizons

    def values(self, model, spend) -> dict:
        if hasattr(model, "expected_purchases_new_of"):  # patterns x months, cumulative
            path = model.expected_purchases_new_of(self.patterns, self.times)
        else:
            path = np.tile(model.expected_purchases_new(self.times), (len(self.patterns), 1))
        increments = np.diff(path, axis=1, prepend=0.0).clip(min=0.0)
        per_purchase = _spend_of(spend, self.patterns)
        repeat_value = per_purchase[:, None] * increments  # money per month, undiscounted
        return {"clv": self.margin * (self.first_value[:, None] + self.weights @ (repeat_value @ self.discount)),
                "purchases": self.weights @ (increments @ self.horizon_weights),
                "spend": self.weights @ per_purchase,
                "path": self.margin * (self.first_value[:, None] + np.hstack(
                    [np.zeros((len(self.groups), 1)), np.cumsum(self.weights @ repeat_value, axis=1)]))}

    def frame(self, point: dict) -> pd.DataFrame:
        out = pd.DataFrame({"customers": self.customers.astype(int), "first_order_value": self.first_value,
                            "spend_per_purchase": point["spend"]}, index=pd.Index(self.groups, name="group"))
        for j, h in enumerate(self.horizons):
            out[f"purchases_{h}m"] = point["purchases"][:, j]
            out[f"clv_{h}m"] = point["clv"][:, j]
        return out


def _spend_of(spend, patterns: pd.DataFrame) -> np.ndarray:
    """Mean spend per repeat purchase of a customer with no history, per pattern."""
    if isinstance(spend, GammaGammaModel):
        return spend.expected_spend(patterns).to_numpy(float)
    value = float(spend)
    if not np.isfinite(value) or value < 0:
        raise ModelInputError(f"new-customer value: spend per purchase must be a number >= 0, got {spend!r}")
    return np.full(len(patterns), value)


def _delta_interval(kernel: _Kernel, model, spend, value: np.ndarray, level: float):
    """(low, high, description): the delta-method interval of every group's value on the log scale."""
    parts = [(model, "transaction")]
    if isinstance(spend, GammaGammaModel):
        parts.append((spend, "spend"))
    usable = [(fitted, role) for fitted, role in parts if getattr(fitted, "log_param_covariance_", None) is not None]
    if not any(role == "transaction" for _, role in usable):
        return value, value, "no interval: the model's standard errors are unavailable"
    centre = np.log(np.maximum(value, 1e-300))
    variance = np.zeros_like(value)
    step = 1e-4
    for fitted, role in usable:
        theta = np.log([fitted.params_[n] for n in fitted.param_names])
        gradient = []
        for i in range(len(theta)):
            moved = fitted.with_params(**dict(zip(fitted.param_names, np.exp(theta + step * np.eye(len(theta))[i]))))
            out = kernel.values(moved, spend) if role == "transaction" else kernel.values(model, moved)
            gradient.append((np.log(np.maximum(out["clv"], 1e-300)) - centre) / step)
        gradient = np.stack(gradient, axis=-1)  # groups x horizons x parameters
        variance += np.einsum("ghi,ij,ghj->gh", gradient, fitted.log_param_covariance_, gradient)
    z = special.ndtri(0.5 + level / 2)
    se = np.sqrt(np.clip(variance, 0.0, None))
    what = "transaction and spend model" if len(usable) > 1 else "transaction model"
    return (np.exp(centre - z * se), np.exp(centre + z * se),
            f"{level:.0%} delta-method interval on the log scale from the {what} parameters' asymptotic normal "
            "distribution; parameter uncertainty only")

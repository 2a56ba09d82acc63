"""Uncertainty of total and per-group CLV from the estimation error of the model parameters.

Parametric bootstrap on the asymptotic distribution of the maximum-likelihood estimates: parameter vectors are
drawn from the normal approximation of the log-parameters (mean = estimate, covariance = inverse Hessian, so the
draws stay positive), the CLV of every customer is recomputed for each draw, and the interval is the central
`level` share of the resulting totals. It measures how well the data pin the models down, not the randomness
of the customers' future purchases (which mostly averages out in totals).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from clv_lib.models.base import TransactionModel
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.timeunit import TimeUnit
from clv_lib.value.clv import customer_clv


def draw_models(model, n_draws: int, rng: np.random.Generator) -> list:
    """`n_draws` copies of a fitted model with parameters drawn from the estimate's sampling distribution;
    an empty list when the fit has no usable covariance (standard errors unavailable)."""
    cov = getattr(model, "log_param_covariance_", None)
    if cov is None:
        return []
    centre = np.log([model.params_[n] for n in model.param_names])
    draws = rng.multivariate_normal(centre, cov, size=n_draws, method="cholesky")
    return [model.with_params(**dict(zip(model.param_names, np.exp(d)))) for d in draws]


def clv_intervals(summary: pd.DataFrame, model: TransactionModel, spend, *, time_unit: "str | TimeUnit",
                  horizon_months: int = 12, annual_discount_rate: float = 0.10, margin: float = 1.0,
                  groups: pd.Series | None = None, n_draws: int = 200, level: float = 0.90,
                  seed: int = 0) -> pd.DataFrame:
    """Total and per-group CLV over `horizon_months` with a `level` interval (money).

    `spend` as in `customer_clv` (a fitted GammaGammaModel's parameters are drawn too). `groups` labels the
    customers (e.g. segments), aligned on the summary's index. Returns one row for "total" and one per group,
    columns customers, estimate, lower, upper; `.attrs["method"]` says how the interval was obtained.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    column = f"clv_{int(horizon_months)}m"
    kwargs = dict(time_unit=time_unit, horizons_months=(int(horizon_months),),
                  annual_discount_rate=annual_discount_rate, margin=margin)
    labels = _labels(summary, groups)
    point = _totals(customer_clv(summary, model, spend, **kwargs)[column], labels)
    rng = np.random.default_rng(seed)
    models = draw_models(model, n_draws, rng)
    spends = draw_models(spend, n_draws, rng) if isinstance(spend, GammaGammaModel) else []
    out = pd.DataFrame({"customers": labels.value_counts().reindex(point.index, fill_value=0)})
    out.loc["total", "customers"] = len(summary)
    out["estimate"] = point
    if not models:
        out["lower"] = out["upper"] = point
        out.attrs["method"] = ("no interval: the transaction model's standard errors are unavailable, "
                               "the range shows the point estimate only")
        return out
    totals = []
    for i, drawn in enumerate(models):
        drawn_spend = spends[i] if spends else spend
        totals.append(_totals(customer_clv(summary, drawn, drawn_spend, **kwargs)[column], labels))
    table = pd.concat(totals, axis=1)
    tail = (1 - level) / 2
    out["lower"] = np.minimum(table.quantile(tail, axis=1), point)
    out["upper"] = np.maximum(table.quantile(1 - tail, axis=1), point)
    what = "transaction and spend model" if spends else "transaction model"
    out.attrs["method"] = (f"{level:.0%} parametric-bootstrap interval: {n_draws} draws of the {what} parameters "
                           "from the estimates' asymptotic normal distribution (log scale); parameter "
                           "uncertainty only")
    return out


def _labels(summary: pd.DataFrame, groups: pd.Series | None) -> pd.Series:
    if groups is None:
        return pd.Series("total", index=summary.index)
    labels = groups.reindex(summary.index)
    if labels.isna().any():
        raise ValueError(f"groups has no label for {int(labels.isna().sum())} customer(s) of the summary")
    return labels.astype(str)


def _totals(values: pd.Series, labels: pd.Series) -> pd.Series:
    by_group = values.groupby(labels, sort=True).sum()
    if list(by_group.index) == ["total"]:
        return by_group
    return pd.concat([pd.Series({"total": float(values.sum())}), by_group])

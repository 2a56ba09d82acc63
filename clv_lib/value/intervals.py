"""Uncertainty of total and per-group CLV from the estimation error of the model parameters.

Parametric bootstrap on the asymptotic distribution of the maximum-likelihood estimates: parameter vectors are
drawn from the normal approximation of the log-parameters (mean = estimate, covariance = inverse Hessian, so the
draws stay positive), the CLV of every customer is recomputed for each draw, and the interval is the central
`level` share of the resulting totals (percentile interval). It measures how well the data pin the models down,
not the randomness of the customers' future purchases (which mostly averages out in totals). Nothing forces
the interval around the point estimate: for a skewed total it may sit off-centre, and a test checks that it
brackets the estimate on real data.

Each draw is computed on the distinct (frequency, recency, T) patterns only, the customers' spend summed per
pattern and group: under the Gamma-Gamma model a customer's expected spend is (p v + p x m) / (p x + q - 1),
linear in her mean spend m, so the sums of m per pattern and group are all a draw of (p, q, v) needs.

With many distinct patterns (`DELTA_PATTERNS`, a large client) 200 recomputations of every customer's CLV would
dominate the report's run time, while the parameters are then pinned down so tightly that the totals are linear in
them over their uncertainty: the interval is then the delta method's on the log scale, exp(+-z se) around the
estimate, se from differences of the log totals in the log-parameters (one recomputation per
transaction-model parameter). `method` forces either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.models.base import TransactionModel, summary_columns, unique_rows
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.timeunit import TimeUnit
from clv_lib.value.clv import _check_money, customer_clv, expected_spend_of, monthly_discount_factors


def draw_models(model, n_draws: int, rng: np.random.Generator) -> list:
    """`n_draws` copies of a fitted model with parameters drawn from the estimate's sampling distribution;
    an empty list when the fit has no usable covariance (standard errors unavailable)."""
    cov = getattr(model, "log_param_covariance_", None)
    if cov is None:
        return []
    centre = np.log([model.params_[n] for n in model.param_names])
    draws = rng.multivariate_normal(centre, cov, size=n_draws, method="cholesky")
    return [model.with_params(**dict(zip(model.param_names, np.exp(d)))) for d in draws]


DELTA_PATTERNS = 50_000


def clv_intervals(summary: pd.DataFrame, model: TransactionModel, spend, *, time_unit: "str | TimeUnit",
                  horizon_months: int = 12, annual_discount_rate: float = 0.10, margin: float = 1.0,
                  groups: pd.Series | None = None, n_draws: int = 200, level: float = 0.90,
                  seed: int = 0, method: str = "auto") -> pd.DataFrame:
    """Total and per-group CLV over `horizon_months` with a `level` interval (money).

    `spend` as in `customer_clv` (a fitted GammaGammaModel's parameters are drawn too). `groups` labels the
    customers (e.g. segments), aligned on the summary's index. `method`: "bootstrap", "delta" or "auto" (the
    delta method beyond `DELTA_PATTERNS` distinct patterns). Returns one row for "total" and one per group,
    columns customers, estimate, lower, upper; `.attrs["method"]` says how the interval was obtained.
    """
    if method not in ("auto", "bootstrap", "delta"):
        raise ValueError(f"method must be auto, bootstrap or delta, got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    _check_money(margin, (horizon_months,))
    column = f"clv_{int(horizon_months)}m"
    labels = _labels(summary, groups)
    point = _totals(customer_clv(summary, model, spend, time_unit=time_unit, horizons_months=(int(horizon_months),),
                                 annual_discount_rate=annual_discount_rate, margin=margin)[column], labels)
    out = pd.DataFrame({"customers": labels.value_counts().reindex(point.index, fill_value=0)})
    out.loc["total", "customers"] = len(summary)
    out["estimate"] = point
    if getattr(model, "log_param_covariance_", None) is None:
        out["lower"] = out["upper"] = point
        out.attrs["method"] = ("no interval: the transaction model's standard errors are unavailable, "
                               "the range shows the point estimate only")
        return out
    kernel = _PatternKernel(summary, labels, spend, TimeUnit.of(time_unit), int(horizon_months),
                            annual_discount_rate, margin, columns=tuple(getattr(model, "covariates", ())))
    if method == "delta" or (method == "auto" and len(kernel.patterns) > DELTA_PATTERNS):
        return _delta(out, kernel, model, spend, level)
    rng = np.random.default_rng(seed)
    models = draw_models(model, n_draws, rng)
    spends = draw_models(spend, n_draws, rng) if isinstance(spend, GammaGammaModel) else []
    draws = np.column_stack(kernel.totals_of_draws(model, models, spends))
    table = pd.DataFrame(draws, index=kernel.index).reindex(point.index)
    tail = (1 - level) / 2
    out["lower"] = table.quantile(tail, axis=1)
    out["upper"] = table.quantile(1 - tail, axis=1)
    what = "transaction and spend model" if spends else "transaction model"
    out.attrs["method"] = (f"{level:.0%} parametric-bootstrap percentile interval: {n_draws} draws of the {what} "
                           "parameters from the estimates' asymptotic normal distribution (log scale); parameter "
                           "uncertainty only")
    return out


def _delta(out: pd.DataFrame, kernel: "_PatternKernel", model, spend, level: float) -> pd.DataFrame:
    """Delta-method interval on the log scale of each total (see the module notes)."""
    parts = [(model, "transaction")] + ([(spend, "spend")] if isinstance(spend, GammaGammaModel) and
                                        getattr(spend, "log_param_covariance_", None) is not None else [])
    centre = np.log(kernel.totals(model, None))
    gradients, covariances = [], []
    step = 1e-4
    for fitted, role in parts:
        theta = np.log([fitted.params_[n] for n in fitted.param_names])
        columns = []
        for i in range(len(theta)):  # forward differences: one recomputation per parameter
            moved = fitted.with_params(**dict(zip(fitted.param_names, np.exp(theta + step * np.eye(len(theta))[i]))))
            totals = kernel.totals(moved, None) if role == "transaction" else kernel.totals(model, moved)
            columns.append((np.log(totals) - centre) / step)
        gradients.append(np.column_stack(columns))
        covariances.append(fitted.log_param_covariance_)
    variance = sum(np.einsum("gi,ij,gj->g", g, c, g) for g, c in zip(gradients, covariances))
    z = special.ndtri(0.5 + level / 2)
    se = pd.Series(np.sqrt(np.clip(variance, 0.0, None)), index=kernel.index).reindex(out.index)
    centre = pd.Series(centre, index=kernel.index).reindex(out.index)
    with np.errstate(invalid="ignore"):
        out["lower"] = np.where(out["estimate"] > 0, np.exp(centre - z * se), 0.0)
        out["upper"] = np.where(out["estimate"] > 0, np.exp(centre + z * se), 0.0)
    what = "transaction and spend model" if len(parts) > 1 else "transaction model"
    out.attrs["method"] = (f"{level:.0%} delta-method interval on the log scale: the {what} parameters' "
                           "asymptotic normal distribution (log scale) carried to each total by its derivatives; "
                           "parameter uncertainty only")
    return out


class _PatternKernel:
    """The CLV totals per group of one parameter draw, computed on distinct (x, t_x, T) patterns."""

    def __init__(self, summary, labels, spend, unit: TimeUnit, horizon: int, annual_discount_rate: float,
                 margin: float, columns: tuple[str, ...] = ()):
        cols = summary_columns(summary, ("frequency", "recency", "T"), "CLV intervals")
        # A covariate model's predictions depend on the customer's covariates too (`columns`): part of the pattern.
        factors = [pd.factorize(summary[c], use_na_sentinel=False) for c in columns]
        (x, t_x, T, *levels), pattern = unique_rows(cols["frequency"], cols["recency"], cols["T"],
                                                    *(codes.astype(float) for codes, _ in factors))
        self.patterns = pd.DataFrame({"frequency": x, "recency": t_x, "T": T,
                                      **{c: np.asarray(uniques, dtype=object)[level.astype(int)]
                                         for c, (_, uniques), level in zip(columns, factors, levels)}})
        group_codes, self.index = pd.factorize(pd.Index(["total"]).append(pd.Index(labels.to_numpy())))
        group = group_codes[1:]
        self.months = unit.months_to_periods(np.arange(1, horizon + 1, dtype=float))
        self.discounts = monthly_discount_factors(horizon, annual_discount_rate)[:, None]
        self.margin = margin
        self.gamma = isinstance(spend, GammaGammaModel)
        self._gamma = spend if self.gamma else None
        if self.gamma:  # expected spend (p v + p x m) / (p x + q - 1), with x = 0 where m = 0
            m = summary_columns(summary, ("monetary_value",), "CLV intervals")["monetary_value"]
            x_eff = np.where(m > 0, cols["frequency"], 0.0)
        else:
            m = expected_spend_of(summary, spend)
            x_eff = np.zeros(len(m))
        (key_pattern, key_group, self.x_eff), key = unique_rows(pattern.astype(float), group.astype(float), x_eff)
        self.key_pattern, self.key_group = key_pattern.astype(int), key_group.astype(int)
        self.count = np.bincount(key, minlength=len(key_pattern)).astype(float)
        self.spend_sum = np.bincount(key, weights=m, minlength=len(key_pattern))

    def totals(self, model: TransactionModel, spend: GammaGammaModel | None) -> np.ndarray:
        """Total CLV and CLV per group (in `self.index` order) for one draw."""
        return self._combine(model.discounted_purchases(self.patterns, self.months, self.discounts)[:, 0], spend)

    def totals_of_draws(self, model: TransactionModel, draws: list, spends: list) -> list[np.ndarray]:
        """`totals` of each drawn transaction model (copies of `model`) with the spend draw of the same index (none:
        the fitted spend), the patterns read once for all draws."""
        kernels = model.discounted_purchases_draws(self.patterns, self.months, self.discounts, draws)
        return [self._combine(kernel[:, 0], spends[i] if spends else None) for i, kernel in enumerate(kernels)]

    def _combine(self, kernel: np.ndarray, spend: GammaGammaModel | None) -> np.ndarray:
        if self.gamma:
            p, q, v = (spend if spend is not None else self._gamma).params_.values()
            value = (p * v * self.count + p * self.x_eff * self.spend_sum) / (p * self.x_eff + q - 1.0)
        else:
            value = self.spend_sum
        per_key = self.margin * value * kernel[self.key_pattern]
        by_group = np.bincount(self.key_group, weights=per_key, minlength=len(self.index))
        by_group[0] = per_key.sum()
        return by_group


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

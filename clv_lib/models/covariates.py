"""Time-invariant covariates in the customer-base models, as published by Fader & Hardie (2007), "Incorporating
Time-Invariant Covariates into the Pareto/NBD and BG/NBD Models" (brucehardie.com note 019), and implemented by
CLVTools (Meierer et al.) and pymc-marketing.

Every customer i has covariates z_i: dummy variables of categorical columns (acquisition channel, first-order
value band, season of the first order, a client's own column), 1 for the customer's level and none for the
column's baseline level. Some parameters of the base model become per customer,

    theta_i = theta_0 exp(sign * gamma' z_i),

e.g. the purchase-rate scale of the BG/NBD and Pareto/NBD, alpha_i = alpha_0 exp(-gamma_1' z_i), so that a
customer's mean purchase rate r / alpha_i is exp(gamma_1) times that of a baseline customer. The fitted models
keep exp(gamma) among their parameters, named `<effect>[<column>=<level>]` ("multipliers"): 1.4 for
`purchase[channel=email]` reads "customers from email buy 1.4 times as often as those of the baseline channel,
the other covariates equal".

Customers sharing every covariate level share their parameters (a *pattern*). The log-likelihood is the base
model's own objective (its likelihood and analytic gradient over its log-parameters) evaluated per pattern at
that pattern's parameters; each pattern's log-parameters are linear in the estimated vector (log theta_0,
gamma), so the gradient and the Hessian follow by the chain rule: the Hessian is the sum over patterns of
M_g' H_g M_g, with H_g the base model's 3-4 parameter Hessian of pattern g (as many gradient evaluations of the
data as the base model has parameters, plus one, however many coefficients). Evaluating the base likelihood per
pattern with scalar parameters keeps the base models' own sharing of work across identical customers; the same
likelihood with one parameter value per customer (`bgnbd.log_likelihood`, `pareto_nbd.log_likelihood`) costs
10-25 times more on a million customers.

Levels with few customers are not estimated on their own (their coefficient would be noise): they are pooled
into an "(other)" level, or into the baseline when even the pooled customers are too few, and the design says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.models.base import MleResult, fit_mle, gradient_hessian

OTHER = "(other)"
UNKNOWN = "(unknown)"
#: A level needs this many customers, and this many repeat buyers, to get its own coefficients.
MIN_LEVEL_CUSTOMERS = 100
MIN_LEVEL_REPEAT_BUYERS = 20
#: Levels estimated per column at most (the largest ones; the others are pooled).
MAX_LEVELS = 8


@dataclass(frozen=True)
class ColumnDesign:
    """How one categorical column enters the model: its baseline, the levels with a dummy, and what was pooled."""

    column: str
    baseline: str | None  #: None when the column is not used (fewer than two usable levels)
    levels: tuple[str, ...]  #: levels with their own dummy, largest first
    mapping: dict  #: every level seen -> the level it is estimated as (itself, OTHER or the baseline)
    counts: pd.DataFrame  #: per level seen: customers, repeat_buyers, estimated_as

    @property
    def used(self) -> bool:
        return self.baseline is not None and len(self.levels) > 0


@dataclass(frozen=True)
class Design:
    """The dummy coding of the covariate columns of a fit (see `learn_design`)."""

    columns: tuple[ColumnDesign, ...]

    @property
    def used(self) -> tuple[ColumnDesign, ...]:
        return tuple(c for c in self.columns if c.used)

    @property
    def dummies(self) -> list[str]:
        """Dummy names, `<column>=<level>`, in coefficient order."""
        return [f"{c.column}={level}" for c in self.used for level in c.levels]

    @property
    def k(self) -> int:
        return len(self.dummies)

    def encode(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[dict]]:
        """Pattern code of every row, the dummy vector of each pattern (patterns x k) and its levels.

        Levels not seen when the design was learned count as the baseline (the model knows nothing of them)."""
        used = self.used
        if not used:
            return np.zeros(len(frame), dtype=np.int64), np.zeros((1, 0)), [{}]
        key = np.zeros(len(frame), dtype=np.int64)
        for c in used:
            index = {c.baseline: 0, **{level: i + 1 for i, level in enumerate(c.levels)}}
            codes, labels = column_levels(frame, c.column)
            per_label = np.array([index[c.mapping.get(label, c.baseline)] for label in labels], dtype=np.int64)
            key = key * (len(c.levels) + 1) + per_label[codes]
        codes, keys = pd.factorize(key)
        Z = np.zeros((len(keys), self.k))
        labels = [dict() for _ in keys]
        offset = self.k
        for c in reversed(used):
            width = len(c.levels)
            offset -= width
            position = keys % (width + 1)
            keys = keys // (width + 1)
            for g, p in enumerate(position):
                if p:
                    Z[g, offset + p - 1] = 1.0
                labels[g][c.column] = c.levels[p - 1] if p else c.baseline
        return codes.astype(np.int64), Z, labels

    def vector(self, levels: dict) -> np.ndarray:
        """The dummy vector of one customer with the given levels (columns left out: their baseline)."""
        frame = pd.DataFrame({c.column: [levels.get(c.column, c.baseline)] for c in self.used})
        return self.encode(frame)[1][0] if self.used else np.zeros(0)


def column_levels(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A covariate column as (code per row, level text per code); missing values are the level "(unknown)".
    ModelInputError when the column is absent. One hash pass over the rows, the text work on the distinct levels."""
    if column not in frame.columns:
        raise ModelInputError(f"covariates: the summary has no column {column!r} (it has {list(frame.columns)})")
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    labels = np.array([str(u) for u in np.asarray(uniques, dtype=object)] + [UNKNOWN], dtype=object)
    return np.where(codes < 0, len(labels) - 1, codes), labels


def learn_design(frame: pd.DataFrame, columns: Sequence[str], weights: np.ndarray, repeat: np.ndarray, *,
                 min_customers: float = MIN_LEVEL_CUSTOMERS, min_repeat_buyers: float = MIN_LEVEL_REPEAT_BUYERS,
                 max_levels: int = MAX_LEVELS) -> Design:
    """Dummy coding of categorical `columns` of `frame` (customers weighted by `weights`; `repeat` marks those
    with a repeat purchase). A level with at least `min_customers` customers and `min_repeat_buyers` repeat
    buyers (and among the `max_levels` largest) gets its own dummy; the others are pooled into "(other)", or
    into the baseline (the largest level) when the pooled customers are still too few. A column with fewer than
    two levels left is not used."""
    out = []
    for column in columns:
        codes, labels = column_levels(frame, column)
        counts = (pd.DataFrame({"level": labels, "customers": np.bincount(codes, weights, len(labels)),
                                "repeat_buyers": np.bincount(codes, weights * repeat, len(labels))})
                  .groupby("level").sum())
        counts = counts[counts["customers"] > 0].sort_values(["customers", "repeat_buyers"], ascending=False)
        big = (counts["customers"] >= min_customers) & (counts["repeat_buyers"] >= min_repeat_buyers)
        own = list(counts.index[big][:max_levels])
        small = [level for level in counts.index if level not in own]
        pooled = counts.loc[small].sum()
        if small and pooled["customers"] >= min_customers and pooled["repeat_buyers"] >= min_repeat_buyers:
            mapping = {level: OTHER for level in small}
            own.append(OTHER)
        else:
            mapping = {level: own[0] if own else level for level in small}
        mapping.update({level: level for level in own})
        counts["estimated_as"] = [mapping[level] for level in counts.index]
        if len(own) < 2:
            out.append(ColumnDesign(column, None, (), mapping, counts))
        else:
            out.append(ColumnDesign(column, own[0], tuple(own[1:]), mapping, counts))
    return Design(tuple(out))


# ----------------------------------------------------------------------------------------------------------
# The likelihood over (log base parameters, coefficients), through the base model's objective per pattern

PatternObjective = Callable[[np.ndarray], "tuple[float, np.ndarray]"]


class ChainObjective:
    """Negative log-likelihood over theta = (log theta_0 of the base parameters, then one block of k coefficients
    per linked parameter) as the sum over patterns of the base objective at phi_g = M_g theta."""

    def __init__(self, objectives: Sequence[PatternObjective], Z: np.ndarray, n_base: int,
                 links: Sequence[tuple[int, int]]):
        self.objectives, self.Z, self.n_base, self.links = list(objectives), np.asarray(Z, float), n_base, list(links)
        self.k = self.Z.shape[1]
        self.size = n_base + len(self.links) * self.k

    def phis(self, theta: np.ndarray) -> np.ndarray:
        """Each pattern's base log-parameters (patterns x n_base)."""
        phi = np.tile(theta[: self.n_base], (len(self.Z), 1))
        for block, (j, sign) in enumerate(self.links):
            start = self.n_base + block * self.k
            phi[:, j] += sign * (self.Z @ theta[start: start + self.k])
        return phi

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        phi = self.phis(np.asarray(theta, dtype=float))
        total, grads = 0.0, np.empty_like(phi)
        for g, objective in enumerate(self.objectives):
            value, grads[g] = objective(phi[g])
            total += value
        blocks = [sign * (self.Z.T @ grads[:, j]) for j, sign in self.links]
        return total, np.concatenate([grads.sum(axis=0), *blocks])

    def matrix(self, g: int) -> np.ndarray:
        """M_g: d phi_g / d theta (n_base x size)."""
        m = np.zeros((self.n_base, self.size))
        m[:, : self.n_base] = np.eye(self.n_base)
        for block, (j, sign) in enumerate(self.links):
            start = self.n_base + block * self.k
            m[j, start: start + self.k] = sign * self.Z[g]
        return m

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """sum_g M_g' H_g M_g, each H_g from forward differences of the base model's analytic gradient."""
        phi = self.phis(np.asarray(theta, dtype=float))
        hess = np.zeros((self.size, self.size))
        with np.errstate(all="ignore"):
            for g, objective in enumerate(self.objectives):
                h = gradient_hessian(lambda t, f=objective: f(t)[1], phi[g])
                m = self.matrix(g)
                hess += m.T @ h @ m
        return hess


def fit_chain(chain: ChainObjective, starts, model: str, *, names: Sequence[str], scale: float,
              warm: MleResult | None = None) -> MleResult:
    """Maximise the chained likelihood (`fit_mle`, its boundary checks and warm start) and compute the covariance
    of theta from the structured Hessian."""
    result = fit_mle(chain, starts, model, jac=True, hessian=False, scale=scale, names=names, warm=warm)
    theta = np.log(result.params)
    hess = chain.hessian(theta)
    notes = list(result.warnings)
    cov, ses = None, np.full(len(theta), math.inf)
    if not np.all(np.isfinite(hess)):
        notes.append("standard errors unavailable: the Hessian is not finite")
    else:
        try:
            np.linalg.cholesky(hess)
            cov = np.linalg.inv(hess)
            ses = np.exp(theta) * np.sqrt(np.clip(np.diag(cov), 0.0, None))
        except np.linalg.LinAlgError:
            notes.append("standard errors unavailable: the Hessian is not positive definite")
    return replace(result, standard_errors=ses, log_covariance=cov, warnings=tuple(notes))


# ----------------------------------------------------------------------------------------------------------
# What every covariate model shares: parameter names, coefficients, tests, a model per pattern


@dataclass
class Effect:
    """A base parameter that carries covariates: `label` names its multiplier, `sign` its link."""

    label: str
    parameter: str
    sign: int
    meaning: str = field(default="", compare=False)


class CovariateEffects:
    """Mixin of the covariate models: `effects` lists the linked parameters; `base_model` is the model class."""

    effects: tuple[Effect, ...] = ()
    base_model: type = type(None)

    def _names(self, design: Design) -> tuple[str, ...]:
        base = tuple(self.base_model.param_names)
        return base + tuple(f"{e.label}[{d}]" for e in self.effects for d in design.dummies)

    def _links(self) -> list[tuple[int, int]]:
        base = list(self.base_model.param_names)
        return [(base.index(e.parameter), e.sign) for e in self.effects]

    def for_covariates(self, **levels):
        """The base model with the parameters of a customer of the given levels (others: their baseline)."""
        self._check_fitted()
        return self._pattern_model(self.design_.vector(levels))

    def _pattern_model(self, z: np.ndarray):
        names = self.base_model.param_names
        theta = np.log([self.params_[n] for n in self.param_names])
        phi = ChainObjective([], np.atleast_2d(z), len(names), self._links()).phis(theta)[0]
        model = self.base_model.__new__(self.base_model)
        model.__dict__.update({k: v for k, v in self.__dict__.items() if not k.endswith("_") and k != "param_names"})
        return model.with_params(**dict(zip(names, np.exp(phi))))

    def with_params(self, **params: float):
        clone = super().with_params(**params)
        for key in ("design_", "pattern_shares_", "covariate_tests_"):
            if key in self.__dict__:
                setattr(clone, key, self.__dict__[key])
        return clone

    def coefficients(self) -> pd.DataFrame:
        """One row per linked parameter and dummy: effect, column, level, baseline, coefficient gamma (the published
        one), its standard error, z and p-value, the multiplier exp(gamma) and its 95 % interval."""
        from scipy import stats  # here: a worker that unpickles a covariate model for the intervals never needs it

        self._check_fitted()
        cov = self.log_param_covariance_
        n_base = len(self.base_model.param_names)
        rows = []
        for b, effect in enumerate(self.effects):
            for i, (column, level, baseline) in enumerate(self._dummy_levels()):
                name = f"{effect.label}[{column}={level}]"
                gamma = math.log(self.params_[name])
                index = n_base + b * self.design_.k + i
                se = math.sqrt(max(cov[index, index], 0.0)) if cov is not None else math.inf
                z = gamma / se if se > 0 else math.nan
                rows.append({"effect": effect.label, "parameter": effect.parameter, "column": column, "level": level,
                             "baseline": baseline, "coefficient": gamma, "standard_error": se, "z": z,
                             "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan,
                             "multiplier": math.exp(gamma), "multiplier_low": math.exp(gamma - 1.96 * se),
                             "multiplier_high": math.exp(gamma + 1.96 * se)})
        return pd.DataFrame(rows)

    def _dummy_levels(self) -> list[tuple[str, str, str]]:
        return [(c.column, level, c.baseline) for c in self.design_.used for level in c.levels]

    def wald_tests(self) -> pd.DataFrame:
        """Per covariate column: chi-square of all its coefficients being 0 (every linked parameter), df, p-value."""
        from scipy import stats

        self._check_fitted()
        cov = self.log_param_covariance_
        n_base, k = len(self.base_model.param_names), self.design_.k
        rows, position = [], 0
        for c in self.design_.used:
            width = len(c.levels)
            index = [n_base + b * k + position + i for b in range(len(self.effects)) for i in range(width)]
            position += width
            gamma = np.log([self.params_[self.param_names[i]] for i in index])
            chi2 = math.nan
            if cov is not None:
                try:
                    chi2 = float(gamma @ np.linalg.solve(cov[np.ix_(index, index)], gamma))
                except np.linalg.LinAlgError:
                    pass
            rows.append({"column": c.column, "chi2": chi2, "df": len(index),
                         "p_value": float(stats.chi2.sf(chi2, len(index))) if np.isfinite(chi2) else math.nan})
        return pd.DataFrame(rows, columns=["column", "chi2", "df", "p_value"]).set_index("column")

    def _fit_selecting(self, frame: pd.DataFrame, weights: np.ndarray, repeat: np.ndarray, fit_design, *,
                       min_customers: float, min_repeat_buyers: float) -> None:
        """Learn the design of `self.covariates` and fit it (`fit_design(design)`). With `self.select`, backward
        elimination by likelihood-ratio tests: each column's coefficients (all linked parameters at once) are
        tested by refitting without the column; the least significant column is dropped while its p-value is
        `select` or more, and the model refitted. (LR tests keep their level where Wald tests of the poorly
        identified drop-out shapes reject too often.)"""
        from scipy import stats

        columns, dropped, kept, first = tuple(self.covariates), {}, {}, None

        def design_of(names):
            return learn_design(frame, names, weights, repeat, min_customers=min_customers,
                                min_repeat_buyers=min_repeat_buyers, max_levels=self.max_levels)

        while True:
            design = design_of(columns)
            first = first or design
            fit_design(design)
            if self.select is None or not design.k:
                break
            full = dict(self.__dict__)
            tests = {}
            for column in [c.column for c in design.used]:
                fit_design(design_of(tuple(c for c in columns if c != column)))
                df = len(full["param_names"]) - len(self.param_names)
                tests[column] = float(stats.chi2.sf(2 * (full["log_likelihood_"] - self.log_likelihood_), df))
            self.__dict__.clear()
            self.__dict__.update(full)
            weakest = max(tests, key=tests.get)
            if tests[weakest] < self.select:
                kept = tests
                break
            dropped[weakest] = tests[weakest]
            columns = tuple(c for c in columns if c != weakest)
        self.covariate_tests_ = _tests(first, design, dropped, kept)

    def _store_design(self, design: Design, codes: np.ndarray, Z: np.ndarray, weights: np.ndarray) -> None:
        self.design_ = design
        shares = np.bincount(codes, weights=weights, minlength=len(Z))
        self.pattern_shares_ = (Z, shares / shares.sum())


def _tests(first: Design, final: Design, dropped: dict, kept: dict) -> pd.DataFrame:
    """Every covariate column asked for: levels seen and estimated, whether the final model uses it and why not
    ("single_level", "small_levels", "not_significant"), and its likelihood-ratio p-value when tested."""
    used = {c.column for c in final.used}
    rows = []
    for c in first.columns:
        if c.column in used:
            reason = "used"
        elif c.column in dropped:
            reason = "not_significant"
        else:
            reason = "single_level" if len(c.counts) < 2 else "small_levels"
        rows.append({"column": c.column, "used": c.column in used, "reason": reason,
                     "levels_seen": int(len(c.counts)), "levels_estimated": int(len(c.levels) + 1) if c.used else 1,
                     "p_value": kept.get(c.column, dropped.get(c.column, np.nan))})
    return pd.DataFrame(rows, columns=["column", "used", "reason", "levels_seen", "levels_estimated",
                                       "p_value"]).set_index("column")


def sample_rows(weights: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Customer counts per row of a random sample of `size` customers drawn in proportion to the row weights."""
    rng = np.random.default_rng(seed)
    return np.bincount(rng.choice(len(weights), size=size, p=weights / weights.sum()), minlength=len(weights))

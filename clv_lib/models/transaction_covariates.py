"""The transaction models (BG/NBD, Pareto/NBD) with time-invariant covariates: fitting and per-customer predictions.

`CovariateTransactionModel` is the shared body of `BetaGeoCovariateModel` and `ParetoNBDCovariateModel`: a
summary with frequency, recency, T and the covariate columns in, the base model's likelihood evaluated per covariate
pattern (`clv_lib.models.covariates`), predictions made by the base model of each pattern. Without any usable
covariate (a single level, levels too small) the fit *is* the base model's, parameter for parameter.

Large data are fitted like the base models: first on a random sample of 20,000 customers (started at the base
model's own estimate, coefficients 0), whose optimum and curvature start the search on all customers, so that the
expensive full-data evaluations are few.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ClvError, ModelInputError
from clv_lib.models.base import (TransactionModel, check_rfm, collapse, fit_mle, summary_columns, weights_of)
from clv_lib.models.covariates import (MAX_LEVELS, MIN_LEVEL_CUSTOMERS, MIN_LEVEL_REPEAT_BUYERS, ChainObjective,
                                       CovariateEffects, Design, fit_chain, sample_rows)

_PRESOLVE_CUSTOMERS = 20_000
RFM = ("frequency", "recency", "T")


class CovariateTransactionModel(CovariateEffects, TransactionModel):
    """A transaction model whose parameters depend on categorical covariates (summary columns `covariates`).

    `labels` names the covariate columns in the model's name. `select`: a significance level; when given,
    covariate columns whose coefficients are jointly indistinguishable from 0 (Wald test, p >= select) are dropped
    and the model refitted without them (`covariate_tests_` records every column's test and whether it is used).
    """

    def __init__(self, covariates: Sequence[str] = (), *, labels: dict | None = None, select: float | None = None,
                 min_customers: int = 10,
                 min_repeat_buyers: int = 5, min_level_customers: float = MIN_LEVEL_CUSTOMERS,
                 min_level_repeat_buyers: float = MIN_LEVEL_REPEAT_BUYERS, max_levels: int = MAX_LEVELS):
        super().__init__(min_customers=min_customers, min_repeat_buyers=min_repeat_buyers)
        self.covariates = tuple(covariates)
        self.labels = dict(labels or {})
        self.select = select
        self.min_level_customers = min_level_customers
        self.min_level_repeat_buyers = min_level_repeat_buyers
        self.max_levels = max_levels

    @property
    def name(self) -> str:
        """The base model's name and the covariates asked for (`labels` names them), e.g. "BG/NBD + channel"."""
        shown = ", ".join(self.labels.get(c, c) for c in self.covariates) or "covariates"
        return f"{self.base_model.name} + {shown}"

    @property
    def has_dropout(self) -> bool:
        return self.base_model.has_dropout

    # -- fitting ------------------------------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit by maximum likelihood to `summary` (frequency, recency, T and the covariate columns); return self."""
        cols = self._read(summary)
        w = weights_of(summary, weights, self.name)
        self._check_enough(cols, w)
        self._fit_selecting(summary, w, cols["frequency"] > 0,
                            lambda design: self._fit_design(summary, cols, w, design),
                            min_customers=self.min_level_customers, min_repeat_buyers=self.min_level_repeat_buyers)
        return self

    def _fit_design(self, summary, cols, w, design: Design) -> None:
        base = self.base_model(min_customers=self.min_customers, min_repeat_buyers=self.min_repeat_buyers)
        if not design.k:  # nothing to estimate beyond the base model: its fit, exactly
            base.fit(pd.DataFrame({c: cols[c] for c in RFM}), w)
            self.param_names = tuple(base.param_names)
            self.__dict__.update({k: v for k, v in base.__dict__.items() if k.endswith("_")})
            self._store_design(design, np.zeros(len(w), dtype=np.int64), np.zeros((1, 0)), w)
            return
        codes, Z, _ = design.encode(summary)
        rows, row_w = collapse({**cols, "pattern": codes.astype(float)}, w)
        pattern = rows["pattern"].astype(np.int64)
        names = self._names(design)
        big = len(row_w) > 4 * _PRESOLVE_CUSTOMERS
        counts = sample_rows(row_w, _PRESOLVE_CUSTOMERS) if big else None
        # The base model's estimate (on the sample for large data) starts the search with coefficients 0.
        pick = counts > 0 if big else slice(None)
        start_w = counts[pick].astype(float) if big else row_w
        start_rows = {c: rows[c][pick] for c in RFM}
        base_fit = fit_mle(base._objective(*(start_rows[c] for c in RFM), start_w),
                           base._starts(start_rows, start_w), base.name, jac=True, hessian=False,
                           scale=float(start_w.sum()), names=base.param_names)
        starts = [tuple(base_fit.params) + (1.0,) * (len(names) - len(base.param_names))]
        starts += [tuple(s) + (1.0,) * (len(names) - len(s)) for s in base._starts(start_rows, start_w)]
        warm = None
        if big:
            sample = self._chain(base, {c: v[pick] for c, v in rows.items()}, pattern[pick], start_w, Z)
            try:
                warm = fit_chain(sample, starts, self.name, names=names, scale=float(start_w.sum()))
            except ClvError:
                warm = None
            if warm is not None:
                starts = [tuple(warm.params)] + starts
        chain = self._chain(base, rows, pattern, row_w, Z)
        result = fit_chain(chain, starts, self.name, names=names, scale=float(w.sum()), warm=warm)
        self.param_names = names
        self._store_fit(result, w.sum())
        self._store_design(design, pattern, Z, row_w)

    def _chain(self, base: TransactionModel, rows: dict, pattern: np.ndarray, w: np.ndarray, Z: np.ndarray):
        objectives = []
        for g in range(len(Z)):
            mine = pattern == g
            objectives.append(base._objective(rows["frequency"][mine], rows["recency"][mine], rows["T"][mine], w[mine])
                              if mine.any() else (lambda theta: (0.0, np.zeros(len(theta)))))
        return ChainObjective(objectives, Z, len(base.param_names), self._links())

    def _read(self, summary: pd.DataFrame) -> dict[str, np.ndarray]:
        cols = summary_columns(summary, RFM, self.name)
        check_rfm(cols, self.name)
        missing = [c for c in self.covariates if c not in summary.columns]
        if missing:
            raise ModelInputError(f"{self.name}: the summary has no covariate column(s) {missing}")
        return cols

    # -- predictions: the base model of each covariate pattern ----------------------------------------------
    def _split(self, summary: pd.DataFrame):
        """(rows, the base model of their pattern, their RFM summary) for each covariate pattern in `summary`."""
        for rows, z, part in self._groups(summary):
            yield rows, self._pattern_model(z), part

    def _groups(self, summary: pd.DataFrame):
        """(rows, their covariate vector, their RFM summary) for each covariate pattern in `summary`."""
        self._check_fitted()
        cols = self._read(summary)
        codes, Z, _ = self.design_.encode(summary)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(Z) + 1))
        for g in range(len(Z)):
            rows = order[bounds[g]: bounds[g + 1]]
            if len(rows):
                yield rows, Z[g], pd.DataFrame({c: cols[c][rows] for c in RFM})

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        out = np.empty(len(summary))
        for rows, model, part in self._split(summary):
            out[rows] = model.probability_alive(part).to_numpy()
        return pd.Series(out, index=summary.index, name="p_alive")

    def expected_purchases_path(self, summary: pd.DataFrame, times, *, p_alive=None) -> np.ndarray:
        out = np.empty((len(summary), np.size(times)))
        for rows, model, part in self._split(summary):
            out[rows] = model.expected_purchases_path(part, times, p_alive=_rows(p_alive, rows))
        return out

    def expected_purchases_total(self, summary: pd.DataFrame, times) -> np.ndarray:
        return sum(model.expected_purchases_total(part, times) for _, model, part in self._split(summary))

    def discounted_purchases(self, summary: pd.DataFrame, times, weights, *, p_alive=None) -> np.ndarray:
        weights = np.asarray(weights, dtype=float).reshape(np.size(times), -1)
        out = np.empty((len(summary), weights.shape[1]))
        for rows, model, part in self._split(summary):
            out[rows] = model.discounted_purchases(part, times, weights, p_alive=_rows(p_alive, rows))
        return out

    def discounted_purchases_draws(self, summary: pd.DataFrame, times, weights, draws):
        """As the base models' (one array per drawn model in turn), each covariate pattern's customers read once."""
        times = np.asarray(times, dtype=float).reshape(-1)
        weights = np.asarray(weights, dtype=float).reshape(len(times), -1)
        groups = [(rows, z, self._pattern_model(z)._rfm_patterns(part)) for rows, z, part in self._groups(summary)]
        for drawn in draws:
            out = np.empty((len(summary), weights.shape[1]))
            for rows, z, patterns in groups:
                out[rows] = drawn._pattern_model(z)._discounted(patterns, times, weights, None)
            yield out

    def expected_counts(self, summary: pd.DataFrame, n) -> np.ndarray:
        out = np.zeros(np.shape(n))
        for _, model, part in self._split(summary):
            out = out + model.expected_counts(part, n)
        return out

    def expected_purchases_new_of(self, frame: pd.DataFrame, t) -> np.ndarray:
        """E[X(t)] of a newly acquired customer with each row's covariates (rows x len(t)): every pattern in one
        evaluation of the base model's closed form, its parameters given as one column per pattern."""
        self._check_fitted()
        codes, Z, _ = self.design_.encode(frame)
        names = self.base_model.param_names
        theta = np.log([self.params_[n] for n in self.param_names])
        phi = ChainObjective([], Z, len(names), self._links()).phis(theta)
        model = self.base_model.__new__(self.base_model)
        model.params_ = {n: np.exp(phi[:, [j]]) for j, n in enumerate(names)}
        times = np.asarray(t, dtype=float).reshape(1, -1)
        return np.broadcast_to(model._expected_new(times), (len(Z), times.shape[1]))[codes]

    def _expected_new(self, t):
        """A new customer drawn from the fitted customers' mix of covariate patterns."""
        Z, shares = self.pattern_shares_
        return sum(s * self._pattern_model(z).expected_purchases_new(t) for z, s in zip(Z, shares))

    def _pmf(self, n, t):
        Z, shares = self.pattern_shares_
        return sum(s * self._pattern_model(z).probability_purchases(n, t) for z, s in zip(Z, shares))


def _rows(values, rows):
    return None if values is None else np.asarray(values, dtype=float)[rows]

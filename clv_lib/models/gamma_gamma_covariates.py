"""Gamma-Gamma spend model with time-invariant covariates.

The Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis"; Fader & Hardie 2013, brucehardie.com note 025) has no published covariate form of its own. The
one used here carries the note-019 formulation over to its scale parameter:

    v_i = v_0 exp(gamma' z_i),

p and q common. v is the scale of the Gamma(q, v) heterogeneity in the transaction-value rate nu, and every
transaction value of customer i scales with v_i: a customer of the covariate level expects exp(gamma) times the
baseline's spend per purchase, E[M] = p v_i / (q - 1) (parameter `spend[<column>=<level>]`). It is the
"multiplicative" spend covariate of the Pareto/NBD-style models and leaves the shapes p, q (the spread of spend
within and across customers) common, so that it can be tested against the model without covariates by the same
Wald test. The likelihood is note 025's eq. (3) per covariate pattern, through `GammaGammaModel`'s objective.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ConvergenceError, ModelInputError
from clv_lib.models.base import collapse, summary_columns
from clv_lib.models.covariates import (MAX_LEVELS, MIN_LEVEL_REPEAT_BUYERS, ChainObjective, CovariateEffects, Design,
                                       Effect, fit_chain)
from clv_lib.models.gamma_gamma import GammaGammaModel, _weighted_corr


class GammaGammaCovariateModel(CovariateEffects, GammaGammaModel):
    """Gamma-Gamma with covariates; fit(summary) with frequency, monetary_value and the `covariates` columns.

    A covariate level needs `min_level_repeat_buyers` repeat buyers with a positive spend to be estimated on its
    own; `select` as in `CovariateTransactionModel`."""

    base_model = GammaGammaModel
    effects = (Effect("spend", "v", +1, "spend per purchase"),)
    name = "Gamma-Gamma + covariates"

    def __init__(self, covariates: Sequence[str] = (), *, select: float | None = None, min_repeat_buyers: int = 10,
                 min_level_repeat_buyers: float = MIN_LEVEL_REPEAT_BUYERS, max_levels: int = MAX_LEVELS):
        super().__init__(min_repeat_buyers=min_repeat_buyers)
        self.covariates = tuple(covariates)
        self.select = select
        self.min_level_repeat_buyers = min_level_repeat_buyers
        self.max_levels = max_levels

    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit on the repeat buyers with a positive mean spend; return self. ConvergenceError when q <= 1."""
        missing = [c for c in self.covariates if c not in summary.columns]
        if missing:
            raise ModelInputError(f"{self.name}: the summary has no covariate column(s) {missing}")
        cols, w, usable, n_usable, n_excluded = self._usable(summary, weights)
        frame = summary[usable]
        x, z, wu = cols["frequency"][usable], cols["monetary_value"][usable], w[usable]
        self._fit_selecting(frame, wu, np.ones(len(wu), dtype=bool),
                            lambda design: self._fit_design(frame, x, z, wu, design),
                            min_customers=self.min_level_repeat_buyers, min_repeat_buyers=0)
        self.n_customers_ = n_usable
        self.n_excluded_ = n_excluded
        self.frequency_spend_correlation_ = _weighted_corr(x, z, wu)
        if self.params_["q"] <= 1.0:
            raise ConvergenceError(f"{self.name}: estimated q = {self.params_['q']:.3f} <= 1, so the expected spend "
                                   "is not finite (spend too heavy-tailed for the model)")
        return self

    def _fit_design(self, frame: pd.DataFrame, x, z, w, design: Design) -> None:
        base = GammaGammaModel(min_repeat_buyers=self.min_repeat_buyers)
        base.fit(pd.DataFrame({"frequency": x, "monetary_value": z}), w)
        if not design.k:  # nothing to estimate beyond the base model: its fit, exactly
            self.param_names = tuple(base.param_names)
            self.__dict__.update({k: v for k, v in base.__dict__.items() if k.endswith("_")})
            self._store_design(design, np.zeros(len(w), dtype=np.int64), np.zeros((1, 0)), w)
            return
        codes, Z, _ = design.encode(frame)
        rows, row_w = collapse({"frequency": x, "monetary_value": z, "pattern": codes.astype(float)}, w)
        pattern = rows["pattern"].astype(np.int64)
        objectives = []
        for g in range(len(Z)):
            mine = pattern == g
            objectives.append(GammaGammaModel._objective(rows["frequency"][mine], rows["monetary_value"][mine],
                                                         row_w[mine]))
        chain = ChainObjective(objectives, Z, len(base.param_names), self._links())
        names = self._names(design)
        starts = [tuple(base.params_.values()) + (1.0,) * design.k]
        result = fit_chain(chain, starts, self.name, names=names, scale=1.0)
        self.param_names = names
        self._store_fit(result, float(w.sum()))
        self._store_design(design, pattern, Z, row_w)

    # -- predictions ----------------------------------------------------------------------------------------
    def _scales(self, frame: pd.DataFrame) -> tuple[np.ndarray, float, float]:
        """(v per row, p, q)."""
        self._check_fitted()
        codes, Z, _ = self.design_.encode(frame)
        gamma = np.log([self.params_[n] for n in self.param_names[3:]]) if self.design_.k else np.zeros(0)
        v = self.params_["v"] * np.exp(Z @ gamma)[codes]
        return v, self.params_["p"], self.params_["q"]

    def mean_spend(self) -> float:
        """Mean spend per purchase of a new customer drawn from the fitted customers' mix of covariate patterns."""
        self._check_fitted()
        Z, shares = self.pattern_shares_
        return float(sum(s * self._pattern_model(zz).mean_spend() for zz, s in zip(Z, shares)))

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[M | frequency, monetary_value, covariates] per customer (note 025, eq. 5, at the customer's v_i)."""
        cols = summary_columns(summary, ("frequency", "monetary_value"), self.name)
        v, p, q = self._scales(summary)
        x = np.where(cols["monetary_value"] > 0, cols["frequency"], 0.0)
        return pd.Series(p * (v + x * cols["monetary_value"]) / (p * x + q - 1.0), index=summary.index,
                         name="expected_spend")


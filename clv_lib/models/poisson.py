"""Poisson: one purchase rate for every customer and nobody drops out; the limit of the NBD without heterogeneity.

The NBD mixes customers' Poisson rates lambda ~ Gamma(r, alpha); as r, alpha -> infinity at a fixed mean r/alpha
the Gamma collapses onto r/alpha and the NBD becomes the homogeneous Poisson process (Ehrenberg 1959: the NBD's
"Poisson limit"; Morrison & Schmittlein 1988, "Generalizing the NBD Model for Customer Purchases", JBES 6(2)).
When the NBD's likelihood (or a BG/NBD-family model's, through it) is highest at that edge, every customer buys
at the same rate and the data support this model (`clv_lib.models.limits`).

The timing likelihood of x repeat purchases over an age T is lambda^x e^(-lambda T) (the NBD's, eq. 6 of Fader,
Hardie & Lee 2005 with p = 0, in the limit), so the maximum-likelihood rate has a closed form: the total repeat
purchases over the total exposure, sum(x) / sum(T), with Fisher information sum(T) / lambda. No search, no edge.
Predictions are the same for everybody: lambda t purchases in the next t periods; P(alive) is 1.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, collapse, weights_of
from clv_lib.models.mle import MleResult


class PoissonModel(TransactionModel):
    """The homogeneous Poisson model of repeat purchasing (one `rate` for everybody, no drop-out);
    fit(summary) with frequency, recency, T. `params_["rate"]`: repeat purchases per period of the summary's unit."""

    param_names = ("rate",)
    name = "Poisson"
    has_dropout = False
    heterogeneous = False

    def fit(self, summary, weights=None):
        """The closed-form maximum-likelihood rate sum(w x) / sum(w T); return self."""
        cols = self._read(summary)
        w = weights_of(summary, weights, self.name)
        self._check_enough(cols, w)
        rows, row_weights = collapse({"frequency": cols["frequency"], "T": cols["T"]}, w)
        x, T = rows["frequency"], rows["T"]
        purchases, exposure = float(row_weights @ x), float(row_weights @ T)
        rate = purchases / exposure
        ll = float(row_weights @ log_likelihood(rate, x, T))
        # Var(log rate) = 1 / (rate^2 * information) = 1 / sum(w x): the delta method on the log scale, as mle.py.
        log_var = 1.0 / purchases
        self._store_fit(MleResult(params=np.array([rate]), log_likelihood=ll,
                                  standard_errors=np.array([rate * np.sqrt(log_var)]),
                                  log_covariance=np.array([[log_var]]), n_iterations=0, warnings=(),
                                  customers=float(w.sum())), w.sum())
        return self

    def _p_alive(self, x, t_x, T):
        """Nobody drops out: 1 for every customer (the report states what its risk view uses instead)."""
        return np.ones(np.shape(x))

    def _expected_if_alive(self, t, x, T):
        """E[X(T, T+t]] = rate * t, whatever the customer's history."""
        (rate,) = self._param_array()
        return np.broadcast_to(rate * t, np.broadcast_shapes(np.shape(t), np.shape(x), np.shape(T))).copy()

    def _expected_new(self, t):
        (rate,) = self._param_array()
        return rate * t

    def _pmf(self, n, t):
        (rate,) = self._param_array()
        with np.errstate(all="ignore"):
            return np.exp(special.xlogy(n, rate * t) - rate * t - special.gammaln(n + 1))


def log_likelihood(rate, x, T):
    """Per-customer Poisson-process timing log-likelihood x log(rate) - rate T (the NBD's as r, alpha -> infinity
    with r / alpha = rate)."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    return special.xlogy(x, rate) - rate * T

"""NBD: Ehrenberg (1959), "The Pattern of Consumer Purchases", Applied Statistics 8(1); as the benchmark model of
customer-base analysis in Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing
Science 24(2), and Fader & Hardie (2004), "Illustrating the Performance of the NBD as a Benchmark Model for
Customer-Base Analysis" (brucehardie.com note 005).

Every customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) and nobody drops out. It is the limit
of the BG/NBD as the drop-out probability p -> 0 and of the Pareto/NBD as the drop-out rate mu -> 0: when those
models' likelihood is highest at that edge of their parameter space, the NBD is the model the data support
(`clv_lib.models.limits`). Recency carries no information here: the summary's (x, T) is sufficient.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, unique_rows
from clv_lib.models.mle import wsum
from clv_lib.models.hypergeometric import nbd_pmf


class NBDModel(TransactionModel):
    """The NBD model of repeat purchasing without drop-out; fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha")
    name = "NBD"
    has_dropout = False

    def _starts(self, rows, w):
        mean_x = float(np.average(rows["frequency"], weights=w))
        mean_T = float(np.average(rows["T"], weights=w))
        scale = mean_T / max(mean_x, 0.05)
        return [(1.0, scale), (0.3, scale * 0.3), (3.0, scale * 3.0)]

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x)) and its gradient over
        log-parameters (FHL 2005, the BG/NBD's eq. 6 with p = 0)."""
        frequencies = unique_rows(x)

        def objective(theta):
            params = np.exp(theta)
            ll, grad = log_likelihood(*params, x, T, gradient=True, frequencies=frequencies)
            return -wsum(w, ll), -(grad @ w) * params

        return objective

    def _p_alive(self, x, t_x, T):
        """Nobody drops out: 1 for every customer (the report states what its risk view uses instead)."""
        return np.ones(np.shape(x))

    def _expected_if_alive(self, t, x, T):
        """E[X(T, T+t] | x, T] = (r + x) / (alpha + T) * t: the posterior mean rate times the horizon."""
        r, alpha = self._param_array()
        return (r + x) / (alpha + T) * t

    def _expected_new(self, t):
        r, alpha = self._param_array()
        return r / alpha * t

    def _pmf(self, n, t):
        r, alpha = self._param_array()
        return nbd_pmf(n, t, r, alpha)


def log_likelihood(r, alpha, x, T, *, gradient: bool = False, frequencies=None):
    """Per-customer NBD log-likelihood of purchase counts x over ages T (timing likelihood: the product of the
    Poisson process density and the Gamma mixing, as in the BG/NBD paper). Parameters may be per-customer arrays;
    with `gradient`, also the (2, n) derivatives in r and alpha. `frequencies`: `unique_rows(x)`, reused."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    r, alpha = np.asarray(r, dtype=float), np.asarray(alpha, dtype=float)
    if r.ndim == 0 and alpha.ndim == 0:
        (ux,), inv = frequencies if frequencies is not None else unique_rows(x)
        lg, dg = special.gammaln(r + ux)[inv], (special.digamma(r + ux)[inv] if gradient else None)
    else:
        r, alpha = np.broadcast_arrays(r, alpha, x)[:2]
        lg, dg = special.gammaln(r + x), (special.digamma(r + x) if gradient else None)
    log_t = np.log(alpha + T)
    ll = lg - special.gammaln(r) + r * np.log(alpha) - (r + x) * log_t
    if not gradient:
        return ll
    grad = np.empty((2,) + np.shape(ll))
    grad[0] = dg - special.digamma(r) + np.log(alpha) - log_t
    grad[1] = r / alpha - (r + x) / (alpha + T)
    return ll, grad

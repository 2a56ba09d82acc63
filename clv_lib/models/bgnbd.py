"""BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat purchase
she drops out with probability p ~ Beta(a, b). Parameters r, alpha (alpha in the summary's time unit), a, b.
Equation numbers below are the paper's.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, unique_rows
from clv_lib.models.mle import wsum
from clv_lib.models.hypergeometric import bg_expected, nbd_cdf_complement, nbd_pmf


class BetaGeoModel(TransactionModel):
    """The BG/NBD model of repeat purchasing (FHL 2005); fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha", "a", "b")
    name = "BG/NBD"

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood (eq. 6) and its gradient over log-parameters, on collapsed rows."""
        frequencies = unique_rows(x)

        def objective(theta):
            params = np.exp(theta)
            ll, grad = log_likelihood(*params, x, t_x, T, gradient=True, frequencies=frequencies)
            return -wsum(w, ll), -(grad @ w) * params

        return objective

    def _p_alive(self, x, t_x, T):
        """Eq. (A3) of FHL (2005): 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = self._param_array()
        with np.errstate(divide="ignore"):
            log_odds = (np.log(a) - np.log(np.maximum(b + x - 1.0, 1e-300))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def _expected_if_alive(self, t, x, T):
        """Eq. (10) of FHL (2005) without the P(alive) factor: a BG/NBD restarted at T with updated shapes."""
        r, alpha, a, b = self._param_array()
        return bg_expected(t, r + x, alpha + T, a, b + x)

    def _expected_new(self, t):
        r, alpha, a, b = self._param_array()
        return bg_expected(t, r, alpha, a, b)

    def _pmf(self, n, t):
        """Eq. (8) of FHL (2005): P(X(t) = n)."""
        r, alpha, a, b = self._param_array()
        log_beta_ab = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + n) - log_beta_ab) * nbd_pmf(n, t, r, alpha)
        died = np.where(n > 0, np.exp(special.betaln(a + 1, np.maximum(b + n - 1, 1e-300)) - log_beta_ab)
                        * nbd_cdf_complement(n, t, r, alpha), 0.0)
        return alive + died


def log_likelihood(r, alpha, a, b, x, t_x, T, *, gradient: bool = False, frequencies=None):
    """Per-customer BG/NBD log-likelihood (FHL 2005, eq. 6) of summaries (x, t_x, T).

    log L = [terms of x alone] - (r+x) log(alpha+T) + [x > 0] softplus(D),
    D = log(a/(b+x-1)) + (r+x) log((alpha+T)/(alpha+t_x)). Parameters may be scalars or per-customer arrays
    (broadcasting against x). With `gradient`, also returns the (4, n) derivatives in r, alpha, a and b (natural
    scale), for chaining through a model of the parameters (covariates). `frequencies`, the output of
    `unique_rows(x)`, lets repeated calls with scalar parameters evaluate the special functions once per
    distinct frequency.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = (np.asarray(v, dtype=float) for v in (r, alpha, a, b))
    scalar = all(v.ndim == 0 for v in (r, alpha, a, b))
    if scalar:
        (ux,), inv = frequencies if frequencies is not None else unique_rows(x)

        def per_x(values):  # a function of (parameters, x) evaluated on the distinct frequencies
            return values[inv]
    else:
        r, alpha, a, b = np.broadcast_arrays(r, alpha, a, b, x)[:4]
        ux = x

        def per_x(values):
            return values
    repeat = x > 0
    log_t = np.log(alpha + T)
    bx1 = np.maximum(b + x - 1.0, 1e-300)  # used for x > 0 only, where b + x - 1 >= b > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = log_t - np.log(alpha + t_x)
    d = np.where(repeat, np.log(a) - np.log(bx1) + (r + x) * gap, -np.inf)
    # B(a, b+x) / B(a, b) through betaln: accurate as b grows large (the edge where nobody drops out).
    ll = (per_x(special.gammaln(r + ux) + special.betaln(a, b + ux)) - special.betaln(a, b)
          - special.gammaln(r) + r * np.log(alpha) - (r + x) * log_t + np.logaddexp(0.0, d))
    if not gradient:
        return ll
    w4 = special.expit(d)  # share of the likelihood from "dropped out after the last purchase"
    gap = np.where(repeat, gap, 0.0)
    i_t, i_tx = 1.0 / (alpha + T), 1.0 / (alpha + t_x)
    psi_ab = special.digamma(a + b)
    psi_abx = per_x(special.digamma(a + b + ux))
    grad = np.empty((4,) + np.shape(ll))
    grad[0] = per_x(special.digamma(r + ux)) - special.digamma(r) + np.log(alpha) - log_t + w4 * gap
    grad[1] = r / alpha - (r + x) * (i_t - w4 * np.where(repeat, i_t - i_tx, 0.0))
    grad[2] = psi_ab - psi_abx + w4 / a
    grad[3] = psi_ab - psi_abx + per_x(special.digamma(b + ux)) - special.digamma(b) - w4 / bx1
    return ll, grad

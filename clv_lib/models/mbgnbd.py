"""MBG/NBD: Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for customer
base analysis", International Journal of Research in Marketing 24(3).

The BG/NBD with one change: a customer may also drop out right after her first purchase (time 0), so a customer
with no repeat purchase is not certainly alive. Same parameters as the BG/NBD: r, alpha, a, b. The same model
was proposed as the "central" BG/NBD (CBG/NBD) by Hoppe & Wagner (2007).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, unique_rows
from clv_lib.models.mle import wsum
from clv_lib.models.hypergeometric import bg_expected, nbd_cdf_complement, nbd_pmf


class ModifiedBetaGeoModel(TransactionModel):
    """The MBG/NBD model (Batislam et al. 2007); fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha", "a", "b")
    name = "MBG/NBD"

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood and gradient over log-parameters.

        L = Gamma(r+x) alpha^r / Gamma(r) * [B(a, b+x+1)/B(a,b) (alpha+T)^-(r+x)
                                             + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x)]
        """
        (ux,), inv = unique_rows(x)

        def objective(theta):
            r, alpha, a, b = np.exp(theta)
            g_rx = special.gammaln(r + ux)[inv]
            d_rx = special.digamma(r + ux)[inv]
            d_bx, d_bx1 = special.digamma(b + ux)[inv], special.digamma(b + ux + 1)[inv]
            d_abx1 = special.digamma(a + b + ux + 1)[inv]
            log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + t_x)
            log_A1 = g_rx - special.gammaln(r) + r * np.log(alpha)
            # B(a, b+x+1)/B(a, b) and B(a+1, b+x)/B(a, b) through betaln: accurate for large b.
            log_beta_ab = special.betaln(a, b)
            l3 = special.betaln(a, b + ux + 1)[inv] - log_beta_ab - (r + x) * log_alpha_T
            l4 = special.betaln(a + 1, b + ux)[inv] - log_beta_ab - (r + x) * log_alpha_tx
            top = np.maximum(l3, l4)
            e3, e4 = np.exp(l3 - top), np.exp(l4 - top)
            total = e3 + e4
            w3, w4 = e3 / total, e4 / total
            ll = wsum(w, log_A1 + top + np.log(total))

            d_ab, d_b = special.digamma(a + b), special.digamma(b)
            d_r = d_rx - special.digamma(r) + np.log(alpha) - w3 * log_alpha_T - w4 * log_alpha_tx
            d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
            d_a = d_ab - d_abx1 + w4 / a
            d_b_ = d_ab - d_abx1 - d_b + w3 * d_bx1 + w4 * d_bx
            grad = np.array([wsum(w, d_r) * r, wsum(w, d_alpha) * alpha, wsum(w, d_a) * a, wsum(w, d_b_) * b])
            return -ll, -grad

        return objective

    def _p_alive(self, x, t_x, T):
        """1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), for every customer including x = 0."""
        r, alpha, a, b = self._param_array()
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return special.expit(-log_odds)

    def _expected_if_alive(self, t, x, T):
        """Given alive at T, future purchases follow a BG/NBD with shapes (r+x, alpha+T, a, b+x+1)."""
        r, alpha, a, b = self._param_array()
        return bg_expected(t, r + x, alpha + T, a, b + x + 1)

    def _expected_new(self, t):
        """E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))] = b/(a+b) E_BG(t; b+1)."""
        r, alpha, a, b = self._param_array()
        return b / (a + b) * bg_expected(t, r, alpha, a, b + 1)

    def _pmf(self, n, t):
        """P(X(t) = n) = B(a, b+n+1)/B(a,b) NBD(n; t) + B(a+1, b+n)/B(a,b) P(N(t) >= n)."""
        r, alpha, a, b = self._param_array()
        log_beta_ab = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + n + 1) - log_beta_ab) * nbd_pmf(n, t, r, alpha)
        died = np.exp(special.betaln(a + 1, b + n) - log_beta_ab) * nbd_cdf_complement(n, t, r, alpha)
        return alive + died

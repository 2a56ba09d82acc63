"""BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat purchase
she drops out with probability p ~ Beta(a, b). Parameters r, alpha (alpha in the summary's time unit), a, b.
Equation numbers below are the paper's.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, wsum
from clv_lib.models.hypergeometric import bg_expected, nbd_cdf_complement, nbd_pmf


class BetaGeoModel(TransactionModel):
    """The BG/NBD model of repeat purchasing (FHL 2005); fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha", "a", "b")
    name = "BG/NBD"

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood (eq. 6) and its gradient over log-parameters, on collapsed rows."""
        ux, inv = np.unique(x, return_inverse=True)
        uT, inv_T = np.unique(T, return_inverse=True)
        utx, inv_tx = np.unique(t_x, return_inverse=True)
        repeat = x > 0

        def objective(theta):
            r, alpha, a, b = np.exp(theta)
            # Terms that depend on x only: evaluated on the distinct frequencies.
            g_rx = special.gammaln(r + ux)[inv]
            g_bx = special.gammaln(b + ux)[inv]
            g_abx = special.gammaln(a + b + ux)[inv]
            d_rx = special.digamma(r + ux)[inv]
            d_bx = special.digamma(b + ux)[inv]
            d_abx = special.digamma(a + b + ux)[inv]
            # Summaries in whole days or weeks have few distinct T and t_x: take the logs there.
            log_alpha_T = np.log(alpha + uT)[inv_T]
            log_alpha_tx = np.log(alpha + utx)[inv_tx]
            inv_alpha_T = (1.0 / (alpha + uT))[inv_T]
            inv_alpha_tx = (1.0 / (alpha + utx))[inv_tx]
            log_A1 = g_rx - special.gammaln(r) + r * np.log(alpha)
            log_A2 = special.gammaln(a + b) + g_bx - special.gammaln(b) - g_abx
            l3 = -(r + x) * log_alpha_T
            ubx1 = np.maximum(b + ux - 1.0, 1e-300)  # only used where x > 0, so b + x - 1 >= b > 0
            log_bx1, inv_bx1 = np.log(ubx1)[inv], (1.0 / ubx1)[inv]
            l4 = np.where(repeat, np.log(a) - log_bx1 - (r + x) * log_alpha_tx, -np.inf)
            top = np.maximum(l3, l4)
            e3, e4 = np.exp(l3 - top), np.exp(l4 - top)
            total = e3 + e4
            w3, w4 = e3 / total, e4 / total
            ll = wsum(w, log_A1 + log_A2 + top + np.log(total))

            d_r = d_rx - special.digamma(r) + np.log(alpha) - w3 * log_alpha_T - w4 * log_alpha_tx
            d_alpha = r / alpha - (r + x) * (w3 * inv_alpha_T + w4 * inv_alpha_tx)
            d_ab = special.digamma(a + b) - d_abx
            d_a = d_ab + w4 / a
            d_b = d_ab + d_bx - special.digamma(b) - w4 * inv_bx1
            grad = np.array([wsum(w, d_r) * r, wsum(w, d_alpha) * alpha, wsum(w, d_a) * a, wsum(w, d_b) * b])
            return -ll, -grad

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

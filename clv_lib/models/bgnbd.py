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
        """Negative log-likelihood (eq. 6) and its gradient over log-parameters, on collapsed rows.

        Written for speed on millions of customers: log L_i = [terms of x only] - (r+x) log(alpha+T)
        + [x > 0] softplus(D_i), D_i = log(a/(b+x-1)) + (r+x) log((alpha+T)/(alpha+t_x)); the x-only terms are
        summed per distinct frequency and the logs per distinct T and t_x, so each evaluation makes a couple
        of dozen passes over the repeat buyers' rows.
        """
        ux, inv = np.unique(x, return_inverse=True)
        w_x = np.bincount(inv, weights=w, minlength=len(ux))  # customers per distinct frequency
        n = float(w.sum())
        zero = x == 0
        uT0, inv_T0 = np.unique(T[zero], return_inverse=True)
        w_T0 = np.bincount(inv_T0, weights=w[zero], minlength=len(uT0))
        rep = ~zero
        x_r, w_r, inv_r = x[rep], w[rep], np.searchsorted(ux, x[rep])
        uT, inv_T = np.unique(T[rep], return_inverse=True)
        utx, inv_tx = np.unique(t_x[rep], return_inverse=True)

        def objective(theta):
            r, alpha, a, b = np.exp(theta)
            # Terms of x alone, on the distinct frequencies.
            ll_x = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b)
                    + special.gammaln(b + ux) - special.gammaln(b) - special.gammaln(a + b + ux))
            dr_x = special.digamma(r + ux) - special.digamma(r) + np.log(alpha)
            da_x = special.digamma(a + b) - special.digamma(a + b + ux)
            db_x = da_x + special.digamma(b + ux) - special.digamma(b)
            bx1 = np.maximum(b + ux - 1.0, 1e-300)  # used for x > 0 only, where b + x - 1 >= b > 0
            log_a_bx1 = np.log(a) - np.log(bx1)
            # One-time buyers: only -r log(alpha + T), per distinct T.
            log_T0 = np.log(alpha + uT0)
            ll = wsum(w_x, ll_x) - r * wsum(w_T0, log_T0)
            g_r = wsum(w_x, dr_x) - wsum(w_T0, log_T0)
            g_alpha = n * r / alpha - r * wsum(w_T0, 1.0 / (alpha + uT0))
            g_a = wsum(w_x, da_x)
            g_b = wsum(w_x, db_x)
            if len(x_r):
                l_T, l_tx = np.log(alpha + uT)[inv_T], np.log(alpha + utx)[inv_tx]
                i_T, i_tx = (1.0 / (alpha + uT))[inv_T], (1.0 / (alpha + utx))[inv_tx]
                rx = r + x_r
                gap = l_T - l_tx
                d = log_a_bx1[inv_r] + rx * gap
                w4 = special.expit(d)  # share of the likelihood from "dropped out after the last purchase"
                ll += wsum(w_r, np.logaddexp(0.0, d) - rx * l_T)
                g_r += wsum(w_r, w4 * gap - l_T)
                g_alpha += wsum(w_r, rx * (w4 * (i_T - i_tx) - i_T))
                w_w4 = w_r * w4
                g_a += float(w_w4.sum()) / a
                g_b -= wsum(w_w4, (1.0 / bx1)[inv_r])
            grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
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

"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1); likelihood as derived in Fader & Hardie (2005), "A Note on Deriving the
Pareto/NBD Model and Related Expressions" (brucehardie.com note 009).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); her lifetime is
exponential with rate mu ~ Gamma(s, beta). Parameters r, alpha, s, beta (alpha, beta in the summary's unit).

Numerical stability. The likelihood is
    L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [(alpha+T)^-(r+x) (beta+T)^-s + s * I],
    I = integral over (t_x, T] of (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau = [F(t_x) - F(T)] / (r+s+x),
where the note writes F with 2F1(r+s+x, .; r+s+x+1; z), split by alpha >= beta or alpha < beta so that
0 <= z < 1. Euler's transformation turns that 2F1 into (1-z)^k 2F1(1, B; C; z) with C > B > 0, a series of
positive terms bounded by [1, 1/(1-z)]; we evaluate that one (scipy), check it against the bounds, sum the
series directly where it fails, and combine the terms on the log scale. So the likelihood and P(alive)
are finite for any frequency, including customers with hundreds of purchases.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, wsum
from clv_lib.models.hypergeometric import hyp2f1_1bc

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(256)


class ParetoNBDModel(TransactionModel):
    """The Pareto/NBD model (SMC 1987); fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha", "s", "beta")
    name = "Pareto/NBD"
    _analytic_gradient = False

    def _starts(self, rows, w):
        mean_x = float(np.average(rows["frequency"], weights=w))
        mean_T = float(np.average(rows["T"], weights=w))
        scale = mean_T / max(mean_x, 0.05)
        return [(1.0, scale, 1.0, mean_T), (0.5, scale * 0.5, 0.5, mean_T * 0.3), (2.0, scale * 2, 2.0, mean_T * 3)]

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood and its central-difference gradient over log-parameters."""
        ux, inv = np.unique(x, return_inverse=True)

        def value(theta):
            r, alpha, s, beta = np.exp(theta)
            log_c0 = (special.gammaln(r + ux)[inv] - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta))
            return -wsum(w, log_c0 + _log_bracket(r, alpha, s, beta, x, t_x, T)[0])

        def objective(theta):
            f0 = value(theta)
            grad = np.empty(len(theta))
            for i in range(len(theta)):
                step = np.zeros(len(theta))
                step[i] = 1e-6
                grad[i] = (value(theta + step) - value(theta - step)) / 2e-6
            return f0, grad

        return objective

    def _p_alive(self, x, t_x, T):
        r, alpha, s, beta = self._param_array()
        log_total, log_alive = _log_bracket(r, alpha, s, beta, x, t_x, T)
        return np.exp(np.minimum(log_alive - log_total, 0.0))

    def _expected_if_alive(self, t, x, T):
        """(r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] (FH note 009, eq. 22 / P(alive))."""
        r, alpha, s, beta = self._param_array()
        return _expected(t, r + x, alpha + T, s, beta + T)

    def _expected_new(self, t):
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (SMC 1987, eq. 17)."""
        r, alpha, s, beta = self._param_array()
        return _expected(t, r, alpha, s, beta)

    def _pmf(self, n, t):
        """P(X(t) = n) = S(t) NBD(n; t) + integral over (0, t] of g(tau) NBD(n; tau) dtau.

        S and g are the Pareto (II) survival and density of the lifetime; the integral is evaluated by
        256-point Gauss-Legendre quadrature in log(tau), where the integrand is smooth.
        """
        r, alpha, s, beta = self._param_array()
        n, t = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(t, dtype=float))
        out = np.zeros(n.shape)
        positive = t > 0
        out[~positive] = (n[~positive] == 0).astype(float)
        if not positive.any():
            return out
        nn, tt = n[positive][:, None], t[positive][:, None]
        lo, hi = np.log(tt) - 28.0, np.log(tt)
        u = (hi - lo) / 2 * _GL_NODES[None, :] + (hi + lo) / 2
        tau = np.exp(u)
        log_g = np.log(s) + s * np.log(beta) - (s + 1) * np.log(beta + tau)
        integral = ((hi - lo) / 2 * np.exp(log_g + _log_nbd(nn, tau, r, alpha) + u) @ _GL_WEIGHTS[:, None])[:, 0]
        alive = np.exp(s * (np.log(beta) - np.log(beta + tt[:, 0])) + _log_nbd(nn[:, 0], tt[:, 0], r, alpha))
        out[positive] = alive + integral
        return out


def _log_nbd(n, t, r, alpha):
    return (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
            + r * (np.log(alpha) - np.log(alpha + t)) + n * (np.log(t) - np.log(alpha + t)))


def _expected(t, r, alpha, s, beta):
    """r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)], written to stay exact as s -> 1."""
    log_ratio = np.log1p(t / beta)
    shrink = s - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(np.abs(shrink) < 1e-9, log_ratio, -np.expm1(-shrink * log_ratio) / shrink)
    return r * beta / alpha * factor


def _log_bracket(r, alpha, s, beta, x, t_x, T):
    """log[(alpha+T)^-(r+x) (beta+T)^-s + s I] and the log of its first ("still alive") term."""
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_f_tx = _log_f(r, alpha, s, beta, x, t_x)
    log_f_T = _log_f(r, alpha, s, beta, x, T)
    gap = np.minimum(log_f_T - log_f_tx, 0.0)
    with np.errstate(divide="ignore"):
        log_dead = np.log(s) - np.log(r + s + x) + log_f_tx + np.log(-np.expm1(gap))
    return np.logaddexp(log_alive, log_dead), log_alive


def _log_f(r, alpha, s, beta, x, y):
    """log F(y), F(y) = (r+s+x) * integral over (y, inf) of (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau."""
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return -(r + x) * np.log(alpha + y) - s * np.log(beta + y) + _log_h(r + x, r + s + x + 1.0, z)
    z = (beta - alpha) / (beta + y)
    return -(s + 1.0) * np.log(beta + y) + (1.0 - r - x) * np.log(alpha + y) + _log_h(s + 1.0, r + s + x + 1.0, z)


def _log_h(b, c, z):
    """log 2F1(1, b; c; z) for c > b > 0, 0 <= z < 1 (bounded between 0 and -log(1-z))."""
    return np.log(hyp2f1_1bc(b, c, z))

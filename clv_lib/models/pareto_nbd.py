"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1); likelihood as derived in Fader & Hardie (2005), "A Note on Deriving the
Pareto/NBD Model and Related Expressions" (brucehardie.com note 009).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); her lifetime is
exponential with rate mu ~ Gamma(s, beta). Parameters r, alpha, s, beta (alpha, beta in the summary's unit).

The likelihood is
    L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [A + s I],  A = (alpha+T)^-(r+x) (beta+T)^-s,
    I = integral over (t_x, T] of (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau,
(the note writes I with a Gauss hypergeometric function). I is evaluated by fixed-order quadrature for all
customers at once (`clv_lib.models.integrals.log_power_integral`), as J(t_x) - J(T) with J(y) the integral from
y to infinity for repeat buyers (so only the distinct (x, t_x) and (x, T) pairs are integrated) and directly for
the others; the same nodes give the derivatives in r, alpha, s and beta, so the fit uses an analytic gradient.
`log_likelihood` exposes the per-customer log-likelihood and its gradient for per-customer parameter arrays
(broadcasting), the building block of covariate extensions.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.base import TransactionModel, unique_rows
from clv_lib.models.mle import wsum
from clv_lib.models.integrals import log_power_integral

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(256)


class ParetoNBDModel(TransactionModel):
    """The Pareto/NBD model (SMC 1987); fit(summary) with frequency, recency, T."""

    param_names = ("r", "alpha", "s", "beta")
    name = "Pareto/NBD"

    def _starts(self, rows, w):
        mean_x = float(np.average(rows["frequency"], weights=w))
        mean_T = float(np.average(rows["T"], weights=w))
        scale = mean_T / max(mean_x, 0.05)
        return [(1.0, scale, 1.0, mean_T), (0.5, scale * 0.5, 0.5, mean_T * 0.3), (2.0, scale * 2, 2.0, mean_T * 3)]

    def _objective(self, x, t_x, T, w):
        """Negative log-likelihood and its analytic gradient over log-parameters, on collapsed rows."""
        patterns = Patterns(x, t_x, T)

        def objective(theta):
            params = np.exp(theta)
            ll, grad = patterns.objective(*params, w)
            return -ll, -grad * params

        return objective

    def _p_alive(self, x, t_x, T):
        """A / (A + s I): the share of the likelihood from "still alive at T", computed per distinct customer."""
        r, alpha, s, beta = self._param_array()
        (ux, ut, uT), codes = unique_rows(x, t_x, T)
        log_b, log_a = Patterns(ux, ut, uT).log_bracket(r, alpha, s, beta)
        return np.exp(np.minimum(log_a - log_b, 0.0))[codes]

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


def log_likelihood(r, alpha, s, beta, x, t_x, T, *, gradient: bool = False):
    """Per-customer Pareto/NBD log-likelihood (FH note 009, eq. 16) of summaries (x, t_x, T).

    Parameters may be scalars or per-customer arrays (anything that broadcasts against x). Returns the array of
    log-likelihoods, and with `gradient` also a (4, n) array of their derivatives in r, alpha, s and beta
    (natural scale), for chaining through a model of the parameters (covariates).
    """
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    return Patterns(x.reshape(-1), t_x.reshape(-1), T.reshape(-1)).log_likelihood(r, alpha, s, beta,
                                                                                  gradient=gradient)


class Patterns:
    """Summaries prepared once for repeated likelihood evaluations: with scalar parameters the integrals are
    computed on the distinct (x, t_x) and (x, T) pairs of the repeat buyers and the distinct T of the others."""

    def __init__(self, x, t_x, T):
        self.x, self.t_x, self.T = (np.asarray(v, dtype=float).reshape(-1) for v in (x, t_x, T))
        self.repeat = np.flatnonzero(self.x > 0)
        self.once = np.flatnonzero(self.x == 0)
        xr = self.x[self.repeat]
        (self.lo_x, self.lo_y), self.lo_inv = unique_rows(xr, self.t_x[self.repeat])
        (self.hi_x, self.hi_y), self.hi_inv = unique_rows(xr, self.T[self.repeat])
        (self.once_T,), self.once_inv = unique_rows(self.T[self.once])
        (self.ux,), self.x_inv = unique_rows(self.x)

    def log_bracket(self, r, alpha, s, beta):
        """log(A + s I) and log A per customer (A: the "still alive" term), scalar parameters."""
        log_b, log_a, _, _ = self._bracket(r, alpha, s, beta, gradient=False)
        return log_b, log_a

    def log_likelihood(self, r, alpha, s, beta, *, gradient: bool = False):
        """Per-customer log-likelihood and, with `gradient`, its (4, n) derivatives; parameters broadcast."""
        r, alpha, s, beta = (np.asarray(v, dtype=float) for v in (r, alpha, s, beta))
        if not all(v.ndim == 0 for v in (r, alpha, s, beta)):
            r, alpha, s, beta = np.broadcast_arrays(r, alpha, s, beta, self.x)[:4]
        log_b, log_a, pieces, shares = self._bracket(r, alpha, s, beta, gradient=gradient)
        ll = self._per_x(special.gammaln, r) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_b
        if not gradient:
            return ll
        grad = self._own_terms(r, alpha, s, beta, np.exp(log_a - log_b), shares[-1])
        for (rows, d_keys, inv), share in zip(pieces, shares):
            grad[:, rows] += share * (d_keys if inv is None else d_keys[:, inv])
        return ll, grad

    def objective(self, r, alpha, s, beta, w):
        """Sum of w * log-likelihood and of w * gradient (scalar parameters): the gradient of each integral is
        weighted per distinct pair, never spread over all customers."""
        log_b, log_a, pieces, shares = self._bracket(r, alpha, s, beta, gradient=True)
        ll = self._per_x(special.gammaln, r) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_b
        grad = self._own_terms(r, alpha, s, beta, np.exp(log_a - log_b), shares[-1]) @ w
        for (rows, d_keys, inv), share in zip(pieces, shares):
            grad += d_keys @ np.bincount(inv, weights=w[rows] * share, minlength=d_keys.shape[1])
        return wsum(w, ll), grad

    def _per_x(self, fn, r):
        """fn(r + x) per customer, evaluated once per distinct frequency when r is a scalar."""
        return fn(r + self.ux)[self.x_inv] if np.ndim(r) == 0 else fn(r + self.x)

    def _own_terms(self, r, alpha, s, beta, w_alive, w_dead):
        """Derivatives of log L other than those of the integral I: the constant, the alive term A, and s in s I."""
        x, T = self.x, self.T
        grad = np.empty((4, len(x)))
        grad[0] = (self._per_x(special.digamma, r) - special.digamma(r) + np.log(alpha)
                   - w_alive * np.log(alpha + T))
        grad[1] = r / alpha - w_alive * (r + x) / (alpha + T)
        grad[2] = np.log(beta) - w_alive * np.log(beta + T) + w_dead / s
        grad[3] = s / beta - w_alive * s / (beta + T)
        return grad

    def _bracket(self, r, alpha, s, beta, *, gradient: bool):
        """log B = log(A + s I) and log A per customer; with `gradient`, the integrals' pieces (rows, d log J per
        key, key of each row) and each piece's signed share s J / B (the last share is s I / B)."""
        scalar = all(np.ndim(v) == 0 for v in (r, alpha, s, beta))
        x, t_x, T = self.x, self.t_x, self.T
        log_a = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_i = np.full(len(x), -np.inf)
        pieces, logs = [], []
        rep, once = self.repeat, self.once
        if len(rep):
            for y_all, keys, inv in ((t_x, (self.lo_x, self.lo_y), self.lo_inv),
                                     (T, (self.hi_x, self.hi_y), self.hi_inv)):
                if scalar:
                    log_j, d_j = _log_j(r, alpha, s, beta, keys[0], keys[1], np.inf, gradient)
                    logs.append(log_j[inv])
                else:
                    log_j, d_j = _log_j(r[rep], alpha[rep], s[rep], beta[rep], x[rep], y_all[rep], np.inf, gradient)
                    logs.append(log_j)
                    inv = None
                pieces.append((rep, d_j, inv))
            with np.errstate(divide="ignore"):
                log_i[rep] = logs[0] + np.log(-np.expm1(np.minimum(logs[1] - logs[0], 0.0)))
        if len(once):
            if scalar:
                log_j, d_j = _log_j(r, alpha, s, beta, 0.0, 0.0, self.once_T, gradient)
                inv, log_j = self.once_inv, log_j[self.once_inv]
            else:
                log_j, d_j = _log_j(r[once], alpha[once], s[once], beta[once], 0.0, 0.0, T[once], gradient)
                inv = None
            log_i[once] = log_j
            pieces.append((once, d_j, inv))
            logs.append(log_j)
        log_s = np.log(s)
        log_b = np.logaddexp(log_a, log_s + log_i)
        if not gradient:
            return log_b, log_a, None, None
        signs = [1.0, -1.0, 1.0][:len(pieces)] if len(rep) else [1.0]
        shares = [sign * np.exp((log_s if scalar else log_s[rows]) + log_j - log_b[rows])
                  for sign, (rows, _, _), log_j in zip(signs, pieces, logs)]
        shares.append(np.exp(log_s + log_i - log_b))
        return log_b, log_a, pieces, shares


def _log_j(r, alpha, s, beta, x, y, span, gradient: bool = True):
    """log of the integral over (y, y + span] of (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau and (with
    `gradient`) its derivatives in (r, alpha, s, beta), shape (4, rows)."""
    p, q, a, b = r + x, s + 1.0, alpha + y, beta + y
    if not gradient:
        return log_power_integral(p, q, a, b, span), None
    log_j, m = log_power_integral(p, q, a, b, span, moments=True)
    d = np.stack(np.broadcast_arrays(-np.log(a) - m[0], -p / a * m[1], -np.log(b) - m[2], -q / b * m[3]))
    return log_j, d


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

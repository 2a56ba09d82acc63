"""Numerically guarded special-function expressions shared by the BG/NBD family.

The closed forms of the papers use the Gaussian hypergeometric function 2F1, which scipy evaluates quickly but
which can lose accuracy for extreme arguments. Each function here checks its closed-form result against bounds
that the true value must satisfy and recomputes the few entries that fail by numerical integration of an
equivalent, well-behaved integral; so a result is always finite.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, special


def bg_expected(t, r, alpha, a, b):
    """Expected purchases in (0, t] of a BG/NBD customer drawn from Gamma(r, alpha) x Beta(a, b) at time 0.

    FHL (2005), eq. 9: (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].
    Broadcasts over its arguments; t in the summary's time unit.
    """
    t, r, alpha, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, r, alpha, a, b)))
    near_one = np.abs(a - 1.0) < 1e-6
    if near_one.any():
        # The expression is analytic in a but 0/0 at a = 1: average the two sides.
        h = 1e-5
        value = np.where(near_one,
                         0.5 * (_bg_closed(t, r, alpha, a + h, b) + _bg_closed(t, r, alpha, a - h, b)),
                         _bg_closed(t, r, alpha, np.where(near_one, 2.0, a), b))
    else:
        value = _bg_closed(t, r, alpha, a, b)
    # 0 <= E[X(t)] <= E[lambda] t = r t / alpha (no drop-out at all).
    upper = r * t / alpha
    bad = ~np.isfinite(value) | (value < -1e-9 * (1 + upper)) | (value > upper * (1 + 1e-9) + 1e-12)
    if bad.any():
        value = value.copy()
        for idx in zip(*np.nonzero(bad)):
            value[idx] = _bg_quadrature(t[idx], r[idx], alpha[idx], a[idx], b[idx])
    return np.clip(value, 0.0, upper)


def _bg_closed(t, r, alpha, a, b):
    with np.errstate(all="ignore"):
        z = t / (alpha + t)
        log_lead = r * (np.log(alpha) - np.log(alpha + t))
        bracket = -np.expm1(log_lead + np.log(special.hyp2f1(r, b, a + b - 1.0, z)))
        return (a + b - 1.0) / (a - 1.0) * bracket


def _bg_quadrature(t, r, alpha, a, b) -> float:
    """E[X(t)] = E_p[(1 - (alpha/(alpha + p t))^r) / p] with p ~ Beta(a, b): one bounded, smooth integral."""
    log_norm = special.betaln(a, b)

    def integrand(p):
        if p <= 0:
            return 0.0
        gain = -np.expm1(-r * np.log1p(p * t / alpha)) / p
        return gain * np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p) - log_norm)

    value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200, points=[1e-6, 1 - 1e-6])
    return float(value) if np.isfinite(value) else 0.0


def nbd_cdf_complement(x, t, r, alpha):
    """P(N(t) >= x) for the NBD count N(t) of a Gamma(r, alpha)-mixed Poisson process (1 for x <= 0)."""
    x = np.asarray(x, dtype=float)
    p_event = t / (alpha + t)
    with np.errstate(all="ignore"):
        out = special.betainc(np.maximum(x, 1.0), r, p_event)
    return np.where(x <= 0, 1.0, out)


def nbd_pmf(x, t, r, alpha):
    """P(N(t) = x) for the NBD count of a Gamma(r, alpha)-mixed Poisson process over (0, t]."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        log_p = (special.gammaln(r + x) - special.gammaln(r) - special.gammaln(x + 1)
                 + r * (np.log(alpha) - np.log(alpha + t)) + special.xlogy(x, t) - x * np.log(alpha + t))
    return np.exp(log_p)


def hyp2f1_1bc(b, c, z) -> np.ndarray:
    """2F1(1, b; c; z) for c > b > 0 and 0 <= z < 1: a series of positive terms, so 1 <= value <= 1/(1-z).

    scipy's value is used where it satisfies those bounds; elsewhere (very large b, c) the series
    sum_k prod_{j<k} (b+j)/(c+j) z is summed directly, and Euler's integral E[1/(1 - zU)], U ~ Beta(b, c-b),
    is the last resort.
    """
    b, c, z = np.broadcast_arrays(np.asarray(b, float), np.asarray(c, float), np.asarray(z, float))
    with np.errstate(all="ignore"):
        h = np.asarray(special.hyp2f1(1.0, b, c, z), dtype=float)
    upper = 1.0 / (1.0 - z)
    bad = ~np.isfinite(h) | (h < 1.0 - 1e-12) | (h > upper * (1 + 1e-12))
    if bad.any():
        h = h.copy()
        h[bad] = _series_1bc(b[bad], c[bad], z[bad])
    return np.clip(h, 1.0, upper)


def _series_1bc(b, c, z, max_terms: int = 20_000):
    total = np.ones(b.shape)
    term = np.ones(b.shape)
    active = np.ones(b.shape, dtype=bool)
    for j in range(max_terms):
        term = np.where(active, term * (b + j) / (c + j) * z, 0.0)
        total += term
        active &= term > 1e-17 * total
        if not active.any():
            return total
    for i in np.nonzero(active)[0]:
        total[i] = _euler_integral_1bc(b[i], c[i], z[i])
    return total


def _euler_integral_1bc(b, c, z) -> float:
    log_norm = special.betaln(b, c - b)

    def integrand(u):
        if u <= 0 or u >= 1:
            return 0.0
        return np.exp((b - 1) * np.log(u) + (c - b - 1) * np.log1p(-u) - log_norm) / (1 - z * u)

    value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200)
    return float(value) if np.isfinite(value) and value >= 1 else 1.0

"""Closed forms of the BG/NBD family and the NBD, evaluated for many customers at once and checked.

The papers' expressions use the Gaussian hypergeometric function 2F1. Each function here evaluates a form of
the closed expression that stays in floating-point range, checks it against bounds the true value must satisfy,
and recomputes the entries that fail with a fixed-order quadrature of an equivalent integral
(`clv_lib.models.integrals`), all rows at once: a result is always finite, and no row is integrated on its own.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from clv_lib.models.integrals import bg_expected_quadrature


def bg_expected(t, r, alpha, a, b):
    """Expected purchases in (0, t] of a BG/NBD customer drawn from Gamma(r, alpha) x Beta(a, b) at time 0.

    FHL (2005), eq. 9: (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z)], z = t/(alpha+t). For a
    customer with many purchases r and b are large and the two factors of the product underflow and overflow;
    Euler's transformation 2F1(r, b; c; z) = (1-z)^(c-r-b) 2F1(c-r, c-b; c; z) removes both, leaving
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z), whose upper parameters do not grow with the purchases.
    Broadcasts over its arguments; t in the summary's time unit.
    """
    t, r, alpha, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, r, alpha, a, b)))
    c = a + b - 1.0
    with np.errstate(all="ignore"):
        z = t / (alpha + t)
        bracket = -np.expm1((a - 1.0) * np.log1p(-z) + np.log(special.hyp2f1(c - r, a - 1.0, c, z)))
        value = c / (a - 1.0) * bracket
    # 0 <= E[X(t)] <= E[lambda] t = r t / alpha (no drop-out at all); a = 1 is a removable 0/0.
    upper = r * t / alpha
    bad = (~np.isfinite(value) | (value < -1e-9 * (1 + upper)) | (value > upper * (1 + 1e-9) + 1e-12)
           | (np.abs(a - 1.0) < 1e-6))
    if bad.any():
        value = np.array(value, dtype=float)
        value[bad] = bg_expected_quadrature(t[bad], r[bad], alpha[bad], a[bad], b[bad])
    return np.clip(value, 0.0, upper)


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
    sum_k prod_{j<k} (b+j)/(c+j) z is summed directly for those rows together.
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
    """sum_k prod_{j<k} (b+j)/(c+j) z, all rows at once; past `max_terms` terms the tail is bounded by the
    geometric series of the last term's ratio (below z) and that bound's midpoint is added."""
    total = np.ones(b.shape)
    term = np.ones(b.shape)
    active = np.ones(b.shape, dtype=bool)
    for j in range(max_terms):
        ratio = (b + j) / (c + j) * z
        term = np.where(active, term * ratio, 0.0)
        total += term
        active &= term > 1e-17 * total
        if not active.any():
            return total
    low, high = term * ratio / (1.0 - ratio), term * z / (1.0 - z)
    return total + np.where(active, (low + high) / 2.0, 0.0)

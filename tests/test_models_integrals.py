"""The fixed-order integrals and guarded closed forms behind the models (clv_lib.models.integrals,
clv_lib.models.hypergeometric), against scipy's adaptive quadrature of their definitions.

- BG/NBD expected purchases, FHL (2005) eq. 9 before integrating the drop-out probability P ~ Beta(a, b):
  E[X(t)] = E[(1 - (alpha / (alpha + P t))^r) / P]; for a customer with x purchases and age T the conditional
  expectation is the same expression with (r + x, alpha + T, a, b + x) (eq. 10 without P(alive)).
- The Pareto/NBD power integral: integral over (0, span] of (a + tau)^-p (b + tau)^-q.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from clv_lib.models.hypergeometric import bg_expected
from clv_lib.models.integrals import bg_expected_quadrature, log_power_integral


def _bg_by_quad(t, r, alpha, a, b):
    """The Beta integral split at P = 1/2: below in P itself, above in w = -log(1 - P) (for b < 1 the density is
    infinite at P = 1, finite in w)."""
    gain = lambda p: -np.expm1(-r * np.log1p(p * t / alpha)) / p  # noqa: E731
    log_norm = special.betaln(a, b)
    low = lambda p: gain(p) * np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p) - log_norm)  # noqa: E731
    high = lambda w: gain(-np.expm1(-w)) * np.exp((a - 1) * np.log(-np.expm1(-w)) - b * w - log_norm)  # noqa: E731
    mode = a / (a + b)
    points = sorted(v for v in {mode / 100, mode / 10, mode, alpha / (r * t)} if 0 < v < 0.5)
    below = integrate.quad(low, 0, 0.5, points=points or None, epsabs=0, epsrel=1e-12, limit=1000)[0]
    above = integrate.quad(high, np.log(2), np.inf, epsabs=0, epsrel=1e-12, limit=1000)[0]
    return below + above


CASES = [  # (t, r, alpha, a, b): CDNOW-like, heavy buyers (x in the thousands), tiny alpha with a long horizon
    (39.0, 0.243 + 2, 4.414 + 38.86, 0.793, 2.426 + 2),
    (730.0, 0.3 + 3000, 40.0 + 800.0, 1.3, 2.0 + 3000),
    (365.0, 0.5 + 1000, 10.0 + 300.0, 0.12, 1.0 + 1000),
    (3650.0, 10.068, 0.0514, 8.488, 192.85),  # z = 0.99999: scipy's hyp2f1 gives NaN here
    (30.0, 1.7, 312.4, 0.553, 0.122),  # b < 1: the Beta density is infinite at P = 1
    (730.0, 0.02, 2.0, 5.7, 0.8),
    # All four shapes large (a fit on two weeks of purchases, every customer alike): Beta(a, b) is a narrow peak
    # (sd 0.001 at P = 0.27) and scipy's hyp2f1 fails here; the quadrature once integrated from beside the peak
    # and returned 116 purchases instead of 1/P* = 3.75, so a 24-month forecast jumped 30-fold in month 23.
    (700.0, 16067.46, 41810.05, 49387.79, 135737.80),
]


@pytest.mark.parametrize("case", CASES)
def test_bg_expectation_matches_its_integral_definition(case):
    reference = _bg_by_quad(*case)
    assert float(bg_expected(*case)) == pytest.approx(reference, rel=1e-8)
    assert float(bg_expected_quadrature(*case)) == pytest.approx(reference, rel=1e-7)


def test_bg_expectation_is_vectorised_and_bounded():
    rng = np.random.default_rng(2)
    n = 20_000
    t = rng.choice([1.0, 30.0, 365.0, 3650.0], n)
    x = rng.choice([0, 1, 10, 300, 3000], n)
    args = (t, 0.3 + x, rng.uniform(0.05, 500, n) + rng.uniform(0, 1000, n), rng.uniform(0.05, 8, n),
            rng.uniform(0.1, 50, n) + x)
    value = bg_expected(*args)
    assert np.isfinite(value).all() and (value >= 0).all() and (value <= args[1] * t / args[2] + 1e-9).all()
    sample = rng.choice(n, 12, replace=False)
    np.testing.assert_allclose(value[sample], [_bg_by_quad(*(a[i] for a in args)) for i in sample], rtol=1e-7)


@pytest.mark.parametrize("p, q, a, b, span", [
    (0.5, 1.7, 10.6, 11.7, 38.0), (20.8, 1.01, 9905.7, 0.0823, 1204.4), (5000.3, 4.48, 13.2, 34.4, 33.7),
    (1500.2, 1.05, 600.0, 650.0, np.inf), (2.3, 1.9, 0.01, 1e4, np.inf), (0.01, 1.001, 1e3, 1e-2, 3000.0),
])
def test_power_integral_matches_adaptive_quadrature(p, q, a, b, span):
    scale = 1.0 / (p / a + q / b)
    upper = span if np.isfinite(span) else np.inf

    def f(u):
        return np.exp(-p * np.log1p(u / a) - q * np.log1p(u / b))

    points = [k * scale for k in (1, 10, 100) if k * scale < min(upper, 1e300)] + [v for v in (a, b) if v < upper]
    if np.isfinite(upper):
        reference = integrate.quad(f, 0, upper, points=sorted(points), epsabs=0, epsrel=1e-12, limit=1000)[0]
    else:
        cut = max(points) * 10
        # The tail beyond `cut` in w = 1/tau, where it is a smooth integral over (0, 1/cut].
        tail = integrate.quad(lambda w: f(1.0 / w) / w**2, 0, 1.0 / cut, epsabs=0, epsrel=1e-12, limit=1000)[0]
        reference = integrate.quad(f, 0, cut, points=sorted(points), epsabs=0, epsrel=1e-12, limit=1000)[0] + tail
    expected = np.log(reference) - p * np.log(a) - q * np.log(b)
    assert float(log_power_integral(p, q, a, b, span)) == pytest.approx(expected, rel=1e-9, abs=1e-9)

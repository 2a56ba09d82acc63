"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987) on CDNOW.

Sources of the expected values:
- Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2), section 4 (the
  Pareto/NBD benchmark on the same 2,357-customer CDNOW calibration data): r = 0.553, alpha = 10.578,
  s = 0.606, beta = 11.669, LL = -9595.0.
- CLVTools (Bachmann, Meierer & Näf), tests/testthat/test_correctness_pnbd.R: standard errors of those
  estimates (r 0.0476, alpha 0.8427, s 0.1873, beta 6.2105) and the customers whose P(alive) used to be NaN.
The closed forms are checked against their integral definitions (FH 2005 note 009).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from clv_lib.models import ParetoNBDModel
from clv_lib.models.pareto_nbd import Patterns, log_likelihood
from models_data import cdnow_summary


@pytest.fixture(scope="module")
def fitted():
    return ParetoNBDModel().fit(cdnow_summary())


def test_cdnow_estimates_match_fhl_2005(fitted):
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        # The surface is flat in beta: FHL's and CLVTools' optima differ in beta's second decimal.
        assert fitted.params_[name] == pytest.approx(value, rel=2e-3), name
    assert round(fitted.log_likelihood_, 1) == pytest.approx(-9595.0, abs=0.05)


def test_standard_errors_match_clvtools(fitted):
    clvtools = {"r": 0.0476264, "alpha": 0.8427222, "s": 0.1872594, "beta": 6.2105448}
    for name, value in clvtools.items():
        assert fitted.standard_errors_[name] == pytest.approx(value, rel=0.03), name


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.61, 11.7), (0.8, 20.0, 1.3, 3.0), (2.0, 1.0, 0.3, 50.0)])
def test_likelihood_equals_its_integral_form(params):
    r, alpha, s, beta = params
    rows = [(0, 0.0, 38.0), (1, 5.0, 38.0), (7, 30.0, 38.0), (3, 37.99, 38.0), (40, 20.0, 80.0)]
    for x, t_x, T in rows:
        closed = Patterns(np.array([x], float), np.array([t_x]), np.array([T])).log_bracket(r, alpha, s, beta)[0][0]
        integral = integrate.quad(lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1), t_x, T,
                                  epsabs=0, epsrel=1e-12)[0]
        direct = np.log((alpha + T) ** -(r + x) * (beta + T) ** -s + s * integral)
        assert closed == pytest.approx(direct, rel=1e-9, abs=1e-9), (x, t_x, T)


def test_p_alive_is_finite_where_older_implementations_gave_nan():
    model = ParetoNBDModel().with_params(r=0.5143, alpha=2.8845, s=0.2856, beta=14.1087)
    summary = pd.DataFrame({"frequency": [221, 254, 161, 204],
                            "recency": [103.42857, 97.14286, 94.71429, 98.57143],
                            "T": [103.57143, 97.28571, 98.00000, 99.42857]})
    p = model.probability_alive(summary)
    assert np.isfinite(p).all() and p.between(0, 1).all()
    heavy = pd.DataFrame({"frequency": [5000, 5000], "recency": [99.999, 10.0], "T": [100.0, 100.0]})
    # ~50 purchases a week: a customer silent for a minute is alive, one silent for 90 weeks is not.
    p = model.probability_alive(heavy)
    assert p.iloc[0] > 0.99 and p.iloc[1] < 1e-6
    assert np.isfinite(model.expected_purchases(heavy, 52.0)).all()


def test_expectations_equal_their_integral_definitions(fitted):
    r, alpha, s, beta = (fitted.params_[k] for k in fitted.param_names)
    for t in (1.0, 39.0, 500.0):
        # E[X(t)] = E[lambda] E[min(lifetime, t)] = r/alpha * integral of the Pareto survival over (0, t].
        new = r / alpha * integrate.quad(lambda u: (beta / (beta + u)) ** s, 0, t)[0]
        assert float(fitted.expected_purchases_new(t)) == pytest.approx(new, rel=1e-8)
    one = pd.DataFrame({"frequency": [4], "recency": [20.0], "T": [38.0]})
    x, T = 4, 38.0
    alive = fitted.probability_alive(one).iloc[0]
    cond = (r + x) / (alpha + T) * integrate.quad(lambda u: ((beta + T) / (beta + T + u)) ** s, 0, 39.0)[0]
    assert fitted.expected_purchases(one, 39.0).iloc[0] == pytest.approx(alive * cond, rel=1e-8)


def test_pmf_is_a_distribution_with_the_closed_form_mean(fitted):
    n = np.arange(0, 300)
    for t in (1.0, 39.0, 78.0):
        pmf = fitted.probability_purchases(n, t)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-7)
        assert (n * pmf).sum() == pytest.approx(float(fitted.expected_purchases_new(t)), rel=1e-5)
    assert fitted.probability_purchases(0, 0.0) == 1.0


def test_s_equal_one_limit_is_continuous():
    base = dict(r=0.5, alpha=10.0, beta=12.0)
    at_one = ParetoNBDModel().with_params(s=1.0, **base).expected_purchases_new(39.0)
    near = ParetoNBDModel().with_params(s=1.0 + 1e-7, **base).expected_purchases_new(39.0)
    assert np.isfinite(at_one) and at_one == pytest.approx(near, rel=1e-6)
    assert at_one == pytest.approx(0.5 / 10.0 * 12.0 * np.log1p(39.0 / 12.0), rel=1e-12)


def test_weights_give_the_same_fit(fitted):
    counts = cdnow_summary().value_counts().rename("weights").reset_index()
    weighted = ParetoNBDModel().fit(counts)
    assert weighted.log_likelihood_ == pytest.approx(fitted.log_likelihood_, abs=1e-5)


def test_gradient_is_the_derivative_of_the_likelihood():
    s = cdnow_summary()
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    objective = ParetoNBDModel()._objective(x, t_x, T, np.ones(len(x)))
    for theta in (np.log([0.55, 10.6, 0.6, 11.7]), np.log([2.0, 1.0, 0.3, 50.0]), np.log([0.1, 100.0, 5.0, 0.5])):
        central = np.array([(objective(theta + e)[0] - objective(theta - e)[0]) / 2e-5 for e in np.eye(4) * 1e-5])
        np.testing.assert_allclose(objective(theta)[1], central, rtol=1e-5, atol=1e-3)


def test_per_customer_parameters_broadcast_with_their_gradient():
    """The building block of covariate models: per-customer (r, alpha, s, beta), heavy buyers included."""
    rng = np.random.default_rng(0)
    n = 400
    x = rng.choice([0, 1, 5, 50, 1500], n).astype(float)
    T = rng.uniform(10, 1000, n)
    t_x = np.where(x > 0, T * rng.uniform(size=n), 0.0)
    params = [rng.uniform(0.2, 2, n), rng.uniform(1, 100, n), rng.uniform(0.1, 2, n), rng.uniform(1, 500, n)]
    ll, grad = log_likelihood(*params, x, t_x, T, gradient=True)
    assert ll.shape == (n,) and grad.shape == (4, n) and np.isfinite(grad).all()
    for k in range(4):
        up, down = [p.copy() for p in params], [p.copy() for p in params]
        up[k] *= 1 + 1e-4
        down[k] *= 1 - 1e-4
        central = (log_likelihood(*up, x, t_x, T) - log_likelihood(*down, x, t_x, T)) / (2e-4 * params[k])
        np.testing.assert_allclose(grad[k], central, rtol=1e-4, atol=1e-7)
    one = [p[7] for p in params]
    assert log_likelihood(*one, x[7:8], t_x[7:8], T[7:8])[0] == pytest.approx(ll[7], rel=1e-12)


@pytest.mark.parametrize("x, t_x, T", [(1500, 600.0, 700.0), (5000, 299.9, 300.0), (2, 1.0, 3000.0)])
def test_likelihood_of_heavy_buyers_equals_its_integral_form(x, t_x, T):
    """Customers with thousands of purchases, where the hypergeometric series of the note converge slowly."""
    for r, alpha, s, beta in [(0.5, 20.0, 0.7, 300.0), (1.3, 400.0, 0.05, 2.0), (0.2, 0.5, 3.0, 5000.0)]:
        closed = Patterns(np.array([x], float), np.array([t_x]), np.array([T])).log_bracket(r, alpha, s, beta)[0][0]
        peak = -(r + x) * np.log(alpha + t_x) - (s + 1) * np.log(beta + t_x)
        f = lambda u: np.exp(-(r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u) - peak)  # noqa: E731
        scale = 1.0 / ((r + x) / (alpha + t_x) + (s + 1) / (beta + t_x))
        points = [t_x + k * scale for k in (1, 5, 20, 100) if t_x + k * scale < T]
        integral = integrate.quad(f, t_x, T, points=points, epsabs=0, epsrel=1e-12, limit=500)[0]
        direct = np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T), np.log(s * integral) + peak)
        assert closed == pytest.approx(direct, rel=1e-9, abs=1e-9), (r, alpha, s, beta)

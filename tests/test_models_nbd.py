"""NBD: the benchmark model of Fader, Hardie & Lee (2005) and the no-drop-out limit of the BG/NBD and Pareto/NBD.

Source of the expected values: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing
Science 24(2), section 4: on the same 2,357-customer CDNOW calibration data the NBD benchmark has r = 0.385,
alpha = 12.072 and LL = -9763.7 (against -9582.4 for the BG/NBD). The closed forms are checked against the
BG/NBD with drop-out switched off and against their integral definitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from clv_lib.models import BetaGeoModel, NBDModel
from clv_lib.models.bgnbd import log_likelihood as bgnbd_log_likelihood
from clv_lib.models.nbd import log_likelihood
from models_data import cdnow_summary


@pytest.fixture(scope="module")
def fitted():
    return NBDModel().fit(cdnow_summary())


def test_cdnow_estimates_match_the_fhl_2005_benchmark(fitted):
    assert round(fitted.params_["r"], 3) == pytest.approx(0.385, abs=1e-3)
    assert round(fitted.params_["alpha"], 3) == pytest.approx(12.072, abs=1e-3)
    assert round(fitted.log_likelihood_, 1) == pytest.approx(-9763.7, abs=0.05)
    assert all(0 < v < np.inf for v in fitted.standard_errors_.values())
    assert fitted.param_names == ("r", "alpha") and not fitted.has_dropout


def test_it_is_the_bgnbd_without_drop_out(fitted):
    s = cdnow_summary()
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    r, alpha = fitted.params_["r"], fitted.params_["alpha"]
    # p ~ Beta(a, b) with a/(a+b) -> 0: the BG/NBD likelihood tends to the NBD's.
    np.testing.assert_allclose(bgnbd_log_likelihood(r, alpha, 1.0, 1e20, x, t_x, T), log_likelihood(r, alpha, x, T),
                               atol=1e-9)
    no_dropout = BetaGeoModel().with_params(r=r, alpha=alpha, a=1.0, b=1e20)
    np.testing.assert_allclose(no_dropout.expected_purchases(s, 39.0), fitted.expected_purchases(s, 39.0), rtol=1e-6)
    assert (fitted.probability_alive(s) == 1.0).all()


def test_conditional_expectation_and_pmf(fitted):
    r, alpha = fitted.params_["r"], fitted.params_["alpha"]
    one = pd.DataFrame({"frequency": [4], "recency": [20.0], "T": [38.0]})
    # Posterior rate Gamma(r + x, alpha + T): E[X(T, T + t]] = E[lambda | x, T] t.
    posterior = stats.gamma(r + 4, scale=1 / (alpha + 38.0))
    assert fitted.expected_purchases(one, 39.0).iloc[0] == pytest.approx(posterior.mean() * 39.0, rel=1e-12)
    n = np.arange(0, 400)
    pmf = fitted.probability_purchases(n, 39.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert (n * pmf).sum() == pytest.approx(float(fitted.expected_purchases_new(39.0)), rel=1e-8)
    mixed = integrate.quad(lambda lam: stats.poisson.pmf(3, lam * 39.0) * stats.gamma.pdf(lam, r, scale=1 / alpha),
                           0, np.inf, epsabs=0, epsrel=1e-12)[0]
    assert float(fitted.probability_purchases(3, 39.0)) == pytest.approx(mixed, rel=1e-8)


def test_per_customer_gradient():
    rng = np.random.default_rng(4)
    n = 300
    x = rng.choice([0, 1, 3, 40, 2000], n).astype(float)
    T = rng.uniform(1, 1000, n)
    r, alpha = rng.uniform(0.1, 3, n), rng.uniform(1, 200, n)
    _, grad = log_likelihood(r, alpha, x, T, gradient=True)
    for k, params in enumerate(([r * (1 + 1e-6), alpha], [r, alpha * (1 + 1e-6)])):
        down = [r * (1 - 1e-6), alpha] if k == 0 else [r, alpha * (1 - 1e-6)]
        central = (log_likelihood(*params, x, T) - log_likelihood(*down, x, T)) / (2e-6 * (r, alpha)[k])
        np.testing.assert_allclose(grad[k], central, rtol=1e-5, atol=1e-7)

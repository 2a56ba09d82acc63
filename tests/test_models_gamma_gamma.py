"""Gamma-Gamma spend model against Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"
(brucehardie.com note 025), fitted on the 946 CDNOW repeat buyers of FHL (2005) "RFM and CLV".

Sources: note 025 reports p = 6.25, q = 3.74, gamma (our v) = 15.44, and its spreadsheet the conditional
expected average spend of the first ten customers (24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17,
27.28, 35.17), quoted by lifetimes' test suite; CLVTools' correctness test gives LL = -4055.92 on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from clv_lib.exceptions import ConvergenceError, ModelInputError, NotFittedError
from clv_lib.models import GammaGammaModel
from models_data import cdnow_spend_summary


@pytest.fixture(scope="module")
def fitted():
    return GammaGammaModel().fit(cdnow_spend_summary())


def test_cdnow_estimates_match_note_025(fitted):
    assert fitted.n_customers_ == 946
    assert fitted.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert fitted.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert fitted.params_["v"] == pytest.approx(15.44, abs=0.01)
    assert fitted.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)


def test_conditional_spend_matches_note_025_spreadsheet(fitted):
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    got = fitted.expected_spend(cdnow_spend_summary().head(10))
    np.testing.assert_allclose(got.to_numpy(), expected, atol=0.015)
    assert fitted.mean_spend() == pytest.approx(35.17, abs=0.01)


def test_gradient_and_standard_errors(fitted):
    s = cdnow_spend_summary()
    s = s[s.frequency > 0]
    objective = GammaGammaModel._objective(s.frequency.to_numpy(float), s.monetary_value.to_numpy(float),
                                           np.ones(len(s)))
    theta = np.log([2.0, 3.0, 20.0])
    approx = optimize.approx_fprime(theta, lambda t: objective(t)[0], 1e-6)
    np.testing.assert_allclose(objective(theta)[1], approx, rtol=1e-4, atol=1e-2)
    assert all(0 < v < np.inf for v in fitted.standard_errors_.values())


def test_frequency_spend_correlation_is_reported(fitted):
    # Note 025 discusses the (weak) correlation between frequency and average spend on CDNOW.
    assert -0.3 < fitted.frequency_spend_correlation_ < 0.3


def test_non_repeat_and_zero_spend_customers_are_left_out_of_the_fit(fitted):
    s = cdnow_spend_summary().copy()
    extra = pd.DataFrame({"frequency": [3, 0], "recency": [5.0, 0.0], "T": [30.0, 30.0],
                          "monetary_value": [0.0, 0.0]}, index=[9001, 9002])
    model = GammaGammaModel().fit(pd.concat([s, extra]))
    assert model.n_excluded_ == 1
    assert model.params_ == pytest.approx(fitted.params_)
    spend = model.expected_spend(extra)
    np.testing.assert_allclose(spend.to_numpy(), model.mean_spend(), rtol=1e-12)


def test_q_not_above_one_is_a_convergence_error():
    rng = np.random.default_rng(7)
    n, p, q, v = 3000, 2.0, 0.6, 10.0
    x = rng.integers(1, 8, n)
    nu = rng.gamma(q, 1 / v, n)
    zbar = rng.gamma(p * x, 1 / (nu * x))
    summary = pd.DataFrame({"frequency": x, "monetary_value": zbar})
    with pytest.raises(ConvergenceError, match="q = 0.*<= 1"):
        GammaGammaModel().fit(summary)


def test_too_few_repeat_buyers_is_a_clear_error():
    summary = pd.DataFrame({"frequency": [0, 0, 1, 2], "monetary_value": [0.0, 0.0, 10.0, 12.0]})
    with pytest.raises(ModelInputError, match="2 repeat buyer"):
        GammaGammaModel().fit(summary)


def test_unfitted_raises():
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_spend(cdnow_spend_summary())

"""sBG against Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive Marketing
21(1): two cohorts of 1,000 customers ("regular", "high end"), survivor counts over 12 years (Table 1,
tests/data/sbg_cohorts.csv); the model is fitted on years 1-7.

Published MLE: regular alpha = 0.704, beta = 1.182; high end alpha = 0.668, beta = 3.806; the paper's
projections for years 8-12 track the actual survivors closely. DERL follows Fader & Hardie (2010), eq. (6),
and is checked against its defining discounted sum.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import ModelInputError, NotFittedError
from clv_lib.models import ShiftedBetaGeoModel, summary_from_survivors

COHORTS = pd.read_csv(Path(__file__).resolve().parent / "data" / "sbg_cohorts.csv")
PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}


@pytest.fixture(scope="module", params=["regular", "high_end"])
def cohort(request):
    survivors = COHORTS[request.param].to_numpy(float)
    model = ShiftedBetaGeoModel().fit(summary_from_survivors(survivors[:8]))
    return request.param, survivors, model


def test_estimates_match_fader_hardie_2007(cohort):
    name, _, model = cohort
    alpha, beta = PUBLISHED[name]
    assert round(model.params_["alpha"], 3) == pytest.approx(alpha, abs=1e-3)
    assert round(model.params_["beta"], 3) == pytest.approx(beta, abs=1e-3)


def test_log_likelihood_equals_the_papers_recursion(cohort):
    # FH 2007 eqs. (7) and (A2): P(T=1) = a/(a+b), P(T=t) = (b+t-2)/(a+b+t-1) P(T=t-1), S(t) = S(t-1) - P(T=t).
    _, survivors, model = cohort
    a, b = model.params_["alpha"], model.params_["beta"]
    p, s, ll = a / (a + b), 1.0, 0.0
    for t in range(1, 8):
        if t > 1:
            p *= (b + t - 2) / (a + b + t - 1)
        s -= p
        ll += (survivors[t - 1] - survivors[t]) * np.log(p)
    ll += survivors[7] * np.log(s)
    assert model.log_likelihood_ == pytest.approx(ll, abs=1e-8)


def test_holdout_years_8_to_12_are_projected_within_5_percent(cohort):
    _, survivors, model = cohort
    projected = survivors[0] * model.survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, survivors[8:13], rtol=0.05)


def test_retention_rates_rise_and_match_survival_ratios(cohort):
    _, _, model = cohort
    t = np.arange(1, 13)
    r = model.retention_rate(t)
    assert (np.diff(r) > 0).all()
    np.testing.assert_allclose(r, model.survival(t) / model.survival(t - 1), rtol=1e-12)
    np.testing.assert_allclose(model.churn_probability(t), model.survival(t - 1) - model.survival(t), rtol=1e-10)


def test_derl_equals_its_discounted_sum(cohort):
    _, _, model = cohort
    d = 0.10
    for n in (0, 1, 4, 7):
        t = np.arange(0, 4000)
        direct = (model.survival(n + 1 + t) / model.survival(n) / (1 + d) ** t).sum()
        assert float(model.derl(n, d)) == pytest.approx(direct, rel=1e-10)
    assert (np.diff(model.derl(np.arange(0, 10), d)) > 0).all()  # survivors are the better customers


def test_homogeneous_limit_of_derl():
    # With no heterogeneity (alpha, beta -> infinity at fixed churn 0.2) DERL -> 0.8 / (1 - 0.8/1.1).
    model = ShiftedBetaGeoModel().with_params(alpha=2e6, beta=8e6)
    assert float(model.derl(3, 0.10)) == pytest.approx(0.8 / (1 - 0.8 / 1.1), rel=1e-5)


def test_the_geometric_limit_has_one_churn_for_everybody_with_thetas_binomial_variance(cohort):
    # FH 2007's cohorts are heterogeneous; the limit built from a churn of 0.2 in 500 renewals is not.
    _, _, fitted = cohort
    assert not fitted.is_geometric
    limit = ShiftedBetaGeoModel.geometric(0.2, 500)
    alpha, beta = limit.params_["alpha"], limit.params_["beta"]
    assert limit.is_geometric and alpha / (alpha + beta) == pytest.approx(0.2, rel=1e-12)
    assert float(limit.derl(3, 0.10)) == pytest.approx(0.8 / (1 - 0.8 / 1.1), rel=1e-5)
    # var(log alpha) = var(theta) / theta^2 with var(theta) = theta (1 - theta) / renewals (delta method)
    assert limit.log_param_covariance_[0, 0] == pytest.approx(0.2 * 0.8 / 500 / 0.2 ** 2, rel=1e-6)
    with pytest.raises(AttributeError):  # not fitted (NotFittedError is an AttributeError)
        ShiftedBetaGeoModel().is_geometric


def test_expected_lifetime_is_infinite_for_alpha_not_above_one(cohort):
    _, _, model = cohort
    with pytest.raises(ValueError, match="infinite"):
        model.expected_residual_lifetime(3)
    finite = model.expected_renewals(3, 50)
    assert 0 < finite < 50
    light = ShiftedBetaGeoModel().with_params(alpha=3.0, beta=6.0)
    assert float(light.expected_residual_lifetime(2)) == pytest.approx(float(light.expected_renewals(2, 100000)),
                                                                       rel=1e-6)


def test_summary_from_survivors():
    s = summary_from_survivors([100, 60, 50])
    assert s.to_dict("list") == {"tenure": [1, 2, 2], "churned": [True, True, False], "weights": [40.0, 10.0, 50.0]}
    with pytest.raises(ModelInputError):
        summary_from_survivors([100, 120])


def test_degenerate_data_raise():
    with pytest.raises(ModelInputError, match="none of the"):
        ShiftedBetaGeoModel().fit(summary_from_survivors([100, 100, 100]))
    with pytest.raises(ModelInputError, match="first renewal"):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"tenure": [1], "churned": [True], "weights": [50]}))
    with pytest.raises(NotFittedError):
        ShiftedBetaGeoModel().survival(3)

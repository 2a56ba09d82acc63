"""BG/NBD against Fader, Hardie & Lee (2005) "Counting Your Customers the Easy Way" (Marketing Science 24(2)).

Sources of the expected values:
- FHL (2005), section 4 (CDNOW, 2,357 customers, 39-week calibration): r = 0.243, alpha = 4.414, a = 0.793,
  b = 2.426, LL = -9582.4.
- FHL (2005) and the companion note "Implementing the BG/NBD Model for Customer Base Analysis in Excel"
  (Fader, Hardie & Lee 2005, brucehardie.com note 004): customer with x = 2, t_x = 30.43, T = 38.86 expects
  1.226 purchases in the next 39 weeks.
- The BTYD R package (Dziurzynski, Wadsworth & McCarthy), `bgnbd.pmf` reference values at the published
  parameters, for eq. (8) P(X(t) = x).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from clv_lib.exceptions import ConvergenceError, ModelInputError, NotFittedError
from clv_lib.models import BetaGeoModel
from clv_lib.models.base import numerical_hessian
from models_data import cdnow_summary

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def fitted():
    return BetaGeoModel().fit(cdnow_summary())


def test_cdnow_estimates_match_fhl_2005(fitted):
    for name, value in PUBLISHED.items():
        assert round(fitted.params_[name], 3) == pytest.approx(value, abs=1e-3), name
    assert round(fitted.log_likelihood_, 1) == pytest.approx(-9582.4, abs=0.05)


def test_conditional_expectation_matches_fhl_2005_example(fitted):
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]}, index=["c1"])
    expected = fitted.expected_purchases(one, 39.0)
    assert expected.index.tolist() == ["c1"]
    assert round(float(expected.iloc[0]), 3) == pytest.approx(1.226, abs=1e-3)


def test_pmf_matches_btyd_reference_values():
    model = BetaGeoModel().with_params(**PUBLISHED)
    assert model.probability_purchases(10, 2.0) == pytest.approx(1.07869e-07, rel=1e-4)
    assert model.probability_purchases(0, 39.0) == pytest.approx(0.5737864, abs=1e-7)
    btyd = [0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638,
            0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260]
    np.testing.assert_allclose(model.probability_purchases(np.arange(11, 21), 30.0), btyd, rtol=1e-6)


def test_pmf_is_a_distribution_with_the_closed_form_mean(fitted):
    n = np.arange(0, 400)
    for t in (1.0, 39.0, 78.0):
        pmf = fitted.probability_purchases(n, t)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * pmf).sum() == pytest.approx(float(fitted.expected_purchases_new(t)), rel=1e-7)


def test_standard_errors_agree_between_two_differentiation_paths(fitted):
    summary = cdnow_summary()
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    objective = fitted._objective(x, tx, T, np.ones(len(x)))
    theta = np.log([fitted.params_[n] for n in fitted.param_names])
    # The analytic gradient agrees with finite differences of the likelihood (away from the optimum) ...
    for point in (np.log([0.5, 6.0, 0.9, 1.6]), np.log([2.0, 1.0, 3.0, 0.5])):
        approx = optimize.approx_fprime(point, lambda t: objective(t)[0], 1e-6)
        np.testing.assert_allclose(objective(point)[1], approx, rtol=1e-4, atol=1e-2)
    # ... and the delta-method SEs from a value-only Hessian agree with the stored ones.
    cov = np.linalg.inv(numerical_hessian(lambda t: objective(t)[0], theta, step=1e-3))
    ses = np.exp(theta) * np.sqrt(np.diag(cov))
    np.testing.assert_allclose(ses, [fitted.standard_errors_[n] for n in fitted.param_names], rtol=1e-3)
    assert all(0 < v < np.inf for v in fitted.standard_errors_.values())


def test_weights_give_the_same_fit_as_repeated_rows(fitted):
    summary = cdnow_summary()
    counts = summary.value_counts().rename("weights").reset_index()
    weighted = BetaGeoModel().fit(counts)
    for name in PUBLISHED:
        assert weighted.params_[name] == pytest.approx(fitted.params_[name], rel=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(fitted.log_likelihood_, abs=1e-6)
    via_argument = BetaGeoModel().fit(counts.drop(columns="weights"), weights=counts["weights"])
    assert via_argument.params_ == pytest.approx(weighted.params_)


def test_changing_the_time_unit_only_rescales_alpha(fitted):
    days = cdnow_summary().assign(recency=lambda d: d.recency * 7, T=lambda d: d["T"] * 7)
    daily = BetaGeoModel().fit(days)
    assert daily.params_["alpha"] == pytest.approx(7 * fitted.params_["alpha"], rel=1e-4)
    for name in ("r", "a", "b"):
        assert daily.params_[name] == pytest.approx(fitted.params_[name], rel=1e-4)
    np.testing.assert_allclose(daily.expected_purchases(days, 7 * 39.0),
                               fitted.expected_purchases(cdnow_summary(), 39.0), rtol=1e-4)


def test_predictions_are_finite_and_bounded(fitted):
    extreme = pd.DataFrame({"frequency": [0, 1, 50, 300, 2000, 5],
                            "recency": [0.0, 1e-6, 38.0, 38.8, 38.86, 0.01],
                            "T": [1e-4, 38.86, 38.86, 38.86, 38.86, 5000.0]})
    p = fitted.probability_alive(extreme)
    assert p.between(0, 1).all()
    path = fitted.expected_purchases_path(extreme, [0.0, 1.0, 52.0, 520.0])
    assert np.isfinite(path).all() and (path >= 0).all()
    assert (np.diff(path, axis=1) >= -1e-12).all()
    assert fitted.probability_alive(extreme.iloc[[0]]).iloc[0] == 1.0


def test_population_expectation_is_monotone_and_starts_at_zero(fitted):
    t = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    e = fitted.expected_purchases_new(t)
    assert e[0] == 0.0
    assert (np.diff(e) > 0).all()


def test_unfitted_model_raises_not_fitted():
    model = BetaGeoModel()
    with pytest.raises(NotFittedError):
        model.params_
    with pytest.raises(NotFittedError):
        model.probability_alive(cdnow_summary())
    assert repr(model) == "BetaGeoModel()"


def test_fit_returns_self_and_sets_state_only_in_fit():
    model = BetaGeoModel()
    assert not any(k.endswith("_") for k in vars(model))
    assert model.fit(cdnow_summary()) is model


@pytest.mark.parametrize("summary, message", [
    (pd.DataFrame({"frequency": [0] * 20, "recency": [0.0] * 20, "T": [10.0] * 20}), "one-time buyers"),
    (pd.DataFrame({"frequency": [1], "recency": [2.0], "T": [10.0]}), "at least"),
    (pd.DataFrame({"frequency": [1, 2], "recency": [3.0, 1.0]}), "missing column"),
    (pd.DataFrame({"frequency": [1], "recency": [12.0], "T": [10.0]}), "recency > T"),
    (pd.DataFrame({"frequency": [0], "recency": [2.0], "T": [10.0]}), "frequency 0 but recency"),
    (pd.DataFrame({"frequency": [1.5], "recency": [2.0], "T": [10.0]}), "whole numbers"),
    (pd.DataFrame({"frequency": [np.nan], "recency": [2.0], "T": [10.0]}), "missing or infinite"),
    (pd.DataFrame({"frequency": [1], "recency": [-2.0], "T": [10.0]}), "negative"),
])
def test_unusable_summaries_raise_model_input_error(summary, message):
    with pytest.raises(ModelInputError, match=message):
        BetaGeoModel().fit(summary)


def test_too_few_repeat_buyers_is_a_clear_error():
    summary = pd.DataFrame({"frequency": [0] * 30 + [1, 2], "recency": [0.0] * 30 + [3.0, 4.0], "T": [10.0] * 32})
    with pytest.raises(ModelInputError, match="only 2 made a repeat purchase"):
        BetaGeoModel().fit(summary)


def test_unidentifiable_data_raise_convergence_error():
    # Everyone bought again at the very end and nobody looks dead: drop-out is unidentified (b -> infinity).
    summary = pd.DataFrame({"frequency": [3] * 50, "recency": [10.0] * 50, "T": [10.0] * 50})
    with pytest.raises(ConvergenceError):
        BetaGeoModel().fit(summary)


def test_customer_acquired_on_the_observation_end_day_is_valid():
    """T = 0 (first purchase on the last day) is a new customer: P(alive) 1 and E[X(t)] of a new customer; the
    CDNOW optimum (FHL 2005: r=0.243, alpha=4.414, a=0.793, b=2.426) is unchanged since the row's likelihood is 1."""
    from pathlib import Path

    from clv_lib.models import BetaGeoModel

    summary = pd.read_csv(Path(__file__).parent / "data" / "cdnow_customers_summary.csv", index_col=0)
    new = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]}, index=[0])
    model = BetaGeoModel().fit(pd.concat([summary, new]))
    assert model.params_["r"] == pytest.approx(0.243, abs=1e-3) and model.params_["b"] == pytest.approx(2.426, abs=1e-3)
    assert model.probability_alive(new).iloc[0] == 1.0
    assert model.expected_purchases(new, 39).iloc[0] == pytest.approx(float(model.expected_purchases_new(39)))


def test_per_customer_parameters_broadcast_with_their_gradient():
    """The building block of covariate models: per-customer (r, alpha, a, b) and d log L_i / d parameter."""
    from clv_lib.models.bgnbd import log_likelihood

    rng = np.random.default_rng(1)
    n = 400
    x = rng.choice([0, 1, 4, 60, 3000], n).astype(float)
    T = rng.uniform(1, 900, n)
    t_x = np.where(x > 0, T * rng.uniform(size=n), 0.0)
    params = [rng.uniform(0.1, 3, n), rng.uniform(1, 300, n), rng.uniform(0.1, 3, n), rng.uniform(0.2, 20, n)]
    ll, grad = log_likelihood(*params, x, t_x, T, gradient=True)
    assert ll.shape == (n,) and grad.shape == (4, n)
    for k in range(4):
        up, down = [p.copy() for p in params], [p.copy() for p in params]
        up[k] *= 1 + 1e-5
        down[k] *= 1 - 1e-5
        central = (log_likelihood(*up, x, t_x, T) - log_likelihood(*down, x, t_x, T)) / (2e-5 * params[k])
        np.testing.assert_allclose(grad[k], central, rtol=1e-5, atol=1e-6)
    scalar = log_likelihood(*(p[3] for p in params), x[3:4], t_x[3:4], T[3:4])
    assert scalar[0] == pytest.approx(ll[3], rel=1e-12)

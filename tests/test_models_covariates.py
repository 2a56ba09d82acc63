"""Covariate models (BG/NBD, Pareto/NBD, Gamma-Gamma with time-invariant covariates).

Formulation: Fader & Hardie (2007), "Incorporating Time-Invariant Covariates into the Pareto/NBD and BG/NBD
Models" (brucehardie.com note 019): alpha_i = alpha_0 exp(-gamma_1' z_i) for the purchase rate; beta_i = beta_0
exp(-gamma_2' z_i) for the Pareto/NBD drop-out; a_i = a_0 exp(gamma_2' z_i), b_i = b_0 exp(gamma_3' z_i) for the
BG/NBD drop-out (as CLVTools and pymc-marketing). Populations with known channel effects are generated from each
model's own process; without covariates the fits must be today's models exactly, which reproduce the published
CDNOW estimates: BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (Fader, Hardie & Lee 2005, section 4);
Pareto/NBD r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (Fader & Hardie 2005, note 009); MBG/NBD (Batislam,
Denizel & Filiztekin 2007) r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (BTYDplus' CDNOW MLE, see
test_models_mbgnbd.py), with the same covariate formulation as the BG/NBD (pymc-marketing's ModifiedBetaGeoModel).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from clv_lib.exceptions import ModelInputError
from clv_lib.models import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel, ParetoNBDModel
from clv_lib.models.base import numerical_hessian
from clv_lib.models.bgnbd_covariates import BetaGeoCovariateModel
from clv_lib.models.gamma_gamma_covariates import GammaGammaCovariateModel
from clv_lib.models.mbgnbd_covariates import ModifiedBetaGeoCovariateModel
from clv_lib.models.pareto_nbd_covariates import ParetoNBDCovariateModel
from clv_lib.models.simulate import simulate_bgnbd, simulate_groups, simulate_mbgnbd, simulate_pareto_nbd
from models_data import cdnow_spend_summary, cdnow_summary

BG0 = {"r": 0.6, "alpha": 40.0, "a": 0.8, "b": 2.5}
PNBD0 = {"r": 0.6, "alpha": 40.0, "s": 0.7, "beta": 300.0}
# Multipliers of each channel against the baseline (social): purchase rate, a, b (BG/NBD) or drop-out rate (Pareto).
BG_EFFECTS = {"search": (1.5, 0.7, 1.3), "email": (2.0, 1.2, 0.8)}
PNBD_EFFECTS = {"search": (1.5, 0.7), "email": (2.0, 1.4)}
SIZES = {"social": 5000, "search": 3000, "email": 2000}


def bg_population(channels: tuple[str, ...], n: int = 10_000, seed: int = 1, spend=None,
                  simulator=simulate_bgnbd) -> pd.DataFrame:
    params = {"social": dict(BG0)}
    for c in channels[1:]:
        m_rate, m_a, m_b = BG_EFFECTS[c]
        params[c] = {"r": BG0["r"], "alpha": BG0["alpha"] / m_rate, "a": BG0["a"] * m_a, "b": BG0["b"] * m_b}
    if spend:
        for c in params:
            params[c]["spend"] = spend[c]
    sizes = {c: SIZES[c] * n // 10_000 for c in channels}
    return simulate_groups(simulator, params, sizes, T=(30, 730), seed=seed)


def pnbd_population(channels: tuple[str, ...], n: int = 10_000, seed: int = 1) -> pd.DataFrame:
    params = {"social": dict(PNBD0)}
    for c in channels[1:]:
        m_rate, m_drop = PNBD_EFFECTS[c]
        params[c] = {"r": PNBD0["r"], "alpha": PNBD0["alpha"] / m_rate, "s": PNBD0["s"], "beta": PNBD0["beta"] / m_drop}
    sizes = {c: SIZES[c] * n // 10_000 for c in channels}
    return simulate_groups(simulate_pareto_nbd, params, sizes, T=(30, 730), seed=seed)


def _truth(model, effects: dict, base: dict) -> dict:
    out = dict(base)
    for level, multipliers in effects.items():
        for effect, m in zip(model.effects, multipliers):
            out[f"{effect.label}[channel={level}]"] = m
    return out


def _assert_recovered(model, truth: dict) -> None:
    """Every log-parameter within 3 standard errors of the truth, and all of them jointly within the 99 %
    quantile of their chi-square (the covariance of the estimate, inverse Hessian)."""
    names = model.param_names
    estimate = np.log([model.params_[n] for n in names])
    true = np.log([truth[n] for n in names])
    cov = model.log_param_covariance_
    z = (estimate - true) / np.sqrt(np.diag(cov))
    assert np.all(np.abs(z) < 3.0), dict(zip(names, np.round(z, 2)))
    chi2 = float((estimate - true) @ np.linalg.solve(cov, estimate - true))
    assert chi2 < stats.chi2.ppf(0.99, len(names)), chi2


@pytest.mark.parametrize("channels", [("social", "search"), ("social", "search", "email")])
def test_bgnbd_recovers_channel_effects_at_10k_customers(channels):
    data = bg_population(channels)
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    assert model.design_.dummies == [f"channel={c}" for c in channels[1:]]
    _assert_recovered(model, _truth(model, {c: BG_EFFECTS[c] for c in channels[1:]}, BG0))
    table = model.coefficients()
    assert len(table) == 3 * (len(channels) - 1)
    assert (table["standard_error"] > 0).all() and np.isfinite(table["standard_error"]).all()


@pytest.mark.parametrize("channels", [("social", "search"), ("social", "search", "email")])
def test_pareto_nbd_recovers_channel_effects_at_10k_customers(channels):
    data = pnbd_population(channels)
    model = ParetoNBDCovariateModel(["channel"]).fit(data)
    _assert_recovered(model, _truth(model, {c: PNBD_EFFECTS[c] for c in channels[1:]}, PNBD0))


@pytest.mark.parametrize("channels", [("social", "search"), ("social", "search", "email")])
def test_mbgnbd_recovers_channel_effects_at_10k_customers(channels):
    data = bg_population(channels, simulator=simulate_mbgnbd)
    model = ModifiedBetaGeoCovariateModel(["channel"]).fit(data)
    _assert_recovered(model, _truth(model, {c: BG_EFFECTS[c] for c in channels[1:]}, BG0))


def test_gamma_gamma_recovers_spend_effects():
    spend = {"social": (4.0, 3.0, 20.0), "search": (4.0, 3.0, 30.0), "email": (4.0, 3.0, 15.0)}
    data = bg_population(("social", "search", "email"), spend=spend)
    model = GammaGammaCovariateModel(["channel"]).fit(data)
    _assert_recovered(model, {"p": 4.0, "q": 3.0, "v": 20.0, "spend[channel=search]": 1.5,
                              "spend[channel=email]": 0.75})
    assert model.for_covariates(channel="search").mean_spend() == pytest.approx(
        model.mean_spend() * 0 + 4.0 * 30.0 / 2.0, rel=0.08)


def test_standard_errors_match_the_spread_of_repeated_estimates():
    """The Hessian's standard errors describe the estimator: over 20 generated populations the purchase-rate
    coefficient's z-scores against the truth have a spread near 1."""
    z = []
    for seed in range(20):
        model = BetaGeoCovariateModel(["channel"]).fit(bg_population(("social", "email"), n=3000, seed=100 + seed))
        row = model.coefficients().set_index("effect").loc["purchase"]
        z.append((row["coefficient"] - math.log(2.0)) / row["standard_error"])
    assert 0.6 < float(np.std(z)) < 1.5
    assert abs(float(np.mean(z))) < 0.8


@pytest.mark.parametrize("base, covariate, published", [
    (BetaGeoModel, BetaGeoCovariateModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    (ParetoNBDModel, ParetoNBDCovariateModel, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
    (ModifiedBetaGeoModel, ModifiedBetaGeoCovariateModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
])
def test_without_covariates_the_fit_is_todays_model_exactly(base, covariate, published):
    summary = cdnow_summary()
    expected = base().fit(summary)
    for columns, frame in (([], summary), (["channel"], summary.assign(channel="web"))):
        model = covariate(columns).fit(frame)
        assert model.params_ == expected.params_
        assert model.log_likelihood_ == expected.log_likelihood_
        assert model.standard_errors_ == expected.standard_errors_
        np.testing.assert_array_equal(model.probability_alive(frame), expected.probability_alive(summary))
    for name, value in published.items():  # the published 3 decimals (the Pareto/NBD's optimum is flat: 0.2 %)
        assert model.params_[name] == pytest.approx(value, rel=2e-3)
    if columns:
        assert model.covariate_tests_.loc["channel", "reason"] == "single_level"


def test_gamma_gamma_without_covariates_is_todays_model_exactly():
    summary = cdnow_spend_summary()
    expected = GammaGammaModel().fit(summary)
    model = GammaGammaCovariateModel(["channel"]).fit(summary.assign(channel="web"))
    assert model.params_ == expected.params_
    np.testing.assert_array_equal(model.expected_spend(summary.assign(channel="web")), expected.expected_spend(summary))


def test_chained_gradient_and_structured_hessian_agree_with_finite_differences():
    data = bg_population(("social", "search", "email"), n=3000)
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    codes, Z, _ = model.design_.encode(data)
    cols = {c: data[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    chain = model._chain(BetaGeoModel(), cols, codes, np.ones(len(data)), Z)
    theta = np.log([model.params_[n] for n in model.param_names])
    point = theta + np.linspace(-0.2, 0.2, len(theta))
    approx = optimize.approx_fprime(point, lambda t: chain(t)[0], 1e-6)
    np.testing.assert_allclose(chain(point)[1], approx, rtol=1e-4, atol=1e-2)
    hess = numerical_hessian(lambda t: chain(t)[0], theta, step=1e-3)
    np.testing.assert_allclose(chain.hessian(theta), hess, rtol=2e-3, atol=0.5)
    np.testing.assert_allclose(np.linalg.inv(chain.hessian(theta)), model.log_param_covariance_, rtol=1e-6)


def test_predictions_are_the_base_model_of_each_customers_pattern():
    data = bg_population(("social", "search", "email"), n=3000)
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    email = data[data["channel"] == "email"]
    base = model.for_covariates(channel="email")
    assert base.params_["alpha"] == pytest.approx(model.params_["alpha"] / model.params_["purchase[channel=email]"])
    assert base.params_["a"] == pytest.approx(model.params_["a"] * model.params_["a[channel=email]"])
    plain = email[["frequency", "recency", "T"]]
    np.testing.assert_allclose(model.probability_alive(data).loc[email.index], base.probability_alive(plain))
    np.testing.assert_allclose(model.expected_purchases(data, 90.0).loc[email.index],
                               base.expected_purchases(plain, 90.0))
    months = np.arange(1, 13) * 30.4375
    np.testing.assert_allclose(model.expected_purchases_path(data, months)[data["channel"].eq("email").to_numpy()],
                               base.expected_purchases_path(plain, months))
    # The bootstrap's path (clv_lib.value.intervals): the summary read once, each drawn model's numbers exactly.
    weights = np.linspace(1.0, 0.9, 12)[:, None]
    draws = [model.with_params(**{n: v * k for n, v in model.params_.items()}) for k in (0.9, 1.1)]
    for drawn, batch in zip(draws, model.discounted_purchases_draws(data, months, weights, draws)):
        np.testing.assert_array_equal(batch, drawn.discounted_purchases(data, months, weights))
    # A new customer without covariates given: the fitted customers' mix of channels.
    shares = data["channel"].value_counts(normalize=True)
    mix = sum(shares[c] * model.for_covariates(channel=c).expected_purchases_new(365.0) for c in shares.index)
    assert float(model.expected_purchases_new(365.0)) == pytest.approx(float(mix), rel=1e-9)
    # The calibration histogram's expected counts: each customer under her own channel's model.
    per_channel = sum(model.for_covariates(channel=c).expected_counts(part[["frequency", "recency", "T"]], np.arange(7))
                      for c, part in data.groupby("channel"))
    np.testing.assert_allclose(model.expected_counts(data, np.arange(7)), per_channel, rtol=1e-12)


def test_small_levels_are_pooled_not_fitted():
    data = bg_population(("social", "search", "email"), n=6000)
    # 30 customers of a tiny channel and 40 of another: pooled into "(other)" only if together they are enough.
    tiny = data.sample(70, random_state=0).index
    data.loc[tiny[:30], "channel"] = "tv"
    data.loc[tiny[30:], "channel"] = "radio"
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    column = model.design_.used[0]
    assert column.mapping["tv"] == column.mapping["radio"] == "social"  # 70 customers: too few even together
    assert set(column.levels) == {"search", "email"}
    counts = column.counts
    assert counts.loc["tv", "estimated_as"] == "social" and counts.loc["tv", "customers"] == 30
    # Enough small customers together make their own pooled level.
    data.loc[data.sample(400, random_state=1).index, "channel"] = [f"partner{i % 8}" for i in range(400)]
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    assert "(other)" in model.design_.used[0].levels


def test_select_drops_a_covariate_without_effect():
    data = bg_population(("social", "search", "email"), n=6000)
    data["noise"] = np.random.default_rng(3).choice(["x", "y"], len(data))
    model = BetaGeoCovariateModel(["channel", "noise"], select=0.05).fit(data)
    tests = model.covariate_tests_
    assert bool(tests.loc["channel", "used"]) and tests.loc["channel", "p_value"] < 1e-6
    assert not bool(tests.loc["noise", "used"]) and tests.loc["noise", "reason"] == "not_significant"
    assert model.design_.dummies == ["channel=search", "channel=email"]


def test_a_missing_covariate_column_is_one_clear_error():
    with pytest.raises(ModelInputError, match="channel"):
        BetaGeoCovariateModel(["channel"]).fit(cdnow_summary())

"""The value of a customer acquired today (clv_lib.value.new_customer) and the CAC budgets built on it
(clv_lib.value.acquisition).

Cross-check: a new customer's expected repeat purchases are the BG/NBD's unconditional E[X(t)], equation 7 of Fader,
Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2):

    E[X(t)] = (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))],

at the paper's CDNOW estimates (section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, weeks), and the
Pareto/NBD's E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)] (Schmittlein, Morrison & Colombo
1987, eq. 17) at Fader & Hardie's CDNOW estimates (note 009: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from clv_lib.models import BetaGeoModel, ParetoNBDModel
from clv_lib.models.bgnbd_covariates import BetaGeoCovariateModel
from clv_lib.models.gamma_gamma_covariates import GammaGammaCovariateModel
from clv_lib.models.simulate import simulate_bgnbd, simulate_groups
from clv_lib.value.acquisition import channel_budgets, payback_month
from clv_lib.value.new_customer import new_customer_value

WEEKS_PER_MONTH = 30.4375 / 7
FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
FH_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def fhl_eq7(t, r, alpha, a, b):
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def smc_eq17(t, r, alpha, s, beta):
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def _one_customer(value=0.0):
    return pd.DataFrame({"first_order_value": [value]})


@pytest.mark.parametrize("model, formula", [(BetaGeoModel().with_params(**FHL), lambda t: fhl_eq7(t, **FHL)),
                                            (ParetoNBDModel().with_params(**FH_PNBD), lambda t: smc_eq17(t, **FH_PNBD))])
def test_new_customer_purchases_are_the_published_unconditional_expectation(model, formula):
    value = new_customer_value(model, 1.0, _one_customer(), group=None, time_unit="W", margin=1.0,
                               annual_discount_rate=0.0, horizons_months=(12, 24, 36))
    for h in (12, 24, 36):
        assert value.table.loc["all", f"purchases_{h}m"] == pytest.approx(formula(h * WEEKS_PER_MONTH), rel=1e-9)
        # Undiscounted, spend 1 and margin 1: the value is the number of purchases.
        assert value.table.loc["all", f"clv_{h}m"] == pytest.approx(formula(h * WEEKS_PER_MONTH), rel=1e-9)
    # CDNOW: a new customer expects about 1.2 repeat purchases in her first 39 weeks (eq. 7), 1.86 in 78.
    assert fhl_eq7(39.0, **FHL) == pytest.approx(1.1967, abs=1e-4)


def test_value_is_first_order_plus_discounted_repeat_margin():
    model = BetaGeoModel().with_params(**FHL)
    value = new_customer_value(model, 30.0, _one_customer(25.0), group=None, time_unit="W", margin=0.4,
                               annual_discount_rate=0.12, horizons_months=(12, 24))
    months = np.arange(0, 25)
    expected = fhl_eq7(months * WEEKS_PER_MONTH, **FHL)
    discount = 1.12 ** (-months[1:] / 12)
    for h in (12, 24):
        by_hand = 0.4 * (25.0 + 30.0 * np.sum(np.diff(expected)[:h] * discount[:h]))
        assert value.table.loc["all", f"clv_{h}m"] == pytest.approx(by_hand, rel=1e-9)
    path = value.cumulative_margin.loc["all"]
    assert path[0] == pytest.approx(0.4 * 25.0)
    assert path[24] == pytest.approx(0.4 * (25.0 + 30.0 * expected[24]), rel=1e-9)
    assert value.interval.startswith("no interval")  # parameters set by hand carry no covariance


@pytest.fixture(scope="module")
def channels():
    params = {"social": dict(r=0.6, alpha=40.0, a=0.8, b=2.5, spend=(4.0, 3.0, 20.0)),
              "search": dict(r=0.6, alpha=30.0, a=0.8, b=2.5, spend=(4.0, 3.0, 30.0)),
              "email": dict(r=0.6, alpha=20.0, a=0.8, b=2.5, spend=(4.0, 3.0, 15.0))}
    data = simulate_groups(simulate_bgnbd, params, {"social": 5000, "search": 3000, "email": 2000}, T=(30, 730),
                           seed=4)
    data["band"] = np.where(np.arange(len(data)) % 3 == 0, "high", "low")
    model = BetaGeoCovariateModel(["channel"]).fit(data)
    spend = GammaGammaCovariateModel(["channel"]).fit(data)
    acquisitions = data.assign(first_order_value=np.where(data["channel"] == "search", 60.0, 40.0))
    return data, model, spend, acquisitions


def test_each_channel_is_valued_by_its_own_parameters(channels):
    data, model, spend, acquisitions = channels
    value = new_customer_value(model, spend, acquisitions, group="channel", time_unit="D", margin=0.4,
                               annual_discount_rate=0.1)
    table = value.table
    assert list(table.index) == ["all", "email", "search", "social"]
    for channel in ("email", "search", "social"):
        base = model.for_covariates(channel=channel)
        mean_spend = spend.for_covariates(channel=channel).mean_spend()
        by_hand = new_customer_value(base, mean_spend, acquisitions[acquisitions["channel"] == channel], group=None,
                                     time_unit="D", margin=0.4, annual_discount_rate=0.1).table.loc["all"]
        for column in ("purchases_12m", "clv_12m", "clv_24m", "clv_36m", "first_order_value"):
            assert table.loc[channel, column] == pytest.approx(by_hand[column], rel=1e-9), (channel, column)
    # The overall value is the acquisition-weighted mean of the channels'.
    weights = table.loc[["email", "search", "social"], "customers"]
    assert table.loc["all", "clv_24m"] == pytest.approx(np.average(table.loc[weights.index, "clv_24m"],
                                                                   weights=weights), rel=1e-9)
    # Search customers spend 1.5x per purchase and buy more often: they are worth the most.
    assert table["clv_36m"].idxmax() == "search"


def test_interval_brackets_the_value_and_agrees_with_a_parametric_bootstrap(channels):
    from clv_lib.value.intervals import draw_models

    data, model, spend, acquisitions = channels
    value = new_customer_value(model, spend, acquisitions, group="channel", time_unit="D", margin=0.4,
                               annual_discount_rate=0.1)
    table = value.table
    assert (table["clv_36m_low"] < table["clv_36m"]).all() and (table["clv_36m"] < table["clv_36m_high"]).all()
    assert value.interval.startswith("90% delta-method")
    rng = np.random.default_rng(0)
    draws = [new_customer_value(m, s, acquisitions, group="channel", time_unit="D", margin=0.4,
                                annual_discount_rate=0.1).table["clv_36m"]
             for m, s in zip(draw_models(model, 150, rng), draw_models(spend, 150, rng))]
    sample = pd.concat(draws, axis=1)
    width = table["clv_36m_high"] - table["clv_36m_low"]
    np.testing.assert_allclose(sample.quantile(0.05, axis=1), table["clv_36m_low"], atol=0.25 * width.max())
    np.testing.assert_allclose(sample.quantile(0.95, axis=1), table["clv_36m_high"], atol=0.25 * width.max())


def test_budgets_per_channel(channels):
    data, model, spend, acquisitions = channels
    value = new_customer_value(model, spend, acquisitions, group="channel", time_unit="D", margin=0.4,
                               annual_discount_rate=0.1)
    cac = {"social": 20.0, "search": 45.0, "email": 8.0}
    budgets = channel_budgets(value, cac, target_ratio=3.0)
    assert budgets.attrs["ranked_by"] == "margin_per_euro"
    for channel, row in budgets.drop(index="all").iterrows():
        assert row["max_affordable_cac"] == pytest.approx(value.table.loc[channel, "clv_36m"] / 3.0)
        assert row["max_affordable_cac_low"] == pytest.approx(value.table.loc[channel, "clv_36m_low"] / 3.0)
        assert row["margin_per_euro"] == pytest.approx(value.table.loc[channel, "clv_36m"] / cac[channel])
        path = value.cumulative_margin.loc[channel]
        month = row["payback_month"]
        assert path[month] >= cac[channel] and (month == 0 or path[month - 1] < cac[channel])
    ranked = budgets.drop(index="all").sort_values("rank")
    assert list(ranked.index) == list(budgets.drop(index="all")["margin_per_euro"].sort_values(ascending=False).index)
    assert pd.isna(budgets.loc["all", "rank"])
    # The overall CAC is the acquisition-weighted mean of the channels'.
    weights = value.table.loc[list(cac), "customers"]
    assert budgets.loc["all", "cac"] == pytest.approx(np.average(list(cac.values()), weights=weights))


def test_budgets_without_cac_or_with_one_cac(channels):
    data, model, spend, acquisitions = channels
    value = new_customer_value(model, spend, acquisitions, group="channel", time_unit="D", margin=0.4,
                               annual_discount_rate=0.1)
    none = channel_budgets(value, None)
    assert none["cac"].isna().all() and none["payback_month"].isna().all() and none["margin_per_euro"].isna().all()
    assert none.attrs["ranked_by"] == "max_affordable_cac"
    assert none["rank"].dropna().tolist() and none.loc[none["rank"] == 1].index[0] == none.drop(index="all")[
        "max_affordable_cac"].idxmax()
    one = channel_budgets(value, 30.0)
    assert (one["cac"] == 30.0).all()
    # A CAC never paid back within the months followed: no payback month.
    assert payback_month(value.cumulative_margin.loc["email"], 1e6) is None
    assert payback_month(value.cumulative_margin.loc["email"], math.nan) is None

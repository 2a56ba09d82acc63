"""Customer CLV over horizons (clv_lib.value.clv) and its uncertainty (clv_lib.value.intervals).

The CLV definition is the project's (issue 4): sum over months m = 1..H of margin * expected spend *
(expected purchases in month m) / (1 + i)^m, i = (1 + annual rate)^(1/12) - 1. The tests recompute it by hand
from the model's own cumulative expectations, and check that the summary's time unit cannot leak into the
value (weekly and daily summaries of CDNOW give the same CLV).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import ParamsError
from clv_lib.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from clv_lib.models.timeunit import DAYS, WEEKS, TimeUnit, monthly_rate
from clv_lib.value.clv import customer_clv, estimate_clv, historical_clv, monthly_discount_factors
from clv_lib.value.intervals import clv_intervals
from models_data import cdnow_spend_summary


@pytest.fixture(scope="module")
def weekly():
    s = cdnow_spend_summary()
    return s, BetaGeoModel().fit(s), GammaGammaModel().fit(s)


def test_monthly_rate_and_factors():
    assert monthly_rate(0.10) == pytest.approx(1.1 ** (1 / 12) - 1)
    f = monthly_discount_factors(12, 0.10)
    assert f[-1] == pytest.approx(1 / 1.1)
    assert monthly_rate(0.0) == 0.0


def test_clv_equals_the_hand_computed_discounted_sum(weekly):
    s, bg, gg = weekly
    table = customer_clv(s, bg, gg, time_unit="weeks", horizons_months=(12,), annual_discount_rate=0.12,
                         margin=0.3)
    cumulative = np.column_stack([bg.expected_purchases(s, WEEKS.months_to_periods(m)).to_numpy()
                                  for m in range(0, 13)])
    per_month = np.diff(cumulative, axis=1)
    discount = (1 + 0.12) ** (-np.arange(1, 13) / 12)
    by_hand = 0.3 * gg.expected_spend(s).to_numpy() * (per_month @ discount)
    np.testing.assert_allclose(table["clv_12m"].to_numpy(), by_hand, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(table["purchases_12m"].to_numpy(), cumulative[:, -1], rtol=1e-9, atol=1e-12)


def test_weekly_and_daily_summaries_give_the_same_clv(weekly):
    s, bg, gg = weekly
    daily = s.assign(recency=s.recency * 7, T=s["T"] * 7)
    bg_daily = BetaGeoModel().fit(daily)
    a = customer_clv(s, bg, gg, time_unit=WEEKS)
    b = customer_clv(daily, bg_daily, gg, time_unit=DAYS)
    np.testing.assert_allclose(b["clv_24m"], a["clv_24m"], rtol=1e-3, atol=1e-6)
    # Declaring the weekly summary daily (the classic bug) gives a clearly different answer.
    wrong = customer_clv(s, bg, gg, time_unit="days")
    assert wrong["clv_24m"].sum() > 2 * a["clv_24m"].sum()  # 24 months read as 730 weeks


def test_margin_and_discount_behave(weekly):
    s, bg, gg = weekly
    base = customer_clv(s, bg, gg, time_unit="weeks", margin=1.0, annual_discount_rate=0.0)
    half = customer_clv(s, bg, gg, time_unit="weeks", margin=0.5, annual_discount_rate=0.0)
    np.testing.assert_allclose(half["clv_12m"], 0.5 * base["clv_12m"])
    np.testing.assert_allclose(base["clv_12m"], base["purchases_12m"] * base["expected_spend"], rtol=1e-12)
    discounted = customer_clv(s, bg, gg, time_unit="weeks", annual_discount_rate=0.25)
    assert (discounted["clv_24m"] <= base["clv_24m"] + 1e-12).all()
    assert (base["clv_24m"] >= base["clv_12m"]).all()


def test_outputs_are_never_nan_or_negative_on_extreme_customers(weekly):
    _, bg, gg = weekly
    extreme = pd.DataFrame({"frequency": [0, 1, 400, 3, 60], "recency": [0.0, 1e-9, 38.8, 0.01, 5.0],
                            "T": [1e-6, 38.86, 38.86, 5000.0, 5000.0],
                            "monetary_value": [0.0, 1e6, 0.01, 12.0, 30.0]})
    for model in (bg, ParetoNBDModel().fit(cdnow_spend_summary())):
        table = customer_clv(extreme, model, gg, time_unit="weeks", horizons_months=(1, 12, 24, 120))
        assert np.isfinite(table.to_numpy()).all() and (table.to_numpy() >= 0).all()


def test_historical_clv_is_rate_times_spend():
    s = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 20.0], "T": [10.0, 40.0], "monetary_value": [0.0, 25.0]})
    table = historical_clv(s, time_unit="weeks", horizons_months=(12,), annual_discount_rate=0.0)
    assert table["clv_12m"].tolist() == pytest.approx([0.0, 25.0 * 4 / 40 * WEEKS.months_to_periods(12)])


def test_estimate_clv_falls_back_to_historical_for_one_time_buyers():
    s = pd.DataFrame({"frequency": [0] * 30, "recency": [0.0] * 30, "T": [20.0] * 30, "monetary_value": [0.0] * 30})
    result = estimate_clv(s, BetaGeoModel(), time_unit="weeks")
    assert result.method == "historical" and result.spend_method == "observed mean"
    assert any("historical" in n for n in result.notes) and any("Gamma-Gamma" in n for n in result.notes)
    assert (result.customers["clv_12m"] == 0).all()


def test_estimate_clv_uses_the_models_when_they_fit(weekly):
    s, _, _ = weekly
    result = estimate_clv(s, BetaGeoModel(), time_unit="weeks", margin=0.3)
    assert result.method == "model" and result.spend_method == "gamma-gamma" and result.notes == []
    assert result.transaction_model.params_["r"] == pytest.approx(0.243, abs=1e-3)


def test_bad_settings_raise_params_errors(weekly):
    s, bg, gg = weekly
    with pytest.raises(ParamsError):
        customer_clv(s, bg, gg, time_unit="fortnights")
    with pytest.raises(ParamsError):
        customer_clv(s, bg, gg, time_unit="weeks", horizons_months=(0,))
    with pytest.raises(ParamsError):
        customer_clv(s, bg, gg, time_unit="weeks", margin=float("nan"))
    with pytest.raises(ParamsError):
        TimeUnit("bad", 0.0)


def test_intervals_bracket_the_estimate_and_add_up(weekly):
    s, bg, gg = weekly
    groups = pd.Series(np.where(s.frequency > 0, "repeat", "one-time"), index=s.index)
    out = clv_intervals(s, bg, gg, time_unit="weeks", groups=groups, n_draws=60, seed=1)
    assert list(out.index) == ["total", "one-time", "repeat"]
    assert (out["lower"] <= out["estimate"]).all() and (out["estimate"] <= out["upper"]).all()
    assert out.loc["total", "estimate"] == pytest.approx(out.loc[["one-time", "repeat"], "estimate"].sum())
    assert out.loc["total", "customers"] == len(s)
    width = (out.loc["total", "upper"] - out.loc["total", "lower"]) / out.loc["total", "estimate"]
    assert 0.01 < width < 0.5
    assert "parametric-bootstrap" in out.attrs["method"]
    # The draws share one read of the summary (`discounted_purchases_draws`): each is the model's own numbers.
    months, weights = np.arange(1.0, 13.0) * 4.35, monthly_discount_factors(12, 0.1)[:, None]
    draws = [bg.with_params(**{n: v * k for n, v in bg.params_.items()}) for k in (0.95, 1.05)]
    for drawn, batch in zip(draws, bg.discounted_purchases_draws(s, months, weights, draws)):
        np.testing.assert_array_equal(batch, drawn.discounted_purchases(s, months, weights))


def test_intervals_without_standard_errors_show_the_point_estimate(weekly):
    s, _, gg = weekly
    by_hand = BetaGeoModel().with_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    out = clv_intervals(s, by_hand, gg, time_unit="weeks", n_draws=10)
    assert (out["lower"] == out["estimate"]).all() and "no interval" in out.attrs["method"]


from hypothesis import given, settings, strategies as st  # noqa: E402

from clv_lib.models import ModifiedBetaGeoModel  # noqa: E402

_MODELS = [BetaGeoModel().with_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
           ModifiedBetaGeoModel().with_params(r=0.525, alpha=6.183, a=0.891, b=1.614),
           ParetoNBDModel().with_params(r=0.553, alpha=10.578, s=0.606, beta=11.669),
           BetaGeoModel().with_params(r=50.0, alpha=0.01, a=1e-3, b=1e3),
           ParetoNBDModel().with_params(r=1e-3, alpha=1e3, s=1.0, beta=1e-3)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.floats(0, 1), st.floats(1e-6, 1e5)), min_size=1, max_size=8),
       st.sampled_from(range(len(_MODELS))), st.floats(0, 2), st.sampled_from(["days", "weeks", "months"]))
def test_clv_is_finite_and_non_negative_for_any_summary(rows, which, annual_rate, unit):
    frame = pd.DataFrame([{"frequency": x, "recency": (share * T if x > 0 else 0.0) or (T if x > 0 else 0.0),
                           "T": T} for x, share, T in rows])
    table = customer_clv(frame, _MODELS[which], 30.0, time_unit=unit, horizons_months=(1, 24),
                         annual_discount_rate=annual_rate)
    values = table.to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    assert table["p_alive"].between(0, 1).all()


def test_estimate_clv_tries_the_ranked_models_and_takes_the_nbd_limit():
    from clv_lib.exceptions import ModelInputError
    from clv_lib.models import NBDModel
    from clv_lib.models.simulate import simulate_nbd

    class Unusable(BetaGeoModel):
        name = "unusable"

        def fit(self, summary, weights=None):
            raise ModelInputError("unusable: no")

    s = simulate_nbd(3000, 2.0, 120.0, T=(200, 730), spend=(6.0, 4.0, 15.0), seed=3)
    result = estimate_clv(s, [Unusable(), ParetoNBDModel()], time_unit="days")
    assert result.method == "model" and isinstance(result.transaction_model, NBDModel)
    assert result.transaction_model.limit_of_ == "Pareto/NBD" and result.activity == "silence"
    assert any("unusable could not be used" in n for n in result.notes)
    assert any("nobody drops out" in n for n in result.notes)
    assert (result.customers["clv_12m"] > 0).all() and (result.customers["p_alive"] == 1).all()
    dropout = estimate_clv(cdnow_spend_summary(), [BetaGeoModel()], time_unit="weeks")
    assert dropout.activity == "model"


def test_delta_method_and_bootstrap_intervals_agree_on_large_data():
    """For a large client the report uses the delta method (200 recomputations of every CLV would dominate the
    run time); where both are affordable they must tell the same story."""
    from clv_lib.models.simulate import simulate_bgnbd

    s = simulate_bgnbd(20_000, 0.243, 4.414, 0.793, 2.426, T=(10, 78), spend=(6.25, 3.74, 15.44), seed=5,
                       whole_periods=False)
    bg, gg = BetaGeoModel().fit(s), GammaGammaModel().fit(s)
    groups = pd.Series(np.where(s.frequency > 1, "frequent", "rare"), index=s.index)
    kwargs = dict(time_unit="weeks", groups=groups, n_draws=300, seed=2)
    boot = clv_intervals(s, bg, gg, method="bootstrap", **kwargs)
    delta = clv_intervals(s, bg, gg, method="delta", **kwargs)
    assert "delta-method" in delta.attrs["method"] and "bootstrap" in boot.attrs["method"]
    np.testing.assert_allclose(delta["estimate"], boot["estimate"])
    assert ((delta["lower"] < delta["estimate"]) & (delta["estimate"] < delta["upper"])).all()
    width = lambda t: t["upper"] - t["lower"]  # noqa: E731
    np.testing.assert_allclose(width(delta), width(boot), rtol=0.15)

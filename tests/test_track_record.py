"""Forecasts kept per report (clv_lib.value.forecast) and their track record (clv_lib.insights.track_record).

The forecast's paths are the ones the CLV sums: at the 12-month point they equal the CLV table's expected
purchases, and spend is purchases x expected spend per purchase. The track record compares a kept forecast with
what the same customers did, on the CDNOW calibration/holdout split of Fader, Hardie & Lee (2005): 1997-09-30 to
1998-06-30, 1,882 repeat purchase days in the holdout (their Figure 4 / lifetimes' holdout frame).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.insights.track_record import TrackEntry, order_entry, past_fingerprint, relative_error, subscription_entry
from clv_lib.models import BetaGeoModel, GammaGammaModel, ShiftedBetaGeoModel
from clv_lib.models.timeunit import WEEKS
from clv_lib.value.clv import estimate_clv, historical_clv, ClvResult
from clv_lib.value.forecast import at_months, order_forecast, subscription_forecast
from clv_lib.value.subscription_clv import subscription_clv
from models_data import CAL_END, OBS_END, cdnow_cal_holdout, cdnow_spend_summary


@pytest.fixture(scope="module")
def weekly():
    summary = cdnow_spend_summary()
    result = estimate_clv(summary, BetaGeoModel(), time_unit="weeks", horizons_months=(12, 24),
                          spend_model=GammaGammaModel())
    return summary, result, order_forecast(summary, result, time_unit="weeks", horizon_months=24)


def test_order_forecast_follows_the_clv_tables_paths(weekly):
    summary, result, forecast = weekly
    assert list(forecast.columns[:2]) == ["purchases_1m", "purchases_2m"] and forecast.shape == (2357, 48)
    np.testing.assert_allclose(forecast["purchases_12m"], result.customers["purchases_12m"], rtol=1e-9)
    np.testing.assert_allclose(forecast["purchases_24m"], result.customers["purchases_24m"], rtol=1e-9)
    np.testing.assert_allclose(forecast["spend_12m"], result.customers["purchases_12m"]
                               * result.customers["expected_spend"], rtol=1e-9)
    cumulative = forecast[[f"purchases_{m}m" for m in range(1, 25)]].to_numpy()
    assert (np.diff(cumulative, axis=1) >= -1e-12).all()  # cumulative: never decreasing


def test_historical_forecast_grows_at_the_observed_rate():
    summary = cdnow_spend_summary()
    table = historical_clv(summary, time_unit="weeks", horizons_months=(12,))
    forecast = order_forecast(summary, ClvResult(table, "historical", "observed mean"), time_unit="weeks",
                              horizon_months=6)
    np.testing.assert_allclose(forecast["purchases_6m"], table["purchases_12m"] / 2)
    np.testing.assert_allclose(forecast["purchases_3m"] * 2, forecast["purchases_6m"])


def test_reading_a_forecast_between_its_months():
    forecast = pd.DataFrame({"purchases_1m": [1.0, 2.0], "purchases_2m": [3.0, 2.0], "active_1m": [0.9, 0.5],
                             "active_2m": [0.8, 0.4]}, index=["a", "b"])
    np.testing.assert_allclose(at_months(forecast, "purchases", 0.5), [0.5, 1.0])  # 0 at month 0
    np.testing.assert_allclose(at_months(forecast, "purchases", 1.5), [2.0, 2.0])
    np.testing.assert_allclose(at_months(forecast, "purchases", 2), [3.0, 2.0])
    np.testing.assert_allclose(at_months(forecast, "active", 2), [0.8, 0.4])
    assert np.isnan(at_months(forecast, "purchases", 2.5)).all()  # beyond the horizon: no forecast


def test_track_record_of_the_papers_split(weekly):
    """The kept forecast at 1997-09-30 (calibration: the paper's summary) against the holdout to 1998-06-30."""
    summary, _, forecast = weekly
    holdout = cdnow_cal_holdout()
    entry = order_entry("1997Q3", CAL_END, OBS_END, 9, forecast, holdout, model="BG/NBD")
    assert entry.actual_purchases == 1882 == int(holdout["frequency_holdout"].sum())
    months = (OBS_END - CAL_END).days / (365.25 / 12)
    bg = BetaGeoModel().fit(summary)
    expected = bg.expected_purchases(summary, WEEKS.months_to_periods(months)).sum()
    assert entry.predicted_purchases == pytest.approx(expected, rel=2e-3)  # linear between monthly points
    revenue = (holdout["frequency_holdout"] * holdout["monetary_value_holdout"]).sum()
    assert entry.actual_revenue == pytest.approx(revenue)
    assert entry.count_error == pytest.approx(entry.predicted_purchases / 1882 - 1)
    row = entry.as_json()
    assert {"report_period", "months_elapsed", "predicted_purchases", "actual_purchases", "predicted_revenue",
            "actual_revenue"} <= set(row)
    assert row["months_elapsed"] == 9 and row["actual_purchases"] == 1882


def test_a_customer_missing_from_the_data_counts_as_missing_not_as_an_error(weekly):
    _, _, forecast = weekly
    holdout = cdnow_cal_holdout().iloc[10:]
    entry = order_entry("1997Q3", CAL_END, OBS_END, 9, forecast, holdout)
    assert entry.missing_customers == 10 and entry.customers == 2357
    assert entry.actual_purchases == int(holdout["frequency_holdout"].sum())
    assert order_entry("1997Q3", CAL_END, OBS_END + pd.DateOffset(years=2), 33, forecast, holdout) is None


def test_subscription_forecast_and_track_record():
    table = pd.DataFrame({"active": [True, True, False], "tenure": [0.0, 3.0, 1.0], "period_months": 1.0,
                          "months_to_renewal": 1.0, "mrr": [10.0, 20.0, 0.0]}, index=["a", "b", "c"])
    models = {1.0: ShiftedBetaGeoModel().with_params(alpha=1.0, beta=3.0)}
    forecast = subscription_forecast(table, models, horizon_months=12)
    clv = subscription_clv(table, models, horizons_months=(12,), annual_discount_rate=0.0)
    np.testing.assert_allclose(forecast[[f"active_{m}m" for m in range(1, 13)]].sum(axis=1),
                               clv["expected_months_12m"])
    np.testing.assert_allclose(forecast["spend_12m"], clv["clv_12m"])  # margin 1, no discount: the same money
    assert forecast.loc["a", "active_1m"] == pytest.approx(0.75)  # S(1)/S(0) = beta / (alpha + beta)
    mrr = pd.DataFrame({"m1": [10.0, 20.0, 0.0], "m2": [0.0, 20.0, 5.0], "m3": [0.0, 25.0, 5.0]},
                       index=["a", "b", "c"])
    entry = subscription_entry("2025Q1", pd.Timestamp("2025-03-31"), 3, forecast.loc[["a", "b"]], mrr)
    assert entry.actual_active_subscribers == 1 and entry.actual_revenue == 75.0
    assert entry.predicted_active_subscribers == pytest.approx(forecast.loc[["a", "b"], "active_3m"].sum())
    assert entry.predicted_purchases is None and entry.measure == "active_subscribers"
    assert entry.as_json()["predicted_purchases"] is None


def test_relative_error():
    assert relative_error(110, 100) == pytest.approx(0.10)
    assert relative_error(5, 0) is None and relative_error(None, 3) is None
    assert TrackEntry("x", "2025-01-31", 1, 1, 0, 0.0, 0.0, 0.0, 0).revenue_error is None


def test_past_fingerprint_sees_a_changed_history_not_row_order_or_float_noise():
    summary = cdnow_spend_summary()[["frequency", "recency", "T", "monetary_value"]]
    base = past_fingerprint(summary, money=("monetary_value",))
    shuffled = summary.sample(frac=1.0, random_state=1)
    assert past_fingerprint(shuffled, money=("monetary_value",)) == base
    noisy = summary.assign(monetary_value=summary["monetary_value"] + 1e-9)
    assert past_fingerprint(noisy, money=("monetary_value",)) == base
    changed = summary.copy()
    changed.iloc[5, 0] += 1
    assert past_fingerprint(changed, money=("monetary_value",)) != base
    assert past_fingerprint(summary.iloc[1:], money=("monetary_value",)) != base


def test_a_large_forecast_is_kept_as_parquet(tmp_path, monkeypatch):
    from clv_lib.report import forecast_file

    table = pd.DataFrame({"purchases_1m": [0.1234, 2.0, 0.0], "spend_1m": [12.34, 100.0, 0.0]},
                         index=pd.Index(["0001", "=cmd", "c"], name="customer_id"))
    assert forecast_file.save_forecast(table, tmp_path) == "forecast.csv"
    back = forecast_file.read_forecast(tmp_path / "forecast.csv")
    assert list(back.index) == ["0001", "=cmd", "c"] and back.loc["0001", "purchases_1m"] == 0.1234
    monkeypatch.setattr(forecast_file, "PARQUET_FROM_CUSTOMERS", 3)
    assert forecast_file.save_forecast(table, tmp_path) == "forecast.parquet"
    back = forecast_file.read_forecast(tmp_path / "forecast.parquet")
    assert list(back.index) == ["0001", "=cmd", "c"] and back.dtypes.eq("float64").all()
    np.testing.assert_allclose(back.to_numpy(), table.to_numpy(), rtol=1e-6)

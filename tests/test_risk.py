"""Value x churn-risk quadrants, win-back list, value at risk (clv_lib.insights.risk)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

import cdnow_customers as fixture
from clv_lib.exceptions import ModelInputError
from clv_lib.insights import risk


def test_value_at_risk_by_hand():
    clv = np.array([10.0, 10.0, 10.0, 10.0, 0.0])
    p = np.array([0.5, 1.0, 0.0, 0.001, 0.2])
    assert risk.value_at_risk(clv, p).tolist() == pytest.approx([10.0, 0.0, 0.0, 990.0, 0.0])
    assert risk.value_at_risk([4.0], [0.8]).tolist() == pytest.approx([1.0])


def test_value_if_alive_is_clv_over_p_for_the_bgnbd():
    """Premise of the value-at-risk definition: under the BG/NBD, E[X(t) | data] = P(alive) x E[X(t) | alive,
    data], where E[X(t) | alive, data] is the numerator of Fader, Hardie & Lee (2005) eq. (10) and P(alive) is
    their eq. (12). Computed here directly from the published CDNOW parameters."""
    table = fixture.customers()
    x = table["frequency"].to_numpy()
    T = table["T"].to_numpy() / 7
    t = 52.0
    a, b, r, alpha = fixture.A, fixture.B, fixture.R, fixture.ALPHA
    if_alive = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    p = table["prob_alive"].to_numpy()
    assert table["expected_purchases_12m"].to_numpy() == pytest.approx(p * if_alive, rel=1e-10)
    lost = (1 - p) * if_alive  # expected purchases lost to churn; value at risk is this in money
    spend = table["clv_12m"].to_numpy() / table["expected_purchases_12m"].to_numpy()
    kept = p >= 0.01
    assert risk.value_at_risk(table["clv_12m"], p)[kept] == pytest.approx((lost * spend)[kept], rel=1e-9)


def test_quadrants_on_cdnow():
    table = fixture.customers()
    view = risk.risk_view(table)
    quadrants = view.customers["quadrant"]
    assert view.summary["customers"].sum() == len(table)
    assert view.summary["quadrant"].tolist() == list(risk.QUADRANTS)
    high = view.customers["high_value"]
    assert high.mean() == pytest.approx(0.2, abs=0.01)  # predicted CLV is continuous: the top quintile
    assert (table.loc[high, "clv_12m"] >= view.value_threshold).all()
    assert (table.loc[~high, "clv_12m"] < view.value_threshold).all()
    at_risk = quadrants.isin(["high_value_at_risk", "low_value_at_risk"])
    assert (at_risk == (table["prob_alive"] < 0.5)).all()
    summary = view.summary.set_index("quadrant")
    assert summary["value"].sum() == pytest.approx(table["clv_12m"].sum())
    assert summary.loc["high_value_at_risk", "mean_prob_alive"] < 0.5 <= summary.loc["high_value_active",
                                                                                     "mean_prob_alive"]


def test_explicit_thresholds_and_empty_quadrants():
    table = pd.DataFrame({"clv_12m": [1.0, 2.0, 3.0, 4.0], "prob_alive": [0.9, 0.9, 0.2, 0.9]},
                         index=["a", "b", "c", "d"])
    view = risk.risk_view(table, value_threshold=2.5, alive_threshold=0.3, language="it")
    assert view.customers["quadrant"].astype(str).tolist() == [
        "low_value_active", "low_value_active", "high_value_at_risk", "high_value_active"]
    summary = view.summary.set_index("quadrant")
    assert summary.loc["low_value_at_risk", "customers"] == 0
    assert summary.loc["low_value_at_risk", "mean_prob_alive"] == 0.0
    assert summary.loc["high_value_at_risk", "name"] == "Alto valore, a rischio"
    assert not summary.isna().any().any()


def test_win_back_list_is_the_high_value_at_risk_quadrant_by_value_at_risk():
    table = fixture.customers()
    listed = risk.win_back_list(table, value_col="revenue")
    view = risk.risk_view(table, value_col="revenue")
    expected = view.customers.index[view.customers["quadrant"] == "high_value_at_risk"]
    assert set(listed.index) == set(expected)
    assert listed["value_at_risk"].is_monotonic_decreasing
    assert (listed["prob_alive"] < 0.5).all() and (listed["value"] >= 94.0).all()
    assert {"revenue", "orders", "days_since_last_purchase"} <= set(listed.columns)
    assert len(risk.win_back_list(table, value_col="revenue", top=10)) == 10


def test_invalid_inputs():
    table = pd.DataFrame({"clv_12m": [1.0, 2.0], "prob_alive": [0.5, 1.2]}, index=["a", "b"])
    with pytest.raises(ModelInputError, match="above 1"):
        risk.risk_view(table)
    with pytest.raises(ModelInputError, match="alive threshold"):
        risk.risk_view(table.assign(prob_alive=0.5), alive_threshold=0)
    with pytest.raises(ModelInputError, match="outside"):
        risk.value_at_risk([1.0], [-0.1])


def test_quadrant_names_exist_in_both_languages():
    assert set(risk.QUADRANT_NAMES["en"]) == set(risk.QUADRANT_NAMES["it"]) == set(risk.QUADRANTS)
    assert all(name.strip() for names in risk.QUADRANT_NAMES.values() for name in names.values())


def test_activity_from_silence_by_hand():
    # A: 4 repeat purchases over 120 days (usual gap 30), silent 30 days -> 2^-1; B: same gap, silent 0 -> 1;
    # C: one-time buyer, 90 days ago, lapse threshold 45 -> 2^-2; D: silent 90 days with a 30-day gap -> 2^-3.
    p = risk.activity_from_silence([4, 4, 0, 3], [120.0, 150.0, 0.0, 90.0], [150.0, 150.0, 90.0, 180.0], 45.0)
    assert p.tolist() == pytest.approx([0.5, 1.0, 0.25, 0.125])
    with pytest.raises(ModelInputError, match="lapse threshold"):
        risk.activity_from_silence([1], [1.0], [2.0], 0.0)


def test_value_at_risk_from_silence_is_clv_times_the_chance_of_having_lapsed():
    # The CLV of a model without drop-out is the value if still active: at risk is clv x (1 - p).
    assert risk.value_at_risk([10.0, 10.0, 4.0], [0.5, 1.0, 0.25], activity="silence").tolist() == \
        pytest.approx([5.0, 0.0, 3.0])
    table = pd.DataFrame({"clv_12m": [100.0, 80.0, 5.0, 1.0, 2.0], "prob_alive": [0.2, 0.9, 0.1, 1.0, 0.6]},
                         index=list("abcde"))
    view = risk.risk_view(table, activity="silence")
    assert view.activity == "silence"
    assert view.customers.loc["a", "quadrant"] == "high_value_at_risk"
    assert view.customers["value_at_risk"].tolist() == pytest.approx([80.0, 8.0, 4.5, 0.0, 0.8])

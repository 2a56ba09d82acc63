"""Segment profiles (clv_lib.insights.profiles)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import ModelInputError
from clv_lib.insights import profiles, risk
from clv_lib.insights.rfm_segments import SEGMENTS, rfm_segments
from clv_lib.insights.value_tiers import value_tiers
from cdnow_customers import customers as cdnow_customers


@pytest.fixture(scope="module")
def cdnow():
    table = cdnow_customers()
    return table, rfm_segments(table)["segment"]


def test_profiles_add_up_to_the_customer_base(cdnow):
    table, segments = cdnow
    result = profiles.segment_profiles(table, segments, with_total=True)
    body, total = result.iloc[:-1], result.iloc[-1]
    assert body["segment"].tolist() == [s for s in SEGMENTS if (segments == s).any()]
    assert body["customers"].sum() == total["customers"] == len(table)
    for col in ("customer_share", "revenue_share", "clv_12m_share", "clv_24m_share"):
        assert body[col].sum() == pytest.approx(1.0)
    assert body["revenue"].sum() == pytest.approx(table["revenue"].sum())
    assert body["clv_24m"].sum() == pytest.approx(table["clv_24m"].sum())
    assert total["clv_index"] == pytest.approx(1.0) and total["revenue_index"] == pytest.approx(1.0)
    champions = table[segments == "champions"]
    row = body.set_index("segment").loc["champions"]
    assert row["clv_12m_per_customer"] == pytest.approx(champions["clv_12m"].mean())
    assert row["mean_prob_alive"] == pytest.approx(champions["prob_alive"].mean())
    assert row["at_risk_customer_share"] == pytest.approx((champions["prob_alive"] < 0.5).mean())
    assert row["clv_12m_at_risk"] == pytest.approx(
        risk.value_at_risk(champions["clv_12m"], champions["prob_alive"]).sum())
    assert row["mean_orders"] == pytest.approx(champions["orders"].mean())
    assert not result.drop(columns=["segment", "name"]).isna().any().any()


def test_intervals_are_summed_when_present(cdnow):
    table, segments = cdnow
    with_bounds = table.assign(clv_12m_low=table["clv_12m"] * 0.8, clv_12m_high=table["clv_12m"] * 1.3)
    result = profiles.segment_profiles(with_bounds, segments).set_index("segment")
    assert result["clv_12m_low"].to_numpy() == pytest.approx(0.8 * result["clv_12m"].to_numpy())
    assert result["clv_12m_per_customer_high"].to_numpy() == pytest.approx(
        1.3 * result["clv_12m_per_customer"].to_numpy())
    assert "clv_24m_low" not in result.columns


def test_names_in_both_languages_and_for_unknown_keys(cdnow):
    table, segments = cdnow
    italian = profiles.segment_profiles(table, segments, language="it", with_total=True).set_index("segment")
    assert italian.loc["hibernating", "name"] == "In letargo"
    assert italian.loc["all", "name"] == "Tutti i clienti"
    plans = pd.Series(np.where(table["orders"] > 2, "gold", "silver"), index=table.index)
    by_plan = profiles.segment_profiles(table, plans)
    assert by_plan["name"].tolist() == by_plan["segment"].tolist()
    assert by_plan["clv_12m"].is_monotonic_decreasing  # not categorical: largest CLV first
    tiers = profiles.segment_profiles(table, value_tiers(table), language="it")
    assert tiers["name"].iloc[0] == "Primo 1 %"
    en, it = profiles.segment_names("en"), profiles.segment_names("it")
    assert set(en) == set(it) and all(v.strip() for v in (*en.values(), *it.values()))


def test_zero_totals_give_zero_shares_not_nan():
    table = pd.DataFrame({"revenue": [0.0, 0.0], "clv_12m": [0.0, 0.0], "clv_24m": [0.0, 0.0],
                          "prob_alive": [0.0, 1.0]}, index=["a", "b"])
    result = profiles.segment_profiles(table, pd.Series(["x", "y"], index=["a", "b"]))
    assert not result.drop(columns=["segment", "name"]).isna().any().any()
    assert (result["revenue_share"] == 0).all() and (result["clv_index"] == 1.0).all()


def test_segments_must_cover_the_customers(cdnow):
    table, segments = cdnow
    with pytest.raises(ModelInputError, match="without a segment"):
        profiles.segment_profiles(table, segments.iloc[:-3])
    with pytest.raises(ModelInputError, match="missing segment"):
        profiles.segment_profiles(table, segments.astype(object).where(segments != "lost"))
    with pytest.raises(ModelInputError, match="prob_alive"):
        profiles.segment_profiles(table.drop(columns="prob_alive"), segments)

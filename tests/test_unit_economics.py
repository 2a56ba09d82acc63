"""Unit economics (clv_lib.value.unit_economics): every formula on hand-computed numbers.

Sources of the examples: the source articles (lifetime = 1 / churn, 1 % monthly churn -> 100 months; CLV = annual
profit x retention years - CAC); ChartMogul's LTV help page (ARPA $100 and 5 % churn -> LTV $2,000,
https://help.chartmogul.com/hc/en-us/articles/203359061); the discounted retention formula m r / (1 + d - r)
(FM magazine, "Valuing customers, part 2", Oct 2022), checked here against the explicit series it sums.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.value import unit_economics as ue


def test_seed_example_one_percent_monthly_churn_is_100_months():
    life = ue.lifetime(0.01)
    assert life.months == pytest.approx(100) and life.periods == pytest.approx(100)  # 1 / 0.01
    assert not life.capped and life.warnings == ()
    assert ue.lifetime(0.1, period="year").months == pytest.approx(120)  # 1 / 0.1 = 10 years = 120 months


def test_chartmogul_ltv_example():
    result = ue.ltv(100.0, 0.05)  # $100 / 0.05 = $2,000
    assert result.value == pytest.approx(2000.0) and result.lifetime.months == pytest.approx(20)


def test_gross_margin_ltv_payback_ratio_and_cac_limits():
    out = ue.unit_economics(100.0, 0.04, gross_margin=0.8, cac=500.0)
    assert out.lifetime.months == pytest.approx(25)  # 1 / 0.04
    assert out.ltv == pytest.approx(2000.0)  # 100 x 0.8 / 0.04
    assert out.ltv_to_cac == pytest.approx(4.0)  # 2000 / 500
    assert out.rating == "healthy"
    assert out.payback_months == pytest.approx(6.25)  # 500 / (100 x 0.8)
    assert out.max_affordable_cac == pytest.approx(2000 / 3)
    assert out.break_even_cac == pytest.approx(2000.0)
    # simple CLV: annual profit 100 x 0.8 x 12 = 960; retention 25 months = 25/12 years; 960 x 25/12 - 500 = 1500
    assert out.simple_clv == pytest.approx(960 * 25 / 12 - 500)
    assert out.discounted_ltv is None
    assert out.warnings == ()


def test_simple_clv_formula():
    result = ue.simple_clv(annual_profit=300.0, retention_years=4.0, cac=250.0)
    assert result.value == pytest.approx(300 * 4 - 250)


def test_discounted_ltv_matches_the_series_it_sums():
    monthly_rate = ue.period_discount_rate(0.10)  # (1.10)^(1/12) - 1
    assert monthly_rate == pytest.approx(1.10 ** (1 / 12) - 1)
    assert ue.period_discount_rate(0.10, "year") == pytest.approx(0.10)
    m, r = 80.0, 0.96
    result = ue.discounted_ltv(m, r, monthly_rate)
    assert result.value == pytest.approx(m * r / (1 + monthly_rate - r))  # 76.8 / 0.04797... = 1600.9
    t = np.arange(1, 20_000)
    assert result.value == pytest.approx(np.sum(m * r ** t / (1 + monthly_rate) ** t), rel=1e-9)
    out = ue.unit_economics(100.0, 0.04, gross_margin=0.8, annual_discount_rate=0.10)
    assert out.discounted_ltv == pytest.approx(result.value)
    assert out.discounted_ltv < out.ltv


def test_zero_churn_is_capped_and_flagged_not_infinite():
    out = ue.unit_economics(100.0, 0.0, gross_margin=0.8, annual_discount_rate=0.0)
    assert out.lifetime.capped and out.lifetime.months == ue.MAX_LIFETIME_MONTHS
    assert out.ltv == pytest.approx(100 * 0.8 * 120)
    assert out.discounted_ltv == pytest.approx(80 * 120)  # r = 1, d = 0: summed over the 120-month cap
    assert all(math.isfinite(v) for v in (out.ltv, out.discounted_ltv, out.simple_clv, out.max_affordable_cac))
    assert any("capped" in w for w in out.warnings)
    tiny = ue.lifetime(0.005)  # 200 months > cap of 120
    assert tiny.capped and tiny.months == 120
    assert not ue.lifetime(0.005, max_lifetime_months=240).capped


def test_unknown_cac_shows_break_even_instead():
    out = ue.unit_economics(50.0, 0.05)
    assert out.cac is None and out.ltv_to_cac is None and out.payback_months is None and out.rating is None
    assert out.break_even_cac == pytest.approx(1000.0)  # 50 / 0.05
    assert any("break-even" in w for w in out.warnings)


def test_cac_zero_and_margin_zero_guards():
    free = ue.unit_economics(50.0, 0.05, cac=0.0)
    assert free.ltv_to_cac is None and free.payback_months == 0.0
    never = ue.cac_payback(100.0, 0.0)
    assert never.months is None and "never" in never.warnings[0]


def test_payback_longer_than_lifetime_and_ratio_readings():
    out = ue.unit_economics(10.0, 0.5, cac=100.0)  # lifetime 2 months, payback 100 / 10 = 10 months
    assert out.payback_months == pytest.approx(10.0)
    assert out.ltv_to_cac == pytest.approx(0.2) and out.rating == "loses money"
    assert any("never pays back" in w for w in out.warnings)
    assert ue.rate_ratio(2.0) == "weak" and ue.rate_ratio(6.0).startswith("very high")


def test_annual_period():
    out = ue.unit_economics(1200.0, 0.3, gross_margin=0.8, cac=500.0, period="year")
    assert out.lifetime.months == pytest.approx(40)  # 1 / 0.3 years x 12
    assert out.ltv == pytest.approx(1200 * 0.8 / 0.3)
    assert out.payback_months == pytest.approx(500 / (100 * 0.8))  # monthly ARPA = 1200 / 12


def test_stability_warnings():
    out = ue.unit_economics(100.0, 0.1, customers=12, churn_events=2)
    assert len(out.warnings) == 3  # few customers, few events, no CAC
    assert ue.stability_warnings(500, 40) == ()


def test_table_by_channel():
    inputs = pd.DataFrame({"arpa": [100.0, 80.0], "churn_rate": [0.04, 0.05], "cac": [500.0, np.nan]},
                          index=pd.Index(["ads", "seo"], name="channel"))
    table = ue.unit_economics_table(inputs, gross_margin=0.8)
    assert table.index.tolist() == ["ads", "seo"]
    assert table.loc["ads", "ltv_to_cac"] == pytest.approx(4.0)
    assert table.loc["seo", "ltv"] == pytest.approx(80 * 0.8 / 0.05)
    assert pd.isna(table.loc["seo", "ltv_to_cac"]) and "break-even" in table.loc["seo", "warnings"]


def test_invalid_inputs():
    with pytest.raises(DataError):
        ue.lifetime(1.5)
    with pytest.raises(ParamsError):
        ue.ltv(100, 0.1, gross_margin=0.0)
    with pytest.raises(ParamsError):
        ue.unit_economics(100, 0.1, cac=-5)
    with pytest.raises(ParamsError):
        ue.lifetime(0.1, period="week")
    with pytest.raises(ParamsError):
        ue.max_affordable_cac(100, target_ratio=0)

"""Monthly and period KPIs (clv_lib.insights.kpis) on hand-computed fixtures.

Subscription rates follow ChartMogul's definitions (customer churn rate = churned customers / customers at the
start of the month; gross MRR churn = (churn + contraction) / start MRR; net MRR churn = (churn + contraction -
expansion - reactivation) / start MRR; help.chartmogul.com articles 203359341 and 204898491) and the SaaS quick
ratio (new + expansion + reactivation) / (churn + contraction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.insights import source_kpis as K
from clv_lib.summary.engine_orders import EngineOrders
from clv_lib.value.unit_economics import unit_economics
from tests.test_mrr import subs

# a: 5 Jan (10) and again 5 Jan (5, same day), 10 Feb (20), 3 Apr (1)
# b: 20 Jan (5), 1 Mar (5)
# c: 2 Feb (7)
ORDERS = pd.DataFrame({
    "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
    "order_id": [f"o{i}" for i in range(7)],
    "order_date": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-02-10", "2024-04-03", "2024-01-20",
                                  "2024-03-01", "2024-02-02"]),
    "amount": [10.0, 5.0, 20.0, 1.0, 5.0, 5.0, 7.0],
})
END = "2024-04-30"


def test_monthly_order_kpis_hand_computed():
    out = K.monthly_kpis(ORDERS, END)
    assert out.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert out["active_customers"].tolist() == [2, 2, 1, 1]  # Jan a,b; Feb a,c; Mar b; Apr a
    assert out["new_customers"].tolist() == [2, 1, 0, 0]
    assert out["returning_customers"].tolist() == [0, 1, 1, 1]
    assert out["orders"].tolist() == [3, 2, 1, 1]
    assert out["revenue"].tolist() == [20.0, 27.0, 5.0, 1.0]  # 10+5+5, 20+7, 5, 1
    assert out["new_revenue"].tolist() == [20.0, 7.0, 0.0, 0.0]
    assert out["returning_revenue"].tolist() == [0.0, 20.0, 5.0, 1.0]
    np.testing.assert_allclose(out["aov"], [20 / 3, 27 / 2, 5, 1])
    np.testing.assert_allclose(out["orders_per_customer"], [3 / 2, 2 / 2, 1, 1])


def test_days_between_orders_and_threshold():
    values, counts = K.gaps(ORDERS, END)
    gaps = pd.Series(np.repeat(values, counts)).sort_values(key=lambda g: g.map({36: 0, 53: 1, 41: 2}))
    # a: 5 Jan -> 10 Feb = 36, 10 Feb -> 3 Apr = 53 (the second order on 5 Jan is the same purchase day);
    # b: 20 Jan -> 1 Mar 2024 = 41 (leap year: 11 days of Jan + 29 of Feb + 1)
    assert gaps.tolist() == [36, 53, 41]
    assert K.lapse(ORDERS, END, quantile=0.5).days == 41  # median of 36, 41, 53
    # numpy's linear quantile: 41 + 0.8 x (53 - 41) = 50.6 -> rounded up to 51 days
    threshold = K.lapse(ORDERS, END)
    assert threshold.days == 51 and threshold.source == "data" and threshold.repeat_purchases == 3
    assert threshold.warnings and "51 days" in threshold.describe()
    fixed = K.lapse(ORDERS, END, days=60)
    assert fixed.days == 60 and fixed.source == "params" and "parameters" in fixed.describe()
    with pytest.raises(DataError, match="bought twice"):
        K.lapse(ORDERS[ORDERS["customer_id"] == "c"], END)


def test_lapse_churn_hand_computed():
    out = K.churn(ORDERS, END, threshold_days=40)
    # live through last purchase + 40 days, lapsed from day 41:
    # a: 10 Feb + 41 = 22 Mar lapse (next purchase 3 Apr, 53 days later) -> returns 3 Apr
    # b: 20 Jan + 41 = 1 Mar lapse, returns the same day 1 Mar; 1 Mar + 41 = 11 Apr lapse
    # c: 2 Feb + 41 = 14 Mar lapse
    assert out["new_customers"].tolist() == [2, 1, 0, 0]
    assert out["returned_customers"].tolist() == [0, 0, 1, 1]
    assert out["lapsed_customers"].tolist() == [0, 0, 3, 1]
    assert out["start_customers"].tolist() == [0, 2, 3, 1]
    assert out["end_customers"].tolist() == [2, 3, 1, 1]  # Mar: 3 + 1 - 3; Apr: 1 + 1 - 1
    assert np.isnan(out["churn_rate"].iloc[0])  # nobody live at the start of the first month
    np.testing.assert_allclose(out["churn_rate"].iloc[1:], [0 / 2, 3 / 3, 1 / 1])
    np.testing.assert_allclose(out["churn_rate_trailing"].iloc[1:], [0, 0.5, 2 / 3])  # means of 0; 0,1; 0,1,1
    assert out["churn_months_trailing"].tolist() == [0, 1, 2, 3]  # how many rates each mean rests on
    assert out["small_base"].all()


def test_order_period_kpis():
    full = K.period_kpis(ORDERS, END, lapse_rule=40)
    assert (full.months, full.customers, full.new_customers, full.orders) == (4, 3, 3, 7)
    assert full.revenue == pytest.approx(53.0) and full.aov == pytest.approx(53 / 7)
    assert full.orders_per_customer == pytest.approx(7 / 3)
    assert full.repeat_customer_share == pytest.approx(2 / 3)  # a and b bought on two or more days
    assert full.median_days_between_orders == 41
    assert full.monthly_churn_rate == pytest.approx(2 / 3)  # mean of 0, 1, 1 (January undefined)
    assert full.trailing_churn_rate == pytest.approx(2 / 3)
    assert (full.churn_months, full.trailing_churn_months) == (3, 3)  # four months, January has no rate
    assert full.churn_events == 4
    # live customers per month, (start + end) / 2: 1 + 2.5 + 2 + 1 = 6.5 customer-months
    assert full.monthly_revenue_per_customer == pytest.approx(53 / 6.5)
    assert any("customers" in w for w in full.warnings)

    spring = K.period_kpis(ORDERS, END, period_start="2024-02")
    assert (spring.months, spring.customers, spring.new_customers, spring.orders) == (3, 3, 1, 4)
    assert spring.revenue == pytest.approx(33.0) and spring.new_revenue == pytest.approx(7.0)
    assert spring.median_days_between_orders == 53  # only gaps between purchases inside the period
    assert spring.monthly_churn_rate is None and spring.lapse_days is None
    with pytest.raises(ParamsError):
        K.period_kpis(ORDERS, END, period_start="2024-06")


def test_period_kpis_by_channel_are_each_channel_alone():
    """The grouped per-channel KPIs (unit economics by acquisition channel) equal `period_kpis` on each channel's
    customers alone: each from its own first month, with its own lapse churn; a channel without a complete month is
    left out, as `period_kpis` stops on it."""
    orders = pd.concat([ORDERS, pd.DataFrame({
        "customer_id": ["d", "d", "e"], "order_id": ["o7", "o8", "o9"],
        "order_date": pd.to_datetime(["2024-03-15", "2024-04-20", "2024-05-10"]), "amount": [3.0, 4.0, 9.0]})])
    # a's first day has two orders: the channel is the first order's (o0, web)
    orders["channel"] = ["web", "shop", "shop", "web", "shop", "web", None, "shop", "web", "new"]
    source = EngineOrders.from_frame(orders.reset_index(drop=True))
    end = "2024-05-15"  # April is the last complete month; e's May purchase is after it
    for start in (None, "2024-02", "2024-04"):
        by_channel = K.period_kpis_by_channel(source, end, period_start=start, lapse_rule=40)
        assert set(by_channel) <= {"web", "shop", "(unknown)"}
        for channel in ("web", "shop", "(unknown)", "new"):
            try:
                alone = K.period_kpis(source.restrict(channel), end, period_start=start, lapse_rule=40)
            except DataError:
                assert channel not in by_channel
                continue
            assert by_channel[channel] == alone, (start, channel)
    spring = K.period_kpis_by_channel(source, end, period_start="2024-02", lapse_rule=40)
    assert (spring["web"].customers, spring["web"].orders) == (1, 2)  # a: 10 Feb and 3 Apr
    assert (spring["shop"].customers, spring["shop"].orders, spring["shop"].new_customers) == (2, 3, 1)  # b, d
    assert spring["(unknown)"].customers == 1 and spring["(unknown)"].revenue == pytest.approx(7.0)  # c
    whole = K.period_kpis_by_channel(source, end, lapse_rule=40)
    assert whole["shop"].first_month == pd.Period("2024-01", "M")  # b
    assert whole["(unknown)"].first_month == pd.Period("2024-02", "M")  # c's channel starts in February


SUBS = subs([("a", "2024-01-10", "2024-03-10", 10), ("a", "2024-03-10", None, 20),
             ("b", "2024-01-15", "2024-02-15", 5),
             ("c", "2024-02-01", "2024-03-20", 7), ("c", "2024-05-01", None, 7)])


def test_subscription_kpis_hand_computed():
    out = K.subscription_monthly(SUBS, "2024-06-30", window_months=2)
    # MRR 15, 17, 20, 20, 27, 27; customers 2, 2, 1, 1, 2, 2 (see tests/test_mrr.py)
    np.testing.assert_allclose(out["arpa"], [7.5, 8.5, 20, 20, 13.5, 13.5])
    assert out["arr"].iloc[-1] == 27 * 12
    assert np.isnan(out["logo_churn_rate"].iloc[0])
    np.testing.assert_allclose(out["logo_churn_rate"].iloc[1:], [1 / 2, 1 / 2, 0, 0, 0])  # b in Feb, c in Mar
    np.testing.assert_allclose(out["gross_mrr_churn_rate"].iloc[1:], [5 / 15, 7 / 17, 0, 0, 0])
    # Mar: churn 7 - expansion 10 = -3 on 17; May: -reactivation 7 on 20
    np.testing.assert_allclose(out["net_mrr_churn_rate"].iloc[1:], [5 / 15, -3 / 17, 0, -7 / 20, 0])
    np.testing.assert_allclose(out["quick_ratio"].iloc[1:3], [7 / 5, 10 / 7])
    assert out["quick_ratio"].iloc[3:].isna().all()  # no losses: undefined, not infinite
    assert out["logo_churn_rate_trailing"].iloc[-1] == pytest.approx(0.2)  # mean of 0.5, 0.5, 0, 0, 0
    assert out["logo_churn_months_trailing"].tolist() == [0, 1, 2, 3, 4, 5]  # the first month has no rate
    np.testing.assert_allclose(out["nrr"].iloc[2:4], [20 / 15, 20 / 17])
    assert out["nrr"].iloc[:2].isna().all()
    assert not np.isinf(out.select_dtypes("number").to_numpy()).any()


def test_subscription_period_kpis_feed_unit_economics():
    period = K.subscription_period(SUBS, "2024-06-30")
    assert (period.start_mrr, period.end_mrr, period.end_customers) == (0.0, 27.0, 2)
    assert (period.new_mrr, period.expansion_mrr, period.reactivation_mrr, period.churned_mrr) == (22, 10, 7, 12)
    assert period.new_customers == 3 and period.churned_customers == 2
    assert period.arpa == pytest.approx(13.5)
    assert period.logo_churn_rate == pytest.approx(0.2)
    assert (period.logo_churn_months, period.logo_churn_months_trailing) == (5, 5)  # six months, January no rate
    assert period.quick_ratio == pytest.approx((22 + 10 + 7) / 12)
    assert period.nrr is None and any("NRR" in w for w in period.warnings)
    economics = unit_economics(period.arpa, period.logo_churn_rate_trailing, gross_margin=0.8,
                               customers=period.end_customers, churn_events=period.churned_customers)
    assert economics.ltv == pytest.approx(13.5 * 0.8 / 0.2)
    assert len(economics.warnings) >= 2  # few customers and few churn events are flagged

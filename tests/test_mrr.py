"""MRR per customer and the monthly movements bridge (clv_lib.summary.mrr).

Classification follows ChartMogul's customer-level definitions ("Understanding MRR movements",
https://help.chartmogul.com/hc/en-us/articles/4416682609426 and article 203299912): new = first MRR, reactivation =
MRR again after having had it, expansion/contraction = up/down while paying, churn = to zero; cancelling one of
several subscriptions is contraction, not churn. The bridge identity start + new + expansion + reactivation -
contraction - churn = end is checked on random subscription frames against a brute-force month-end snapshot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary.engine_subscriptions import EngineSubscriptions


class mrr:
    """The MRR aggregates of a cleaned-subscriptions frame, computed by DuckDB through `EngineSubscriptions` (the
    one implementation every engine runs)."""

    @staticmethod
    def mrr_bridge(frame, end):
        return EngineSubscriptions.from_frame(frame, end).bridge(end)

    @staticmethod
    def mrr_changes(frame, end):
        return EngineSubscriptions.from_frame(frame, end).changes(end)

    @staticmethod
    def customer_mrr(frame, end, month=None):
        return EngineSubscriptions.from_frame(frame, end).current_mrr(end, month)

    @staticmethod
    def revenue_retention(frame, end, window_months=12):
        return EngineSubscriptions.from_frame(frame, end).retention(end, window_months)


def subs(rows):
    """Build a cleaned-subscriptions frame from (customer, start, end or None, mrr[, plan]) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date", "mrr", "plan"][: len(rows[0])])
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame["mrr"] = frame["mrr"].astype(float)
    frame["subscription_id"] = [f"s{i}" for i in range(len(frame))]
    if "plan" not in frame:
        frame["plan"] = "basic"
    return frame


def brute_force_snapshots(frame: pd.DataFrame, observation_end: str) -> pd.DataFrame:
    """Customer x month-end MRR by looping over months (the definition, written out)."""
    end = pd.Timestamp(observation_end)
    first = frame["start_date"].min().to_period("M")
    last = (end + pd.Timedelta(days=1)).to_period("M") - 1
    out = {}
    for month in pd.period_range(first, last, freq="M"):
        month_end = month.end_time.normalize()
        ends = frame["end_date"].where(frame["end_date"] <= end)  # an end after the observation end is unknown
        active = (frame["start_date"] <= month_end) & (ends.isna() | (ends > month_end))
        out[month] = frame[active].groupby("customer_id")["mrr"].sum()
    return pd.DataFrame(out).fillna(0.0).reindex(sorted(frame["customer_id"].unique())).fillna(0.0)


def test_hand_computed_movements():
    # a: 10/month from 10 Jan, upgraded to 20 on 10 Mar (plan change: one segment ends, the next starts that day)
    # b: 5/month from 15 Jan, cancelled effective 15 Feb -> in MRR at end of Jan only
    # c: 7/month 1 Feb..20 Mar, back on 1 May -> new Feb, churn Mar, reactivation May
    frame = subs([("a", "2024-01-10", "2024-03-10", 10), ("a", "2024-03-10", None, 20),
                  ("b", "2024-01-15", "2024-02-15", 5),
                  ("c", "2024-02-01", "2024-03-20", 7), ("c", "2024-05-01", None, 7)])
    bridge = mrr.mrr_bridge(frame, "2024-06-30")
    assert list(bridge.index.astype(str)) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    # Jan: new 10 + 5 = 15; Feb: new 7, churn 5 -> 15 + 7 - 5 = 17; Mar: expansion 20 - 10 = 10, churn 7 -> 20
    # Apr: nothing; May: reactivation 7 -> 27; Jun: nothing
    assert bridge["new"].tolist() == [15, 7, 0, 0, 0, 0]
    assert bridge["expansion"].tolist() == [0, 0, 10, 0, 0, 0]
    assert bridge["churn"].tolist() == [0, 5, 7, 0, 0, 0]
    assert bridge["reactivation"].tolist() == [0, 0, 0, 0, 7, 0]
    assert bridge["contraction"].tolist() == [0] * 6
    assert bridge["end_mrr"].tolist() == [15, 17, 20, 20, 27, 27]
    assert bridge["start_mrr"].tolist() == [0, 15, 17, 20, 20, 27]
    assert bridge["end_customers"].tolist() == [2, 2, 1, 1, 2, 2]
    assert bridge["churned_customers"].tolist() == [0, 1, 1, 0, 0, 0]

    changes = mrr.mrr_changes(frame, "2024-06-30")
    assert list(zip(changes["customer_id"], changes["month"].astype(str), changes["movement"].astype(str))) == [
        ("a", "2024-01", "new"), ("a", "2024-03", "expansion"), ("b", "2024-01", "new"), ("b", "2024-02", "churn"),
        ("c", "2024-02", "new"), ("c", "2024-03", "churn"), ("c", "2024-05", "reactivation")]
    assert (changes["amount"] == (changes["mrr_after"] - changes["mrr_before"]).abs()).all()


def test_cancelling_one_of_two_subscriptions_is_contraction_and_same_price_plan_change_is_no_movement():
    frame = subs([("a", "2024-01-01", "2024-02-10", 30), ("a", "2024-01-01", None, 20),
                  # plan change at the same price on 5 Mar: no movement at all
                  ("b", "2024-01-01", "2024-03-05", 50), ("b", "2024-03-05", None, 50),
                  # downgrade 50 -> 40 on 10 Apr
                  ("c", "2024-01-01", "2024-04-10", 50), ("c", "2024-04-10", None, 40)])
    changes = mrr.mrr_changes(frame, "2024-04-30")
    a = changes[changes["customer_id"] == "a"]
    assert a["movement"].astype(str).tolist() == ["new", "contraction"]  # 50 -> 20, still paying: contraction
    assert a["amount"].tolist() == [50, 30]
    assert changes[changes["customer_id"] == "b"]["movement"].astype(str).tolist() == ["new"]
    c = changes[changes["customer_id"] == "c"]
    assert c["movement"].astype(str).tolist() == ["new", "contraction"] and c["amount"].tolist() == [50, 10]


def test_subscription_within_one_month_never_counts_and_future_end_is_active():
    frame = subs([("a", "2024-02-03", "2024-02-25", 99),  # starts and ends inside February: no month-end MRR
                  ("b", "2024-01-01", "2024-09-01", 10)])  # ends after the observation end: still active then
    bridge = mrr.mrr_bridge(frame, "2024-03-31")
    assert bridge["new"].sum() == 10 and bridge["churn"].sum() == 0
    assert bridge["end_mrr"].iloc[-1] == 10


def test_partial_last_month_is_not_in_the_bridge():
    frame = subs([("a", "2024-01-01", "2024-03-10", 10)])
    bridge = mrr.mrr_bridge(frame, "2024-03-15")  # March is incomplete on 15 March
    assert bridge.index[-1] == pd.Period("2024-02", "M")
    assert bridge["churn"].sum() == 0
    assert mrr.mrr_bridge(frame, "2024-03-31")["churn"].sum() == 10


def test_customer_mrr_snapshot():
    frame = subs([("a", "2024-01-10", "2024-03-10", 10), ("a", "2024-03-10", None, 20),
                  ("b", "2024-01-15", "2024-02-15", 5)])
    assert mrr.customer_mrr(frame, "2024-06-30", "2024-02").to_dict() == {"a": 10.0, "b": 0.0}
    assert mrr.customer_mrr(frame, "2024-06-30").to_dict() == {"a": 20.0, "b": 0.0}
    assert mrr.customer_mrr(frame, "2024-06-30", "2023-12").to_dict() == {"a": 0.0, "b": 0.0}
    with pytest.raises(ParamsError):
        mrr.customer_mrr(frame, "2024-06-30", "2024-07")


def test_revenue_retention_hand_computed():
    # Base month Jan (window 2): a 100, b 50, c 10 -> base 160, 3 customers.
    # Mar: a expanded to 150, b contracted to 30, c churned, d is new (excluded).
    # NRR = (150 + 30 + 0) / 160 = 1.125; GRR = (min(150,100) + min(30,50) + 0) / 160 = 130 / 160 = 0.8125
    frame = subs([("a", "2024-01-01", "2024-03-01", 100), ("a", "2024-03-01", None, 150),
                  ("b", "2024-01-01", "2024-03-01", 50), ("b", "2024-03-01", None, 30),
                  ("c", "2024-01-01", "2024-02-15", 10),
                  ("d", "2024-03-01", None, 500)])
    rr = mrr.revenue_retention(frame, "2024-03-31", window_months=2)
    assert len(rr) == 1 and rr.index[0] == pd.Period("2024-03", "M")
    row = rr.iloc[0]
    assert row["base_customers"] == 3 and row["base_mrr"] == 160
    assert row["nrr"] == pytest.approx(180 / 160)
    assert row["grr"] == pytest.approx(130 / 160)
    assert row["logo_retention"] == pytest.approx(2 / 3)
    assert mrr.revenue_retention(frame, "2024-03-31", window_months=12).empty


def test_contract_violations_raise_data_error():
    frame = subs([("a", "2024-01-10", None, 10)])
    with pytest.raises(DataError, match="mrr"):
        mrr.mrr_bridge(frame.drop(columns="mrr"), "2024-03-31")
    with pytest.raises(DataError, match="negative"):
        mrr.mrr_bridge(frame.assign(mrr=-1.0), "2024-03-31")
    with pytest.raises(DataError, match="end before they start"):
        mrr.mrr_bridge(frame.assign(end_date=pd.Timestamp("2024-01-01")), "2024-03-31")
    with pytest.raises(DataError, match="no subscription starts"):
        mrr.mrr_bridge(frame, "2023-12-31")


@st.composite
def subscription_frames(draw):
    n = draw(st.integers(1, 40))
    rows = []
    base = pd.Timestamp("2023-01-01")
    for _ in range(n):
        customer = draw(st.sampled_from("abcdefgh"))
        start = base + pd.Timedelta(days=draw(st.integers(0, 500)))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        end = None if length is None else start + pd.Timedelta(days=length)
        price = draw(st.sampled_from([0.0, 9.99, 10.0, 25.5, 100.0, 1 / 3]))
        rows.append((customer, start, end, price))
    return subs(rows)


@settings(max_examples=15, deadline=None)
@given(frame=subscription_frames(), end_offset=st.integers(30, 700))
def test_bridge_identity_and_snapshots_match_brute_force(frame, end_offset):
    observation_end = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=end_offset)).strftime("%Y-%m-%d")
    snapshots = brute_force_snapshots(frame[frame["start_date"] <= observation_end], observation_end) \
        if (frame["start_date"] <= observation_end).any() else None
    try:
        bridge = mrr.mrr_bridge(frame, observation_end)
    except DataError:
        # only legitimate when no customer ever has MRR > 0 at a complete month end
        assert snapshots is None or (snapshots.to_numpy() <= 0).all()
        return
    movements = bridge["new"] + bridge["expansion"] + bridge["reactivation"] - bridge["contraction"] - bridge["churn"]
    np.testing.assert_allclose(bridge["start_mrr"] + movements, bridge["end_mrr"], atol=1e-9)
    np.testing.assert_allclose(bridge["start_mrr"].iloc[1:].to_numpy(), bridge["end_mrr"].iloc[:-1].to_numpy())
    expected = snapshots.sum(axis=0).reindex(bridge.index, fill_value=0.0)
    np.testing.assert_allclose(bridge["end_mrr"].to_numpy(), expected.to_numpy(), atol=1e-9)
    paying = (snapshots > 1e-9).sum(axis=0).reindex(bridge.index, fill_value=0)
    assert bridge["end_customers"].tolist() == paying.tolist()
    counts = bridge["new_customers"] + bridge["reactivated_customers"] - bridge["churned_customers"]
    assert (bridge["start_customers"] + counts == bridge["end_customers"]).all()
    # new customers: each paying customer is new exactly once, in the month of their first positive snapshot
    ever = snapshots.loc[:, snapshots.columns.isin(bridge.index)]
    first_paid = (ever > 1e-9).idxmax(axis=1)[(ever > 1e-9).any(axis=1)]
    assert bridge["new_customers"].sum() == len(first_paid)
    assert bridge["new_customers"].to_dict() == first_paid.value_counts().reindex(bridge.index, fill_value=0).to_dict()
    # the per-customer snapshot agrees with the brute force in the last month
    last = mrr.customer_mrr(frame, observation_end)
    np.testing.assert_allclose(last.reindex(snapshots.index, fill_value=0.0).to_numpy(),
                               snapshots[bridge.index[-1]].to_numpy(), atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(frame=subscription_frames(), end_offset=st.integers(60, 700), window=st.integers(1, 4))
def test_revenue_retention_matches_brute_force(frame, end_offset, window):
    observation_end = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=end_offset)).strftime("%Y-%m-%d")
    try:
        retention = mrr.revenue_retention(frame, observation_end, window_months=window)
    except DataError:
        return
    snapshots = brute_force_snapshots(frame[frame["start_date"] <= observation_end], observation_end)
    for month, row in retention.iterrows():
        base, now = snapshots[month - window], snapshots[month]
        held = base > 1e-9
        assert row["base_customers"] == held.sum()
        assert row["base_mrr"] == pytest.approx(base[held].sum(), abs=1e-9)
        assert row["retained_mrr"] == pytest.approx(now[held].sum(), abs=1e-9)
        assert row["retained_mrr_capped"] == pytest.approx(np.minimum(now, base)[held].sum(), abs=1e-9)
        assert row["retained_customers"] == (now[held] > 1e-9).sum()
        if held.any() and base[held].sum() > 0:
            assert row["grr"] <= 1.0

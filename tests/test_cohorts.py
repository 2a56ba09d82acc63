"""Acquisition-month cohort frames and triangles (clv_lib.summary.cohorts).

The small fixture's triangles are computed by hand below; a random data set is checked against an independent,
loop-free pandas groupby of the same definition; the subscription cells against month-end MRR snapshots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary import cohorts as triangles
from clv_lib.summary.engine_orders import EngineOrders
from clv_lib.summary.engine_subscriptions import EngineSubscriptions


class cohorts:
    """Cohort cells of cleaned frames, computed by DuckDB through the one implementation (`EngineOrders`,
    `EngineSubscriptions`); the triangles are `clv_lib.summary.cohorts`'."""

    logo_triangle = staticmethod(triangles.logo_triangle)
    revenue_triangle = staticmethod(triangles.revenue_triangle)
    cumulative_value_triangle = staticmethod(triangles.cumulative_value_triangle)
    cohort_payback = staticmethod(triangles.cohort_payback)

    @staticmethod
    def order_cohort_cells(frame, end, by=None):
        return EngineOrders.from_frame(frame).cohort_cells(end, by=by)

    @staticmethod
    def subscription_cohort_cells(frame, end):
        return EngineSubscriptions.from_frame(frame, end).cohort_cells(end)

from tests.test_mrr import brute_force_snapshots, subs


def orders_frame(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "channel"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = [f"o{i}" for i in range(len(frame))]
    return frame


# a: Jan 5 (10), Feb 10 (20), Apr 3 (1)      -> cohort 2024-01, active in months 0, 1, 3
# b: Jan 20 (5), Mar 1 (5)                   -> cohort 2024-01, active in months 0, 2
# c: Feb 2 (7)                               -> cohort 2024-02, active in month 0
ORDERS = orders_frame([("a", "2024-01-05", 10.0, "ads"), ("a", "2024-02-10", 20.0, "email"),
                       ("b", "2024-01-20", 5.0, "seo"), ("b", "2024-03-01", 5.0, "seo"),
                       ("c", "2024-02-02", 7.0, "ads"), ("a", "2024-04-03", 1.0, "ads")])


def test_cells_hand_computed():
    cells = cohorts.order_cohort_cells(ORDERS, "2024-03-31")  # April is after the end: a's last order ignored
    assert cells["cohort"].astype(str).tolist() == ["2024-01"] * 3 + ["2024-02"] * 2  # Feb cohort: months 0, 1
    assert cells["months_since"].tolist() == [0, 1, 2, 0, 1]
    assert cells["customers"].tolist() == [2, 2, 2, 1, 1]
    assert cells["active_customers"].tolist() == [2, 1, 1, 1, 0]
    assert cells["orders"].tolist() == [2, 1, 1, 1, 0]
    assert cells["revenue"].tolist() == [15.0, 20.0, 5.0, 7.0, 0.0]


def test_triangles_hand_computed():
    cells = cohorts.order_cohort_cells(ORDERS, "2024-03-31")
    logo = cohorts.logo_triangle(cells)
    # Jan cohort: 2/2, 1/2, 1/2 ; Feb cohort: 1/1, 0/1, (March+1 = not observed)
    np.testing.assert_allclose(logo.values.loc[pd.Period("2024-01", "M")].to_numpy(), [1.0, 0.5, 0.5])
    assert logo.values.loc[pd.Period("2024-02", "M"), 1] == 0.0
    assert np.isnan(logo.values.loc[pd.Period("2024-02", "M"), 2])
    assert not logo.defined.loc[pd.Period("2024-02", "M"), 2]
    # pooled average: month 1 = (1 + 0) / (2 + 1); month 2 = 1 / 2 (only the Jan cohort is observed that long)
    np.testing.assert_allclose(logo.average().to_numpy(), [1.0, 1 / 3, 0.5])

    revenue = cohorts.revenue_triangle(cells)
    # Jan cohort month-0 revenue 10 + 5 = 15: months 1, 2 -> 20/15, 5/15
    np.testing.assert_allclose(revenue.values.loc[pd.Period("2024-01", "M")].to_numpy(), [1.0, 20 / 15, 5 / 15])

    value = cohorts.cumulative_value_triangle(cells, gross_margin=0.5)
    # Jan cohort, 2 customers, margin 50 %: 15*0.5/2 = 3.75; +20*0.5/2 = 8.75; +5*0.5/2 = 10.0
    np.testing.assert_allclose(value.values.loc[pd.Period("2024-01", "M")].to_numpy(), [3.75, 8.75, 10.0])
    payback = cohorts.cohort_payback(value, cac=6.0)
    jan, feb = payback.iloc[0], payback.iloc[1]
    assert jan["paid_back"] and jan["payback_month"] == 1  # 3.75 < 6 <= 8.75
    assert not feb["paid_back"] and pd.isna(feb["payback_month"])  # 3.5, 3.5 never reach 6
    assert feb["months_observed"] == 2 and feb["value_to_date"] == 3.5


def test_long_form_has_no_missing_values_and_matches_mask():
    cells = cohorts.order_cohort_cells(ORDERS, "2024-03-31")
    for triangle in (cohorts.logo_triangle(cells), cohorts.revenue_triangle(cells),
                     cohorts.cumulative_value_triangle(cells)):
        long = triangle.long()
        assert not long.isna().any().any()
        assert len(long) == int(triangle.defined.to_numpy().sum())
        assert triangle.values.isna().equals(~triangle.defined)


def test_partial_month_is_excluded_and_completed_month_included():
    mid = cohorts.order_cohort_cells(ORDERS, "2024-04-15")  # April incomplete
    assert mid.equals(cohorts.order_cohort_cells(ORDERS, "2024-03-31"))
    full = cohorts.order_cohort_cells(ORDERS, "2024-04-30")
    jan3 = full[(full["cohort"] == pd.Period("2024-01", "M")) & (full["months_since"] == 3)].iloc[0]
    assert jan3["active_customers"] == 1 and jan3["revenue"] == 1.0


def test_by_channel_uses_first_order_channel_and_cac_per_channel():
    cells = cohorts.order_cohort_cells(ORDERS, "2024-03-31", by="channel")
    assert set(cells["channel"]) == {"ads", "seo"}  # a's second order came by email: a stays "ads"
    ads_jan = cells[(cells["channel"] == "ads") & (cells["cohort"] == pd.Period("2024-01", "M"))]
    assert ads_jan["revenue"].tolist() == [10.0, 20.0, 0.0]
    value = cohorts.cumulative_value_triangle(cells)
    payback = cohorts.cohort_payback(value, {"ads": 25.0})  # seo has no CAC: left out
    assert payback["channel"].tolist() == ["ads", "ads"]
    assert payback["payback_month"].tolist()[0] == 1  # 10, 30 -> reaches 25 in month 1
    with pytest.raises(ParamsError):
        cohorts.cohort_payback(cohorts.cumulative_value_triangle(cohorts.order_cohort_cells(ORDERS, "2024-03-31")),
                               {"ads": 1.0})


def test_random_orders_match_independent_groupby():
    rng = np.random.default_rng(7)
    n = 5_000
    frame = pd.DataFrame({
        "customer_id": rng.integers(0, 700, n).astype(str),
        "order_date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 800, n), unit="D"),
        "amount": rng.gamma(2.0, 20.0, n).round(2),
    })
    end = "2023-11-20"
    cells = cohorts.order_cohort_cells(frame, end)

    kept = frame[frame["order_date"] <= end].copy()
    kept["month"] = kept["order_date"].dt.to_period("M")
    kept["cohort"] = kept.groupby("customer_id")["month"].transform("min")
    last = pd.Period("2023-10", "M")
    kept = kept[kept["month"] <= last]
    kept["months_since"] = (kept["month"] - kept["cohort"]).apply(lambda offset: offset.n)
    expected = kept.groupby(["cohort", "months_since"]).agg(
        active_customers=("customer_id", "nunique"), orders=("amount", "size"), revenue=("amount", "sum"))
    got = cells.set_index(["cohort", "months_since"])
    sizes = kept.groupby("cohort")["customer_id"].nunique()
    assert got.groupby(level="cohort")["customers"].first().to_dict() == sizes.to_dict()
    assert (got.loc[expected.index, "active_customers"] == expected["active_customers"]).all()
    assert (got.loc[expected.index, "orders"] == expected["orders"]).all()
    np.testing.assert_allclose(got.loc[expected.index, "revenue"], expected["revenue"])
    # every other observed cell is a true zero, and nothing beyond the last complete month
    others = got.drop(index=expected.index)
    assert (others[["active_customers", "orders", "revenue"]] == 0).all().all()
    assert ((got.index.get_level_values("cohort") + got.index.get_level_values("months_since")) <= last).all()
    assert len(got) == sum(last.ordinal - c.ordinal + 1 for c in sizes.index)


def test_subscription_cells_match_snapshots():
    frame = subs([("a", "2024-01-10", "2024-03-10", 10), ("a", "2024-03-10", None, 20),
                  ("b", "2024-01-15", "2024-02-15", 5),
                  ("c", "2024-02-01", "2024-03-20", 7), ("c", "2024-05-01", None, 7)])
    cells = cohorts.subscription_cohort_cells(frame, "2024-06-30")
    snap = brute_force_snapshots(frame, "2024-06-30")
    cohort_of = (snap > 0).idxmax(axis=1)
    for _, cell in cells.iterrows():
        month = cell["cohort"] + cell["months_since"]
        members = cohort_of[cohort_of == cell["cohort"]].index
        assert cell["customers"] == len(members)
        assert cell["active_customers"] == int((snap.loc[members, month] > 0).sum())
        assert cell["mrr"] == pytest.approx(snap.loc[members, month].sum())
    # Jan cohort (a, b): MRR 15 -> 10 -> 20: revenue retention 1, 2/3, 4/3
    retention = cohorts.revenue_triangle(cells)
    np.testing.assert_allclose(retention.values.loc[pd.Period("2024-01", "M")].to_numpy()[:3], [1, 10 / 15, 20 / 15])


def test_errors():
    with pytest.raises(DataError, match="amount"):
        cohorts.order_cohort_cells(ORDERS.drop(columns="amount"), "2024-03-31")
    with pytest.raises(DataError, match="complete month"):
        cohorts.order_cohort_cells(ORDERS, "2024-01-20")
    with pytest.raises(DataError, match="missing"):
        cohorts.order_cohort_cells(ORDERS.assign(amount=[1.0, np.nan, 1, 1, 1, 1]), "2024-03-31")
    with pytest.raises(ParamsError):
        cohorts.cumulative_value_triangle(cohorts.order_cohort_cells(ORDERS, "2024-03-31"), gross_margin=1.5)
    with pytest.raises(ParamsError):
        cohorts.order_cohort_cells(ORDERS, "not a date")


def test_cdnow_sample_cohorts_follow_the_sample_design():
    # tests/data/README.md: 6,919 purchase records of the 2,357 customers who made their first purchase in the first
    # quarter of 1997, followed to 30 June 1998 (Fader, Hardie & Lee 2005).
    from pathlib import Path

    raw = pd.read_csv(Path(__file__).parent / "data" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"customer_id": str})
    orders = pd.DataFrame({"customer_id": raw["customer_id"], "order_id": raw.index.astype(str),
                           "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                           "amount": raw["amount"].astype(float)})
    cells = cohorts.order_cohort_cells(orders, "1998-06-30")
    sizes = cells.groupby("cohort")["customers"].first()
    assert sizes.index.astype(str).tolist() == ["1997-01", "1997-02", "1997-03"]
    assert sizes.sum() == 2357
    assert cells["orders"].sum() == 6919
    assert cells["revenue"].sum() == pytest.approx(raw["amount"].sum())
    assert cells["months_since"].max() == 17  # January 1997 to June 1998
    logo = cohorts.logo_triangle(cells)
    assert (logo.values[0] == 1.0).all()
    later = logo.long()
    assert (later.loc[later["months_since"] > 0, "value"] < 0.5).all()  # most never buy again in a given month
    assert len(later) == 18 + 17 + 16

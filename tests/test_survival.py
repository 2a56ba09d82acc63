"""Kaplan-Meier survival (clv_lib.summary.survival) and subscription tenure with censoring (clv_lib.summary.tenure).

Reference data: the 6-MP leukaemia remission trial, Freireich et al. (1963), Blood 21:699-716 - remission length in
weeks of 21 patients on 6-mercaptopurine (12 censored) and 21 on placebo (none censored), as listed in
Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text" (3rd ed., 2012), chapter 2, and in Cox & Oakes (1984)
Table 1.1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.summary import survival, tenure
from tests.test_mrr import subs

# (weeks, relapsed) - a "+" in the textbook is relapsed = False (censored)
SIX_MP = [(6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True), (10, False), (11, False),
          (13, True), (16, True), (17, False), (19, False), (20, False), (22, True), (23, True), (25, False),
          (32, False), (32, False), (34, False), (35, False)]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_six_mp_arm_matches_published_kaplan_meier():
    weeks, relapsed = zip(*SIX_MP)
    curve = survival.kaplan_meier(weeks, relapsed)
    at_events = curve[curve["events"] > 0].set_index("time")
    assert at_events.index.tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert at_events["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert at_events["events"].tolist() == [3, 1, 1, 1, 1, 1, 1]
    # Kleinbaum & Klein (2012), ch. 2, KM table of group 1: S = 18/21, x16/17, x14/15, x11/12, x10/11, x6/7, x5/6
    published = [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482]
    np.testing.assert_allclose(at_events["survival"], published, atol=5e-5)
    # Greenwood standard errors of the same arm as printed by R survival::survfit (std.err column)
    np.testing.assert_allclose(at_events["std_error"], [0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346],
                               atol=5e-5)
    # censored-only times keep S flat and shrink the risk set: 9+ -> at risk at 10 is 17 - 1 (relapse at 7) - 1 = 15
    nine = curve.set_index("time").loc[9]
    assert nine["events"] == 0 and nine["censored"] == 1 and nine["survival"] == pytest.approx(0.8067, abs=5e-5)
    # tie at 6: three relapses and one censoring; the censored patient is at risk at 6 (events before censoring)
    six = curve.set_index("time").loc[6]
    assert six["at_risk"] == 21 and six["censored"] == 1
    assert curve.iloc[0].to_dict() == {"time": 0, "at_risk": 21, "events": 0, "censored": 0, "survival": 1.0,
                                       "std_error": 0.0, "lower": 1.0, "upper": 1.0}
    assert survival.median_survival(curve).iloc[0]["median"] == 23  # first S <= 0.5: 0.4482 at 23 weeks


def test_placebo_arm_matches_stata_sts_list_and_cox_oakes():
    curve = survival.kaplan_meier(PLACEBO, [True] * 21).set_index("time")
    # Stata `sts list, by(group)` on the Gehan data, control arm (G. Rodriguez, Princeton WWS 509, "The Gehan
    # Survival Data", data.princeton.edu/pop509/gehan.html): log-log 95 % limits
    assert curve.loc[1, ["survival", "std_error", "lower", "upper"]].tolist() == pytest.approx(
        [0.9048, 0.0641, 0.6700, 0.9753], abs=5e-5)
    assert curve.loc[2, ["survival", "std_error", "lower", "upper"]].tolist() == pytest.approx(
        [0.8095, 0.0857, 0.5689, 0.9239], abs=5e-5)
    # Cox & Oakes (1984) Table 1.1 control arm: S(10) = 8/21 = 0.381 with se 0.106 (no censoring: binomial se)
    s10 = survival.survival_at(curve.reset_index(), [10]).iloc[0]
    assert s10["survival"] == pytest.approx(8 / 21)
    assert curve.loc[8, "std_error"] == pytest.approx(0.106, abs=5e-4)
    # the last patient relapses at 23: S = 0, interval collapses to 0 (no NaN)
    assert curve.loc[23, ["survival", "std_error", "lower", "upper"]].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert not curve.isna().any().any()
    assert survival.median_survival(curve.reset_index()).iloc[0]["median"] == 8  # 8/21 <= 0.5 first at 8


def test_groups_give_one_curve_each_and_match_separate_fits():
    weeks = [w for w, _ in SIX_MP] + PLACEBO
    events = [e for _, e in SIX_MP] + [True] * 21
    groups = ["6-MP"] * 21 + ["placebo"] * 21
    both = survival.kaplan_meier(weeks, events, groups=groups)
    assert both["group"].unique().tolist() == ["6-MP", "placebo"]
    alone = survival.kaplan_meier(PLACEBO, [True] * 21)
    pd.testing.assert_frame_equal(both[both["group"] == "placebo"].drop(columns="group").reset_index(drop=True), alone)
    medians = survival.median_survival(both)
    assert medians["median"].tolist() == [23, 8] and medians["reached"].tolist() == [True, True]


def test_median_not_reached_and_projection_comparison():
    curve = survival.kaplan_meier([1, 2, 3, 3, 3, 3], [True, False, False, False, False, False])
    median = survival.median_survival(curve).iloc[0]
    assert not median["reached"] and pd.isna(median["median"]) and median["longest_observed"] == 3
    projected = pd.Series({1: 0.9, 2: 0.8, 3: 0.75, 4: 0.7})  # 4 is beyond the data: dropped
    comparison = survival.compare_projection(curve, projected)
    assert comparison["time"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(comparison["observed"], [5 / 6, 5 / 6, 5 / 6])
    np.testing.assert_allclose(comparison["difference"], [0.9 - 5 / 6, 0.8 - 5 / 6, 0.75 - 5 / 6])


def test_bad_inputs():
    with pytest.raises(DataError):
        survival.kaplan_meier([1, -2], [True, True])
    with pytest.raises(DataError):
        survival.kaplan_meier([1, 2], [True])
    with pytest.raises(ParamsError):
        survival.kaplan_meier([1, 2], [True, True], conf_level=95)


# ---------------------------------------------------------------------------------------------- tenure

def test_whole_months_anniversaries():
    days = lambda *dates: pd.to_datetime(list(dates)).values.astype("datetime64[D]").view(np.int64)  # noqa: E731
    start = days("2024-01-15", "2024-01-31", "2023-01-31", "2024-01-31", "2024-03-31", "2024-01-15")
    end = days("2024-02-14", "2024-02-29", "2023-02-28", "2024-02-28", "2024-04-30", "2025-01-15")
    # 15 Jan -> 14 Feb: no anniversary yet; 31 Jan -> 29 Feb 2024 (leap): last day = anniversary;
    # 31 Jan -> 28 Feb 2023: anniversary; 31 Jan -> 28 Feb 2024: not yet (29th is); 31 Mar -> 30 Apr: anniversary;
    # 15 Jan 2024 -> 15 Jan 2025: 12
    assert tenure.whole_months(start, end).tolist() == [0, 1, 1, 0, 1, 12]


def test_tenure_conventions_for_sbg():
    frame = subs([
        ("lost_at_first_renewal", "2024-01-15", "2024-02-15", 10),  # paid one period -> tenure 1, churned
        ("cancel_mid_second", "2024-01-15", "2024-02-20", 10),  # renewed on 15 Feb, left 20 Feb -> 2
        ("active", "2024-01-15", None, 10),  # anniversaries 15 Feb..15 May <= 31 May -> 4, censored
        ("upgraded", "2024-01-10", "2024-03-10", 10), ("upgraded", "2024-03-10", None, 20),  # one spell: 4
        ("gap", "2024-01-01", "2024-03-01", 10), ("gap", "2024-03-02", None, 10),  # 1-day gap: churned at 2
        ("new", "2024-05-20", None, 10),  # first period still running -> 0, censored
        ("ends_later", "2024-01-15", "2024-07-15", 10),  # end after the observation end: still active -> 4
        ("free", "2024-01-01", None, 0.0),  # never paid: not a customer here
    ])
    out = tenure.subscription_tenure(frame, "2024-05-31")
    assert "free" not in out.index
    expected = {"lost_at_first_renewal": (1, True), "cancel_mid_second": (2, True), "active": (4, False),
                "upgraded": (4, False), "gap": (2, True), "new": (0, False), "ends_later": (4, False)}
    assert {k: (int(r.tenure), bool(r.churned)) for k, r in out.iterrows()} == expected
    assert out.loc["gap", "reactivated"] and not out.loc["active", "reactivated"]
    assert out.loc["gap", "end_date"] == pd.Timestamp("2024-03-01")
    assert pd.isna(out.loc["active", "end_date"])
    assert out.loc["upgraded", "cohort"] == pd.Period("2024-01", "M")
    # annual periods: a customer churned after 14 months began 2 years; an active one 4 months in has 0 renewals
    annual = tenure.subscription_tenure(subs([("a", "2023-01-01", "2024-03-01", 120), ("b", "2024-01-01", None, 99)]),
                                        "2024-05-31", period_months=12)
    assert annual["tenure"].tolist() == [2, 0] and annual["churned"].tolist() == [True, False]


def test_tenure_feeds_survival_by_plan():
    frame = subs([("a", "2024-01-01", "2024-02-01", 10, "basic"), ("b", "2024-01-01", "2024-03-01", 10, "basic"),
                  ("c", "2024-01-01", None, 30, "pro"), ("d", "2024-01-01", "2024-02-01", 30, "pro")])
    out = tenure.subscription_tenure(frame, "2024-04-30")
    assert out["tenure"].tolist() == [1, 2, 3, 1]
    curves = survival.tenure_survival(out, by="plan")
    basic = curves[curves["plan"] == "basic"].set_index("time")["survival"]
    pro = curves[curves["plan"] == "pro"].set_index("time")["survival"]
    assert basic.to_dict() == {0: 1.0, 1: 0.5, 2: 0.0}
    assert pro.to_dict() == {0: 1.0, 1: 0.5, 3: 0.5}  # c censored at 3

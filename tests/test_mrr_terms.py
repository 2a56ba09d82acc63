"""The MRR conventions of params `data.mrr` (past due, cancellation, one-time discounts) and coupons, each on a
small export whose month-end MRR is counted by hand in the test. Observation end 2025-06-30."""

from __future__ import annotations

import pandas as pd
import pytest

from clv_lib.params.schema import MrrConventions
from clv_lib.summary.engine_subscriptions import EngineSubscriptions
from test_mrr_seats import _clean

HEADERS = ["id", "Customer ID", "Product", "Quantity", "Interval", "Amount", "Status", "Created (UTC)",
           "Ended At (UTC)", "Canceled At (UTC)", "Current Period Start (UTC)", "Cancel At Period End", "Coupon"]
COUPONS = {"FRIENDS20": {"percent_off": 20, "duration": "forever"},
           "LAUNCH50": {"percent_off": 50, "duration": "repeating", "duration_months": 3},
           "WELCOME10": {"amount_off": 10, "duration": "once"},
           "YEAR120": {"amount_off": 120, "duration": "once"}}
ROWS = [  # id, customer, product, seats, interval, amount, status, created, ended, canceled, period start, at end, coupon
    ["s1", "A", "Pro", "2", "month", "50", "active", "2025-01-10 09:00", "", "", "2025-06-10 09:00", "false",
     "FRIENDS20"],
    ["s2", "B", "Pro", "1", "month", "100", "active", "2025-01-10 09:00", "", "", "2025-06-10 09:00", "false",
     "LAUNCH50"],
    ["s3", "C", "Starter", "1", "month", "30", "active", "2025-02-01 09:00", "", "", "2025-06-01 09:00", "false",
     "welcome10"],
    ["s4", "D", "Pro", "1", "year", "1200", "active", "2025-03-03 09:00", "", "", "2025-03-03 09:00", "false",
     "YEAR120"],
    ["s5", "E", "Pro", "1", "month", "40", "active", "2025-01-05 09:00", "", "2025-03-05 09:00", "2025-06-05 09:00",
     "true", ""],
    ["s6", "F", "Pro", "1", "month", "60", "past_due", "2025-01-20 09:00", "", "", "2025-05-20 09:00", "false", ""],
    ["s7", "G", "Pro", "1", "month", "79", "active", "2025-04-15 09:00", "", "", "2025-06-15 09:00", "false", ""],
    ["s7", "G", "Extra storage", "2", "month", "5", "active", "2025-04-15 09:00", "", "", "2025-06-15 09:00", "false",
     ""],
    ["s8", "H", "Pro", "1", "month", "70", "active", "2025-01-12 09:00", "", "", "2025-06-12 09:00", "false",
     "SPRING"],
]
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]


def _mrr(conventions: dict) -> tuple[pd.DataFrame, dict]:
    """Month-end MRR per customer (customers x months) under `conventions`, and the ledger's rules."""
    result = _clean(ROWS, headers=HEADERS, mrr={"coupons": COUPONS, **conventions})
    source = EngineSubscriptions.from_frame(result.frame, "2025-06-30")
    table = pd.DataFrame({m: source.current_mrr("2025-06-30", month=m) for m in MONTHS}).round(4)
    return table, {r.rule: (r.treatment, r.rows) for r in result.ledger.records}


def test_default_conventions_by_hand():
    """A: 2 seats x 50 less 20 % forever = 80 from Jan.  B: 100 less 50 % for 3 months from 10 Jan = 50, then 100
    from 10 Apr.  C: 30, its once coupon left out.  D: yearly 1200 / 12 = 100 (once coupon left out).  E: cancelled on
    5 Mar at the period end, still running: 40.  F: past due, paying: 60.  G: two items of one subscription,
    79 + 2 x 5 = 89 from Apr.  H: coupon SPRING is not in the params: list price 70, and the ledger says so."""
    table, rules = _mrr({})
    expected = {"A": [80] * 6, "B": [50, 50, 50, 100, 100, 100], "C": [0, 30, 30, 30, 30, 30],
                "D": [0, 0, 100, 100, 100, 100], "E": [40] * 6, "F": [60] * 6, "G": [0, 0, 0, 89, 89, 89],
                "H": [70] * 6}
    assert table.to_dict("index") == {c: dict(zip(MONTHS, map(float, v))) for c, v in expected.items()}
    assert rules["recurring discount subtracted from MRR (coupon or discount column)"] == ("converted", 1)
    assert rules["repeating discount: discounted MRR for its months from the paying start, then the list price"] == \
        ("converted", 1)
    assert rules["one-time coupon left out of MRR (params data.mrr.one_time_discounts: ignore)"] == ("flagged", 2)
    assert rules["coupon not defined in params data.mrr.coupons (SPRING): MRR at list price"] == ("flagged", 1)
    # The bridge sees B's coupon running out as expansion in April, and keeps start + movements = end.
    result = _clean(ROWS, headers=HEADERS, mrr={"coupons": COUPONS})
    bridge = EngineSubscriptions.from_frame(result.frame, "2025-06-30").bridge("2025-06-30")
    assert bridge.loc[bridge.index.astype(str) == "2025-04", "expansion"].iloc[0] == pytest.approx(50.0)
    assert bridge.loc[bridge.index.astype(str) == "2025-04", "new"].iloc[0] == pytest.approx(89.0)


def test_the_other_conventions_by_hand():
    """immediate: E stops on 5 Mar (churn in March).  churned: F stops at the start of its unpaid period, 20 May.
    first_period: C pays 30 - 10 = 20 in its first month (Feb), 30 from 1 Mar; D pays (1200 - 120) / 12 = 90 for
    its first year (the whole window)."""
    table, rules = _mrr({"cancellation": "immediate", "past_due": "churned", "one_time_discounts": "first_period"})
    assert table.loc["E"].tolist() == [40, 40, 0, 0, 0, 0]
    assert table.loc["F"].tolist() == [60, 60, 60, 60, 0, 0]
    assert table.loc["C"].tolist() == [0, 20, 30, 30, 30, 30]
    assert table.loc["D"].tolist() == [0, 0, 90, 90, 90, 90]
    assert table.loc["A"].tolist() == [80] * 6
    assert rules["cancelled at once: MRR ends on the cancellation day (params data.mrr.cancellation: immediate)"] \
        == ("converted", 1)
    assert rules["past due counted as churned from its unpaid period (params data.mrr.past_due: churned)"] == \
        ("converted", 1)


def test_discount_columns_are_recurring_discounts():
    headers = ["customer", "start_date", "price", "interval", "seats", "percent_off", "amount_off"]
    result = _clean([["A", "2025-01-01", "100", "month", "3", "10", ""],  # 300 less 10 %
                     ["B", "2025-01-01", "1200", "year", "1", "", "240"],  # (1200 - 240) / 12
                     ["C", "2025-01-01", "20", "month", "1", "", "50"]],  # never below 0
                    headers=headers)
    assert result.frame.set_index("customer_id")["mrr"].round(4).to_dict() == {"A": 270.0, "B": 80.0, "C": 0.0}


def test_a_coupon_needs_its_value_and_a_valid_duration():
    with pytest.raises(ValueError, match="exactly one of percent_off or amount_off"):
        MrrConventions(coupons={"X": {"duration": "forever"}})
    with pytest.raises(ValueError, match="duration_months goes with duration: repeating"):
        MrrConventions(coupons={"X": {"percent_off": 10, "duration": "repeating"}})

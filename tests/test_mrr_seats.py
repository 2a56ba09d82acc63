"""MRR as billing tools compute it: price x quantity (seats) / interval months, seat changes as expansion and
contraction in the bridge, plans named as the client knows them. The bridge is checked movement by movement against
a small example counted by hand (below, in the test's docstring)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clv_lib.data.mapping import resolve_columns
from clv_lib.data.read import RawTable, SourceInfo
from clv_lib.data.subscriptions import clean_subscriptions
from clv_lib.params.schema import DataSpec
from clv_lib.summary.engine_subscriptions import EngineSubscriptions

STRIPE = ["id", "Customer ID", "Plan", "Product", "Quantity", "Interval", "Amount", "Status", "Created (UTC)",
          "Trial End (UTC)", "Ended At (UTC)"]


def _clean(rows, headers=STRIPE, observation_end="2025-06-30", **spec):
    frame = pd.DataFrame([[None if v == "" else v for v in r] for r in rows], columns=headers, dtype=object)
    raw = RawTable(frame, np.arange(len(rows), dtype="int64") + 2,
                   SourceInfo(Path("subs.csv"), "subs.csv", "csv", "0" * 64, headers=tuple(headers)))
    spec = DataSpec(path="subs.csv", **spec)
    mapping = resolve_columns(headers, "subscription", {}, "subs.csv")
    return clean_subscriptions(raw, mapping, spec, "EUR", "Europe/Rome", observation_end)


HAND = [  # id, customer, price id, product, seats, interval, amount, status, created, trial end, ended
    ["s1", "A", "price_1A", "Pro", "2", "month", "79.00", "canceled", "2025-01-10 09:00", "", "2025-03-15 10:00"],
    ["s2", "A", "price_1A", "Pro", "3", "month", "79.00", "active", "2025-03-15 10:00", "", ""],
    ["s3", "B", "price_1B", "Starter", "1", "year", "290.00", "canceled", "2025-01-20 09:00", "", "2025-04-05 11:00"],
    ["s4", "B", "price_1C", "Pro", "1", "year", "790.00", "active", "2025-04-05 11:00", "", ""],
    ["s5", "C", "price_1D", "Business", "4", "month", "199.00", "canceled", "2025-02-03 09:00", "", "2025-05-10 12:00"],
    ["s6", "C", "price_1D", "Business", "2", "month", "199.00", "canceled", "2025-05-10 12:00", "", "2025-06-12 12:00"],
    ["s7", "D", "price_1A", "Pro", "1", "month", "79.00", "canceled", "2025-02-01 09:00", "2025-02-15 09:00",
     "2025-03-20 09:00"],
    ["s8", "D", "price_1A", "Pro", "1", "month", "79.00", "past_due", "2025-05-02 09:00", "", ""],
    ["s9", "E", "price_1A", "Pro", "5", "month", "79.00", "canceled", "2025-03-01 09:00", "2025-03-15 09:00",
     "2025-03-10 09:00"],
    ["s10", "F", "price_1E", "Starter", "", "month", "29.00", "active", "2025-06-01 09:00", "", ""],
]


def test_seats_and_plan_changes_in_the_bridge_match_the_hand_count():
    """Hand count, month-end MRR per customer (EUR):

    A: 2 seats x 79 from 10 Jan = 158 (new, Jan); 3 seats from 15 Mar = 237 (expansion +79, Mar).
    B: Starter yearly 290 / 12 = 24.1667 from 20 Jan (new, Jan); Pro yearly 790 / 12 = 65.8333 from 5 Apr
       (expansion +41.6667, Apr).
    C: 4 seats x 199 = 796 from 3 Feb (new, Feb); 2 seats = 398 from 10 May (contraction -398, May); ends 12 Jun
       (churn -398, Jun).
    D: trial to 15 Feb, then 79 (new, Feb); ends 20 Mar (churn -79, Mar); back on 2 May, past due but paying
       (reactivation +79, May).
    E: cancelled during the trial: never paid.  F: empty quantity = 1 seat x 29 from 1 Jun (new, Jun).

    month  start     new      expansion reactivation contraction churn  end
    Jan    0         182.1667 0         0            0           0      182.1667
    Feb    182.1667  875      0         0            0           0      1057.1667
    Mar    1057.1667 0        79        0            0           79     1057.1667
    Apr    1057.1667 0        41.6667   0            0           0      1098.8333
    May    1098.8333 0        0         79           398         0      779.8333
    Jun    779.8333  29       0         0            0           398    410.8333
    """
    result = _clean(HAND)
    bridge = EngineSubscriptions.from_frame(result.frame, "2025-06-30").bridge("2025-06-30")
    expected = pd.DataFrame({
        "start_mrr": [0, 182.1667, 1057.1667, 1057.1667, 1098.8333, 779.8333],
        "new": [182.1667, 875, 0, 0, 0, 29], "expansion": [0, 0, 79, 41.6667, 0, 0],
        "reactivation": [0, 0, 0, 0, 79, 0], "contraction": [0, 0, 0, 0, 398, 0], "churn": [0, 0, 79, 0, 0, 398],
        "end_mrr": [182.1667, 1057.1667, 1057.1667, 1098.8333, 779.8333, 410.8333],
        "new_customers": [2, 2, 0, 0, 0, 1], "expansion_customers": [0, 0, 1, 1, 0, 0],
        "reactivated_customers": [0, 0, 0, 0, 1, 0], "contraction_customers": [0, 0, 0, 0, 1, 0],
        "churned_customers": [0, 0, 1, 0, 0, 1], "end_customers": [2, 4, 3, 3, 4, 4]},
        index=pd.PeriodIndex(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"], freq="M"))
    got = bridge[expected.columns].copy()
    got.index = pd.PeriodIndex(got.index.astype(str), freq="M")
    pd.testing.assert_frame_equal(got.round(4), expected.astype(got.dtypes.to_dict()), check_names=False,
                                  check_index_type=False, atol=1e-4)
    blind = 79 + 790 / 12 + 79 + 29  # what a quantity-blind MRR would say at the end of June
    assert bridge["end_mrr"].iloc[-1] == pytest.approx(410.8333, abs=1e-4) != pytest.approx(blind, abs=1)
    rules = {r.rule: (r.treatment, r.rows) for r in result.ledger.records}
    assert rules["empty quantity: taken as 1 seat"] == ("converted", 1)
    assert rules["ended during its free trial (never paid)"] == ("excluded", 1)


def test_plans_are_read_from_the_name_a_client_recognises():
    result = _clean(HAND)
    assert set(result.frame["plan"]) == {"Pro", "Starter", "Business"}
    nickname = ["id", "Customer ID", "Plan", "Plan Nickname", "Product", "Amount", "Created (UTC)"]
    mapping = resolve_columns(nickname, "subscription", {}, "subs.csv")
    assert mapping.get("plan") == "Plan Nickname"
    only_ids = [h for h in STRIPE if h != "Product"]
    result = _clean([r[:3] + r[4:] for r in HAND], headers=only_ids,
                    plan_names={"price_1A": "Pro monthly", "price_1B": "Starter yearly"})
    assert set(result.frame["plan"]) == {"Pro monthly", "Starter yearly", "price_1C", "price_1D", "price_1E"}


def test_bad_quantities_are_counted_not_guessed():
    rows = [["s1", "A", "p", "Pro", "2", "month", "10", "active", "2025-01-10 09:00", "", ""],
            ["s2", "B", "p", "Pro", "tre", "month", "10", "active", "2025-01-10 09:00", "", ""],
            ["s3", "C", "p", "Pro", "0", "month", "10", "active", "2025-01-10 09:00", "", ""],
            ["s4", "D", "p", "Pro", "-1", "month", "10", "active", "2025-01-10 09:00", "", ""]]
    result = _clean(rows)
    assert result.frame["customer_id"].tolist() == ["A"] and result.frame["mrr"].tolist() == [20.0]
    rules = {r.rule: r.rows for r in result.ledger.records}
    assert rules["unparsable quantity"] == rules["zero quantity (no seats)"] == rules["negative quantity"] == 1
    assert result.ledger.rows_read == result.ledger.rows_kept + result.ledger.rows_removed


def test_an_mrr_column_is_not_multiplied_by_the_seats():
    headers = ["customer", "start_date", "mrr", "seats"]
    result = _clean([["A", "2025-01-01", "300", "3"]], headers=headers)
    assert result.frame["mrr"].tolist() == [300.0]

"""Cleaning subscriptions: MRR normalisation, plan-change segments, trials, censoring at the observation end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clv_lib.data.mapping import resolve_columns
from clv_lib.data.read import RawTable, SourceInfo
from clv_lib.data.subscriptions import clean_subscriptions
from clv_lib.params.schema import DataSpec

HEADERS = ["account_id", "subscription_id", "plan", "started_at", "canceled_at", "price", "interval"]


def _clean(rows, headers=HEADERS, observation_end="2025-12-31", **spec):
    frame = pd.DataFrame([[None if v == "" else v for v in r] for r in rows], columns=headers, dtype=object)
    raw = RawTable(frame, np.arange(len(rows), dtype="int64") + 2,
                   SourceInfo(Path("subs.csv"), "subs.csv", "csv", "0" * 64, headers=tuple(headers)))
    spec = DataSpec(path="subs.csv", **spec)
    mapping = resolve_columns(headers, "subscription", {}, "subs.csv")
    return clean_subscriptions(raw, mapping, spec, "EUR", "Europe/Rome", observation_end)


def test_segments_mrr_and_rules():
    result = _clean([
        ["A", "s1", "Starter", "2024-01-10T09:00:00Z", "2024-06-10T23:30:00Z", "29.00", "month"],
        ["A", "s1", "Pro", "2024-06-10T23:30:00Z", "", "790.00", "year"],  # upgrade, annual: 790 / 12
        ["A", "s1", "Pro", "2024-06-10T23:30:00Z", "", "790.00", "year"],  # exact duplicate
        ["B", "s2", "Pro", "2024-02-01T10:00:00Z", "2024-02-15T10:00:00Z", "0.00", "month"],  # trial
        ["", "s3", "Pro", "2024-02-01T10:00:00Z", "", "79.00", "month"],  # no account
        ["C", "s4", "Pro", "2024-02-01T10:00:00Z", "2026-02-01T10:00:00Z", "79.00", "month"],  # ends after cut-off
        ["C", "s5", "Pro", "2026-01-05T10:00:00Z", "", "79.00", "month"],  # starts after the cut-off
        ["D", "s6", "Pro", "2024-02-01T10:00:00Z", "", "79.00", "fortnight"],  # unknown interval
        ["E", "s7", "Pro", "not a date", "", "79.00", "month"],
    ])
    frame = result.frame
    assert frame[["customer_id", "plan"]].values.tolist() == [["A", "Starter"], ["A", "Pro"], ["C", "Pro"]]
    assert frame["mrr"].round(4).tolist() == [29.0, round(790 / 12, 4), 79.0]
    # the plan change: 23:30 UTC on 10 June is 01:30 on 11 June in Rome, for both segments
    assert frame.loc[0, "end_date"] == frame.loc[1, "start_date"] == pd.Timestamp("2024-06-11")
    assert pd.isna(frame.loc[2, "end_date"])  # active on the cut-off day
    rules = {r.rule: r.rows for r in result.ledger.records}
    assert rules == {"exact duplicate row": 1, "unparsable or missing start date": 1,
                     "unknown billing interval (fortnight)": 1, "missing customer id": 1,
                     "trial or free (zero price)": 1, "starts after the observation end (2025-12-31)": 1,
                     "ends after the observation end: active on 2025-12-31": 1}
    assert result.ledger.rows_read == 9 and result.ledger.rows_kept == 3
    assert str(frame["start_date"].dtype) == "datetime64[ns]" and frame["mrr"].dtype == np.float64


def test_without_subscription_ids_contiguous_segments_are_chained():
    headers = ["customer", "start_date", "end_date", "mrr"]
    result = _clean([["A", "2024-01-01", "2024-03-01", "10"], ["A", "2024-03-01", "", "20"],
                     ["A", "2025-01-01", "", "5"], ["B", "2024-01-01", "", "1"]], headers=headers)
    assert result.frame["subscription_id"].tolist() == ["A-1", "A-1", "A-2", "B-1"]
    assert result.frame["mrr"].tolist() == [10.0, 20.0, 5.0, 1.0]


def test_params_intervals_and_statuses():
    headers = HEADERS + ["status"]
    result = _clean([["A", "s1", "Pro", "2024-01-01", "", "300", "trimestrale", "active"],
                     ["B", "s2", "Pro", "2024-01-01", "", "100", "bimestrale", "trialing"],
                     ["C", "s3", "Pro", "2024-01-01", "", "100", "bimestrale", "canceled"]],
                    headers=headers, billing_interval_months={"bimestrale": 2})
    assert result.frame["mrr"].tolist() == [100.0, 50.0]
    assert {r.rule for r in result.ledger.records} == {"trial (status)"}


@pytest.mark.parametrize("end", ["2024-01-01", "2023-12-01"])
def test_segments_ending_on_or_before_their_start_are_excluded(end):
    result = _clean([["A", "s1", "Pro", "2024-01-01", end, "10", "month"],
                     ["B", "s2", "Pro", "2024-01-01", "", "10", "month"]])
    assert result.frame["customer_id"].tolist() == ["B"] and result.ledger.rows_removed == 1


def test_free_trials_move_the_paying_start_and_trial_cancellations_are_not_churn():
    # Stripe's export: a subscription is created at the start of its trial and pays from "Trial End".
    headers = ["Customer ID", "id", "Plan", "Created (UTC)", "Trial End (UTC)", "Ended At (UTC)", "Amount", "Interval"]
    result = _clean([
        ["A", "s1", "Pro", "2025-01-01 09:00", "2025-01-15 09:00", "", "50.00", "month"],  # converted: pays 15 Jan
        ["B", "s2", "Pro", "2025-02-01 09:00", "2025-02-15 09:00", "2025-02-10 09:00", "50.00", "month"],  # left in trial
        ["C", "s3", "Pro", "2025-12-20 09:00", "2026-01-03 09:00", "", "50.00", "month"],  # in trial at the cut-off
        ["D", "s4", "Pro", "2025-03-01 09:00", "", "2025-09-01 09:00", "50.00", "month"],  # no trial
    ], headers=headers)
    frame = result.frame.set_index("customer_id")
    assert list(frame.index) == ["A", "D"]
    assert frame.loc["A", "start_date"] == pd.Timestamp("2025-01-15")
    assert frame.loc["D", "start_date"] == pd.Timestamp("2025-03-01")
    rules = {r.rule: (r.treatment, r.rows) for r in result.ledger.records}
    assert rules["ended during its free trial (never paid)"] == ("excluded", 1)
    assert rules["still in its free trial on 2025-12-31"] == ("excluded", 1)
    assert rules["start moved to the end of the free trial"] == ("converted", 1)
    assert result.ledger.rows_read == result.ledger.rows_kept + result.ledger.rows_removed

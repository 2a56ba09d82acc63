"""Cleaning orders: each rule on small hand-built exports, and the ledger invariant on random messy exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clv_lib.data.mapping import resolve_columns
from clv_lib.data.orders import clean_orders
from clv_lib.data.read import RawTable, SourceInfo
from clv_lib.exceptions import CurrencyError
from clv_lib.params.schema import DataSpec

HEADERS = ["Cliente", "Ordine", "Data", "Importo", "Stato", "Email", "Valuta"]


def _raw(rows: list[list], headers=HEADERS) -> RawTable:
    frame = pd.DataFrame([[None if v in ("", None) else v for v in r] for r in rows], columns=headers, dtype=object)
    info = SourceInfo(Path("orders.csv"), "orders.csv", "csv", "0" * 64, headers=tuple(headers))
    return RawTable(frame, np.arange(len(rows), dtype="int64") + 2, info)


def _clean(rows, observation_end="2025-12-31", **spec):
    raw = _raw(rows)
    spec = DataSpec(path="orders.csv", **{"decimal": ",", "email_fallback": True, "fx_rates": {"USD": 0.5}, **spec})
    mapping = resolve_columns(list(raw.frame.columns), "transactional", {}, "orders.csv")
    return clean_orders(raw, mapping, spec, "EUR", "Europe/Rome", observation_end)


def _rules(result) -> dict[str, tuple[int, float]]:
    return {r.rule: (r.rows, r.revenue) for r in result.ledger.records}


def test_shopify_total_on_the_first_line_item_only():
    # Shopify's order export: one row per line item, the order's Total (and status) on its first row only.
    headers = ["Name", "Email", "Financial Status", "Created at", "Total", "Lineitem quantity", "Lineitem name"]
    rows = [["#1001", "a@x.com", "paid", "2024-01-05 10:00:00 +0100", "59.00", "1", "Tee"],
            ["#1001", "a@x.com", "", "2024-01-05 10:00:00 +0100", "", "2", "Socks"],
            ["#1002", "b@x.com", "refunded", "2024-01-06 10:00:00 +0100", "20.00", "1", "Tote"],
            ["#1002", "b@x.com", "", "2024-01-06 10:00:00 +0100", "", "1", "Tee"],
            ["#1003", "a@x.com", "paid", "2024-02-01 10:00:00 +0100", "", "1", "Tee"]]  # no total anywhere
    raw = _raw(rows, headers)
    mapping = resolve_columns(headers, "transactional", {}, "orders.csv")
    result = clean_orders(raw, mapping, DataSpec(path="orders.csv"), "EUR", "Europe/Rome", "2024-12-31")
    assert result.frame[["order_id", "amount"]].values.tolist() == [["#1001", 59.0]]
    rules = _rules(result)
    assert rules["line item without an amount of its own (its order's total is on another row)"] == (2, 0.0)
    assert rules["unparsable or missing amount"] == (1, 0.0)  # #1003 has no total on any row: truly missing
    assert rules["order refunded in full (refund status)"] == (1, 20.0)
    assert result.ledger.rows_read == result.ledger.rows_kept + result.ledger.rows_removed


def test_shopify_partial_refunds_come_off_their_order_once():
    # Shopify writes "Refunded Amount" on the order's first line; "refunded" orders also carry it in full.
    headers = ["Name", "Email", "Financial Status", "Created at", "Total", "Refunded Amount", "Lineitem name"]
    rows = [["#1001", "a@x.com", "partially_refunded", "2024-01-05 10:00:00 +0100", "59.00", "9.00", "Tee"],
            ["#1001", "a@x.com", "", "2024-01-05 10:00:00 +0100", "", "", "Socks"],
            ["#1002", "b@x.com", "refunded", "2024-01-06 10:00:00 +0100", "20.00", "20.00", "Tote"],
            ["#1003", "b@x.com", "paid", "2024-01-07 10:00:00 +0100", "35.00", "0.00", "Cap"],
            ["#1004", "c@x.com", "partially_refunded", "2024-01-08 10:00:00 +0100", "15.00", "15.00", "Tee"]]
    raw = _raw(rows, headers)
    mapping = resolve_columns(headers, "transactional", {}, "orders.csv")
    assert mapping.get("refunded_amount") == "Refunded Amount"
    result = clean_orders(raw, mapping, DataSpec(path="orders.csv"), "EUR", "Europe/Rome", "2024-12-31")
    # 59 - 9 = 50; #1002 refunded by status (not subtracted twice); #1003 untouched; #1004 refunded down to zero.
    assert result.frame[["order_id", "amount"]].values.tolist() == [["#1001", 50.0], ["#1003", 35.0]]
    rules = _rules(result)
    assert rules["partial refund subtracted from its order (refunded amount column)"] == (1, 9.0)
    assert rules["order refunded in full (refund status)"] == (1, 20.0)
    assert rules["order refunded in full"][0] == 1
    assert result.ledger.rows_read == result.ledger.rows_kept + result.ledger.rows_removed


def test_totals_row_of_a_gestionale_export_is_not_revenue():
    # Italian ERP exports end with "TOTALE;;;<sum>;": it is neither an order nor revenue read.
    result = _clean([
        ["C001", "F1", "01/03/2024", "1.234,56", "Emesso", "", "EUR"],
        ["C002", "F2", "02/03/2024", "765,44", "Emesso", "", "EUR"],
        ["TOTALE", "", "", "2.000,00", "", "", ""],
        ["C003", "F3", "", "50,00", "Emesso", "", "EUR"],  # a real order without a date stays "unparsable"
    ])
    rules = _rules(result)
    assert rules["totals or summary row (not an order)"] == (1, 0.0)
    assert rules["unparsable or missing date"] == (1, 50.0)
    assert result.ledger.revenue_read == 2050.0  # 1,234.56 + 765.44 + 50: the file's own total not counted
    assert result.ledger.rows_read == result.ledger.rows_kept + result.ledger.rows_removed == 4


def test_customer_ids_written_as_floats_lose_the_point_zero():
    # UCI Online Retail (Chen et al. 2012) as pandas re-exports it: CustomerID "17850.0", blank for guests.
    result = _clean([["17850.0", "536365", "01/12/2010", "15,30", "", "", "EUR"],
                     ["13047.0", "536366", "01/12/2010", "22,00", "", "", "EUR"]])
    assert sorted(result.frame["customer_id"]) == ["13047", "17850"]
    # A real decimal among them means the ids are not float-written integers: kept as written.
    mixed = _clean([["17850.0", "536365", "01/12/2010", "15,30", "", "", "EUR"],
                    ["17850.5", "536366", "01/12/2010", "22,00", "", "", "EUR"]])
    assert sorted(mixed.frame["customer_id"]) == ["17850.0", "17850.5"]


def test_line_items_refunds_and_returns():
    result = _clean([
        ["1", "A1", "01/03/2024", "60,00", "completato", "", "EUR"],
        ["1", "A1", "01/03/2024", "40,00", "completato", "", "EUR"],  # line item of A1
        ["1", "A2", "10/03/2024", "30,00", "completato", "", "EUR"],
        ["1", "A1", "15/03/2024", "-25,00", "rimborsato", "", "EUR"],  # partial refund of A1
        ["1", "", "20/03/2024", "-50,00", "reso", "", "EUR"],  # return without order: latest earlier order A2
        ["2", "B1", "01/03/2024", "10,00", "completato", "", "EUR"],
        ["2", "B1", "02/03/2024", "-10,00", "rimborsato", "", "EUR"],  # full refund of B1: B1 disappears
        ["3", "C1", "01/03/2024", "80,00", "rimborsato", "", "EUR"],  # refunded in full by its own status
        ["4", "D1", "05/03/2024", "0,00", "completato", "", "EUR"],  # zero-value: kept, flagged
        ["5", "", "01/02/2024", "-5,00", "reso", "", "EUR"],  # nothing to net against
    ])
    frame = result.frame.set_index("order_id")
    assert frame.loc["A1", "amount"] == 75.0  # 100 - 25
    assert "A2" not in frame.index and "B1" not in frame.index and "C1" not in frame.index
    assert frame.loc["D1", "amount"] == 0.0
    rules = _rules(result)
    assert rules["line items merged into their order"] == (1, 40.0)
    assert rules["refund netted into its order"] == (2, 35.0)
    assert rules["refund netted into the customer's latest earlier order"] == (1, 30.0)  # 30 of the 50
    assert rules["refund not subtracted (nothing left to net it against)"] == (1, 20.0)  # the 20 left of it
    assert rules["refund with no earlier order left to net it against"] == (1, -5.0)  # customer 5's return
    assert rules["order refunded in full (refund status)"] == (1, 80.0)
    assert rules["order refunded in full"][0] == 2  # A2 and B1
    assert rules["zero-value order (kept)"][0] == 1
    assert result.ledger.rows_read == 10 and result.ledger.rows_kept == 2
    assert result.frame["amount"].sum() == 75.0


def test_a_refund_larger_than_its_order_spills_to_the_latest_earlier_order():
    result = _clean([
        ["1", "A1", "01/03/2024", "50,00", "", "", ""],
        ["1", "A2", "05/03/2024", "20,00", "", "", ""],
        ["1", "A2", "06/03/2024", "-30,00", "", "", ""],  # 20 into A2, 10 into A1 (latest with value left)
    ])
    assert result.frame.set_index("order_id")["amount"].to_dict() == {"A1": 40.0}
    assert _rules(result)["refund netted into its order"] == (1, 30.0)  # 20 into A2 + 10 spilled into A1
    assert "refund netted into the customer's latest earlier order" not in _rules(result)
    assert result.frame["amount"].sum() == 40.0


def test_exclusions_and_fallbacks():
    result = _clean([
        ["1", "A", "01/03/2024", "10,00", "", "", ""],
        ["1", "A", "01/03/2024", "10,00", "", "", ""],  # exact duplicate
        ["1", "B", "31/02/2024", "10,00", "", "", ""],  # bad date
        ["1", "C", "01/03/2024", "n/d", "", "", ""],  # bad amount
        ["1", "D", "01/03/2024", "10,00", "Annullato", "", ""],  # cancelled (case-insensitive)
        ["1", "E", "01/03/2024", "10,00", "test", "", ""],
        ["1", "F", "01/03/2024", "10,00", "failed", "", ""],
        ["", "G", "01/03/2024", "10,00", "", " Anna@Example.com ", ""],  # e-mail of customer 2
        ["2", "H", "02/03/2024", "10,00", "", "anna@example.com", ""],
        ["", "I", "01/03/2024", "10,00", "", "new@example.com", ""],  # e-mail becomes the id
        ["", "J", "01/03/2024", "10,00", "", "", ""],  # no id, no e-mail
        ["3", "K", "01/01/2026", "10,00", "", "", ""],  # after the cut-off
        ["3", "L", "01/01/2020", "10,00", "", "", ""],  # before the start date
        ["3", "M", "01/03/2024", "10,00", "", "", "USD"],  # converted at 0.5
    ], start_date="2021-01-01")
    rules = _rules(result)
    for rule in ("exact duplicate row", "unparsable or missing date", "unparsable or missing amount",
                 "cancelled order (status)", "test order (status)", "failed order (status)",
                 "missing customer id and e-mail", "after the observation end (2025-12-31)",
                 "before the start date (2021-01-01)"):
        assert rules[rule][0] == 1, rule
    assert rules["customer id taken from the e-mail"] == (2, 20.0)
    assert rules["converted from USD to EUR at 0.5"] == (1, 5.0)
    by_order = result.frame.set_index("order_id")
    assert by_order.loc["G", "customer_id"] == "2" and by_order.loc["I", "customer_id"] == "new@example.com"
    assert by_order.loc["M", "amount"] == 5.0
    assert result.ledger.rows_kept == 5
    assert str(result.frame["order_date"].dtype) == "datetime64[ns]"


def test_without_email_fallback_missing_ids_are_excluded():
    result = _clean([["", "G", "01/03/2024", "10,00", "", "a@b.it", ""], ["1", "A", "01/03/2024", "1,00", "", "", ""]],
                    email_fallback=False)
    assert _rules(result)["missing customer id"][0] == 1


def test_unknown_currency_is_rejected_with_a_clear_error():
    with pytest.raises(CurrencyError) as err:
        _clean([["1", "A", "01/03/2024", "10,00", "", "", "CHF"], ["1", "B", "01/03/2024", "10,00", "", "", "CHF"]])
    assert str(err.value) == ("orders.csv: amounts in CHF (2 rows) but no exchange rate to EUR; add params "
                              "data.fx_rates, e.g. fx_rates: {CHF: <EUR per 1 CHF>}")
    # ... but not when those rows are excluded anyway
    _clean([["1", "A", "01/03/2024", "10,00", "annullato", "", "CHF"], ["1", "B", "01/03/2024", "1,00", "", "", ""]])


def test_custom_statuses():
    result = _clean([["1", "A", "01/03/2024", "10,00", "In attesa", "", ""],
                     ["1", "B", "01/03/2024", "10,00", "Stornato", "", ""],
                     ["1", "C", "01/03/2024", "10,00", "ok", "", ""]],
                    exclude_statuses=["in attesa"], refund_statuses=["stornato"])
    assert _rules(result)["excluded status (in_attesa)"][0] == 1
    assert _rules(result)["order refunded in full (refund status)"][0] == 1
    assert result.frame["order_id"].tolist() == ["C"]


# --------------------------------------------------------------------------------------------------------------
# The invariant on random messy exports
# --------------------------------------------------------------------------------------------------------------

_customer = st.sampled_from(["1", "2", "3", "4", "", " 5 "])
_order = st.sampled_from(["A", "B", "C", "D", "E", ""])
_date = st.sampled_from(["01/03/2024", "02/03/2024", "15/06/2025", "31/12/2025", "01/01/2026", "31/02/2024", "",
                         "2024-03-01T23:30:00Z", "x"])
_amount = st.sampled_from(["10,00", "1.234,56", "-5,00", "-100,00", "0,00", "(3,00)", "€ 7,50", "", "n/d",
                           "12,34,56"])
_status = st.sampled_from(["completato", "rimborsato", "reso", "annullato", "test", "", "failed", "pending"])
_email = st.sampled_from(["", "a@x.it", "B@X.IT ", "c@x.it"])
_currency = st.sampled_from(["EUR", "", "USD", "eur"])
_rows = st.lists(st.tuples(_customer, _order, _date, _amount, _status, _email, _currency), min_size=1, max_size=40)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, duplicates=st.lists(st.integers(min_value=0, max_value=39), max_size=6),
       fallback=st.booleans())
def test_ledger_invariant_on_random_messy_exports(rows, duplicates, fallback):
    rows = [list(r) for r in rows]
    rows += [list(rows[i]) for i in duplicates if i < len(rows)]
    result = _clean(rows, email_fallback=fallback)
    ledger, frame = result.ledger, result.frame
    # rows read == rows kept + rows of every rule that removes rows (excluded, netted, merged)
    assert ledger.rows_read == len(rows)
    assert ledger.rows_read == ledger.rows_kept + ledger.rows_removed
    assert ledger.rows_kept == len(frame)
    # the cleaned orders honour the contract
    assert list(frame.columns[:4]) == ["customer_id", "order_id", "order_date", "amount"]
    assert np.isfinite(frame["amount"]).all() and (frame["amount"] >= 0).all()
    assert (frame["order_date"] <= pd.Timestamp("2025-12-31")).all()
    assert not frame.duplicated(["order_id", "customer_id"]).any()
    assert (frame["customer_id"] != "").all()
    # never more revenue than was sold, and every example row is a real source row
    sold = sum(max(v, 0.0) for v in _values(rows))
    assert frame["amount"].sum() <= sold + 1e-6
    table = ledger.to_frame()
    examples = [int(x) for cell in table["example_rows"] if cell for x in cell.split(", ")]
    assert all(2 <= x <= len(rows) + 1 for x in examples)
    assert table["revenue"].notna().all()


def _values(rows) -> list[float]:
    from clv_lib.data.amounts import parse_amounts

    values, _ = parse_amounts(pd.Series([r[3] for r in rows]), decimal=",")
    rates = [0.5 if r[6].upper() == "USD" else 1.0 for r in rows]
    return [0.0 if np.isnan(v) else v * k for v, k in zip(values, rates)]

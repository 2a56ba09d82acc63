"""The entry point on the demo clients (the ledger finds exactly the messy rows the generator injected) and the
one-line errors raised before any model runs."""

from __future__ import annotations

import re

from pathlib import Path

import pandas as pd
import pytest

from clv_lib.data import last_order_date, load_client_data
from clv_lib.data import demo
from clv_lib.exceptions import DataError
from clv_lib.params.load import load_params
from clv_lib.params.schema import ClientParams

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def manifests():
    return {rel: counts for rel, (_, counts) in demo.generate().items()}


@pytest.fixture(scope="module")
def orders():
    return load_client_data(load_params(ROOT / "params/demo.yaml"), "2025-12-31", root=ROOT)


def test_demo_orders_ledger_matches_the_injected_rows(orders, manifests):
    m = manifests[demo.ORDERS_FILE]
    rules = {r.rule: r.rows for r in orders.ledger.records}
    assert orders.rows_read == m["rows"]
    assert rules["exact duplicate row"] == m["duplicate_rows"]
    assert rules["unparsable or missing date"] == m["unparsable_dates"]
    assert rules["unparsable or missing amount"] == m["unparsable_amounts"]
    assert rules["cancelled order (status)"] == m["cancelled_orders"]
    assert rules["test order (status)"] == m["test_orders"]
    assert rules["missing customer id and e-mail"] == m["rows_without_id_or_email"]
    assert rules["customer id taken from the e-mail"] == m["guest_rows_known_email"] + m["guest_rows_new_email"]
    assert rules["line items merged into their order"] == m["line_item_rows"] - m["line_item_orders"]
    assert rules["order refunded in full (refund status)"] == m["refunded_in_full"]
    assert rules["refund netted into its order"] == m["refund_rows_with_order"]
    assert rules["refund netted into the customer's latest earlier order"] == m["return_rows_without_order"]
    assert rules["zero-value order (kept)"] == m["zero_value_orders"]
    converted = sum(n for rule, n in rules.items() if rule.startswith("converted from"))
    assert converted == m["foreign_currency_rows"]
    assert orders.ledger.rows_read == orders.rows_kept + orders.ledger.rows_removed


def test_demo_orders_frame(orders):
    frame = orders.frame
    assert list(frame.columns) == ["customer_id", "order_id", "order_date", "amount", "status", "channel"]
    assert frame["order_date"].max() == pd.Timestamp("2025-12-31") == orders.last_date
    assert frame["order_date"].min() >= pd.Timestamp("2023-01-01")
    assert 15_000 < len(frame) < 20_000 and 3_900 < orders.customers < 4_100
    assert set(frame["channel"]) == {"search", "social", "email", "marketplace"}
    assert "source: data/demo/orders.csv (csv, utf-8-sig, semicolon-separated)" in orders.describe()[0]
    assert orders.source.sha256 == __import__("hashlib").sha256((ROOT / demo.ORDERS_FILE).read_bytes()).hexdigest()


def test_demo_orders_ledger_csv(orders, tmp_path):
    path = orders.ledger.write_csv(tmp_path / "data_quality.csv")
    table = pd.read_csv(path, keep_default_na=False)
    assert list(table.columns) == ["rule", "treatment", "rows", "revenue", "example_rows"]
    assert table["rule"].tolist()[:2] == ["read", "kept"]
    assert set(table["treatment"]) <= {"total", "excluded", "netted", "merged", "converted", "flagged"}


def test_demo_subscriptions(manifests):
    data = load_client_data(load_params(ROOT / "params/demo-subscription.yaml"), "2025-12-31", root=ROOT)
    m = manifests[demo.SUBSCRIPTIONS_FILE]
    rules = {r.rule: r.rows for r in data.ledger.records}
    assert data.rows_read == m["rows"]
    assert rules == {"exact duplicate row": m["duplicate_rows"], "missing customer id": m["rows_without_account"],
                     "trial or free (zero price)": m["trial_rows"]}
    frame = data.frame
    assert set(frame["plan"]) == {"Starter", "Pro", "Business"}
    assert set(frame["billing_interval_months"]) == {1.0, 12.0}
    assert frame["end_date"].isna().sum() > 900  # active subscriptions
    yearly = frame[frame["billing_interval_months"] == 12]
    assert set(yearly["mrr"].round(2)) <= {round(p / 12, 2) for p in demo.ANNUAL_PRICE.values()}
    # plan changes keep the segments of a subscription contiguous
    changed = frame[frame.duplicated("subscription_id", keep=False)].sort_values(["subscription_id", "start_date"])
    nxt = changed.groupby("subscription_id")["start_date"].shift(-1)
    assert ((changed["end_date"] == nxt) | nxt.isna()).all()


def test_last_order_date():
    assert last_order_date(load_params(ROOT / "params/demo.yaml"), root=ROOT) == pd.Timestamp("2025-12-31")
    assert last_order_date(load_params(ROOT / "params/demo-subscription.yaml"), root=ROOT) <= pd.Timestamp(
        "2025-12-31")


def test_the_report_reads_and_parses_the_file_once(monkeypatch, orders):
    """The default period's last date and the cleaning share one read and one parse of the file: the same date and
    the same ledger as reading it for each, and the file's rows are let go once cleaned."""
    from clv_lib.data import load as data_load
    from clv_lib.pipeline import analysis_for

    reads = []
    real = data_load.read_table
    monkeypatch.setattr(data_load, "read_table", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    params = load_params(ROOT / "params/demo.yaml")
    analysis = analysis_for("demo", params, None, "en", ROOT)
    assert analysis.last_data_date == pd.Timestamp("2025-12-31")
    data = analysis.data
    assert len(reads) == 1
    assert "_client_file" not in analysis.__dict__
    assert data.ledger.to_frame().equals(orders.ledger.to_frame())
    file = data_load.read_client_file(params, ROOT)
    assert last_order_date(params, file=file) == pd.Timestamp("2025-12-31")
    load_client_data(params, "2025-12-31", file=file)
    assert file.rows is None
    with pytest.raises(RuntimeError):
        file.take()


def test_observation_end_cuts_orders(orders):
    mid = load_client_data(load_params(ROOT / "params/demo.yaml"), "2025-06-30", root=ROOT)
    rules = {r.rule: r.rows for r in mid.ledger.records}
    assert mid.frame["order_date"].max() <= pd.Timestamp("2025-06-30")
    assert rules["after the observation end (2025-06-30)"] > 4_000


# --------------------------------------------------------------------------------------------------------------
# Errors: one line, naming the file, the column and the counts
# --------------------------------------------------------------------------------------------------------------

def _params(tmp_path: Path, text: str, **data) -> ClientParams:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "x.csv").write_text(text, encoding="utf-8")
    return ClientParams.model_validate({"client_name": "X", "business_model": "transactional", "currency": "EUR",
                                        "gross_margin": 0.4, "data": {"path": "data/x.csv", **data}})


def test_missing_file(tmp_path):
    params = ClientParams.model_validate({"client_name": "X", "business_model": "transactional", "currency": "EUR",
                                          "gross_margin": 0.4, "data": {"path": "data/none.csv"}})
    with pytest.raises(DataError, match=r"^data/none\.csv: file not found$"):
        load_client_data(params, root=tmp_path)


def test_missing_mapped_column(tmp_path):
    params = _params(tmp_path, "Cliente;Data;Totale\n1;01/01/2024;1,00\n", columns={"amount": "Importo"})
    with pytest.raises(DataError) as err:
        load_client_data(params, root=tmp_path)
    assert str(err.value) == ("data/x.csv: column 'Importo' (mapped to amount) not found; columns are: "
                              "Cliente, Data, Totale")


def test_no_valid_rows(tmp_path):
    params = _params(tmp_path, "Cliente;Data;Totale\n1;ieri;1,00\n2;oggi;2,00\n")
    with pytest.raises(DataError) as err:
        load_client_data(params, root=tmp_path)
    assert str(err.value) == ("data/x.csv: no valid orders left; 2 of 2 rows were excluded, mostly "
                              "'unparsable or missing date' (2)")


def test_no_valid_rows_counts_every_row_removed_as_the_rule_it_names(tmp_path):
    """Refunds only (an export whose sales are signed negative): the first refund of each customer has nothing to be
    netted against and the later ones are netted into it, so nothing is left. The count matches the rule named
    (before, "1 of 4 rows were excluded, mostly ... (3)": only exclusions were counted)."""
    params = _params(tmp_path, "Cliente;Data;Totale\n1;01/01/2024;-1,00\n1;02/01/2024;-2,00\n2;01/01/2024;-3,00\n"
                               "2;03/01/2024;-4,00\n")
    with pytest.raises(DataError) as err:
        load_client_data(params, root=tmp_path)
    assert re.fullmatch(r"data/x\.csv: no valid orders left; 4 of 4 rows were excluded, mostly '.+' \(\d\)",
                        str(err.value)), str(err.value)


def test_too_few_customers(tmp_path):
    lines = ["Cliente;Data;Totale"] + [f"{i % 12};01/01/2024;{i},00" for i in range(40)] + [f"x;n.d.;{i},00" for i in range(3)]
    params = _params(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        load_client_data(params, root=tmp_path)
    assert str(err.value) == ("data/x.csv: only 12 customers with a valid order (min_customers is 30); 3 of 43 rows "
                              "were excluded, mostly 'unparsable or missing date' (3)")
    assert "\n" not in str(err.value)


def test_last_order_date_ignores_future_typos(tmp_path):
    params = _params(tmp_path, "Cliente;Data;Totale\n1;01/01/2024;1,00\n2;05/03/2052;2,00\n3;n.d.;1,00\n")
    assert last_order_date(params, root=tmp_path) == pd.Timestamp("2024-01-01")


def test_typed_parquet_export_in_english(tmp_path):
    """An Online Retail-like export: float customer ids (with gaps), quantity x unit price, invoice lines."""
    (tmp_path / "data").mkdir()
    pd.DataFrame({
        "InvoiceNo": ["536365", "536365", "536366", "C536367", "536368"],
        "Quantity": [6, 2, 1, -1, 3],
        "InvoiceDate": pd.to_datetime(["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-02 09:00",
                                       "2010-12-03 10:00", "2010-12-04 11:00"]),
        "UnitPrice": [2.55, 3.39, 1.85, 2.55, 1.0],
        "CustomerID": [17850.0, 17850.0, 13047.0, 17850.0, None],
    }).to_parquet(tmp_path / "data" / "retail.parquet")
    params = ClientParams.model_validate({"client_name": "X", "business_model": "transactional", "currency": "GBP",
                                          "gross_margin": 0.4, "timezone": "Europe/London",
                                          "data": {"path": "data/retail.parquet", "min_customers": 1}})
    data = load_client_data(params, "2010-12-31", root=tmp_path)
    assert data.mapping.columns == {"customer_id": "CustomerID", "order_id": "InvoiceNo",
                                    "order_date": "InvoiceDate", "quantity": "Quantity", "unit_price": "UnitPrice"}
    frame = data.frame.set_index("order_id")
    assert frame.loc["536365", "customer_id"] == "17850"
    assert frame.loc["536365", "amount"] == pytest.approx(6 * 2.55 + 2 * 3.39 - 2.55)  # the C-invoice return
    assert frame.loc["536365", "quantity"] == 8
    rules = {r.rule: r.rows for r in data.ledger.records}
    assert rules["missing customer id"] == 1 and rules["line items merged into their order"] == 1
    assert rules["refund netted into the customer's latest earlier order"] == 1


def test_only_mapped_columns_are_kept_but_duplicates_see_every_column(tmp_path):
    """Two line items differing only in an unmapped column (the SKU) are two items, not a duplicate."""
    text = ("Name;Email;Created at;Total;Lineitem sku;Note\n"
            "#1001;a@x.it;2024-03-01 10:00:00 +0100;19,90;TSHIRT-RED;\n"
            "#1001;a@x.it;2024-03-01 10:00:00 +0100;19,90;TSHIRT-BLUE;\n"
            "#1001;a@x.it;2024-03-01 10:00:00 +0100;19,90;TSHIRT-BLUE;\n"
            "#1002;b@x.it;2024-03-02 10:00:00 +0100;5,00;MUG;\n")
    params = _params(tmp_path, text, columns={"order_id": "Name", "order_date": "Created at", "amount": "Total"},
                     min_customers=1)
    data = load_client_data(params, root=tmp_path)
    rules = {r.rule: r.rows for r in data.ledger.records}
    assert rules["exact duplicate row"] == 1 and rules["line items merged into their order"] == 1
    assert data.frame.set_index("order_id")["amount"].to_dict() == {"#1001": 39.8, "#1002": 5.0}
    assert data.mapping.get("customer_id") is None and data.frame["customer_id"].tolist() == ["a@x.it", "b@x.it"]


def test_a_rule_removing_many_rows_is_a_warning_naming_the_params_key(tmp_path):
    # UCI Online Retail shape: a quarter of the lines have no CustomerID (guest checkouts).
    from clv_lib.pipeline.base import BaseAnalysis

    rows = ["InvoiceNo,InvoiceDate,Amount,CustomerID,Email"]
    for i in range(40):
        guest = i % 4 == 0
        customer, email = ("", f"g{i}@x.com") if guest else (f"{17850 + i % 35}.0", "")
        rows.append(f"{536365 + i},12/{1 + i % 28}/2010 8:26,{10 + i}.50,{customer},{email}")
    (tmp_path / "retail.csv").write_text("\n".join(rows) + "\n")
    base = dict(client_name="UK", business_model="transactional", currency="GBP", gross_margin=0.4)
    params = ClientParams(**base, data={"path": str(tmp_path / "retail.csv"), "min_customers": 5})
    analysis = BaseAnalysis("uk", params, None, "en", tmp_path)
    analysis._note_large_exclusions(load_client_data(params, "2010-12-31", root=tmp_path))
    assert [(n.key, n.values) for n in analysis.notes] == [
        ("data.excluded_customer_email", {"rows": 10, "share": 25})]
    fallback = ClientParams(**base, data={"path": str(tmp_path / "retail.csv"), "min_customers": 5,
                                                   "email_fallback": True})
    analysis = BaseAnalysis("uk", fallback, None, "en", tmp_path)
    analysis._note_large_exclusions(load_client_data(fallback, "2010-12-31", root=tmp_path))
    assert analysis.notes == []  # the guests are identified by e-mail: nothing left out

"""Reading exports: encodings, delimiters, Excel sheets, Parquet, malformed rows; column mapping; the ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.data.ledger import COLUMNS, Ledger
from clv_lib.data.mapping import fold, resolve_columns
from clv_lib.data.read import as_text, read_headers, read_table, sniff_delimiter, sniff_encoding
from clv_lib.exceptions import DataError

ROWS = [["Cliente", "Data", "Totale", "Città"], ["1", "01/02/2024", "1.234,56", "Forlì"],
        ["2", "02/02/2024", "12,00", "Cantù"]]


def _write(path, rows, sep, encoding, newline="\n"):
    path.write_bytes(newline.join(sep.join(r) for r in rows).encode(encoding) + newline.encode())
    return path


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("cp1252", "cp1252")])
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_encodings_and_delimiters_are_sniffed(tmp_path, encoding, expected, sep):
    rows = [[c.replace(",", ".") if sep == "," else c for c in r] for r in ROWS]
    path = _write(tmp_path / "x.csv", rows, sep, encoding, "\r\n")
    raw = read_table(path)
    assert raw.info.encoding == expected and raw.info.delimiter == sep
    assert list(raw.frame.columns) == ["Cliente", "Data", "Totale", "Città"]
    assert raw.frame["Città"].tolist() == ["Forlì", "Cantù"]
    assert raw.row_numbers.tolist() == [2, 3]
    assert len(raw.info.sha256) == 64


def test_latin1_bytes_outside_cp1252(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\n1;\x81x\n")
    assert sniff_encoding(path) == "latin-1"
    assert read_table(path).frame["b"].tolist() == ["\x81x"]


def test_delimiter_sniffing_prefers_the_consistent_split():
    sample = "Cliente;Importo;Data\n1;1.234,56;01/01/2024\n2;12,00;02/01/2024\n"
    assert sniff_delimiter(sample) == ";"
    assert sniff_delimiter(" 00004 0001 19970101  2   29.33\n 00021 0002 19970101  3   63.34\n x") == "whitespace"


def test_quoted_fields_and_blanks(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('id,note,amount\n1,"a, b",3\n2,"line\nbreak",\n', encoding="utf-8")
    raw = read_table(path)
    assert raw.frame["note"].tolist() == ["a, b", "line\nbreak"]
    assert pd.isna(raw.frame["amount"].iloc[1])


def test_malformed_rows_are_set_aside_with_their_numbers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n1;2;3\n4;5\n6;7;8\n9;10;11;12\n", encoding="utf-8")
    raw = read_table(path)
    assert raw.malformed.tolist() == [3, 5]
    assert raw.row_numbers.tolist() == [2, 4] and raw.frame["a"].tolist() == ["1", "6"]


def test_excel_sheets(tmp_path):
    path = tmp_path / "x.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="Note", index=False)
        pd.DataFrame({"Cliente": [10234.0, 7.0], "Data": pd.to_datetime(["2024-01-02", "2024-01-03"]),
                      "Importo": [12.5, 3.0]}).to_excel(writer, sheet_name="Ordini", index=False)

    class Spec:
        sheet, format = "Ordini", None

    raw = read_table(path, Spec())
    assert raw.info.sheet == "Ordini" and list(raw.frame.columns) == ["Cliente", "Data", "Importo"]
    assert as_text(raw.frame["Cliente"]).tolist() == ["10234", "7"]
    Spec.sheet = "Vendite"
    with pytest.raises(DataError, match="sheet 'Vendite' not found; sheets are: Note, Ordini"):
        read_table(path, Spec())
    Spec.sheet = 1
    assert read_headers(path, Spec()) == ["Cliente", "Data", "Importo"]


def test_parquet_projection(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"customer_id": [1, 2], "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                  "amount": [1.0, 2.0]}).to_parquet(path)
    raw = read_table(path, columns=["order_date"])
    assert list(raw.frame.columns) == ["order_date"] and raw.info.format == "parquet"


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(DataError, match=r"^data/none\.csv: file not found$"):
        read_table(tmp_path / "none.csv", display="data/none.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match="unknown file type"):
        read_table(tmp_path / "x.json")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_table(tmp_path / "empty.csv")


def test_headers_are_detected_in_italian_and_english():
    mapping = resolve_columns(["N° Ordine", "Cliente", "Data Ordine", "Totale", "Stato", "E-mail", "Valuta"],
                              "transactional", {}, "x.csv")
    assert mapping.columns == {"customer_id": "Cliente", "order_id": "N° Ordine", "order_date": "Data Ordine",
                               "amount": "Totale", "currency": "Valuta", "status": "Stato", "email": "E-mail"}
    assert set(mapping.origin.values()) == {"detected"}
    english = resolve_columns(["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"], "transactional",
                              {}, "x.csv")
    assert english.get("unit_price") == "UnitPrice" and english.get("quantity") == "Quantity"
    subs = resolve_columns(["account_id", "started_at", "canceled_at", "price", "interval", "plan"], "subscription",
                           {}, "x.csv")
    assert subs.get("amount") == "price" and subs.get("billing_interval") == "interval"
    assert fold("Quantità  (pz.)") == "quantita_pz"


def test_stripe_dashboard_headers_with_utc_notes_are_detected():
    # Stripe's subscription export (dashboard CSV) writes the zone after the name; "Ended At" is the effective end,
    # "Canceled At" only when the cancellation was asked for (cancel at period end).
    headers = ["id", "Customer ID", "Customer Email", "Plan", "Quantity", "Currency", "Interval", "Amount", "Status",
               "Created (UTC)", "Start (UTC)", "Trial Start (UTC)", "Canceled At (UTC)", "Ended At (UTC)"]
    subs = resolve_columns(headers, "subscription", {}, "subs.csv")
    assert subs.get("start_date") == "Start (UTC)" and subs.get("end_date") == "Ended At (UTC)"
    assert subs.get("customer_id") == "Customer ID" and subs.get("amount") == "Amount"
    created_only = resolve_columns([h for h in headers if h != "Start (UTC)"], "subscription", {}, "subs.csv")
    assert created_only.get("start_date") == "Created (UTC)"


def test_shopify_name_is_the_order_number_only_beside_shopify_columns():
    shopify = ["Name", "Email", "Financial Status", "Paid at", "Currency", "Total", "Created at",
               "Lineitem quantity", "Lineitem name"]
    assert resolve_columns(shopify, "transactional", {}, "x.csv").get("order_id") == "Name"
    # Elsewhere "Name" is a person's name, not an order number.
    other = resolve_columns(["Name", "Email", "Date", "Total"], "transactional", {}, "x.csv")
    assert other.get("order_id") is None


def test_mapping_from_params_wins_and_missing_columns_are_named():
    mapping = resolve_columns(["Cliente", "Data", "Totale", "Importo"], "transactional", {"amount": "importo"}, "x")
    assert mapping.get("amount") == "Importo" and mapping.origin["amount"] == "params"
    assert "amount <- 'Importo' (params)" in mapping.describe()
    with pytest.raises(DataError) as err:
        resolve_columns(["Cliente", "Data", "Totale"], "transactional", {"amount": "Importo"},
                        "data/acme/orders.csv")
    assert str(err.value) == ("data/acme/orders.csv: column 'Importo' (mapped to amount) not found; columns are: "
                              "Cliente, Data, Totale")
    with pytest.raises(DataError, match="no order_date column found"):
        resolve_columns(["Cliente", "Totale"], "transactional", {}, "x.csv")


def test_ledger_frame_and_invariant():
    ledger = Ledger(source="x.csv")
    ledger.read(10, 100.0)
    ledger.record("exact duplicate row", "excluded", [5, 3, 9, 11, 12, 40], 12.345)
    ledger.record("nothing", "excluded", [], 0.0)
    ledger.record("zero-value order (kept)", "flagged", [7], 0.0)
    ledger.kept(4, 80.0)
    frame = ledger.to_frame()
    assert list(frame.columns) == COLUMNS
    assert frame["rule"].tolist() == ["read", "kept", "exact duplicate row", "zero-value order (kept)"]
    assert frame.loc[2, "example_rows"] == "3, 5, 9, 11, 12" and frame.loc[2, "revenue"] == 12.35
    ledger.check()
    ledger.kept(5, 80.0)
    with pytest.raises(DataError, match="does not add up"):
        ledger.check()
    with pytest.raises(ValueError):
        ledger.record("x", "dropped", [1])
    assert np.isclose(ledger.share(ledger.records[0]), 0.6)



def test_excel_cells_typed_by_excel_reach_the_cleaning_rules(tmp_path):
    """Online Retail-style sheet (Chen et al. 2012): typed date cells, float customer ids with gaps, line items,
    a credit note ("C" invoice, negative quantity)."""
    from clv_lib.data.mapping import resolve_columns
    from clv_lib.data.orders import clean_orders
    from clv_lib.params.schema import DataSpec

    path = tmp_path / "online_retail.xlsx"
    pd.DataFrame({"Invoice": ["536365", "536365", "C536379", "536380"],
                  "InvoiceDate": pd.to_datetime(["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-01 09:41",
                                                 "2010-12-02 10:00"]),
                  "Quantity": [6, 2, -1, 3], "Price": [2.55, 3.39, 2.55, 1.0],
                  "Customer ID": [17850.0, 17850.0, 17850.0, None]}).to_excel(path, index=False,
                                                                              sheet_name="Year 2009-2010")
    raw = read_table(path)
    assert raw.info.sheet == "Year 2009-2010"
    mapping = resolve_columns(list(raw.frame.columns), "transactional", {}, str(path))
    result = clean_orders(raw, mapping, DataSpec(path=str(path)), "GBP", "Europe/London", "2010-12-31")
    frame = result.frame
    assert frame["customer_id"].tolist() == ["17850"] and frame["order_id"].tolist() == ["536365"]
    assert frame["order_date"].tolist() == [pd.Timestamp("2010-12-01")]
    assert frame["amount"].round(2).tolist() == [round(6 * 2.55 + 2 * 3.39 - 2.55, 2)]
    assert result.ledger.rows_read == 4 == result.ledger.rows_kept + result.ledger.rows_removed


def test_a_file_that_is_not_a_workbook_gets_one_line(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"this is a CSV renamed to .xlsx\n1,2,3\n")
    with pytest.raises(DataError, match=r"orders\.xlsx: not a readable Excel workbook") as error:
        read_table(path)
    assert "\n" not in str(error.value)

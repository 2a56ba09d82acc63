"""Outputs safe to open and send: CSV cells that cannot run as formulas (OWASP's CSV injection advice), Excel
cells that are text, escaped HTML, and no machine path in the client's report. The end-to-end test runs a
client whose every customer id is hostile through the runner (notebook, HTML, PDF) from a data file outside the
project."""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clv_lib.report.spreadsheets import TRIGGERS, neutralise, restore, write_csv, write_xlsx
from scratch import build, scratch_project

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = (
    '=HYPERLINK("http://x.example/{i}","<i>click</i>")',
    "+{i}+1<b>",
    "-{i}-1 & co",
    "@SUM(A{i})<br>",
    "<script>alert({i})</script>",
    "\"q{i}\" 'x' <q>",
    "'={i}<>",
)


def formula_like(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: it starts with a trigger and is not a plain number (-12.5 is data)."""
    if not cell.startswith(TRIGGERS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


@given(st.text())
def test_neutralise_is_safe_and_restore_inverts_it(value):
    safe = neutralise(value)
    assert not safe.startswith(TRIGGERS)
    assert restore(safe) == value


def test_csv_cells_never_start_a_formula_and_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({"segment": ["=1+1", "-x", "ok", "a;=2+2"], "amount": [-12.5, 3.0, -0.25, 7.0],
                          "count": [-1, 2, 3, 4]},
                         index=pd.Index(["@id", "+39 333", "\tx", "\rcmd"], name="customer_id"))
    path = write_csv(frame, tmp_path / "t.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["customer_id", "segment", "amount", "count"]
    for row in rows[1:]:
        assert not any(formula_like(cell) for cell in row), row
    text = path.read_text(encoding="utf-8")
    assert "\"'@id\",\"'=1+1\",-12.5,-1" in text  # text quoted and neutralised; negative numbers bare
    assert "\"a;=2+2\"" in text  # a separator inside a value stays inside its quoted cell
    back = pd.read_csv(path, dtype={"customer_id": str, "segment": str})
    assert back["amount"].tolist() == [-12.5, 3.0, -0.25, 7.0] and back["count"].tolist() == [-1, 2, 3, 4]
    assert back["customer_id"].map(restore).tolist() == list(frame.index)


def test_xlsx_writes_text_numbers_and_dates(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"clv_12m": [-1.5, None], "first_order": ["2024-03-05", ""], "segment": ["=x", "ok"]},
                         index=pd.Index(["=HYPERLINK(\"http://x\")", "00123"], name="customer_id"))
    path = write_xlsx(frame, tmp_path / "t.xlsx", "customers", date_columns=["first_order"])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["customer_id", "clv_12m", "first_order", "segment"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"http://x\")"
    assert sheet["A3"].data_type == "s" and sheet["A3"].value == "00123"  # leading zeros kept: an id is text
    assert sheet["B2"].value == -1.5 and sheet["B3"].value is None
    assert sheet["C2"].is_date and sheet["C2"].value.date().isoformat() == "2024-03-05"
    assert sheet["D2"].data_type == "s"
    assert "<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("index,float_format", [(True, None), (False, None), (False, "%.2f")])
def test_csv_bytes_are_pandas_quote_nonnumeric(tmp_path, index, float_format):
    """write_csv builds the file column by column (NumPy/Arrow) but writes exactly what pandas' to_csv with
    QUOTE_NONNUMERIC writes: floats as repr, text quoted with doubled quotes, missing values as "", nullable
    integers, booleans, categoricals, a formatted float quoted."""
    import numpy as np

    from clv_lib.report.spreadsheets import safe_frame

    texts = ['=HYPERLINK("x")', "a,b", 'q"q', "", None, "nl\nx", "'=1", "+1", "é", "x"]
    frame = pd.DataFrame({"txt": pd.array(texts, dtype="str"), "obj": texts,
                          "cat": pd.Categorical(["a", None] * 5),
                          "f": [1.0, np.nan, -0.0, 1e16, 1e-5, 0.1 + 0.2, 1e15, 3.0, -12.5, 8.0],
                          "i": range(10), "I": pd.array([1, None] * 5, dtype="Int64"), "b": [True, False] * 5},
                         index=pd.Index([f"id{i}" if i != 3 else "=x" for i in range(10)], name="customer_id"))
    path = write_csv(frame, tmp_path / "fast.csv", index=index, float_format=float_format)
    expected = safe_frame(frame, index=index)
    expected = expected.astype({c: object for c in ("txt", "cat")})
    expected.to_csv(tmp_path / "pandas.csv", index=index, quoting=csv.QUOTE_NONNUMERIC, float_format=float_format)
    assert path.read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_xlsx_text_cells_keep_every_text_as_excel_escapes_it(tmp_path, monkeypatch):
    """The data rows are built with Arrow and streamed in chunks (`clv_lib.report.sheet_rows`): every text stays an
    inline string, escaped as XlsxWriter escapes it (control characters as `_xHHHH_`, a literal `_xHHHH_` escaped
    in turn, XML markup as text, leading/trailing blanks preserved), rows stay in order across chunks, and a
    missing text or a non-finite number leaves the cell empty."""
    openpyxl = pytest.importorskip("openpyxl")
    import clv_lib.report.sheet_rows as sheet_rows

    monkeypatch.setattr(sheet_rows, "CHUNK_ROWS", 4)
    texts = ["<r>x</r>", "a\x01b", "_x0041_", " lead", "trail ", "a&b<c>", "\ufffe", "tab\tin", "é😀", "", None,
             "x" * 40_000, *[f"=c{i}" for i in range(9)]]
    frame = pd.DataFrame({"name": pd.array(texts, dtype="str"),
                          "amount": [0.1 + 0.2, float("inf"), None, -0.0, 1e-05, *range(16)],
                          "first_order": ["2020-02-29", "1900-01-05", "", *["2024-03-05"] * 18]},
                         index=pd.Index([f"id{i}" for i in range(len(texts))], name="customer_id"))
    path = write_xlsx(frame, tmp_path / "t.xlsx", "customers", date_columns=["first_order"])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<r>" not in xml and '<dimension ref="A1:D22"/>' in xml
    sheet = openpyxl.load_workbook(path).active
    assert [sheet.cell(r, 1).value for r in range(2, 23)] == [f"id{i}" for i in range(len(texts))]
    names = [sheet.cell(r, 2).value for r in range(2, 23)]
    assert names[:10] == ["<r>x</r>", "a_x0001_b", "_x005F_x0041_", " lead", "trail ", "a&b<c>", "_xFFFE_",
                          "tab\tin", "é😀", ""]
    assert names[10] is None and names[11] == "x" * 32_767 and names[12:] == [f"=c{i}" for i in range(9)]
    assert all(sheet.cell(r, 2).data_type == "s" for r in range(2, 23) if r != 12)
    assert [sheet.cell(r, 3).value for r in range(2, 7)] == [0.30000000000000004, None, None, 0, 1e-05]
    assert sheet["D2"].value.date().isoformat() == "2020-02-29" and sheet["D3"].value.date().isoformat() == \
        "1900-01-05" and sheet["D4"].value is None


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A small client (500 demo customers) whose every customer id and channel is hostile, read from a file in a
    folder outside the project, named by its absolute path; built once with the runner (HTML and PDF)."""
    root = tmp_path_factory.mktemp("hostile")
    elsewhere = tmp_path_factory.mktemp("consultant-home") / "clients" / "acme"
    elsewhere.mkdir(parents=True)
    scratch_project(root)
    orders = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    keep = orders["Cliente"].dropna().drop_duplicates().head(500)
    small = orders[orders["Cliente"].isin(keep)].copy()
    codes = {cid: HOSTILE[i % len(HOSTILE)].format(i=i) for i, cid in enumerate(keep)}
    small["Cliente"] = small["Cliente"].map(codes)
    small["Canale"] = small["Canale"].map(lambda c: f"=cmd|' /c {c}'!A1")
    data = elsewhere / "orders.csv"
    small[["Cliente", "Ordine", "Data", "Importo", "Canale"]].to_csv(data, sep=";", index=False)
    (root / "params" / "acme.yaml").write_text(
        "client_name: Acme\nbusiness_model: transactional\ncurrency: EUR\nlanguage: en\ngross_margin: 0.4\n"
        f"data:\n  path: {data}\n  decimal: ','\n  dayfirst: true\n", encoding="utf-8")
    return {"folder": build(root, "acme", "--period", "2025Q4"), "ids": set(codes.values()), "data": data}


@pytest.mark.slow
def test_hostile_ids_in_customers_csv_are_not_formulas(hostile):
    path = hostile["folder"] / "customers.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(hostile["ids"])
    for row in body:
        assert not any(formula_like(cell) for cell in row), row
    ids = {restore(row[0]) for row in body}
    assert ids == hostile["ids"]  # nothing lost or altered: restore() gives the client's ids back
    channel = header.index("channel")
    assert {restore(row[channel]) for row in body} <= {f"=cmd|' /c {c}'!A1" for c in
                                                       ("search", "social", "email", "marketplace", "referral")}
    for name in ("segments.csv", "forecast.csv", "data_quality.csv"):
        rows = list(csv.reader((hostile["folder"] / name).open(encoding="utf-8")))
        assert not any(formula_like(cell) for row in rows for cell in row), name
    from clv_lib.report.forecast_file import read_forecast

    assert set(read_forecast(hostile["folder"] / "forecast.csv").index) <= hostile["ids"]


@pytest.mark.slow
def test_hostile_ids_in_customers_xlsx_are_text_cells(hostile):
    openpyxl = pytest.importorskip("openpyxl")
    path = hostile["folder"] / "customers.xlsx"
    assert "<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(hostile["ids"])
    assert all(row[0].data_type == "s" for row in rows)
    assert {row[0].value for row in rows} == hostile["ids"]
    csv_table = pd.read_csv(hostile["folder"] / "customers.csv", dtype={"customer_id": str})
    numbers = [c for c in csv_table.columns if pd.api.types.is_numeric_dtype(csv_table[c])]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    first = next(iter(rows))
    assert all(first[header.index(c)].data_type == "n" for c in numbers if first[header.index(c)].value is not None)


@pytest.mark.slow
def test_hostile_ids_are_escaped_in_the_report(hostile):
    html = (hostile["folder"] / "clv_report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<i>click" not in html and "<br>" not in html
    shown = [unescape(cell) for cell in re.findall(r"<tr><td>([^<]*)</td>", html)]
    hostile_shown = [cell for cell in shown if cell in hostile["ids"]]
    assert any("<script>" in cell for cell in hostile_shown) or len(hostile_shown) >= 3, shown[:20]
    assert (hostile["folder"] / "clv_report.pdf").stat().st_size > 10_000


@pytest.mark.slow
def test_report_names_the_export_by_file_name_and_hash_never_its_path(hostile):
    html = unescape((hostile["folder"] / "clv_report.html").read_text(encoding="utf-8"))
    data = hostile["data"]
    assert str(data.parent) not in html and "consultant-home" not in html
    assert "orders.csv" in html and hashlib.sha256(data.read_bytes()).hexdigest() in html

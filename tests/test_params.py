"""Client parameter files are validated before anything runs, with one-line messages naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from clv_lib.exceptions import ParamsError
from clv_lib.params import check_client_name, load_params, params_path

ROOT = Path(__file__).resolve().parents[1]

VALID = """\
client_name: Acme
business_model: transactional
currency: EUR
language: it
gross_margin: 0.4
annual_discount_rate: 0.1
horizon_months: [24, 12]
data:
  path: data/acme/orders.csv
  columns: {customer_id: Cliente, order_date: Data, amount: Importo}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_params_file_is_valid():
    files = sorted((ROOT / "params").glob("*.yaml"))
    assert {f.stem for f in files} >= {"demo", "demo-subscription"}
    for file in files:
        params = load_params(file)
        assert params.client_name


def test_valid_file_loads_with_defaults(tmp_path):
    params = load_params(write(tmp_path, VALID))
    assert params.language == "it"
    assert params.horizon_months == [12, 24]
    assert params.cac is None and params.target_ltv_cac == 3.0
    assert params.data.columns["amount"] == "Importo"


@pytest.mark.parametrize("edit, message", [
    (lambda t: t + "colour: blue\n", "unknown key 'colour'"),
    (lambda t: t.replace("  columns:", "  colums:"), "unknown key 'data.colums'"),
    (lambda t: t.replace("currency: EUR\n", ""), "missing required key 'currency'"),
    (lambda t: t.replace("gross_margin: 0.4", "gross_margin: forty"), "key 'gross_margin'"),
    (lambda t: t.replace("gross_margin: 0.4", "gross_margin: 40"), "key 'gross_margin'"),
    (lambda t: t.replace("business_model: transactional", "business_model: retail"), "key 'business_model'"),
    (lambda t: t.replace("currency: EUR", "currency: EURO"), "3-letter ISO 4217"),
    (lambda t: t.replace("currency: EUR", "currency: XYZ"), "unknown currency code 'XYZ'"),
    (lambda t: t.replace("language: it", "language: de"), "key 'language'"),
    (lambda t: t.replace("horizon_months: [24, 12]", "horizon_months: [0]"), "key 'horizon_months'"),
    (lambda t: t + "timezone: Mars/Olympus\n", "unknown time zone"),
    (lambda t: t + "periods: [2025-13]\n", "is not YYYY, YYYYQn or YYYY-MM"),
    (lambda t: t + "periods: ['2025Q4..2025-12']\n", "both ends of a range must be quarters"),
    (lambda t: t + "cac: -5\n", "CAC must be zero or positive"),
    (lambda t: t.replace("  path: data/acme/orders.csv\n", ""), "give `path`"),
    (lambda t: t + "  engine: postgres\n", "needs `connection_env`"),
])
def test_bad_files_are_rejected_with_file_and_key(tmp_path, edit, message):
    path = write(tmp_path, edit(VALID))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    text = str(info.value)
    assert str(path) in text and message in text
    assert "\n" not in text


def test_dates_stay_strings(tmp_path):
    params = load_params(write(tmp_path, VALID + "periods: [2025-11, 2025Q4, 2025]\n"))
    assert params.periods == ["2025-11", "2025Q4", "2025"]
    params = load_params(write(tmp_path, VALID + "periods: [2025Q1..2025Q4]\n"))
    assert params.periods == ["2025Q1..2025Q4"]
    params = load_params(write(tmp_path, VALID + "  start_date: 2024-01-31\n"))
    assert params.data.start_date == "2024-01-31"


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(ParamsError, match=r"acme.yaml: invalid YAML at line \d+"):
        load_params(write(tmp_path, "client_name: [unclosed\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        load_params(tmp_path / "nope.yaml")


@pytest.mark.parametrize("client", ["../x", "a b", "", "Demo", "x/y", "..", "a;rm"])
def test_client_names_cannot_escape_reports(client):
    with pytest.raises(ParamsError, match="not a valid client name"):
        check_client_name(client)


def test_unknown_client_lists_the_known_ones():
    with pytest.raises(ParamsError, match=r"no params file for client 'nope'.*demo"):
        params_path("nope", ROOT)


def test_headerless_files_map_columns_by_position(tmp_path):
    text = VALID.replace("  columns: {customer_id: Cliente, order_date: Data, amount: Importo}",
                         "  header: false\n  columns: {customer_id: 2, order_date: 3, amount: 5}")
    params = load_params(write(tmp_path, text))
    assert params.data.header is False
    assert params.data.columns == {"customer_id": "column_2", "order_date": "column_3", "amount": "column_5"}
    with pytest.raises(ParamsError, match="position for 'amount' must be 1 or more"):
        load_params(write(tmp_path, text.replace("amount: 5", "amount: 0")))

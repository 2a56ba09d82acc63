"""Amount and date parsing: the formats exports use, the per-column inferences, and what stays unparsable."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from clv_lib.data.amounts import parse_amounts
from clv_lib.data.dates import parse_dates


@pytest.mark.parametrize("text, expected", [
    ("1234.56", 1234.56), ("1.234,56", 1234.56), ("€ 1.234,56", 1234.56), ("1 234,56", 1234.56),
    ("1\u00a0234,56", 1234.56), ("(12,00)", -12.0), ("-12", -12.0), ("12,00-", -12.0), ("€ -3,50", -3.5),
    ("-€ 4,00", -4.0), ("EUR 5", 5.0), ("1.234.567,8", 1234567.8), ("0,00", 0.0), (",5", 0.5),
])
def test_amounts_in_an_italian_column(text, expected):
    column = pd.Series([text, "89,90", "1.200,00"])  # the column is comma-decimal
    values, inference = parse_amounts(column)
    assert values[0] == pytest.approx(expected)
    assert inference.decimal == "," and inference.origin == "inferred"


@pytest.mark.parametrize("text", ["n/d", "", "12,34,56", "#VALORE!", "1.2.3", "abc", "--5"])
def test_unparsable_amounts_are_nan_and_counted(text):
    values, inference = parse_amounts(pd.Series([text, "10,00"]), decimal=",")
    assert np.isnan(values[0]) and values[1] == 10.0
    assert inference.unparsable == 1 and inference.origin == "params"


def test_explicit_decimal_decides_the_ambiguous_values():
    column = pd.Series(["1.234", "2.500"])
    assert parse_amounts(column, decimal=",")[0].tolist() == [1234.0, 2500.0]
    assert parse_amounts(column, decimal=".")[0].tolist() == [1.234, 2.5]
    values, inference = parse_amounts(column)
    assert inference.origin == "default" and inference.ambiguous == 2 and values.tolist() == [1.234, 2.5]
    assert "ambiguous" in inference.describe()


def test_english_thousands_are_inferred():
    values, inference = parse_amounts(pd.Series(["1,234.56", "12.5", "1,000"]))
    assert values.tolist() == [1234.56, 12.5, 1000.0] and inference.decimal == "."


def test_numeric_and_mixed_excel_cells():
    assert parse_amounts(pd.Series([1.5, 2.0, None]))[1].origin == "numeric"
    values, _ = parse_amounts(pd.Series([1.5, "2,5", None, 3], dtype=object))
    assert values[:2].tolist() == [1.5, 2.5] and np.isnan(values[2]) and values[3] == 3.0


def test_dates_in_the_formats_exports_use():
    column = pd.Series(["05/03/2024", "31/12/2023 23:50", "2024-03-05", "20240305", "45356", "5.3.24",
                        "2024/03/05 10:00"])
    days, inference = parse_dates(column)
    assert days.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05", "2023-12-31", "2024-03-05", "2024-03-05",
                                                      "2024-03-05", "2024-03-05", "2024-03-05"]
    assert str(days.dtype) == "datetime64[ns]" and (days == days.dt.normalize()).all()
    assert inference.dayfirst and inference.order_origin == "inferred"


def test_month_first_is_inferred_or_taken_from_params():
    days, inference = parse_dates(pd.Series(["03/25/2024", "04/01/2024"]))
    assert days.tolist() == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-04-01")]
    assert not inference.dayfirst and inference.order_origin == "inferred"
    days, inference = parse_dates(pd.Series(["04/01/2024"]), dayfirst=False)
    assert days[0] == pd.Timestamp("2024-04-01") and inference.order_origin == "params"
    assert parse_dates(pd.Series(["04/01/2024"]))[0][0] == pd.Timestamp("2024-01-04")  # default: day first


def test_time_zones_are_converted_to_the_clients_day():
    column = pd.Series(["2024-03-05T23:30:00Z", "2024-07-01T21:59:00+00:00", "2024-07-01T22:00:00Z",
                        "2024-03-05 23:30"])
    days, inference = parse_dates(column, timezone="Europe/Rome")
    assert days.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-06", "2024-07-01", "2024-07-02", "2024-03-05"]
    assert inference.converted_from_zone == 3
    aware = pd.Series(pd.to_datetime(["2024-01-01T23:30Z"], utc=True))
    assert parse_dates(aware, timezone="Europe/Rome")[0][0] == pd.Timestamp("2024-01-02")
    assert parse_dates(aware, timezone="America/New_York")[0][0] == pd.Timestamp("2024-01-01")


@pytest.mark.parametrize("text", ["31/02/2024", "n.d.", "", "2024-13-45", "00/00/0000", "12345", "domani"])
def test_unparsable_dates(text):
    days, inference = parse_dates(pd.Series([text, "01/01/2024"]))
    assert pd.isna(days[0]) and days[1] == pd.Timestamp("2024-01-01") and inference.unparsable == 1


def test_typed_cells():
    column = pd.Series([dt.datetime(2024, 1, 2, 23, 0), 45000, "2024-01-01", None], dtype=object)
    days, _ = parse_dates(column)
    assert days[:3].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2023-03-15"), pd.Timestamp("2024-01-01")]
    assert pd.isna(days[3])


def test_a_utc_header_makes_naive_times_utc():
    # Stripe's dashboard exports write "Created (UTC)" with times like "2024-01-31 23:30" and no zone.
    values = pd.Series(["2024-01-31 23:30", "2024-06-30 22:15"])
    days, info = parse_dates(values, None, "Europe/Rome", "Created (UTC)")
    assert days.tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-07-01")]  # +1 h winter, +2 h summer
    assert info.converted_from_zone == 2
    local, _ = parse_dates(values, None, "Europe/Rome", "Created")  # no zone in the header: local time
    assert local.tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-06-30")]


def test_undecided_or_mixed_day_month_order_names_the_params_key():
    _, undecided = parse_dates(pd.Series(["01/02/2024", "03/04/2024"]), None, "Europe/Rome", "Data")
    assert undecided.order_origin == "default" and "data.dayfirst: false" in undecided.describe()
    days, mixed = parse_dates(pd.Series(["13/02/2024", "03/14/2024"]), None, "Europe/Rome", "Data")
    assert mixed.order_origin == "mixed" and "data.dayfirst" in mixed.describe()
    assert days.isna().sum() == 1 and mixed.unparsable == 1

"""PERIOD accepts YYYY, YYYYQn and YYYY-MM; the cut-off is the period's last day."""

import re

import pandas as pd
import pytest

from clv_lib.exceptions import ParamsError
from clv_lib.params import last_complete_month, months_between, parse_period, parse_period_range


@pytest.mark.parametrize("text, label, start, end", [
    ("2025", "2025", "2025-01-01", "2025-12-31"),
    ("2025Q4", "2025Q4", "2025-10-01", "2025-12-31"),
    ("2025-Q1", "2025Q1", "2025-01-01", "2025-03-31"),
    ("2024Q1", "2024Q1", "2024-01-01", "2024-03-31"),
    ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
    ("2025-11", "2025-11", "2025-11-01", "2025-11-30"),
])
def test_periods(text, label, start, end):
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, pd.Timestamp(start), pd.Timestamp(end))
    assert period.cutoff == period.end


@pytest.mark.parametrize("text", ["2025Q5", "2025-13", "25", "2025-1", "Q4 2025", "2025/11", "last"])
def test_bad_periods(text):
    with pytest.raises(ParamsError, match="YYYY, YYYYQn or YYYY-MM"):
        parse_period(text)


@pytest.mark.parametrize("last, label", [
    ("2025-11-20", "2025-10"), ("2025-11-30", "2025-11"), ("2025-12-31", "2025-12"), ("2025-01-01", "2024-12"),
])
def test_default_period_is_last_complete_month(last, label):
    assert last_complete_month(pd.Timestamp(last)).label == label


@pytest.mark.parametrize("text, labels", [
    ("1997Q3..1998Q2", ["1997Q3", "1997Q4", "1998Q1", "1998Q2"]),
    ("2024-11..2025-02", ["2024-11", "2024-12", "2025-01", "2025-02"]),
    ("2021..2023", ["2021", "2022", "2023"]),
    ("2025-Q1..2025Q2", ["2025Q1", "2025Q2"]),
    (" 2025Q4..2025Q4 ", ["2025Q4"]),
    ("2025Q4", ["2025Q4"]),
])
def test_period_ranges(text, labels):
    periods = parse_period_range(text)
    assert [p.label for p in periods] == labels
    assert all(a.end < b.start for a, b in zip(periods, periods[1:]))  # in order, no gap, no overlap
    assert all((b.start - a.end).days == 1 for a, b in zip(periods, periods[1:]))


@pytest.mark.parametrize("text, message", [
    ("1997Q3..1998-02", "both ends of a range must be quarters"),
    ("2025..2025Q4", "both ends of a range must be years"),
    ("1998Q2..1997Q3", "starts after it ends (write 1997Q3..1998Q2)"),
    ("..1998Q2", "a range is FIRST..LAST"),
    ("1997Q3..1998Q1..1998Q2", "a range is FIRST..LAST"),
    ("1997Q5..1998Q2", "is not one of YYYY, YYYYQn or YYYY-MM"),
    ("1900-01..2030-12", "a range holds at most 240"),
])
def test_bad_period_ranges(text, message):
    with pytest.raises(ParamsError, match=re.escape(message)):
        parse_period_range(text)


def test_months_between_cut_offs():
    assert months_between(parse_period("1997Q3"), parse_period("1998Q2")) == 9
    assert months_between(parse_period("2024-12"), parse_period("2025-01")) == 1
    assert months_between(parse_period("2023"), parse_period("2025")) == 24

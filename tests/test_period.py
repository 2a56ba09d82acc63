"""PERIOD accepts YYYY, YYYYQn and YYYY-MM; the cut-off is the period's last day."""

import pandas as pd
import pytest

from clv_lib.exceptions import ParamsError
from clv_lib.params import last_complete_month, parse_period


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

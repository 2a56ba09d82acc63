"""Calibration/holdout split: calibration-period RFM per customer, and what the same customers did afterwards.

Customers are those with a purchase on or before `calibration_end`. Calibration columns follow `rfm_summary`
(`frequency_cal`, `recency_cal`, `T_cal`, `monetary_value_cal`, with T measured to `calibration_end`). Holdout
columns count the purchases after `calibration_end` up to `observation_end` (both inclusive days), merged per
purchase period as in calibration: `frequency_holdout` (purchases in the holdout; all of them are repeat
purchases), `monetary_value_holdout` (their mean value, 0 when none) and `duration_holdout` (holdout length in
the time unit, the same for every customer). This is the layout of lifetimes'
`calibration_and_holdout_data`, which the models use to compare predicted with actual holdout purchases.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.summary.rfm import UNIT_DAYS, _check, _connect, _end_of, _periods_sql, _q, rfm_summary

HOLDOUT_COLUMNS = ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]


def calibration_holdout_summary(transactions: pd.DataFrame, calibration_end, observation_end=None,
                                customer_col: str = "customer_id", date_col: str = "order_date",
                                amount_col: Optional[str] = "amount", time_unit: str = "D",
                                purchase_grain: str = "D") -> pd.DataFrame:
    """Per customer (index `customer_col`): `frequency_cal, recency_cal, T_cal, monetary_value_cal,
    frequency_holdout, monetary_value_holdout, duration_holdout` (durations in `time_unit`)."""
    _check(transactions, [customer_col, date_col, amount_col], time_unit, purchase_grain)
    cal_end = pd.Timestamp(calibration_end).normalize()
    end = _end_of(transactions, date_col, observation_end)
    if end <= cal_end:
        raise ModelInputError(f"transactions: the observation end {end.date()} must come after the calibration "
                              f"end {cal_end.date()}")
    cal = rfm_summary(transactions, customer_col, date_col, amount_col, cal_end, time_unit, purchase_grain)
    cal.columns = [f"{c}_cal" for c in cal.columns]
    where = (f"CAST({_q(date_col)} AS DATE) > CAST($1 AS DATE) AND CAST({_q(date_col)} AS DATE) <= "
             f"CAST($2 AS DATE)")
    sql = f"""WITH periods AS ({_periods_sql(customer_col, date_col, amount_col, purchase_grain, where)})
              SELECT c, CAST(COUNT(*) AS DOUBLE) AS frequency_holdout, AVG(s) AS monetary_value_holdout
              FROM periods GROUP BY c"""
    con = _connect(transactions, customer_col, date_col, amount_col)
    try:
        hold = con.execute(sql, [cal_end.date(), end.date()]).df().set_index("c")
    finally:
        con.close()
    out = cal.join(hold, how="left")
    out["frequency_holdout"] = out["frequency_holdout"].fillna(0.0)
    if amount_col:
        out["monetary_value_holdout"] = out["monetary_value_holdout"].fillna(0.0).astype("float64")
    else:
        out = out.drop(columns="monetary_value_holdout")
    if purchase_grain == "M":
        out["duration_holdout"] = float((end.year - cal_end.year) * 12 + end.month - cal_end.month)
    elif purchase_grain == "W":
        monday = pd.Timedelta(days=1)
        weeks = ((end - end.weekday() * monday) - (cal_end - cal_end.weekday() * monday)).days / 7
        out["duration_holdout"] = float(weeks)
    else:
        out["duration_holdout"] = (end - cal_end).days / UNIT_DAYS[time_unit]
    out.index.name = customer_col
    return out

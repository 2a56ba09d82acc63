"""The forecast a report keeps (`forecast.csv`, or `forecast.parquet` for a large base) and the run metadata that
lets a later report check it: the model, its parameters, the cut-off and a fingerprint of the data it learned from.

The file holds one row per customer (ids as in customers.csv) and, for every month m of the longest horizon, the
expected cumulative repeat purchases `purchases_{m}m` (subscriptions: the probability of still being subscribed,
`active_{m}m`) and the expected cumulative spend `spend_{m}m` (undiscounted revenue). See `clv_lib.value.forecast`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORECAST_CSV = "forecast.csv"
FORECAST_PARQUET = "forecast.parquet"
PARQUET_FROM_CUSTOMERS = 50_000  # a larger base gets Parquet: a CSV would pass 15 MB
DECIMALS = {"purchases": 4, "active": 4, "spend": 2}


def forecast_table(report) -> pd.DataFrame:
    """Per customer (output ids), the cumulative monthly forecast over the report's longest horizon."""
    from clv_lib.value.forecast import order_forecast, subscription_forecast

    a = report.analysis
    horizon = max(a.horizons)
    if report.subscription:
        table = a.valuation_table
        table = table[table["active"]]
        forecast = subscription_forecast(table, a.retention_models, horizon_months=horizon)
    else:
        from clv_lib.pipeline.orders import TIME_UNIT

        forecast = order_forecast(a.summary, a.clv, time_unit=TIME_UNIT, horizon_months=horizon)
    for column in forecast.columns:
        forecast[column] = forecast[column].round(DECIMALS[column.split("_", 1)[0]])
    forecast.index = pd.Index(report.output_ids(forecast.index), name="customer_id")
    return forecast


def write_forecast(report, folder: Path) -> str:
    """Write the report's forecast into `folder`; return the file's name."""
    return save_forecast(forecast_table(report), folder)


def save_forecast(table: pd.DataFrame, folder: Path) -> str:
    """Write a forecast table as CSV, or as Parquet (float32, zstd) from PARQUET_FROM_CUSTOMERS rows; return
    the file's name."""
    if len(table) >= PARQUET_FROM_CUSTOMERS:
        table.astype("float32").to_parquet(Path(folder) / FORECAST_PARQUET, compression="zstd")
        return FORECAST_PARQUET
    table.to_csv(Path(folder) / FORECAST_CSV, encoding="utf-8")
    return FORECAST_CSV


def read_forecast(path: Path) -> pd.DataFrame:
    """A kept forecast, indexed by customer id (text)."""
    path = Path(path)
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        table.index = table.index.astype(str)
        return table.astype("float64")
    return pd.read_csv(path, dtype={"customer_id": str}).set_index("customer_id")


def model_metadata(report) -> dict:
    """The model behind the forecast and its parameters, for report_meta.json."""
    a = report.analysis
    if report.subscription:
        return {"model": "sBG", "time_unit": "months",
                "parameters": {f"{length:g}_month_contracts": dict(model.params_)
                               for length, model in sorted(a.retention_models.items())}}
    from clv_lib.pipeline.orders import TIME_UNIT
    from clv_lib.report.headline import model_name

    result = a.clv
    out = {"model": model_name(report), "method": result.method, "time_unit": {"D": "days"}.get(TIME_UNIT, TIME_UNIT),
           "parameters": dict(result.transaction_model.params_) if result.transaction_model is not None else {},
           "spend_method": result.spend_method}
    if result.spend_model is not None:
        out["spend_parameters"] = dict(result.spend_model.params_)
    return out

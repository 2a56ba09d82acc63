"""The data layer's entry point: read a client's file, map its columns, clean it, check it is usable.

`load_client_data(params, observation_end)` is what the report calls, once: it returns an `EngineData` (module
`clv_lib.data.engines.load`) with the cleaned rows (orders or subscriptions, per `business_model`) left in the
engine that cleaned them (DuckDB for a file), the ledger (written as `data_quality.csv`), the column mapping used,
the parsing inferences and the source (a file's SHA-256, or a table's engine and name). `last_order_date(params)` reads only
the date column, cheaply, for choosing the default reporting period.

Data in a database or warehouse (`data.table` / `data.sql`), and local Parquet/CSV files too large for memory, go
through `clv_lib.data.engines`: the result is an `EngineData` with the same ledger, mapping and description, whose
orders stay in the engine and are summarised there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from clv_lib.data.dates import parse_dates
from clv_lib.data.audit import data_path
from clv_lib.data.mapping import ColumnMapping, resolve_columns
from clv_lib.data.read import read_headers, read_table


def load_client_data(params, observation_end=None, root: Optional[Path] = None):
    """Read, map and clean a client's data (params: a `ClientParams`); `observation_end` is the cut-off day
    (inclusive; None keeps every date). Raises DataError subclasses with one-line messages before any model runs:
    missing file or column, unknown currency, no valid rows, fewer customers than `data.min_customers`."""
    from clv_lib.data.engines.load import load_engine_data, uses_engine

    spec = params.data
    if spec.table or spec.sql or uses_engine(spec, data_path(params, root)[0]):
        return load_engine_data(params, observation_end, root)
    path, display = data_path(params, root)
    found: dict[str, ColumnMapping] = {}

    def mapped_headers(headers: list[str]) -> list[str]:
        found["mapping"] = resolve_columns(headers, params.business_model, dict(spec.columns), display)
        return list(found["mapping"].columns.values())

    raw = read_table(path, spec, columns=mapped_headers, display=display)
    mapping = found["mapping"]
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    from clv_lib.data.engines.load import clean_file_data

    return clean_file_data(params, raw, mapping, end)


def last_order_date(params, root: Optional[Path] = None) -> Optional[pd.Timestamp]:
    """The last parsable order date (subscriptions: the last start or end date) in the client's file, reading
    only that column; None when there is none. Dates after today (typing errors such as 2052) are ignored. The
    report's default period is the last complete month before it.
    """
    from clv_lib.data.engines.load import last_engine_date, uses_engine

    spec = params.data
    if spec.table or spec.sql or uses_engine(spec, data_path(params, root)[0]):
        return last_engine_date(params, root)
    path, display = data_path(params, root)
    headers = read_headers(path, spec, display)
    mapping = resolve_columns(headers, params.business_model, dict(spec.columns), display)
    wanted = ["order_date"] if params.business_model != "subscription" else ["start_date", "end_date"]
    columns = [mapping.get(c) for c in wanted if mapping.get(c)]
    raw = read_table(path, spec, columns=columns, display=display, hash_rest=False)
    last = None
    for header in columns:
        days, _ = parse_dates(raw.frame[header], spec.dayfirst, params.timezone, header)
        top = days[days <= pd.Timestamp.now().normalize()].max()
        if pd.notna(top) and (last is None or top > last):
            last = top
    return last

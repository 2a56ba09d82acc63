"""The data layer's entry point: read a client's file, map its columns, clean it, check it is usable.

`load_client_data(params, observation_end)` is what the report calls, once: it returns an `EngineData` (module
`clv_lib.data.engines.load`) with the cleaned rows (orders or subscriptions, per `business_model`) left in the
engine that cleaned them (DuckDB for a file), the ledger (written as `data_quality.csv`), the column mapping used,
the parsing inferences and the source (a file's SHA-256, or a table's engine and name). `last_order_date(params)` gives
the last date, for choosing the default reporting period: the report reads and parses a file once
(`read_client_file`) and passes it to both.

Data in a database or warehouse (`data.table` / `data.sql`), and local Parquet/CSV files too large for memory, go
through `clv_lib.data.engines`: the result is an `EngineData` with the same ledger, mapping and description, whose
orders stay in the engine and are summarised there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from clv_lib.data.audit import data_path
from clv_lib.data.mapping import ColumnMapping, resolve_columns
from clv_lib.data.read import read_table


def read_client_file(params, root: Optional[Path] = None):
    """The client's file read, mapped and typed once (`ingest.IngestedFile`), for `last_order_date` and then
    `load_client_data`; None when the data is read through an engine (a table, a query or a large file)."""
    from clv_lib.data.engines.load import uses_engine
    from clv_lib.data.ingest import ingest_file

    spec = params.data
    if spec.table or spec.sql or uses_engine(spec, data_path(params, root)[0]):
        return None
    path, display = data_path(params, root)
    found: dict[str, ColumnMapping] = {}

    def mapped_headers(headers: list[str]) -> list[str]:
        found["mapping"] = resolve_columns(headers, params.business_model, dict(spec.columns), display)
        return list(found["mapping"].columns.values())

    raw = read_table(path, spec, columns=mapped_headers, display=display)
    return ingest_file(raw, found["mapping"], spec, params.timezone)


def load_client_data(params, observation_end=None, root: Optional[Path] = None, file=None):
    """Read, map and clean a client's data (params: a `ClientParams`); `observation_end` is the cut-off day
    (inclusive; None keeps every date); `file`: the file already read by `read_client_file` (its rows are taken).
    Raises DataError subclasses with one-line messages before any model runs: missing file or column, unknown
    currency, no valid rows, fewer customers than `data.min_customers`."""
    from clv_lib.data.engines.load import clean_file_data, load_engine_data

    if file is None:
        file = read_client_file(params, root)
    if file is None:
        return load_engine_data(params, observation_end, root)
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    return clean_file_data(params, file, end)


def last_order_date(params, root: Optional[Path] = None, file=None) -> Optional[pd.Timestamp]:
    """The last parsable order date (subscriptions: the last start or end date) of the client's data; None when
    there is none. Dates after today (typing errors such as 2052) are ignored. The report's default period is the
    last complete month before it. A file is read (`read_client_file`) unless `file` is the one already read; a
    table or large file is asked by one aggregate query.
    """
    from clv_lib.data.engines.load import last_engine_date

    if file is None:
        file = read_client_file(params, root)
    if file is None:
        return last_engine_date(params, root)
    wanted = ["order_date"] if params.business_model != "subscription" else ["start_date", "end_date"]
    return file.last_date(wanted, pd.Timestamp.now().normalize())

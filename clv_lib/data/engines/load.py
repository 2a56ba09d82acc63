"""Load a client's data through an engine: a database or warehouse table (`table:`), a query (`sql:`), or a large
local file read by DuckDB out of core.

`load_engine_data(params, observation_end)` connects, maps the columns, runs the cleaning rules in the engine
(`clean.py`) and returns an `EngineData`: the ledger, the mapping, the provenance (engine, table or query text,
row counts; never the URL) and `table`, the cleaned rows as a lazy Ibis table that `clv_lib.summary` aggregates in
the engine (`EngineOrders`, `EngineSubscriptions`). Subscription segments are cleaned in the engine too
(`clean_subscriptions.py`); the cleaned segments, one row per subscription segment (of the order of the number of
customers), also come back as `frame` for the tenure and retention models, which follow each customer's segments
one by one.

Large local files: a Parquet file with at least `ENGINE_MIN_ROWS` rows, or a CSV/TSV file of at least
`ENGINE_MIN_BYTES`, is summarised by DuckDB from disk (memory capped at `DUCKDB_MEMORY_LIMIT`, spilling to a
temporary folder) instead of being loaded into pandas. Such a file needs typed values (Parquet) or a CSV that
DuckDB can type (ISO dates, `.` or the declared `decimal` mark).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from clv_lib.data.audit import Audited, check_usable, data_path, no_valid_rows
from clv_lib.data.engines.query import run
from clv_lib.data.ledger import Ledger
from clv_lib.data.mapping import ColumnMapping, resolve_columns
from clv_lib.exceptions import DataError, EngineError

ENGINE_MIN_ROWS = 5_000_000
ENGINE_MIN_BYTES = 512 * 2**20
IN_MEMORY_ROWS = 1_000_000
DUCKDB_MEMORY_LIMIT = os.environ.get("CLV_DUCKDB_MEMORY", "1536MB")  # with the report's own, under 4 GB at 10M orders


@dataclass(frozen=True)
class EngineSource:
    """Provenance of engine data: engine, table or query text, the variable holding the URL (never the URL)."""

    engine: str
    display: str
    table: Optional[str] = None
    sql: Optional[str] = None
    connection_env: Optional[str] = None
    path: Optional[str] = None

    def describe(self) -> str:
        """One line for the report's data appendix."""
        if self.path:
            what = f"{self.path} (read by {self.engine} out of core)"
        elif self.table:
            what = f"{self.engine} table {self.table}"
        else:
            what = f"{self.engine} query: {' '.join(self.sql.split())}"
        return what + (f", connection from ${self.connection_env}" if self.connection_env else "")


@dataclass
class EngineData(Audited):
    """A client's data cleaned by an engine (DuckDB for a local file), with its ledger and provenance.

    `table`: the cleaned orders or subscription segments as a lazy Ibis table on `backend` (aggregated there by
    `clv_lib.summary.sources.order_source` / `subscription_source`); for subscription clients `frame` is the cleaned
    segments in memory (for the tenure models); for orders it raises (they stay in the engine).
    """

    kind: str
    ledger: Ledger
    mapping: ColumnMapping
    inferences: list[str]
    source: object  #: `EngineSource`, or the `read.SourceInfo` of a file
    observation_end: Optional[pd.Timestamp]
    last_date: Optional[pd.Timestamp]
    table: object = None
    backend: object = None
    subscriptions: Optional[pd.DataFrame] = None
    totals: dict = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The cleaned rows in memory: the subscription segments, or the orders (brought back from the engine on
        request, sorted by date, customer and order; the report itself only reads their aggregates)."""
        if self.subscriptions is not None:
            return self.subscriptions
        if "frame" not in self.totals:
            self.totals["frame"] = _orders_frame(self.table, self.source, self.mapping)
        return self.totals["frame"]

    @property
    def first_date(self) -> Optional[pd.Timestamp]:
        if self.subscriptions is not None:
            return self.subscriptions["start_date"].min()
        return self.totals.get("first_date")

    @property
    def customers(self) -> int:
        if self.subscriptions is not None:
            return int(self.subscriptions["customer_id"].nunique())
        return int(self.totals.get("customers", 0))


def uses_engine(spec, path: Optional[Path] = None) -> bool:
    """True when the data is read through an engine: a table or query, or a large Parquet/CSV file."""
    if spec.table or spec.sql:
        return True
    return path is not None and large_file(path, spec)


def large_file(path: Path, spec) -> bool:
    """A Parquet file of at least ENGINE_MIN_ROWS rows, or a CSV/TSV of at least ENGINE_MIN_BYTES."""
    from clv_lib.data.read import detect_format

    try:
        fmt = detect_format(path, spec.format)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows >= ENGINE_MIN_ROWS
        if fmt in ("csv", "tsv"):
            return path.stat().st_size >= ENGINE_MIN_BYTES
    except (OSError, DataError, ValueError):
        return False
    return False


def scratch_duckdb(rows: int | None = None):
    """DuckDB on a temporary database file (memory capped, spilling to disk), removed with the backend: where the
    rows of a local file are cleaned and aggregated; in memory for fewer than `IN_MEMORY_ROWS` rows (every step's
    table written to a file costs more than it saves on small data)."""
    import ibis

    from clv_lib.data.engines.query import SCRATCH

    if rows is not None and rows < IN_MEMORY_ROWS:
        return ibis.duckdb.connect()
    folder = tempfile.mkdtemp(prefix="clv-duckdb-")
    con = ibis.duckdb.connect(os.path.join(folder, "work.duckdb"))
    weakref.finalize(con, shutil.rmtree, folder, True)  # the scratch database and its spill go with the backend
    setattr(con, SCRATCH, True)  # intermediate tables are written to the scratch file (see `query.cache`)
    con.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.raw_sql(f"SET temp_directory = '{os.path.join(folder, 'spill')}'")
    con.raw_sql("SET preserve_insertion_order = false")
    return con


def file_backend(path: Path, spec, display: str):
    """DuckDB (`scratch_duckdb`) and a large file as a lazy table, read by DuckDB itself."""
    from clv_lib.data.read import detect_format

    from clv_lib.data.engines.backend_rules import file_csv_options, positional_names

    fmt = detect_format(path, spec.format)
    options = file_csv_options(spec, display) if fmt != "parquet" else {}
    con = scratch_duckdb()
    if fmt == "parquet":
        return con, con.read_parquet(str(path))
    raw = con.read_csv(str(path), **options)
    return con, positional_names(raw) if spec.header is False else raw


def clean_file_data(params, file, end) -> EngineData:
    """A file's orders or subscriptions (`ingest.IngestedFile`, whose rows this takes), cleaned (`clean_typed_rows`)
    and checked usable."""
    result, con = clean_typed_rows(file, params.data, params.currency, params.timezone, end, params.business_model)
    if params.business_model == "subscription":
        return _subscription_data(params, result, file.mapping, file.info, end, con)
    return _orders_data(params, result, file.mapping, file.info, end, con)


def clean_file_rows(raw, mapping: ColumnMapping, spec, currency: str, timezone: str, end,
                    business_model: str = "transactional"):
    """A file's rows ingested (`clv_lib.data.ingest`), then cleaned (`clean_typed_rows`)."""
    from clv_lib.data.ingest import ingest_file

    return clean_typed_rows(ingest_file(raw, mapping, spec, timezone), spec, currency, timezone, end, business_model)


def clean_typed_rows(file, spec, currency: str, timezone: str, end, business_model: str = "transactional"):
    """A file's typed rows (`ingest.IngestedFile`, taken) cleaned by DuckDB with the same Ibis rules as a database
    table: (`EngineClean`, the DuckDB backend holding the cleaned orders or subscription segments)."""
    from clv_lib.data.engines.clean import clean_engine_orders
    from clv_lib.data.engines.clean_subscriptions import clean_engine_subscriptions

    typed, identity, file_rows, display = file.take(), file.identity, file.file_rows, file.info.display
    con = scratch_duckdb(typed.num_rows)
    # The typed rows are read by DuckDB where they are (Arrow, no copy); the cleaning's first step materialises
    # them with their rules, after which they are let go.
    con.con.register("file_rows", typed)
    del typed
    table = con.table("file_rows")
    try:
        if business_model == "subscription":
            return clean_engine_subscriptions(table, identity, spec, currency, timezone, end, display, "duckdb",
                                              file_rows), con
        return clean_engine_orders(table, identity, spec, currency, end, display, "duckdb", timezone,
                                   file_rows), con
    finally:
        con.con.unregister("file_rows")


def open_source(params, root: Optional[Path] = None):
    """(backend, raw Ibis table, EngineSource) for the params' data."""
    from clv_lib.data.engines.backend_rules import check_table_keys
    from clv_lib.data.engines.connect import connect, open_table, source_label

    spec = params.data
    if spec.table or spec.sql:
        check_table_keys(spec, spec.engine)
    if spec.path:
        path, display = data_path(params, root)
        if not path.is_file():
            raise DataError(key="data.file_not_found", file=display)
        con, raw = file_backend(path, spec, display)
        return con, raw, EngineSource("duckdb", display, path=display)
    con = connect(spec)
    raw = open_table(con, spec)
    return con, raw, EngineSource(spec.engine, source_label(spec), spec.table, spec.sql, spec.connection_env)


def load_engine_data(params, observation_end=None, root: Optional[Path] = None) -> EngineData:
    """Connect, map, clean in the engine; DataError subclasses (one line, no URL) before any model runs; a params
    rule the engine cannot apply stops here (`backend_rules`)."""
    from clv_lib.data.engines.backend_rules import check_dayfirst
    from clv_lib.data.engines.clean import clean_engine_orders
    from clv_lib.data.engines.values import Reader

    spec = params.data
    con, raw, source = open_source(params, root)
    mapping = resolve_columns(list(raw.columns), params.business_model, dict(spec.columns), source.display)
    check_dayfirst(spec, raw, mapping, Reader.of(raw, source.engine, params.timezone, spec.decimal), source)
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if params.business_model == "subscription":
        return _subscriptions(params, raw, mapping, source, end, con)
    result = clean_engine_orders(raw, mapping, spec, params.currency, end, source.display, source.engine,
                                 params.timezone)
    return _orders_data(params, result, mapping, source, end, con, _not_applied(mapping))


def _orders_data(params, result, mapping, source, end, con, notes=()) -> EngineData:
    """EngineData of cleaned orders, checked usable (some orders, `data.min_customers` customers)."""
    totals = result.totals
    ledger = result.ledger
    if not totals["orders"]:
        raise no_valid_rows(source.display, ledger, "orders")
    if totals["customers"] < params.data.min_customers:
        check_usable(pd.DataFrame({"customer_id": np.arange(totals["customers"])}), ledger, params.data.min_customers,
                     "orders")
    return EngineData("orders", ledger, mapping, result.inferences + list(notes), source, end, totals["last_date"],
                      table=result.table, backend=con, totals=totals)


def _subscriptions(params, raw, mapping: ColumnMapping, source: EngineSource, end, con) -> EngineData:
    """Subscription segments: cleaned in the engine, where `clv_lib.summary` computes the MRR movements, KPIs and
    cohorts; the cleaned segments come back (one row per segment) for the tenure models."""
    from clv_lib.data.engines.clean_subscriptions import clean_engine_subscriptions

    result = clean_engine_subscriptions(raw, mapping, params.data, params.currency, params.timezone, end,
                                        source.display, source.engine)
    return _subscription_data(params, result, mapping, source, end, con, _not_applied(mapping))


def _subscription_data(params, result, mapping, source, end, con, notes=()) -> EngineData:
    """EngineData of cleaned subscription segments (also in memory, for the tenure models), checked usable."""
    frame = _segments_frame(result.table, source, bool(mapping.get("channel")))
    check_usable(frame, result.ledger, params.data.min_customers, "subscriptions")
    dates = pd.concat([frame["start_date"], frame["end_date"]])
    last = dates.max() if len(dates) and dates.notna().any() else None
    return EngineData("subscriptions", result.ledger, mapping, result.inferences + list(notes), source, end, last,
                      table=result.table, backend=con, subscriptions=frame)


def _segments_frame(t, source, has_channel: bool) -> pd.DataFrame:
    """The cleaned segments in memory, as the file path returns them (for the tenure and retention models)."""
    extras = ["channel"] if has_channel else []
    got = run(t.select("customer_id", "subscription_id", "plan", "mrr", "billing_interval_months", *extras,
                       s=t.start_date.epoch_days().cast("int64"), e=t.end_date.epoch_days().cast("int64")),
              source.engine, f"reading the cleaned segments of {source.display}")
    out = pd.DataFrame({
        "customer_id": got["customer_id"].astype(str).to_numpy(),
        "subscription_id": got["subscription_id"].astype(str).to_numpy(),
        "plan": got["plan"].astype(str).to_numpy(),
        "start_date": _dates(got["s"]),
        "end_date": _dates(got["e"]),
        "mrr": got["mrr"].astype("float64").to_numpy(),
        "billing_interval_months": got["billing_interval_months"].astype("float64").to_numpy(),
    })
    if has_channel:
        out["channel"] = got["channel"].astype(str).to_numpy()
    keys = ["customer_id", "start_date", "subscription_id"]
    out = out.sort_values(keys + [c for c in out.columns if c not in keys], kind="stable")
    for c in ("customer_id", "subscription_id", "plan") + (("channel",) if has_channel else ()):
        out[c] = out[c].astype(str)
    return out.reset_index(drop=True)


def _orders_frame(t, source, mapping) -> pd.DataFrame:
    """The cleaned orders as a pandas frame in the orders contract (customer_id, order_id, order_date, amount and
    status, quantity, channel when mapped), sorted by date, customer and order."""
    extras = [c for c in ("status", "quantity", "channel") if mapping.get(c)]
    got = run(t.select("customer_id", "order_id", "amount", *extras, d=t.order_date.epoch_days().cast("int64")),
              source.engine, f"reading the cleaned orders of {source.display}")
    out = pd.DataFrame({"customer_id": got["customer_id"].astype(str).to_numpy(),
                        "order_id": got["order_id"].astype(str).to_numpy(), "order_date": _dates(got["d"]),
                        "amount": got["amount"].astype("float64").to_numpy()})
    for c in extras:
        out[c] = got[c].astype("float64").to_numpy() if c == "quantity" else got[c].fillna("").astype(str).to_numpy()
    return out.sort_values(["order_date", "customer_id", "order_id"], kind="stable").reset_index(drop=True)


def _dates(days: pd.Series) -> np.ndarray:
    """Day numbers (NULL = NaT) as datetime64[ns]."""
    values = days.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(values)
    out[ok] = values[ok].astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _not_applied(mapping: ColumnMapping) -> list[str]:
    """Inference lines for mapped columns the cleaning does not apply (none: every rule runs on every backend)."""
    return []


def last_engine_date(params, root: Optional[Path] = None) -> Optional[pd.Timestamp]:
    """The last order date (subscriptions: start or end date) in the engine's table, by one aggregate query."""
    from clv_lib.data.engines.values import Reader

    spec = params.data
    _, raw, source = open_source(params, root)
    reader = Reader.of(raw, source.engine, params.timezone, spec.decimal)
    mapping = resolve_columns(list(raw.columns), params.business_model, dict(spec.columns), source.display)
    wanted = ["order_date"] if params.business_model != "subscription" else ["start_date", "end_date"]
    last = None
    for canon in wanted:
        header = mapping.get(canon)
        if not header:
            continue
        try:
            value = raw.select(v=reader.day(raw[header], header)).v.max().execute()
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001
            from clv_lib.data.engines.connect import describe_failure

            raise EngineError(key="engine.column_read_failed", engine=source.engine, column=header,
                              source=source.display, reason=describe_failure(exc)) from None
        if value is not None and pd.notna(value):
            value = pd.Timestamp(value)
            last = value if last is None or value > last else last
    return last

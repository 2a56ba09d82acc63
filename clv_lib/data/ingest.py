"""Ingestion: a file's raw cells (`read.RawTable`) become typed rows with their source row number, the only part of
the data path that is specific to files. Everything after it, the cleaning rules, the ledger and every aggregate,
is the one Ibis implementation that DuckDB runs on these rows (as PostgreSQL or Spark run it on a client's table).

Each mapped column is read by the file path's parsers, which report how (one sentence per column, for the report's
data chapter): identifiers and labels as trimmed text (`read.as_ids`, `read.as_text`; e-mails lower case), dates as
the client's days (`dates.parse_dates`), amounts and quantities as numbers (`amounts.parse_amounts`). The rows are
named by the canonical columns, plus `_row` (the source row number, header = row 1), `_dup` (a hash of every cell
of the row, mapped or not: exact duplicates are judged on the whole row) and `_given_amount` / `_given_quantity` (the
cell is not empty: a line item without its own total is not an unparsable amount, an empty seat count is not an
unparsable one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
import pyarrow as pa

from clv_lib.data.amounts import parse_amounts
from clv_lib.data.dates import parse_dates
from clv_lib.data.mapping import ColumnMapping
from clv_lib.data.read import RawTable, as_ids, as_text, rows_hash

@dataclass
class FileRows:
    """What ingestion knows of a file that a table does not have: its malformed rows and how values were read."""

    malformed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    inferences: list[str] = field(default_factory=list)


@dataclass
class IngestedFile:
    """A client's file read, mapped and typed once (`ingest_file`): its dates give the default reporting period
    (`last_date`) and its rows are then cleaned (`take`), without reading or parsing the file a second time."""

    rows: Optional[pa.Table]
    identity: ColumnMapping  #: the typed rows' canonical columns, each to itself
    file_rows: FileRows
    info: object  #: the file's `read.SourceInfo`
    mapping: ColumnMapping  #: the file's headers

    def last_date(self, columns, today: pd.Timestamp) -> Optional[pd.Timestamp]:
        """The last parsed date, on or before `today`, of the canonical date `columns` that are mapped; None when
        there is none."""
        import pyarrow.compute as pc

        last = None
        for canon in columns:
            if canon not in self.rows.column_names:
                continue
            days = self.rows.column(canon)
            top = pc.max(pc.filter(days, pc.less_equal(days, pa.scalar(today.to_datetime64(), days.type)))).as_py()
            if top is not None and (last is None or pd.Timestamp(top) > last):
                last = pd.Timestamp(top)
        return last

    def take(self) -> pa.Table:
        """The typed rows, handed over once: this object lets them go, so that the engine's copy is the only one."""
        rows, self.rows = self.rows, None
        if rows is None:
            raise RuntimeError("the ingested rows were already taken")
        return rows


def ingest_file(raw: RawTable, mapping: ColumnMapping, spec, timezone: str) -> IngestedFile:
    """`ingest` of `raw` (read with the file's `mapping`), kept with the file's description and mapping."""
    typed, identity, file_rows = ingest(raw, mapping, spec, timezone)
    return IngestedFile(typed, identity, file_rows, raw.info, mapping)


IDS = ("customer_id", "order_id", "subscription_id")
LABELS = ("status", "channel", "currency", "plan", "billing_interval", "coupon")
NUMBERS = ("amount", "quantity", "unit_price", "refunded_amount", "mrr", "discount_percent", "discount_amount")
DATES = ("order_date", "start_date", "end_date", "trial_end", "canceled_at", "period_start")


def ingest(raw: RawTable, mapping: ColumnMapping, spec, timezone: str) -> tuple[pa.Table, ColumnMapping,
                                                                                FileRows]:
    """Typed rows of `raw` (see the module docstring), the mapping of their canonical columns (each to itself) and
    what a table would not have: the malformed rows and the sentence on how each column was read."""
    frame, col = raw.frame, mapping.get
    out: dict[str, pa.Array] = {"_row": pa.array(np.asarray(raw.row_numbers, dtype="int64"))}
    out["_dup"] = pa.array(_row_hash(raw))
    inferences: list[str] = []
    if not col("customer_id") and col("email"):
        inferences.append(f"customer_id: no customer id column, the e-mail ('{col('email')}') identifies customers")
    for canon, header in mapping.columns.items():  # each column typed as Arrow at once: one copy at a time
        values = frame[header]
        if canon in IDS:
            out[canon] = _strings(as_ids(values))
        elif canon == "email":
            out[canon] = _strings(as_text(values).str.lower())
        elif canon in LABELS:
            out[canon] = _strings(as_text(values))
        elif canon in DATES:
            days, how = parse_dates(values, spec.dayfirst, timezone, header)
            out[canon] = _arrow(days.to_numpy(dtype="datetime64[ns]"))
            inferences.append(_date_sentence(canon, how.describe()))
            if canon == "end_date":
                out["_given_end"] = pa.array(as_text(values).notna().to_numpy())
        elif canon in NUMBERS:
            numbers, how = parse_amounts(values, spec.decimal, header)
            out[canon] = _arrow(numbers)
            if canon not in ("quantity", "unit_price") or not col("amount"):
                inferences.append(how.describe())
            if canon in ("amount", "quantity"):  # an empty cell is not an unparsable one
                out[f"_given_{canon}"] = pa.array(as_text(values).notna().to_numpy())
    if not col("amount") and col("quantity") and col("unit_price"):
        inferences.append("amount: quantity x unit price")
    typed = pa.table(out)
    raw.frame = frame = None  # the raw cells are no longer needed: free them before the engine works
    identity = ColumnMapping({c: c for c in mapping.columns}, dict(mapping.origin))
    return typed, identity, FileRows(np.asarray(raw.malformed, dtype="int64"), inferences)


def _strings(values: pd.Series) -> pa.Array:
    """Text as an Arrow string column, NULL where missing: pandas' Arrow-backed strings handed over as they are
    (no Python object per cell: at 10M rows, each text column would cost about 600 MB of objects)."""
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _arrow(values: np.ndarray) -> pa.Array:
    """A typed Arrow column: dates as timestamps, numbers and flags as they are."""
    if values.dtype.kind == "M":
        return pa.array(values.astype("datetime64[us]"), type=pa.timestamp("us"), from_pandas=True)
    return pa.array(values, from_pandas=True)  # NaN / NaT: NULL


def _date_sentence(canon: str, text: str) -> str:
    if canon == "end_date":
        return text.replace("rows unparsable or empty", "rows empty (active) or unparsable")
    if canon == "trial_end":
        return text.replace("rows unparsable or empty", "rows without a trial or unparsable")
    return text


def _row_hash(raw: RawTable) -> np.ndarray:
    """A 64-bit hash of every cell of each row (the columns left out of `raw.frame` are in `raw.rest_hash`)."""
    h = rows_hash({c: raw.frame[c] for c in raw.frame.columns})
    if h is None:
        h = np.zeros(len(raw.row_numbers), dtype=np.uint64)
    if raw.rest_hash is not None:
        h = (h * np.uint64(1_000_003)) ^ raw.rest_hash
    return h.view(np.int64)

"""Per-customer RFM summaries of transactions in memory, in the Fader-Hardie / lifetimes conventions: the report's
own summaries (`EngineOrders.summary` and `.holdout`, the one implementation every source goes through) on a
DataFrame, aggregated by DuckDB, embedded.

For each customer with a purchase on or before the observation end:

* purchases on the same calendar day are merged into one purchase whose value is their sum (the BTYD convention:
  CDNOW counts purchase days);
* `frequency`: number of repeat purchases (purchases after the first);
* `recency`: time from the first to the last purchase; `T`: time from the first purchase to the observation end;
* `monetary_value`: mean value of the repeat purchases (the first purchase is left out, as in the Gamma-Gamma
  model); 0 for customers without repeat purchases.

Durations are exact day counts divided by `time_unit`: "D" days, "W" weeks (days / 7, how the BG/NBD paper
measures CDNOW), "M" months (days / 30.4375, a 365.25-day year over 12). `calibration_holdout_summary` adds what
the same customers did after the calibration end, in the layout of lifetimes' `calibration_and_holdout_data`.

Short text ids (pandas' Arrow-backed strings of at most 8 bytes) go to DuckDB packed into integers that sort as the
texts do, longer ones as they are, other ids as the integer codes of their sorted order, so ten million transactions
take seconds and no Python object per row; rows without a date or a customer are dropped by the query. The result is
indexed by the original ids, sorted (text by code point).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import pyarrow as pa

from clv_lib.exceptions import ModelInputError

COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def rfm_summary(transactions: pd.DataFrame, customer_col: str = "customer_id", date_col: str = "order_date",
                amount_col: Optional[str] = "amount", observation_end=None, time_unit: str = "D") -> pd.DataFrame:
    """One row per customer (index named `customer_col`, sorted): `frequency`, `recency`, `T` (in `time_unit`)
    and `monetary_value` (mean repeat-purchase value, in the amounts' currency; omitted when `amount_col` is None).

    `observation_end` (inclusive day, default the last transaction's day): later transactions are ignored.
    """
    orders, ids, end = _orders(transactions, customer_col, date_col, amount_col, observation_end)
    return _indexed(orders.summary(end, time_unit), ids, customer_col, amount_col)


def calibration_holdout_summary(transactions: pd.DataFrame, calibration_end, observation_end=None,
                                customer_col: str = "customer_id", date_col: str = "order_date",
                                amount_col: Optional[str] = "amount", time_unit: str = "D") -> pd.DataFrame:
    """Per customer with a purchase on or before `calibration_end` (index `customer_col`): `frequency_cal,
    recency_cal, T_cal, monetary_value_cal` (as `rfm_summary` at the calibration end), then `frequency_holdout`
    (purchase days after the calibration end, up to `observation_end`), `monetary_value_holdout` (their mean
    value, 0 when none) and `duration_holdout` (the holdout's length in `time_unit`)."""
    orders, ids, end = _orders(transactions, customer_col, date_col, amount_col, observation_end)
    out = orders.holdout(pd.Timestamp(calibration_end).normalize(), end, time_unit)
    return _indexed(out, ids, customer_col, amount_col)


def _orders(transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: Optional[str],
            observation_end):
    """(`EngineOrders` over the dated transactions, the sorted distinct ids, the observation end)."""
    import ibis

    from clv_lib.summary.engine_orders import EngineOrders

    missing = [c for c in (customer_col, date_col, amount_col) if c and c not in transactions.columns]
    if missing:
        raise ModelInputError(f"transactions: column {missing[0]!r} not found; columns are: "
                              f"{', '.join(map(str, transactions.columns))}")
    dates = pd.to_datetime(transactions[date_col])
    if not dates.notna().any():
        raise ModelInputError("transactions: no dated transaction to summarise")
    end = (pd.Timestamp(observation_end) if observation_end is not None else dates.max()).normalize()
    customers = transactions[customer_col]
    if pd.api.types.is_string_dtype(customers.dtype) and not customers.dtype == object:  # Arrow-backed text
        ids, keys = None, pa.array(customers, type=pa.large_string(), from_pandas=True)  # sorted by code point
        packed = _packed(keys)
        if packed is not None:
            ids, keys = PACKED, packed
    else:  # other ids go as the integer codes of their sorted order, and come back as they were
        codes, ids = pd.factorize(customers, sort=True)
        keys = pa.array(codes.astype("int64"), mask=codes < 0)
    amounts = (transactions[amount_col].to_numpy(dtype="float64", na_value=np.nan) if amount_col
               else np.zeros(len(transactions)))
    days = dates.to_numpy().astype("datetime64[D]")
    table = pa.table({"customer_id": keys, "order_date": pa.array(days, from_pandas=True),  # NaT: NULL
                      "amount": pa.array(amounts, from_pandas=True)})
    con = ibis.duckdb.connect()
    # A DuckDB table, not a scan of the Arrow table in place: its statistics let DuckDB pack short text ids into
    # integers for the group-bys and the sort (compressed materialization), worth more than the copy at 10M rows.
    t = con.create_table("transactions", table)
    t = t.filter(t.customer_id.notnull() & t.order_date.notnull())  # undated or anonymous: in no summary
    orders = EngineOrders(t, "duckdb", "transactions")
    orders = EngineOrders(t, "duckdb", "transactions", days=orders.days_query())  # one query: no cache
    orders.backend = con
    return orders, ids, end


def _packed(keys) -> Optional[pa.Array]:
    """Text ids (Arrow) of at most 8 bytes each (UTF-8) and without a NUL byte, each as one unsigned 64-bit integer:
    its bytes, big-endian, then zeros. The integers sort as the texts do (by code point: UTF-8 bytes sort so, and a
    shorter text before a longer one it starts), and DuckDB groups and sorts them faster than text (as it packs
    short texts itself, but only in its own tables). None when an id is longer (or holds a NUL byte)."""
    chunks = []
    for chunk in keys.chunks if isinstance(keys, pa.ChunkedArray) else [keys]:
        offsets = np.frombuffer(chunk.buffers()[1], np.int64, len(chunk) + 1, chunk.offset * 8)
        lengths = np.diff(offsets)
        text = np.frombuffer(chunk.buffers()[2] or b"", np.uint8)[offsets[0]:offsets[-1]]
        if (lengths > 8).any() or (text == 0).any():
            return None
        text = np.concatenate([text, np.zeros(8, np.uint8)])
        windows = np.ndarray(len(text) - 7, ">u8", text, strides=(1,))  # the 8 bytes from each position on
        words = windows[offsets[:-1] - offsets[0]].astype(np.uint64)
        shift = (8 * (8 - lengths)).astype(np.uint64)
        words = np.where(lengths > 0, words >> shift << shift, np.uint64(0))  # the bytes after the id: zeros
        chunks.append(pa.array(words, mask=chunk.is_null().to_numpy(zero_copy_only=False) if chunk.null_count
                               else None))
    return pa.chunked_array(chunks, pa.uint64())


def _unpacked(words: np.ndarray) -> pa.Array:
    """The texts of `_packed` integers."""
    import pyarrow.compute as pc

    big = np.ascontiguousarray(words, dtype=">u8")
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(8), len(big), [None, pa.py_buffer(big)])
    return pc.utf8_rtrim(fixed.cast(pa.binary()).cast(pa.large_string()), characters="\x00")


#: `_orders`' ids when they went to the engine `_packed`.
PACKED = "packed"


def _indexed(frame: pd.DataFrame, ids, customer_col: str, amount_col: Optional[str]) -> pd.DataFrame:
    """The summary indexed by the original ids (the engine's rows are the ids, their codes or their packed texts,
    in their order)."""
    if ids is None:
        index = frame.index
    elif isinstance(ids, str) and ids == PACKED:
        index = pd.Index(pd.array(_unpacked(frame.index.to_numpy()), dtype="str"))
    else:
        index = pd.Index(ids).take(frame.index.to_numpy().astype("int64"))
    frame.index = index.rename(customer_col)
    money = [c for c in frame.columns if c.startswith("monetary_value")]
    return frame if amount_col else frame.drop(columns=money)

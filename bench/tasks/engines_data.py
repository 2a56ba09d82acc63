"""Generate the engine benchmark's orders: N rows as Parquet (and CSV), written by DuckDB without pandas.

One row per order: customer_id (text, N/10 customers), order_id (text), order_date (timestamp over 2021-2024),
amount (double, 5-200), status (1 % cancelled, 0.5 % refunded with a negative amount), channel (4 values).
Seeded by hashing the row number, so files are identical across runs; existing files are reused.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

SELECT = """
SELECT 'c' || (hash(i, 1) % {customers})::VARCHAR AS customer_id,
       'o' || i::VARCHAR AS order_id,
       TIMESTAMP '2021-01-01' + INTERVAL (hash(i, 2) % (4 * 365 * 24)) HOUR AS order_date,
       CASE WHEN hash(i, 3) % 200 = 0 THEN -round(5 + (hash(i, 4) % 19500) / 100.0, 2)
            ELSE round(5 + (hash(i, 4) % 19500) / 100.0, 2) END AS amount,
       CASE WHEN hash(i, 3) % 200 = 0 THEN 'refunded' WHEN hash(i, 3) % 100 = 1 THEN 'cancelled'
            ELSE 'completed' END AS status,
       ['search', 'social', 'email', 'marketplace'][(1 + hash(hash(i, 1) % {customers}, 5) % 4)::BIGINT] AS channel
FROM range({rows}) t(i)
"""


def main() -> None:
    p = args()
    folder = Path(p["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{folder / 'spill'}'")
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET preserve_insertion_order = false")
    out = {}
    for rows in p["rows"]:
        path = folder / f"engine_orders_{rows // 1_000_000}M.parquet"
        if not path.exists():
            sql = SELECT.format(rows=rows, customers=max(rows // 10, 1))
            con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
        out[str(rows)] = str(path)
    for rows in p.get("csv_rows", []):
        path = folder / f"engine_orders_{rows // 1_000_000}M.csv"
        if not path.exists():
            con.execute(f"COPY ({SELECT.format(rows=rows, customers=max(rows // 10, 1))}) TO '{path}' (HEADER)")
        out[f"csv{rows}"] = str(path)
    done(**out)


if __name__ == "__main__":
    main()

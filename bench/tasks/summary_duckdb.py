"""bench task: the floor, a plain DuckDB GROUP BY computing the same per-customer numbers from the same frame."""

import time

import duckdb
import pandas as pd
from _common import args, done

FLOOR = """
WITH days AS (SELECT customer_id, CAST(order_date AS DATE) AS day, SUM(amount) AS s FROM frame
              WHERE CAST(order_date AS DATE) <= CAST($1 AS DATE) GROUP BY ALL)
SELECT customer_id, COUNT(*) - 1 AS frequency, date_diff('day', MIN(day), MAX(day)) AS recency,
       date_diff('day', MIN(day), CAST($1 AS DATE)) AS T,
       coalesce((SUM(s) - arg_min(s, day)) / nullif(COUNT(*) - 1, 0), 0) AS monetary_value
FROM days GROUP BY ALL
"""

a = args()
start = time.perf_counter()
frame = pd.read_parquet(a["path"])
loaded = time.perf_counter()
times = []
for _ in range(a.get("repeat", 3)):  # best of N, a fresh connection each time like clv_lib's call
    begin = time.perf_counter()
    con = duckdb.connect()
    summary = con.execute(FLOOR, [a["end"]]).df()
    con.close()
    times.append(time.perf_counter() - begin)
done(load_s=loaded - start, summary_s=min(times), first_s=times[0], customers=len(summary),
     checksum=[float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")])

"""bench task: the floor, a plain DuckDB GROUP BY computing the same per-customer numbers from the same frame.

Two statements, alternated, best of N each:
- `FLOOR`, DuckDB's own hand-written summary (unchanged since the bench began): it computes less than clv_lib's
  summary: spend summed as floats (clv_lib: exact decimals, the same to the last bit in every run), frequency,
  recency and T as integers, the rows in no particular order and `customer_id` a column;
- `SAME`, the same statement giving clv_lib's output: exact decimal sums, float64 columns, the rows sorted by
  customer id and indexed by it, as `rfm_summary` returns them. Shown beside the floor, not instead of it.
"""

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

SAME = """
WITH days AS (SELECT customer_id, CAST(order_date AS DATE) AS day, SUM(CAST(amount AS DECIMAL(18, 6))) AS s
              FROM frame WHERE CAST(order_date AS DATE) <= CAST($1 AS DATE) GROUP BY ALL)
SELECT customer_id, CAST(COUNT(*) - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', MIN(day), MAX(day)) AS DOUBLE) AS recency,
       CAST(date_diff('day', MIN(day), CAST($1 AS DATE)) AS DOUBLE) AS T,
       coalesce(CAST(SUM(s) - arg_min(s, day) AS DOUBLE) / nullif(COUNT(*) - 1, 0), 0) AS monetary_value
FROM days GROUP BY ALL ORDER BY customer_id
"""


def timed(sql: str, end: str):
    """(result frame, wall s, CPU s of this process, DuckDB's threads included); a fresh connection each time,
    like clv_lib's call."""
    begin, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    out = con.execute(sql, [end]).df()
    con.close()
    return out, time.perf_counter() - begin, time.process_time() - cpu


a = args()
start = time.perf_counter()
frame = pd.read_parquet(a["path"])
loaded = time.perf_counter()
times, cpus, same_times, same_cpus = [], [], [], []
for _ in range(a.get("repeat", 3)):  # best of N: the machine may be shared
    summary, wall, cpu = timed(FLOOR, a["end"])
    times.append(wall)
    cpus.append(cpu)
    same, wall, cpu = timed(SAME, a["end"])
    same = same.set_index("customer_id")
    same_times.append(wall)
    same_cpus.append(cpu)
done(load_s=loaded - start, summary_s=min(times), first_s=times[0], cpu_s=min(cpus), customers=len(summary),
     same_s=min(same_times), same_cpu_s=min(same_cpus),
     checksum=[float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")],
     same_checksum=[float(same[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")])

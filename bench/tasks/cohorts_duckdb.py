"""The floor: the same cohort triangle cells and MRR bridge as plain DuckDB SQL over the in-memory DataFrames.

Same payload and outputs as ``cohorts_clv.py``; loading is not timed. Runs in the ``duckdb`` peer environment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

TRIANGLE = """
WITH o AS (
    SELECT customer_id, date_trunc('month', order_date) AS month, amount
    FROM orders WHERE order_date <= $end
), f AS (
    SELECT customer_id, min(month) AS cohort FROM o GROUP BY customer_id
), j AS (
    SELECT f.cohort, datediff('month', f.cohort, o.month) AS months_since, o.customer_id, o.amount
    FROM o JOIN f USING (customer_id) WHERE o.month <= $last
), sizes AS (
    SELECT cohort, count(*) AS customers FROM f WHERE cohort <= $last GROUP BY cohort
)
SELECT j.cohort, j.months_since, any_value(sizes.customers) AS customers,
       count(DISTINCT j.customer_id) AS active_customers, count(*) AS orders, sum(j.amount) AS revenue
FROM j JOIN sizes USING (cohort) GROUP BY j.cohort, j.months_since ORDER BY 1, 2
"""

# Month-end snapshots per customer, then consecutive-month comparison with window functions.
BRIDGE = """
WITH seg AS (
    SELECT customer_id, mrr, date_trunc('month', start_date) AS s,
           CASE WHEN end_date IS NULL OR end_date > $end THEN $last
                ELSE date_trunc('month', end_date) - INTERVAL 1 MONTH END AS e
    FROM subs WHERE start_date <= $end AND mrr > 0
), cm AS (
    SELECT customer_id, unnest(generate_series(s, least(e, $last), INTERVAL 1 MONTH)) AS month, mrr
    FROM seg WHERE least(e, $last) >= s
), c AS (
    SELECT customer_id, month, sum(mrr) AS mrr FROM cm GROUP BY ALL
), w AS (
    SELECT customer_id, month, mrr,
           lag(month) OVER win AS prev_month, lag(mrr) OVER win AS prev_mrr, lead(month) OVER win AS next_month
    FROM c WINDOW win AS (PARTITION BY customer_id ORDER BY month)
), moves AS (
    SELECT month,
           CASE WHEN prev_month IS NULL THEN 'new'
                WHEN prev_month < month - INTERVAL 1 MONTH THEN 'reactivation'
                WHEN mrr > prev_mrr THEN 'expansion'
                WHEN mrr < prev_mrr THEN 'contraction' END AS kind,
           CASE WHEN prev_month = month - INTERVAL 1 MONTH THEN abs(mrr - prev_mrr) ELSE mrr END AS amount
    FROM w
    UNION ALL
    SELECT month + INTERVAL 1 MONTH, 'churn', mrr FROM w
    WHERE (next_month IS NULL OR next_month > month + INTERVAL 1 MONTH) AND month < $last
)
SELECT month, kind, count(*) AS customers, sum(amount) AS amount
FROM moves WHERE kind IS NOT NULL GROUP BY ALL ORDER BY 1, 2
"""


def main() -> None:
    p = args()
    end = pd.Timestamp(p["observation_end"])
    last = (end + pd.Timedelta(days=1)).to_period("M").start_time - pd.DateOffset(months=1)
    orders = pd.read_parquet(p["orders"])
    subs = pd.read_parquet(p["subscriptions"])
    con = duckdb.connect()
    con.register("orders", orders)
    con.register("subs", subs)
    params = {"end": end.to_pydatetime(), "last": last.to_pydatetime()}
    t0 = time.perf_counter()
    cells = con.execute(TRIANGLE, params).df()
    triangle_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    moves = con.execute(BRIDGE, params).df()
    mrr_s = time.perf_counter() - t0
    churn = moves[moves["kind"] == "churn"]
    done(triangle_s=triangle_s, mrr_s=mrr_s, cells=len(cells), active_sum=int(cells["active_customers"].sum()),
         churned=int(churn["customers"].sum()), threads=con.execute("SELECT current_setting('threads')").fetchone()[0])


if __name__ == "__main__":
    main()

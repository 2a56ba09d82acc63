"""`make bench BENCH_ARGS=heavy`: the report of a heavy-tailed client with about 9 million orders in a CSV file,
the whole `make report` as a user runs it (the same measurement as `bench_data.py`, whose client buys at one rate).

The population is the kind issue 12's author tests with: 300,000 customers acquired over four years, most buying
at their own rate (log-normal around one order a month, so a few per cent buy weekly), 0.4 % resellers ordering
1-3 times a day (about 800 customers with 1,000+ orders), three in four customers leaving after an exponential
lifetime whose mean differs from customer to customer (the rest stay), spend per order around each customer's own
mean. Generated once by DuckDB (`bench/data/report_orders_heavy.csv`, about 400 MB, deterministic hashes, no
random state); `BENCH_HEAVY_CUSTOMERS` changes the number of customers (the orders scale with it).
"""

from __future__ import annotations

import os

import bench_data
from harness import BEFORE, DATA, ROOT, table

CUSTOMERS = int(os.environ.get("BENCH_HEAVY_CUSTOMERS", "300000"))
UNIFORM = "((hash(i, {k}) % 1000000007) / 1000000007.0 + 1e-9)"  # uniform in (0, 1], one draw per customer and k
SELECT = """
WITH c AS (
  SELECT i, {u1} AS u1, {u2} AS u2, {u3} AS u3, {u4} AS u4, {u5} AS u5, {u6} AS u6, {u7} AS u7, {u8} AS u8
  FROM range({customers}) t(i)),
p AS (
  SELECT i, floor(u1 * 1400)::INTEGER AS first_day,
         CASE WHEN u2 < 0.004 THEN 1.2 + 1.8 * u3  -- resellers: 1.2-3 orders a day
              ELSE exp(ln(0.03) + 1.1 * sqrt(-2 * ln(u3)) * cos(2 * pi() * u4)) END AS rate,
         CASE WHEN u2 < 0.004 OR u6 < 0.25 THEN 1e9 ELSE -ln(u5) * 250 / (u6 + 0.02) END AS life,
         u7, exp(ln(45) + 0.6 * sqrt(-2 * ln(u8)) * cos(14 * pi() * u1)) AS spend,
         ['web', 'ads', 'email', 'shop'][(1 + hash(i, 5) % 4)::BIGINT] AS channel
  FROM c),
n AS (
  SELECT *, (1 + floor(rate * (least(first_day + life, 1460) - first_day) + u7))::BIGINT AS n_orders,
         least(first_day + life, 1460)::INTEGER AS end_day
  FROM p),
o AS (
  SELECT i, first_day, end_day, spend, channel, unnest(range(n_orders)) AS k FROM n)
SELECT 'h' || i::VARCHAR AS customer_id, 'o' || i::VARCHAR || '-' || k::VARCHAR AS order_id,
       strftime(DATE '2022-01-01' + (CASE WHEN k = 0 THEN first_day ELSE first_day
                + floor(((hash(i, k, 3) % 1000003) / 1000003.0) * (end_day - first_day + 1)) END)::INTEGER,
                '%Y-%m-%d') AS order_date,
       round(spend * (0.5 + (hash(i, k, 4) % 1000) / 1000.0), 2) AS amount,
       CASE WHEN hash(i, k, 6) % 200 = 0 THEN 'cancelled' ELSE 'paid' END AS status, channel
FROM o
"""


def orders_csv(customers: int):
    """The heavy-tailed orders CSV of `customers` customers (generated once) and its number of orders."""
    path = DATA / ("report_orders_heavy.csv" if customers == 300_000 else f"report_orders_heavy_{customers}.csv")
    import duckdb

    con = duckdb.connect()
    query = SELECT.format(customers=customers, **{f"u{k}": UNIFORM.format(k=10 + k) for k in range(1, 9)})
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({query}) TO '{path}' (HEADER)")
    orders, over_1000 = con.execute(f"SELECT count(*), (SELECT count(*) FROM (SELECT customer_id FROM "
                                    f"read_csv_auto('{path}') GROUP BY 1 HAVING count(*) >= 1000)) "
                                    f"FROM read_csv_auto('{path}')").fetchone()
    return path, int(orders), int(over_1000)


def main() -> None:
    path, orders, over_1000 = orders_csv(CUSTOMERS)
    size_mb = path.stat().st_size / 2**20
    rows = [bench_data.report("clv_lib", ROOT, path, orders)]
    if BEFORE:
        rows.append(bench_data.report(f"clv_lib @{BEFORE}", bench_data.before_project(BEFORE), path, orders))
    print(f"make report on a heavy-tailed client: {orders:,} orders of {CUSTOMERS:,} customers ({over_1000:,} with "
          f"1,000+ orders) in a {size_mb:,.0f} MB CSV (HTML only); peak MB: the largest process of the report; "
          f"target below {bench_data.TARGET_MB:,} MB")
    print(table(rows, ["run", "report s", "notebook s", "HTML s", "peak MB", "x target", "note"]), flush=True)


if __name__ == "__main__":
    main()

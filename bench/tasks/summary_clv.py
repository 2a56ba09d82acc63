"""bench task: clv_lib's RFM summary on a transaction log (Parquet), in days, each best of N:
- `rfm_summary` on the frame (one query: the per-day rows are not kept);
- the engine summary the report uses (`EngineOrders.summary`: the orders in DuckDB, the per-day table built and
  kept in the engine, as every later aggregate of the report reads it, then the per-customer RFM columns back as
  Arrow); and its two parts apart: building that per-day table, and the summary read from it.
Wall and CPU seconds (this process, DuckDB's threads included)."""

import time

import pandas as pd
from _common import args, done

from clv_lib.summary import rfm_summary


def engine_orders():
    try:
        from clv_lib.summary.engine_orders import EngineOrders
    except ImportError:  # before the one data path (BENCH_BEFORE)
        from clv_lib.data.engines.orders import EngineOrders
    return EngineOrders


def timed(fn):
    begin, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - begin, time.process_time() - cpu


a = args()
start = time.perf_counter()
frame = pd.read_parquet(a["path"])
loaded = time.perf_counter()
best: dict[str, list[float]] = {}


def keep(name, wall, cpu):
    best.setdefault(name, []).append(wall)
    best.setdefault(name + "_cpu", []).append(cpu)


for _ in range(a.get("repeat", 3)):  # best of N: the machine may be shared
    summary, wall, cpu = timed(lambda: rfm_summary(frame, "customer_id", "order_date", "amount",
                                                   observation_end=a["end"], time_unit="D"))
    keep("summary", wall, cpu)
import ibis  # noqa: E402

con = ibis.duckdb.connect()
table = con.create_table("orders", frame)
orders = table.select("customer_id", order_id=table.customer_id, order_date=table.order_date.date(),
                      amount=table.amount)
for _ in range(a.get("repeat", 3)):
    engine, wall, cpu = timed(lambda: engine_orders()(orders, "duckdb", "bench").summary(a["end"]))
    keep("engine", wall, cpu)
    parts = engine_orders()(orders, "duckdb", "bench")
    _, wall, cpu = timed(lambda: parts._run(parts.days.count()))  # the per-day table, materialised
    keep("days", wall, cpu)
    _, wall, cpu = timed(lambda: parts.summary(a["end"]))
    keep("on_days", wall, cpu)
    del parts  # drops the cached table: Ibis would hand the next run the same one
done(load_s=loaded - start, summary_s=min(best["summary"]), first_s=best["summary"][0],
     cpu_s=min(best["summary_cpu"]), customers=len(summary),
     engine_summary_s=min(best["engine"]), engine_cpu_s=min(best["engine_cpu"]), engine_customers=len(engine),
     days_s=min(best["days"]), days_cpu_s=min(best["days_cpu"]),
     on_days_s=min(best["on_days"]), on_days_cpu_s=min(best["on_days_cpu"]),
     checksum=[float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")],
     engine_checksum=[float(engine[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")])

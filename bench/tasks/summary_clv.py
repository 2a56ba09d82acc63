"""bench task: clv_lib's RFM summary on a transaction log (Parquet), in days: `rfm_summary` on the frame, and the
engine summary the report uses (`EngineOrders.summary`: the orders in DuckDB, the per-day table built, then the
per-customer RFM columns back as Arrow), each best of N."""

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


a = args()
start = time.perf_counter()
frame = pd.read_parquet(a["path"])
loaded = time.perf_counter()
times = []
for _ in range(a.get("repeat", 3)):  # best of N: the machine may be shared
    begin = time.perf_counter()
    summary = rfm_summary(frame, "customer_id", "order_date", "amount", observation_end=a["end"], time_unit="D")
    times.append(time.perf_counter() - begin)
import ibis  # noqa: E402

con = ibis.duckdb.connect()
table = con.create_table("orders", frame)
orders = table.select("customer_id", order_id=table.customer_id, order_date=table.order_date.date(),
                      amount=table.amount)
engine_times = []
for _ in range(a.get("repeat", 3)):
    begin = time.perf_counter()
    engine = engine_orders()(orders, "duckdb", "bench").summary(a["end"])
    engine_times.append(time.perf_counter() - begin)
done(load_s=loaded - start, summary_s=min(times), first_s=times[0], customers=len(summary),
     engine_summary_s=min(engine_times), engine_customers=len(engine),
     checksum=[float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")])

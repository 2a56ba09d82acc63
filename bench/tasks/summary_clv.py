"""bench task: clv_lib.summary.rfm_summary on a transaction log (Parquet), in days."""

import time

import pandas as pd
from _common import args, done

from clv_lib.summary import rfm_summary

a = args()
start = time.perf_counter()
frame = pd.read_parquet(a["path"])
loaded = time.perf_counter()
times = []
for _ in range(a.get("repeat", 3)):  # best of N: the machine may be shared
    begin = time.perf_counter()
    summary = rfm_summary(frame, "customer_id", "order_date", "amount", observation_end=a["end"], time_unit="D")
    times.append(time.perf_counter() - begin)
done(load_s=loaded - start, summary_s=min(times), first_s=times[0], customers=len(summary),
     checksum=[float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")])

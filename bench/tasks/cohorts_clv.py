"""clv_lib: acquisition-month triangle cells and triangles from 10M orders, MRR bridge and cohorts from 1M subscribers.

Payload: ``orders`` and ``subscriptions`` parquet paths, ``observation_end``. Loading the files is not timed; each
step's seconds are reported.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

from clv_lib.insights.kpis import order_kpis  # noqa: E402
from clv_lib.summary import cohorts, mrr  # noqa: E402
from clv_lib.summary.encoding import encode_orders  # noqa: E402


def main() -> None:
    p = args()
    end = p["observation_end"]
    orders = pd.read_parquet(p["orders"])
    subs = pd.read_parquet(p["subscriptions"])
    t = {}
    t0 = time.perf_counter()
    arrays = encode_orders(orders, end)
    t["encode_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells = cohorts.order_cohort_cells(arrays, end)
    t["cells_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cohorts.logo_triangle(cells), cohorts.revenue_triangle(cells), cohorts.cumulative_value_triangle(cells, 0.6)
    t["triangles_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    order_kpis(arrays, end)
    t["monthly_kpis_s"] = time.perf_counter() - t0
    triangle_s = t["encode_s"] + t["cells_s"] + t["triangles_s"]
    t0 = time.perf_counter()
    events = mrr.mrr_events(subs, end)
    bridge = mrr.mrr_bridge(events, end)
    t["mrr_bridge_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sub_cells = cohorts.subscription_cohort_cells(events, end)
    t["mrr_cohorts_s"] = time.perf_counter() - t0
    done(triangle_s=triangle_s, mrr_s=t["mrr_bridge_s"], cells=len(cells), months=len(bridge),
         sub_cells=len(sub_cells), active_sum=int(cells["active_customers"].sum()),
         end_mrr=float(bridge["end_mrr"].iloc[-1]), churned=int(bridge["churned_customers"].sum()), **t)


if __name__ == "__main__":
    main()

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

from clv_lib.insights.source_kpis import monthly_kpis  # noqa: E402
from clv_lib.summary import cohorts  # noqa: E402
from clv_lib.summary.engine_orders import EngineOrders  # noqa: E402
from clv_lib.summary.engine_subscriptions import EngineSubscriptions  # noqa: E402


def main() -> None:
    p = args()
    end = p["observation_end"]
    orders = pd.read_parquet(p["orders"])
    subs = pd.read_parquet(p["subscriptions"])
    t = {}
    t0 = time.perf_counter()
    arrays = EngineOrders.from_frame(orders)  # the orders into DuckDB (the engine every report uses)
    t["encode_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells = arrays.cohort_cells(end)
    t["cells_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cohorts.logo_triangle(cells), cohorts.revenue_triangle(cells), cohorts.cumulative_value_triangle(cells, 0.6)
    t["triangles_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    monthly_kpis(arrays, end)
    t["monthly_kpis_s"] = time.perf_counter() - t0
    triangle_s = t["encode_s"] + t["cells_s"] + t["triangles_s"]
    t0 = time.perf_counter()
    events = EngineSubscriptions.from_frame(subs, end)
    bridge = events.bridge(end)
    t["mrr_bridge_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sub_cells = events.cohort_cells(end)
    t["mrr_cohorts_s"] = time.perf_counter() - t0
    done(triangle_s=triangle_s, mrr_s=t["mrr_bridge_s"], cells=len(cells), months=len(bridge),
         sub_cells=len(sub_cells), active_sum=int(cells["active_customers"].sum()),
         end_mrr=float(bridge["end_mrr"].iloc[-1]), churned=int(bridge["churned_customers"].sum()), **t)


if __name__ == "__main__":
    main()

"""Cohort triangles and MRR movements at scale: clv_lib against plain DuckDB SQL, the floor.

Data: 1M customers with 10M orders over five years, and 1M subscribers (~1.35M subscription segments), generated
once into ``bench/data/`` (seeded). Both sides start from the same in-memory pandas DataFrames (loading is not
timed) and produce the same acquisition-month triangle cells (cohort x months since acquisition: customers, active
customers, orders, revenue) and the same monthly MRR movements; the task outputs are cross-checked (active-customer
total, churned customers) so the comparison is like for like. DuckDB uses all cores; clv_lib is single-threaded
numpy. Ratio = clv_lib seconds / DuckDB seconds (below 1 = faster than the floor).
"""

from __future__ import annotations

from harness import DATA, run_task, table

CUSTOMERS = 1_000_000
ORDERS = 10_000_000
OBSERVATION_END = "2024-12-31"


def main() -> None:
    made = run_task("clv_lib", "cohorts_data", {"dir": str(DATA), "customers": CUSTOMERS, "orders": ORDERS})
    if "error" in made:
        print(f"data generation failed: {made['error']}")
        return
    payload = {"orders": str(DATA / "cohorts_orders.parquet"),
               "subscriptions": str(DATA / "cohorts_subscriptions.parquet"), "observation_end": OBSERVATION_END}
    ours = run_task("clv_lib", "cohorts_clv", payload)
    floor = run_task("duckdb", "cohorts_duckdb", payload)
    print(f"{made['orders_rows']:,} orders of {CUSTOMERS:,} customers; {made['subscription_rows']:,} subscription "
          f"segments of {CUSTOMERS:,} subscribers; observation end {OBSERVATION_END}")
    for name, result in (("clv_lib", ours), ("duckdb", floor)):
        if "error" in result:
            print(f"{name} failed: {result['error']}")
    if "error" in ours or "error" in floor:
        return
    same = ours["active_sum"] == floor["active_sum"] and ours["churned"] == floor["churned"]
    rows = []
    for step, key in (("triangle cells (10M orders)", "triangle_s"), ("MRR bridge (1M subscribers)", "mrr_s")):
        rows.append({"step": step, "clv_lib_s": ours[key], "duckdb_s": floor[key],
                     "ratio": ours[key] / floor[key] if floor[key] else None})
    print(table(rows, ["step", "clv_lib_s", "duckdb_s", "ratio"]))
    print(f"peak RSS (MB, whole task incl. loading both files): clv_lib {ours['peak_rss_mb']:,.0f}, "
          f"duckdb {floor['peak_rss_mb']:,.0f}; duckdb threads {floor.get('threads')}; results identical: {same}")
    detail = [{"clv_lib step": k.removesuffix("_s"), "seconds": v} for k, v in ours.items()
              if k.endswith("_s") and k not in ("triangle_s", "mrr_s", "wall_s")]
    print(table(detail, ["clv_lib step", "seconds"]))

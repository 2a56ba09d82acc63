"""`make bench BENCH_ARGS=summary`: the RFM summary on generated transaction logs of 1M and 10M rows.

Same Parquet file, same run, each tool in its own process and environment: clv_lib, lifetimes'
`summary_data_from_transaction_data` (freq="D") and the floor, DuckDB's own hand-written SQL computing the
per-customer numbers from the same in-memory frame. Each time is the summary alone (the file is loaded first,
`load s`), best of BENCH_REPEAT=3 runs in one process; clv_lib and the floor alternate over BENCH_ROUNDS=2
processes each, best kept (`first s` is the first run of the best process). `x floor` = time / the floor's, and
`cpu x floor` the same in CPU seconds (the task process, DuckDB's threads included), steadier when the 2 shared
cores are busy. `peak MB` is the task process's peak RSS.
- `clv_lib rfm_summary`: `rfm_summary` of the frame, one query.
- `clv_lib engine (per-day table kept)`: what the report runs, `EngineOrders.summary` on the orders in DuckDB: it
  builds the customer x purchase-day table and keeps it in the engine (every later aggregate of the report reads
  it), then the summary; the next two rows time those two parts apart.
- `duckdb floor`: computes less than clv_lib: float sums (clv_lib: exact decimal sums, identical in every run),
  integer frequency/recency/T, rows unsorted, no per-day table kept.
  `duckdb floor, clv_lib's output` is the same SQL with exact sums, float64 columns, sorted and indexed by
  customer id: shown beside the floor, never instead of it.
When lifetimes would take longer than `BENCH_LIFETIMES_MAX_ROWS` allows (or fails), its time is extrapolated
linearly from the smaller size, and the table says so.
The checksums (sums of frequency, recency, T, monetary value) must agree between the tools.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from harness import BEFORE, DATA, run_task, table

SIZES = [int(s) for s in os.environ.get("BENCH_SUMMARY_ROWS", "1000000,10000000").split(",")]
LIFETIMES_MAX_ROWS = int(os.environ.get("BENCH_LIFETIMES_MAX_ROWS", "10000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
END = "2024-12-31"


def transaction_log(rows: int) -> Path:
    """A Parquet transaction log of `rows` rows (about 10 per customer, 2020-2024), generated once."""
    path = DATA / f"transactions_{rows}.parquet"
    if path.exists():
        return path
    import pandas as pd

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(rows)
    customers = max(rows // 10, 1)
    ids = rng.integers(0, customers, rows)
    first = rng.integers(0, 1826, customers)  # each customer's first day, then purchases after it
    day = np.minimum(first[ids] + rng.exponential(200.0, rows).astype("int64"), 1826)
    frame = pd.DataFrame({
        "customer_id": pd.Series(np.char.add("C", ids.astype("U8")), dtype="string"),
        "order_date": pd.Timestamp("2020-01-01") + pd.to_timedelta(day, unit="D"),
        "amount": np.round(rng.gamma(2.0, 30.0, rows), 2),
    })
    frame["order_date"] = frame["order_date"].astype("datetime64[ns]")
    frame.to_parquet(path, index=False)
    return path


def main() -> None:
    rows_out = []
    for rows in SIZES:
        path = transaction_log(rows)
        payload = {"path": str(path), "end": END, "repeat": REPEAT}
        results: dict[str, dict] = {}
        for _ in range(ROUNDS):  # alternate clv_lib and the floor, keep each one's best round
            tools = [("clv_lib", "clv_lib", "summary_clv"), ("duckdb floor", "duckdb", "summary_duckdb")]
            if BEFORE:  # the commit before the change, in the same run
                tools.insert(1, (f"clv_lib @{BEFORE}", f"clv_lib@{BEFORE}", "summary_clv"))
            for tool, env, task in tools:
                res = run_task(env, task, payload)
                best = results.get(tool)
                if best is None or "error" in best or res.get("summary_s", float("inf")) < best.get("summary_s", 0):
                    results[tool] = res
        if rows <= LIFETIMES_MAX_ROWS:
            results["lifetimes"] = run_task("lifetimes", "summary_lifetimes", payload)
        if "summary_s" not in results.get("lifetimes", {}):
            base = next((r for r in rows_out if r["tool"] == "lifetimes" and "error" not in r), None)
            if base:
                factor = rows / base["rows"]
                results["lifetimes"] = {"summary_s": base["s"] * factor, "extrapolated": True}
        floor = results["duckdb floor"].get("summary_s")
        floor_cpu = results["duckdb floor"].get("cpu_s")
        for tool, res in results.items():
            for label, wall_key, cpu_key, sums_key in _variants(tool):
                row = {"rows": rows, "tool": label}
                if "error" in res:
                    if wall_key == "summary_s":
                        rows_out.append({**row, "error": res["error"][:120]})
                    continue
                if res.get(wall_key) is None:
                    continue
                row.update({"s": res[wall_key], "cpu s": res.get(cpu_key),
                             "peak MB": res.get("peak_rss_mb") if wall_key == "summary_s" else None,
                             "customers": res.get("customers"), "checksum": _checksum(res.get(sums_key))})
                if wall_key == "summary_s":
                    row.update({"load s": res.get("load_s"), "first s": res.get("first_s")})
                if floor:
                    row["x floor"] = res[wall_key] / floor
                if floor_cpu and res.get(cpu_key):
                    row["cpu x floor"] = res[cpu_key] / floor_cpu
                if res.get("extrapolated"):
                    row["note"] = f"extrapolated x{rows // base['rows']} from {base['rows']:,} rows"
                rows_out.append(row)
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores shared: compare ratios, "
              "and CPU seconds when the machine is busy)")
        print(table([r for r in rows_out if r["rows"] == rows],
                    ["rows", "tool", "load s", "s", "first s", "x floor", "cpu s", "cpu x floor", "peak MB",
                     "customers", "checksum", "note", "error"]), flush=True)
        clv = results["clv_lib"].get("summary_s")
        lt = results.get("lifetimes", {}).get("summary_s")
        if clv and lt:
            print(f"clv_lib is {lt / clv:.1f}x faster than lifetimes at {rows:,} rows"
                  + (" (lifetimes extrapolated)" if results["lifetimes"].get("extrapolated") else ""), flush=True)
        print()


def _variants(tool: str):
    """(row label, wall key, CPU key, checksum key) of each time a tool's task reports."""
    if tool.startswith("clv_lib"):
        return [(f"{tool} rfm_summary", "summary_s", "cpu_s", "checksum"),
                (f"{tool} engine (per-day table kept)", "engine_summary_s", "engine_cpu_s", "engine_checksum"),
                (f"{tool} engine: per-day table", "days_s", "days_cpu_s", None),
                (f"{tool} engine: summary from it", "on_days_s", "on_days_cpu_s", None)]
    if tool == "duckdb floor":
        return [(tool, "summary_s", "cpu_s", "checksum"),
                ("duckdb floor, clv_lib's output", "same_s", "same_cpu_s", "same_checksum")]
    return [(tool, "summary_s", "cpu_s", "checksum")]


def _checksum(values) -> str:
    if not values:
        return "-"
    return "/".join(f"{v:.6g}" for v in values)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

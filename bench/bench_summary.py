"""`make bench BENCH_ARGS=summary`: the RFM summary on generated transaction logs of 1M and 10M rows.

Same Parquet file, same run, each tool in its own process and environment: clv_lib's `rfm_summary`, lifetimes'
`summary_data_from_transaction_data` (freq="D") and the floor, a plain DuckDB GROUP BY computing the same numbers
from the same in-memory frame. `summary s` times the summary alone (the file is loaded first, `load s`);
`engine s` times the summary the report
uses (the orders in DuckDB through `EngineOrders`, per-day table included); `x floor` = summary time / DuckDB's (best of BENCH_REPEAT=3 runs in one process, as the machine may be
shared; clv_lib and the floor alternate over BENCH_ROUNDS=2 processes each, best kept; `first s` is the
first run of the best process); `peak MB` is the task process's peak RSS. When lifetimes would take longer
than `BENCH_LIFETIMES_MAX_ROWS` allows (or fails), its time is extrapolated linearly from the smaller size, and
the table says so.
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
                results["lifetimes"] = {"summary_s": base["summary s"] * factor, "extrapolated": True}
        floor = results["duckdb floor"].get("summary_s")
        for tool, res in results.items():
            row = {"rows": rows, "tool": tool}
            if "error" in res:
                row["error"] = res["error"][:120]
            else:
                row.update({"load s": res.get("load_s"), "summary s": res.get("summary_s"), "first s": res.get("first_s"),
                            "engine s": res.get("engine_summary_s"),
                            "peak MB": res.get("peak_rss_mb"), "customers": res.get("customers"),
                            "checksum": _checksum(res.get("checksum"))})
                if floor and res.get("summary_s"):
                    row["x floor"] = res["summary_s"] / floor
                if floor and res.get("engine_summary_s"):
                    row["engine x floor"] = res["engine_summary_s"] / floor
                if res.get("extrapolated"):
                    row["note"] = f"extrapolated x{rows // base['rows']} from {base['rows']:,} rows"
            rows_out.append(row)
        print(table([r for r in rows_out if r["rows"] == rows],
                    ["rows", "tool", "load s", "summary s", "first s", "x floor", "engine s", "engine x floor", "peak MB",
                     "customers", "checksum", "note",
                     "error"]), flush=True)
        clv = results["clv_lib"].get("summary_s")
        lt = results.get("lifetimes", {}).get("summary_s")
        if clv and lt:
            print(f"clv_lib is {lt / clv:.1f}x faster than lifetimes at {rows:,} rows"
                  + (" (lifetimes extrapolated)" if results["lifetimes"].get("extrapolated") else ""), flush=True)
        print()


def _checksum(values) -> str:
    if not values:
        return "-"
    return "/".join(f"{v:.6g}" for v in values)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

"""Orders summarised out of core by DuckDB (the engine path for large local files) at 10M and 100M rows.

Data: generated Parquet files of 10M and 100M orders (1M / 10M customers, four years) and a 10M-row CSV, written
once into ``bench/data/`` by DuckDB. Measured per file: the cleaning rules in the engine (duplicates, statuses,
refunds netted, line items), then the RFM summary, the calibration/holdout split, the monthly KPIs and the cohort
cells, each with one row per customer / month / cell back in Python; rows per second over the whole run and the
task's peak RSS (target: below 4 GB at 100M rows on this 2-core machine). DuckDB runs with its memory capped
(`CLV_DUCKDB_MEMORY`, default 1.5 GB), `preserve_insertion_order = false`, spilling to a temporary folder, and writes
its intermediate tables compressed to a scratch database file (see `clv_lib.data.engines.load.file_backend`). The
in-memory path (pandas read, the file path's cleaning, numpy summaries) runs on the 10M-row Parquet for comparison.
`BENCH_BEFORE=<git ref>` runs the same on that commit's clv_lib in the same run (and its in-memory path, for
commits that had one). `CLV_BENCH_ENGINE_ROWS` (e.g. ``100000000``) picks the sizes; the CSV and in-memory runs use the smallest one, and
only up to 20M rows (the in-memory path would need more than 50 GB at 100M). lifetimes is not run here: its
`summary_data_from_transaction_data` is a pandas groupby over every row and bench_models already compares it on
ready summaries; at 10M rows it would only add minutes of pandas time to this suite.
"""

from __future__ import annotations

import os

from harness import BEFORE, DATA, run_task, table

ROWS = [int(r) for r in os.environ.get("CLV_BENCH_ENGINE_ROWS", "10000000,100000000").split(",")]
STEPS = ["clean_s", "summary_s", "holdout_s", "kpis_s", "cohorts_s"]
#: The comparison runs (CSV through the engine, the in-memory path) use the smallest size, and only up to this many
#: rows: the in-memory path on 100M rows would need more than 50 GB.
COMPARE_MAX_ROWS = 20_000_000


def main() -> None:
    small = min(ROWS)
    compare = small <= COMPARE_MAX_ROWS
    made = run_task("clv_lib", "engines_data",
                    {"dir": str(DATA), "rows": ROWS, "csv_rows": [small] if compare else []})
    if "error" in made:
        print(f"data generation failed: {made['error']}")
        return
    runs = [(f"parquet {r // 1_000_000}M, engine (duckdb)", r, {"path": made[str(r)]}, "clv_lib") for r in ROWS]
    if compare:
        runs.append((f"csv {small // 1_000_000}M, engine (duckdb)", small, {"path": made[f"csv{small}"]}, "clv_lib"))
    if BEFORE:  # the same runs on the commit before the change, side by side
        runs += [(f"{name} @{BEFORE}", n, payload, f"clv_lib@{BEFORE}") for name, n, payload, _ in list(runs)]
        if compare:
            runs.append((f"parquet {small // 1_000_000}M, in memory (pandas) @{BEFORE}", small,
                         {"path": made[str(small)], "memory": True}, f"clv_lib@{BEFORE}"))
    else:
        print(f"[bench] no CSV / in-memory comparison: the smallest size ({small:,} rows) is above "
              f"{COMPARE_MAX_ROWS:,}", flush=True)
    rows = []
    for name, n, payload, env in runs:
        print(f"[bench] {name} ...", flush=True)
        result = run_task(env, "engines_clv", payload, timeout=5400)
        if "error" in result:
            rows.append({"run": name, "rows/s": None, "peak_rss_mb": None, "note": result["error"][:80]})
            continue
        total = sum(v for k, v in result.items() if k.endswith("_s") and k != "wall_s")
        if result.get("peak_after_mb"):
            print("[bench]   peak RSS after each step (MB): " + ", ".join(
                f"{k} {v:,.0f}" for k, v in result["peak_after_mb"].items()), flush=True)
        rows.append({"run": name, "rows/s": n / total, "seconds": total, **{k: result[k] for k in STEPS},
                     "peak_rss_mb": result["peak_rss_mb"], "customers": result["customers"],
                     "note": result.get("settings", "")})
    print(table(rows, ["run", "rows/s", "seconds", *STEPS, "peak_rss_mb", "customers", "note"]))
    print("seconds: the task's own steps (data generation excluded); peak_rss_mb: the task process's peak RSS "
          f"(target below 4,096 MB at 100M rows); machine: {os.cpu_count()} cores")

"""`make bench BENCH_ARGS=data`: the report of a client with 10 million orders in a CSV file (about 300,000
customers, four years), the whole `make report` as a user runs it, and its peak memory (target: below 4 GB).

The CSV (`bench/data/report_orders_10M.csv`, about 460 MB, generated once by DuckDB) is below the 512 MB from
which DuckDB reads a file from disk, so it goes the way most clients' exports go: the file's cells read and typed
(ingestion), then cleaned and aggregated by DuckDB. `BENCH_BEFORE=<git ref>` runs the same report with that
commit's whole project tree (exported once into `bench/.before/<ref>-tree`), in the same run, side by side.
`BENCH_DATA_ROWS` changes the size (e.g. 1000000 for a quick look).
Measured: wall and CPU seconds of the report (CPU: user + system of its whole process tree, with the load
average before and after) (HTML only, `PDF_ENGINE=none`: the PDF's time does not depend on the rows)
and the peak RSS of the largest process of the report (runner, kernel, rendering).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from harness import BEFORE, DATA, ROOT, run_task, table

ROWS = int(os.environ.get("BENCH_DATA_ROWS", "10000000"))
CLIENT = "bench-data"
TARGET_MB = 4096
PARAMS = """client_name: Bench {rows:,} orders
business_model: transactional
currency: EUR
gross_margin: 0.4
timezone: UTC
data:
  path: {path}
  columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount,
             status: status, channel: channel}}
"""
SELECT = """
SELECT 'c' || (hash(i, 1) % {customers})::VARCHAR AS customer_id, 'o' || i::VARCHAR AS order_id,
       strftime(DATE '2022-01-01' + (hash(i, 2) % (4 * 365))::INTEGER, '%Y-%m-%d') AS order_date,
       CASE WHEN hash(i, 3) % 200 = 0 THEN -round(5 + (hash(i, 4) % 19500) / 100.0, 2)
            ELSE round(5 + (hash(i, 4) % 19500) / 100.0, 2) END AS amount,
       CASE WHEN hash(i, 3) % 200 = 0 THEN 'refunded' WHEN hash(i, 3) % 100 = 1 THEN 'cancelled'
            ELSE 'paid' END AS status,
       ['web', 'ads', 'email', 'shop'][(1 + hash(hash(i, 1) % {customers}, 5) % 4)::BIGINT] AS channel
FROM range({rows}) t(i)
"""


def orders_csv(rows: int):
    path = DATA / f"report_orders_{rows // 1_000_000}M.csv" if rows >= 1_000_000 else DATA / f"report_orders_{rows}.csv"
    if not path.exists():
        import duckdb

        DATA.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        con.execute(f"COPY ({SELECT.format(rows=rows, customers=max(rows // 33, 1))}) TO '{path}' (HEADER)")
    return path


def before_project(ref: str):
    """The whole project tree of git `ref` (notebooks, templates and clv_lib of that commit), exported once."""
    folder = ROOT / "bench" / ".before" / f"{ref.replace('/', '_')}-tree"
    if not (folder / "clv_lib").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def report(name: str, root, path, rows: int) -> dict:
    params = root / "params" / f"{CLIENT}.yaml"
    params.write_text(PARAMS.format(rows=rows, path=path), encoding="utf-8")
    try:
        print(f"[bench] {name} ...", flush=True)
        payload = {"root": str(root), "client": CLIENT, "pythonpath": str(root) if root != ROOT else ""}
        result = run_task("clv_lib", "data_report", payload, timeout=5400)
    finally:
        params.unlink(missing_ok=True)
        shutil.rmtree(root / "reports" / CLIENT, ignore_errors=True)
    if "error" in result:
        return {"run": name, "note": result["error"][:160]}
    steps = result.get("timings", {})
    return {"run": name, "report s": result["report_s"], "CPU s": result.get("cpu_s"), "load": result.get("load"),
            "notebook s": steps.get("notebook"),
            "HTML s": steps.get("html"), "peak MB": result["tree_peak_mb"],
            "x target": result["tree_peak_mb"] / TARGET_MB}


def main() -> None:
    path = orders_csv(ROWS)
    size_mb = path.stat().st_size / 2**20
    rows = [report("clv_lib", ROOT, path, ROWS)]
    if BEFORE:
        rows.append(report(f"clv_lib @{BEFORE}", before_project(BEFORE), path, ROWS))
    print(f"make report on {ROWS:,} orders in a {size_mb:,.0f} MB CSV (HTML only); peak MB: the largest process of "
          f"the report; target below {TARGET_MB:,} MB ('x target' = peak / target)")
    print(table(rows, ["run", "report s", "CPU s", "load", "notebook s", "HTML s", "peak MB", "x target", "note"]), flush=True)

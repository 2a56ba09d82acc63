"""clv_lib's engine path on a local file: DuckDB cleans and summarises it out of core (memory capped at 2 GB,
spilling to disk); only one row per customer, month or cohort cell comes back. Or, with `memory: true`, the
in-memory path (pandas read + cleaning + numpy summaries) on the same file, for comparison.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

END = pd.Timestamp("2024-12-31")
CAL = pd.Timestamp("2023-12-31")


def main() -> None:
    from clv_lib.params.schema import ClientParams

    p = args()
    params = ClientParams(client_name="bench", business_model="transactional", currency="EUR", gross_margin=0.4,
                          timezone="UTC", data={"path": p["path"], "columns": {
                              "customer_id": "customer_id", "order_id": "order_id", "order_date": "order_date",
                              "amount": "amount", "status": "status", "channel": "channel"}})
    steps = {}
    steps_note = "pandas + numpy"
    t0 = time.perf_counter()
    if p.get("memory"):  # the in-memory path of commits before the one data path (BENCH_BEFORE)
        from clv_lib.data.engines.source import FrameOrders
        from clv_lib.data.mapping import resolve_columns
        from clv_lib.data.orders import clean_orders
        from clv_lib.data.read import read_table

        raw = read_table(Path(p["path"]), params.data, display=p["path"])
        mapping = resolve_columns(list(raw.frame.columns), "transactional", dict(params.data.columns), p["path"])
        result = clean_orders(raw, mapping, params.data, "EUR", "UTC", END)
        del raw
        source, kept = FrameOrders(result.frame), len(result.frame)
    else:
        from clv_lib.data.engines.load import load_engine_data

        data = load_engine_data(params, END)
        source, kept = _source(data), data.rows_kept
        con = source.backend
        settings = con.raw_sql("SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()[0]
        steps_note = f"duckdb threads {settings[0]}, memory_limit {settings[1]}"
    steps["clean_s"] = time.perf_counter() - t0
    peaks = {"clean": _peak_mb()}  # the process's peak RSS so far, after each step: which step sets the peak
    for name, call in (("summary_s", lambda: source.summary(END)), ("holdout_s", lambda: source.holdout(CAL, END)),
                       ("kpis_s", lambda: _kpis(source)), ("cohorts_s", lambda: source.cohort_cells(END))):
        t0 = time.perf_counter()
        out = call()
        steps[name] = time.perf_counter() - t0
        peaks[name.removesuffix("_s")] = _peak_mb()
        if name == "summary_s":
            customers = len(out)
    done(kept=kept, customers=customers, settings=steps_note, peak_after_mb=peaks, **steps)


def _source(data):
    """The engine's order aggregations: `summary.sources.order_source` (one data path), or `data.orders` before."""
    try:
        from clv_lib.summary.sources import order_source
    except ImportError:
        return data.orders
    return order_source(data)


def _kpis(source):
    try:
        from clv_lib.insights.source_kpis import monthly_kpis
    except ImportError:
        return source.kpis(END)
    return monthly_kpis(source, END)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()

"""`make bench BENCH_ARGS=recurring`: the cost of recurring reports on generated transaction logs (1M and 10M rows,
about 100,000 and 1,000,000 customers; the same logs as `bench_summary`).

No peer library keeps a forecast or checks it later, so the reference is clv_lib's own RFM summary of the same
customers: `x summary` = each step's time / the summary's. Steps: the kept forecast (24 monthly points per
customer), writing it, the fingerprint of the past (every report), and the check of one earlier report by a later
one (calibration/holdout split at its cut-off, fingerprint, track-record entry), which a later report runs once
per earlier report. Best of BENCH_REPEAT=3 in one process; `peak MB` is the task's peak RSS.
"""

from __future__ import annotations

import os

from bench_summary import END, transaction_log
from harness import run_task, table

SIZES = [int(s) for s in os.environ.get("BENCH_RECURRING_ROWS", "1000000,10000000").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
EARLIER = "2023-12-31"  # an earlier report's cut-off, twelve months before END


def main() -> None:
    rows_out = []
    for rows in SIZES:
        res = run_task("clv_lib", "recurring_clv", {"path": str(transaction_log(rows)), "end": END,
                                                    "earlier": EARLIER, "repeat": REPEAT})
        if "error" in res:
            rows_out.append({"rows": rows, "step": "error", "s": res["error"][:120]})
            continue
        base = res["summary_s"]
        for step, key in (("RFM summary (reference)", "summary_s"), ("forecast, 24 months", "forecast_s"),
                          (f"write {res['file']} ({res['file_mb']:.0f} MB)", "write_s"),
                          ("fingerprint of the past", "fingerprint_s"), ("check of one earlier report", "check_s")):
            rows_out.append({"rows": rows, "customers": res["customers"], "step": step, "s": res[key],
                             "x summary": res[key] / base if base else None, "peak MB": res.get("peak_rss_mb")})
    print(table(rows_out, ["rows", "customers", "step", "s", "x summary", "peak MB"]))

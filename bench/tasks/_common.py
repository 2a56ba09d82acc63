"""Imported by every task script: argument parsing and the JSON result line with the task's own peak RSS."""

from __future__ import annotations

import json
import resource
import sys
import time


def args() -> dict:
    return json.loads(sys.argv[1])


def done(**result) -> None:
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def fastest(fit, runs: int = 3, budget_s: float = 5.0):
    """Call `fit()` up to `runs` times, stopping once `budget_s` seconds are spent; return the last result and
    the fastest time (the first call also pays one-off costs: lazy imports, caches, compilation)."""
    times, spent = [], 0.0
    while len(times) < runs and (not times or spent < budget_s):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return result, min(times)

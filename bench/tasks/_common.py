"""Imported by every task script: argument parsing and the JSON result line with the task's own peak RSS."""

from __future__ import annotations

import json
import resource
import sys


def args() -> dict:
    return json.loads(sys.argv[1])


def done(**result) -> None:
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))

"""bench task: one `make report` (the runner, as a user runs it) of a client in a project tree, measured from
outside: wall and CPU seconds (user + system of the whole tree), the load average before and after, and the peak RSS of the whole process tree (the runner, the notebook's kernel, the HTML and
PDF steps: the largest of them, as the operating system reports it for waited-for descendants); the runner's own
step timings from the report's `report_meta.json` when it writes them."""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import args

a = args()
root = Path(a["root"])
env = {**os.environ, "CLV_PROJECT_ROOT": str(root)}
if a.get("pythonpath"):
    env["PYTHONPATH"] = a["pythonpath"]
command = [sys.executable, "-m", "clv_lib.runner", "report", "--client", a["client"], "--pdf-engine",
           a.get("pdf_engine", "none"), "--quiet"]
start, load_before = time.perf_counter(), os.getloadavg()[0]
proc = subprocess.run(command, capture_output=True, text=True, cwd=root, env=env)
wall = time.perf_counter() - start
children = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = children.ru_maxrss / 1024
cpu = children.ru_utime + children.ru_stime
if proc.returncode != 0:
    raise SystemExit((proc.stderr or proc.stdout).strip()[-800:])
timings = {}
meta = sorted((root / "reports" / a["client"]).glob("*/report_meta.json"))
if meta:
    timings = json.loads(meta[-1].read_text(encoding="utf-8")).get("timings", {})
print(json.dumps({"report_s": wall, "tree_peak_mb": peak, "timings": timings, "cpu_s": cpu,
                  "load": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}",
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

"""`make bench BENCH_ARGS=report`: where the time of `make report CLIENT=demo` goes, with a warm `.venv`.

Each run is the real command (`python -m clv_lib.runner report --client demo`) in its own process, after one
warm-up run; the runner records its steps (`report_meta.json` -> `timings`) and the executed notebook records each
cell's duration (papermill), so a run splits into:

* start: the runner process until it starts the kernel (Python and the command line; the kernel is started
  first, `runner/early.py`), plus publishing the folder and the client's index page at the end;
* kernel: from the kernel's start to its first cell, and its shutdown (the notebook's time outside its cells):
  the kernel's boot and clv_lib's imports, with the runner's checks of params, period, data and notebook and its
  own imports beside them;
* notebook: the cells (the first one imports clv_lib; the chapters compute the analysis once and draw it);
* HTML: nbconvert (its exporter built while the notebook ran), and PDF: the print of that HTML, by each engine
  (`BENCH_REPORT_ENGINES`, default chromium and weasyprint when both are available; Chromium started while the
  notebook ran, `runner/browser.py`).

The table gives the median of `BENCH_REPORT_RUNS` (3) runs per engine, wall seconds and the CPU seconds of the
whole process tree (less sensitive to a busy machine), the slowest cells, and each step's share of the total.
`BENCH_REPORT_WORKERS` (default `auto`; e.g. `0,auto`) runs each engine with each setting of the report's worker
process (`CLV_WORKERS`: figures and intervals beside the kernel; 0: all in the kernel), side by side, and
`BENCH_REPORT_BEFORE=<git ref>` adds the clv_lib of that commit (rows `@<ref>`) to the same runs; the load average
before and after the runs is printed with the table.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import ROOT, before_tree, table

CLIENT = os.environ.get("BENCH_REPORT_CLIENT", "demo")
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
WORKERS = os.environ.get("BENCH_REPORT_WORKERS", "auto").split(",")
BEFORE = os.environ.get("BENCH_REPORT_BEFORE", "")
TARGET_S = 10.0  # issue 16: a warm `make report CLIENT=demo` under 10 s


def engines() -> list[str]:
    wanted = os.environ.get("BENCH_REPORT_ENGINES")
    if wanted:
        return wanted.split(",")
    sys.path.insert(0, str(ROOT))
    from clv_lib.runner.render_pdf import find_chromium

    out = ["chromium"] if find_chromium() else []
    try:
        import weasyprint  # noqa: F401
        out.append("weasyprint")
    except (ImportError, OSError):
        pass
    return out or ["none"]


def run_once(engine: str, workers: str = "auto") -> dict:
    """One `runner report` in a fresh process: wall and CPU seconds, the runner's steps, the notebook's cells.
    `workers`: the CLV_WORKERS setting, or `@<git ref>` for that commit's clv_lib."""
    python = ROOT / ".venv" / "bin" / "python"
    command = [str(python), "-m", "clv_lib.runner", "report", "--client", CLIENT, "--pdf-engine", engine, "--quiet"]
    env = {**os.environ, "CLV_WORKERS": workers}
    if workers.startswith("@"):
        env["PYTHONPATH"] = str(before_tree(workers[1:]))  # the runner and its kernel import that clv_lib
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"[bench] the report failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    folder = ROOT / proc.stdout.split("->", 1)[1].split("[")[0].strip()
    meta = json.loads((folder / "report_meta.json").read_text(encoding="utf-8"))
    notebook = json.loads((folder / "clv_report.ipynb").read_text(encoding="utf-8"))
    cells = [(_first_line(c), float((c.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0))
             for c in notebook["cells"] if c["cell_type"] == "code"]
    steps = meta["timings"]
    in_cells = sum(seconds for _, seconds in cells)
    return {
        "wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "start": max(wall - sum(steps.values()), 0.0), "kernel": max(steps["notebook"] - in_cells, 0.0),
        "cells": in_cells, "html": steps["html"], "pdf": steps.get("pdf", 0.0), "publish": steps.get("publish", 0.0),
        "by_cell": cells, "pdf_bytes": (folder / "clv_report.pdf").stat().st_size if engine != "none" else 0,
        "html_bytes": (folder / "clv_report.html").stat().st_size,
    }


def _first_line(cell: dict) -> str:
    source = "".join(cell["source"]).strip().splitlines()
    return (source[-1] if source else "")[:40]


def main() -> None:
    rows, slow = [], {}
    load_before = os.getloadavg()
    for engine in engines():
        settings = WORKERS + ([f"@{BEFORE}"] if BEFORE else [])
        for workers in settings:
            run_once(engine, workers)  # warm-up: caches, byte-code, the kernelspec
        by_setting = {w: [] for w in settings}
        for _ in range(RUNS):  # the settings take turns, so that a change of load hits them alike
            for workers in settings:
                by_setting[workers].append(run_once(engine, workers))
        for workers, runs in by_setting.items():
            med = {key: statistics.median(r[key] for r in runs) for key in
                   ("wall", "cpu", "start", "kernel", "cells", "html", "pdf", "publish", "pdf_bytes", "html_bytes")}
            rows.append({"PDF engine": engine, "workers": workers, "total s": med["wall"], "CPU s": med["cpu"],
                         "start s": med["start"], "kernel s": med["kernel"], "notebook s": med["cells"],
                         "HTML s": med["html"], "PDF s": med["pdf"], "HTML MB": med["html_bytes"] / 1e6,
                         "PDF MB": med["pdf_bytes"] / 1e6, "x target": med["wall"] / TARGET_S})
            for name, _ in runs[0]["by_cell"]:
                slow.setdefault(name, []).extend(dict(r["by_cell"]).get(name, 0.0) for r in runs)
    load_after = os.getloadavg()
    print(f"make report CLIENT={CLIENT} with a warm .venv: median of {RUNS} runs per PDF engine and worker setting "
          f"(target: under {TARGET_S:.0f} s; 'x target' = total / target); {os.cpu_count()} CPUs, load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(table(rows, ["PDF engine", "workers", "total s", "CPU s", "start s", "kernel s", "notebook s", "HTML s",
                       "PDF s", "HTML MB", "PDF MB", "x target"]))
    cells = sorted(((statistics.median(v), k) for k, v in slow.items()), reverse=True)[:8]
    print("\nslowest notebook cells (median s): " + ", ".join(f"{k} {v:.2f}" for v, k in cells))

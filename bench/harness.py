"""Shared machinery for `make bench`: peer environments and isolated, measured task runs.

Every measurement runs in a fresh subprocess (so peak memory is that task's alone) with the interpreter of the
environment under test: the project's `.venv` for clv_lib, `bench/.envs/<peer>` for the peer libraries. A task is
a script in `bench/tasks/` that reads one JSON argument and prints one JSON object on its last stdout line; the
harness adds the wall time and the child's peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ENVS = BENCH / ".envs"
DATA = BENCH / "data"
TASKS = BENCH / "tasks"

# Peer libraries, each in its own environment so their pins never touch the project's.
PEERS: dict[str, list[str]] = {
    # lifetimes 0.11.3 (2020) predates pandas 2 / numpy 2 / scipy's removal of `scipy.misc.logsumexp`.
    "lifetimes": ["lifetimes==0.11.3", "pandas<2.0", "numpy<1.25", "scipy<1.12", "autograd", "psutil", "pyarrow<15"],
    # pymc-marketing >= 0.19.3 (and 1.x) require Python >= 3.12; 0.19.2 is the last release for Python 3.11.
    "pymc": ["pymc-marketing==0.19.2", "psutil"],
    "duckdb": ["duckdb", "pyarrow", "pandas", "psutil"],
}


#: `make bench BENCH_BEFORE=<git ref>`: the clv_lib tasks also run on that commit's clv_lib ("clv_lib@<ref>"), in the
#: same run, so a change is measured before and after side by side.
BEFORE = os.environ.get("BENCH_BEFORE", "").strip()


def before_tree(ref: str) -> Path:
    """The clv_lib package of git `ref`, exported once into bench/.before/<ref> (put first on PYTHONPATH)."""
    folder = BENCH / ".before" / ref.replace("/", "_")
    if not (folder / "clv_lib").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "clv_lib"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def peer_python(name: str) -> Path:
    """Return the interpreter of peer environment `name`, creating it on first use."""
    if name == "clv_lib" or name.startswith("clv_lib@"):
        return ROOT / ".venv" / "bin" / "python"
    env = ENVS / name
    python = env / "bin" / "python"
    stamp = env / ".installed"
    if not stamp.exists():
        print(f"[bench] creating peer environment {env} ({' '.join(PEERS[name])}) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               *PEERS[name]], capture_output=True, text=True)
        if proc.returncode != 0:  # pip's output only when it failed (its index warnings are noise otherwise)
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"[bench] could not install the {name} peer environment")
        stamp.touch()
    return python


def run_task(env: str, task: str, payload: dict, timeout: float = 3600) -> dict:
    """Run `bench/tasks/<task>.py` under environment `env`; return its JSON plus wall seconds and peak RSS (MB)."""
    python = peer_python(env)
    extra = {"PYTHONPATH": str(before_tree(env.split("@", 1)[1]))} if env.startswith("clv_lib@") else {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([str(python), str(TASKS / f"{task}.py"), json.dumps(payload)], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0", **extra})
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": " | ".join(tail), "wall_s": wall}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.setdefault("wall_s", wall)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the max over all waited-for children; the task reports its own as well.
    result.setdefault("peak_rss_mb", max(after, before) / 1024)
    return result


def table(rows: list[dict], columns: list[str]) -> str:
    """Format rows as a fixed-width text table."""
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)

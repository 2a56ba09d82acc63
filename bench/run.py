"""`make bench`: run every `bench/bench_*.py` suite (or those named on the command line) and print their tables.

Speed and memory are measured here, side by side with the peer libraries in one run, never in tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def main(argv: list[str]) -> int:
    wanted = set(argv)
    suites = sorted(BENCH.glob("bench_*.py"))
    if wanted:
        suites = [s for s in suites if s.stem.removeprefix("bench_") in wanted or s.stem in wanted]
    if not suites:
        print("no benchmark suites found", file=sys.stderr)
        return 1
    for path in suites:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {path.stem} ===", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""`make reports`: every client in params/ (and each period its file lists), continuing past failures.

Each report runs in its own process (`python -m clv_lib.runner report ...`), so one client's crash cannot affect
another and independent clients can run in parallel (`JOBS=2`). Prints a status table with output paths and
returns non-zero when any report failed. A client whose data is in a database whose connection variable is not
set on this machine (e.g. `demo-postgres` without `CLV_DB_URL`) is skipped, not failed: the table says
"skipped: CLV_DB_URL not set", and `make report CLIENT=...` for it says which variable to set.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from clv_lib.exceptions import ClvError, error_line, is_error_line
from clv_lib.params import load_params, project_root
from clv_lib.params.clients import available_clients


@dataclass
class Outcome:
    client: str
    period: str
    ok: bool
    seconds: float
    detail: str
    skipped: bool = False


def planned_runs(root: Path) -> list[tuple[str, str]]:
    """(client, period) pairs: each listed period of each client (ranges expanded), or its default period ("")."""
    from clv_lib.params import parse_period_range

    runs = []
    for client in available_clients(root):
        try:
            listed = load_params(root / "params" / f"{client}.yaml").periods or [""]
            periods = [p.label for text in listed for p in parse_period_range(text)] if listed != [""] else [""]
        except ClvError:
            periods = [""]  # the run itself reports the params error
        runs += [(client, p) for p in dict.fromkeys(periods)]
    return runs


def _unset_connection(client: str, root: Path) -> str | None:
    """The connection variable a client's params need and this environment lacks, else None."""
    from clv_lib.data.engines.connect import missing_connection

    try:
        return missing_connection(load_params(root / "params" / f"{client}.yaml").data)
    except ClvError:
        return None


def _install_drivers(clients: list[str], root: Path) -> None:
    """Install, once and before the parallel runs, the drivers of the engines the runnable clients name."""
    from clv_lib.runner.drivers import ensure_drivers

    engines = set()
    for client in clients:
        try:
            spec = load_params(root / "params" / f"{client}.yaml").data
        except ClvError:
            continue
        if not spec.path and _unset_connection(client, root) is None:
            engines.add(spec.engine)
    for engine in sorted(engines):
        try:
            ensure_drivers(engine, root)
        except ClvError as exc:  # the clients on that engine fail with this line; the others run
            print(error_line(exc), file=sys.stderr)


def _run_one(client: str, period: str, pdf_engine: str, root: Path) -> Outcome:
    start = time.perf_counter()
    unset = _unset_connection(client, root)
    if unset:
        return Outcome(client, period or "(default)", False, 0.0, f"{unset} not set", skipped=True)
    command = [sys.executable, "-m", "clv_lib.runner", "report", "--client", client, "--period", period,
               "--pdf-engine", pdf_engine, "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=root)
    lines = [line for line in (proc.stdout + proc.stderr).strip().splitlines() if line.strip()]
    if proc.returncode == 0:
        folder = next((line.split("->", 1)[1].split("  [")[0].strip() for line in lines if "->" in line), "")
        return Outcome(client, period or "(default)", True, time.perf_counter() - start, folder)
    error = next((line for line in lines if is_error_line(line)), lines[-1] if lines else "failed")
    return Outcome(client, period or "(default)", False, time.perf_counter() - start, error.split(": ", 1)[-1])


def _period_key(period: str):
    from clv_lib.params import parse_period

    try:
        return (0, parse_period(period).end) if period else (1, None)
    except ClvError:
        return (2, None)


def run_all(jobs: int = 1, pdf_engine: str = "auto", root: Path | None = None) -> int:
    """Build all planned reports with `jobs` parallel processes; print the status table; return the exit code.

    Different clients run in parallel; one client's periods run one after the other, oldest first, so that each
    report finds the previous period's outputs (segment migration) and no two runs write the same client folder.
    """
    root = root or project_root()
    runs = planned_runs(root)
    if not runs:
        print("error: no client parameter files in params/", file=sys.stderr)  # English: no client, no language
        return 2
    _install_drivers(sorted({c for c, _ in runs}), root)
    by_client: dict[str, list[str]] = {}
    for client, period in runs:
        by_client.setdefault(client, []).append(period)
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(runs), desc="reports", unit="report", file=sys.stderr) as bar:

        def client_runs(client: str, periods: list[str]) -> list[Outcome]:
            done = []
            for period in sorted(periods, key=_period_key):
                outcome = _run_one(client, period, pdf_engine, root)
                done.append(outcome)
                bar.set_postfix_str(f"{client} {period or ''} {_status(outcome)}".replace("  ", " "))
                bar.update()
            return done

        futures = [pool.submit(client_runs, c, ps) for c, ps in by_client.items()]
        for future in as_completed(futures):
            outcomes += future.result()
    outcomes.sort(key=lambda o: (o.client, o.period))
    print(format_table(outcomes))
    failed = sum(not o.ok and not o.skipped for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    built = len(outcomes) - failed - skipped
    print(f"\n{built} of {len(outcomes)} reports built" + (f", {failed} failed" if failed else "")
          + (f", {skipped} skipped (connection variable not set)" if skipped else ""))
    return 1 if failed else 0


def _status(outcome: Outcome) -> str:
    return "ok" if outcome.ok else "skipped" if outcome.skipped else "FAILED"


def format_table(outcomes: list[Outcome]) -> str:
    header = ("client", "period", "status", "seconds", "output / error")
    rows = [(o.client, o.period, _status(o), f"{o.seconds:.0f}", o.detail) for o in outcomes]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header[:-1])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header[:-1], widths)) + "  " + header[-1]]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    return "\n".join(lines)

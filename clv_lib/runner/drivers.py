"""The drivers of a database engine, installed on the first report whose params name that engine.

The runtime profile (`make report`) reads files with DuckDB and has no database drivers: PySpark alone is about
470 MB. When a params file names `engine: postgres` or `engine: spark` and the driver is missing, the runner
installs that engine's extra (`pip install 'clv-report[postgres]'`'s requirements, at the versions pinned in
`requirements.lock`) into the running environment, saying so in one line, before the report starts.
`python -m clv_lib.runner drivers postgres` does the same by hand (e.g. before `make lab` on such a client).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from clv_lib.exceptions import EngineError

PROJECT = "clv-report"
#: Engine -> (extra of pyproject.toml, modules that must import for the engine to work).
ENGINES = {
    "postgres": ("postgres", ("psycopg", "ibis.backends.postgres")),
    "spark": ("spark", ("pyspark", "ibis.backends.pyspark")),
}


def installed(engine: str) -> bool:
    """Whether the engine's driver modules can be found in this environment (DuckDB: always)."""
    if engine not in ENGINES:
        return True
    for module in ENGINES[engine][1]:
        try:
            if importlib.util.find_spec(module) is None:
                return False
        except (ImportError, ValueError):  # a parent package missing
            return False
    return True


def requirements(engine: str) -> list[str]:
    """The requirement strings of the engine's extra, read from the installed project's metadata."""
    from packaging.requirements import Requirement

    extra = ENGINES[engine][0]
    out = []
    for line in metadata.requires(PROJECT) or []:
        req = Requirement(line)
        if req.marker is not None and req.marker.evaluate({"extra": extra}) and not \
                req.marker.evaluate({"extra": ""}):
            out.append(str(req).split(";")[0].strip())
    return out


def install_command(engine: str, root: Path) -> list[str]:
    """pip, run by this interpreter, on the extra's requirements constrained to the project's lock file."""
    lock = Path(root) / "requirements.lock"
    constraint = ["--constraint", str(lock)] if lock.is_file() else []
    return [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *constraint,
            *requirements(engine)]


def ensure_drivers(engine: str, root: Path, run=subprocess.run, out=None) -> bool:
    """Install the engine's drivers when they are missing; return True when something was installed.

    Prints one line before installing. Raises EngineError (one line, with the command to run by hand) when pip
    fails, e.g. without network access.
    """
    if installed(engine):
        return False
    out = out or sys.stderr
    with _install_lock():
        if installed(engine):  # another report of a batch installed them meanwhile
            return False
        names = ", ".join(requirements(engine))
        print(f"installing the {engine} engine's drivers ({names}) into {sys.prefix}: the first report that "
              f"reads from {engine}, once", file=out, flush=True)
        command = install_command(engine, root)
        proc = run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr or proc.stdout or "").splitlines()
                     if line.strip() and not line.startswith("WARNING: Location")]
            reason = lines[-1].strip() if lines else f"pip exited with code {proc.returncode}"
            raise EngineError(key="engine.driver_install_failed", engine=engine, reason=reason,
                              python=sys.executable)
        importlib.invalidate_caches()
    return True


@contextmanager
def _install_lock():
    """One installer at a time per environment (`make reports JOBS=2` may start two such reports at once)."""
    try:
        import fcntl
    except ImportError:  # Windows: no parallel batch installs to guard against there
        yield
        return
    path = Path(sys.prefix) / ".clv-drivers.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Byte-compile what a report imports, and only that: `python -m clv_lib.runner.bytecode` (run by `make setup`).

`make setup` installs with `pip --no-compile`: pip would otherwise write a `.pyc` for every module of every
package (about 150 MB for the runtime, mostly test suites, servers and backends a report never loads). This step
imports what the runner and the report's kernel import (every `clv_lib` module, papermill, nbconvert, ipykernel,
the inline matplotlib backend) and compiles exactly those modules, so that a report starts as fast as with a fully
compiled environment, also where `PYTHONDONTWRITEBYTECODE` keeps Python from writing byte-code on first import.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import py_compile
import sys
import warnings

# What the runner process and the notebook's kernel import besides clv_lib itself.
RUNTIME_MODULES = (
    "papermill", "nbformat", "nbclient", "jupyter_client.manager", "nbconvert.exporters.html", "ipykernel.kernelapp",
    "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython", "IPython.extensions.storemagic",
    "matplotlib_inline.backend_inline", "psutil", "threadpoolctl", "duckdb", "PIL.PngImagePlugin",
    "matplotlib.backends.backend_svg", "matplotlib.backends.backend_agg", "xlsxwriter", "weasyprint",
)
# clv_lib modules that need the optional database drivers (installed on first use, compiled by pip then).
OPTIONAL = ("clv_lib.data.engines.spark", "clv_lib.data.engines.postgres")


def import_report_stack() -> None:
    """Import every clv_lib module and the runtime modules above; a module that cannot load is skipped."""
    import clv_lib

    names = [m.name for m in pkgutil.walk_packages(clv_lib.__path__, "clv_lib.")
             if not m.name.startswith(OPTIONAL) and not m.name.endswith("__main__")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in (*names, *RUNTIME_MODULES):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - e.g. WeasyPrint without Pango: that engine is simply not used
                continue


def compile_loaded() -> int:
    """Write the byte-code of every loaded pure-Python module; return how many were written."""
    written = 0
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not source or not source.endswith(".py"):
            continue
        try:
            py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True)
            written += 1
        except (OSError, py_compile.PyCompileError):
            continue  # read-only or odd files: Python compiles them in memory when they are imported
    return written


def main() -> int:
    import os

    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's note on frozen modules: not a debug run
    import_report_stack()
    print(f"byte-compiled {compile_loaded():,} modules that reports load")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

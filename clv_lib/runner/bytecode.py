"""Byte-compile what a report imports, and only that: `python -m clv_lib.runner.bytecode` (run by `make setup`).

`make setup` installs with `pip --no-compile`: pip would otherwise write a `.pyc` for every module of every
package (about 150 MB for the runtime, mostly test suites, servers and backends a report never loads). This step
imports what the runner and the report's kernel import (every `clv_lib` module, papermill, nbconvert, ipykernel,
the inline matplotlib backend), then runs the demo report's notebook cells in this process (outputs to a temporary
folder) so that what loads only on the way (Ibis and sqlglot compiling queries, pyarrow, PIL) loads too, and
compiles exactly those modules: a report then starts as fast as with a fully compiled environment, also where
`PYTHONDONTWRITEBYTECODE` keeps Python from writing byte-code on first import (without this, every report compiled
5 MB of Ibis and sqlglot source again: about a second of the kernel's time).
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


def run_demo_cells() -> None:
    """Run the report notebook's cells on the demo client here, without a kernel, the chapters rendered to HTML
    (a best effort: a failure only leaves some lazily loaded modules to compile on first use)."""
    import ast
    import os
    import tempfile

    import nbformat

    from clv_lib.params import project_root
    from clv_lib.runner.notebooks import TEMPLATE

    root = project_root()
    if not (root / "params" / "demo.yaml").is_file():
        return
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    with tempfile.TemporaryDirectory(prefix="clv-bytecode-") as out:
        namespace: dict = {}
        for cell in nbformat.read(root / TEMPLATE, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(cell.source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, "<report cell>", "exec"), namespace)  # noqa: S102 - the project's own notebook
            if "output_dir" in namespace and not namespace.get("_out_set"):
                namespace.update(client="demo", period="", language="", output_dir=out, _out_set=True)
            if last is not None:
                shown = eval(compile(ast.Expression(last.value), "<report cell>", "eval"), namespace)  # noqa: S307
                if hasattr(shown, "_repr_html_"):
                    shown._repr_html_()


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
    try:
        run_demo_cells()
    except Exception as exc:  # noqa: BLE001 - compiling fewer modules is no reason to fail the installation
        print(f"note: the demo cells did not run here ({type(exc).__name__}: {exc}); compiling what was loaded")
    print(f"byte-compiled {compile_loaded():,} modules that reports load")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the report notebook with papermill in the project's kernel; turn a failing cell into ExecutionError."""

from __future__ import annotations

import os
from pathlib import Path

from clv_lib.exceptions import ExecutionError
from clv_lib.runner.kernel import ensure_kernel

# Exceptions raised inside the notebook that are user mistakes (bad data, bad params): shown as one line.
USER_ERRORS = {"ClvError", "ParamsError", "DataError", "EngineError", "CurrencyError", "ModelInputError"}


class NotebookFailed(ExecutionError):
    """Raised when a cell of the report notebook raises; carries the cell, the error and the kept log."""

    def __init__(self, message: str, *, ename: str, evalue: str, cell_index: int, source: str, user_error: bool):
        super().__init__(message)
        self.ename, self.evalue, self.cell_index, self.source = ename, evalue, cell_index, source
        self.user_error = user_error
        self.log_path: Path | None = None


#: What the report's first cell imports, done while the kernel starts, with seaborn that its charts import on first
#: use; the collector is set for a report run (`clv_lib.report.collector`) before the imports, and their objects
#: are frozen after them; the figure workers start first (`clv_lib.report.workers.prestart`), to import beside it.
PRELOAD = ("import clv_lib.report.collector, clv_lib.report.workers; clv_lib.report.collector.collect_less(); "
           "clv_lib.report.workers.prestart(); "
           "import clv_lib.report.facade, seaborn; clv_lib.report.collector.imports_done()")


def start_kernel(cwd: Path, env: dict | None = None):
    """Start the report's kernel now and return its manager, so that it boots (and imports clv_lib) while this
    process prepares the run; `execute_notebook(..., kernel=...)` then uses it and `stop_kernel` ends it."""
    from jupyter_core.utils import run_sync

    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    os.environ.pop("MPLBACKEND", None)  # a headless MPLBACKEND=Agg would make inline figures vanish silently
    manager = _quiet_kernel_manager()(kernel_name=ensure_kernel())
    try:
        run_sync(manager.start_kernel)(cwd=str(cwd), env={**os.environ, **(env or {})},
                                       extra_arguments=[f"--IPKernelApp.exec_lines={[PRELOAD]!r}"])
    except Exception as exc:  # no kernel: not a user mistake, but keep it one line
        raise ExecutionError(f"the notebook's kernel could not start: {type(exc).__name__}: {exc}") from exc
    return manager


def stop_kernel(manager) -> None:
    """Stop a kernel started by `start_kernel` at once: the notebook and the outputs are written by then."""
    from jupyter_core.utils import run_sync

    try:
        run_sync(manager.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - a kernel that is already gone is what we want
        pass


def execute_notebook(notebook: Path, output: Path, parameters: dict, cwd: Path, progress: bool = True,
                     env: dict | None = None, kernel=None) -> None:
    """Execute `notebook` into `output` (always written, also on failure) with `parameters` injected; `env`:
    variables the kernel sees (the notebook's name and hash for the report's provenance); `kernel`: a manager
    from `start_kernel` (else papermill starts and stops one)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    name = ensure_kernel()
    extra = {"km": kernel} if kernel is not None else {"kernel_manager_class": _quiet_kernel_manager()}
    _register_engine()
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    os.environ.pop("MPLBACKEND", None)  # a headless MPLBACKEND=Agg would make inline figures vanish silently
    saved = {key: os.environ.get(key) for key in (env or {})}
    os.environ.update(env or {})  # the kernel inherits this process's environment
    try:
        pm.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=name, cwd=str(cwd),
            progress_bar=progress, start_timeout=180, engine_name=ENGINE, **extra,
        )
    except PapermillExecutionError as exc:
        source = (exc.source or "").strip()
        user_error = exc.ename in USER_ERRORS
        if user_error:
            message = exc.evalue
        else:
            message = (f"the report notebook failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue})\n"
                       f"  cell source:\n" + "\n".join(f"    {line}" for line in source.splitlines()[:12]))
        raise NotebookFailed(message, ename=exc.ename, evalue=exc.evalue, cell_index=exc.cell_index,
                             source=source, user_error=user_error) from None
    except Exception as exc:  # kernel died, could not start, ...: not a user mistake, but keep it one line
        raise ExecutionError(f"the notebook could not be executed: {type(exc).__name__}: {exc}") from exc
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


ENGINE = "clv-report"


def _register_engine() -> None:
    """papermill's nbclient engine, writing the executed notebook once, when the run ends or fails, instead of at
    the start and end of every cell: each write (the whole notebook, validated) ran between two cells while the
    kernel waited, about 40 writes and 0.8 s of CPU per report."""
    from papermill.engines import NBClientEngine, papermill_engines

    class WriteAtEnd(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            nb_man.save = lambda **_: None  # shadows the method for the cells; notebook_complete() writes it all
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                del nb_man.save

    papermill_engines.register(ENGINE, WriteAtEnd)


def _quiet_kernel_manager():
    """A kernel manager with CurveZMQ transport encryption when available.

    ipykernel >= 7.4 warns on every start that it runs over TCP without encryption; asking the kernel manager to
    provision keys (`transport_encryption = "auto"`) is the documented fix and removes the noise.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    if "transport_encryption" not in AsyncKernelManager.class_trait_names():
        return AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _default_transport_encryption(self):
            return "auto"

    return QuietKernelManager

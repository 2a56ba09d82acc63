"""The report's kernel, started first: before the runner validates the params and the data, before it imports
pandas, papermill and nbconvert.

The kernel's own start (Python, ipykernel, then clv_lib's report with pandas, scipy and matplotlib: about 3.5 s
of CPU) is the first link of the report's critical path, and it depends on nothing the runner checks: only on
which notebook runs and the project folder. So `make report` starts it at once; the runner's checks run beside
it. A check that fails stops it again (`close`), and a run that needs another kernel (a database driver just
installed, another notebook) starts its own, as without this.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

WORKERS = "CLV_WORKERS"  # clv_lib.report.workers.ENV (importing clv_lib.report here costs 1 s)


#: One OpenBLAS thread in the report's kernel unless the user set it: the report's matrices are small (a few
#: covariates, a year of months), and on a shared machine OpenBLAS's threads wait for CPUs they do not get
#: (`leggauss(256)`'s eigenvalues, at the Pareto/NBD's check: 0.01 s with one thread, 0.15-1 s with two under load).
#: The demo's outputs are byte for byte the same either way.
BLAS_THREADS = "OPENBLAS_NUM_THREADS"


def kernel_env(notebook: Path, sha256: str) -> dict:
    """What the report's kernel is told: the notebook it runs (for the provenance), the worker setting and the
    BLAS threads."""
    return {"CLV_NOTEBOOK": notebook.as_posix(), "CLV_NOTEBOOK_SHA256": sha256,
            WORKERS: os.environ.get(WORKERS, "auto"),  # figures drawn beside the kernel
            BLAS_THREADS: os.environ.get(BLAS_THREADS, "1")}


@dataclass
class EarlyKernel:
    manager: object  # a started kernel manager (`execute.start_kernel`)
    root: Path
    env: dict
    started: float = field(default_factory=time.perf_counter)  # when the run began (its timings count from here)

    def take(self, root: Path, env: dict):
        """The kernel, when it was started for this run (same project, same notebook and settings), else None;
        either way it is no longer this object's to stop."""
        manager, self.manager = self.manager, None
        if manager is not None and root == self.root and env == self.env:
            return manager
        if manager is not None:
            from clv_lib.runner.execute import stop_kernel

            stop_kernel(manager)
        return None

    def close(self) -> None:
        """Stop the kernel unless a report took it."""
        self.take(Path(), {})


def start_early(client: str, notebook: str | None = None) -> EarlyKernel | None:
    """Start the kernel for `client`'s report now; None when anything is amiss (the report's own checks then say
    what, in the client's language)."""
    from clv_lib.runner.warm import skip_unused_imports

    started = time.perf_counter()
    skip_unused_imports()  # before anything imports nbformat
    try:
        from clv_lib.params import check_client_name, project_root
        from clv_lib.runner.execute import start_kernel
        from clv_lib.runner.notebooks import file_sha256, notebook_path

        root = project_root()
        path = notebook_path(check_client_name(client), root, notebook)
        env = kernel_env(path, file_sha256(root / path))
        return EarlyKernel(start_kernel(root, env), root, env, started)
    except Exception:  # noqa: BLE001 - the report's checks name the problem
        return None

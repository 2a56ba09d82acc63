"""Analysis the report computes ahead, in the background, while it draws chapters that do not need it.

The CLV intervals (bootstrap draws of the model, the costliest step of the analysis after the fits) are needed
from the segments chapter on; once the executive summary has fitted the models, they are computed while the
since-the-last-report, data, KPI, concentration and cohort chapters are drawn. With a worker they start even
earlier (`start_early`): as soon as the models are fitted, while the executive summary computes the rest of its
numbers (recommendations, unit economics, the new-customer value). Every other chapter call first
waits for them, so each is computed once and a chapter never sees a half-done analysis.

Where it runs: in the report run's worker process (`report.workers`) when the analysis offers the computation as
a picklable call (`<name>_job`, with `settle_<name>` giving the result of running it: the orders' intervals);
else in a background thread of the kernel (numpy's loops release the interpreter lock, Python's do not).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property, partial

from clv_lib.report.workers import LOST

#: Attributes of the analysis worth computing ahead (when the analysis has them as cached properties).
AHEAD = ("new_customer_spend", "intervals")
#: What the worker imports for them (the spend model's covariate tests need scipy.stats), and for the covariate
#: trials it makes beside the kernel (`BaseAnalysis.run_all`), while the kernel loads the data.
PRELOAD = ("clv_lib.value.intervals", "clv_lib.models.validation", "clv_lib.models.gamma_gamma_covariates",
           "scipy.stats", "clv_lib.models.bgnbd_covariates", "clv_lib.models.pareto_nbd_covariates",
           "clv_lib.models.mbgnbd_covariates")


class Ahead:
    """Background computations of an analysis' cached properties; `settle()` waits for them."""

    def __init__(self, workers=None) -> None:
        self._pending: list[Future] = []
        self._remote: list[tuple[object, str, object, Future]] = []  # (analysis, name, job, future)
        self._workers = workers
        if workers is not None:
            workers.preload(*PRELOAD)

    def start_early(self, analysis) -> None:
        """Send the AHEAD computations that a worker can take to it now, before the chapter that fits the models
        finishes: their job (`<name>_job`) fits them here first, which that chapter does first anyway, and the
        worker then computes while the rest of the chapter is drawn. Nothing happens without a worker; a job that
        fails to build here is left to `start` and the chapter (which then says what is wrong)."""
        if self._workers is None:
            return
        for name in self._names(analysis):
            if not hasattr(type(analysis), f"{name}_job"):
                continue
            try:
                job = getattr(analysis, f"{name}_job")
            except Exception:  # noqa: BLE001 - the chapter computes it again and raises or explains it there
                continue
            future = self._workers.call(job) if job is not None else None
            if future is not None:
                self._sent(analysis, name, job, future)

    def _sent(self, analysis, name: str, job, future: Future) -> None:
        """Remember a job sent to the worker, and offer its result to the analysis (`BaseAnalysis.ahead_result`): a
        property needed before the next chapter takes it from there instead of computing it again."""
        self._remote.append((analysis, name, job, future))
        offered = vars(analysis).setdefault("_ahead", {})
        offered[name] = partial(_remote_result, future, job)

    def _names(self, analysis) -> list[str]:
        """The AHEAD attributes of `analysis` neither computed nor started yet."""
        started = {(id(a), n) for a, n, _, _ in self._remote}
        return [name for name in AHEAD if isinstance(getattr(type(analysis), name, None), cached_property)
                and name not in vars(analysis) and (id(analysis), name) not in started]

    def start(self, analysis) -> None:
        """Compute the AHEAD attributes of `analysis` that are not computed nor started yet, in the worker or a
        thread."""
        names = self._names(analysis)
        local = []
        for name in names:
            job = getattr(analysis, f"{name}_job", None) if self._workers is not None else None
            future = self._workers.call(job) if job is not None else None
            if future is None:
                local.append(name)
            else:
                self._sent(analysis, name, job, future)
        if not local:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clv-ahead")
        self._pending += [pool.submit(getattr, analysis, name) for name in local]
        pool.shutdown(wait=False)

    def settle(self) -> None:
        """Wait for everything started; an exception raised there is raised here, as it would have been inline."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()
        remote, self._remote = self._remote, []
        for analysis, name, job, future in remote:
            vars(analysis).get("_ahead", {}).pop(name, None)
            if name in vars(analysis):  # its property took the result already
                continue
            if self._workers is not None:
                self._workers.help(until=future)  # figures queued behind it are drawn here meanwhile
            settle = getattr(analysis, f"settle_{name}")
            try:
                value = settle(future.result)
            except LOST:  # the worker died or the result could not come back: compute it here
                value = settle(job)
            vars(analysis)[name] = value  # as the cached property would have stored it


def _remote_result(future: Future, job):
    """The result of `job` sent to the worker as `future`; made here when it cannot come back."""
    try:
        return future.result()
    except LOST:
        return job()

"""Analysis the report computes ahead, in a background thread, while it draws chapters that do not need it.

The CLV intervals (bootstrap draws of the model, the costliest step of the analysis after the fits) are needed
from the segments chapter on; once the executive summary has fitted the models, they are computed in a thread
while the since-the-last-report, data, KPI, concentration and cohort chapters are drawn (numpy's loops release
the GIL, so on two cores the two overlap). Every other chapter call first waits for them, so each is computed once and
a chapter never sees a half-done analysis.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property

#: Attributes of the analysis worth computing ahead (when the analysis has them as cached properties).
AHEAD = ("intervals",)


class Ahead:
    """Background computations of an analysis' cached properties; `settle()` waits for them."""

    def __init__(self) -> None:
        self._pending: list[Future] = []

    def start(self, analysis) -> None:
        """Compute the AHEAD attributes of `analysis` that are not computed yet, in one background thread."""
        names = [name for name in AHEAD if isinstance(getattr(type(analysis), name, None), cached_property)
                 and name not in vars(analysis)]
        if not names:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clv-ahead")
        self._pending += [pool.submit(getattr, analysis, name) for name in names]
        pool.shutdown(wait=False)

    def settle(self) -> None:
        """Wait for everything started; an exception raised there is raised here, as it would have been inline."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

"""A worker process beside the report run's kernel: it draws the figures, and computes analysis that is started
ahead (the CLV intervals), while the kernel goes on with the next chapter (report runs only).

Saving the report's 19 figures as SVG is the kernel's largest single cost on the demo (about 3 s of CPU: layout,
text metrics, paths), and nothing after a chapter needs its drawing. When the runner asks for it
(`CLV_WORKERS`), a chapter is displayed with each figure's place held by a token; the figure itself, pickled as
it is at that moment, is drawn by the worker with the kernel's matplotlib settings. When the notebook calls
`report.save_outputs()`, every pending chapter is waited for and its display updated in place (`update_display`),
so the executed notebook, and the HTML and PDF made from it, hold exactly what an inline drawing would have
given. From then on chapters draw inline again.

`call(function, ...)` runs any picklable call there (`report.ahead` sends the intervals' bootstrap: in a thread of
the kernel it competed with the chapters for the interpreter lock).

A figure that cannot be pickled (an analyst's chart with a lambda formatter) or a worker that fails is drawn in
the kernel, as before. Interactive sessions never defer: there nobody calls `save_outputs()` at a known moment.
"""

from __future__ import annotations

import importlib
import itertools
import os
import pickle
from concurrent.futures import Future
from functools import partial

ENV = "CLV_WORKERS"  # "auto" or a number of worker processes; unset or 0: everything in the kernel
#: What a report run adds to the 1-minute load average by itself when `auto` judges it: its own kernel, and the
#: reports just before it in a series (`make reports`, a benchmark). On an otherwise idle machine a series of
#: reports holds the load average near 1.3, which must not read as "no idle CPU".
OWN_LOAD = 1.0
TOKEN = "clv-figure-pending:{}:"  # the closing colon: token 1 is no prefix of token 12
_RC_SKIP = ("backend", "backend_fallback", "interactive")


def workers_wanted() -> int:
    """How many worker processes the environment asks for. `auto`: one per idle CPU, at most two (one takes the
    intervals while the other draws) and one CPU left to the kernel (on two CPUs one worker: a second would share
    the kernel's CPU while both import); none on a single CPU or on a machine whose load average, less the
    report's own share (`OWN_LOAD`), already fills its CPUs, where another process only adds its own start-up."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "0", "no", "off"):
        return 0
    if value == "auto":
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):  # Windows has no load average
            busy = 0.0
        cpus = os.cpu_count() or 1
        return max(0, min(2, cpus - 1, int(cpus - max(busy - OWN_LOAD, 0.0)))) if cpus >= 2 else 0
    try:
        return max(0, int(value))
    except ValueError:
        return 0


def draw(payload: bytes, rc: dict) -> str:
    """In a worker: a pickled figure drawn as the SVG data URI `render.figure_uri` gives in the kernel."""
    import matplotlib

    from clv_lib.report.svg import figure_uri

    with matplotlib.rc_context(rc):
        return figure_uri(pickle.loads(payload))


def _imported(name: str) -> None:
    from clv_lib.report import collector

    importlib.import_module(name)
    collector.imports_done()


def _call(payload: bytes):
    """In a worker: a pickled call (pickled by the kernel, so that what cannot be sent is known at once)."""
    return pickle.loads(payload)()


#: Calls sent to the workers that the kernel can still take back once they are queued (`Workers._take`); later
#: ones run in the worker whatever happens.
CLAIMS = 4096
FREE, WORKER, KERNEL = 0, 1, 2
_claims = None  # in a worker: the claim of each call, shared with the kernel (set by `_warm`)


def _claim(claims, index: int, by: int) -> bool:
    """Claim call `index` for the worker or the kernel: True for the first to ask. A queued call counts as started
    for its future as soon as it waits in the pool's pipe, while the worker may still be busy for seconds: the
    claim, made when the worker really begins, says who makes it."""
    if claims is None or not 0 <= index < len(claims):
        return by == WORKER
    with claims.get_lock():
        if claims[index] != FREE:
            return False
        claims[index] = by
        return True


def _run(index: int, function, *args):
    """In a worker: `function(*args)`, unless the kernel took the call meanwhile (then None, read by nobody)."""
    if not _claim(_claims, index, WORKER):
        return None
    return function(*args)


def _warm(claims=None) -> None:
    """Worker start: import what drawing needs, and leave when the kernel is gone (killed, not shut down)."""
    import multiprocessing
    import threading

    from clv_lib.report import collector

    global _claims
    _claims = claims
    collector.collect_less()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_svg  # noqa: F401
    import clv_lib.report.fmt  # noqa: F401 - the tick labels the report's figures refer to
    import clv_lib.report.svg  # noqa: F401

    collector.imports_done()

    parent = multiprocessing.parent_process()
    if parent is not None:
        def watch() -> None:
            parent.join()
            os._exit(0)

        threading.Thread(target=watch, daemon=True, name="clv-figure-parent").start()


class Workers:
    """Worker processes drawing figures (and running other calls), and the chapters displayed with figures
    pending."""

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self._claims = context.Array("b", CLAIMS)  # FREE, WORKER or KERNEL per call sent (`_claim`)
        self._calls = itertools.count()
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm,
                                             initargs=(self._claims,))
        for _ in range(workers):  # start the workers now: they import matplotlib while the data loads
            self._executor.submit(int)
        self._ids = itertools.count(1)
        self._figures: dict[str, tuple[Future, bytes, dict, int]] = {}  # token -> (future, figure, rc, call)
        self._drawn: dict[str, str] = {}  # token -> figure drawn here by `help`
        self._pending: list[tuple[str, str, str]] = []  # (display id, html with tokens, plain text)
        self.closed = False
        self.on_finish = None

    def call(self, function) -> Future | None:
        """`function()` (a picklable callable, e.g. a `functools.partial`) in a worker; None when it cannot be sent
        (run it here instead)."""
        sent = self._send(function)
        return sent[0] if sent is not None else None

    def _send(self, function) -> tuple[Future, int] | None:
        """`call`, with the call's claim index (`_take`)."""
        if self.closed:
            return None
        try:
            payload = pickle.dumps(function)
            index = next(self._calls)
            return self._executor.submit(_run, index, _call, payload), index
        except Exception:  # noqa: BLE001 - a broken pool, an argument that cannot be pickled: run it here
            return None

    def _take(self, future: Future, index: int) -> bool:
        """Whether the kernel may make a call sent to a worker itself: no worker has begun it (it is left undone
        there)."""
        return future.cancel() or _claim(self._claims, index, KERNEL)

    def run_all(self, calls) -> list:
        """The results of independent picklable calls, in order (`BaseAnalysis.run_all`): the later half sent to
        the worker, the first half made here meanwhile; those the worker has not started by then are made here
        too (newest first, cancelled there), as is one whose result is lost. The worker sits idle while the kernel
        fits the models, so a round of covariate trials takes about half as long; the results are the same."""
        calls = list(calls)
        here = (len(calls) + 1) // 2
        sent = [self._send(call) for call in calls[here:]] if len(calls) > 1 else []
        results = [call() for call in calls[:here]]
        made = {}
        for i in reversed(range(len(sent))):  # newest first: what the worker has not begun is made here
            if sent[i] is not None and not self._take(*sent[i]):
                break
            made[i] = calls[here + i]()
        for i, pair in enumerate(sent):
            if i not in made:
                try:
                    made[i] = pair[0].result()
                except LOST:
                    made[i] = calls[here + i]()
            results.append(made[i])
        return results

    def preload(self, *modules: str) -> None:
        """Import `modules` in the worker now, while it has nothing else to do."""
        for name in modules:
            self.call(partial(_imported, name))

    def submit(self, fig) -> str | None:
        """A token standing for `fig` as drawn by a worker; None when it cannot be sent (draw it inline)."""
        import matplotlib

        from clv_lib.report.svg import rasterize_dense

        if self.closed:
            return None
        rasterize_dense(fig)  # as figure_uri does: the figure the analyst keeps is marked the same way
        try:
            payload = pickle.dumps(fig)
        except Exception:  # noqa: BLE001 - an analyst's figure with a lambda formatter, an open file, ...
            return None
        rc = {k: v for k, v in matplotlib.rcParams.items() if k not in _RC_SKIP}
        try:
            index = next(self._calls)
            future = self._executor.submit(_run, index, draw, payload, rc)
        except Exception:  # noqa: BLE001 - a broken pool: draw inline
            return None
        token = TOKEN.format(next(self._ids))
        self._figures[token] = (future, payload, rc, index)
        return token

    def display(self, html: str, text: str) -> None:
        """Display a chapter whose HTML may hold tokens; it is completed by `finish()`."""
        from IPython.display import display

        tokens = [t for t in self._figures if t in html]
        if not tokens:
            display({"text/html": html, "text/plain": text}, raw=True)
            return
        display_id = f"clv-chapter-{next(self._ids)}"
        display({"text/html": html, "text/plain": text}, raw=True, display_id=display_id)
        self._pending.append((display_id, html, text))

    def help(self, until: Future | None = None) -> None:
        """While the kernel would only wait (for `until`, or for every figure): draw here, newest first, the
        figures that no worker has begun yet (`_take`), until `until` is done or the worker, taking them oldest
        first, has reached the rest. On two CPUs the worker had the longer path (its start,
        the intervals, then every figure) while the kernel waited at the end: the two now share what is left.
        The figures are the same either way (`draw`, with the kernel's settings as sent)."""
        for token in reversed(list(self._figures)):
            if until is not None and until.done():
                return
            future, payload, rc, index = self._figures[token]
            if token in self._drawn or future.done():
                continue
            if not self._take(future, index):  # a worker has begun it, and every older one: none is left
                return
            self._drawn[token] = draw(payload, rc)

    def finish(self) -> None:
        """Wait for every figure (drawing here those not started yet, `help`), update the chapters displayed with
        them, stop the workers; idempotent."""
        from IPython.display import update_display

        if self.closed:
            return
        self.help()
        self.closed = True
        for display_id, html, text in self._pending:
            for token, (future, payload, rc, _) in self._figures.items():
                if token in html:
                    drawn = self._drawn.get(token)
                    html = html.replace(token, drawn if drawn is not None else _result(future, payload, rc))
            update_display({"text/html": html, "text/plain": text}, raw=True, display_id=display_id)
        self._pending.clear()
        self._figures.clear()
        self._drawn.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)  # all done: the workers exit now
        if self.on_finish is not None:
            self.on_finish()


def _lost_types() -> tuple:
    import pickle
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    return BrokenProcessPool, CancelledError, pickle.PicklingError, EOFError


#: What a worker's call raises when its result cannot come back (the call itself did not fail): make it here.
LOST = _lost_types()


def _result(future: Future, payload: bytes, rc: dict) -> str:
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a worker that died or failed: the figure is drawn here instead
        return draw(payload, rc)


_early: Workers | None = None  # started while the kernel boots (`prestart`), taken by `start`


def prestart() -> None:
    """In a report run's kernel, while it boots (the runner's `execute.PRELOAD`): start the workers the
    environment asks for now, so that they import what drawing and the models need while the kernel imports the
    report (on two CPUs a CPU is free then, not when the notebook's first cell loads the data); `start` takes
    them."""
    global _early
    if _early is None and workers_wanted() >= 1:
        try:
            _early = Workers(workers_wanted())
        except Exception:  # noqa: BLE001 - no processes on this system: `start` says so again
            _early = None


def start(chapter_type) -> Workers | None:
    """In a report run's kernel (`CLV_WORKERS` set, IPython running): the workers (those `prestart` started, or
    new ones), and `chapter_type` displayed through them; else None (chapters draw their figures inline, the
    intervals are computed in a thread)."""
    global _early
    early, _early = _early, None
    workers = workers_wanted() if early is None else 1
    if workers < 1:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        if early is not None:  # started for nothing: no kernel displays chapters here
            early._executor.shutdown(wait=False, cancel_futures=True)
        return None
    try:
        pool = early if early is not None else Workers(workers)
    except Exception:  # noqa: BLE001 - no processes on this system: inline, as always
        return None

    def show(chapter) -> None:
        from clv_lib.report.render import render_chapter

        pool.display(render_chapter(chapter, figures=pool), repr(chapter))

    formatter = shell.display_formatter.ipython_display_formatter
    formatter.for_type(chapter_type, show)
    pool.on_finish = lambda: formatter.pop(chapter_type, None)  # chapters display as always again
    return pool

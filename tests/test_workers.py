"""The worker process of a report run: figures drawn there (`clv_lib.report.workers`): in a real kernel under
papermill, the chapters displayed with figures pending are completed in place, byte for byte what the kernel would
have drawn; a figure that cannot be pickled is drawn inline; after `finish()` chapters draw inline again."""

from __future__ import annotations

import pickle
import re
from functools import cached_property, partial

import matplotlib
import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook

from clv_lib.report import charts, workers
from clv_lib.report.chapter import Chapter
from clv_lib.report.workers import TOKEN
from clv_lib.report.fmt import Formatter
from clv_lib.runner.execute import execute_notebook

SETUP = """
import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from clv_lib.report import charts, workers
from clv_lib.report.chapter import Chapter
from clv_lib.report.fmt import Formatter
from clv_lib.report.svg import figure_uri

matplotlib.rcParams["svg.hashsalt"] = "test"  # the same ids in the kernel and in the worker
f = Formatter("it", "EUR")
stake = pd.DataFrame({"value": [125000.0, 48000.5, 900.0]}, index=["A rischio", "Da non perdere", "Nuovi"])
def chapter(name, fig):
    ch = Chapter(name, name.title())
    ch.figure("fig", fig, caption="Figura di prova")
    return ch
pool = workers.start(Chapter)
print("POOL", pool is not None)
"""

LAMBDA_FIGURE = """
odd = Figure(figsize=(3, 2))
ax = odd.add_subplot()
ax.plot([1, 2, 3])
ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}!"))
chapter("inline", odd)
"""


def _figure_sources(output) -> list[str]:
    return re.findall(r'src="([^"]+)"', output["data"]["text/html"])


def test_chapters_shown_with_pending_figures_are_completed_in_place(tmp_path):
    cells = [
        new_code_cell(SETUP),
        new_code_cell('chapter("deferred", charts.value_at_stake(stake, f, {"x": "Valore"}))'),
        new_code_cell(LAMBDA_FIGURE),
        new_code_cell("print(figure_uri(charts.value_at_stake(stake, f, {'x': 'Valore'})))"),
        new_code_cell('import gc\nprint("WORKER GC", pool.call(gc.get_threshold).result())\n'
                      'from functools import partial\n'
                      'print("RUN ALL", pool.run_all([partial(pow, 2, k) for k in range(5)]))\n'
                      'pool.finish()\nchapter("after", charts.value_at_stake(stake, f, {"x": "Valore"}))'),
    ]
    source, executed = tmp_path / "pool.ipynb", tmp_path / "pool.out.ipynb"
    nbformat.write(new_notebook(cells=cells), source)
    execute_notebook(source, executed, {}, cwd=tmp_path, progress=False, env={"CLV_WORKERS": "1"})

    text = executed.read_text(encoding="utf-8")
    assert "clv-figure-pending" not in text
    nb = nbformat.reads(text, as_version=4)
    outputs = [c["outputs"] for c in nb["cells"]]
    assert "POOL True" in "".join(o.get("text", "") for o in outputs[0] if o["output_type"] == "stream")
    drawn_inline = "".join(o["text"] for o in outputs[3] if o["output_type"] == "stream").strip()
    (deferred,) = [o for o in outputs[1] if o["output_type"] == "display_data"]
    assert _figure_sources(deferred) == [drawn_inline]  # the worker drew exactly what the kernel draws
    (lambda_chapter,) = [o for o in outputs[2] if o["output_type"] in ("display_data", "execute_result")]
    (uri,) = _figure_sources(lambda_chapter)
    assert uri.startswith("data:image/svg+xml;base64,")
    from clv_lib.report.collector import THRESHOLDS

    worker_gc = "".join(o.get("text", "") for o in outputs[4] if o["output_type"] == "stream")
    assert f"WORKER GC {THRESHOLDS}" in worker_gc  # the worker collects garbage as a report run's processes do
    assert "RUN ALL [1, 2, 4, 8, 16]" in worker_gc  # in order, wherever each was made
    (after,) = [o for o in outputs[4] if o["output_type"] in ("display_data", "execute_result")]
    assert _figure_sources(after)[0].startswith("data:image/svg+xml;base64,")


def test_report_charts_can_be_sent_to_a_worker():
    f = Formatter("en", "USD")
    figures = [
        charts.value_at_stake(pd.DataFrame({"value": [10.0, 0.5]}, index=["a", "b"]), f, {"x": "Value"}),
        charts.funnel(pd.Series({"read": 1200, "valid": 1100}), f, {}),
    ]
    for fig in figures:
        copy = pickle.loads(pickle.dumps(fig))
        assert [t.get_text() for t in copy.axes[0].get_xticklabels()] == \
               [t.get_text() for t in fig.axes[0].get_xticklabels()]


def test_the_theme_has_seaborns_colour_cycle_without_importing_seaborn():
    import subprocess
    import sys

    import seaborn

    with charts.themed():
        ours = matplotlib.rcParams["axes.prop_cycle"]
    with matplotlib.rc_context():
        seaborn.set_palette(charts.PALETTE)
        assert matplotlib.rcParams["axes.prop_cycle"] == ours  # the figures are drawn exactly as before
    code = ("import sys, clv_lib.report.series_charts, clv_lib.report.render; "
            "print(sorted({'seaborn', 'scipy.stats'} & set(sys.modules)))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"  # the runner's index page does not pay for them


def test_a_waiting_kernel_draws_the_newest_figures_no_worker_has_started():
    from concurrent.futures import Future

    from clv_lib.report.svg import figure_uri

    f = Formatter("en", "USD")
    figures = [charts.value_at_stake(pd.DataFrame({"value": [v, 0.5]}, index=["a", "b"]), f, {"x": "Value"})
               for v in (10.0, 20.0, 30.0, 40.0)]
    futures = [Future() for _ in figures]
    futures[0].set_running_or_notify_cancel()  # the worker has the oldest two: they stay its own
    futures[1].set_running_or_notify_cancel()
    pool = object.__new__(workers.Workers)
    rc = {"svg.hashsalt": "test"}  # the same ids in both drawings
    pool._figures = {f"t{i}": (future, pickle.dumps(fig), rc, i)
                     for i, (future, fig) in enumerate(zip(futures, figures))}
    pool._drawn, pool._claims = {}, None  # no shared claims: a started future is the worker's
    until = Future()
    until.set_result(None)
    pool.help(until=until)
    assert pool._drawn == {}  # what it waited for is done: nothing taken
    pool.help()
    assert sorted(pool._drawn) == ["t2", "t3"]
    assert futures[2].cancelled() and futures[3].cancelled() and not futures[1].cancelled()
    with matplotlib.rc_context(rc):
        assert pool._drawn["t3"] == figure_uri(figures[3])  # what the worker would have drawn


def test_a_call_sent_to_a_worker_is_made_by_whoever_claims_it_first():
    import multiprocessing

    claims = multiprocessing.get_context("spawn").Array("b", 4)
    assert workers._claim(claims, 1, workers.KERNEL)
    assert not workers._claim(claims, 1, workers.WORKER)  # the worker then leaves it: `_run` gives None
    assert workers._claim(claims, 2, workers.WORKER) and not workers._claim(claims, 2, workers.KERNEL)
    assert workers._claim(claims, 9, workers.WORKER) and not workers._claim(claims, 9, workers.KERNEL)  # untracked


def test_workers_started_while_the_kernel_boots_are_taken_by_the_report(monkeypatch):
    monkeypatch.setenv("CLV_WORKERS", "1")
    monkeypatch.setattr(workers, "_early", None)
    workers.prestart()
    early = workers._early
    assert isinstance(early, workers.Workers)
    assert early.call(partial(pow, 2, 5)).result() == 32  # started and working before the report opens
    assert workers.start(Chapter) is None  # no IPython here: taken, and stopped since nothing displays them
    assert workers._early is None and early._executor._shutdown_thread


def test_a_token_is_no_prefix_of_another():
    assert TOKEN.format(1) not in TOKEN.format(12)


class _Analysis:
    """Stands for a pipeline analysis: one cached property offered as a picklable job."""

    def __init__(self, job):
        self._job = job

    @cached_property
    def intervals(self):
        return self.settle_intervals(self._job)

    @property
    def intervals_job(self):
        return self._job

    @staticmethod
    def settle_intervals(run):
        try:
            return run()
        except ZeroDivisionError:
            return None


def test_intervals_computed_ahead_in_the_worker_are_what_the_kernel_computes():
    from clv_lib.pipeline import analysis_for
    from clv_lib.params import load_params, params_path, project_root
    from clv_lib.report.ahead import Ahead
    from clv_lib.report.workers import Workers

    root = project_root()
    analysis = analysis_for("demo", load_params(params_path("demo", root)), None, "en", root)
    job = analysis.intervals_job
    assert job is not None
    pool = Workers(1)
    try:
        ahead = Ahead(pool)
        remote = _Analysis(job)
        ahead.start_early(remote)  # sent before the executive summary ends (report.facade)
        ahead.start(remote)  # and not sent again after it
        Ahead(None).start_early(_Analysis(job))  # without a worker: nothing computed early
        ahead.start(failing := _Analysis(partial(divmod, 1, 0)))  # the job's own error: as inline, None
        assert [name for _, name, _, _ in ahead._remote] == ["intervals", "intervals"]  # both sent to the worker
        ahead.settle()
        pd.testing.assert_frame_equal(vars(remote)["intervals"], analysis.intervals)
        assert vars(failing)["intervals"] is None
        assert remote.intervals.attrs == analysis.intervals.attrs
    finally:
        pool.finish()


def test_the_spend_model_fitted_ahead_in_the_worker_is_the_one_the_kernel_fits():
    from clv_lib.pipeline import analysis_for
    from clv_lib.params import load_params, params_path, project_root
    from clv_lib.report.ahead import Ahead
    from clv_lib.report.workers import Workers

    root = project_root()
    params = load_params(params_path("demo", root))
    here, there = (analysis_for("demo", params, None, "en", root) for _ in range(2))
    pool = Workers(1)
    try:
        ahead = Ahead(pool)
        ahead.start_early(there)  # the spend model's fit goes to the worker first, then the intervals
        assert [name for _, name, _, _ in ahead._remote] == ["new_customer_spend", "intervals"]
        spend = there.new_customer_spend  # needed before the next chapter: taken from the worker
        assert there.ahead_result("new_customer_spend") is None  # taken once
        expected = here.new_customer_spend
        assert spend.params_ == expected.params_
        pd.testing.assert_frame_equal(spend.covariate_tests_, expected.covariate_tests_, check_exact=True)
        ahead.settle()
        assert vars(there)["new_customer_spend"] is spend  # not computed again
    finally:
        pool.finish()


def test_auto_takes_workers_only_for_idle_cpus(monkeypatch):
    from clv_lib.report import workers

    monkeypatch.setenv("CLV_WORKERS", "auto")
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (0.5, 1.0, 1.0))
    assert workers.workers_wanted() == 2
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (3.5, 1.0, 1.0))
    assert workers.workers_wanted() == 1
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (4.5, 1.0, 1.0))  # a busy machine: all in the kernel
    assert workers.workers_wanted() == 0
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (0.1, 0.1, 0.1))  # one CPU stays the kernel's
    assert workers.workers_wanted() == 1
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (1.4, 1.0, 1.0))  # a series of reports, idle machine
    assert workers.workers_wanted() == 1
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (2.2, 1.0, 1.0))
    assert workers.workers_wanted() == 0
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert workers.workers_wanted() == 0
    monkeypatch.setenv("CLV_WORKERS", "1")  # asked for: always
    assert workers.workers_wanted() == 1
    monkeypatch.setenv("CLV_WORKERS", "0")
    assert workers.workers_wanted() == 0

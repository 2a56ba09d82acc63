"""One report: validate, execute the notebook, render HTML and PDF, publish the folder atomically.

Layout: `reports/<client>/<period>/` holds `clv_report.html`, `clv_report.pdf`, `clv_report.ipynb` (the executed
notebook, the run's log) and the data outputs the notebook writes (`customers.csv`, `segments.csv`,
`data_quality.csv`, `forecast.csv`, `kpis.json`, `report_meta.json`). A failed run publishes nothing: its executed
notebook is kept under `reports/<client>/failed/` and the error is printed. After every published report the
client's index page, `reports/<client>/index.html`, is rebuilt.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from clv_lib.exceptions import DataError, ExecutionError, Msg, RenderError
from clv_lib.params import check_client_name, load_params, params_path, parse_period, project_root, resolve_data_path
from clv_lib.runner.notebooks import TEMPLATE as NOTEBOOK
from clv_lib.runner.notebooks import choose_notebook
from clv_lib.runner.publish import publish_dir, staging_dir, write_atomic
from clv_lib.runner.early import EarlyKernel, kernel_env
from clv_lib.runner.render_pdf import HINT, choose_engine, html_to_pdf, start_browser

META_FILE = "report_meta.json"


@dataclass
class ReportResult:
    client: str
    period: str
    folder: Path
    files: list[str] = field(default_factory=list)
    pdf_engine: str | None = None
    seconds: float = 0.0
    warning: str | None = None
    notebook: Path = NOTEBOOK
    notebook_warning: str | None = None  # the template changed since the client's notebook was copied


def validate(client: str, period: str | None, root: Path):
    """Everything checked before the notebook runs: client name, params, period, data file; returns the params
    file, the params and whether a database engine's drivers were installed just now."""
    check_client_name(client)
    path = params_path(client, root)
    params = load_params(path)
    if period:
        parse_period(period)
    spec = params.data
    if spec.path:
        data_path = resolve_data_path(spec.path, root)
        if not data_path.is_file():
            raise DataError(key="data.path_not_found", params_file=path.relative_to(root), path=spec.path,
                            resolved=data_path)
    else:
        from clv_lib.data.engines.connect import connection_url

        connection_url(spec)  # a database source: its connection variable must be set (named in the error)
        from clv_lib.runner.drivers import ensure_drivers

        return path, params, bool(ensure_drivers(spec.engine, root))  # on the first report that needs them
    return path, params, False


def build_report(client: str, period: str | None = None, language: str | None = None, pdf_engine: str = "auto",
                 progress: bool = True, root: Path | None = None, notebook: str | None = None,
                 on_warning=None, early: EarlyKernel | None = None) -> ReportResult:
    """Build one client's report for one period and publish it; raise a ClvError on failure.

    The notebook is the client's own (`notebooks/clients/<client>.ipynb`) when it exists, else the template, or
    `notebook`; `on_warning(text)` hears, before the run, that the template changed since the client's copy.
    `early`: a kernel started for this run before its checks (`clv_lib.runner.early`); it is used when it fits,
    and stopped otherwise.
    """
    from clv_lib.runner.warm import preload, skip_unused_imports

    started = early.started if early is not None else time.perf_counter()
    skip_unused_imports()  # before anything imports nbformat (the notebook choice may)
    try:
        root = root or project_root()
        _, params, installed = validate(client, period, root)
        chosen = choose_notebook(client, root, notebook)
        if chosen.warning and on_warning:
            on_warning(chosen.warning)
        engine = choose_engine(pdf_engine)
        if language and language not in ("it", "en"):
            raise RenderError(key="runner.bad_language", language=language)
    except BaseException:
        if early is not None:
            early.close()
        raise

    from clv_lib.runner.execute import NotebookFailed, execute_notebook, start_kernel, stop_kernel

    timings: dict[str, float] = {}  # seconds per step, kept in report_meta.json (`make bench BENCH_ARGS=report`)
    mark = early.started if early is not None else time.perf_counter()
    env = kernel_env(chosen.path, chosen.sha256)
    # The kernel boots and imports clv_lib while this process imports papermill and nbconvert; a kernel started
    # before the checks serves unless a database driver was installed since (it would not see it).
    kernel = early.take(root, env) if early is not None and not installed else None
    if kernel is None:
        if early is not None:
            early.close()
        kernel = start_kernel(root, env)
    client_dir = root / "reports" / client
    staging = staging_dir(client_dir)
    executed = staging / "clv_report.ipynb"
    parameters = {"client": client, "period": period or "",
                  "language": language or "", "output_dir": str(staging)}
    browser = None
    try:
        import nbformat  # heavy imports only once the inputs are known to be valid

        from clv_lib.runner.render_html import notebook_to_html

        browser = start_browser(engine)  # the PDF's browser gets ready while the kernel works
        preload(engine, language or params.language)  # and the HTML step's exporter, the PDF step's imports
        execute_notebook(root / chosen.path, executed, parameters, cwd=root, progress=progress, kernel=kernel,
                         env=env)
    except ExecutionError as exc:
        _close(browser)
        log = _keep_failed_log(executed, client_dir)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, NotebookFailed):
            exc.log_path = log
        raise
    except BaseException:
        _close(browser)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        stop_kernel(kernel)

    timings["notebook"] = time.perf_counter() - mark
    try:
        mark = time.perf_counter()
        meta = json.loads((staging / META_FILE).read_text(encoding="utf-8"))
        nb = nbformat.read(executed, as_version=4)
        nb.metadata["title"] = meta.get("title", f"Customer Lifetime Value - {client}")
        nb.metadata["clv_report"] = meta
        html_path = write_atomic(staging / "clv_report.html", notebook_to_html(nb, meta.get("language", "en")))
        timings["html"] = time.perf_counter() - mark
        warning = pdf_error = None
        used = None
        if engine != "none":
            mark = time.perf_counter()
            try:
                used = html_to_pdf(html_path, staging / "clv_report.pdf", engine, browser)
            except RenderError as exc:
                pdf_error = exc
                warning = f"PDF not written: {exc}"
            timings["pdf"] = time.perf_counter() - mark
        write_atomic(staging / META_FILE, json.dumps({**meta, "timings": timings}, indent=1, ensure_ascii=False))
        label = meta["period"]
        final = publish_dir(staging, client_dir / label)
    except FileNotFoundError as exc:
        _close(browser)
        shutil.rmtree(staging, ignore_errors=True)
        raise RenderError(key="runner.notebook_no_output", file=Path(exc.filename).name,
                          notebook=chosen.path.as_posix()) from None
    except BaseException:
        _close(browser)
        log = _keep_failed_log(executed, client_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if browser is not None:
        browser.stop()  # it shuts down while the index page is written
    from clv_lib.runner.index_page import write_index

    try:
        write_index(client, root)  # the client's index page lists every published period, this one included
    finally:
        _close(browser)
    files = sorted(p.name for p in final.iterdir() if p.is_file() and not p.name.startswith("."))
    result = ReportResult(client, label, final, files, used, time.perf_counter() - started, warning, chosen.path,
                          chosen.warning)
    if pdf_error is not None:
        raise PdfMissing(pdf_error, result)
    return result


class PdfMissing(RenderError):
    """Raised when the report was published without its PDF because no PDF engine could run."""

    def __init__(self, reason: RenderError, result: ReportResult):
        hint = "" if "install" in reason.render("en") else Msg("runner.then_hint", hint=HINT)
        super().__init__(key="runner.pdf_not_written", reason=reason, hint=hint)
        self.result = result


def _close(browser) -> None:
    if browser is not None:
        browser.close()


def _keep_failed_log(executed: Path, client_dir: Path) -> Path | None:
    if not executed.exists():
        return None
    failed = client_dir / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    target = failed / f"clv_report-{datetime.now():%Y%m%d-%H%M%S}.ipynb"
    shutil.move(str(executed), target)
    return target

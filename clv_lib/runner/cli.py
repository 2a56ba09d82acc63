"""Command line of the runner (what the Makefile calls).

    python -m clv_lib.runner report --client demo [--period 2025Q4] [--language it] [--pdf-engine auto]
    python -m clv_lib.runner report --client cdnow --period 1997Q3..1998Q2     # a series, oldest first
    python -m clv_lib.runner reports [--jobs 2] [--pdf-engine auto]
    python -m clv_lib.runner index --client demo                               # rebuild reports/demo/index.html
    python -m clv_lib.runner kernel
    python -m clv_lib.runner drivers postgres|spark
    python -m clv_lib.runner client --client acme --data data/acme/orders.csv [--language it]
    python -m clv_lib.runner notebook --client acme [--force | --synced]

A period range builds each period in order and stops at the first failing one (a later report compares itself
with the earlier ones, so it is not built on a gap); the client's index page is rebuilt after every report.

A user mistake prints `error: <one line>` and exits 2, in the client's language (`LANGUAGE`, else the params'
`language`: `errore: ...` in Italian; English where neither is known, e.g. `make client` without LANGUAGE for a
client that has no params file yet); a failing notebook prints the failing cell and error and exits 1, keeping
the executed notebook as the log. No traceback is printed for either.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clv_lib.exceptions import LANGUAGES, ClvError, error_line, render_message


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clv_lib.runner", description="Build CLV reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("report", help="build one client's report")
    one.add_argument("--client", required=True)
    one.add_argument("--period", default="")
    one.add_argument("--language", default="")
    one.add_argument("--pdf-engine", default="auto")
    one.add_argument("--quiet", action="store_true", help="no progress bar")
    one.add_argument("--notebook", default="", help="run this notebook instead of the client's or the template")
    many = sub.add_parser("reports", help="build every client's reports")
    many.add_argument("--jobs", type=int, default=1)
    many.add_argument("--pdf-engine", default="auto")
    index = sub.add_parser("index", help="rebuild a client's index page (reports/<client>/index.html)")
    index.add_argument("--client", required=True)
    sub.add_parser("kernel", help="install the project's Jupyter kernel (clv-report) into this environment")
    new = sub.add_parser("client", help="write params/<client>.yaml for review from a client's export")
    new.add_argument("--client", required=True)
    new.add_argument("--data", default="")
    new.add_argument("--language", default="", help="the language of its messages (it|en; there are no params yet)")
    drivers = sub.add_parser("drivers", help="install a database engine's drivers (reports do it when needed)")
    drivers.add_argument("engine", choices=["postgres", "spark"])
    copy = sub.add_parser("notebook", help="copy the report notebook for one client (notebooks/clients/<client>.ipynb)")
    copy.add_argument("--client", required=True)
    copy.add_argument("--force", action="store_true", help="replace an existing client notebook")
    copy.add_argument("--synced", action="store_true",
                      help="record that the client notebook now has the template's changes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "kernel":
            from clv_lib.runner.kernel import ensure_kernel

            print(f"kernel '{ensure_kernel()}' ready ({sys.executable})")
            return 0
        if args.command == "client":
            from clv_lib.params import project_root
            from clv_lib.runner.new_client import new_client

            new_client(args.client.strip(), args.data.strip(), project_root())
            return 0
        if args.command == "drivers":
            from clv_lib.params import project_root
            from clv_lib.runner.drivers import ensure_drivers

            if not ensure_drivers(args.engine, project_root()):
                print(f"the {args.engine} engine's drivers are installed ({sys.prefix})")
            return 0
        if args.command == "notebook":
            return _notebook(args)
        if args.command == "reports":
            from clv_lib.runner.batch import run_all

            return run_all(jobs=args.jobs, pdf_engine=args.pdf_engine)
        if args.command == "index":
            from clv_lib.runner.index_page import write_index

            path = write_index(args.client.strip())
            print(f"{args.client} index -> {_rel(path)}")
            return 0
        from clv_lib.runner.early import start_early

        early = start_early(args.client.strip(), args.notebook.strip() or None)  # boots while the params are read
        try:
            return _series(args, early)
        finally:
            if early is not None:
                early.close()  # unless a report took it
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ClvError as exc:
        print(error_line(exc, _language(args)), file=sys.stderr)
        return 2


def _language(args) -> str:
    """The language of the run's messages: `--language`, else the `language` of the client's params file (read
    leniently: an invalid file still says which language its client speaks), else English."""
    chosen = getattr(args, "language", "").strip()
    if chosen in LANGUAGES:
        return chosen
    try:
        from clv_lib.params import check_client_name, project_root
        from clv_lib.params.load import read_yaml

        raw = read_yaml(project_root() / "params" / f"{check_client_name(args.client.strip())}.yaml")
    except (ClvError, AttributeError):
        return "en"
    return raw.get("language") if raw.get("language") in LANGUAGES else "en"


def _series(args, early=None) -> int:
    """One report, or each period of a range in order (stopping at the first that is not published); `early`: a
    kernel already started for the (first) report."""
    from clv_lib.params import is_period_range, parse_period_range

    text = args.period.strip()
    if not is_period_range(text):
        return _report(args, text, early)[0]
    periods = [p.label for p in parse_period_range(text)]
    worst = 0
    for i, label in enumerate(periods):
        try:
            code, published = _report(args, label, early if i == 0 else None)
        except ClvError as exc:
            print(error_line(exc, _language(args)), file=sys.stderr)
            code, published = 2, False
        worst = max(worst, code)
        if not published:
            if periods[i + 1:]:
                print(error_line(ClvError(key="runner.series_stopped", client=args.client, period=label,
                                          later=periods[i + 1:]), _language(args)), file=sys.stderr)
            return code
    print(f"{args.client}: {len(periods)} reports built, {periods[0]} to {periods[-1]}")
    return worst


def _report(args, period: str, early=None) -> tuple[int, bool]:
    """Build one report: (exit code, whether a report was published)."""
    from clv_lib.runner.execute import NotebookFailed  # light: papermill is imported when it runs
    from clv_lib.runner.job import NOTEBOOK, PdfMissing, build_report

    try:
        result = build_report(args.client.strip(), period or None, args.language.strip() or None,
                              args.pdf_engine, progress=not args.quiet, notebook=args.notebook.strip() or None,
                              on_warning=lambda text: print(f"warning: {text}", file=sys.stderr, flush=True),
                              early=early)
    except NotebookFailed as exc:  # a user mistake's message is already in the report's language (errors_in)
        language = _language(args)
        where = "\n" + render_message("runner.log_kept", language, {"path": _rel(exc.log_path)}) \
            if exc.log_path else ""
        print(error_line(exc, language) + where, file=sys.stderr)
        return (2 if exc.user_error else 1), False
    except PdfMissing as exc:
        print(f"{args.client} {exc.result.period} -> {_rel(exc.result.folder)} (HTML only)")
        print(error_line(exc, _language(args)), file=sys.stderr)
        return 1, True
    ran = f"; notebook {result.notebook.as_posix()}" if result.notebook != NOTEBOOK else ""
    print(f"{result.client} {result.period} -> {_rel(result.folder)}  "
          f"[{', '.join(result.files)}; PDF by {result.pdf_engine or 'none'}{ran}; {result.seconds:.0f} s]")
    return 0, True


def _notebook(args) -> int:
    from clv_lib.params import project_root
    from clv_lib.runner.notebooks import TEMPLATE as NOTEBOOK
    from clv_lib.runner.notebooks import create_client_notebook

    root = project_root()
    path = create_client_notebook(args.client.strip(), root, force=args.force, synced=args.synced)
    if args.synced:
        print(f"{_rel(path)}: recorded as up to date with {NOTEBOOK.as_posix()}")
    else:
        print(f"{_rel(path)}: copy of {NOTEBOOK.as_posix()} for {args.client.strip()}; "
              f"`make report CLIENT={args.client.strip()}` runs it")
    return 0


def _rel(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

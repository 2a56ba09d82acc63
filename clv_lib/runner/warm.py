"""Runner-side time savers for one report (measured by `make bench BENCH_ARGS=report`).

* `skip_unused_imports()`: nbformat imports jsonschema, which imports `rfc3987_syntax` when it is installed
  (JupyterLab's server brings it) and that package compiles a Lark grammar at import: 1.2 s of CPU in every
  report, for an IRI format check that notebook validation never makes. The runner blocks that one import.
  It is blocked before anything else runs: the notebook choice already reads notebooks with nbformat when a
  paired script is newer (as in a fresh clone).
* `preload(engine, language)`: while the kernel runs the notebook, the runner process only waits; a background
  thread imports what the HTML and PDF steps and the client's index page need next (nbconvert, WeasyPrint, the
  report's formats and charts: 1.2 s of CPU the index page used to spend after the PDF) and builds the HTML
  exporter with its templates compiled (`render_html.html_exporter`: ~0.3 s), so they start at once afterwards.
"""

from __future__ import annotations

import sys
import threading

UNUSED = ("rfc3987_syntax",)


def skip_unused_imports() -> None:
    """Make the modules in UNUSED unimportable in this process (a library's optional import then skips them)."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # an import of a None entry raises ImportError


def preload(pdf_engine: str, language: str = "en") -> threading.Thread:
    """Import the HTML (and PDF) step's libraries in a daemon thread; return the started thread."""

    def work() -> None:
        try:
            from clv_lib.runner.render_html import html_exporter

            html_exporter(language)
            import clv_lib.report.render  # noqa: F401 - the index page's formats, stylesheet and trend chart
            import clv_lib.report.series_charts  # noqa: F401
            if pdf_engine == "weasyprint":
                import weasyprint  # noqa: F401
        except Exception:  # noqa: BLE001 - the step itself reports any real problem, in its own words
            pass

    thread = threading.Thread(target=work, name="clv-preload", daemon=True)
    thread.start()
    return thread

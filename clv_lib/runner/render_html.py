"""Executed notebook -> one self-contained HTML file with the `clv_report` nbconvert template.

The template (`runner/templates/clv_report`, extending JupyterLab's) shows only the chapters' outputs: no code,
no prompts, no stdout/stderr, no parameter cells and no `<script>` at all, so the file opens offline and prints
cleanly (A4, page numbers).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from clv_lib.exceptions import RenderError

TEMPLATES = Path(__file__).resolve().parent / "templates"
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=[\"']?https?:", re.IGNORECASE)


@lru_cache(maxsize=2)
def html_exporter(language: str = "en"):
    """The report's HTML exporter for `language`, its templates compiled: built once per process (the runner
    builds it while the kernel runs the notebook, `warm.preload`: the template chain's compilation and the first
    render's lazy imports cost ~0.3 s)."""
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_notebook

    exporter = HTMLExporter(
        template_name="clv_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=language,
    )
    exporter.from_notebook_node(new_notebook(), resources={"clv_report_css": ""})  # compiles every template
    return exporter


def notebook_to_html(nb, language: str = "en") -> str:
    """Render an executed report notebook to HTML; RenderError if the result would not be self-contained."""
    try:
        body, _ = html_exporter(language).from_notebook_node(nb, resources={"clv_report_css": ""})
    except Exception as exc:  # nbconvert/jinja errors are not the user's; keep them one line
        raise RenderError(key="render.html_failed", reason=f"{type(exc).__name__}: {exc}") from exc
    if _EXTERNAL_SCRIPT.search(body):
        raise RenderError(key="render.external_script")
    return body

"""Executed notebook -> one self-contained HTML file with the `clv_report` nbconvert template.

The template (`runner/templates/clv_report`, extending JupyterLab's) shows only the chapters' outputs: no code,
no prompts, no stdout/stderr, no parameter cells and no `<script>` at all, so the file opens offline and prints
cleanly (A4, page numbers).
"""

from __future__ import annotations

import re
from pathlib import Path

from clv_lib.exceptions import RenderError

TEMPLATES = Path(__file__).resolve().parent / "templates"
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=[\"']?https?:", re.IGNORECASE)


def notebook_to_html(nb, language: str = "en") -> str:
    """Render an executed report notebook to HTML; RenderError if the result would not be self-contained."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="clv_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=language,
    )
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"clv_report_css": ""})
    except Exception as exc:  # nbconvert/jinja errors are not the user's; keep them one line
        raise RenderError(key="render.html_failed", reason=f"{type(exc).__name__}: {exc}") from exc
    if _EXTERNAL_SCRIPT.search(body):
        raise RenderError(key="render.external_script")
    return body

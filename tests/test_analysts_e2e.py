"""An analyst's workflow through the front door, in a scratch copy of the project: `make notebook CLIENT=demo`,
`make report CLIENT=demo` (the client's notebook runs and the provenance names it), then the client notebook edited
as an analyst would (a chapter option, a figure title, a markdown commentary cell, a seaborn figure and a table
through the helpers) and `make report ... LANGUAGE=it`: each edit shows in the HTML and the PDF, in Italian formats.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TITLE = "Chi vale la pena salvare adesso"
COMMENTARY = "Nota dell'analista: il picco di dicembre viene dalla campagna di Natale."
FIGURE_CAPTION = "Distribuzione del CLV a 12 mesi, disegnata dall'analista"
TABLE_CAPTION = "I cinque clienti di maggior valore secondo l'analista"
SEABORN_CELL = """import seaborn as sns
with report.theme():
    grid = sns.displot(report.analysis.customers, x="clv_12m", height=2.6, aspect=2.4)
report.figure(grid, caption={"it": "%s", "en": "12-month CLV"}, money="x")""" % FIGURE_CAPTION
TABLE_CELL = """top = report.analysis.customers.nlargest(5, "clv_12m")[["revenue", "clv_12m", "prob_alive"]]
report.table(top, caption="%s",
             formats={"revenue": "money:2", "clv_12m": "money:2", "prob_alive": "pct:0"})""" % TABLE_CAPTION


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`make` with the project's Makefile and environment, run in the scratch copy."""
    env = {**os.environ, "CLV_PROJECT_ROOT": str(project)}
    env.pop("MAKEFLAGS", None)
    return subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), f"VENV={ROOT / '.venv'}",
                           *args], cwd=project, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("analysts")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("clients", ".ipynb_*"))
    for name in ("params", "data"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")  # same mtime: make does not reinstall
    (root / "reports").mkdir()
    return root


@pytest.fixture(scope="module")
def client_run(project):
    made = make(project, "notebook", "CLIENT=demo")
    assert made.returncode == 0, made.stderr
    run = make(project, "report", "CLIENT=demo", "PERIOD=2025Q4")
    assert run.returncode == 0, run.stdout + run.stderr
    return run


@pytest.fixture(scope="module")
def edited_run(project, client_run):
    path = project / "notebooks" / "clients" / "demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source.strip() == "report.predicted_clv()")
    nb.cells[at].source = f'report.predicted_clv(rows=20, titles={{"quadrant": "{TITLE}"}})'
    nb.cells[at + 1:at + 1] = [new_markdown_cell(COMMENTARY), new_markdown_cell("Only in English.", metadata={
        "tags": ["en"]}), new_code_cell(SEABORN_CELL), new_code_cell(TABLE_CELL)]
    nbformat.write(nb, path)
    run = make(project, "report", "CLIENT=demo", "PERIOD=2025Q4", "LANGUAGE=it")
    assert run.returncode == 0, run.stdout + run.stderr
    return run, hashlib.sha256(path.read_bytes()).hexdigest()


def report_files(project) -> tuple[str, str]:
    folder = project / "reports" / "demo" / "2025Q4"
    html = unescape((folder / "clv_report.html").read_text(encoding="utf-8"))
    pdf = subprocess.run(["pdftotext", "-layout", str(folder / "clv_report.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout if shutil.which("pdftotext") else None
    return html, pdf


def test_make_report_runs_the_client_notebook_and_names_it(project, client_run):
    assert "notebook notebooks/clients/demo.ipynb" in client_run.stdout
    assert "warning" not in client_run.stderr
    html = unescape((project / "reports" / "demo" / "2025Q4" / "clv_report.html").read_text(encoding="utf-8"))
    digest = hashlib.sha256((project / "notebooks" / "clients" / "demo.ipynb").read_bytes()).hexdigest()
    provenance = html[html.index("Provenance"):]
    assert "notebooks/clients/demo.ipynb" in provenance and digest in provenance
    nb = nbformat.read(project / "notebooks" / "clients" / "demo.ipynb", as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'client = "demo"' in parameters.source


def test_analyst_edits_show_in_html_and_pdf_in_italian(project, edited_run):
    run, digest = edited_run
    html, pdf = report_files(project)
    it = Formatter("it", "EUR")
    customers = pd.read_csv(project / "reports" / "demo" / "2025Q4" / "customers.csv", dtype={"customer_id": str})
    top = customers.nlargest(5, "clv_12m")
    # the chapter option: 20 customers in the win-back list instead of 15
    winback = html[html.index(catalogue("it")["predicted.winback.title"]):]
    table = re.search(r"<table[^>]*>.*?</table>", winback, re.S).group(0)
    assert table.count("<tr>") == 21, table.count("<tr>")
    # the figure title, the commentary, the seaborn figure and the table, numbered and captioned
    assert f'<div class="figtitle">{TITLE}</div>' in html
    assert f'<div class="commentary"><p>{COMMENTARY}</p>' in html and "Only in English." not in html
    figure = re.search(r'<span class="number">Figura (\d+)\.</span> ' + re.escape(FIGURE_CAPTION), html)
    assert figure and int(figure.group(1)) > 10
    assert re.search(r'<span class="number">Tabella \d+\.</span> ' + re.escape(TABLE_CAPTION), html)
    assert "image/png" not in html  # the seaborn figure is shown once, as the report's SVG, not also inline
    for value in top["revenue"]:
        assert it.money(value, 2) in html  # 1.234,56 €
    assert re.search(r"\d\.\d{3},\d{2}\xa0€", html)
    # provenance: the edited client notebook and its hash
    assert "notebooks/clients/demo.ipynb" in html and digest in html
    if pdf is None:
        pytest.skip("pdftotext (poppler-utils) not installed (.ci/run installs it)")
    flat = re.sub(r"\s+", " ", pdf)
    for text in (TITLE, COMMENTARY, FIGURE_CAPTION[:40], TABLE_CAPTION[:40], it.money(top["revenue"].iloc[0], 2)):
        assert re.sub(r"\s+", " ", text) in flat, text


def test_template_change_is_named_when_the_client_notebook_runs(project, edited_run):
    from clv_lib.runner.notebooks import template_warning

    template = project / "notebooks" / "clv_report.ipynb"
    nb = nbformat.read(template, as_version=4)
    nb.cells.insert(-1, new_code_cell("report.since_last_report()"))
    nb.cells[3].source = "report.cover(hide=['confidential'])"
    nbformat.write(nb, template)
    warning = template_warning(project, Path("notebooks/clients/demo.ipynb"))
    assert "notebooks/clv_report.ipynb changed since notebooks/clients/demo.ipynb was copied" in warning
    assert "added `report.since_last_report()`" in warning
    assert "changed `report.cover()` -> `report.cover(hide=['confidential'])`" in warning
    done = make(project, "notebook", "CLIENT=demo", "SYNCED=1")
    assert done.returncode == 0, done.stderr
    assert template_warning(project, Path("notebooks/clients/demo.ipynb")) is None
    again = make(project, "notebook", "CLIENT=demo")
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr

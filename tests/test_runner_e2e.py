"""The runner's promises on real runs in a scratch project: a failing run publishes nothing and keeps its executed
notebook; a missing PDF engine still delivers the HTML and says what to install; `reports` continues past a failing
client and exits non-zero; the notebook's own defaults run top to bottom from notebooks/ as an analyst would."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from scratch import runner, scratch_project

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SMALL = """\
client_name: Small Shop
business_model: transactional
currency: EUR
language: it
gross_margin: 0.5
data:
  path: data/small.csv
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project: the real notebook, a small client (600 demo customers) and a broken one."""
    root = scratch_project(tmp_path_factory.mktemp("runner"))
    orders = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    keep = orders["Cliente"].dropna().drop_duplicates().head(600)
    small = orders[orders["Cliente"].isin(keep)].rename(columns={"Cliente": "cliente", "Data": "data",
                                                                  "Importo": "importo", "Ordine": "numero_ordine"})
    small[["cliente", "numero_ordine", "data", "importo"]].to_csv(root / "data" / "small.csv", sep=";", index=False)
    (root / "params" / "small.yaml").write_text(SMALL, encoding="utf-8")
    # Valid params, but every date is unparsable: a data error raised inside the notebook.
    broken = small.assign(data="n.d.")
    broken[["cliente", "numero_ordine", "data", "importo"]].to_csv(root / "data" / "broken.csv", sep=";", index=False)
    (root / "params" / "broken.yaml").write_text(SMALL.replace("small.csv", "broken.csv"), encoding="utf-8")
    return root


def test_failed_run_publishes_nothing_and_keeps_the_log(project):
    proc = runner(project, "report", "--client", "broken", "--period", "2025Q4", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("errore: ")]  # the params say it
    assert len(errors) == 1 and "data/broken.csv" in errors[0] and "date" in errors[0], proc.stderr
    assert "notebook eseguito conservato come registro" in proc.stderr, proc.stderr
    client = project / "reports" / "broken"
    published = [p.name for p in client.iterdir() if not p.name.startswith(".")]
    assert published == ["failed"], (published, proc.stderr)
    logs = list((client / "failed").glob("clv_report-*.ipynb"))
    assert len(logs) == 1 and "DataError" in logs[0].read_text(), (logs, proc.stderr)


def test_html_is_delivered_when_no_pdf_engine_runs(project):
    proc = runner(project, "report", "--client", "small", "--period", "2025Q4", "--pdf-engine", "chromium", "--quiet",
               env={"CLV_CHROMIUM": str(project / "no-such-browser")})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "apt-get install chromium" in proc.stderr and "weasyprint" in proc.stderr.lower()
    errors = [line for line in proc.stderr.splitlines() if line.startswith("errore: ")]  # the params say Italian
    assert len(errors) == 1 and errors[0].startswith("errore: PDF non generato: PDF_ENGINE=chromium, ma non è stato "
                                                     "trovato nessun Chromium"), proc.stderr
    assert "installare un motore PDF" in errors[0] and "not found" not in errors[0], errors[0]
    folder = project / "reports" / "small" / "2025Q4"
    assert (folder / "clv_report.html").exists() and not (folder / "clv_report.pdf").exists()
    html = (folder / "clv_report.html").read_text(encoding="utf-8")
    assert "Sintesi" in html  # the params ask for Italian


def test_reports_continue_past_a_failing_client(project):
    proc = runner(project, "reports", "--jobs", "2", "--pdf-engine", "none")
    assert proc.returncode == 1
    table = proc.stdout
    assert "broken" in table and "FAILED" in table and "small" in table
    assert "reports/small/" in table
    assert "1 of 2 reports built, 1 failed" in table


def test_notebook_defaults_run_top_to_bottom_from_notebooks_folder(tmp_path):
    """What `make lab` + Run All does: execute the committed notebook, unchanged, with notebooks/ as cwd."""
    import nbformat
    from nbclient import NotebookClient

    from clv_lib.runner.kernel import ensure_kernel

    nb = nbformat.read(ROOT / "notebooks" / "clv_report.ipynb", as_version=4)
    env_root = os.environ.pop("CLV_PROJECT_ROOT", None)
    interactive = ROOT / "reports" / "demo" / "interactive"
    try:
        NotebookClient(nb, kernel_name=ensure_kernel(), timeout=600,
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        if env_root is not None:
            os.environ["CLV_PROJECT_ROOT"] = env_root
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert (interactive / "customers.csv").exists() and (interactive / "kpis.json").exists()

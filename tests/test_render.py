"""The HTML/PDF rendering of an executed notebook: no code, no prompts, no noise, self-contained, atomic."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from clv_lib.exceptions import RenderError
from clv_lib.runner.publish import publish_dir, staging_dir, write_atomic
from clv_lib.runner.render_html import notebook_to_html
from clv_lib.runner.render_pdf import choose_engine, html_to_pdf


def executed_notebook() -> nbformat.NotebookNode:
    cells = [
        new_code_cell("client = 'demo'", metadata={"tags": ["parameters"]}),
        new_code_cell("client = 'acme'  # injected", metadata={"tags": ["injected-parameters"]}),
        new_code_cell("import secret_module", metadata={"tags": ["remove-cell"]},
                      outputs=[new_output("stream", name="stdout", text="SETUP-NOISE\n")]),
        new_code_cell("report.chapter()", outputs=[
            new_output("stream", name="stdout", text="STDOUT-NOISE\n"),
            new_output("stream", name="stderr", text="STDERR-NOISE\n"),
            new_output("display_data", data={"text/html": "<div class='clv'><h2>Executive summary</h2>"
                                                          "<p>Customers are worth a lot.</p></div>",
                                             "text/plain": "<Chapter>"}),
        ]),
        new_markdown_cell("Closing words", metadata={"tags": ["remove-cell"]}),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["clv_report"] = {"language": "en", "footer": "Acme · CLV", "page_label": "Page"}
    nb.metadata["title"] = "CLV – Acme"
    return nb


def test_html_has_outputs_only():
    html = notebook_to_html(executed_notebook())
    assert "Executive summary" in html and "Customers are worth a lot." in html
    for noise in ("report.chapter()", "client = ", "secret_module", "SETUP-NOISE", "STDOUT-NOISE", "STDERR-NOISE",
                  "Closing words", "jp-InputArea", "In&nbsp;[", "&lt;Chapter&gt;"):
        assert noise not in html, noise
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "<title>CLV – Acme</title>" in html
    assert "@page" in html and "counter(pages)" in html


def test_the_exporter_built_ahead_renders_each_notebook_as_a_fresh_one_would():
    """The runner builds the HTML exporter while the notebook runs and reuses it (render_html.html_exporter): a
    second notebook through it comes out as through a new exporter, with nothing of the first."""
    from clv_lib.runner.render_html import html_exporter

    other = executed_notebook()
    other.cells[3].outputs[2]["data"]["text/html"] = "<div class='clv'><h2>Segments</h2></div>"
    other.metadata["title"] = "CLV – Beta"
    first, second = notebook_to_html(executed_notebook()), notebook_to_html(other)
    html_exporter.cache_clear()
    assert notebook_to_html(other) == second and notebook_to_html(executed_notebook()) != second
    assert "Segments" in second and "Executive summary" not in second and "Executive summary" in first


def test_pdf_with_weasyprint_has_the_text(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    html_path = tmp_path / "r.html"
    html_path.write_text(notebook_to_html(executed_notebook()), encoding="utf-8")
    html_to_pdf(html_path, tmp_path / "r.pdf", "weasyprint")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    assert "Executive summary" in text


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(RenderError, match="PDF_ENGINE 'latex' is not one of"):
        choose_engine("latex")


def test_missing_chromium_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("CLV_CHROMIUM", str(tmp_path / "no-such-browser"))
    (tmp_path / "r.html").write_text("<p>x</p>")
    with pytest.raises(RenderError, match="apt-get install chromium"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf", "chromium")


def test_a_browser_that_fails_leaves_the_print_to_the_command_line(tmp_path):
    """A browser started ahead that is gone (here a program that exits at once) is no PDF and no error: the
    runner then prints with `--print-to-pdf`."""
    from clv_lib.runner.browser import Browser, BrowserError
    from clv_lib.runner.render_pdf import _print_in

    browser = Browser.launch(shutil.which("true") or "/bin/true")
    assert browser is not None
    try:
        with pytest.raises(BrowserError):
            browser.print_pdf(tmp_path / "r.html", tmp_path / "r.pdf", timeout_s=20)
        assert not _print_in(browser, tmp_path / "r.html", tmp_path / "r.pdf")
        assert not (tmp_path / "r.pdf").exists()
    finally:
        browser.close()
    assert Browser.launch(str(tmp_path / "no-such-browser")) is None


def test_a_browser_asked_to_stop_is_gone_after_close():
    """The runner asks the browser to quit after the PDF (`stop`, no wait) and writes the index page meanwhile;
    `close` then waits for it and removes its profile folder."""
    from clv_lib.runner.browser import Browser
    from clv_lib.runner.render_pdf import find_chromium

    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium-family browser (.ci/run installs chromium)")
    browser = Browser.launch(executable)
    assert browser is not None
    browser.stop()
    browser.stop()  # once is enough
    browser.close()
    assert browser._proc.returncode is not None and not Path(browser._profile).exists()


def test_write_atomic_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out" / "a.txt"
    write_atomic(target, "complete")
    assert target.read_text() == "complete"

    with pytest.raises(TypeError):
        write_atomic(target, ["not", "text"])  # fails while writing the temporary file
    assert target.read_text() == "complete"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_publish_replaces_a_period_folder_whole(tmp_path):
    client = tmp_path / "reports" / "acme"
    old = client / "2025Q4"
    old.mkdir(parents=True)
    (old / "clv_report.html").write_text("old")
    (old / "stale.csv").write_text("old")
    stage = staging_dir(client)
    (stage / "clv_report.html").write_text("new")
    publish_dir(stage, old)
    assert sorted(os.listdir(old)) == ["clv_report.html"]
    assert (old / "clv_report.html").read_text() == "new"
    assert sorted(os.listdir(client)) == ["2025Q4"]

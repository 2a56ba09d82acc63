"""Per-client notebooks without a kernel: the copy, its parameters, refusing to overwrite an analyst's work, the
template-change warning naming the cells, and the warning for a paired script edited after its notebook."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from clv_lib.exceptions import ParamsError
from clv_lib.runner.notebooks import (
    TEMPLATE, choose_notebook, create_client_notebook, describe_changes, file_sha256, template_warning,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def root(tmp_path) -> Path:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("clients", ".ipynb_*"))
    (tmp_path / "params").mkdir()
    shutil.copy(ROOT / "params" / "demo.yaml", tmp_path / "params" / "acme.yaml")
    return tmp_path


def test_copy_sets_the_client_and_is_chosen(root):
    assert choose_notebook("acme", root).path == TEMPLATE
    path = create_client_notebook("acme", root)
    assert path == root / "notebooks" / "clients" / "acme.ipynb" and path.with_suffix(".py").exists()
    nb = nbformat.read(path, as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert parameters.source.splitlines()[0].startswith('client = "acme"')
    chosen = choose_notebook("acme", root)
    assert chosen.path == Path("notebooks/clients/acme.ipynb") and chosen.warning is None
    assert chosen.sha256 == file_sha256(path)


def test_an_existing_copy_is_never_overwritten_silently(root):
    path = create_client_notebook("acme", root)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_markdown_cell("The analyst's own words"))
    nbformat.write(nb, path)
    with pytest.raises(ParamsError, match="already exists .*FORCE=1"):
        create_client_notebook("acme", root)
    assert "The analyst's own words" in path.read_text()
    create_client_notebook("acme", root, force=True)
    assert "The analyst's own words" not in path.read_text()
    with pytest.raises(ParamsError, match="no params file for client 'globex'"):
        create_client_notebook("globex", root)


def test_template_changes_are_named(root):
    create_client_notebook("acme", root)
    template = root / TEMPLATE
    nb = nbformat.read(template, as_version=4)
    removed = nb.cells.pop(5).source
    nb.cells.append(new_code_cell("report.since_last_report()"))
    nbformat.write(nb, template)
    warning = choose_notebook("acme", root).warning
    assert f"removed `{removed}`" in warning and "added `report.since_last_report()`" in warning
    assert "make notebook CLIENT=acme SYNCED=1" in warning
    create_client_notebook("acme", root, synced=True)
    assert template_warning(root, Path("notebooks/clients/acme.ipynb")) is None


def test_describe_changes_limits_the_list():
    before = [["code", f"report.c{i}()"] for i in range(10)]
    after = [["code", f"report.c{i}(x=1)"] for i in range(10)]
    changes = describe_changes(before, after, limit=3)
    assert changes[0] == "changed `report.c0()` -> `report.c0(x=1)`" and changes[-1] == "and 7 more"


def test_a_paired_script_edited_later_is_named(root):
    path = create_client_notebook("acme", root)
    script = path.with_suffix(".py")
    script.write_text(script.read_text() + "\n# %%\nreport.figure(fig)\n")
    later = path.stat().st_mtime + 10
    os.utime(script, (later, later))
    warning = choose_notebook("acme", root).warning
    assert "acme.py was edited after acme.ipynb" in warning and "make sync-notebooks" in warning

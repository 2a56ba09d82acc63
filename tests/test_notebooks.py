"""Notebooks are thin and committed clean: a tagged parameters cell with working defaults, one short library call
per cell, no def/class/loops, no outputs (CFMTech/jupytext_papermill_post conventions)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))  # the template and explore: thin
ALL_NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_is_a_report_notebook():
    assert ROOT / "notebooks" / "clv_report.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_has_working_defaults(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    names = {}
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign), "the parameters cell only assigns literals"
        names[node.targets[0].id] = ast.literal_eval(node.value)
    assert names.get("client") == "demo" and (ROOT / "params" / "demo.yaml").exists()
    assert nb.metadata.kernelspec.name == "clv-report"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_are_thin(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), \
                f"{path.name}: definitions belong in clv_lib, not in the notebook:\n{cell.source}"
            assert not isinstance(node, (ast.For, ast.While, ast.ListComp, ast.DictComp, ast.SetComp,
                                         ast.GeneratorExp)), f"{path.name}: loops belong in clv_lib:\n{cell.source}"
        assert len(cell.source.strip().splitlines()) <= 6, f"{path.name}: cell too long:\n{cell.source}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_paired_script_has_the_same_cells(path):
    """Each notebook has its jupytext percent script (what a review reads) with the same cells."""
    import jupytext

    script = path.with_suffix(".py")
    assert script.exists(), f"{script.name} is missing: run `make sync-notebooks`"

    def cells(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]

    assert cells(jupytext.read(script)) == cells(nbformat.read(path, as_version=4)), \
        f"{path.name} and {script.name} differ: run `make sync-notebooks` (the newer file wins)"

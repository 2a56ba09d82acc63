"""The stages of clv_lib import only downwards (params -> data -> summary -> models -> value -> insights ->
pipeline -> report -> runner) and the modules of one stage never import each other in a cycle: the import-linter
contracts in pyproject.toml, checked on every test run."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    assert code == 0, capsys.readouterr().out[-3000:]

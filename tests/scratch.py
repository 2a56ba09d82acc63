"""Scratch projects for the tests that go through the front door: a temporary project root with the real notebooks
(and, where asked, the shipped params and data) in which `python -m clv_lib.runner`, what `make report` runs,
builds reports exactly as it does for a consultant."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scratch_project(root: Path, *, shipped: tuple[str, ...] = ()) -> Path:
    """Make `root` a project: the real notebooks and pyproject.toml, the shipped folders named in `shipped`
    (`params`, `data`) linked, the other folders empty."""
    (root / "notebooks").symlink_to(ROOT / "notebooks", target_is_directory=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    for name in ("params", "data", "reports"):
        if name in shipped:
            (root / name).symlink_to(ROOT / name, target_is_directory=True)
        else:
            (root / name).mkdir(exist_ok=True)
    return root


def runner(root: Path, *args: str, timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m clv_lib.runner *args` in the project `root` (with the variables `env` besides the test's)."""
    return subprocess.run([sys.executable, "-m", "clv_lib.runner", *args], capture_output=True, text=True, cwd=root,
                          timeout=timeout, env={**os.environ, "CLV_PROJECT_ROOT": str(root), **(env or {})})


def build(root: Path, client: str, *args: str, timeout: int = 900) -> Path:
    """Build `client`'s report in `root` with the runner (HTML and PDF unless `args` say otherwise); return the
    report's folder, the only one the run published."""
    proc = runner(root, "report", "--client", client, "--quiet", *args, timeout=timeout)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    folders = [p for p in (root / "reports" / client).iterdir() if p.is_dir() and p.name not in ("failed", "interactive")]
    assert len(folders) == 1, folders
    return folders[0]

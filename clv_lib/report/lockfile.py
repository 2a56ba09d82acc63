"""The lock file (`requirements.lock`, written by `make lock`): its hash, its pins, and the installed versions
against them, for the appendix's provenance and the test that the environment was installed from it.

The lock is universal (`uv pip compile --universal`): a package may be pinned twice under different environment
markers (`numpy==2.2.6 ; python_full_version < '3.11'`); the pins that apply here are those whose marker holds for
this interpreter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional

LOCK_NAME = "requirements.lock"


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them (`Jinja2` = `jinja2`, `pydantic_core` = `pydantic-core`)."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def find_lock(root: Optional[Path] = None) -> Optional[Path]:
    """The lock of the project at `root`, else the one beside the installed clv_lib package; None without one."""
    import clv_lib

    candidates = ([Path(root) / LOCK_NAME] if root is not None else []) + \
        [Path(clv_lib.__file__).resolve().parents[1] / LOCK_NAME]
    return next((path for path in candidates if path.is_file()), None)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pins(path: Path) -> dict[str, str]:
    """Distribution name (normalized) -> version pinned for this interpreter."""
    from packaging.requirements import Requirement

    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = next(iter(req.specifier)).version
        out[normalize(req.name)] = version
    return out


def installed_versions() -> dict[str, str]:
    """Distribution name (normalized) -> installed version, for this environment."""
    return {normalize(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


@dataclass(frozen=True)
class LockCheck:
    """The lock's file and hash, and the installed packages whose version differs from its pin."""

    path: Path
    sha256: str
    pinned: int
    differing: tuple[tuple[str, str, str], ...]  # (name, installed, pinned)

    @property
    def matches(self) -> bool:
        return not self.differing


def check(root: Optional[Path] = None) -> Optional[LockCheck]:
    """Compare the installed packages with the lock; None when no lock is found."""
    path = find_lock(root)
    if path is None:
        return None
    wanted = pins(path)
    have = installed_versions()
    differing = tuple(sorted((name, have[name], version) for name, version in wanted.items()
                             if name in have and have[name] != version))
    return LockCheck(path, sha256(path), len(wanted), differing)

"""Write outputs so that a crash never leaves a half report that looks complete.

A report is built in a staging folder next to its destination and moved into place by renames once every file
is there; single files are written to a temporary name and renamed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def staging_dir(client_dir: Path) -> Path:
    """A fresh hidden staging folder inside the client's report folder."""
    path = Path(client_dir) / f".staging-{uuid.uuid4().hex[:10]}"
    path.mkdir(parents=True)
    return path


def publish_dir(staging: Path, final: Path) -> Path:
    """Move a complete staging folder to `final`, replacing an earlier report of the same period."""
    final = Path(final)
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final

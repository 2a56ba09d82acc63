"""The project's Jupyter kernel: a kernelspec pinned to this environment's interpreter.

Reports never rely on a globally registered `python3` kernel (which may point at another Python): the runner and
`make lab` install a `clv-report` kernelspec into the virtual environment, whose argv is this interpreter's
absolute path, and papermill runs that kernel.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "clv-report"


def kernel_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def ensure_kernel() -> str:
    """Install (or refresh) the `clv-report` kernelspec for this interpreter; return its name."""
    spec = {
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (clv-report)",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
        "metadata": {"debugger": True, "supported_encryption": ["curve"]},
        "kernel_protocol_version": "5.5",
    }
    target = kernel_dir()
    current = target / "kernel.json"
    if not current.exists() or json.loads(current.read_text()) != spec:
        try:
            target.mkdir(parents=True, exist_ok=True)
            current.write_text(json.dumps(spec, indent=1))
        except PermissionError:  # a shared environment this user cannot write to: use the kernelspec it has
            if not current.exists():
                raise
            print(f"note: cannot update {current} (no write permission); using it as it is", file=sys.stderr)
    return KERNEL_NAME

"""Which notebook a report runs: the template `notebooks/clv_report.ipynb`, or a client's own copy.

`make notebook CLIENT=acme` copies the template to `notebooks/clients/acme.ipynb` with `client = "acme"` in its
parameters cell and remembers the template's cells at that moment (in the copy's metadata). From then on
`make report CLIENT=acme` runs the copy, where an analyst may add cells for this client only; when the template
has changed since the copy was made, the run warns and names the cells that changed, so that the copy can take
them (`make notebook CLIENT=acme SYNCED=1` then records that it has).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clv_lib.exceptions import ParamsError
from clv_lib.params import check_client_name, params_path

TEMPLATE = Path("notebooks") / "clv_report.ipynb"
CLIENTS = Path("notebooks") / "clients"
META_KEY = "clv_template"  # in a client notebook's metadata: the template it was copied from, and its cells


@dataclass
class NotebookChoice:
    path: Path  # relative to the project root
    sha256: str  # of the file as it runs
    warning: str | None = None


def client_notebook(client: str) -> Path:
    return CLIENTS / f"{client}.ipynb"


def choose_notebook(client: str, root: Path, explicit: str | None = None) -> NotebookChoice:
    """The client's own notebook when it exists (or `explicit`), else the template; with a warning when the
    template changed since the client's copy was made."""
    path = notebook_path(client, root, explicit)
    warnings = [w for w in (stale_pair_warning(root / path),
                            template_warning(root, path) if path != TEMPLATE else None) if w]
    return NotebookChoice(path, file_sha256(root / path), "; ".join(warnings) or None)


def notebook_path(client: str, root: Path, explicit: str | None = None) -> Path:
    """Which notebook runs (relative to the project root): `explicit`, else the client's own, else the template."""
    if explicit:
        path = Path(explicit)
        path = path.relative_to(root) if path.is_absolute() and path.is_relative_to(root) else path
        if not (root / path).is_file():
            raise ParamsError(key="notebook.not_found", file=explicit)
        return path
    return client_notebook(client) if (root / client_notebook(client)).is_file() else TEMPLATE


def stale_pair_warning(path: Path) -> str | None:
    """A warning when the notebook's paired script (jupytext) was edited after it and holds other cells."""
    script = path.with_suffix(".py")
    if not script.is_file() or script.stat().st_mtime <= path.stat().st_mtime:
        return None
    try:
        import jupytext
        import nbformat
    except ImportError:
        return None

    def cells(nb):
        return [(c.cell_type, c.source.strip()) for c in nb.cells]

    if cells(jupytext.read(script)) == cells(nbformat.read(path, as_version=4)):
        return None
    return (f"{script.name} was edited after {path.name} and holds other cells; this run uses {path.name}: "
            "run `make sync-notebooks` first to run the script's version")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _cells(nb) -> list[list[str]]:
    return [[cell.cell_type, cell.source] for cell in nb.cells]


def cells_sha256(cells) -> str:
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


def create_client_notebook(client: str, root: Path, force: bool = False, synced: bool = False) -> Path:
    """Copy the template for `client` (its params file must exist); `synced`: only record that an existing copy
    now has the template's current cells. Returns the notebook's path."""
    import nbformat

    check_client_name(client)
    params_path(client, root)  # an unknown client is a one-line error naming params/<client>.yaml
    target = root / client_notebook(client)
    template = nbformat.read(root / TEMPLATE, as_version=4)
    base = _cells(template)
    if synced:
        if not target.is_file():
            raise ParamsError(key="notebook.missing", file=str(client_notebook(client)), client=client)
        nb = nbformat.read(target, as_version=4)
    elif target.exists() and not force:
        raise ParamsError(key="notebook.exists", file=str(client_notebook(client)), template=str(TEMPLATE))
    else:
        nb = template
        _set_client(nb, client)
    nb.metadata[META_KEY] = {"path": TEMPLATE.as_posix(), "copied_on": datetime.now().isoformat(timespec="seconds"),
                             "cells_sha256": cells_sha256(base), "cells": base}
    target.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(nb, target)
    return target


def write_notebook(nb, path: Path) -> None:
    """Write a notebook and, when jupytext pairing is configured for its folder, its paired script."""
    import nbformat

    nbformat.write(nb, path)
    try:
        import jupytext
        from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
    except ImportError:
        return
    config_file = find_jupytext_configuration_file(str(path.parent))
    if not config_file:
        return
    formats = load_jupytext_configuration_file(config_file).default_formats(str(path)) or ""
    if "py:percent" in formats:
        jupytext.write(nb, path.with_suffix(".py"), fmt="py:percent")


_CLIENT_LINE = re.compile(r"^(client\s*=\s*)(\"[^\"]*\"|'[^']*')", re.MULTILINE)


def _set_client(nb, client: str) -> None:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells or not _CLIENT_LINE.search(cells[0].source):
        raise ParamsError(key="notebook.no_client_line", file=str(TEMPLATE))
    cells[0].source = _CLIENT_LINE.sub(lambda m: m.group(1) + json.dumps(client), cells[0].source, count=1)


def template_warning(root: Path, path: Path) -> str | None:
    """A one-line warning naming what changed in the template since `path` was copied from it, else None."""
    import nbformat

    nb = nbformat.read(root / path, as_version=4)
    base = nb.metadata.get(META_KEY)
    template = root / TEMPLATE
    if not base or not template.is_file():
        return None
    now = _cells(nbformat.read(template, as_version=4))
    if cells_sha256(now) == base.get("cells_sha256"):
        return None
    changes = describe_changes(base.get("cells", []), now)
    return (f"{TEMPLATE.as_posix()} changed since {path.as_posix()} was copied from it "
            f"({str(base.get('copied_on', '?'))[:10]}): {'; '.join(changes)}. Bring these into the client's notebook "
            f"and run `make notebook CLIENT={path.stem} SYNCED=1`, or replace it with FORCE=1")


def describe_changes(before: list, after: list, limit: int = 6) -> list[str]:
    """Cells added, removed or changed between two lists of [type, source], each named by its first line."""
    keys_before = [json.dumps(c) for c in before]
    keys_after = [json.dumps(c) for c in after]
    out = []
    matcher = difflib.SequenceMatcher(a=keys_before, b=keys_after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = before[i1:i2], after[j1:j2]
        if op == "replace" and len(old) == len(new):
            out += [f"changed {_first_line(o)} -> {_first_line(n)}" for o, n in zip(old, new)]
            continue
        out += [f"removed {_first_line(o)}" for o in old] + [f"added {_first_line(n)}" for n in new]
    if len(out) > limit:
        out = out[:limit] + [f"and {len(out) - limit} more"]
    return out


def _first_line(cell) -> str:
    kind, source = cell
    line = next((s.strip() for s in str(source).splitlines() if s.strip()), "")
    line = line if len(line) <= 60 else line[:57] + "..."
    return f"{kind} cell `{line}`" if kind != "code" else f"`{line}`"

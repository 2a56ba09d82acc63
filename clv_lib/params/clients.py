"""Where things are: the project root, a client's params file, its report folder, its data path."""

from __future__ import annotations

import os
import re
from pathlib import Path

from clv_lib.exceptions import Msg, ParamsError

CLIENT_PATTERN = re.compile(r"^[a-z0-9_-]+$")


def project_root() -> Path:
    """The project root: $CLV_PROJECT_ROOT, else the nearest folder above the cwd holding `params/` and
    `pyproject.toml`, else the folder above the installed `clv_lib` package."""
    env = os.environ.get("CLV_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    return Path(__file__).resolve().parents[2]


def shown_path(path: str | Path, root: Path | None = None) -> str:
    """How messages and documents name a file: relative to the project root when inside it (`params/acme.yaml`,
    `data/acme/orders.csv`), else as given; never the folders above the project on the consultant's machine."""
    try:
        return Path(path).resolve().relative_to(Path(root or project_root()).resolve()).as_posix()
    except ValueError:
        return str(path)


def check_client_name(client: str) -> str:
    """Validate a CLIENT value so that nothing can be written outside `reports/<client>/`."""
    if not client or not CLIENT_PATTERN.fullmatch(client):
        raise ParamsError(key="params.bad_client_name", client=client)
    return client


def available_clients(root: Path | None = None) -> list[str]:
    """Client names that have a params file."""
    root = root or project_root()
    return sorted(p.stem for p in (root / "params").glob("*.yaml") if CLIENT_PATTERN.fullmatch(p.stem))


def params_path(client: str, root: Path | None = None) -> Path:
    """The params file of a (validated) client; ParamsError listing the known clients when it is missing."""
    root = root or project_root()
    path = root / "params" / f"{check_client_name(client)}.yaml"
    if not path.is_file():
        known = available_clients(root) or Msg("params.no_clients")
        raise ParamsError(key="params.no_params_file", client=client, file=path.relative_to(root), clients=known)
    return path


def resolve_data_path(path: str, root: Path | None = None) -> Path:
    """A data path from params: absolute as given, relative to the project root otherwise."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (root or project_root()) / candidate

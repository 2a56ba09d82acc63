"""Read and validate `params/<client>.yaml`; every problem becomes one `ParamsError` line naming file and key."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from clv_lib.exceptions import ParamsError
from clv_lib.params.schema import ClientParams


class _StringDatesLoader(yaml.SafeLoader):
    """YAML SafeLoader that keeps dates (2025-03-31) and times as strings: dates stay strings."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping, dates kept as strings; raise ParamsError naming the file on any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: cannot read the file ({exc})") from None
    try:
        content = yaml.load(text, Loader=_StringDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(content, dict):
        raise ParamsError(f"{path}: expected a mapping of keys (client_name: ..., data: ...), got {type(content).__name__}")
    return content


def load_params(path: str | Path) -> ClientParams:
    """Load and validate a client's parameters file."""
    path = Path(path)
    raw = read_yaml(path)
    try:
        return ClientParams.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(f"{path}: {describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """One line for all of pydantic's errors: `key 'data.columns' ...; missing key 'currency'`."""
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        kind = err["type"]
        if kind == "extra_forbidden":
            parts.append(f"unknown key '{key}'")
        elif kind == "missing":
            parts.append(f"missing required key '{key}'")
        else:
            message = err["msg"].removeprefix("Value error, ")
            shown = key or "data"
            got = err.get("input")
            suffix = f" (got {got!r})" if kind not in ("value_error",) and not isinstance(got, (dict, list)) else ""
            parts.append(f"key '{shown}': {message}{suffix}")
    return "; ".join(parts)

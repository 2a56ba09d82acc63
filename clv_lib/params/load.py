"""Read and validate `params/<client>.yaml`; every problem becomes one `ParamsError` line naming file and key."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from clv_lib.exceptions import Clauses, Msg, ParamsError
from clv_lib.params.clients import shown_path
from clv_lib.params.schema import ClientParams


class _StringDatesLoader(yaml.SafeLoader):
    """YAML SafeLoader that keeps dates (2025-03-31) and times as strings: dates stay strings."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping, dates kept as strings; raise ParamsError naming the file (relative to the project
    root when inside it) on any problem."""
    shown = shown_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(key="params.file_not_found", file=shown) from None
    except UnicodeDecodeError as exc:
        raise ParamsError(key="params.unreadable", file=shown, reason=exc) from None
    except OSError as exc:  # its text repeats the absolute path: the reason alone
        raise ParamsError(key="params.unreadable", file=shown, reason=exc.strerror or type(exc).__name__) from None
    try:
        content = yaml.load(text, Loader=_StringDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Msg("params.at_line", line=mark.line + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(key="params.invalid_yaml", file=shown, where=where, problem=problem) from None
    if not isinstance(content, dict):
        raise ParamsError(key="params.not_mapping", file=shown, got=type(content).__name__)
    return content


def load_params(path: str | Path) -> ClientParams:
    """Load and validate a client's parameters file."""
    path = Path(path)
    raw = read_yaml(path)
    try:
        return ClientParams.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(key="params.invalid", file=shown_path(path), problems=problems(exc)) from None


def problems(exc: ValidationError) -> Clauses:
    """Each of pydantic's errors as a message piece: `unknown key 'data.columns'`, `missing required key
    'currency'`, `key 'language': Input should be 'it' or 'en' (got 'fr')` (Italian where the catalogue has it)."""
    parts = Clauses()
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        kind = err["type"]
        if kind == "extra_forbidden":
            parts.append(Msg("params.unknown_key", key=key))
        elif kind == "missing":
            parts.append(Msg("params.missing_key", key=key))
        else:
            text = err["msg"].removeprefix("Value error, ")
            ctx = {name: value for name, value in (err.get("ctx") or {}).items() if name != "error"}
            if kind == "literal_error" and "expected" in ctx:
                ctx["expected"] = ctx["expected"].replace("' or '", "', '").split(", ")
            ours = kind.startswith("params.")  # a check of the schema's own, its message already shows the value
            got = err.get("input")
            suffix = Msg("params.got", value=repr(got)) if not ours and kind != "value_error" and not isinstance(
                got, (dict, list)) else ""
            parts.append(Msg("params.bad_value", key=key or "data", got=suffix,
                             message=Msg(kind if ours else f"pydantic.{kind}", text, **ctx)))
    return parts


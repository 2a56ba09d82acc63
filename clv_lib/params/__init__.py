"""Stage 1: the client's parameters file (schema, validation, reporting period).

    from clv_lib.params import load_params, parse_period

Each name is imported on first use (PEP 562), so that the runner can find the project and start the report's
kernel (`clv_lib.params.clients`: the standard library only) before it pays for pandas and pydantic.
"""

from importlib import import_module

_WHERE = {
    "check_client_name": "clients", "params_path": "clients", "project_root": "clients",
    "resolve_data_path": "clients", "load_params": "load", "Period": "period", "is_period_range": "period",
    "last_complete_month": "period", "months_between": "period", "parse_period": "period",
    "parse_period_range": "period", "ClientParams": "schema", "DataSpec": "schema",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

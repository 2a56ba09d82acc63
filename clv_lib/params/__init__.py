"""Stage 1: the client's parameters file (schema, validation, reporting period).

    from clv_lib.params import load_params, parse_period
"""

from clv_lib.params.clients import check_client_name, params_path, project_root, resolve_data_path
from clv_lib.params.load import load_params
from clv_lib.params.period import (
    Period, is_period_range, last_complete_month, months_between, parse_period, parse_period_range,
)
from clv_lib.params.schema import ClientParams, DataSpec

__all__ = [
    "ClientParams", "DataSpec", "Period", "check_client_name", "is_period_range", "last_complete_month",
    "load_params", "months_between", "params_path", "parse_period", "parse_period_range", "project_root",
    "resolve_data_path",
]

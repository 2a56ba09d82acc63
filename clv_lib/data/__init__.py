"""Stage 2: load client exports, map their columns, parse values and clean them with a complete ledger.

Entry points: `load_client_data(params, observation_end) -> EngineData`, `last_order_date(params)` and
`read_client_file(params)` (a file read once for both)
(module `clv_lib.data.load`). Modules: `read` (formats, encodings, delimiters), `mapping` (canonical columns,
EN/IT header detection), `amounts` and `dates` (value parsing with per-column inference), `ledger` (the cleaning
record), `audit` (the counts and appendix lines every loaded dataset shares), `orders` and `subscriptions` (the
cleaning pipelines), `engines` (the same in a database, a warehouse or DuckDB), `demo` (the demo clients'
generator).
"""

from __future__ import annotations

__all__ = ["load_client_data", "last_order_date", "read_client_file"]


def __getattr__(name: str):
    # Imported on first use, so that `import clv_lib.data` stays free of work.
    if name in __all__:
        from clv_lib.data import load

        return getattr(load, name)
    raise AttributeError(f"module 'clv_lib.data' has no attribute {name!r}")

"""Put the demo client's orders into a database, as a typed table, to try the engine path end to end.

    export CLV_DB_URL='postgresql://user:password@localhost:5432/clv'
    python -m clv_lib.data.engines.load_demo            # -> table demo.orders, for params/demo-postgres.yaml

The CSV export (`data/demo/orders.csv`, Italian number and date formats) is parsed by the data layer's own
parsers into what an orders table in a database holds: `cust_id`, `id` (order number), `created_at` (timestamp),
`total` (number, NULL where the export's amount is unparsable), `state`, `email`, `currency`, `channel`. Every
messy business row stays (refunds, cancelled and test orders, duplicates, line items, missing ids, foreign
currencies) so the engine's cleaning rules and ledger can be compared with the file path's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

DEMO_CSV = Path("data/demo/orders.csv")
COLUMNS = {"customer_id": "cust_id", "order_id": "id", "order_date": "created_at", "amount": "total",
           "status": "state", "email": "email", "currency": "currency", "channel": "channel"}


def demo_orders_table(root: Path | None = None) -> pd.DataFrame:
    """The demo orders as typed columns (see the module docstring), one row per line of the CSV export."""
    from clv_lib.data.amounts import parse_amounts
    from clv_lib.data.dates import parse_dates
    from clv_lib.data.read import as_text, read_table
    from clv_lib.params import load_params
    from clv_lib.params.clients import project_root

    root = root or project_root()
    spec = load_params(root / "params" / "demo.yaml").data
    raw = read_table(root / DEMO_CSV, spec, display=str(DEMO_CSV)).frame
    src = spec.columns
    days, _ = parse_dates(raw[src["order_date"]], spec.dayfirst, "Europe/Rome", src["order_date"])
    amounts, _ = parse_amounts(raw[src["amount"]], spec.decimal, src["amount"])
    out = pd.DataFrame({name: as_text(raw[src[canon]]).astype(object) for canon, name in COLUMNS.items()
                        if canon not in ("order_date", "amount")})
    out.insert(2, "created_at", days.to_numpy(dtype="datetime64[us]"))
    out.insert(3, "total", amounts)
    return out[list(COLUMNS.values())]


def load_demo(con, table: str = "demo.orders", root: Path | None = None) -> int:
    """Create (or replace) `table` in the Ibis backend `con` with the demo orders; return the rows written."""
    frame = demo_orders_table(root)
    schema, _, name = table.rpartition(".")
    if schema:
        con.create_database(schema, force=True)
    con.create_table(name, frame, database=schema or None, overwrite=True)
    return len(frame)


def main(argv: list[str] | None = None) -> int:
    from clv_lib.data.engines.connect import connect
    from clv_lib.exceptions import ClvError
    from clv_lib.params.schema import DataSpec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="postgres", help="postgres (default), duckdb or spark")
    parser.add_argument("--env", default="CLV_DB_URL", help="variable holding the connection URL (CLV_DB_URL)")
    parser.add_argument("--table", default="demo.orders", help="table to create (default demo.orders)")
    args = parser.parse_args(argv)
    try:
        spec = DataSpec(engine=args.engine, connection_env=args.env, table=args.table)
        rows = load_demo(connect(spec), args.table)
    except ClvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{rows:,} demo order rows written to {args.engine} table {args.table}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

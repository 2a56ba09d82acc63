"""Put the demo clients' data into a database, as typed tables, to try the engine path end to end.

    export CLV_DB_URL='postgresql://user:password@localhost:5432/clv'
    python -m clv_lib.data.engines.load_demo            # -> table demo.orders, for params/demo-postgres.yaml
    python -m clv_lib.data.engines.load_demo --subscriptions   # -> table demo.subscriptions

The CSV export (`data/demo/orders.csv`, Italian number and date formats) is parsed by the data layer's own
parsers into what an orders table in a database holds: `cust_id`, `id` (order number), `created_at` (timestamp),
`total` (number, NULL where the export's amount is unparsable), `state`, `email`, `currency`, `channel`. Every
messy business row stays (refunds, cancelled and test orders, duplicates, line items, missing ids, foreign
currencies) so the engine's cleaning rules and ledger can be compared with the file path's.

The subscriptions export (`data/demo/subscriptions.csv`, UTC timestamps ``...Z``) becomes `account_id`,
`subscription_id`, `plan`, `started_at` and `canceled_at` (timestamps with a time zone: instants, which the engine
converts to the client's Europe/Rome days), `price` (number), `interval`, `billing_email`, `source`, every row
kept (trials at price 0, duplicates, missing account ids). `typed=False` keeps the export's text as it is (dates
and prices as text, for the engine's readers of text values).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

DEMO_CSV = Path("data/demo/orders.csv")
DEMO_SUBSCRIPTIONS_CSV = Path("data/demo/subscriptions.csv")
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
    return _write(con, table, frame)


def demo_subscriptions_table(root: Path | None = None, typed: bool = True) -> pd.DataFrame:
    """The demo subscriptions, one row per line of the export (see the module docstring)."""
    from clv_lib.params.clients import project_root

    root = root or project_root()
    raw = pd.read_csv(root / DEMO_SUBSCRIPTIONS_CSV, dtype=str, keep_default_na=False).astype(object)
    out = raw.where(raw != "", None)  # empty cells are NULL (None: Spark would store a float NaN as 'NaN')
    if not typed:
        return out
    for name in ("started_at", "canceled_at"):
        out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
    out["price"] = pd.to_numeric(out["price"])
    return out


def load_demo_subscriptions(con, table: str = "demo.subscriptions", root: Path | None = None,
                            typed: bool = True) -> int:
    """Create (or replace) `table` in the Ibis backend `con` with the demo subscriptions; return the rows written."""
    frame = demo_subscriptions_table(root, typed)
    return _write(con, table, frame)


def _write(con, table: str, frame: pd.DataFrame) -> int:
    """Create (or replace) `table` (``name`` or ``schema.name``, the schema created when missing)."""
    schema, _, name = table.rpartition(".")
    if schema:
        cursor = con.raw_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"' if con.name != "pyspark"
                             else f"CREATE SCHEMA IF NOT EXISTS `{schema}`")
        if con.name == "postgres":  # a cursor there (DuckDB returns the connection itself)
            cursor.close()
    con.create_table(name, frame, database=schema or None, overwrite=True)
    return len(frame)


def main(argv: list[str] | None = None) -> int:
    from clv_lib.data.engines.connect import connect
    from clv_lib.exceptions import ClvError
    from clv_lib.params.schema import DataSpec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="postgres", help="postgres (default), duckdb or spark")
    parser.add_argument("--env", default="CLV_DB_URL", help="variable holding the connection URL (CLV_DB_URL)")
    parser.add_argument("--table", help="table to create (default demo.orders, or demo.subscriptions)")
    parser.add_argument("--subscriptions", action="store_true", help="load the subscription demo's export")
    args = parser.parse_args(argv)
    table = args.table or ("demo.subscriptions" if args.subscriptions else "demo.orders")
    try:
        spec = DataSpec(engine=args.engine, connection_env=args.env, table=table)
        load = load_demo_subscriptions if args.subscriptions else load_demo
        rows = load(connect(spec), table)
    except ClvError as exc:
        print(f"error: {exc}", file=sys.stderr)  # English: loading the demo tables has no client language
        return 1
    what = "subscription" if args.subscriptions else "order"
    print(f"{rows:,} demo {what} rows written to {args.engine} table {table}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""What every loaded dataset (`EngineData`) says about itself: where it comes from (`data_path`), the ledger's
row counts, the lines of the report's data appendix, and whether enough of it is usable (`check_usable`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from clv_lib.data.ledger import Ledger
from clv_lib.exceptions import DataError, EngineError, Msg, Rule


class Audited:
    """Mixin for a loaded dataset with `kind`, `ledger`, `mapping`, `inferences`, `source` and `customers`."""

    @property
    def rows_read(self) -> int:
        return self.ledger.rows_read

    @property
    def rows_kept(self) -> int:
        return int(self.ledger.rows_kept or 0)

    def describe(self) -> list[str]:
        """Lines for the report's data appendix: source, mapping, inferences, counts."""
        lines = [f"source: {self.source.describe()}"]
        lines += [f"column {line}" for line in self.mapping.describe()]
        lines += [f"values {line}" for line in self.inferences]
        lines.append(f"rows: {self.rows_read:,} read, {self.rows_kept:,} {self.kind} kept, "
                     f"{self.customers:,} customers")
        return lines


def data_path(params, root: Optional[Path] = None) -> tuple[Path, str]:
    """The data file of a client and how to name it in messages (relative to the project root when inside it)."""
    from clv_lib.params.clients import project_root, resolve_data_path, shown_path

    spec = params.data
    if not spec.path:
        raise EngineError(key="engine.not_a_file", engine=spec.engine, what=spec.table or Msg("engine.a_sql_query"))
    root = root or project_root()
    path = resolve_data_path(spec.path, root)
    return path, shown_path(path, root)


def check_usable(frame: pd.DataFrame, ledger: Ledger, min_customers: int, kind: str) -> None:
    """DataError when nothing is left, or fewer customers than `min_customers`, saying what removed the rows."""
    customers = int(frame["customer_id"].nunique()) if len(frame) else 0
    removed = ledger.rows_read - len(frame)
    if not len(frame):
        raise no_valid_rows(ledger.source, ledger, kind)
    if customers < min_customers:
        raise DataError(key="data.too_few_customers", file=ledger.source, customers=customers,
                        kind=Msg("term.order" if kind == "orders" else "term.subscription"),
                        min_customers=min_customers,
                        why=Msg("data.excluded_rows", **_excluded(ledger)) if removed else "")


def no_valid_rows(source: str, ledger: Ledger, kind: str) -> DataError:
    """`<file>: no valid orders left; 874 of 874 rows were excluded, mostly 'unparsable or missing date' (874)`."""
    return DataError(key="data.no_valid_rows", file=source, kind=Msg(f"term.{kind}"), **_excluded(ledger))


def _excluded(ledger: Ledger) -> dict:
    """How many rows the ledger removed (excluded, netted or merged: the rules the "mostly" piece names), of how
    many, and the rule that removed the most (a message piece)."""
    top = ledger.main_removal()
    cause = Msg("data.mostly", rule=Rule(top.rule), rows=top.rows) if top is not None else ""
    return {"excluded": ledger.rows_removed + 0, "read": ledger.rows_read, "cause": cause}

"""Counting what the cleaning rules did, in the engine: rows, revenue and example rows per rule, in two queries.

The cleaning builds, for each set of rules, a table of *events* with the columns `rule` (the rule's name), `n` (1 when
the row counts as affected, 0 when it only adds revenue), `v` (the revenue it affects), `_row` (the source row
number: a file's row as a spreadsheet shows it) and `_ex` (a database row's key columns, when there is no row
number). `tally` returns, per rule, the rows, the revenue and up to `MAX_EXAMPLES` example rows (the smallest row
numbers, or the smallest keys), which `record` writes into the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clv_lib.data.engines.query import double, run
from clv_lib.data.ledger import MAX_EXAMPLES, Ledger


@dataclass
class Count:
    rows: int = 0
    revenue: float = 0.0
    numbers: list = field(default_factory=list)  #: example source row numbers
    keys: list = field(default_factory=list)  #: example key labels (tables)


def events(t, rule, n=1, v=0.0):
    """`t` as events of `rule` (a name or an expression), each counting `n` rows and `v` revenue."""
    import ibis

    rule = ibis.literal(rule, "string") if isinstance(rule, str) else rule.cast("string")
    return t.select(rule=rule, n=ibis.literal(n, "int64") if isinstance(n, int) else n.cast("int64"),
                    v=(double(v) if isinstance(v, (int, float)) else v.cast("float64")),
                    _row=t._row.cast("int64"), _ex=t._ex.cast("string"))


def tally(table, engine: str, source: str) -> dict[str, Count]:
    """Per rule of the events `table`: rows, revenue and example rows (see the module docstring)."""
    import ibis

    what = f"cleaning {source}"
    agg = run(table.group_by("rule").aggregate(n=table.n.sum(), r=table.v.sum()), engine, what)
    out = {str(r): Count(int(n or 0), _float(v)) for r, n, v in zip(agg["rule"], agg["n"], agg["r"])}
    hit = table.filter(table.n > 0)
    rank = ibis.row_number().over(ibis.window(group_by=hit.rule, order_by=[hit._row, hit._ex]))
    examples = run(hit.mutate(k=rank).filter(lambda x: x.k < MAX_EXAMPLES).select("rule", "_row", "_ex"), engine,
                   what)
    for rule, row, key in zip(examples["rule"], examples["_row"], examples["_ex"]):
        count = out[str(rule)]
        if row is not None and row == row:
            count.numbers.append(int(row))
        elif key is not None:
            count.keys.append(str(key))
    return out


def record(ledger: Ledger, counts: dict[str, Count], rule: str, treatment: str, name: str | None = None) -> None:
    """Write the count of `rule` (if any row was affected) into the ledger, as `name` when given."""
    count = counts.get(rule)
    if count is not None and count.rows:
        ledger.record(name or rule, treatment, count.numbers, count.revenue, rows=count.rows, examples=count.keys)


def _float(value) -> float:
    return float(value) if value is not None and value == value else 0.0

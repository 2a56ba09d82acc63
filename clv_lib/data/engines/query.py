"""Running expressions in the engine that holds the data: results back as one-line errors when they fail, and
intermediate tables materialised once (`cache`) so the steps that read them again do not recompute them."""

from __future__ import annotations

import itertools
import re

from clv_lib.exceptions import EngineError, Msg

#: Attribute set on a DuckDB backend whose database file is the report's own scratch space (large local files).
SCRATCH = "clv_scratch"
_names = itertools.count()


def run(expr, engine: str, what: str, arrow: bool = False):
    """Execute `expr` (a pandas frame or scalar; with `arrow` an Arrow table); any engine error becomes one
    EngineError line naming the engine and `what` was being done ("cleaning postgres table x"), never the URL."""
    try:
        return expr.to_pyarrow() if arrow else expr.execute()
    except EngineError:
        raise
    except Exception as exc:  # noqa: BLE001 - translated at the boundary
        from clv_lib.data.engines.connect import _first_line, describe_failure

        raise EngineError(key="engine.step_failed", engine=engine, what=_doing(what), reason=describe_failure(exc),
                          detail=_first_line(exc)) from None


#: The steps callers name in English ("cleaning postgres table x") -> their catalogue key, so that the message is in
#: the client's language; a step not listed is shown as written.
STEPS = (
    (r"cleaning (?P<source>.+)", "engine.what.cleaning"),
    (r"aggregating (?P<source>.+)", "engine.what.aggregating"),
    (r"reading column (?P<column>.+?) of (?P<source>.+)", "engine.what.reading_column"),
    (r"counting the cleaned orders of (?P<source>.+)", "engine.what.counting_orders"),
    (r"reading the cleaned segments of (?P<source>.+)", "engine.what.reading_segments"),
    (r"reading the cleaned orders of (?P<source>.+)", "engine.what.reading_orders"),
)


def _doing(what: str) -> Msg | str:
    for pattern, key in STEPS:
        found = re.fullmatch(pattern, what)
        if found:
            return Msg(key, what, **found.groupdict())
    return what


def double(value: float):
    """A float64 constant every engine types as a double (Spark reads a bare `0.0` as DECIMAL(1,1), which then
    fails a UNION with a double column)."""
    import ibis

    return ibis.literal(repr(float(value))).cast("float64")


#: Spend is summed as an exact decimal (micro-units of the currency), then read back as float64: a float sum's
#: result depends on the order of its terms, which the engine's threads vary from run to run, so the same data
#: could give a customer's mean spend 66.105 + or - 1e-13 and round to 66.11 in one run and 66.10 in the next.
#: 18 digits (amounts below 10^12) keep DuckDB's sums on 64-bit integers: as fast as the float sum on 10M orders,
#: where 38 digits cost a quarter more.
MONEY = "decimal(18, 6)"


def money_sum(column, where=None):
    """Sum of a spend column (over the rows where `where` holds), the same to the last bit in every run and on
    every backend."""
    return column.cast(MONEY).sum(where=where).cast("float64")


def money_total(column):
    """`money_sum` kept as a `MONEY` decimal, for a table whose spend later sums read again (the per-day spend of
    `EngineOrders.days`): summing it again needs no float -> decimal re-cast, and nothing is rounded in between.
    Each total must stay below 10^12, as each amount must."""
    return column.cast(MONEY).sum().cast(MONEY)


def count_if(condition):
    """Number of rows where `condition` holds (portable: PostgreSQL cannot cast booleans to integers)."""
    import ibis

    return ibis.cases((condition, 1), else_=0).sum()


def cache(expr, engine: str):
    """Materialise `expr` in the engine so later queries reuse it: a temporary table (Spark: its cache), or, on the
    scratch database of a large local file, a table of that file (DuckDB writes it compressed to disk, where a
    temporary table would stay uncompressed in memory and spill as is: at 100M rows, tens of GB of spill). The
    lazy expression when the engine does not allow it (e.g. no right to create temporary tables)."""
    try:
        backend = expr._find_backend()
        if getattr(backend, SCRATCH, False):
            return backend.create_table(f"clv_step_{next(_names)}", expr)
        return expr.cache()
    except Exception:  # noqa: BLE001 - caching is an optimisation only
        return expr

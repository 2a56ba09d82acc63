"""Every params rule means the same on every backend; where a backend cannot apply one, the run stops with one line
naming the rule and the backend, before any cleaning. Nothing is skipped in silence.

What each `data:` key means for data that an engine reads (a table or query, or a large local file DuckDB reads
from disk), and where it stops:

* the cleaning rules (`drop_exact_duplicates`, `email_fallback`, `exclude_statuses`, `refund_statuses`,
  `fx_rates`, `start_date`, `billing_interval_months`, `min_customers`) and the client's `timezone` are the one
  Ibis implementation, applied by DuckDB, PostgreSQL and Spark alike (tests/test_conformance.py); identical rows
  are compared on every column, columns without an equality of their own (JSON, maps, arrays, structs) as text;
* `decimal`: amounts stored as text are read with that mark on every backend (`values.Reader`);
* `dayfirst`: a backend reads dates stored as text only in ISO 8601 (`2024-03-05`); when such a column holds
  dates written day or month first (`05/03/2024`), the run stops (`check_dayfirst`) rather than read them
  otherwise than the params say;
* the keys that say how to read a file (`format`, `sheet`, `delimiter`, `encoding`, `header`) have no meaning for a
  table or a query, whose columns are already typed: the run stops naming the key (`check_table_keys`); `path`
  together with `table`/`sql` is ambiguous and stops too;
* a large CSV file read by DuckDB (`file_csv_options`): `delimiter`, `decimal` and `header: false` are passed to
  DuckDB's reader; `encoding` is applied when DuckDB reads it (UTF-8, UTF-16, Latin-1) and stops otherwise.
"""

from __future__ import annotations

from clv_lib.data.engines.query import count_if, run
from clv_lib.exceptions import EngineError, Msg

FILE_KEYS = ("format", "sheet", "delimiter", "encoding", "header")
#: Encodings DuckDB's CSV reader decodes itself (Python's names -> DuckDB's).
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "utf_8": "utf-8", "utf-16": "utf-16",
                    "utf16": "utf-16", "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1",
                    "iso8859-1": "latin-1"}
#: A date written day or month first (05/03/2024, 5.3.24, 05-03-2024 14:00): what `dayfirst` decides.
NUMERIC_DATE = r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}"
DATE_COLUMNS = ("order_date", "start_date", "end_date", "trial_end")


def check_table_keys(spec, engine: str) -> None:
    """A table or query: no key that only says how to read a file, and not both a file and a table."""
    if spec.path and (spec.table or spec.sql):
        what = "table" if spec.table else "sql"
        raise EngineError(key="engine.path_and_table", engine=engine, path=spec.path, what=what)
    for key in FILE_KEYS:
        value = getattr(spec, key)
        if value is not None and not (key == "header" and value is True):
            raise EngineError(key="engine.file_key", engine=engine, key_name=key, value=value, what=_what(spec))


def check_dayfirst(spec, raw, mapping, reader, source) -> None:
    """`dayfirst` given and a date column stored as text holding dates written day or month first: stop, naming
    the rule, the backend, the column and how many rows (one aggregate query per such column)."""
    if spec.dayfirst is None:
        return
    for canon in DATE_COLUMNS:
        header = mapping.get(canon)
        if not header or not raw[header].type().is_string():
            continue
        text = reader.strip(raw[header])
        written = text.re_search(NUMERIC_DATE)
        got = run(raw.aggregate(n=count_if(written), e=text.min(where=written)), source.engine,
                  f"reading column {header} of {source.display}").iloc[0]
        if int(got["n"] or 0):
            raise EngineError(key="engine.dayfirst", engine=source.engine, column=header, source=source.display,
                              rows=int(got["n"]), example=got["e"])


def file_csv_options(spec, display: str) -> dict:
    """DuckDB `read_csv` options carrying the params of a large CSV file (see the module docstring)."""
    options = {}
    if spec.delimiter:
        options["delim"] = spec.delimiter
    if spec.decimal == ",":
        options["decimal_separator"] = ","
    if spec.header is False:
        options["header"] = False
    if spec.encoding:
        name = DUCKDB_ENCODINGS.get(spec.encoding.strip().lower().replace("_", "-"))
        if name is None:
            raise EngineError(key="engine.duckdb_encoding", encoding=spec.encoding, file=display)
        options["encoding"] = name
    return options


def positional_names(raw):
    """A file without a header row, read by DuckDB (`column0`, ...): columns named as the file path names them
    (`column_1`, ...), which the params' 1-based positions map to."""
    return raw.rename({f"column_{i + 1}": c for i, c in enumerate(raw.columns)})


def comparable(column):
    """A column as identical rows are compared: as it is, or as text for types without an equality on every
    backend (PostgreSQL's json, Spark's maps; arrays and structs alike)."""
    dtype = column.type()
    if dtype.is_json() or dtype.is_map() or dtype.is_array() or dtype.is_struct() or dtype.is_unknown():
        return column.cast("string")
    return column


def _what(spec) -> Msg:
    return Msg("engine.the_table", table=spec.table) if spec.table else Msg("engine.the_sql_result")

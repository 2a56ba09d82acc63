"""Connect to the engine that holds a client's data, through Ibis, without ever showing the connection URL.

The params name an environment variable (`data.connection_env`), never the URL: `connection_url(spec)` reads it,
`connect(spec)` opens the Ibis backend, and `open_table(con, spec)` returns the table (or the `sql:` query) as a
lazy Ibis expression. Every failure becomes an `EngineError` with one line naming the engine, the table and, where
it applies, the column, in the client's language (keys `engine.*` of clv_lib/errors.yaml); the URL, its user and
its password never appear in a message (`describe_failure` keeps only a short reason such as "connection refused"
or "authentication failed").

URLs, by engine:

* ``postgres``: ``postgresql://user:password@host:5432/database`` (psycopg);
* ``spark``: the Spark master, e.g. ``local[2]`` or ``spark://host:7077``, or ``sc://host:15002`` for Spark
  Connect; tables are read from the session's catalog (``schema.table``);
* ``duckdb``: a database file (``duckdb:///path/to/file.duckdb`` or a plain path); without `connection_env` an
  in-memory database, useful with `sql:` over files (``select * from read_parquet('orders/*.parquet')``);
* any other Ibis backend through its URL (``bigquery://project/dataset``, ``snowflake://...``,
  ``trino://...``): the scheme chooses the backend (`engine` names it in messages).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional

from clv_lib.exceptions import EngineError, Msg

#: Low-level error text -> the short reason shown to the user, a key `engine.reason.*` of clv_lib/errors.yaml
#: (first match wins; matched case-insensitively).
REASONS = (
    ("password authentication failed", "authentication"),
    ("authentication failed", "authentication"),
    ("connection refused", "refused"),
    ("could not translate host name", "unknown_host"),
    ("name or service not known", "unknown_host"),
    ("timeout", "timed_out"),
    ("timed out", "timed_out"),
    ("does not exist", "does_not_exist"),
    ("permission denied", "permission"),
    ("no pg_hba.conf entry", "hba"),
    ("no such file or directory", "no_file"),
)


def table_label(spec):
    """How messages name the data: the table name, or "sql query" (in the message's language) for `sql:`."""
    return spec.table if spec.table else Msg("engine.sql_query")


def source_label(spec) -> str:
    """"postgres table sales.orders" / "duckdb sql query": the data's name in ledgers and messages."""
    return f"{spec.engine} {'table ' + spec.table if spec.table else 'sql query'}"


def connection_url(spec, environ=None) -> Optional[str]:
    """The URL held by the variable `spec.connection_env`; None for DuckDB without a variable (in memory).

    Raises EngineError saying which variable to set when it is unset or empty.
    """
    environ = os.environ if environ is None else environ
    name = spec.connection_env
    if not name:
        if spec.engine == "duckdb":
            return None
        raise EngineError(key="engine.no_connection_env", engine=spec.engine)
    url = environ.get(name, "").strip()
    if not url:
        raise EngineError(key="engine.env_not_set", engine=spec.engine, name=name, example=_example(spec.engine))
    return url


def missing_connection(spec, environ=None) -> Optional[str]:
    """The name of the connection variable when the params need one that is unset (for skipping in batches)."""
    environ = os.environ if environ is None else environ
    name = spec.connection_env
    if spec.path or not name:
        return None
    return None if environ.get(name, "").strip() else name


def _example(engine: str) -> str:
    return {"postgres": "postgresql://user:password@host:5432/database", "spark": "local[2]",
            "duckdb": "duckdb:///path/to/file.duckdb"}.get(engine, f"{engine}://...")


def describe_failure(exc: BaseException) -> Msg | str:
    """A short reason for a low-level failure that cannot leak the URL: a known phrase (a catalogue piece, shown in
    the message's language), else the error's class."""
    text = str(exc).lower()
    for needle, reason in REASONS:
        if needle in text:
            return Msg(f"engine.reason.{reason}")
    return type(exc).__name__


def connect(spec, environ=None):
    """Open the Ibis backend of `spec.engine` with the URL in `spec.connection_env` (DuckDB: in memory without
    one). Raises EngineError (engine, table, short reason; never the URL) when it cannot connect."""
    url = connection_url(spec, environ)
    try:
        return _open(spec.engine, url, spec.connection_env)
    except EngineError:
        raise
    except ImportError as exc:
        raise EngineError(key="engine.driver_missing", engine=spec.engine, module=exc.name) from None
    except Exception as exc:  # noqa: BLE001 - any driver error is translated, without its text (it holds the URL)
        raise EngineError(key="engine.cannot_connect", engine=spec.engine, table=table_label(spec),
                          reason=describe_failure(exc), env=spec.connection_env) from None


def _open(engine: str, url: Optional[str], env: Optional[str] = None):
    import ibis

    if engine == "duckdb":
        if url is None:
            return ibis.duckdb.connect()
        path = url.removeprefix("duckdb://") if url.startswith("duckdb://") else url
        if path and path != ":memory:" and not path.startswith(("md:", "motherduck:")) and not Path(path).exists():
            # DuckDB would create an empty database there, and the run would then stop on a missing table
            raise EngineError(key="engine.duckdb_file_missing", file=Path(path).name, env=env)
        return ibis.duckdb.connect(path or ":memory:")
    if engine == "spark":
        return ibis.pyspark.connect(spark_session(url))
    if engine == "postgres":
        url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgres://", url)
        con = ibis.connect(url)
        con.raw_sql("SELECT 1")  # fail here, not in the middle of the cleaning
        return con
    return ibis.connect(url)


def spark_session(master: str):
    """The active Spark session, or a new one on `master` (``local[2]``, ``spark://...``; ``sc://`` = Connect)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("clv-report")
    if master.startswith("sc://"):
        return builder.remote(master).getOrCreate()
    builder = (builder.master(master).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false").config("spark.sql.session.timeZone", "UTC"))
    local = re.fullmatch(r"local(?:\[(\d+|\*)\])?", master.strip())
    if local:  # one machine: Spark's 200 shuffle partitions per query would be 200 tiny tasks each time
        cores = os.cpu_count() or 2 if local.group(1) in (None, "*") else int(local.group(1))
        builder = builder.config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_table(con, spec):
    """The client's table (``name``, ``schema.name`` or ``catalog.schema.name``) or `sql:` query as a lazy Ibis
    table. EngineError naming the engine and the table when it does not exist or the query fails."""
    try:
        if spec.sql:
            return con.sql(spec.sql)
        parts = spec.table.split(".")
        name = parts[-1]
        database = None if len(parts) == 1 else parts[0] if len(parts) == 2 else tuple(parts[:-1])
        return con.table(name, database=database)
    except Exception as exc:  # noqa: BLE001 - translated at the boundary
        if spec.sql:
            raise EngineError(key="engine.sql_failed", engine=spec.engine, reason=describe_failure(exc),
                              detail=_first_line(exc)) from None
        raise EngineError(key="engine.table_not_found", engine=spec.engine, table=spec.table,
                          reason=describe_failure(exc)) from None


def _first_line(exc: BaseException) -> str:
    """The first line of a query error (the engine's own words on the SQL; no connection details are in it)."""
    line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    line = re.sub(r"\w+://\S+", "<url>", line)
    return re.sub(r"(?i)\b(password|user|host)\s*=\s*\S+", r"\1=<hidden>", line)[:200]

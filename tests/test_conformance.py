"""Conformance: the one Ibis implementation of the data path gives the same answers on DuckDB, PostgreSQL and
Spark, on tables that hypothesis generates rather than on a few fixtures.

Each example is a table of orders (or subscriptions) drawn with the mess real exports have: exact duplicate rows,
refunds (negative amounts, refund statuses, a refunded-amount column), cancelled / test / trial statuses, missing
customer ids with or without an e-mail, line items sharing an order id, foreign currencies (with a rate), values
as typed columns or as text (ISO dates with and without a zone, garbage, empty cells), free trials, dates after
the observation end, and `drop_exact_duplicates` true and false. The same table is written to an embedded DuckDB
database, a real PostgreSQL server (started for this module) and Spark `local[2]` (one session for the module),
each loaded with `engine:` params, and every answer of the data path is compared:

* the ledger (every rule's rows, revenue and example rows, and the read / kept totals);
* orders: the RFM summary, the calibration/holdout split, customer histories, holdout tracking, the monthly KPIs,
  the lapse threshold, monthly lapse churn, the period KPIs and the cohort cells;
* subscriptions: the cleaned segments, the MRR bridge, revenue retention, customer movements, current MRR, the
  monthly and period KPIs and the cohort cells.

An answer is either a value or a domain error (a table with nothing usable must stop the same way everywhere).
The examples are few and derandomised (`CLV_CONFORMANCE_EXAMPLES`, default 6 per kind), so the suite stays fast
and a failure reproduces; raise the count to search harder, e.g. ``CLV_CONFORMANCE_EXAMPLES=200``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
import os
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st
from system_tools import missing

from clv_lib.data import load_client_data
from clv_lib.exceptions import ClvError
from clv_lib.insights import source_kpis as K
from clv_lib.params.schema import ClientParams
from clv_lib.summary.sources import order_source, subscription_source
from engines import pg_binary, postgres_server

END = pd.Timestamp("2025-12-31")
CAL = pd.Timestamp("2025-03-31")
VAR = "CLV_CONFORMANCE_URL"
ENGINES = ("duckdb", "postgres", "spark")
SQL = ("duckdb", "postgres")
EXAMPLES = int(os.environ.get("CLV_CONFORMANCE_EXAMPLES", "8"))
#: Spark answers a query of a few rows in seconds (planning, code generation), so it sees fewer examples.
SPARK_EXAMPLES = int(os.environ.get("CLV_CONFORMANCE_SPARK_EXAMPLES", "1"))
_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=_HEALTH)
SPARK_SETTINGS = settings(SETTINGS, max_examples=SPARK_EXAMPLES)
pytestmark = [pytest.mark.filterwarnings("ignore:The 'future.infer_string' option"),
              pytest.mark.filterwarnings("ignore:fetch_arrow_table")]
_names = itertools.count()


# ---------------------------------------------------------------------------------------------- engines
class Engines:
    """One DuckDB database file, one PostgreSQL server and one Spark session (started on first use); `put` writes
    a table to each."""

    def __init__(self, folder, postgres_url: str):
        import ibis

        self.folder, self.duckdb_path = folder, folder / "tables.duckdb"
        self.urls = {"duckdb": f"duckdb://{self.duckdb_path}", "postgres": postgres_url, "spark": "local[2]"}
        self.pg = ibis.connect(postgres_url.replace("postgresql://", "postgres://"))
        self._session = None

    @property
    def session(self):
        if self._session is None:
            if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
                missing("Java not found: Spark's local mode needs a JRE (openjdk-17-jre-headless; .ci/run installs it)")
            from pyspark.sql import SparkSession

            self._session = (
                SparkSession.builder.master("local[2]").appName("clv-conformance")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "2").config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.warehouse.dir", str(self.folder / "warehouse"))
                .config("spark.driver.memory", "1g").getOrCreate())
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def put(self, name: str, table: pa.Table, which: tuple = ENGINES) -> None:
        import ibis

        con = ibis.duckdb.connect(str(self.duckdb_path))
        con.create_table(name, table, overwrite=True)
        con.disconnect()
        self.pg.create_table(name, table, overwrite=True)
        if "spark" in which:
            self.session.createDataFrame(table.to_pylist(), schema=_spark_schema(table.schema)) \
                .createOrReplaceTempView(name)

    def close(self) -> None:
        if self._session is not None:
            self._session.stop()


def _spark_schema(schema: pa.Schema):
    from pyspark.sql import types as T

    kinds = {pa.string(): T.StringType(), pa.float64(): T.DoubleType(), pa.date32(): T.DateType(),
             pa.timestamp("us"): T.TimestampNTZType()}  # a wall-clock time, as PostgreSQL's TIMESTAMP
    return T.StructType([T.StructField(f.name, kinds[f.type], True) for f in schema])


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    if not pg_binary("initdb"):
        missing("PostgreSQL server programs not found: install the postgresql package (.ci/run does)")
    with postgres_server() as url:
        engines = Engines(tmp_path_factory.mktemp("conformance"), url)
        yield engines
        gc.collect()  # the engines' cached tables go while the server still runs
        engines.close()


# ---------------------------------------------------------------------------------------------- order tables
DAYS = pd.date_range("2023-01-01", "2026-01-31", freq="D")
CUSTOMERS = ["C1", "C2", " C3 ", "C4", "c1", "C5", "TOTALE", None]
EMAILS = ["a@x.example", "B@X.example", "c@x.example", None]
ORDERS = ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", "O9", None, None, None]
STATUSES = ["paid"] * 6 + ["Paid", "cancelled", "Annullato", "refunded", "reso", "test", "pending", "", None]
CURRENCIES = ["EUR", "EUR", "usd", "USD", None]
CHANNELS = ["email", "ads", "Organic", None]


def _day_text(draw, index: int) -> str | None:
    """An order or subscription date as an export writes it: ISO day, day and time, UTC instant, junk, empty."""
    day = DAYS[index]
    kind = draw(st.sampled_from(["day"] * 5 + ["time", "zulu", "offset", "junk", "empty"]))
    if kind == "day":
        return day.strftime("%Y-%m-%d")
    if kind == "time":
        return (day + pd.Timedelta(minutes=draw(st.integers(0, 1439)))).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "zulu":  # late evening UTC is the next day in Rome
        return (day + pd.Timedelta(minutes=draw(st.integers(1320, 1439)))).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "offset":
        return (day + pd.Timedelta(minutes=draw(st.integers(0, 59)))).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    return draw(st.sampled_from(["31/02/2024", "not a date", "2024-13-01"])) if kind == "junk" else None


def _amount_text(value: float | None, draw) -> str | None:
    if value is None:
        return draw(st.sampled_from([None, "", "n/a"]))
    return f"{value:.2f}" if draw(st.booleans()) else f" {value:g} "


@st.composite
def order_tables(draw):
    """(an Arrow table of orders, its column mapping, the `data:` params) with the mess of real exports."""
    typed = draw(st.booleans())  # typed columns (DATE, DOUBLE) or the export's text
    refunded_column = draw(st.booleans())
    n = draw(st.integers(4, 28))
    rows = []
    for _ in range(n):
        day = draw(st.integers(0, len(DAYS) - 1))
        amount = draw(st.sampled_from([None, 0.0, -15.5, 10.0, 19.99, 1.0]) | st.integers(1, 30000).map(
            lambda c: c / 100) | st.integers(1, 30000).map(lambda c: c / 100) | st.integers(-3000, 0).map(
            lambda c: c / 100))
        row = {"cust": draw(st.sampled_from(CUSTOMERS)), "email": draw(st.sampled_from(EMAILS)),
               "oid": draw(st.sampled_from(ORDERS)), "status": draw(st.sampled_from(STATUSES)),
               "currency": draw(st.sampled_from(CURRENCIES)), "channel": draw(st.sampled_from(CHANNELS))}
        if typed:
            row["day"] = None if draw(st.integers(0, 19)) == 0 else DAYS[day].date()
            row["total"] = amount
        else:
            row["day"] = _day_text(draw, day)
            row["total"] = _amount_text(amount, draw)
        if refunded_column:
            row["refunded"] = draw(st.sampled_from([None, None, 0.0, 5.0, 10.0, 500.0]))
        rows.append(row)
    rows += [dict(rows[i]) for i in draw(st.lists(st.integers(0, n - 1), max_size=4))]  # exact duplicates
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    types = {"cust": pa.string(), "email": pa.string(), "oid": pa.string(), "status": pa.string(),
             "currency": pa.string(), "channel": pa.string(), "day": pa.date32() if typed else pa.string(),
             "total": pa.float64() if typed else pa.string()}
    if refunded_column:
        types["refunded"] = pa.float64()
    table = pa.table({c: pa.array([r[c] for r in rows], type=t) for c, t in types.items()})
    columns = {"customer_id": "cust", "email": "email", "order_id": "oid", "order_date": "day", "amount": "total",
               "status": "status", "currency": "currency", "channel": "channel"}
    if refunded_column:
        columns["refunded_amount"] = "refunded"
    data = {"columns": columns, "fx_rates": {"USD": 0.9}, "min_customers": 1,
            "drop_exact_duplicates": draw(st.booleans()), "email_fallback": draw(st.booleans())}
    if draw(st.booleans()):
        data["start_date"] = "2023-06-01"
    if draw(st.integers(0, 3)) == 0:
        data["exclude_statuses"] = ["cancelled", "pending"]
    if draw(st.integers(0, 3)) == 0:
        data["refund_statuses"] = ["reso"]
    return table, data


# ---------------------------------------------------------------------------------------------- subscriptions
PLANS = ["Starter", "Pro", "Business", None]
INTERVALS = ["month", "Monthly", "year", "annual", "quarterly", "fortnight", None]
SUB_STATUSES = ["active", "canceled", "Trialing", "test", "incomplete", "", None]


@st.composite
def subscription_tables(draw):
    """(an Arrow table of subscription rows, the `data:` params): plan changes, churn, reactivations, trials."""
    typed = draw(st.booleans())
    trials = draw(st.booleans())
    n = draw(st.integers(4, 24))
    rows = []
    for _ in range(n):
        start = draw(st.integers(0, len(DAYS) - 40))
        length = draw(st.one_of(st.none(), st.integers(-5, 900)))
        end = None if length is None else min(start + length, len(DAYS) - 1)
        price = draw(st.one_of(st.none(), st.sampled_from([0.0, -29.0, 29.0, 79.0, 790.0]),
                               st.integers(100, 50000).map(lambda c: c / 100)))
        row = {"acct": draw(st.sampled_from(CUSTOMERS[:-2] + [None])), "email": draw(st.sampled_from(EMAILS)),
               "sub": draw(st.sampled_from(["s1", "s2", "s3", "s4", "s5", None])),
               "plan": draw(st.sampled_from(PLANS)), "interval": draw(st.sampled_from(INTERVALS)),
               "status": draw(st.sampled_from(SUB_STATUSES)), "currency": draw(st.sampled_from(CURRENCIES)),
               "channel": draw(st.sampled_from(CHANNELS))}
        if typed:
            row["started"] = DAYS[start].date()
            row["ended"] = None if end is None else DAYS[end].date()
            row["price"] = price
        else:
            row["started"] = _day_text(draw, start)
            row["ended"] = None if end is None else _day_text(draw, end)
            row["price"] = _amount_text(price, draw)
        if trials:
            row["trial"] = (None if draw(st.booleans()) else
                            DAYS[min(start + draw(st.integers(-3, 60)), len(DAYS) - 1)].date())
        rows.append(row)
    rows += [dict(rows[i]) for i in draw(st.lists(st.integers(0, n - 1), max_size=3))]
    rows = [rows[i] for i in draw(st.permutations(range(len(rows))))]
    text = pa.string()
    types = {"acct": text, "email": text, "sub": text, "plan": text, "interval": text, "status": text,
             "currency": text, "channel": text, "started": pa.date32() if typed else text,
             "ended": pa.date32() if typed else text, "price": pa.float64() if typed else text}
    if trials:
        types["trial"] = pa.date32()
    table = pa.table({c: pa.array([r[c] for r in rows], type=t) for c, t in types.items()})
    columns = {"customer_id": "acct", "email": "email", "subscription_id": "sub", "plan": "plan",
               "billing_interval": "interval", "status": "status", "currency": "currency", "channel": "channel",
               "start_date": "started", "end_date": "ended", "amount": "price"}
    if trials:
        columns["trial_end"] = "trial"
    data = {"columns": columns, "fx_rates": {"USD": 0.9}, "min_customers": 1,
            "drop_exact_duplicates": draw(st.booleans()), "email_fallback": draw(st.booleans()),
            "billing_interval_months": {"fortnight": 0.5} if draw(st.booleans()) else {}}
    if draw(st.integers(0, 3)) == 0:
        data["start_date"] = "2024-01-01"
    return table, data


# ---------------------------------------------------------------------------------------------- answers
def params_for(kind: str, engine: str, table: str, data: dict) -> ClientParams:
    spec = {**data, "engine": engine, "connection_env": VAR, "table": table}
    return ClientParams(client_name="Conformance", currency="EUR", timezone="Europe/Rome",
                        business_model="subscription" if kind == "subscriptions" else "transactional", data=spec)


def outcome(compute):
    """A value, or the domain error it stops with (its message without the engine's name)."""
    try:
        return compute()
    except ClvError as exc:
        message = str(exc)
        for engine in ENGINES:
            message = message.replace(f"{engine} table", "<engine> table")
        return ("error", type(exc).__name__, message)


def order_answers(data) -> dict:
    source = order_source(data)
    out = {"summary": outcome(lambda: source.summary(END, "D")),
           "summary_weeks": outcome(lambda: source.summary(END, "W")),
           "holdout": outcome(lambda: source.holdout(CAL, END, "W")),
           "history": outcome(lambda: source.history(END)),
           "tracking": outcome(lambda: source.tracking(CAL, END)),
           "monthly": outcome(lambda: K.monthly_kpis(source, END)),
           "cohorts": outcome(lambda: source.cohort_cells(END)),
           "cohorts_by_channel": outcome(lambda: source.cohort_cells(END, by="channel")),
           "lapse": outcome(lambda: K.lapse(source, END, min_repeat_purchases=2))}
    rule = out["lapse"]
    if not isinstance(rule, tuple):
        out["churn"] = outcome(lambda: K.churn(source, END, rule.days))
        out["period"] = outcome(lambda: K.period_kpis(source, END, period_start=pd.Period("2025-01", "M"),
                                                      lapse_rule=rule))
        out["period_email"] = outcome(lambda: K.period_kpis(source.restrict("email"), END,
                                                            period_start=pd.Period("2025-01", "M"), lapse_rule=rule))
        out["period_by_channel"] = outcome(lambda: K.period_kpis_by_channel(
            source, END, period_start=pd.Period("2025-01", "M"), lapse_rule=rule))
        if isinstance(out["period_by_channel"], dict) and not isinstance(out["period_email"], tuple):
            assert_same(out["period_email"], out["period_by_channel"]["email"], "period_by_channel[email]")
    return out


def subscription_answers(data) -> dict:
    source = subscription_source(data)
    return {"segments": data.frame,
            "bridge": outcome(lambda: source.bridge(END)),
            "retention": outcome(lambda: source.retention(END)),
            "retention_3": outcome(lambda: source.retention(END, 3)),
            "changes": outcome(lambda: source.changes(END)),
            "current_mrr": outcome(lambda: source.current_mrr(END)),
            "current_mrr_past": outcome(lambda: source.current_mrr(END, pd.Period("2025-06", "M"))),
            "monthly": outcome(lambda: K.subscription_monthly(source, END)),
            "period": outcome(lambda: K.subscription_period(source, END)),
            "period_2025": outcome(lambda: K.subscription_period(source, END, period_start=pd.Period("2025-01", "M"))),
            "cohorts": outcome(lambda: source.cohort_cells(END))}


def note(text: str) -> None:
    if currently_in_test_context():
        event(text)


def answers(kind: str, engines: Engines, table: pa.Table, data: dict, monkeypatch,
            which: tuple = ENGINES, loads: bool = False) -> dict[str, dict]:
    """The answers of each engine in `which` for `table` loaded with the `data:` params; with `loads`, only tables
    that load (the first engine's load stops: the example is rejected, hypothesis draws another)."""
    name = f"t{next(_names)}_{kind}"
    engines.put(name, table, which)
    out = {}
    for engine in which:
        monkeypatch.setenv(VAR, engines.urls[engine])
        loaded = outcome(lambda: load_client_data(params_for(kind, engine, name, data), END))
        if isinstance(loaded, tuple):
            out[engine] = {"load": loaded}
            note(f"{kind}: the load stops ({loaded[1]})")
            assume(not loads)
            continue
        note(f"{kind}: {loaded.ledger.rows_kept} of {loaded.ledger.rows_read} rows kept")
        ledger = loaded.ledger
        assert ledger.rows_read == ledger.rows_kept + ledger.rows_removed == table.num_rows
        result = {"ledger": ledger.to_frame(), "rows": (ledger.rows_read, ledger.rows_kept)}
        result.update(order_answers(loaded) if kind == "orders" else subscription_answers(loaded))
        out[engine] = result
    return out


def assert_same(a, b, where: str) -> None:
    """Two answers are equal: frames and series to 1e-9 relative, KPI dataclasses field by field."""
    close = dict(check_exact=False, rtol=1e-9, atol=1e-9)
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where, **close)
    elif isinstance(a, pd.Series) and isinstance(b, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=where, **close)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key}]")
    elif dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-9, nan_ok=True), where
    elif isinstance(a, (pd.Period, pd.Timestamp)) or a is None:
        assert a == b or (pd.isna(a) and pd.isna(b)), where
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


def assert_conform(results: dict[str, dict], table: pa.Table, data: dict) -> None:
    base = results["duckdb"]
    for engine in [e for e in results if e != "duckdb"]:
        other = results[engine]
        context = f"{engine} vs duckdb on {table.num_rows} rows, params {data}"
        assert sorted(other) == sorted(base), context
        for key in base:
            assert_same(base[key], other[key], f"{key} ({context})")


# ---------------------------------------------------------------------------------------------- tests
@SETTINGS
@given(example=order_tables())
def test_orders_conform_on_duckdb_and_postgres(engines, monkeypatch, example):
    table, data = example
    assert_conform(answers("orders", engines, table, data, monkeypatch, SQL), table, data)


@SETTINGS
@given(example=subscription_tables())
def test_subscriptions_conform_on_duckdb_and_postgres(engines, monkeypatch, example):
    table, data = example
    assert_conform(answers("subscriptions", engines, table, data, monkeypatch, SQL), table, data)


@SPARK_SETTINGS
@given(example=order_tables())
def test_orders_conform_on_spark(engines, monkeypatch, example):
    table, data = example
    assert_conform(answers("orders", engines, table, data, monkeypatch, loads=True), table, data)


@SPARK_SETTINGS
@given(example=subscription_tables())
def test_subscriptions_conform_on_spark(engines, monkeypatch, example):
    table, data = example
    assert_conform(answers("subscriptions", engines, table, data, monkeypatch, loads=True), table, data)


def test_a_generated_table_reaches_the_rules(engines, monkeypatch):
    """The generator is not vacuous: a fixed draw of each kind hits the rules the conformance is about."""
    rows = [
        {"cust": "C1", "email": "a@x.example", "oid": "O1", "status": "paid", "currency": "EUR", "channel": "ads",
         "day": "2024-03-05", "total": "100.00"},
        {"cust": "C1", "email": "a@x.example", "oid": "O1", "status": "paid", "currency": "EUR", "channel": "ads",
         "day": "2024-03-05", "total": "100.00"},  # exact duplicate
        {"cust": "C1", "email": "a@x.example", "oid": "O1", "status": "refunded", "currency": "EUR",
         "channel": "ads", "day": "2024-03-09", "total": "-30"},  # refund of O1
        {"cust": None, "email": "a@x.example", "oid": "O2", "status": "paid", "currency": "usd", "channel": None,
         "day": "2024-04-30T23:30:00Z", "total": "50"},  # id from the e-mail, USD, Rome's next day
        {"cust": "C2", "email": None, "oid": "O3", "status": "cancelled", "currency": None, "channel": "email",
         "day": "2024-05-01", "total": "20"},
        {"cust": "C2", "email": None, "oid": "O4", "status": "test", "currency": None, "channel": "email",
         "day": "garbage", "total": "20"},
        {"cust": "TOTALE", "email": None, "oid": None, "status": None, "currency": None, "channel": None,
         "day": None, "total": "190"},
        {"cust": "C2", "email": None, "oid": "O5", "status": "paid", "currency": None, "channel": "email",
         "day": "2025-02-01", "total": "80"},
        {"cust": "C2", "email": None, "oid": "O5", "status": "paid", "currency": None, "channel": "email",
         "day": "2025-02-01", "total": None},  # a line item without its own total
    ]
    table = pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in rows[0]]))
    columns = {"customer_id": "cust", "email": "email", "order_id": "oid", "order_date": "day", "amount": "total",
               "status": "status", "currency": "currency", "channel": "channel"}
    for drop in (True, False):
        data = {"columns": columns, "fx_rates": {"USD": 0.9}, "min_customers": 1, "drop_exact_duplicates": drop,
                "email_fallback": True}
        results = answers("orders", engines, table, data, monkeypatch, SQL)
        assert_conform(results, table, data)
        ledger = results["duckdb"]["ledger"].set_index("rule")
        rules = set(ledger.index)
        assert {"totals or summary row (not an order)", "unparsable or missing date", "cancelled order (status)",
                "customer id taken from the e-mail", "converted from USD to EUR at 0.9",
                "line item without an amount of its own (its order's total is on another row)"} <= rules
        assert ("exact duplicate row" in rules) is drop
        assert ledger.loc["customer id taken from the e-mail", "example_rows"] == "- / O2"  # a table row is named by its key columns
        history = results["postgres"]["history"]
        assert history.loc["C1", "orders"] == 2  # O1 and O2 (the e-mail's customer), on their own days
        assert history.loc["C1", "first_order"] == pd.Timestamp("2024-03-05")
        assert history.loc["C1", "last_order"] == pd.Timestamp("2024-05-01")  # 23:30 UTC = 01:30 in Rome
        revenue_c1 = (100 - 30) + 50 * 0.9 + (0 if drop else 100)
        assert history.loc["C1", "revenue"] == pytest.approx(revenue_c1)


# ---------------------------------------------------------------------------------------------- params rules
TEXT_ORDERS = pa.table({
    "cust": ["C1", "C1", "C2", "C2", "C3", "C3", "C4", "C4"],
    "day": ["2024-01-05", "2024-02-05", "2024-01-07", "2024-03-01", "2024-02-02", "2024-05-02", "2024-04-04",
            "2024-06-04"],
    "total": ["1.234,56", "€ 12,50", "1.234.567,8", "(3,00)", "7", "12,5 EUR", "abc", " 99,90 "],
})
TEXT_COLUMNS = {"customer_id": "cust", "order_date": "day", "amount": "total"}


def text_params(engine: str | None, table: str | None = None, **data) -> ClientParams:
    spec = {"columns": TEXT_COLUMNS, "min_customers": 1, **data}
    spec.update({"engine": engine, "connection_env": VAR, "table": table} if engine else {})
    return ClientParams(client_name="Text", currency="EUR", timezone="Europe/Rome", business_model="transactional",
                        data=spec)


@pytest.mark.parametrize("engine", SQL)
def test_decimal_mark_of_amounts_stored_as_text_is_the_file_paths(engine, engines, monkeypatch, tmp_path):
    """params `decimal: ","` on a table whose amounts are text ('1.234,56', '€ 12,50', '(3,00)', '12,5 EUR'):
    every backend reads them as the file path reads the same cells from a CSV (the cleaned orders and the
    ledger's rows and revenue)."""
    path = tmp_path / "orders.csv"
    TEXT_ORDERS.to_pandas().to_csv(path, index=False, sep=";")
    memory = load_client_data(text_params(None, path=str(path), decimal=","), END)
    name = f"t{next(_names)}_text"
    engines.put(name, TEXT_ORDERS, SQL)
    monkeypatch.setenv(VAR, engines.urls[engine])
    data = load_client_data(text_params(engine, name, decimal=","), END)
    pd.testing.assert_frame_equal(memory.frame.drop(columns="order_id"), data.frame.drop(columns="order_id"))
    assert sorted(data.frame["amount"]) == pytest.approx([7.0, 12.5, 12.5, 99.9, 1234.56, 1234564.8])
    a, b = (d.ledger.to_frame().drop(columns="example_rows") for d in (memory, data))
    pd.testing.assert_frame_equal(a, b)
    assert b.set_index("rule").loc["unparsable or missing amount", "rows"] == 1  # 'abc'
    assert b.set_index("rule").loc["refund netted into the customer's latest earlier order", "rows"] == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rule_the_backend_cannot_apply_stops_with_one_line(engine, engines, monkeypatch):
    """`dayfirst` on dates stored as text written day first ('05/03/2024'): no backend reads them so, and the run
    stops naming the rule, the backend, the column and the rows, before any cleaning; without the rule the same
    table loads, its unreadable dates counted by the ledger."""
    table = pa.table({"cust": ["C1", "C2", "C3"], "day": ["05/03/2024", "2024-03-06", "7.3.2024"],
                      "total": ["10", "20", "30"]})
    name = f"t{next(_names)}_dayfirst"
    engines.put(name, table, (engine,) if engine == "spark" else SQL)
    monkeypatch.setenv(VAR, engines.urls[engine])
    with pytest.raises(ClvError) as err:
        load_client_data(text_params(engine, name, dayfirst=True), END)
    message = str(err.value)
    assert "\n" not in message and engines.urls[engine] not in message
    assert message.startswith(f"engine {engine}: params data.dayfirst cannot be applied to column day")
    assert "2 rows are written day or month first (e.g. '05/03/2024')" in message
    if engine != "spark":  # (the load of the same table without the rule is Spark's conformance, above)
        data = load_client_data(text_params(engine, name), END)
        assert data.ledger.to_frame().set_index("rule").loc["unparsable or missing date", "rows"] == 2


@pytest.mark.parametrize("engine", SQL)
def test_file_keys_on_a_table_stop_with_one_line(engine, engines, monkeypatch):
    name = f"t{next(_names)}_keys"
    engines.put(name, TEXT_ORDERS, SQL)
    monkeypatch.setenv(VAR, engines.urls[engine])
    for key, value in (("delimiter", ";"), ("encoding", "cp1252"), ("header", False), ("sheet", "Orders")):
        with pytest.raises(ClvError) as err:
            load_client_data(text_params(engine, name, **{key: value}), END)
        assert str(err.value) == (f"engine {engine}: params data.{key} ({value}) applies to files, but the data is "
                                  f"the table {name}, whose columns {engine} already types; remove data.{key}")
    with pytest.raises(ClvError, match=f"^engine {engine}: params data give both path .* and table; keep"):
        load_client_data(text_params(engine, name, path="orders.csv"), END)


def test_rows_with_json_columns_are_compared_as_text(engines, monkeypatch):
    """`drop_exact_duplicates` compares every column; PostgreSQL's json has no equality (GROUP BY fails on it), so
    such columns are compared as their text, and the duplicate is found as on DuckDB."""
    import psycopg

    name = f"t{next(_names)}_json"
    url = engines.urls["postgres"]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE TABLE {name} (cust text, day date, total double precision, payload json)")
        con.execute(f"""INSERT INTO {name} VALUES ('C1', '2024-01-05', 10, '{{"a": 1}}'),
                        ('C1', '2024-01-05', 10, '{{"a": 1}}'), ('C1', '2024-02-05', 10, '{{"a": 2}}'),
                        ('C2', '2024-02-05', 10, NULL)""")
    monkeypatch.setenv(VAR, url)
    data = load_client_data(text_params("postgres", name), END)
    ledger = data.ledger.to_frame().set_index("rule")
    assert ledger.loc["exact duplicate row", "rows"] == 1 and data.ledger.rows_kept == 3


def test_a_large_csv_carries_the_params_to_duckdb(tmp_path, monkeypatch):
    """A CSV large enough for DuckDB to read it from disk (threshold lowered here) gets the params a file gets:
    no header row (columns by position), `;` separator and decimal comma give the file path's orders; an encoding
    DuckDB cannot decode stops with one line naming the rule."""
    from clv_lib.data.engines import load as engine_load

    path = tmp_path / "orders.csv"
    rows = ["C1;2024-01-05;10,50", "C1;2024-02-05;1,25", "C2;2024-03-05;7"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = {"path": str(path), "header": False, "delimiter": ";", "decimal": ",", "min_customers": 1,
            "columns": {"customer_id": 1, "order_date": 2, "amount": 3}}
    params = ClientParams(client_name="Large", currency="EUR", business_model="transactional", data=spec)
    memory = load_client_data(params, END)
    monkeypatch.setattr(engine_load, "ENGINE_MIN_BYTES", 1)
    data = load_client_data(params, END)
    assert data.source.engine == "duckdb" and "out of core" in data.source.describe()
    pd.testing.assert_frame_equal(memory.frame.drop(columns="order_id"), data.frame.drop(columns="order_id"))
    cp1252 = params.model_copy(update={"data": params.data.model_copy(update={"encoding": "cp1252"})})
    with pytest.raises(ClvError) as err:
        load_client_data(cp1252, END)
    assert str(err.value).startswith(f"engine duckdb: params data.encoding (cp1252) cannot be applied to {path}")

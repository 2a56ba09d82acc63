"""Engine sources: the cleaning rules and every order aggregation computed by DuckDB, a real PostgreSQL server and
Spark (local[2]) equal what the in-memory path computes from the same data.

Data: the demo client's orders (`data/demo/orders.csv`, loaded as a typed table by `load_demo`: refunds,
duplicates, line items, missing ids, foreign currencies), the demo SaaS's subscriptions (`data/demo/subscriptions.csv`
by `load_demo_subscriptions`: UTC timestamps, trials, duplicates, missing ids, plan changes, reactivations; typed,
and as the export's text), a small table of messy subscriptions hitting every cleaning rule, and the CDNOW sample
(tests/data, Fader, Hardie & Lee 2005: 6,919 purchase records of 2,357 customers). The in-memory reference is the
file path of the data layer on the same rows (`load_client_data` on a file), so the equality covers the ledger
and the summaries both.
"""

from __future__ import annotations

import os

import dataclasses
import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from system_tools import missing

from clv_lib.data import load_client_data
from clv_lib.data.engines.load_demo import COLUMNS, demo_orders_table, demo_subscriptions_table
from clv_lib.insights import source_kpis as K
from clv_lib.summary.sources import order_source, subscription_source
from clv_lib.exceptions import DataError, EngineError
from clv_lib.params import load_params
from clv_lib.summary.cohorts import cumulative_value_triangle, logo_triangle, revenue_triangle
from engines import cdnow_table, pg_binary, postgres_server

ROOT = Path(__file__).resolve().parents[1]
END = pd.Timestamp("2025-12-31")
CDNOW_END = pd.Timestamp("1998-06-30")
CDNOW_CAL = pd.Timestamp("1997-09-30")  # the BG/NBD paper's calibration end (39 weeks)
VAR = "CLV_TEST_DB_URL"
pytestmark = [pytest.mark.filterwarnings("ignore:The 'future.infer_string' option"),
              pytest.mark.filterwarnings("ignore:fetch_arrow_table")]


# ---------------------------------------------------------------------------------------------- reference data
@pytest.fixture(scope="module")
def demo_params():
    return load_params(ROOT / "params" / "demo.yaml")


@pytest.fixture(scope="module")
def demo_memory(demo_params):
    return load_client_data(demo_params, END, ROOT)


@pytest.fixture(scope="module")
def saas_params():
    return load_params(ROOT / "params" / "demo-subscription.yaml")


@pytest.fixture(scope="module")
def saas_memory(saas_params):
    return load_client_data(saas_params, END, ROOT)


def cdnow_params(tmp_path_factory, **data):
    from clv_lib.params.schema import ClientParams

    base = {"columns": {"customer_id": "customer_id", "order_date": "day", "amount": "amount"},
            "min_customers": 30}
    return ClientParams(client_name="CDNOW", business_model="transactional", currency="USD", gross_margin=0.3,
                        timezone="UTC", data={**base, **data})


MESSY_COLUMNS = {"customer_id": "account", "subscription_id": "sub", "plan": "plan", "start_date": "started",
                 "end_date": "ended", "amount": "price", "billing_interval": "interval", "status": "status",
                 "email": "email", "currency": "currency"}
#: One row per cleaning rule of `clv_lib.data.subscriptions` (and the kept cases around them), as text.
MESSY = [  # account, sub, plan, started, ended, price, interval, status, email, currency
    ("A1", "s1", "Pro", "2024-01-05T10:00:00Z", "", "79.00", "month", "active", "a1@x.example", "EUR"),
    ("A1", "s1", "Pro", "2024-01-05T10:00:00Z", "", "79.00", "month", "active", "a1@x.example", "EUR"),  # duplicate
    ("A2", "s2", "Starter", "garbage", "", "29", "month", "", "", ""),  # unparsable start
    ("A18", "s23", "Starter", "2023-02-30", "", "29", "month", "", "", ""),  # not a day of the calendar
    ("A3", "s3", "Starter", "2024-02-01", "not a date", "29", "month", "", "", ""),  # unparsable end
    ("A4", "s4", "Starter", "2024-02-01", "", "abc", "month", "", "", ""),  # unparsable price
    ("A5", "s5", "Starter", "2024-02-01", "", "29", "fortnight", "", "", ""),  # unknown interval
    ("A6", "s6", "Starter", "2024-02-01", "", "29", "", "", "", ""),  # no interval
    ("A7", "s7", "Pro", "2024-02-01", "", "79", "month", "Trialing", "", ""),  # trial status
    ("A8", "s8", "Pro", "2024-02-01", "", "79", "month", "test", "", ""),  # test status
    ("", "s9", "Pro", "2024-03-01", "", "79", "month", "", "", ""),  # no customer, no e-mail
    ("", "s10", "Pro", "2024-03-01", "", "79", "month", "", "A1@X.example", ""),  # id from the e-mail: A1
    ("", "s11", "Pro", "2024-03-01", "", "49", "month", "", "new@x.example", ""),  # id = the e-mail
    ("A9", "s12", "Free", "2024-03-01", "", "0", "month", "", "", ""),  # zero price
    ("A10", "s13", "Pro", "2024-03-01", "", "-79", "month", "", "", ""),  # negative price
    ("A11", "s14", "Pro", "2024-03-10", "2024-03-01", "79", "month", "", "", ""),  # ends before it starts
    ("A12", "s15", "Pro", "2024-03-10", "2024-03-10T08:00:00", "79", "month", "", "", ""),  # ends the same day
    ("A13", "s16", "Pro", "2026-02-01", "", "79", "month", "", "", ""),  # starts after the observation end
    ("A14", "s17", "Pro", "2024-04-01", "2026-03-01", "790", "year", "", "", ""),  # ends after it: active
    ("A15", "s18", "Pro", "2024-03-31T22:30:00Z", "2025-03-31T22:30:00+00:00", "79", "month", "", "", "USD"),
    ("A16", "", "Pro", "2024-05-01", "", "79", "month", "", "", ""),  # no subscription id
    ("A17", "s20", "Pro", "2024-01-31T23:30:00Z", "2024-06-30T22:00:00Z", "79", "month", " Canceled ", "", ""),
    ("A1", "s21", "Business", "2024-06-01", "", "199", "month", "", "", ""),  # a second subscription
    ("A19", "s22", "Pro", "2024-02-29", "2025-02-28", "79", "monthly", "", "", ""),  # leap day
    (" A20 ", "s24", "Starter", " 2024-07-15 ", "", " 29.5 ", "Month", "", "", ""),  # spaces, label case
]


#: Seats, coupons and the MRR conventions (tests/test_mrr_terms.py counts their MRR by hand), as a table.
TERMS_COLUMNS = ["id", "customer_id", "product", "quantity", "interval", "amount", "status", "created", "ended_at",
                 "canceled_at", "current_period_start", "cancel_at_period_end", "coupon"]


def terms_table() -> pd.DataFrame:
    from test_mrr_terms import ROWS

    return pd.DataFrame(ROWS, columns=TERMS_COLUMNS, dtype=object).replace("", None).astype("string")


def terms_params(**data):
    from clv_lib.params.schema import ClientParams
    from test_mrr_terms import COUPONS

    mrr = {"coupons": COUPONS, "cancellation": "immediate", "past_due": "churned",
           "one_time_discounts": "first_period"}
    return ClientParams(client_name="Terms", business_model="subscription", currency="EUR", timezone="Europe/Rome",
                        data={"min_customers": 1, "mrr": mrr, **data})


def messy_subscriptions() -> pd.DataFrame:
    """`MESSY` as a table of text columns (empty cells NULL), as a database holding the export would."""
    frame = pd.DataFrame(MESSY, columns=list(MESSY_COLUMNS.values()), dtype=object)
    return frame.replace("", None)


def messy_params(**data):
    from clv_lib.params.schema import ClientParams

    base = {"columns": MESSY_COLUMNS, "fx_rates": {"USD": 0.9}, "email_fallback": True, "min_customers": 1}
    return ClientParams(client_name="Messy SaaS", business_model="subscription", currency="EUR", gross_margin=0.8,
                        timezone="Europe/Rome", data={**base, **data})


@pytest.fixture(scope="module")
def messy_memory(tmp_path_factory):
    path = tmp_path_factory.mktemp("messy") / "subscriptions.csv"
    pd.DataFrame(MESSY, columns=list(MESSY_COLUMNS.values())).to_csv(path, index=False)
    return load_client_data(messy_params(path=str(path)), END)


@pytest.fixture(scope="module")
def cdnow_memory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cdnow")
    cdnow_table().to_csv(folder / "cdnow.csv", index=False)
    return load_client_data(cdnow_params(tmp_path_factory, path=str(folder / "cdnow.csv")), CDNOW_END)


# ---------------------------------------------------------------------------------------------- engines
@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory):
    import ibis

    path = tmp_path_factory.mktemp("duckdb") / "clients.duckdb"
    con = ibis.duckdb.connect(str(path))
    load_tables(con)
    con.disconnect()
    return f"duckdb://{path}"


@pytest.fixture(scope="module")
def postgres_url():
    if not pg_binary("initdb"):
        missing("PostgreSQL server programs not found: install the postgresql package (.ci/run does)")
    import ibis

    with postgres_server() as url:
        con = ibis.connect(url.replace("postgresql://", "postgres://"))
        load_tables(con)
        con.disconnect()
        yield url
        gc.collect()  # drop the engine's cached tables while the server still runs


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    import shutil

    from pyspark.sql import SparkSession

    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing("Java not found: Spark's local mode needs a JRE (openjdk-17-jre-headless; .ci/run installs it)")

    folder = tmp_path_factory.mktemp("spark")
    session = (SparkSession.builder.master("local[2]").appName("clv-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC").config("spark.sql.warehouse.dir", str(folder))
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    session.createDataFrame(cdnow_table()).createOrReplaceTempView("cdnow")
    session.createDataFrame(demo_subscriptions_table(ROOT)).createOrReplaceTempView("subscriptions")
    session.createDataFrame(terms_table().astype(object).replace({pd.NA: None}),
                            schema=", ".join(f"{c} string" for c in TERMS_COLUMNS)).createOrReplaceTempView("mrr_terms")
    yield "local[2]"
    gc.collect()
    session.stop()


def load_tables(con) -> None:
    """The demo orders and subscriptions (typed, and as text), the messy subscriptions and CDNOW, into `con`."""
    from clv_lib.data.engines.load_demo import load_demo, load_demo_subscriptions

    load_demo(con, "demo.orders", ROOT)
    load_demo_subscriptions(con, "demo.subscriptions", ROOT)
    load_demo_subscriptions(con, "demo.subscriptions_text", ROOT, typed=False)
    con.create_table("messy_subscriptions", messy_subscriptions(), overwrite=True)
    con.create_table("mrr_terms", terms_table(), overwrite=True)
    con.create_table("cdnow", cdnow_table(), overwrite=True)


@pytest.fixture
def url_env(monkeypatch):
    def set_url(url):
        monkeypatch.setenv(VAR, url)
    return set_url


def engine_params(params, engine: str, **data):
    spec = params.data.model_copy(update={"path": None, "engine": engine, "connection_env": VAR, **data})
    return params.model_copy(update={"data": spec})


# ---------------------------------------------------------------------------------------------- comparisons
def assert_same(memory, engine, end, calibration_end, time_unit="D", check_channel=True):
    """Every aggregation of the two sources is equal (floats to 1e-9 relative)."""
    close = dict(check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(memory.summary(end, time_unit), engine.summary(end, time_unit), **close)
    pd.testing.assert_frame_equal(memory.holdout(calibration_end, end, time_unit),
                                  engine.holdout(calibration_end, end, time_unit), **close)
    pd.testing.assert_frame_equal(memory.history(end), engine.history(end), **close)
    pd.testing.assert_series_equal(memory.tracking(calibration_end, end), engine.tracking(calibration_end, end))
    pd.testing.assert_frame_equal(K.monthly_kpis(memory, end), K.monthly_kpis(engine, end), **close)
    lapse = K.lapse(memory, end)
    assert K.lapse(engine, end) == lapse
    pd.testing.assert_frame_equal(K.churn(memory, end, lapse.days), K.churn(engine, end, lapse.days), **close)
    start = (end - pd.DateOffset(months=12)).to_period("M") + 1
    assert_kpis_equal(K.period_kpis(memory, end, period_start=start, lapse_rule=lapse),
                      K.period_kpis(engine, end, period_start=start, lapse_rule=lapse))
    cells = memory.cohort_cells(end)
    pd.testing.assert_frame_equal(cells, engine.cohort_cells(end), **close)
    for build in (logo_triangle, revenue_triangle, cumulative_value_triangle):
        pd.testing.assert_frame_equal(build(cells).values, build(engine.cohort_cells(end)).values, **close)
    if check_channel:
        pd.testing.assert_frame_equal(memory.cohort_cells(end, by="channel"), engine.cohort_cells(end, by="channel"),
                                      **close)
        assert_kpis_equal(K.period_kpis(memory.restrict("email"), end, period_start=start, lapse_rule=lapse),
                          K.period_kpis(engine.restrict("email"), end, period_start=start, lapse_rule=lapse))


def assert_same_mrr(memory, engine, end):
    """Every subscription aggregation of the two sources is equal (floats to 1e-9 relative)."""
    close = dict(check_exact=False, rtol=1e-9)
    bridge = engine.bridge(end)
    pd.testing.assert_frame_equal(memory.bridge(end), bridge, **close)
    movements = bridge["new"] + bridge["expansion"] + bridge["reactivation"] - bridge["contraction"] - bridge["churn"]
    np.testing.assert_allclose(bridge["start_mrr"] + movements, bridge["end_mrr"], atol=1e-6)  # start + moves = end
    pd.testing.assert_frame_equal(memory.retention(end), engine.retention(end), **close)
    pd.testing.assert_frame_equal(memory.retention(end, 3), engine.retention(end, 3), **close)
    pd.testing.assert_frame_equal(K.subscription_monthly(memory, end), K.subscription_monthly(engine, end), **close)
    for start in (None, pd.Period("2025-01", freq="M")):
        assert_kpis_equal(K.subscription_period(memory, end, period_start=start),
                          K.subscription_period(engine, end, period_start=start))
    pd.testing.assert_series_equal(memory.current_mrr(end), engine.current_mrr(end), **close)
    past = bridge.index[len(bridge) // 2]
    pd.testing.assert_series_equal(memory.current_mrr(end, past), engine.current_mrr(end, past), **close)
    cells = memory.cohort_cells(end)
    pd.testing.assert_frame_equal(cells, engine.cohort_cells(end), **close)
    for build in (logo_triangle, revenue_triangle):
        pd.testing.assert_frame_equal(build(cells).values, build(engine.cohort_cells(end)).values, **close)


def assert_kpis_equal(a, b):
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float):
            assert y == pytest.approx(x, rel=1e-9), f.name
        else:
            assert x == y, f.name


def assert_same_ledger(memory, engine):
    """Same rules, same rows; same revenue except for merged line items (which row is "first" is row order)."""
    a = memory.ledger.to_frame().set_index("rule")
    b = engine.ledger.to_frame().set_index("rule")
    a = a.drop(index=[r for r in a.index if r.startswith("malformed")], errors="ignore")
    assert sorted(a.index) == sorted(b.index)
    pd.testing.assert_series_equal(a["rows"], b["rows"].reindex(a.index))
    same = [r for r in a.index if r != "line items merged into their order"]
    np.testing.assert_allclose(a.loc[same, "revenue"], b.loc[same, "revenue"], atol=0.011)
    assert engine.ledger.rows_read == engine.ledger.rows_kept + engine.ledger.rows_removed


# ---------------------------------------------------------------------------------------------- tests
def test_demo_on_duckdb_equals_memory(demo_params, demo_memory, duckdb_url, url_env):
    url_env(duckdb_url)
    data = load_client_data(engine_params(demo_params, "duckdb", table="demo.orders", columns=COLUMNS), END)
    assert_same_ledger(demo_memory, data)
    assert data.rows_read == 17_057 and data.rows_kept == demo_memory.rows_kept
    assert_same(order_source(demo_memory), order_source(data), END, pd.Timestamp("2024-12-31"))


def test_demo_on_postgres_equals_memory(demo_params, demo_memory, postgres_url, url_env):
    url_env(postgres_url)
    data = load_client_data(engine_params(demo_params, "postgres", table="demo.orders", columns=COLUMNS), END)
    assert_same_ledger(demo_memory, data)
    assert_same(order_source(demo_memory), order_source(data), END, pd.Timestamp("2024-12-31"))
    described = "\n".join(data.describe())
    assert "postgres table demo.orders" in described and postgres_url not in described


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_cdnow_on_sql_engines_equals_memory(engine, cdnow_memory, duckdb_url, postgres_url, url_env,
                                            tmp_path_factory):
    url_env(duckdb_url if engine == "duckdb" else postgres_url)
    data = load_client_data(cdnow_params(tmp_path_factory, engine=engine, connection_env=VAR, table="cdnow"),
                            CDNOW_END)
    assert_same_ledger(cdnow_memory, data)
    assert data.customers == 2_357  # the sample's design (Fader, Hardie & Lee 2005)
    assert_same(order_source(cdnow_memory), order_source(data), CDNOW_END, CDNOW_CAL, time_unit="W",
                check_channel=False)


def test_cdnow_on_spark_equals_memory(cdnow_memory, spark, url_env, tmp_path_factory):
    url_env(spark)
    data = load_client_data(cdnow_params(tmp_path_factory, engine="spark", connection_env=VAR, table="cdnow"),
                            CDNOW_END)
    assert_same_ledger(cdnow_memory, data)
    memory, engine = order_source(cdnow_memory), order_source(data)
    close = dict(check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(memory.summary(CDNOW_END, "W"), engine.summary(CDNOW_END, "W"), **close)
    pd.testing.assert_frame_equal(memory.holdout(CDNOW_CAL, CDNOW_END, "W"),
                                  engine.holdout(CDNOW_CAL, CDNOW_END, "W"), **close)
    pd.testing.assert_frame_equal(memory.cohort_cells(CDNOW_END), engine.cohort_cells(CDNOW_END), **close)
    pd.testing.assert_frame_equal(K.monthly_kpis(memory, CDNOW_END), K.monthly_kpis(engine, CDNOW_END), **close)
    lapse = K.lapse(memory, CDNOW_END)
    assert K.lapse(engine, CDNOW_END) == lapse
    pd.testing.assert_frame_equal(K.churn(memory, CDNOW_END, lapse.days), K.churn(engine, CDNOW_END, lapse.days),
                                  **close)


def test_cdnow_calibration_summary_matches_the_paper(cdnow_memory, duckdb_url, url_env, tmp_path_factory):
    """The engine's 39-week calibration summary is the BG/NBD paper's (tests/data/cdnow_customers_summary.csv)."""
    url_env(duckdb_url)
    data = load_client_data(cdnow_params(tmp_path_factory, engine="duckdb", connection_env=VAR, table="cdnow"),
                            CDNOW_END)
    cal = order_source(data).holdout(CDNOW_CAL, CDNOW_END, "W")
    paper = pd.read_csv(Path(__file__).parent / "data" / "cdnow_customers_summary.csv")
    assert len(cal) == len(paper) == 2_357
    ours = cal.sort_values(["frequency_cal", "recency_cal", "T_cal"])[["frequency_cal", "recency_cal", "T_cal"]]
    theirs = paper.sort_values(["frequency", "recency", "T"])[["frequency", "recency", "T"]]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=0.005 + 1e-9)  # the file has 2 decimals


def test_large_file_is_cleaned_in_a_scratch_duckdb_removed_afterwards(cdnow_memory, tmp_path, monkeypatch,
                                                                        tmp_path_factory):
    """A Parquet file above the size threshold (lowered here) goes through DuckDB: the same ledger and summary,
    intermediate tables written to a scratch database file whose folder goes away with the data."""
    from clv_lib.data.engines import load as engine_load

    path = tmp_path / "cdnow.parquet"
    cdnow_table().to_parquet(path)
    monkeypatch.setattr(engine_load, "ENGINE_MIN_ROWS", 1_000)
    data = load_client_data(cdnow_params(tmp_path_factory, path=str(path)), CDNOW_END)
    assert data.source.path and data.source.engine == "duckdb"
    assert_same_ledger(cdnow_memory, data)
    pd.testing.assert_frame_equal(order_source(cdnow_memory).summary(CDNOW_END, "W"),
                                  order_source(data).summary(CDNOW_END, "W"), check_exact=False, rtol=1e-9)
    con = order_source(data).backend
    folder = Path(con.raw_sql("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                  .fetchone()[0]).parent
    assert folder.name.startswith("clv-duckdb-") and folder.is_dir()
    tables = con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
    assert any(name.startswith("clv_step_") for (name,) in tables)  # tables of the file, not temporary ones
    del data, con
    gc.collect()
    assert not folder.exists()


def test_large_file_applies_the_partial_refunds_of_a_refunded_amount_column(tmp_path, monkeypatch, tmp_path_factory):
    """A refunded-amount column is applied by the one implementation of the rules, whatever reads the file (here
    DuckDB reading a large Parquet file): the refund comes off its order once and the ledger says so."""
    from clv_lib.data.engines import load as engine_load

    path = tmp_path / "cdnow.parquet"
    table = cdnow_table().assign(refunded=0.0)
    table.loc[0, "refunded"] = 1.0
    table.to_parquet(path)
    monkeypatch.setattr(engine_load, "ENGINE_MIN_ROWS", 1_000)
    params = cdnow_params(tmp_path_factory, path=str(path), columns={
        "customer_id": "customer_id", "order_date": "day", "amount": "amount", "refunded_amount": "refunded"},
        drop_exact_duplicates=False)
    data = load_client_data(params, CDNOW_END)
    assert data.source.engine == "duckdb"
    rules = {r.rule: (r.rows, r.revenue) for r in data.ledger.records}
    assert rules["partial refund subtracted from its order (refunded amount column)"] == (1, 1.0)
    assert not any("not applied" in line for line in data.inferences)

def test_pipeline_on_postgres_gives_the_memory_customer_table(demo_params, postgres_url, url_env):
    from clv_lib.pipeline import analysis_for

    url_env(postgres_url)
    engine = analysis_for("demo-postgres", engine_params(demo_params, "postgres", table="demo.orders",
                                                         columns=COLUMNS), None, "en", ROOT)
    memory = analysis_for("demo", demo_params, None, "en", ROOT)
    pd.testing.assert_frame_equal(memory.customers, engine.customers, check_exact=False, rtol=1e-6)
    assert engine.period.label == memory.period.label == "2025-12"
    assert len(engine.data.frame) == engine.data.rows_kept  # the cleaned orders come back only when asked for


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark"])
def test_demo_subscriptions_on_engines_equal_memory(engine, saas_params, saas_memory, url_env, request):
    """Cleaning (UTC timestamps converted to Rome days), ledger, segments and every MRR aggregation."""
    url_env(request.getfixturevalue({"duckdb": "duckdb_url", "postgres": "postgres_url", "spark": "spark"}[engine]))
    table = "subscriptions" if engine == "spark" else "demo.subscriptions"
    data = load_client_data(engine_params(saas_params, engine, table=table), END)
    assert_same_ledger(saas_memory, data)
    assert data.rows_read == 2_173 and data.rows_kept == 2_090  # data/demo/README.md
    pd.testing.assert_frame_equal(saas_memory.frame, data.frame)
    assert_same_mrr(subscription_source(saas_memory), subscription_source(data), END)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_demo_subscriptions_as_text(engine, saas_params, saas_memory, url_env, request):
    """The export's text in the database ('2022-01-02T14:47:05Z', '79.00'): the same days, MRR and ledger."""
    url_env(request.getfixturevalue(f"{engine}_url"))
    data = load_client_data(engine_params(saas_params, engine, table="demo.subscriptions_text"), END)
    assert_same_ledger(saas_memory, data)
    pd.testing.assert_frame_equal(saas_memory.frame, data.frame)
    pd.testing.assert_frame_equal(saas_memory.ledger.to_frame().drop(columns="example_rows"),
                                  data.ledger.to_frame().drop(columns="example_rows"))


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_messy_subscriptions_hit_the_same_rules(engine, messy_memory, url_env, request):
    """Every rule of the file path, in its order, with the same rows and MRR; bad text never fails the query
    (PostgreSQL has no TRY_CAST); zoned times near midnight land on the client's day."""
    url_env(request.getfixturevalue(f"{engine}_url"))
    data = load_client_data(messy_params(engine=engine, connection_env=VAR, table="messy_subscriptions"), END)
    assert_same_ledger(messy_memory, data)
    rules = set(data.ledger.to_frame()["rule"])
    assert {"unparsable or missing start date", "unparsable end date", "unparsable or missing price",
            "unknown billing interval ((empty), fortnight)", "trial (status)", "test subscription (status)",
            "missing customer id and e-mail", "customer id taken from the e-mail", "trial or free (zero price)",
            "negative price", "ends before it starts", "ends on the day it starts",
            "starts after the observation end (2025-12-31)", "converted from USD to EUR at 0.9",
            "ends after the observation end: active on 2025-12-31"} <= rules
    a, b = messy_memory.frame, data.frame
    pd.testing.assert_frame_equal(a.drop(columns="subscription_id"), b.drop(columns="subscription_id"))
    assert (a["subscription_id"] == "row 22").sum() == 1 and (b["subscription_id"] == "row A16-1").sum() == 1
    zoned = b.set_index("subscription_id").loc[["s18", "s20"]]
    assert list(zoned["start_date"].dt.date.astype(str)) == ["2024-04-01", "2024-02-01"]  # Rome, not UTC
    assert list(zoned["end_date"].dt.date.astype(str)) == ["2025-04-01", "2024-07-01"]
    assert_same_mrr(subscription_source(messy_memory), subscription_source(data), END)


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark"])
def test_seats_coupons_and_mrr_conventions_on_engines(engine, url_env, request, tmp_path):
    """Seats, forever / repeating / once coupons, immediate cancellation and past due as churn: the same segments,
    ledger and MRR bridge in every engine as from the file (whose MRR tests/test_mrr_terms.py counts by hand)."""
    path = tmp_path / "terms.csv"
    terms_table().to_csv(path, index=False)
    memory = load_client_data(terms_params(path=str(path)), END)
    url_env(request.getfixturevalue({"duckdb": "duckdb_url", "postgres": "postgres_url", "spark": "spark"}[engine]))
    data = load_client_data(terms_params(engine=engine, connection_env=VAR, table="mrr_terms"), END)
    assert_same_ledger(memory, data)
    order = ["customer_id", "start_date", "mrr"]  # no subscription id column: two items of G start on one day,
    same = [c for c in memory.frame.columns if c != "subscription_id"]  # numbered by row (file) or by value (table)
    pd.testing.assert_frame_equal(memory.frame.sort_values(order, ignore_index=True)[same],
                                  data.frame.sort_values(order, ignore_index=True)[same], check_exact=False, rtol=1e-9)
    assert_same_mrr(subscription_source(memory), subscription_source(data), END)


def test_pipeline_subscriptions_on_duckdb_give_the_memory_report_tables(saas_params, duckdb_url, url_env):
    """The subscription analysis reads MRR, KPIs and cohorts from the engine and gives the in-memory tables."""
    from clv_lib.summary.engine_subscriptions import EngineSubscriptions
    from clv_lib.pipeline import analysis_for

    url_env(duckdb_url)
    engine = analysis_for("demo-subscription", engine_params(saas_params, "duckdb", table="demo.subscriptions"),
                          None, "en", ROOT)
    memory = analysis_for("demo-subscription", saas_params, None, "en", ROOT)
    assert isinstance(engine.source, EngineSubscriptions) and isinstance(memory.source, EngineSubscriptions)
    close = dict(check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(memory.customers, engine.customers, **close)
    pd.testing.assert_frame_equal(memory.monthly, engine.monthly, **close)
    pd.testing.assert_frame_equal(memory.cohort_cells, engine.cohort_cells, **close)
    assert_kpis_equal(memory.trailing_kpis, engine.trailing_kpis)
    assert engine.period.label == memory.period.label == "2025-12"


# ---------------------------------------------------------------------------------------------- errors
def one_line_without_secret(message: str, url: str) -> None:
    assert "\n" not in message
    assert url not in message and "secret-pw" not in message


def test_connection_failure_is_one_line_without_the_url(demo_params, url_env):
    url = "postgresql://analyst:secret-pw@127.0.0.1:9/clv"
    url_env(url)
    params = engine_params(demo_params, "postgres", table="sales.orders", columns=COLUMNS)
    with pytest.raises(EngineError) as err:
        load_client_data(params, END)
    message = str(err.value)
    one_line_without_secret(message, url)
    assert "engine postgres" in message and "sales.orders" in message and f"${VAR}" in message


def test_missing_variable_says_which_to_set(demo_params, monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    with pytest.raises(EngineError, match=f"{VAR} is not set"):
        load_client_data(engine_params(demo_params, "postgres", table="demo.orders", columns=COLUMNS), END)


def test_missing_table_and_column(demo_params, postgres_url, url_env):
    url_env(postgres_url)
    with pytest.raises(EngineError) as err:
        load_client_data(engine_params(demo_params, "postgres", table="sales.orders", columns=COLUMNS), END)
    message = str(err.value)
    one_line_without_secret(message, postgres_url)
    assert "engine postgres" in message and "table sales.orders not found" in message
    columns = {**COLUMNS, "customer_id": "cust_no"}
    with pytest.raises(DataError) as err:
        load_client_data(engine_params(demo_params, "postgres", table="demo.orders", columns=columns), END)
    message = str(err.value)
    one_line_without_secret(message, postgres_url)
    assert "postgres table demo.orders" in message and "'cust_no'" in message and "customer_id" in message


def test_demo_table_keeps_the_messy_rows(demo_memory):
    table = demo_orders_table(ROOT)
    assert len(table) == demo_memory.rows_read
    assert table["total"].isna().sum() == 7 and table["created_at"].isna().sum() == 9


def test_demo_postgres_without_the_variable(monkeypatch):
    """`make report CLIENT=demo-postgres` says which variable to set; `make reports` skips the client."""
    from clv_lib.runner.batch import _run_one, format_table
    from clv_lib.runner.job import validate

    monkeypatch.delenv("CLV_DB_URL", raising=False)
    with pytest.raises(EngineError) as err:
        validate("demo-postgres", "", ROOT)
    assert "CLV_DB_URL is not set" in str(err.value) and "\n" not in str(err.value)
    outcome = _run_one("demo-postgres", "2025Q4", "none", ROOT)
    assert outcome.skipped and not outcome.ok
    assert "skipped" in format_table([outcome]) and "CLV_DB_URL not set" in format_table([outcome])


def test_demo_postgres_params_read_the_loaded_table(postgres_url, monkeypatch):
    """params/demo-postgres.yaml + load_demo: the engine path finds the demo's 17,057 rows."""
    monkeypatch.setenv("CLV_DB_URL", postgres_url)
    data = load_client_data(load_params(ROOT / "params" / "demo-postgres.yaml"), END, ROOT)
    assert data.rows_read == 17_057 and data.source.table == "demo.orders"

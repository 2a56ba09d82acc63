"""Engine sources: the cleaning rules and every order aggregation computed by DuckDB, a real PostgreSQL server and
Spark (local[2]) equal what the in-memory path computes from the same data.

Data: the demo client's orders (`data/demo/orders.csv`, loaded as a typed table by `load_demo`: refunds,
duplicates, line items, missing ids, foreign currencies) and the CDNOW sample (tests/data, Fader, Hardie & Lee
2005: 6,919 purchase records of 2,357 customers). The in-memory reference is the file path of the data layer on
the same rows (`load_client_data` on a file), so the equality covers the ledger and the summaries both.
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
from clv_lib.data.engines.load_demo import COLUMNS, demo_orders_table
from clv_lib.data.engines.source import FrameOrders, patterns
from clv_lib.exceptions import DataError, EngineError
from clv_lib.params import load_params
from clv_lib.summary.cohorts import cumulative_value_triangle, logo_triangle, revenue_triangle
from engines import pg_binary, postgres_server

ROOT = Path(__file__).resolve().parents[1]
CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"
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


def cdnow_table() -> pd.DataFrame:
    """The CDNOW sample's five columns, typed as a database would hold them."""
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["master_id", "customer_id", "day", "cds", "amount"],
                      dtype={"master_id": str, "customer_id": str, "day": str})
    raw["day"] = pd.to_datetime(raw["day"], format="%Y%m%d").astype("datetime64[us]")
    return raw


def cdnow_params(tmp_path_factory, **data):
    from clv_lib.params.schema import ClientParams

    base = {"columns": {"customer_id": "customer_id", "order_date": "day", "amount": "amount"},
            "min_customers": 30}
    return ClientParams(client_name="CDNOW", business_model="transactional", currency="USD", gross_margin=0.3,
                        timezone="UTC", data={**base, **data})


@pytest.fixture(scope="module")
def cdnow_memory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cdnow")
    cdnow_table().to_csv(folder / "cdnow.csv", index=False)
    return load_client_data(cdnow_params(tmp_path_factory, path=str(folder / "cdnow.csv")), CDNOW_END)


# ---------------------------------------------------------------------------------------------- engines
@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory):
    import ibis

    from clv_lib.data.engines.load_demo import load_demo

    path = tmp_path_factory.mktemp("duckdb") / "clients.duckdb"
    con = ibis.duckdb.connect(str(path))
    load_demo(con, "demo.orders", ROOT)
    con.create_table("cdnow", cdnow_table(), overwrite=True)
    con.disconnect()
    return f"duckdb://{path}"


@pytest.fixture(scope="module")
def postgres_url():
    if not pg_binary("initdb"):
        missing("PostgreSQL server programs not found: install the postgresql package (.ci/run does)")
    import ibis

    from clv_lib.data.engines.load_demo import load_demo

    with postgres_server() as url:
        con = ibis.connect(url.replace("postgresql://", "postgres://"))
        load_demo(con, "demo.orders", ROOT)
        con.create_table("cdnow", cdnow_table(), overwrite=True)
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
    yield "local[2]"
    gc.collect()
    session.stop()


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
    pd.testing.assert_frame_equal(memory.kpis(end), engine.kpis(end), **close)
    lapse = memory.lapse(end)
    assert engine.lapse(end) == lapse
    pd.testing.assert_frame_equal(memory.churn(end, lapse.days), engine.churn(end, lapse.days), **close)
    start = (end - pd.DateOffset(months=12)).to_period("M") + 1
    assert_kpis_equal(memory.period_kpis(end, period_start=start, lapse=lapse),
                      engine.period_kpis(end, period_start=start, lapse=lapse))
    cells = memory.cohort_cells(end)
    pd.testing.assert_frame_equal(cells, engine.cohort_cells(end), **close)
    for build in (logo_triangle, revenue_triangle, cumulative_value_triangle):
        pd.testing.assert_frame_equal(build(cells).values, build(engine.cohort_cells(end)).values, **close)
    if check_channel:
        pd.testing.assert_frame_equal(memory.cohort_cells(end, by="channel"), engine.cohort_cells(end, by="channel"),
                                      **close)
        assert_kpis_equal(memory.restrict("email").period_kpis(end, period_start=start, lapse=lapse),
                          engine.restrict("email").period_kpis(end, period_start=start, lapse=lapse))


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
    assert_same(FrameOrders(demo_memory.frame), data.orders, END, pd.Timestamp("2024-12-31"))


def test_demo_on_postgres_equals_memory(demo_params, demo_memory, postgres_url, url_env):
    url_env(postgres_url)
    data = load_client_data(engine_params(demo_params, "postgres", table="demo.orders", columns=COLUMNS), END)
    assert_same_ledger(demo_memory, data)
    assert_same(FrameOrders(demo_memory.frame), data.orders, END, pd.Timestamp("2024-12-31"))
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
    assert_same(FrameOrders(cdnow_memory.frame), data.orders, CDNOW_END, CDNOW_CAL, time_unit="W",
                check_channel=False)


def test_cdnow_on_spark_equals_memory(cdnow_memory, spark, url_env, tmp_path_factory):
    url_env(spark)
    data = load_client_data(cdnow_params(tmp_path_factory, engine="spark", connection_env=VAR, table="cdnow"),
                            CDNOW_END)
    assert_same_ledger(cdnow_memory, data)
    memory, engine = FrameOrders(cdnow_memory.frame), data.orders
    close = dict(check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(memory.summary(CDNOW_END, "W"), engine.summary(CDNOW_END, "W"), **close)
    pd.testing.assert_frame_equal(memory.holdout(CDNOW_CAL, CDNOW_END, "W"),
                                  engine.holdout(CDNOW_CAL, CDNOW_END, "W"), **close)
    pd.testing.assert_frame_equal(memory.cohort_cells(CDNOW_END), engine.cohort_cells(CDNOW_END), **close)
    pd.testing.assert_frame_equal(memory.kpis(CDNOW_END), engine.kpis(CDNOW_END), **close)
    lapse = memory.lapse(CDNOW_END)
    assert engine.lapse(CDNOW_END) == lapse
    pd.testing.assert_frame_equal(memory.churn(CDNOW_END, lapse.days), engine.churn(CDNOW_END, lapse.days), **close)


def test_cdnow_calibration_summary_matches_the_paper(cdnow_memory, duckdb_url, url_env, tmp_path_factory):
    """The engine's 39-week calibration summary is the BG/NBD paper's (tests/data/cdnow_customers_summary.csv)."""
    url_env(duckdb_url)
    data = load_client_data(cdnow_params(tmp_path_factory, engine="duckdb", connection_env=VAR, table="cdnow"),
                            CDNOW_END)
    cal = data.orders.holdout(CDNOW_CAL, CDNOW_END, "W")
    paper = pd.read_csv(Path(__file__).parent / "data" / "cdnow_customers_summary.csv")
    assert len(cal) == len(paper) == 2_357
    ours = cal.sort_values(["frequency_cal", "recency_cal", "T_cal"])[["frequency_cal", "recency_cal", "T_cal"]]
    theirs = paper.sort_values(["frequency", "recency", "T"])[["frequency", "recency", "T"]]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=0.005 + 1e-9)  # the file has 2 decimals


def test_models_fit_on_weighted_patterns(cdnow_memory):
    """Fitting on the distinct (frequency, recency, T) patterns with weights gives the per-customer fit."""
    from clv_lib.models import BetaGeoModel

    summary = FrameOrders(cdnow_memory.frame).summary(CDNOW_CAL, "W")
    table = patterns(summary)
    assert len(table) < len(summary) and table["weights"].sum() == len(summary)
    full = BetaGeoModel().fit(summary[["frequency", "recency", "T"]])
    weighted = BetaGeoModel().fit(table[["frequency", "recency", "T"]], weights=table["weights"])
    for name, value in full.params_.items():
        assert weighted.params_[name] == pytest.approx(value, rel=1e-4)


def test_pipeline_on_postgres_gives_the_memory_customer_table(demo_params, postgres_url, url_env):
    from clv_lib.pipeline import analysis_for

    url_env(postgres_url)
    engine = analysis_for("demo-postgres", engine_params(demo_params, "postgres", table="demo.orders",
                                                         columns=COLUMNS), None, "en", ROOT)
    memory = analysis_for("demo", demo_params, None, "en", ROOT)
    pd.testing.assert_frame_equal(memory.customers, engine.customers, check_exact=False, rtol=1e-6)
    assert engine.period.label == memory.period.label == "2025-12"
    with pytest.raises(EngineError, match="stay in the engine"):
        engine.data.frame


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

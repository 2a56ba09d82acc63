"""Reports from every engine, end to end, as a user runs them: the report notebook under papermill, rendered to
HTML and PDF, for clients whose data lives in a real PostgreSQL server (orders, and subscriptions in Italian), in a
DuckDB database file and in Spark (`local[2]`, a `sql:` query over a Parquet file, read in the notebook's own Spark
session). The data chapter names the engine, the table or query and the row counts, never the connection URL or
its password (the PostgreSQL URL carries one: the test server trusts local connections and ignores it).

Data: the demo shop's orders and the demo SaaS's subscriptions (`load_demo`), and the CDNOW sample of Fader, Hardie
& Lee (2005) (tests/data, 6,919 purchase records of 2,357 customers).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from scratch import scratch_project
from system_tools import missing

from engines import cdnow_table, pg_binary, postgres_server
from clv_lib.runner.job import build_report

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-pw"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")]

CDNOW = """\
client_name: "CDNOW {engine}"
business_model: transactional
currency: USD
language: en
gross_margin: 0.30
timezone: America/New_York
data:
  engine: {engine}
  connection_env: {env}
  {source}
  columns: {{customer_id: customer_id, order_date: day, amount: amount}}
  drop_exact_duplicates: false
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project: the real notebooks and demo data, params written by the fixtures below."""
    return scratch_project(tmp_path_factory.mktemp("engines-project"), shipped=("data",))


@pytest.fixture(scope="module")
def postgres(project):
    """A PostgreSQL server holding the demo orders and subscriptions; the URL (with a password) in CLV_E2E_PG."""
    if not pg_binary("initdb"):
        missing("PostgreSQL server programs not found: install the postgresql package (.ci/run does)")
    import ibis

    from clv_lib.data.engines.load_demo import load_demo, load_demo_subscriptions

    with postgres_server() as url:
        con = ibis.connect(url.replace("postgresql://", "postgres://"))
        load_demo(con, "demo.orders", ROOT)
        load_demo_subscriptions(con, "demo.subscriptions", ROOT)
        con.disconnect()
        with_password = re.sub(r"://([^@/]+)@", rf"://\1:{SECRET}@", url)
        orders = (ROOT / "params" / "demo-postgres.yaml").read_text().replace("CLV_DB_URL", "CLV_E2E_PG")
        (project / "params" / "pg-orders.yaml").write_text(orders)
        saas = (ROOT / "params" / "demo-subscription.yaml").read_text()
        saas = saas.replace("  path: data/demo/subscriptions.csv\n", "  engine: postgres\n  connection_env: "
                            "CLV_E2E_PG\n  table: demo.subscriptions\n").replace("language: en", "language: it")
        (project / "params" / "pg-saas.yaml").write_text(saas)
        yield with_password


@pytest.fixture(scope="module")
def duckdb_file(project, tmp_path_factory):
    import ibis

    path = tmp_path_factory.mktemp("duckdb-e2e") / "shop.duckdb"
    con = ibis.duckdb.connect(str(path))
    con.create_table("cdnow", cdnow_table())
    con.disconnect()
    source = "table: cdnow"
    (project / "params" / "duck-cdnow.yaml").write_text(CDNOW.format(engine="duckdb", env="CLV_E2E_DUCK",
                                                                     source=source))
    return f"duckdb://{path}"


@pytest.fixture(scope="module")
def spark_parquet(project, tmp_path_factory):
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing("Java not found: Spark's local mode needs a JRE (openjdk-17-jre-headless; .ci/run installs it)")
    path = tmp_path_factory.mktemp("spark-e2e") / "cdnow.parquet"
    cdnow_table().to_parquet(path)
    source = f'sql: "SELECT * FROM parquet.`{path}`"'
    (project / "params" / "spark-cdnow.yaml").write_text(CDNOW.format(engine="spark", env="CLV_E2E_SPARK",
                                                                      source=source))
    return "local[2]"


def build(project: Path, client: str, period: str | None, language: str, env: dict):
    saved = {k: os.environ.get(k) for k in ("CLV_PROJECT_ROOT", *env)}
    os.environ.update({"CLV_PROJECT_ROOT": str(project), **env})
    try:
        return build_report(client, period, language, "weasyprint", progress=False, root=project)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_report(result, *, engine: str, what: str, rows: int, language: str = "en", secret: str | None = None):
    """HTML and PDF published; the data chapter names the engine, the table or query and the row counts; no
    connection URL or password in any output."""
    folder = result.folder
    assert {"clv_report.html", "clv_report.pdf", "clv_report.ipynb", "data_quality.csv", "kpis.json"} <= {
        p.name for p in folder.iterdir()}
    html = unescape((folder / "clv_report.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))
    assert f"{engine}" in text and what in text, (engine, what)
    read = f"{rows:,}".replace(",", "." if language == "it" else ",")
    assert re.search(rf"{re.escape(read)} (rows read|righe lette)", text), read
    assert not re.search(r"\b(nan|NaN|inf|None)\b", text)
    for path in folder.iterdir():
        content = path.read_bytes()
        assert b"postgresql://" not in content and b"duckdb://" not in content, path.name
        if secret:
            assert secret.encode() not in content, path.name
    pypdf = pytest.importorskip("pypdf")
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(folder / "clv_report.pdf").pages)
    assert len(pdf) > 5_000 and (secret is None or secret not in pdf)
    return json.loads((folder / "kpis.json").read_text())


def test_orders_in_postgres(project, postgres):
    result = build(project, "pg-orders", "2025Q4", "en", {"CLV_E2E_PG": postgres})
    kpis = check_report(result, engine="postgres", what="table demo.orders", rows=17_057, secret=SECRET)
    assert kpis["customers"] > 3_000


def test_subscriptions_in_postgres_in_italian(project, postgres):
    result = build(project, "pg-saas", "2025Q4", "it", {"CLV_E2E_PG": postgres})
    kpis = check_report(result, engine="postgres", what="tabella demo.subscriptions", rows=2_173, language="it",
                        secret=SECRET)
    assert kpis["business_model"] == "subscription" and kpis["customers"] > 900


def test_orders_in_a_duckdb_file(project, duckdb_file):
    result = build(project, "duck-cdnow", None, "en", {"CLV_E2E_DUCK": duckdb_file})
    kpis = check_report(result, engine="duckdb", what="table cdnow", rows=6_919)
    assert kpis["customers"] == 2_357 and result.period == "1998-06"


def test_orders_in_spark(project, spark_parquet):
    result = build(project, "spark-cdnow", "1998Q2", "en", {"CLV_E2E_SPARK": spark_parquet})
    kpis = check_report(result, engine="spark", what="SELECT * FROM parquet.", rows=6_919)
    assert kpis["customers"] == 2_357

"""Recurring reports end to end, as a consultant runs them: the real CDNOW data (params/cdnow.yaml) as a quarterly
series, `python -m clv_lib.runner report --client cdnow --period 1997Q3..1998Q2` (what `make report CLIENT=cdnow
PERIOD=1997Q3..1998Q2` calls), built once in a scratch project and read by every test below.

The actual counts are recounted here straight from the raw file (tests/data/CDNOW_sample.txt, Fader, Hardie &
Lee 2005): a report's customers are those with a purchase on or before its cut-off, and their repeat purchases
after it are purchase days (several records of one customer on one day are one purchase, the BTYD convention the
models use). From 1997-09-30 to 1998-06-30 that is the paper's 39-week holdout: 1,882 repeat purchases.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
PERIODS = ("1997Q3", "1997Q4", "1998Q1", "1998Q2")
CUTOFFS = {"1997Q3": "1997-09-30", "1997Q4": "1997-12-31", "1998Q1": "1998-03-31", "1998Q2": "1998-06-30"}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> Path:
    """The four quarterly CDNOW reports, built by one range command; returns the client's reports folder.

    To keep the suite short the series is built without PDFs; the last report is then printed by the runner's
    own PDF step and the index page rebuilt by its command, as after any run."""
    from clv_lib.runner.render_pdf import choose_engine, html_to_pdf

    root = tmp_path_factory.mktemp("series")
    for name in ("notebooks", "params", "data"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    env = {**os.environ, "CLV_PROJECT_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "clv_lib.runner", "report", "--client", "cdnow", "--period",
                           "1997Q3..1998Q2", "--pdf-engine", "none", "--quiet"], capture_output=True, text=True,
                          cwd=root, timeout=1200, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cdnow: 4 reports built, 1997Q3 to 1998Q2" in proc.stdout
    folder = root / "reports" / "cdnow"
    last = folder / PERIODS[-1]
    html_to_pdf(last / "clv_report.html", last / "clv_report.pdf", choose_engine("auto"))
    proc = subprocess.run([sys.executable, "-m", "clv_lib.runner", "index", "--client", "cdnow"],
                          capture_output=True, text=True, cwd=root, timeout=120, env=env)
    assert proc.returncode == 0 and "cdnow index -> " in proc.stdout, proc.stderr
    return folder


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The raw CDNOW file, one row per purchase record."""
    table = pd.read_csv(ROOT / "tests" / "data" / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype={1: str},
                        names=["master_id", "customer_id", "date", "cds", "amount"])
    table["date"] = pd.to_datetime(table["date"].astype(str), format="%Y%m%d")
    return table


def kpis(series: Path, period: str) -> dict:
    return json.loads((series / period / "kpis.json").read_text(encoding="utf-8"))


def test_each_period_is_published_with_its_cut_off_and_forecast(series):
    for period in PERIODS:
        folder = series / period
        assert {"clv_report.html", "forecast.csv", "kpis.json", "report_meta.json"} <= {
            p.name for p in folder.iterdir()}
        meta = json.loads((folder / "report_meta.json").read_text())
        assert meta["cutoff"] == CUTOFFS[period] == meta["forecast"]["cutoff"] == kpis(series, period)["cutoff"]
        assert meta["forecast"]["file"] == "forecast.csv" and meta["forecast"]["horizon_months"] == 24
        assert meta["forecast"]["model"] == kpis(series, period)["model"]
        assert set(meta["forecast"]["parameters"]) in ({"r", "alpha", "a", "b"}, {"r", "alpha", "s", "beta"})
        assert meta["data"]["file_sha256"] == "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a"
        customers = pd.read_csv(folder / "customers.csv", dtype={"customer_id": str})
        assert customers["last_order"].max() <= CUTOFFS[period]  # a report only uses data up to its cut-off
        forecast = pd.read_csv(folder / "forecast.csv", dtype={"customer_id": str}).set_index("customer_id")
        assert list(forecast.index) == list(customers["customer_id"])
        assert forecast.shape[1] == 48 and not forecast.isna().any().any()
        # the kept forecast is the CLV table's: the 12-month point equals customers.csv's expected purchases
        assert forecast["purchases_12m"].to_numpy() == pytest.approx(customers["expected_purchases_12m"], abs=0.006)


def test_last_report_track_record_holds_the_three_earlier_reports(series):
    record = kpis(series, "1998Q2")["track_record"]
    assert [e["report_period"] for e in record] == ["1997Q3", "1997Q4", "1998Q1"]
    assert [e["months_elapsed"] for e in record] == [9, 6, 3]
    for entry in record:
        assert {"report_period", "months_elapsed", "predicted_purchases", "actual_purchases", "predicted_revenue",
                "actual_revenue"} <= set(entry)
        assert entry["predicted_purchases"] > 0 and entry["predicted_revenue"] > 0
    assert kpis(series, "1998Q1")["track_record"][0]["report_period"] == "1997Q3"
    assert len(kpis(series, "1998Q1")["track_record"]) == 2
    assert kpis(series, "1997Q3")["track_record"] == []


def test_actual_counts_are_the_repeat_purchases_recounted_from_the_raw_file(series, raw):
    end = pd.Timestamp(CUTOFFS["1998Q2"])
    for entry in kpis(series, "1998Q2")["track_record"]:
        cutoff = pd.Timestamp(CUTOFFS[entry["report_period"]])
        customers = raw.loc[raw["date"] <= cutoff, "customer_id"].unique()
        after = raw[(raw["date"] > cutoff) & (raw["date"] <= end) & raw["customer_id"].isin(customers)]
        assert entry["actual_purchases"] == len(after[["customer_id", "date"]].drop_duplicates())
        assert entry["actual_revenue"] == pytest.approx(after["amount"].sum(), abs=0.01)
    assert kpis(series, "1998Q2")["track_record"][0]["actual_purchases"] == 1882  # FHL (2005) holdout


def test_predicted_counts_are_read_from_the_kept_forecasts(series):
    end = pd.Timestamp(CUTOFFS["1998Q2"])
    for entry in kpis(series, "1998Q2")["track_record"]:
        forecast = pd.read_csv(series / entry["report_period"] / "forecast.csv", dtype={"customer_id": str})
        months = (end - pd.Timestamp(CUTOFFS[entry["report_period"]])).days / (365.25 / 12)
        low = int(months)
        for key, prefix in (("predicted_purchases", "purchases"), ("predicted_revenue", "spend")):
            before = forecast[f"{prefix}_{low}m"].sum()
            after = forecast[f"{prefix}_{low + 1}m"].sum()
            assert entry[key] == pytest.approx(before + (after - before) * (months - low), abs=0.06)
        assert entry["purchases_error"] == pytest.approx(
            entry["predicted_purchases"] / entry["actual_purchases"] - 1, abs=1e-3)


def test_index_page_lists_the_four_periods_with_links(series):
    html = (series / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and not re.search(r"(src|href)=[\"']?https?:", html)
    links = re.findall(r'href="([^"]+)"', html)
    for period in PERIODS:
        assert f"{period}/clv_report.html" in links
    assert "1998Q2/clv_report.pdf" in links and "1998Q1/clv_report.pdf" not in links  # only PDFs that exist
    assert all((series / link).is_file() for link in links)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    assert "4 reports, 1997Q3 to 1998Q2" in text
    assert html.count('src="data:image/svg+xml;base64,') == 1  # the trend chart
    first = kpis(series, "1997Q3")["track_record"]
    assert first == [] and "purchases" in text  # the earlier reports' checks, from the latest report

"""One definition per metric, through the front door: a Shopify orders export (tests/export_kinds.py) built by the
runner into HTML and PDF, and every headline number that appears in two places compared across the executive
summary's tiles, the chapters' tables, the PDF's text, kpis.json and customers.csv: active customers, revenue,
churn and the CLV totals. (The subscription numbers, MRR and active subscribers, are compared the same way in
tests/test_stripe_mrr_e2e.py.)

Active customers are those with an order in the 12 whole calendar months up to the cut-off, the window of the KPI
table's last-12-months column; before issue 17 the summary counted 365 days back and could say one more or less.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import Texts
from export_kinds import shopify
from report_numbers import html_numbers, html_row, pdf_row, pdf_text, plain
from scratch import build, scratch_project

pytestmark = pytest.mark.slow

PARAMS = """\
client_name: Bottega Esempio
business_model: transactional
currency: EUR
language: {language}
gross_margin: 0.4
data:
  path: data/orders_export.csv
"""


@pytest.fixture(scope="module", params=["en", "it"])
def built(request, tmp_path_factory) -> dict:
    """The Shopify export's report (HTML and PDF), in English and in Italian."""
    language = request.param
    root = scratch_project(tmp_path_factory.mktemp(f"shop-{language}"))
    shopify(root / "data" / "orders_export.csv")
    (root / "params" / "shop.yaml").write_text(PARAMS.replace("{language}", language), encoding="utf-8")
    folder = build(root, "shop", timeout=1200)
    return {"folder": folder, "language": language, "t": Texts(language), "f": Formatter(language, "EUR"),
            "kpis": json.loads((folder / "kpis.json").read_text(encoding="utf-8")),
            "html": html_numbers(folder / "clv_report.html"), "pdf": pdf_text(folder / "clv_report.pdf"),
            "customers": pd.read_csv(folder / "customers.csv", dtype={"customer_id": str},
                                     parse_dates=["last_order"])}


def test_active_customers_are_one_number_everywhere(built):
    t, f, k, html = built["t"], built["f"], built["kpis"], built["html"]
    active = k["active_customers"]
    cutoff = pd.Timestamp(k["cutoff"])
    first_day = (cutoff - pd.DateOffset(months=12)) + pd.Timedelta(days=1)  # 12 whole calendar months
    customers = built["customers"]
    assert (customers["last_order"] >= first_day).sum() == active
    assert html.tiles[t("tiles.active_customers")]["value"] == plain(f.number(active))
    kpi_row = html_row(html, t("kpis.row.customers"))
    assert kpi_row[1] == plain(f.number(active))  # the KPI table's last-12-months column
    assert plain(f.number(active)) in pdf_row(built["pdf"], t("kpis.row.customers")).split()
    # The 365-days count differs on this export; the report must not show that number as its active customers.
    by_days = int((customers["last_order"] >= cutoff - pd.Timedelta(days=365)).sum())
    if by_days != active:
        assert html.tiles[t("tiles.active_customers")]["value"] != plain(f.number(by_days))


def test_revenue_churn_and_clv_are_one_number_everywhere(built):
    t, f, k, html, pdf = built["t"], built["f"], built["kpis"], built["html"], built["pdf"]
    # Revenue of the last 12 months: tile (compact), KPI table (HTML and PDF), kpis.json.
    assert html.tiles[t("tiles.revenue_12m")]["value"] == plain(f.money_compact(k["revenue"]))
    assert html_row(html, t("kpis.row.revenue"))[1] == plain(f.money(k["revenue"]))
    assert plain(f.money(k["revenue"])) in pdf_row(pdf, t("kpis.row.revenue"))
    # Monthly churn: tile, unit economics table (2 decimals), kpis.json.
    assert html.tiles[t("tiles.churn")]["value"] == plain(f.pct(k["churn_rate_monthly"]))
    window = t("tiles.lapse_churn_sub", window=t("churn_window.mean", months=f.number(6)),
               lifetime="0").split(";")[0]  # which months' churn
    assert html.tiles[t("tiles.churn")]["sub"].startswith(plain(window)), html.tiles[t("tiles.churn")]
    assert html_row(html, t("economics.row.churn"))[0] == plain(f.pct(k["churn_rate_monthly"], 2))
    assert plain(f.pct(k["churn_rate_monthly"], 2)) in pdf_row(pdf, t("economics.row.churn"))
    # CLV totals: tiles, kpis.json and the sum of customers.csv (rounded to cents per customer).
    customers = built["customers"]
    for months in (12, 24):
        total = k[f"clv_{months}m_total"]
        assert abs(customers[f"clv_{months}m"].sum() - total) <= 0.005 * len(customers) + 0.01
        assert html.tiles[t(f"tiles.clv_{months}m")]["value"] == plain(f.money_compact(total))
    assert len(customers) == k["customers"]

"""A Stripe Dashboard subscriptions export the project has never seen, through the front door: the runner builds
the report (HTML and PDF, in English and in Italian) from params without a `columns` block, and the MRR it prints
and writes is checked against an independent recomputation from the raw file (`tests/stripe_export.py`): seats
count (Amount x Quantity / interval months), trials and incomplete subscriptions do not, yearly prices are spread over
12 months, and plans are named by the product a client recognises, never by Stripe's price id.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import Texts
from report_numbers import html_numbers, html_row, pdf_row, pdf_text, plain
from scratch import build, scratch_project
from stripe_export import COUPONS, month_end_mrr, paying_spans, write_stripe_export

pytestmark = pytest.mark.slow

PARAMS = """\
client_name: Nuvola Cloud S.r.l.
business_model: subscription
currency: EUR
language: {language}
gross_margin: 0.8
data:
  path: data/stripe_subscriptions.csv
  mrr:
    coupons:
      FRIENDS20: {percent_off: 20, duration: forever}
      LAUNCH50: {percent_off: 50, duration: repeating, duration_months: 3}
      WELCOME10: {amount_off: 10, duration: once}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The export and its two reports (stripe: English, stripe-it: Italian), 2025Q4, each with its PDF."""
    root = scratch_project(tmp_path_factory.mktemp("stripe"))
    export = write_stripe_export(root / "data" / "stripe_subscriptions.csv")
    out = {"export": export}
    for client, language in (("stripe", "en"), ("stripe-it", "it")):
        (root / "params" / f"{client}.yaml").write_text(PARAMS.replace("{language}", language), encoding="utf-8")
        out[client] = build(root, client, "--period", "2025Q4", timeout=1200)
        assert out[client].name == "2025Q4"
    return out


def test_the_export_has_what_stripe_writes(built):
    raw = pd.read_csv(built["export"], dtype=str, keep_default_na=False)
    assert len(raw.columns) == 25
    assert (raw["Quantity"].astype(int) > 1).sum() >= 40  # seats
    assert set(raw["Interval"]) == {"month", "year"}
    assert {"active", "canceled", "past_due", "trialing", "incomplete_expired"} <= set(raw["Status"])
    assert (raw["Trial End (UTC)"] != "").sum() >= 50
    assert raw["Plan"].str.startswith("price_1").all()
    changed = raw.groupby("Customer ID").size()
    assert (changed == 2).sum() >= 30  # upgrades and seat changes: the old subscription ends as the new one starts


@pytest.mark.parametrize("client", ["stripe", "stripe-it"])
def test_mrr_at_every_month_end_is_the_independent_recomputation(built, client):
    bridge = pd.read_csv(built[client] / "mrr_bridge.csv", dtype={"month": str}).set_index("month")
    assert bridge.index[-1] == "2025-12" and bridge.index[0] == "2024-01"
    expected = month_end_mrr(built["export"], pd.PeriodIndex(bridge.index, freq="M"), coupons=COUPONS)
    pd.testing.assert_series_equal(bridge["end_mrr"], expected.rename("end_mrr"), check_names=False, atol=0.011)
    # The bridge identity, every month: start + new + expansion + reactivation - contraction - churn = end.
    net = bridge["new"] + bridge["expansion"] + bridge["reactivation"] - bridge["contraction"] - bridge["churn"]
    assert ((bridge["start_mrr"] + net - bridge["end_mrr"]).abs() < 0.05).all()
    assert (bridge["start_mrr"].iloc[1:].to_numpy() == bridge["end_mrr"].iloc[:-1].to_numpy()).all()
    # Seat changes and upgrades are expansion and contraction movements.
    assert bridge["expansion"].sum() > 0 and bridge["contraction"].sum() > 0
    kpis = json.loads((built[client] / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["mrr"] == pytest.approx(expected["2025-12"], abs=0.01)
    assert kpis["arr"] == pytest.approx(12 * expected["2025-12"], abs=0.1)


@pytest.mark.parametrize("client, language", [("stripe", "en"), ("stripe-it", "it")])
def test_the_report_prints_the_seat_aware_mrr_not_the_quantity_blind_one(built, client, language):
    months = pd.PeriodIndex(["2025-12"], freq="M")
    with_seats = month_end_mrr(built["export"], months, coupons=COUPONS).iloc[0]
    blind = month_end_mrr(built["export"], months, seats=False, coupons=COUPONS).iloc[0]
    list_price = month_end_mrr(built["export"], months).iloc[0]
    assert with_seats > blind * 1.05 and list_price > with_seats * 1.01  # seats and coupons matter in this export
    f = Formatter(language, "EUR")
    html = unescape((built[client] / "clv_report.html").read_text(encoding="utf-8"))
    pdf = pdf_text(built[client] / "clv_report.pdf")
    for text in (html, pdf):
        text = plain(text)
        assert plain(f.money(with_seats)) in text  # the KPI table's end MRR
        for wrong in (blind, list_price):
            assert plain(f.money(wrong)) not in text and plain(f.money(wrong, 2)) not in text
        # The appendix states each MRR convention with the params key that changes it.
        for key in ("data.mrr.past_due: paying", "data.mrr.cancellation: period_end",
                    "data.mrr.one_time_discounts: ignore", "FRIENDS20, LAUNCH50, WELCOME10"):
            assert key in " ".join(text.split()), key


@pytest.mark.parametrize("client", ["stripe", "stripe-it"])
def test_plans_are_named_by_the_product_never_by_the_price_id(built, client):
    customers = pd.read_csv(built[client] / "customers.csv", dtype=str)
    assert set(customers["plan"]) <= {"Nuvola Starter", "Nuvola Pro", "Nuvola Business"}
    html = (built[client] / "clv_report.html").read_text(encoding="utf-8")
    assert "price_1" not in html and "price_1" not in pdf_text(built[client] / "clv_report.pdf")
    for name in ("customers.csv", "segments.csv", "mrr_bridge.csv"):
        assert "price_1" not in (built[client] / name).read_text(encoding="utf-8")


def test_every_subscription_row_is_accounted_for(built):
    quality = pd.read_csv(built["stripe"] / "data_quality.csv")
    rules = dict(zip(quality["rule"], quality["rows"]))
    raw = pd.read_csv(built["export"], dtype=str, keep_default_na=False)
    assert rules["trial (status)"] == (raw["Status"] == "trialing").sum()  # still in the trial at the cut-off
    assert rules["incomplete (status)"] == (raw["Status"] == "incomplete_expired").sum()
    assert rules["ended during its free trial (never paid)"] > 0
    assert rules["one-time coupon left out of MRR (params data.mrr.one_time_discounts: ignore)"] > 0
    assert rules["recurring discount subtracted from MRR (coupon or discount column)"] > 0
    assert rules["repeating discount: discounted MRR for its months from the paying start, then the list price"] > 0
    paying = paying_spans(built["export"])
    customers = pd.read_csv(built["stripe"] / "customers.csv", dtype=str)
    assert set(customers["customer_id"]) == set(paying["customer_id"])


@pytest.mark.parametrize("client, language", [("stripe", "en"), ("stripe-it", "it")])
def test_mrr_and_subscribers_are_one_number_everywhere(built, client, language):
    """MRR, active subscribers, churn and CLV totals: tiles, KPI and unit-economics tables (HTML and PDF),
    kpis.json, mrr_bridge.csv and customers.csv."""
    t, f = Texts(language), Formatter(language, "EUR")
    folder = built[client]
    k = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    html, pdf = html_numbers(folder / "clv_report.html"), pdf_text(folder / "clv_report.pdf")
    bridge = pd.read_csv(folder / "mrr_bridge.csv", dtype={"month": str})
    customers = pd.read_csv(folder / "customers.csv", dtype={"customer_id": str})
    assert bridge["end_mrr"].iloc[-1] == pytest.approx(k["mrr"], abs=0.01)
    assert customers["mrr"].sum() == pytest.approx(k["mrr"], abs=0.005 * len(customers) + 0.01)
    assert html.tiles[t("tiles.mrr")]["value"] == plain(f.money_compact(k["mrr"]))
    assert html_row(html, t("kpis.row.end_mrr"))[1] == plain(f.money(k["mrr"]))
    assert plain(f.money(k["mrr"])) in pdf_row(pdf, t("kpis.row.end_mrr"))
    active = k["active_customers"]
    assert bridge["end_customers"].iloc[-1] == active == (customers["churned"].astype(str) == "False").sum()
    assert html.tiles[t("tiles.active_subscribers")]["value"] == plain(f.number(active))
    assert html_row(html, t("kpis.row.subscribers"))[1] == plain(f.number(active))
    assert html.tiles[t("tiles.churn")]["value"] == plain(f.pct(k["churn_rate_monthly"]))
    assert html_row(html, t("economics.row.churn"))[0] == plain(f.pct(k["churn_rate_monthly"], 2))
    # Two churn numbers, each with its window: the tile's (the last 6 months) and the KPI table's (each column's
    # months), whose note gives the tile's value, so that a client is never shown two unexplained "churn" numbers.
    six = t("churn_window.mean", months=f.number(6))
    window = t("tiles.logo_churn_sub", window=six, lifetime="0").split(";")[0]
    assert html.tiles[t("tiles.churn")]["sub"].startswith(plain(window)), html.tiles[t("tiles.churn")]
    note = t("kpis.subscription.recent", window=six, recent=f.pct(k["churn_rate_monthly"], 2), ch_economics="§")
    page = plain(unescape(re.sub(r"<[^>]+>", "", (folder / "clv_report.html").read_text(encoding="utf-8"))))
    assert plain(note.split("§")[1]) in page
    for months in (12, 24):
        total = k[f"clv_{months}m_total"]
        assert abs(customers[f"clv_{months}m"].sum() - total) <= 0.005 * len(customers) + 0.01
        assert html.tiles[t(f"tiles.clv_{months}m")]["value"] == plain(f.money_compact(total))


def test_the_italian_data_chapter_names_the_mrr_rules_in_italian(built):
    html = plain(unescape((built["stripe-it"] / "clv_report.html").read_text(encoding="utf-8")))
    for rule in ("coupon una tantum escluso dall'MRR", "sconto ricorrente sottratto dall'MRR",
                 "sconto a durata: MRR scontato per i suoi mesi"):
        assert rule in html, rule
    assert "one-time coupon left out of MRR" not in html

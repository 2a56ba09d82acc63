"""End to end, as a user runs it: the report notebook under papermill on the demo clients, rendered to HTML and
PDF, with the data outputs. Each report is built once per session in a scratch copy of the project."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from scratch import scratch_project
from system_tools import missing

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import catalogue
from clv_lib.runner.job import build_report

CHAPTERS = ("summary", "since", "data", "kpis", "concentration", "cohorts", "segments", "predicted", "economics",
            "validation", "actions", "appendix")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A scratch project root: the real notebooks, params and demo data, an empty reports folder."""
    return scratch_project(tmp_path_factory.mktemp("project"), shipped=("params", "data"))


@pytest.fixture(scope="session")
def built(project):
    """Reports built once: the transactional demo in English, the subscription demo in Italian, each after an
    earlier report of the same client (without PDF) that the later one compares itself with."""
    old = os.environ.get("CLV_PROJECT_ROOT")
    os.environ["CLV_PROJECT_ROOT"] = str(project)
    try:
        previous = build_report("demo", "2025-06", "en", "none", progress=False, root=project)
        previous_subscription = build_report("demo-subscription", "2025Q2", "it", "none", progress=False,
                                             root=project)
        results = {
            "demo": build_report("demo", None, "en", "weasyprint", progress=False, root=project),
            "demo-subscription": build_report("demo-subscription", "2025Q4", "it", "auto", progress=False,
                                              root=project),
        }
    finally:
        if old is None:
            os.environ.pop("CLV_PROJECT_ROOT", None)
        else:
            os.environ["CLV_PROJECT_ROOT"] = old
    results["demo-2025-06"] = previous
    results["demo-subscription-2025Q2"] = previous_subscription
    return results


def test_outputs_are_published(built):
    demo = built["demo"]
    assert demo.period == "2025-12"  # the last complete month in the demo data
    assert built["demo-subscription"].period == "2025Q4"
    for name in ("demo", "demo-subscription"):
        result = built[name]
        names = {p.name for p in result.folder.iterdir()}
        assert {"clv_report.html", "clv_report.pdf", "clv_report.ipynb", "customers.csv", "segments.csv",
                "data_quality.csv", "kpis.json"} <= names
        assert not any(p.name.startswith(".staging") for p in result.folder.parent.iterdir())


@pytest.mark.parametrize("client, language", [("demo", "en"), ("demo-subscription", "it")])
def test_html_is_clean_and_complete(built, client, language):
    html = (built[client].folder / "clv_report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and not re.search(r"(src|href)=[\"']?https?:", html)
    for noise in ("jp-InputArea", "In&nbsp;[", "Traceback", "report.cover()", "from clv_lib"):
        assert noise not in html
    text = re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))
    assert not re.search(r"\b(nan|NaN|inf|None)\b", text), re.search(r".{40}\b(nan|NaN|inf|None)\b.{40}", text)
    texts = catalogue(language)
    for chapter in CHAPTERS:
        assert texts[f"toc.{chapter}"] in unescape(html), chapter
    assert f'<html lang="{language}"' in html
    assert html.count('src="data:image/svg+xml;base64,') >= 12


def test_segment_migration_against_the_previous_report(built):
    """The 2025-12 report finds the 2025-06 report of the same client and shows the movements between them."""
    html = unescape((built["demo"].folder / "clv_report.html").read_text(encoding="utf-8"))
    assert "Movement since the previous report" in html
    assert "Customers by segment in the previous report (2025-06" in html
    assert "No earlier report of this client was found" not in html
    old = pd.read_csv(built["demo-2025-06"].folder / "customers.csv", dtype={"customer_id": str})
    assert old["first_order"].max() <= "2025-06-30"  # the cut-off of the earlier period


def test_subscription_track_record_counts_paying_subscribers_in_italian(built):
    """For subscriptions the track record compares subscribers still paying and their revenue (sBG), not
    purchases; the chapter says why, in Italian."""
    kpis = json.loads((built["demo-subscription"].folder / "kpis.json").read_text())
    (entry,) = kpis["track_record"]
    assert entry["report_period"] == "2025Q2" and entry["months_elapsed"] == 6
    assert entry["predicted_purchases"] is None and entry["actual_purchases"] is None
    earlier = pd.read_csv(built["demo-subscription-2025Q2"].folder / "customers.csv", dtype={"customer_id": str})
    now = pd.read_csv(built["demo-subscription"].folder / "customers.csv", dtype={"customer_id": str})
    paying = set(earlier.loc[~earlier["churned"], "customer_id"])
    assert entry["customers"] == len(paying)
    assert entry["actual_active_subscribers"] == int((~now.loc[now["customer_id"].isin(paying), "churned"]).sum())
    assert 0 < entry["predicted_active_subscribers"] <= len(paying) and entry["actual_revenue"] > 0
    html = unescape((built["demo-subscription"].folder / "clv_report.html").read_text(encoding="utf-8"))
    texts = catalogue("it")
    for key in ("toc.since", "since.track.title", "since.headline.title", "segments.migration.title"):
        assert texts[key] in html, key
    assert "gli abbonati pagano restando, non ordinando di nuovo" in html
    index = unescape((built["demo-subscription"].folder.parent / "index.html").read_text(encoding="utf-8"))
    assert "2025Q2/clv_report.html" in index and "2025Q4/clv_report.pdf" in index
    assert catalogue("it")["since.metric.active_subscribers"] in index  # the params' language: Italian
    earlier_html = unescape((built["demo-subscription-2025Q2"].folder / "clv_report.html").read_text("utf-8"))
    assert "Questo è il primo report di" in earlier_html and texts["toc.since"] not in earlier_html


def test_pdf_has_the_chapters_and_no_blank_page(built, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    for client in ("demo", "demo-subscription"):
        result = built[client]
        reader = pypdf.PdfReader(result.folder / "clv_report.pdf")
        assert len(reader.pages) >= 8
        text = " ".join(page.extract_text() for page in reader.pages)
        language = "en" if client == "demo" else "it"
        for chapter in ("summary", "since", "data", "predicted", "actions", "appendix"):
            heading = catalogue(language)[f"toc.{chapter}"].split(":")[0]
            assert heading in text, (client, heading)
    if not shutil.which("pdftoppm"):
        missing("poppler-utils (pdftoppm) not installed (.ci/run installs it)")
    from PIL import Image

    for client in ("demo", "demo-subscription"):  # WeasyPrint's PDF, and Chromium's (PDF_ENGINE=auto)
        pdf = built[client].folder / "clv_report.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "20", str(pdf), str(tmp_path / client)], check=True)
        pages = sorted(tmp_path.glob(f"{client}-*.png"))
        assert len(pages) >= 8
        for page in pages:
            gray = Image.open(page).convert("L")
            dark = sum(gray.histogram()[:200])
            # A page with only its footer (or a stray heading) has ~0.1 % dark pixels; a text page has several %.
            assert dark > 0.003 * gray.width * gray.height, f"{client} {page.name} is (nearly) blank"


def test_browser_started_ahead_prints_what_print_to_pdf_prints(built, tmp_path):
    """The report's Chromium PDF comes from a browser started while the notebook ran (runner/browser.py); its
    pages are the pages `chromium --print-to-pdf` makes of the same HTML."""
    if built["demo-subscription"].pdf_engine != "chromium" or not shutil.which("pdftoppm"):
        missing("chromium and poppler-utils (pdftoppm) (.ci/run installs them)")
    from clv_lib.runner.render_pdf import _chromium

    folder = built["demo-subscription"].folder
    _chromium(folder / "clv_report.html", tmp_path / "cli.pdf")
    for name, pdf in (("ahead", folder / "clv_report.pdf"), ("cli", tmp_path / "cli.pdf")):
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / name)], check=True)
    ahead = sorted(tmp_path.glob("ahead-*.png"))
    cli = sorted(tmp_path.glob("cli-*.png"))
    assert len(ahead) == len(cli) >= 8
    for a, b in zip(ahead, cli):
        assert a.read_bytes() == b.read_bytes(), f"page {a.name} differs from --print-to-pdf's"


def test_headline_numbers_match_the_data_outputs(built):
    for client, result in built.items():  # also the 2025-06 report
        kpis = json.loads((result.folder / "kpis.json").read_text())
        customers = pd.read_csv(result.folder / "customers.csv", dtype={"customer_id": str})
        segments = pd.read_csv(result.folder / "segments.csv")
        assert kpis["customers"] == len(customers) == customers["customer_id"].nunique()
        for column in ("clv_12m", "clv_24m"):
            assert kpis[f"{column}_total"] == pytest.approx(customers[column].sum(), abs=0.01 * len(customers))
            by_segment = segments.loc[segments["segment"] != "all", column].sum()
            assert by_segment == pytest.approx(kpis[f"{column}_total"], rel=1e-6, abs=1.0)
        assert segments.loc[segments["segment"] != "all", "customers"].sum() == len(customers)
        for key in ("customers", "revenue", "clv_12m_total", "clv_24m_total", "churn_rate_monthly",
                    "lifetime_months", "ltv", "ltv_cac", "model", "validation_verdict"):
            assert key in kpis
        assert kpis["ltv_cac"] is not None  # both demo clients give a CAC
        assert not customers.select_dtypes("number").isna().any().any()
        assert (customers[["clv_12m", "clv_24m"]] >= 0).all().all()
        assert (customers["clv_24m"] >= customers["clv_12m"] - 0.01).all()


def test_executive_summary_prints_the_kpis_json_numbers(built):
    for client in ("demo", "demo-subscription"):
        result = built[client]
        kpis = json.loads((result.folder / "kpis.json").read_text())
        html = (result.folder / "clv_report.html").read_text(encoding="utf-8")
        f = Formatter("en" if client == "demo" else "it", kpis["currency"])
        for key in ("clv_12m_total", "clv_24m_total"):
            assert f.money_compact(kpis[key]) in html, key
        assert f.number(kpis["active_customers"]) in html
        assert f.ratio(kpis["ltv_cac"]) in html
        assert f.pct(kpis["churn_rate_monthly"]) in html


def test_italian_report_uses_italian_formats(built):
    html = (built["demo-subscription"].folder / "clv_report.html").read_text(encoding="utf-8")
    assert "Sintesi" in html and "Piano d'azione" in unescape(html)
    assert re.search(r"\d{1,3}(\.\d{3})+(,\d{2})?\xa0€", html)  # 1.234,56 €
    assert "Executive summary" not in html


def test_ledger_accounts_for_every_row(built):
    ledger = pd.read_csv(built["demo"].folder / "data_quality.csv")
    assert list(ledger.columns) == ["rule", "treatment", "rows", "revenue", "example_rows"]
    read = int(ledger.loc[ledger["rule"] == "read", "rows"].iloc[0])
    kept = int(ledger.loc[ledger["rule"] == "kept", "rows"].iloc[0])
    removed = int(ledger.loc[ledger["treatment"].isin(["excluded", "netted", "merged"]), "rows"].sum())
    assert read == kept + removed


def test_html_renders_in_headless_chromium_without_errors(built):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        missing("no Chromium on this machine (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=browser, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            for client in ("demo", "demo-subscription"):
                result = built[client]
                page = chrome.new_page()
                problems = []
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
                page.goto((result.folder / "clv_report.html").as_uri(), wait_until="load")
                images = page.evaluate("() => Array.from(document.images).map(i => "
                                       "[i.complete, i.naturalWidth, i.getBoundingClientRect().width])")
                assert len(images) >= 12
                assert all(ok and natural > 0 and shown > 0 for ok, natural, shown in images), images
                assert problems == []
                page.close()
        finally:
            chrome.close()


def test_new_customer_value_and_cac_budgets_per_channel(built):
    """Issue 15 on the demo: the channel coefficients, the new-customer CLV and maximum affordable CAC per channel
    with their intervals, the payback months, channels.csv and kpis.json saying the same, and the executive summary
    naming the channel that earns most per euro of acquisition."""
    folder = built["demo"].folder
    html = (folder / "clv_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))))
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    channels = pd.read_csv(folder / "channels.csv", dtype={"channel": str}).set_index("channel")
    assert set(channels.index) == {"all", "search", "social", "email", "marketplace"}
    assert kpis["model"].startswith(("BG/NBD + channel", "MBG/NBD + channel", "Pareto/NBD + channel"))
    for h in (12, 24):
        assert kpis[f"new_customer_clv_{h}m"] == pytest.approx(channels.loc["all", f"clv_{h}m"], abs=0.01)
    by_channel = kpis["max_affordable_cac_by_channel"]
    assert set(by_channel) == {"search", "social", "email", "marketplace"}
    for channel, value in by_channel.items():
        row = channels.loc[channel]
        assert row["max_affordable_cac"] == pytest.approx(value, abs=0.01)
        assert row["max_affordable_cac_low"] < value < row["max_affordable_cac_high"]
        assert row["clv_36m_low"] < row["clv_36m"] < row["clv_36m_high"]
        assert 0 <= row["payback_month"] <= 60 and row["cac"] > 0
    assert kpis["max_affordable_cac"] == pytest.approx(kpis["ltv"] / 3, abs=0.01)  # the blended SaaS figure
    best = kpis["best_channel_per_euro"]
    assert best == channels["margin_per_cac_36m"].drop("all").idxmax() and channels.loc[best, "rank"] == 1
    for sentence in ("What a new customer is worth, by acquisition channel", "What sets the channels apart",
                     "Which number for what", "Customer characteristics the models can use", "Purchase rate ×"):
        assert sentence in text, sentence
    summary = text[text.index("Three findings"):text.index("Top three actions")] if "Top three actions" in text \
        else text[text.index("Three findings"):]
    assert f"{best.capitalize()} earns the most per unit of acquisition spend" in summary
    assert re.search(r"Acquisition channel, (email|social|marketplace|search) against \w+: they buy", text)


def test_new_subscriber_value_per_channel_in_the_subscription_demo(built):
    """Issue 15 for subscriptions, on the subscription demo in Italian: the sBG value of a new subscriber per
    acquisition channel with its interval, the CAC budgets and payback beside the SaaS formula; the demo's channels
    do not retain differently (one sBG per channel is no better), so the report says they share the retention."""
    folder = built["demo-subscription"].folder
    html = (folder / "clv_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))))
    for sentence in ("Quanto vale un nuovo abbonato, per canale di acquisizione", "Canone mensile iniziale",
                     "La fidelizzazione non differisce in modo significativo fra canali", "Quale numero usare per cosa",
                     "Modello di fidelizzazione (sBG)"):
        assert sentence in text, sentence
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    channels = pd.read_csv(folder / "channels.csv", dtype={"channel": str}).set_index("channel")
    assert set(channels.index) == {"all", "organic", "paid_search", "partner", "outbound", "event"}
    assert kpis["new_customer_clv_24m"] == pytest.approx(channels.loc["all", "clv_24m"], abs=0.01)
    for channel, value in kpis["max_affordable_cac_by_channel"].items():
        row = channels.loc[channel]
        assert row["max_affordable_cac_low"] < value < row["max_affordable_cac_high"]
        assert 0 <= row["payback_month"] <= 60 and row["cac"] == 640.0
    assert kpis["max_affordable_cac"] == pytest.approx(channels.loc["all", "saas_max_affordable_cac"], abs=0.01)

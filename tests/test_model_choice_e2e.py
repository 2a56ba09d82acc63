"""Through the front door: `python -m clv_lib.runner report` (what `make report` runs) on a shop where nobody
drops out (tests/generated_orders.py, an Italian export, report in Italian), to HTML and PDF. The report must
name the NBD as the limit of the candidate models, validate it, and still show a risk analysis with customers in
it (activity judged from silence), never an empty win-back list. On a shop where, besides, everybody buys at one
rate (the 10M-order bench client's population) the report must name the Poisson limit instead of falling back
to historical CLV, in English too, with a positive predicted value in every segment that has customers. A SaaS
where nobody has ever cancelled (the demo's subscriptions without their cancellations) gets its report too: the
retention that cannot be fitted is said, with the churn assumed for it and its 95% bound, and the lifetime is
the stated cap, never a stop telling the consultant to send a longer export."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from generated_orders import generated_orders, publish
from scratch import ROOT, build, scratch_project

pytestmark = pytest.mark.slow


def _publish(tmp_path_factory, client: str, orders, name: str, language: str = "it") -> Path:
    return publish(tmp_path_factory.mktemp(f"{client}_client"), client, orders, name, language)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    return _publish(tmp_path_factory, "steady", generated_orders(600, dropout=False, seed=1), "Negozio Costante")


@pytest.fixture(scope="module")
def uniform(tmp_path_factory) -> Path:
    # Rates Gamma(10^6, 6 x 10^7): one purchase every 60 days for everybody (to 0.1 %), nobody leaves.
    orders = generated_orders(600, dropout=False, seed=2, r=1e6, alpha=6e7)
    return _publish(tmp_path_factory, "uniform", orders, "Uniform Shop", language="en")


@pytest.fixture(scope="module")
def loyal(tmp_path_factory) -> Path:
    root = scratch_project(tmp_path_factory.mktemp("loyal_client"))
    subscriptions = pd.read_csv(ROOT / "data" / "demo" / "subscriptions.csv", dtype=str)
    subscriptions.assign(canceled_at="").to_csv(root / "data" / "loyal.csv", index=False)
    params = (ROOT / "params" / "demo-subscription.yaml").read_text(encoding="utf-8")
    (root / "params" / "loyal.yaml").write_text(params.replace("data/demo/subscriptions.csv", "data/loyal.csv")
                                                .replace("language: en", "language: it")
                                                .replace("cac: 640.0", "cac: {organic: 500.0, partner: 700.0}"),
                                                encoding="utf-8")
    return build(root, "loyal", "--period", "2025Q4")


def _text(folder: Path) -> str:
    html = unescape((folder / "clv_report.html").read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))


def test_html_names_the_nbd_limit_and_shows_the_risk_analysis(published):
    text = _text(published)
    assert "NBD (limite di BG/NBD, Pareto/NBD, MBG/NBD)" in text
    assert "Il modello NBD è il limite del modello BG/NBD, Pareto/NBD, MBG/NBD" in text
    assert "sostituito da NBD" in text and "la verosimiglianza è massima dove nessuno abbandona" in text
    assert "Attività (dal silenzio)" in text and "Ordinamento e calibrazione" in text
    assert "nessun cliente di alto valore è a rischio" not in text
    kpis = json.loads((published / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["model"] == "NBD + Gamma-Gamma" and kpis["risk_basis"] == "silence"
    assert kpis["model_limit_of"] == "BG/NBD, Pareto/NBD, MBG/NBD" and kpis["winback_customers"] > 0
    assert kpis["validation_verdict"] in ("pass", "warn")
    assert 0 < kpis["holdout_purchases_gini"] <= 1 and len(kpis["holdout_purchases_deciles"]) == 10
    segments = pd.read_csv(published / "segments.csv")
    assert (segments.loc[segments["customers"] > 0, "clv_12m"] > 0).all()


def test_pdf_says_the_same(published):
    pypdf = pytest.importorskip("pypdf")
    pdf = published / "clv_report.pdf"
    assert pdf.exists()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "NBD" in text and "limite" in text
    assert "silenzio" in text


def test_one_rate_for_everybody_gives_the_poisson_limit_not_historical_clv(uniform):
    text = _text(uniform)
    assert "Poisson (limit of BG/NBD, Pareto/NBD, MBG/NBD)" in text
    assert "The Poisson model is the limit of the BG/NBD, Pareto/NBD, MBG/NBD model" in text
    assert "replaced by Poisson" in text and "every customer buys at the same rate" in text
    assert "No model could be used" not in text and "P(active), judged from her silence" in text
    kpis = json.loads((uniform / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["model"] == "Poisson + Gamma-Gamma" and kpis["risk_basis"] == "silence"
    assert kpis["model_limit_of"] == "BG/NBD, Pareto/NBD, MBG/NBD" and kpis["winback_customers"] > 0
    assert kpis["validation_verdict"] in ("pass", "warn")
    segments = pd.read_csv(uniform / "segments.csv")
    assert (segments.loc[segments["customers"] > 0, "clv_12m"] > 0).all()


def test_the_poisson_report_pdf_says_the_same(uniform):
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(uniform / "clv_report.pdf").pages)
    assert "Poisson" in text and "silence" in text


def test_a_saas_where_nobody_cancelled_gets_its_report_with_the_assumption_stated(loyal):
    text = _text(loyal)
    said = re.search(r"Nessun abbonato con contratti da 1 mese ha disdetto in ([\d.]+) rinnovi, quindi la loro "
                     r"fidelizzazione non si può stimare: l'abbandono per rinnovo è preso pari a (0,00\d\d%) \(la stima "
                     r"di Jeffreys .*?; sotto (0,0\d\d%) con il 95% di confidenza\)", text)
    assert said is not None, text[:3000]
    renewals = int(said.group(1).replace(".", ""))
    assert said.group(2) == f"{100 * 0.5 / (renewals + 1):.4f}%".replace(".", ",")
    assert said.group(3) == f"{100 * (1 - 0.05 ** (1 / renewals)):.3f}%".replace(".", ",")
    assert "Nessun abbonato con contratti da 12 mesi ha disdetto" in text
    # a CAC for two of the five channels: the others are named, and the blend weights the two priced ones only
    unpriced = re.search(r"I parametri non indicano un CAC per (.+?) \(([\d.]+) dei clienti acquisiti negli ultimi 12 "
                         r"mesi, [\d,]+%\): il CAC medio pesa solo i canali che ne hanno uno \(organic, partner\)", text)
    assert unpriced is not None and set(unpriced.group(1).split(", ")) == {"paid_search", "outbound", "event"}
    assert "CAC per canale pesati sui nuovi clienti degli ultimi 12 mesi" in text
    assert "la vita media è limitata a 120 mesi" in text and "export più lungo" not in text
    # the model table: the geometric limit (not "varies from customer to customer"), and not "0,0%"
    assert re.search(r" 1 mese – – 0,00\d\d% un'unica probabilità di abbandono per tutti", text), text
    assert re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE) is None
    kpis = json.loads((loyal / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["churn_rate_monthly"] == 0 and kpis["lifetime_capped"] is True and kpis["model"] == "sBG"
    assert kpis["clv_24m_total"] > kpis["clv_12m_total"] > 0 and 500 < kpis["cac"] < 700
    pypdf = pytest.importorskip("pypdf")
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(loyal / "clv_report.pdf").pages)
    assert "Nessun abbonato con contratti da" in re.sub(r"\s+", " ", pdf)

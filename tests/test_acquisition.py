"""What a new customer is worth by acquisition channel, through the analysis and through the front door.

Shops generated from the BG/NBD process with a known channel effect (tests/generated_orders.py): email customers
buy three times as often as search customers; a third channel brought a dozen customers. The covariate models
enter the holdout comparison beside the plain ones; the channel must be found, validated and used, the tiny channel
pooled (not fitted on noise), the CAC budgets ranked; without a CAC the report still gives each channel's
affordable CAC; a shop without channels gets the overall value of a new customer. The front-door run is an Italian
report, HTML and PDF, with no CAC in the params.
"""

from __future__ import annotations

import json
import os
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clv_lib.params import load_params
from clv_lib.pipeline import analysis_for
from clv_lib.report.spreadsheets import restore
from generated_orders import PARAMS, generated_orders, write_export
from scratch import build, scratch_project

CHANNELS = {"search": dict(n=700, alpha=120.0), "email": dict(n=500, alpha=40.0), "tv": dict(n=12, alpha=120.0)}


def channel_shop() -> pd.DataFrame:
    parts = []
    for i, (channel, spec) in enumerate(CHANNELS.items()):
        part = generated_orders(spec["n"], dropout=True, seed=10 + i, years=2.5, acquisition_months=27, r=2.0,
                                alpha=spec["alpha"], a=1.0, b=4.0)
        part["Cliente"] = f"{channel[:2].upper()}-" + part["Cliente"]
        part["Ordine"] = f"{channel[:2].upper()}-" + part["Ordine"]
        part["Canale"] = channel
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values("Data", kind="stable")


def _client(root: Path, name: str, frame: pd.DataFrame, extra: str = "") -> None:
    write_export(frame, root / "data" / f"{name}.csv")
    params = PARAMS.format(name=f"Negozio {name}", path=f"data/{name}.csv")
    if "Canale" in frame.columns:
        params = params.replace("amount: Importo}", "amount: Importo, channel: Canale}")
    (root / "params").mkdir(exist_ok=True)
    (root / "params" / f"{name}.yaml").write_text(params + extra, encoding="utf-8")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("channels")
    _client(root, "canali", channel_shop(), "cac: {search: 30.0, email: 10.0}\n")
    return analysis_for("canali", load_params(root / "params" / "canali.yaml"), None, "it", root)


def test_the_channel_is_found_validated_and_used(shop):
    table = shop.selection.table
    assert {"MBG/NBD + channel", "BG/NBD + channel", "Pareto/NBD + channel"} & set(table.index)
    model = shop.clv.transaction_model
    assert model.name.endswith("+ channel"), table[["mae", "bias", "verdict"]]
    assert shop.selection.best_name == model.name
    coefficients = model.coefficients().set_index(["effect", "level"])
    # Email customers buy three times as often (the generator's alpha 40 against 120 days).
    email = coefficients.loc[("purchase", "email")]
    assert abs(email["coefficient"] - np.log(3.0)) < 3 * email["standard_error"] + 0.15
    use = shop.covariate_use
    assert bool(use.loc["channel", "purchase_used"]) and use.loc["channel", "levels"] == 3


def test_a_channel_with_a_dozen_customers_is_pooled_not_fitted(shop):
    design = shop.clv.transaction_model.design_
    channel = next(c for c in design.used if c.column == "cov_channel")
    assert channel.mapping["tv"] == "search" and "tv" not in channel.levels
    assert channel.counts.loc["tv", "customers"] == 12
    assert not any("tv" in name for name in shop.clv.transaction_model.param_names)


def test_new_customer_value_and_budgets_per_channel(shop):
    value, budgets = shop.new_customer, shop.channel_budgets
    assert {"all", "email", "search"} <= set(value.table.index)
    # The generator's E[X(12 months)] of a new customer (FHL 2005 eq. 7, r = 2, a = 1, b = 4): 6.54 repeat purchases
    # with alpha = 40 days (email), 3.54 with alpha = 120 (search).
    assert value.table.loc["email", "purchases_12m"] == pytest.approx(6.54, rel=0.15)
    assert value.table.loc["search", "purchases_12m"] == pytest.approx(3.54, rel=0.15)
    assert (value.table["clv_36m_low"] <= value.table["clv_36m"]).all()
    assert (value.table["clv_36m"] <= value.table["clv_36m_high"]).all()
    assert budgets.loc["email", "rank"] == 1 and budgets.loc["search", "rank"] == 2
    assert budgets.attrs["ranked_by"] == "margin_per_euro"
    assert np.isnan(budgets.loc["tv", "cac"]) and pd.isna(budgets.loc["tv", "rank"])  # no CAC given for tv
    assert budgets.loc["email", "max_affordable_cac"] == pytest.approx(value.table.loc["email", "clv_36m"] / 3.0)


def test_a_shop_without_channels_gets_the_overall_value_of_a_new_customer(tmp_path):
    _client(tmp_path, "semplice", generated_orders(500, dropout=True, seed=3, years=2.5, acquisition_months=27))
    a = analysis_for("semplice", load_params(tmp_path / "params" / "semplice.yaml"), None, "en", tmp_path)
    assert "channel" not in a.customer_covariates.levels
    assert list(a.new_customer.table.index) == ["all"]
    assert a.new_customer.table.loc["all", "clv_36m"] > 0
    assert list(a.channel_budgets.index) == ["all"] and np.isnan(a.channel_budgets.loc["all", "cac"])


# ---- through the front door ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    root = scratch_project(tmp_path_factory.mktemp("channels_report"))
    _client(root, "canali", channel_shop())  # no CAC in the params
    return build(root, "canali")


@pytest.mark.slow
def test_italian_report_without_cac_shows_each_channels_affordable_cac(published):
    html = (published / "clv_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))))
    assert "Quanto vale un nuovo cliente, per canale di acquisizione" in text
    assert "Il CAC non è indicato: la tabella mostra quanto ogni canale può spendere" in text
    assert "Il canale tv ha troppo pochi clienti (12) per una stima propria: è valutato come search." in text
    assert "Senza CAC da confrontare: un nuovo cliente da email può costare fino a" in text
    assert "Caratteristiche dei clienti che i modelli possono usare" in text and "usata (p < 0,001)" in text
    assert "Che cosa distingue i canali" in text and "frequenza di acquisto" in text
    assert "MBG/NBD + canale" in text or "BG/NBD + canale" in text or "Pareto/NBD + canale" in text
    kpis = json.loads((published / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["best_channel_per_euro"] is None and kpis["cac"] is None
    by_channel = kpis["max_affordable_cac_by_channel"]
    assert set(by_channel) == {"email", "search", "tv"} and by_channel["email"] > by_channel["search"] > 0
    assert 0 < kpis["new_customer_clv_12m"] < kpis["new_customer_clv_24m"] < kpis["new_customer_clv_36m"]
    channels = pd.read_csv(published / "channels.csv", dtype={"channel": str}).set_index("channel")
    assert channels.loc["email", "max_affordable_cac"] == pytest.approx(by_channel["email"], abs=0.01)
    assert channels["cac"].isna().all() and channels["payback_month"].isna().all()
    assert channels.loc["all", "clv_12m"] == pytest.approx(kpis["new_customer_clv_12m"], abs=0.01)


@pytest.mark.slow
def test_italian_pdf_says_the_same(published):
    pypdf = pytest.importorskip("pypdf")
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(published /
                                                                                        "clv_report.pdf").pages))
    assert "Quanto vale un nuovo cliente" in text and "CAC massimo sostenibile" in text
    assert "Che cosa distingue i canali" in text


def test_channels_csv_is_safe_for_spreadsheets(published):
    raw = (published / "channels.csv").read_text(encoding="utf-8")
    first = raw.splitlines()[1]
    assert first.startswith('"') and restore(pd.read_csv(published / "channels.csv").iloc[0, 0]) in CHANNELS | {
        "all": None}


@pytest.fixture(scope="module")
def demo_italian(tmp_path_factory) -> Path:
    """The demo (four channels with their CACs) in Italian, HTML and PDF, in a scratch copy of the project."""
    from clv_lib.runner.job import build_report

    root = scratch_project(tmp_path_factory.mktemp("demo_it"), shipped=("params", "data"))
    old = os.environ.get("CLV_PROJECT_ROOT")
    os.environ["CLV_PROJECT_ROOT"] = str(root)
    try:
        return build_report("demo", None, "it", "auto", progress=False, root=root).folder
    finally:
        if old is None:
            os.environ.pop("CLV_PROJECT_ROOT", None)
        else:
            os.environ["CLV_PROJECT_ROOT"] = old


@pytest.mark.slow
def test_italian_demo_names_the_channel_that_earns_most_per_euro(demo_italian):
    html = (demo_italian / "clv_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))))
    kpis = json.loads((demo_italian / "kpis.json").read_text(encoding="utf-8"))
    best = kpis["best_channel_per_euro"]
    assert best in {"email", "search", "social", "marketplace"}
    summary = text[text.index("Tre evidenze"):text.index("Le tre azioni prioritarie")]
    assert f"{best.capitalize()} rende di più per unità spesa in acquisizione" in summary
    for sentence in ("Quanto vale un nuovo cliente, per canale di acquisizione", "Che cosa distingue i canali",
                     "Quale numero usare per cosa", "CAC massimo sostenibile", "Frequenza di acquisto ×",
                     "Canale di acquisizione, "):
        assert sentence in text, sentence
    assert re.search(r"Rientro.*(al primo ordine|\d+ mes[ei])", text)
    pypdf = pytest.importorskip("pypdf")
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(demo_italian /
                                                                              "clv_report.pdf").pages))
    assert "Quanto vale un nuovo cliente" in pdf and "Che cosa distingue i canali" in pdf
    assert f"{best.capitalize()} rende di più" in pdf

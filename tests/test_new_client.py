"""`make client`: params written from an export, each detection with its evidence, questions marked, never an
overwrite; and the reports those params build without edits (demo: once its exchange-rate question is answered),
for the shipped exports and the kinds the README lists (Shopify, Stripe, Online Retail-style, Italian
accounting), through `make reports` in a scratch project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from export_kinds import italian_accounting, online_retail, shopify, stripe
from scratch import runner, scratch_project

from clv_lib.params import load_params

ROOT = Path(__file__).resolve().parents[1]
MADE = {"shopify": (shopify, "orders_export.csv"), "stripe": (stripe, "subscriptions.csv"),
        "retail": (online_retail, "Online Retail.csv"), "gestionale": (italian_accounting, "fatture.csv")}
SHIPPED = {"bottega": "data/demo/orders.csv", "nuvola": "data/demo/subscriptions.csv",
           "cdnow-sample": "data/cdnow/CDNOW_sample.txt"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict:
    """A scratch project with the real notebook; params written by `client` for every export."""
    root = scratch_project(tmp_path_factory.mktemp("clients"), shipped=("data",))  # the shipped exports, relative paths
    incoming = tmp_path_factory.mktemp("incoming")  # a consultant's download folder, outside the project
    exports = {client: make(incoming / name) for client, (make, name) in MADE.items()}
    exports.update({client: Path(path) for client, path in SHIPPED.items()})
    printed = {}
    for client, path in exports.items():
        proc = runner(root, "client", "--client", client, "--data", str(path))
        assert proc.returncode == 0, proc.stderr
        printed[client] = proc.stdout
    return {"root": root, "exports": exports, "printed": printed}


def params_text(project, client: str) -> str:
    """The file's text with wrapped comments joined to the line they belong to."""
    text = (project["root"] / "params" / f"{client}.yaml").read_text(encoding="utf-8")
    return re.sub(r"\n {10,}# ", " ", text)


def value_line(text: str, key: str) -> str:
    return next(line for line in text.splitlines() if re.match(rf"\s*{key}:", line))


def test_every_written_file_loads_and_names_the_export(project):
    for client in project["exports"]:
        params = load_params(project["root"] / "params" / f"{client}.yaml")
        assert not params.margin_given and params.cac is None  # questions left as commented keys
        assert "# gross_margin: 0.35" in params_text(project, client)
        assert "QUESTION" in value_line(params_text(project, client), "# gross_margin")
        printed = project["printed"][client]
        assert f"params/{client}.yaml written for review" in printed
        assert printed.strip().splitlines()[-1] == f"first report: make report CLIENT={client}"
        assert "questions: gross_margin, cac" in printed


def test_detections_carry_their_evidence(project):
    text = params_text(project, "bottega")  # the demo export: ';', UTF-8 with BOM, 1.234,56, day first, EUR + 2
    assert re.search(r'decimal: ","\s+# [\d,]+ of [\d,]+ distinct amounts in \'Importo\' that show a decimal mark '
                     r"use ','", text)
    assert re.search(r"dayfirst: true\s+# 'Data': DD/MM/YYYY \([\d,]+ of 17,057 rows\); values above 12 come first",
                     text)
    assert re.search(r"currency: EUR\s+# 17,032 of 17,057 rows are in EUR \(column 'Valuta'\)", text)
    assert re.search(r"# fx_rates: \{GBP: \?, USD: \?\}\s+# QUESTION: 15 rows in GBP, 10 rows in USD", text)
    assert "email_fallback: true" in text and "language: it" in text and 'delimiter: ";"' in text
    assert "encoding: utf-8-sig" in text and "business_model: transactional" in text
    assert "annullato 85 excluded (cancelled order)" in text.replace("\n#     ", " ")
    assert "'Data': DD/MM/YYYY" in text

    params = {c: load_params(project["root"] / "params" / f"{c}.yaml") for c in project["exports"]}
    assert params["nuvola"].business_model == "subscription" and params["stripe"].business_model == "subscription"
    assert params["stripe"].data.columns["billing_interval"] == "Interval"
    assert params["stripe"].currency == "EUR"  # Stripe writes 'eur'
    shop = params["shopify"]
    assert shop.business_model == "transactional" and shop.currency == "EUR"
    assert {"order_id": "Name", "amount": "Total", "refunded_amount": "Refunded Amount", "email": "Email",
            "status": "Financial Status"}.items() <= shop.data.columns.items()
    retail = params["retail"]
    assert retail.data.dayfirst is False and {"quantity", "unit_price"} <= set(retail.data.columns)
    assert "QUESTION" in value_line(params_text(project, "retail"), "currency")  # no currency column, no symbol
    gestionale = params["gestionale"]
    assert gestionale.language == "it" and gestionale.data.decimal == "," and gestionale.data.delimiter == ";"
    assert gestionale.data.encoding in ("cp1252", "latin-1") and gestionale.data.dayfirst is True
    cdnow = params["cdnow-sample"]
    assert cdnow.data.header is False and set(cdnow.data.columns) == {"customer_id", "order_date", "amount"}
    assert cdnow.data.columns["order_date"] == "column_3" and cdnow.data.columns["amount"] == "column_5"


def test_an_existing_params_file_is_never_overwritten(project):
    target = project["root"] / "params" / "shopify.yaml"
    before = target.read_bytes()
    proc = runner(project["root"], "client", "--client", "shopify", "--data", str(project["exports"]["shopify"]))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == ("error: params/shopify.yaml already exists and is not overwritten; remove it or "
                                   "choose another CLIENT")
    assert target.read_bytes() == before
    proc = runner(project["root"], "client", "--client", "nobody", "--data", "missing/export.csv")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "file not found" in proc.stderr
    assert not (project["root"] / "params" / "nobody.yaml").exists()


def test_make_client_errors_in_the_clients_language(project):
    """No params yet: LANGUAGE says the language of the messages; an existing params file says it itself."""
    proc = runner(project["root"], "client", "--client", "nobody", "--data", "missing/export.csv", "--language", "it")
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "errore: missing/export.csv: file non trovato"
    proc = runner(project["root"], "client", "--client", "nobody", "--data", "", "--language", "it")
    assert proc.stderr.strip().startswith("errore: DATA è vuoto: indicare l'export del cliente")
    assert project["printed"]["gestionale"] and "language: it" in params_text(project, "gestionale")
    proc = runner(project["root"], "client", "--client", "gestionale", "--data", str(project["exports"]["shopify"]))
    assert proc.returncode == 2 and proc.stderr.strip() == ("errore: params/gestionale.yaml esiste già e non viene "
                                                            "sovrascritto; rimuoverlo o scegliere un altro CLIENT")
    assert not (project["root"] / "params" / "nobody.yaml").exists()


def test_make_client_target_refuses_to_overwrite_the_demo():
    before = (ROOT / "params" / "demo.yaml").read_bytes()
    proc = subprocess.run(["make", "--no-print-directory", "client", "CLIENT=demo", "DATA=data/demo/orders.csv"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode != 0 and "params/demo.yaml already exists" in proc.stderr
    assert (ROOT / "params" / "demo.yaml").read_bytes() == before
    proc = subprocess.run(["make", "--no-print-directory", "client", "CLIENT=nessuno", "DATA=dati/ordini.csv",
                           "LANGUAGE=it"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode != 0 and "errore: dati/ordini.csv: file non trovato" in proc.stderr
    assert not (ROOT / "params" / "nessuno.yaml").exists()


@pytest.mark.slow
def test_the_written_params_build_reports(project):
    """Every client's report builds (HTML and PDF) from the written params; only the demo's exchange-rate
    question is answered first, as its QUESTION line asks."""
    path = project["root"] / "params" / "bottega.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"  # fx_rates: \{GBP: \?, USD: \?\}", "  fx_rates: {GBP: 1.17, USD: 0.92}", text),
                    encoding="utf-8")
    proc = runner(project["root"], "reports", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(project['exports'])} of {len(project['exports'])} reports built" in proc.stdout
    for client in project["exports"]:
        (folder,) = [p for p in (project["root"] / "reports" / client).iterdir()
                     if p.is_dir() and not p.name.startswith(".")]
        assert {"clv_report.html", "clv_report.pdf", "customers.xlsx"} <= {p.name for p in folder.iterdir()}
        html = (folder / "clv_report.html").read_text(encoding="utf-8")
        meta = yaml.safe_load((folder / "report_meta.json").read_text(encoding="utf-8"))
        margin = "non indicato" if meta["language"] == "it" else "not given: values are revenue"
        assert margin in html  # the cover says the margin is a question still
